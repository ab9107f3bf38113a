"""The users page on a real database: an admin adds a user who can then sign in, changes roles, sets a
password (ending that user's sessions), disables and enables, makes an API token shown once and revokes
it; the last admin cannot be demoted or disabled; other roles are refused."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient
from sqlalchemy import select

from scheduler import db
from scheduler.models import ApiToken, User
from scheduler.newsroom import users
from scheduler.web.auth import CSRF_FIELD
from tests.web.test_auth import PASSWORD, csrf_of, sign_in


def admin_token(client: TestClient) -> str:
    sign_in(client, "admin")
    return csrf_of(client.get("/users").text)


def user_row(url: str, name: str) -> tuple[str, bool, int]:
    with db.session_scope(url) as session:
        user = users.find_user(session, name)
        return user.role, user.disabled_at is not None, user.session_version


def test_an_added_user_signs_in_with_their_role(site: TestClient, database_url: str) -> None:
    token = admin_token(site)
    added = site.post(
        "/users", data={"name": "rita", "role": "approver", "password": PASSWORD, CSRF_FIELD: token}
    )
    assert added.status_code == 200 and "Added rita (approver)" in added.text
    assert PASSWORD not in added.text
    short = site.post(
        "/users", data={"name": "sam", "role": "editor", "password": "short", CSRF_FIELD: token}
    )
    assert short.status_code == 422 and "the password is too short" in short.text
    twice = site.post(
        "/users", data={"name": "rita", "role": "editor", "password": PASSWORD, CSRF_FIELD: token}
    )
    assert twice.status_code == 422 and "there is a user 'rita' already" in unescape(twice.text)
    bad_role = site.post(
        "/users", data={"name": "tom", "role": "owner", "password": PASSWORD, CSRF_FIELD: token}
    )
    assert bad_role.status_code == 422 and "unknown role 'owner'" in unescape(bad_role.text)
    site.cookies.clear()
    assert sign_in(site, "rita").status_code == 303  # type: ignore[attr-defined]
    assert "(approver)" in site.get("/").text


def test_roles_passwords_and_disabling_take_effect_at_once(site: TestClient, database_url: str) -> None:
    token = admin_token(site)
    assert (
        site.post(
            "/users/editor/role", data={"role": "approver", CSRF_FIELD: token}, follow_redirects=False
        ).status_code
        == 303
    )
    assert user_row(database_url, "editor")[0] == "approver"
    _, _, version = user_row(database_url, "editor")
    changed = site.post(
        "/users/editor/password", data={"password": "another long password", CSRF_FIELD: token}
    )
    assert changed.status_code == 200 and "their sessions ended" in changed.text
    assert user_row(database_url, "editor")[2] == version + 1
    disabled = site.post("/users/editor/disable", data={CSRF_FIELD: token}, follow_redirects=False)
    assert disabled.status_code == 200 and user_row(database_url, "editor")[1] is True  # with an Undo
    other = TestClient(site.app, base_url=str(site.base_url))
    assert sign_in(other, "editor", "another long password").status_code == 400  # type: ignore[attr-defined]
    site.post("/users/editor/enable", data={CSRF_FIELD: token})
    assert user_row(database_url, "editor")[1] is False
    assert sign_in(other, "editor", "another long password").status_code == 303  # type: ignore[attr-defined]
    assert site.post("/users/nobody/disable", data={CSRF_FIELD: token}).status_code == 404


def test_the_last_admin_stays_an_admin(site: TestClient, database_url: str) -> None:
    token = admin_token(site)
    demoted = site.post("/users/admin/role", data={"role": "editor", CSRF_FIELD: token})
    assert demoted.status_code == 422 and "the only active admin" in demoted.text
    disabled = site.post("/users/admin/disable", data={CSRF_FIELD: token})
    assert disabled.status_code == 422 and "the only active admin" in disabled.text
    assert user_row(database_url, "admin")[:2] == ("admin", False)
    # With a second admin, the first may step down.
    site.post("/users/approver/role", data={"role": "admin", CSRF_FIELD: token})
    assert (
        site.post(
            "/users/admin/role", data={"role": "editor", CSRF_FIELD: token}, follow_redirects=False
        ).status_code
        == 303
    )


def test_an_api_token_is_shown_once_and_revoked_by_label(site: TestClient, database_url: str) -> None:
    token = admin_token(site)
    made = site.post("/users/editor/tokens", data={"label": "cms", CSRF_FIELD: token})
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    shown = re.search(r'id="new-token" value="(aps_[^"]+)"', made.text)
    assert shown
    assert site.get("/api/v1/me", headers={"Authorization": f"Bearer {shown[1]}"}).json()["name"] == "editor"
    listed = site.get("/users")
    assert shown[1] not in listed.text and "cms" in listed.text
    revoked = site.post("/users/editor/tokens/revoke", data={"label": "cms", CSRF_FIELD: token})
    assert revoked.status_code == 200 and "Revoked 1 token(s) of editor" in revoked.text
    assert site.get("/api/v1/me", headers={"Authorization": f"Bearer {shown[1]}"}).status_code == 401
    with db.session_scope(database_url) as session:
        assert session.scalars(select(ApiToken.digest)).one() != shown[1]
    empty = site.post("/users/editor/tokens", data={"label": " ", CSRF_FIELD: token})
    assert empty.status_code == 422 and "give the token a label" in empty.text


def test_only_admins_manage_users(site: TestClient, database_url: str) -> None:
    for role in ("editor", "approver"):
        site.cookies.clear()
        sign_in(site, role)
        token = csrf_of(site.get("/").text)
        assert site.get("/users").status_code == 403
        assert (
            site.post(
                "/users", data={"name": "x1", "role": "admin", "password": PASSWORD, CSRF_FIELD: token}
            ).status_code
            == 403
        )
    with db.session_scope(database_url) as session:
        assert session.scalar(select(User).where(User.name == "x1")) is None
