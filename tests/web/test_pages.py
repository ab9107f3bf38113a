"""The article and post pages, driven as a browser would (forms with their CSRF token) on a real
database: add the reference article, see its quotes and each account's posts counted, schedule one,
approve a draft, cancel, and the refusals with their reasons."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from scheduler import db
from scheduler.models import Post, PostState
from scheduler.newsroom import controls, users
from scheduler.web.auth import CSRF_FIELD
from tests.conftest import REFERENCE_ARTICLE
from tests.web.site import add_reference
from tests.web.test_auth import csrf_of, sign_in


def test_an_editor_adds_the_reference_article_and_sees_its_quotes_and_counted_posts(site: TestClient) -> None:
    sign_in(site, "editor")
    location = add_reference(site)
    assert re.fullmatch(r"/articles/\d+", location)
    article = site.get(location)
    assert article.status_code == 200
    assert "Kim Kardashian" in article.text and "Pull quotes" in article.text
    # Each account, each step: the text, counted as its network counts it.
    assert (
        'masto <span class="muted">(mastodon)</span></h3>' in article.text
        and "<h4>masto: quote</h4>" in article.text
    )
    assert re.search(r"\d+ of 500 characters as mastodon counts them", article.text)
    listed = site.get("/articles", params={"q": "kardashian"})
    assert location in listed.text


def test_the_article_is_scheduled_from_its_page_and_the_post_page_shows_it(
    site: TestClient, database_url: str
) -> None:
    sign_in(site, "editor")
    location = add_reference(site)
    page = site.get(location)
    scheduled = site.post(
        f"{location}/posts",
        data={"account": "masto", "step": "quote", "when": "queue", CSRF_FIELD: csrf_of(page.text)},
        follow_redirects=False,
    )
    assert scheduled.status_code == 303, scheduled.text
    post_page = site.get(scheduled.headers["location"])
    assert "scheduled" in post_page.text and "masto (mastodon)" in post_page.text
    assert "(Europe/London)" in post_page.text
    with db.session_scope(database_url) as session:
        [post] = session.scalars(select(Post))
        editor = users.find_user(session, "editor")
        assert post.step == "quote" and post.created_by_id == editor.id and post.state == PostState.SCHEDULED
    # The editor made it: they may cancel it, with a reason, once they have said yes.
    asked = site.post(
        f"/posts/{post.id}/cancel", data={"reason": "wrong day", CSRF_FIELD: csrf_of(post_page.text)}
    )
    assert asked.status_code == 200 and f"Cancel post {post.id}?" in asked.text
    assert "A canceled post cannot be brought back" in asked.text
    with db.session_scope(database_url) as session:
        assert session.get_one(Post, post.id).state == PostState.SCHEDULED, "nothing done before the yes"
    assert '<input type="hidden" name="reason" value="wrong day">' in asked.text
    cancel = site.post(
        f"/posts/{post.id}/cancel",
        data={"reason": "wrong day", "confirmed": "yes", CSRF_FIELD: csrf_of(asked.text)},
        follow_redirects=False,
    )
    assert cancel.status_code == 303
    with db.session_scope(database_url) as session:
        canceled = session.get_one(Post, post.id)
        assert canceled.state == PostState.CANCELED and canceled.last_error == "canceled: wrong day"


def test_a_time_that_cannot_be_read_is_refused_on_the_page_with_the_reason(site: TestClient) -> None:
    sign_in(site, "editor")
    location = add_reference(site)
    page = site.get(location)
    refused = site.post(
        f"{location}/posts",
        data={"account": "masto", "when": "at", "at": "tomorrow-ish", CSRF_FIELD: csrf_of(page.text)},
    )
    assert refused.status_code == 422 and "cannot read the time &#39;tomorrow-ish&#39;" in refused.text


def test_an_approver_approves_a_draft_from_its_page(site: TestClient, database_url: str) -> None:
    sign_in(site, "editor")
    location = add_reference(site)
    with db.session_scope(database_url) as session:
        controls.set_approval(session, "masto", True)
    page = site.get(location)
    site.post(
        f"{location}/posts",
        data={"account": "masto", "step": "announce", "when": "queue", CSRF_FIELD: csrf_of(page.text)},
    )
    with db.session_scope(database_url) as session:
        [draft] = session.scalars(select(Post))
        assert draft.state == PostState.DRAFT
    # The editor's page has no approve button; the approver's has.
    assert f'action="/posts/{draft.id}/approve"' not in site.get(f"/posts/{draft.id}").text
    site.cookies.clear()
    sign_in(site, "approver")
    post_page = site.get(f"/posts/{draft.id}")
    assert f'action="/posts/{draft.id}/approve"' in post_page.text
    approved = site.post(
        f"/posts/{draft.id}/approve", data={CSRF_FIELD: csrf_of(post_page.text)}, follow_redirects=False
    )
    assert approved.status_code == 303
    with db.session_scope(database_url) as session:
        assert session.get_one(Post, draft.id).state == PostState.SCHEDULED
    again = site.post(f"/posts/{draft.id}/approve", data={CSRF_FIELD: csrf_of(post_page.text)})
    assert again.status_code == 409 and "is scheduled, not a draft" in again.text


def test_an_unreadable_article_is_refused_with_the_reason_and_an_upload_is_read(site: TestClient) -> None:
    sign_in(site, "editor")
    token = csrf_of(site.get("/articles").text)
    empty = site.post("/articles", data={CSRF_FIELD: token})
    assert empty.status_code == 422
    assert "give the article&#39;s web address, paste its text, or choose a file" in empty.text
    uploaded = site.post(
        "/articles",
        data={CSRF_FIELD: token},
        files={"upload": ("story.txt", REFERENCE_ARTICLE.read_bytes(), "text/plain")},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303 and uploaded.headers["location"].startswith("/articles/")


def test_missing_articles_and_posts_are_404_pages(site: TestClient) -> None:
    sign_in(site, "approver")
    assert site.get("/articles/999").status_code == 404
    assert site.get("/posts/999").status_code == 404
    assert site.get("/posts/99999999999").status_code == 404


def test_an_editor_rewrites_their_scheduled_post_within_the_limit(
    site: TestClient, database_url: str
) -> None:
    sign_in(site, "editor")
    location = add_reference(site)
    scheduled = site.post(
        f"{location}/posts",
        data={"account": "masto", "step": "announce", CSRF_FIELD: csrf_of(site.get(location).text)},
        follow_redirects=False,
    )
    post_url = scheduled.headers["location"]
    page = site.get(post_url)
    assert 'data-count-account="post-account"' in page.text and "Save the text" in page.text
    token = csrf_of(page.text)
    edited = site.post(
        f"{post_url}/text",
        data={"text": "Our own words, https://example.com/x", CSRF_FIELD: token},
        follow_redirects=False,
    )
    assert edited.status_code == 303
    with db.session_scope(database_url) as session:
        [post] = session.scalars(select(Post))
        assert post.text == "Our own words, https://example.com/x"
    too_long = site.post(f"{post_url}/text", data={"text": "x" * 501, CSRF_FIELD: token})
    assert too_long.status_code == 422 and "the text is 1 over the 500 limit for mastodon" in too_long.text
    thread = site.post(f"{post_url}/text", data={"text": "one\n---\ntwo", CSRF_FIELD: token})
    assert thread.status_code == 422 and "is a thread of 1" in thread.text
    with db.session_scope(database_url) as session:
        [post] = session.scalars(select(Post))
        assert post.text == "Our own words, https://example.com/x"
        post.state = PostState.PUBLISHED
    sent = site.post(f"{post_url}/text", data={"text": "too late", CSRF_FIELD: token})
    assert sent.status_code == 409 and "only drafts and scheduled posts can be edited" in sent.text


def test_the_articles_list_shows_each_article_s_posts_by_state(site: TestClient, database_url: str) -> None:
    sign_in(site, "editor")
    location = add_reference(site)
    assert "no posts yet" in site.get("/articles").text
    token = csrf_of(site.get(location).text)
    for step in ("announce", "quote"):
        site.post(f"{location}/posts", data={"account": "masto", "step": step, CSRF_FIELD: token})
    with db.session_scope(database_url) as session:
        controls.set_approval(session, "masto", True)
    site.post(f"{location}/posts", data={"account": "masto", "step": "reshare", CSRF_FIELD: token})
    listed = site.get("/articles").text
    assert '<span class="state state-draft">1 draft</span>' in listed
    assert '<span class="state state-scheduled">2 scheduled</span>' in listed


def test_an_address_a_page_cannot_read_gets_a_page_saying_so_and_the_api_json(site: TestClient) -> None:
    sign_in(site, "editor")
    page = site.get("/articles/not-a-number")
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    assert "That address or form is not right" in page.text and "article_id" in page.text
    api = site.get("/api/v1/posts/not-a-number", headers={"Authorization": "Bearer aps_x"})
    assert api.status_code in (401, 422) and api.headers["content-type"] == "application/json"
