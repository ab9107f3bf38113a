"""The calendar page on a real database: an account's week with its slots and posts, and moving a post
from it (to a free slot, to a time of the editor's choosing), with the refusals and their reasons."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from scheduler import db
from scheduler.models import Post, utcnow
from scheduler.newsroom.accounts import list_accounts
from scheduler.planning.wallclock import zone
from scheduler.web.auth import CSRF_FIELD
from tests.web.site import add_reference
from tests.web.test_auth import csrf_of, sign_in


def schedule_quote_post(client: TestClient, account: str = "masto") -> int:
    location = add_reference(client)
    scheduled = client.post(
        f"{location}/posts",
        data={
            "account": account,
            "step": "quote",
            "when": "queue",
            CSRF_FIELD: csrf_of(client.get(location).text),
        },
        follow_redirects=False,
    )
    assert scheduled.status_code == 303, scheduled.text
    return int(scheduled.headers["location"].rsplit("/", 1)[1])


def due_of(url: str, post_id: int) -> tuple[str, str]:
    """The post's due time in its account's zone, as the forms write it, and its week's Monday."""
    with db.session_scope(url) as session:
        post = session.get(Post, post_id)
        assert post is not None
        local = post.due_at.astimezone(zone(post.account.timezone))
    monday = local.date() - timedelta(days=local.weekday())
    return local.strftime("%Y-%m-%d %H:%M"), monday.isoformat()


def test_the_week_shows_the_post_in_its_slot_and_the_free_slots_around_it(
    site: TestClient, database_url: str
) -> None:
    sign_in(site, "editor")
    post_id = schedule_quote_post(site)
    due, monday = due_of(database_url, post_id)
    week = site.get("/calendar/week", params={"account": "masto", "week": monday})
    assert week.status_code == 200
    assert "Calendar: masto" in week.text and "Europe/London" in week.text
    assert f'href="/posts/{post_id}"' in week.text
    assert f'value="{due}"' in week.text  # the move form starts at the post's own time
    assert "free slot" in week.text
    # Seven days, Monday first; the neighbouring weeks are a link away.
    assert len(re.findall(r'<section class="day"', week.text)) == 7
    assert f"week={monday}" in week.text
    # The week before holds no post of this account.
    before = site.get("/calendar/week", params={"account": "masto", "week": "2020-01-06"})
    assert before.status_code == 200 and f'href="/posts/{post_id}"' not in before.text


def test_an_editor_moves_their_post_to_a_free_slot_of_the_week(site: TestClient, database_url: str) -> None:
    sign_in(site, "editor")
    post_id = schedule_quote_post(site)
    due, monday = due_of(database_url, post_id)
    week = site.get("/calendar/week", params={"account": "masto", "week": monday})
    free = re.findall(r'<option value="(\d{4}-\d\d-\d\d \d\d:\d\d)">', week.text)
    assert free and due not in free
    target = free[-1]
    back = f"/calendar/week?account=masto&week={monday}"
    moved = site.post(
        f"/posts/{post_id}/reschedule",
        data={"at": target, "back": back, CSRF_FIELD: csrf_of(week.text)},
        follow_redirects=False,
    )
    assert moved.status_code == 303 and moved.headers["location"] == back
    assert due_of(database_url, post_id)[0] == target
    # Another site as the place to go back to is not followed.
    again = site.post(
        f"/posts/{post_id}/reschedule",
        data={"at": due, "back": "https://evil.example/", CSRF_FIELD: csrf_of(week.text)},
        follow_redirects=False,
    )
    assert again.status_code == 303 and again.headers["location"] == f"/posts/{post_id}"


def test_a_time_that_cannot_be_used_is_refused_with_the_reason(site: TestClient, database_url: str) -> None:
    sign_in(site, "editor")
    post_id = schedule_quote_post(site)
    token = csrf_of(site.get(f"/posts/{post_id}").text)
    unreadable = site.post(f"/posts/{post_id}/reschedule", data={"at": "next tuesday", CSRF_FIELD: token})
    assert unreadable.status_code == 422 and "cannot read the time" in unreadable.text
    passed = site.post(f"/posts/{post_id}/reschedule", data={"at": "2020-01-01 09:00", CSRF_FIELD: token})
    assert passed.status_code == 422 and "has passed" in passed.text
    empty = site.post(f"/posts/{post_id}/reschedule", data={"at": "", CSRF_FIELD: token})
    assert empty.status_code == 422 and "give the new time" in empty.text


def test_an_editor_cannot_move_another_editor_s_post_and_a_sent_one_stays(
    site: TestClient, database_url: str
) -> None:
    sign_in(site, "admin")
    post_id = schedule_quote_post(site)
    site.cookies.clear()
    sign_in(site, "editor")
    token = csrf_of(site.get("/").text)
    later = (utcnow() + timedelta(days=3)).astimezone(zone("Europe/London")).strftime("%Y-%m-%d %H:%M")
    refused = site.post(f"/posts/{post_id}/reschedule", data={"at": later, CSRF_FIELD: token})
    assert refused.status_code == 403 and "Not yours" in refused.text
    with db.session_scope(database_url) as session:
        post = session.scalars(select(Post).where(Post.id == post_id)).one()
        post.state = "published"
    site.cookies.clear()
    sign_in(site, "admin")
    token = csrf_of(site.get("/").text)
    sent = site.post(f"/posts/{post_id}/reschedule", data={"at": later, CSRF_FIELD: token})
    assert sent.status_code == 409 and "only drafts and scheduled posts can be moved" in sent.text


def test_an_unknown_account_is_a_404_naming_it(site: TestClient, database_url: str) -> None:
    sign_in(site, "approver")
    missing = site.get("/calendar/week", params={"account": "nowhere"})
    assert missing.status_code == 404 and "no account named &#39;nowhere&#39;" in missing.text
    with db.session_scope(database_url) as session:
        first = list_accounts(session)[0].name
    default = site.get("/calendar/week")
    assert default.status_code == 200 and f"Calendar: {first}" in default.text
