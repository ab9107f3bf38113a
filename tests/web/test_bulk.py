"""The posts list on a real database: searching, choosing many and acting on them, the summary of what
was done and what was refused and why, the question before canceling, and what each role is offered."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from scheduler import db
from scheduler.models import Post, PostState
from scheduler.newsroom import users
from scheduler.web.auth import CSRF_FIELD
from tests.web.test_agenda import scheduled_for
from tests.web.test_auth import csrf_of, sign_in
from tests.web.test_calendar import schedule_quote_post

# The pages on SQLite: what they call is tested on both databases in tests/newsroom.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def state_of(url: str, post_id: int) -> str:
    with db.session_scope(url) as session:
        post = session.get(Post, post_id)
        assert post is not None
        return post.state


def make_drafts(url: str, *ids: int) -> None:
    with db.session_scope(url) as session:
        for post_id in ids:
            post = session.get(Post, post_id)
            assert post is not None
            post.state = PostState.DRAFT


def test_the_list_finds_posts_by_text_and_state(site: TestClient, database_url: str) -> None:
    sign_in(site, "editor")
    first, second = schedule_quote_post(site), schedule_quote_post(site, "outbox")
    make_drafts(database_url, second)
    listed = site.get("/posts")
    assert listed.status_code == 200 and "2 posts found" in listed.text
    assert f'value="{first}"' in listed.text and f'value="{second}"' in listed.text
    drafts = site.get("/posts", params={"state": "draft"})
    assert "1 post found" in drafts.text and f'href="/posts/{second}"' in drafts.text
    none = site.get("/posts", params={"q": "no post says this"})
    assert "0 posts found" in none.text
    odd = site.get("/posts", params={"from": "soon", "article": "x1", "state": "sent"})
    assert odd.status_code == 200
    assert "From: &#39;soon&#39; is not a date" in odd.text and "not an article&#39;s number" in odd.text
    assert "unknown state &#39;sent&#39;" in odd.text


def test_bulk_moving_by_an_offset_sums_up_what_was_done(site: TestClient, database_url: str) -> None:
    sign_in(site, "editor")
    posts = [schedule_quote_post(site) for _ in range(2)]
    before = [scheduled_for(database_url, post) for post in posts]
    page = site.get("/posts")
    done = site.post(
        "/posts/bulk/shift",
        data={
            "post": [str(p) for p in posts],
            "offset": "+1d",
            "back": "/posts?state=scheduled",
            CSRF_FIELD: csrf_of(page.text),
        },
    )
    assert done.status_code == 200
    assert (
        "Move by the offset: 2 done, 0 refused" in done.text and 'href="/posts?state=scheduled"' in done.text
    )
    assert [scheduled_for(database_url, post) for post in posts] == [at + timedelta(days=1) for at in before]
    unread = site.post(
        "/posts/bulk/shift", data={"post": [str(posts[0])], "offset": "later", CSRF_FIELD: csrf_of(page.text)}
    )
    assert unread.status_code == 422 and "Cannot read the offset &#39;later&#39;" in unread.text
    assert scheduled_for(database_url, posts[0]) == before[0] + timedelta(days=1)


def test_bulk_cancel_asks_first_then_cancels_and_names_what_it_could_not(
    site: TestClient, database_url: str
) -> None:
    sign_in(site, "editor")
    posts = [schedule_quote_post(site) for _ in range(2)]
    with db.session_scope(database_url) as session:
        sent = session.get(Post, posts[1])
        assert sent is not None
        sent.state = PostState.PUBLISHED
    token = csrf_of(site.get("/posts").text)
    asked = site.post(
        "/posts/bulk/cancel", data={"post": [str(p) for p in posts], "reason": "pulled", CSRF_FIELD: token}
    )
    assert (
        asked.status_code == 200
        and "Cancel 2 posts?" in asked.text
        and "cannot be brought back" in asked.text
    )
    assert state_of(database_url, posts[0]) == PostState.SCHEDULED  # asking did nothing
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', asked.text))
    assert fields["posts"] == f"{posts[0]},{posts[1]}" and fields["confirmed"] == "yes"
    done = site.post("/posts/bulk/cancel", data={**fields, CSRF_FIELD: token})
    assert "Cancel: 1 done, 1 refused" in done.text and "is already out" in done.text
    assert state_of(database_url, posts[0]) == PostState.CANCELED


def test_an_approver_approves_many_and_an_editor_is_not_offered_it(
    site: TestClient, database_url: str
) -> None:
    sign_in(site, "editor")
    drafts = [schedule_quote_post(site) for _ in range(2)]
    make_drafts(database_url, *drafts)
    editor_page = site.get("/posts")
    assert 'formaction="/posts/bulk/approve"' not in editor_page.text
    assert 'formaction="/posts/bulk/shift"' in editor_page.text
    site.cookies.clear()
    sign_in(site, "approver")
    page = site.get("/posts", params={"state": "draft"})
    assert (
        'formaction="/posts/bulk/approve"' in page.text and 'formaction="/posts/bulk/shift"' not in page.text
    )
    done = site.post(
        "/posts/bulk/approve", data={"post": [str(p) for p in drafts], CSRF_FIELD: csrf_of(page.text)}
    )
    assert "Approve: 2 done, 0 refused" in done.text
    assert {state_of(database_url, post) for post in drafts} == {PostState.SCHEDULED}
    shifted = site.post(
        "/posts/bulk/shift", data={"post": [str(drafts[0])], "offset": "+1h", CSRF_FIELD: csrf_of(page.text)}
    )
    assert shifted.status_code == 403


def test_the_api_does_the_same_and_names_the_member_it_cannot_read(
    site: TestClient, database_url: str
) -> None:
    sign_in(site, "editor")
    posts = [schedule_quote_post(site) for _ in range(2)]
    before = scheduled_for(database_url, posts[0])
    with db.session_scope(database_url) as session:
        token = users.create_token(session, users.find_user(session, "editor"), "bulk")
    bearer = {"Authorization": f"Bearer {token}"}
    shifted = site.post(
        "/api/v1/posts/bulk/shift", json={"posts": [posts[0], 999_999], "offset": "+3d"}, headers=bearer
    )
    assert shifted.status_code == 200, shifted.text
    body = shifted.json()
    assert [d["post"] for d in body["done"]] == [posts[0]] and body["refused"][0]["post"] == 999_999
    assert scheduled_for(database_url, posts[0]) == before + timedelta(days=3)
    bad = site.post("/api/v1/posts/bulk/shift", json={"posts": [posts[0]], "offset": "soon"}, headers=bearer)
    assert bad.status_code == 422 and bad.json()["detail"].startswith("/offset: cannot read the offset")
    approve = site.post("/api/v1/posts/bulk/approve", json={"posts": posts}, headers=bearer)
    assert approve.status_code == 403
