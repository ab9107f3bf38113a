"""The web app's doors: signing in (argon2, the throttle), the session cookie's flags, CSRF on every form,
roles on every route, and API tokens. Each test drives the real app over HTTP (httpx's ASGI transport)
on a real database."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from scheduler import db
from scheduler.config import Settings, get_settings
from scheduler.models import ApiToken, PostState, Role, SignInFailure, User, utcnow
from scheduler.newsroom import bulk, users
from scheduler.newsroom.accounts import ensure_default_account, find_account
from scheduler.web.app import WebConfigError, create_app
from scheduler.web.auth import CSRF_FIELD, SESSION_COOKIE

PASSWORD = "correct horse battery"
BASE = "https://scheduler.test"  # the session cookie is Secure: the client sends it over HTTPS only


@pytest.fixture
def settings(isolated_settings: Path) -> Settings:
    return Settings(var_dir=isolated_settings, secret_key=Fernet.generate_key().decode())


@pytest.fixture
def app_url(database_url: str) -> str:
    with db.session_scope(database_url) as session:
        for role in Role:
            users.add_user(session, role.value, role, PASSWORD)
        ensure_default_account(session)
    return database_url


@pytest.fixture
def client(settings: Settings, app_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(settings, database_url=app_url), base_url=BASE) as test_client:
        yield test_client


def csrf_of(page: str) -> str:
    found = re.search(rf'name="{CSRF_FIELD}" value="([^"]+)"', page)
    assert found, "the page has no CSRF field"
    return found[1]


def sign_in(client: TestClient, name: str, password: str = PASSWORD, **extra: str) -> object:
    form = client.get("/sign-in")
    return client.post(
        "/sign-in",
        data={"name": name, "password": password, CSRF_FIELD: csrf_of(form.text), **extra},
        follow_redirects=False,
    )


def test_the_web_app_will_not_start_without_the_secret_key(isolated_settings: Path) -> None:
    with pytest.raises(WebConfigError, match="SCHEDULER_SECRET_KEY is not set"):
        create_app(Settings(var_dir=isolated_settings))


def test_signing_in_sets_a_signed_httponly_samesite_secure_cookie_and_opens_the_dashboard(
    client: TestClient,
) -> None:
    response = sign_in(client, "editor")
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax", "secure", "path=/"} <= flags
    assert f"max-age={12 * 3600}" in flags
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert "Dashboard" in dashboard.text and "editor" in dashboard.text and "outbox" in dashboard.text
    assert dashboard.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in dashboard.headers["content-security-policy"]


def test_a_tampered_cookie_is_no_session(client: TestClient) -> None:
    sign_in(client, "admin")
    value = client.cookies.get(SESSION_COOKIE)
    assert value
    client.cookies.set(SESSION_COOKIE, value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"))
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/sign-in?next=/"


def test_a_wrong_password_is_refused_and_recorded_with_no_session(client: TestClient, app_url: str) -> None:
    response = sign_in(client, "editor", "not the password")
    assert response.status_code == 400
    assert "the name and password do not match" in response.text
    assert client.get("/", follow_redirects=False).status_code == 303
    unknown = sign_in(client, "nobody", PASSWORD)
    assert unknown.status_code == 400 and "the name and password do not match" in unknown.text
    with db.session_scope(app_url) as session:
        assert session.scalar(select(func.count(SignInFailure.id))) == 2


def test_sign_in_is_throttled_after_five_failures_for_a_name(client: TestClient, app_url: str) -> None:
    for _ in range(users.FAILURES_PER_NAME):
        assert sign_in(client, "approver", "wrong password!").status_code == 400
    refused = sign_in(client, "approver")  # the right password, too late
    assert refused.status_code == 429
    assert "too many failed sign-ins; try again in 15 minutes" in refused.text
    assert 0 < int(refused.headers["retry-after"]) <= 15 * 60
    # Another name from the same address is not held back by these five.
    assert sign_in(client, "editor").status_code == 303
    # Once the failures are older than the window, the right password works again.
    with db.session_scope(app_url) as session:
        for failure in session.scalars(select(SignInFailure)):
            failure.at = utcnow() - users.THROTTLE_WINDOW - timedelta(seconds=1)
    client.cookies.clear()
    assert sign_in(client, "approver").status_code == 303


def test_passwords_are_kept_as_argon2id_hashes(app_url: str) -> None:
    with db.session_scope(app_url) as session:
        stored = session.scalar(select(User.password_hash).where(User.name == "editor"))
    assert stored is not None and stored.startswith("$argon2id$") and PASSWORD not in stored


def test_a_password_kept_at_another_cost_is_hashed_again_at_the_configured_one_when_it_signs_in(
    client: TestClient, app_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("TIME_COST", "MEMORY_KIB", "PARALLELISM"):
        monkeypatch.delenv(f"SCHEDULER_PASSWORD_HASH_{name}")
    get_settings.cache_clear()
    production = get_settings()
    assert (production.password_hash_time_cost, production.password_hash_memory_kib) == (3, 65_536)
    assert sign_in(client, "editor").status_code == 303
    with db.session_scope(app_url) as session:
        stored = session.scalar(select(User.password_hash).where(User.name == "editor"))
    assert stored is not None and stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    client.cookies.clear()
    assert sign_in(client, "editor").status_code == 303  # the new hash checks out


def test_a_form_without_the_csrf_token_is_refused(client: TestClient) -> None:
    refused = client.post("/sign-in", data={"name": "editor", "password": PASSWORD}, follow_redirects=False)
    assert refused.status_code == 403 and "The form was out of date" in refused.text
    sign_in(client, "editor")
    # Signed in, a form with another session's token (or none) changes nothing.
    assert client.post("/sign-out", data={CSRF_FIELD: "forged"}, follow_redirects=False).status_code == 403
    assert client.post("/sign-out", follow_redirects=False).status_code == 403
    assert client.get("/").status_code == 200  # still signed in
    token = csrf_of(client.get("/").text)
    signed_out = client.post("/sign-out", data={CSRF_FIELD: token}, follow_redirects=False)
    assert signed_out.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_signing_in_starts_a_new_session_with_a_new_csrf_token(client: TestClient) -> None:
    before = csrf_of(client.get("/sign-in").text)
    sign_in(client, "editor")
    after = csrf_of(client.get("/").text)
    assert before != after


def test_after_signing_in_the_browser_goes_where_it_was_going_on_this_site_only(client: TestClient) -> None:
    response = client.get("/?page=2", follow_redirects=False)
    assert response.headers["location"] == "/sign-in?next=/%3Fpage%3D2"
    assert sign_in(client, "editor", next="/?page=2").headers["location"] == "/?page=2"
    client.cookies.clear()
    assert sign_in(client, "editor", next="https://evil.example/").headers["location"] == "/"
    client.cookies.clear()
    assert sign_in(client, "editor", next="//evil.example/x").headers["location"] == "/"


def test_a_new_password_ends_the_sessions_before_it(client: TestClient, app_url: str) -> None:
    sign_in(client, "editor")
    assert client.get("/").status_code == 200
    with db.session_scope(app_url) as session:
        users.set_password(session, users.find_user(session, "editor"), "a brand new password")
    assert client.get("/", follow_redirects=False).status_code == 303


# --- roles on every route ---------------------------------------------------------------------------


def api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """The app's routes, also those of included routers (newer FastAPI keeps them apart)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from api_routes(route.original_router.routes)


def routes_and_actions(client: TestClient) -> list[tuple[APIRoute, str | None]]:
    """Every route of the app with the action its viewer dependency names (None: open to anyone)."""
    found = []
    for route in api_routes(client.app.routes):  # type: ignore[attr-defined]
        actions = [d.call.action for d in route.dependant.dependencies if hasattr(d.call, "action")]
        found.append((route, actions[0] if actions else None))
    return found


OPEN_ROUTES = {("GET", "/sign-in"), ("POST", "/sign-in"), ("POST", "/sign-out")}


def test_every_route_but_signing_in_and_out_names_the_action_it_needs(client: TestClient) -> None:
    seen = set()
    for route, action in routes_and_actions(client):
        for method in route.methods:
            seen.add((method, route.path))
            if (method, route.path) in OPEN_ROUTES:
                assert action is None
            else:
                assert action in users.ALLOWED, f"{method} {route.path} checks no role"
    assert seen >= OPEN_ROUTES and len(seen) > len(OPEN_ROUTES)


def sample_path(path: str) -> str:
    return re.sub(r"\{\w+_id\}", "1", path).replace("{name}", "outbox")


# A valid body for the API routes that take one.
SAMPLE_BODIES = {
    "/api/v1/posts/{post_id}/reschedule": {"at": "2031-01-01T09:00:00Z"},
    "/api/v1/articles": {"text": "A title\n\nA paragraph of the article, long enough to read."},
    "/api/v1/posts": {"article_id": 1, "account": "outbox"},
    "/api/v1/posts/{post_id}/comments": {"text": "Looks right"},
    "/api/v1/posts/{post_id}/reject": {"reason": "Name the source"},
    "/api/v1/articles/{article_id}/withdraw": {"reason": "legal"},
    "/api/v1/articles/{article_id}/correction": {"title": "A corrected title", "dry_run": True},
    "/api/v1/articles/{article_id}/campaign/timeline": {"name": "default", "accounts": ["outbox"]},
    "/api/v1/articles/{article_id}/campaign": {"name": "default", "accounts": ["outbox"]},
    "/api/v1/articles/{article_id}/embargo": {"until": "2031-01-01T09:00:00Z"},
    "/api/v1/articles/{article_id}/evergreen": {"reshare": False},
    # A dry run: the walk must not write a campaign file into the project's templates.
    "/api/v1/campaigns/{name}": {
        "text": "name: outbox\nsteps:\n  - step: announce\n    when: next slot\n",
        "dry_run": True,
    },
    "/api/v1/accounts/{name}/evergreen": {"after_days": 30},
    "/api/v1/feeds": {"url": "https://news.example/feed.xml", "accounts": ["outbox"], "check": False},
    "/api/v1/imports": {"csv": "article,account\n,outbox\n"},  # a dry run: its row's problem, nothing fetched
    **{f"/api/v1/posts/bulk/{action}": {"posts": [1], "offset": "+1h"} for action in bulk.Action},
    "/api/v1/accounts/{name}/queue": {"order": [1, 2]},
    "/api/v1/compositions/preview": {"accounts": ["outbox"], "text": "A post of our own"},
    "/api/v1/compositions": {"accounts": ["outbox"], "text": "A post of our own"},
    "/api/v1/account-groups": {"name": "The desk", "accounts": ["outbox"]},
}
# What a route past the door may answer to its sample body on the walk's database (its status, and words
# its answer holds): post 1 is not in the queue, or (made by an earlier route's campaign) not the editor's.
SAMPLE_REFUSALS = {("PUT", "/api/v1/accounts/{name}/queue"): {409: "", 403: "is not yours"}}
# The query a GET route cannot do without.
SAMPLE_QUERIES = {"/api/v1/calendar": {"start": "2031-01-01T00:00:00Z", "end": "2031-01-08T00:00:00Z"}}


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_each_role_gets_the_pages_its_actions_allow_and_a_403_elsewhere(
    client: TestClient, role: str
) -> None:
    sign_in(client, role)
    token = csrf_of(client.get("/").text)
    checked = 0
    for route, action in routes_and_actions(client):
        if action is None or route.path.startswith("/api/"):
            continue
        for method in route.methods:
            path = sample_path(route.path)
            response = (
                client.get(path, follow_redirects=False)
                if method == "GET"
                else client.request(method, path, data={CSRF_FIELD: token}, follow_redirects=False)
            )
            if users.may(role, action):
                # Past the door: the page itself answers (sample ids may not exist: 404).
                assert response.status_code not in (401, 403), (
                    f"{role} {method} {path}: {response.status_code}"
                )
                assert response.status_code < 500 and "/sign-in" not in response.headers.get("location", "")
            else:
                assert response.status_code == 403, f"{role} {method} {path}: {response.status_code}"
                assert f"({role})" in response.text
            checked += 1
    assert checked >= 1


def test_a_page_without_a_session_sends_the_browser_to_sign_in(client: TestClient) -> None:
    for route, action in routes_and_actions(client):
        if action is None or route.path.startswith("/api/") or "GET" not in route.methods:
            continue
        response = client.get(sample_path(route.path), follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/sign-in?next=")


# --- API tokens ----------------------------------------------------------------------------------------


def token_for(url: str, name: str, label: str = "script") -> str:
    with db.session_scope(url) as session:
        return users.create_token(session, users.find_user(session, name), label)


def test_api_tokens_are_kept_as_digests_and_name_their_user(client: TestClient, app_url: str) -> None:
    token = token_for(app_url, "approver")
    with db.session_scope(app_url) as session:
        digests = list(session.scalars(select(ApiToken.digest)))
    assert token not in digests and len(digests) == 1
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json() == {"name": "approver", "role": "approver"}


def test_the_api_refuses_no_token_a_wrong_token_and_a_revoked_one(client: TestClient, app_url: str) -> None:
    missing = client.get("/api/v1/me")
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer" in missing.json()["detail"]
    wrong = client.get("/api/v1/me", headers={"Authorization": "Bearer aps_not-a-token"})
    assert wrong.status_code == 401 and "unknown or revoked" in wrong.json()["detail"]
    token = token_for(app_url, "editor", "cms")
    with db.session_scope(app_url) as session:
        users.revoke_token(session, users.find_user(session, "editor"), "cms")
    revoked = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert revoked.status_code == 401


def test_the_api_takes_no_session_cookie(client: TestClient) -> None:
    """A signed-in browser is no API client: a page on another site cannot use its cookie on the API."""
    sign_in(client, "admin")
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_each_role_may_call_the_api_routes_its_actions_allow(
    client: TestClient, app_url: str, role: str
) -> None:
    headers = {"Authorization": f"Bearer {token_for(app_url, role)}"}
    checked = 0
    for route, action in routes_and_actions(client):
        if not route.path.startswith("/api/"):
            continue
        assert action is not None
        for method in route.methods:
            body = SAMPLE_BODIES.get(route.path, {}) if method in ("POST", "PUT") else None
            query = SAMPLE_QUERIES.get(route.path) if method == "GET" else None
            response = client.request(
                method, sample_path(route.path), headers=headers, json=body, params=query
            )
            if users.may(role, action):
                refusals = SAMPLE_REFUSALS.get((method, route.path), {})
                refused = refusals.get(response.status_code)
                assert response.status_code in (200, 201, 404) or (
                    refused is not None and refused in response.text
                ), f"{role} {method} {route.path}: {response.text}"
            else:
                assert response.status_code == 403, f"{role} {method} {route.path}: {response.status_code}"
            checked += 1
    assert checked >= 8


def test_pausing_and_resuming_through_the_api_is_the_cli_s_pause(client: TestClient, app_url: str) -> None:
    headers = {"Authorization": f"Bearer {token_for(app_url, 'approver')}"}
    paused = client.post("/api/v1/accounts/outbox/pause", headers=headers)
    assert paused.status_code == 200 and paused.json()["already_paused"] is False
    assert client.get("/api/v1/accounts/outbox", headers=headers).json()["paused_at"] is not None
    again = client.post("/api/v1/accounts/outbox/pause", headers=headers)
    assert again.json()["already_paused"] is True
    resumed = client.post("/api/v1/accounts/outbox/resume", headers=headers)
    assert resumed.status_code == 200 and resumed.json()["was_paused"] is True
    assert client.get("/api/v1/accounts/outbox", headers=headers).json()["paused_at"] is None
    missing = client.post("/api/v1/accounts/nowhere/pause", headers=headers)
    assert missing.status_code == 404 and "no account named 'nowhere'" in missing.json()["detail"]


def test_posts_are_listed_by_state_and_a_draft_approved(client: TestClient, app_url: str) -> None:
    from scheduler.models import Post

    with db.session_scope(app_url) as session:
        account = find_account(session, "outbox")
        due = utcnow() + timedelta(hours=2)
        draft = Post(account=account, text="a draft", due_at=due, scheduled_for=due, state=PostState.DRAFT)
        later = Post(account=account, text="later", due_at=due + timedelta(days=3), scheduled_for=due)
        session.add_all([draft, later])
        session.flush()
        draft_id = draft.id
    headers = {"Authorization": f"Bearer {token_for(app_url, 'approver')}"}
    drafts = client.get("/api/v1/posts", params={"state": "draft"}, headers=headers).json()
    assert drafts["total"] == 1 and [p["id"] for p in drafts["posts"]] == [draft_id]
    soon = client.get(
        "/api/v1/posts", params={"due_before": (due + timedelta(days=1)).isoformat()}, headers=headers
    ).json()
    assert [p["text"] for p in soon["posts"]] == ["a draft"]
    naive = client.get("/api/v1/posts", params={"due_before": "2026-12-01T09:00:00"}, headers=headers)
    assert naive.status_code == 422
    approved = client.post(f"/api/v1/posts/{draft_id}/approve", headers=headers)
    assert approved.status_code == 200 and approved.json()["post"] == draft_id
    assert client.get(f"/api/v1/posts/{draft_id}", headers=headers).json()["state"] == "scheduled"
    twice = client.post(f"/api/v1/posts/{draft_id}/approve", headers=headers)
    assert twice.status_code == 409 and "is scheduled, not a draft" in twice.json()["detail"]


def test_the_beat_forgets_failed_sign_ins_older_than_the_throttle_window(
    client: TestClient, app_url: str
) -> None:
    import celeryconfig
    from scheduler import tasks

    entry = celeryconfig.beat_schedule["forget-sign-in-failures"]
    assert entry["task"] == tasks.forget_sign_in_failures.name and entry["schedule"] == 3600.0
    sign_in(client, "editor", "wrong password!")
    sign_in(client, "editor", "wrong password!")
    with db.session_scope(app_url) as session:
        first = session.scalars(select(SignInFailure).order_by(SignInFailure.id)).first()
        assert first is not None
        first.at = utcnow() - users.THROTTLE_WINDOW - timedelta(seconds=1)
    with db.session_scope(app_url) as session:
        assert users.forget_old_failures(session) == 1
    with db.session_scope(app_url) as session:
        assert session.scalar(select(func.count(SignInFailure.id))) == 1
