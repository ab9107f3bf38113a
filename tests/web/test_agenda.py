"""The calendar across accounts on a real database, without a browser: the page's own list (what reads
without JavaScript), the events FullCalendar draws, and moving a post as a drop does (done with a note
and undone, or refused with the reason and left where it was)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from scheduler import db
from scheduler.models import Post, Role, User
from scheduler.newsroom import users
from scheduler.newsroom.accounts import find_account
from scheduler.web.auth import CSRF_FIELD
from tests.web.test_auth import csrf_of, sign_in
from tests.web.test_calendar import schedule_quote_post

# The pages on SQLite: what they call is tested on both databases in tests/newsroom.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def scheduled_for(url: str, post_id: int) -> datetime:
    with db.session_scope(url) as session:
        post = session.get(Post, post_id)
        assert post is not None
        return post.scheduled_for


def two_posts(site: TestClient) -> tuple[int, int]:
    """A quote post in masto's queue and one in the outbox's."""
    return schedule_quote_post(site, "masto"), schedule_quote_post(site, "outbox")


def events(site: TestClient, at: datetime, **params: object) -> list[dict]:
    answer = site.get(
        "/calendar/events",
        params={
            "start": (at - timedelta(days=1)).isoformat(),
            "end": (at + timedelta(days=2)).isoformat(),
            **params,
        },
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def move(site: TestClient, post_id: int, at: datetime | str) -> tuple[int, dict]:
    token = csrf_of(site.get("/calendar").text)
    sent = site.post(
        "/calendar/move",
        data={"post": str(post_id), "at": at if isinstance(at, str) else at.isoformat(), CSRF_FIELD: token},
    )
    return sent.status_code, sent.json()


def test_the_page_lists_every_account_s_posts_and_keeps_to_its_filters(
    site: TestClient, database_url: str
) -> None:
    sign_in(site, "editor")
    masto, outbox = two_posts(site)
    day = scheduled_for(database_url, masto).date().isoformat()
    week = site.get("/calendar", params={"day": day})
    assert week.status_code == 200
    assert f'href="/posts/{masto}"' in week.text
    if scheduled_for(database_url, outbox).date() == scheduled_for(database_url, masto).date():
        assert f'href="/posts/{outbox}"' in week.text
    # FullCalendar draws over it, its styles let in by this page's nonce and nothing else.
    assert "/static/vendor/fullcalendar/index.global.min.js" in week.text
    policy = week.headers["content-security-policy"]
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'<meta name="csp-nonce" content="{nonce}">' in week.text and "unsafe-inline" not in policy
    # The move form is the keyboard's way (and the way without JavaScript): it comes back to this page.
    assert f'action="/posts/{masto}/reschedule"' in week.text
    only = site.get("/calendar", params={"day": day, "account": "outbox"})
    assert f'href="/posts/{masto}"' not in only.text
    by_network = site.get("/calendar", params={"day": day, "network": "mastodon", "view": "month"})
    assert f'href="/posts/{masto}"' in by_network.text and f'href="/posts/{outbox}"' not in by_network.text
    drafts = site.get("/calendar", params={"day": day, "state": "draft"})
    assert f'href="/posts/{masto}"' not in drafts.text


def test_a_filter_or_day_the_page_cannot_use_is_named_and_the_calendar_still_shows(site: TestClient) -> None:
    sign_in(site, "approver")
    page = site.get("/calendar", params={"account": "leeds", "day": "tuesday", "tz": "Mars/Olympus"})
    assert page.status_code == 200
    assert "no account named &#39;leeds&#39;" in page.text
    assert "Day: &#39;tuesday&#39; is not a date" in page.text
    assert "no zone called &#39;Mars/Olympus&#39;" in page.text


def test_events_carry_each_account_s_colour_and_say_which_the_viewer_may_move(
    site: TestClient, database_url: str
) -> None:
    sign_in(site, "editor")
    masto, outbox = two_posts(site)
    at = scheduled_for(database_url, masto)
    drawn = {e["id"]: e for e in events(site, at)}
    post = drawn[f"post-{masto}"]
    assert post["start"] == at.isoformat() and post["url"] == f"/posts/{masto}"
    assert post["editable"] is True and post["extendedProps"]["network"] == "mastodon"
    assert "Europe/London" in post["extendedProps"]["local"]
    if f"post-{outbox}" in drawn:
        assert drawn[f"post-{outbox}"]["backgroundColor"] != post["backgroundColor"]
    # Free slots come when asked for (the week and day views), drawn behind the posts.
    free = [e for e in events(site, at, free="true") if e["extendedProps"].get("free")]
    assert free and all(e["display"] == "background" for e in free)
    assert all(
        datetime.fromisoformat(e["start"]) != at for e in free if e["extendedProps"]["account"] == "masto"
    )
    site.cookies.clear()
    sign_in(site, "approver")
    assert not any(e["editable"] for e in events(site, at))


def test_a_range_or_state_the_events_cannot_use_is_a_422_naming_it(site: TestClient) -> None:
    sign_in(site, "approver")
    now = datetime.now(UTC)
    wide = site.get(
        "/calendar/events", params={"start": now.isoformat(), "end": (now + timedelta(days=400)).isoformat()}
    )
    assert wide.status_code == 422 and "at most 45 days" in wide.json()["detail"]
    unread = site.get("/calendar/events", params={"start": "soon", "end": now.isoformat()})
    assert unread.status_code == 422 and "'soon' is not an ISO 8601 time" in unread.json()["detail"]
    state = site.get(
        "/calendar/events",
        params={"start": now.isoformat(), "end": (now + timedelta(days=1)).isoformat(), "state": "sent"},
    )
    assert state.status_code == 422 and state.json()["field"] == "state"


def test_a_dropped_post_moves_and_is_undone_to_where_it_was(site: TestClient, database_url: str) -> None:
    sign_in(site, "editor")
    masto = schedule_quote_post(site, "masto")
    was = scheduled_for(database_url, masto)
    target = (was + timedelta(days=1, minutes=7)).replace(second=0, microsecond=0)
    status, answer = move(site, masto, target)
    assert status == 200 and answer["done"] is True, answer
    assert scheduled_for(database_url, masto) == target
    assert "Moved post" in answer["message"] and "Europe/London" in answer["message"]
    assert "not one of masto's posting slots" in answer["message"]  # a note, not a refusal
    assert datetime.fromisoformat(answer["was"]) == was
    status, undone = move(site, masto, answer["was"])
    assert status == 200 and undone["done"] and scheduled_for(database_url, masto) == was


def test_a_drop_that_breaks_the_budget_is_refused_with_the_reason_and_the_post_stays(
    site: TestClient, database_url: str
) -> None:
    sign_in(site, "editor")
    first, second = schedule_quote_post(site, "masto"), schedule_quote_post(site, "masto")
    with db.session_scope(database_url) as session:
        budget = find_account(session, "masto").options.get("budget")
    assert budget is None  # Mastodon's default: 10 minutes apart
    was = scheduled_for(database_url, second)
    status, answer = move(site, second, scheduled_for(database_url, first) + timedelta(minutes=3))
    assert status == 409 and answer["done"] is False
    assert "Not moved" in answer["message"] and "apart" in answer["message"]
    assert "scheduler accounts budget" not in answer["message"]  # in the page's words, not the CLI's
    assert scheduled_for(database_url, second) == was
    status, answer = move(site, second, "2020-01-01T09:00:00Z")
    assert status == 409 and "has passed" in answer["message"]


def test_only_the_post_s_own_editor_moves_it_and_an_approver_moves_nothing(
    site: TestClient, database_url: str
) -> None:
    sign_in(site, "admin")
    masto = schedule_quote_post(site, "masto")
    later = scheduled_for(database_url, masto) + timedelta(days=2)
    site.cookies.clear()
    sign_in(site, "editor")
    status, answer = move(site, masto, later)
    assert status == 403 and "Not yours" in answer["message"]
    status, answer = move(site, 999_999, later)
    assert status == 404 and "no post 999999" in answer["message"]
    site.cookies.clear()
    sign_in(site, "approver")
    token = csrf_of(site.get("/calendar").text)
    refused = site.post(
        "/calendar/move", data={"post": str(masto), "at": later.isoformat(), CSRF_FIELD: token}
    )
    assert refused.status_code == 403
    assert scheduled_for(database_url, masto) != later


def test_the_api_gives_the_same_calendar_and_names_what_it_cannot_use(
    site: TestClient, database_url: str
) -> None:
    sign_in(site, "editor")
    masto, _ = two_posts(site)
    at = scheduled_for(database_url, masto)
    with db.session_scope(database_url) as session:
        editor = session.scalars(select(User).where(User.role == Role.EDITOR)).first()
        assert editor is not None
        token = users.create_token(session, editor, "calendar")
    bearer = {"Authorization": f"Bearer {token}"}
    window = {"start": (at - timedelta(days=1)).isoformat(), "end": (at + timedelta(days=1)).isoformat()}
    answer = site.get(
        "/api/v1/calendar", params={**window, "account": "masto", "free": "true"}, headers=bearer
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [(p["id"], p["account"], p["network"]) for p in body["posts"]] == [(masto, "masto", "mastodon")]
    assert datetime.fromisoformat(body["posts"][0]["at"]) == at
    assert body["free"] and {slot["account"] for slot in body["free"]} == {"masto"}
    unknown = site.get("/api/v1/calendar", params={**window, "network": "myspace"}, headers=bearer)
    assert unknown.status_code == 422 and unknown.json()["detail"].startswith("network: no account is on")
    wide = site.get(
        "/api/v1/calendar", params={**window, "end": (at + timedelta(days=60)).isoformat()}, headers=bearer
    )
    assert wide.status_code == 422 and "end: ask for at most 45 days" in wide.json()["detail"]
