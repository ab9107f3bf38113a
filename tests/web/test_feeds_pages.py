"""Feeds in the browser on a real database, against a feed served by a local HTTP server: the preview of
what a first poll would post (and why not the rest), following it, pausing (the beat's claim leaves a
paused feed alone), polling now, the items and why each was skipped, and removing it (asked first)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient

from scheduler import db
from scheduler.articles.text import parse_text
from scheduler.config import Settings
from scheduler.models import Feed, FeedItem, Role, utcnow
from scheduler.newsroom import users
from scheduler.newsroom.accounts import add_account
from scheduler.newsroom.articles import store_article
from scheduler.newsroom.polling import claim_due_feeds
from scheduler.web.app import create_app
from scheduler.web.auth import CSRF_FIELD
from tests.httpserver import LocalServer
from tests.newsroom.test_polling import Item, serve_feed
from tests.web.test_auth import BASE, PASSWORD, csrf_of, sign_in


@pytest.fixture
def desk(database_url: str, isolated_settings: Path) -> Iterator[TestClient]:
    with db.session_scope(database_url) as session:
        users.add_user(session, "editor", Role.EDITOR, PASSWORD)
        users.add_user(session, "approver", Role.APPROVER, PASSWORD)
        add_account(session, "city", "outbox", "Europe/London")
        add_account(session, "metro", "mastodon", "Europe/London")
    settings = Settings(
        var_dir=isolated_settings, secret_key=Fernet.generate_key().decode(), allow_private_urls=True
    )
    with TestClient(create_app(settings, database_url=database_url), base_url=BASE) as client:
        yield client


def items() -> list[Item]:
    return [
        Item("a", "https://news.example/a", "A library reopens", timedelta(hours=2)),
        Item("b", "https://news.example/b", "The bridge closes", timedelta(hours=5)),
        Item("old", "https://news.example/old", "Last week's story", timedelta(days=7)),
    ]


def test_the_preview_says_what_the_first_poll_would_post_and_following_it_saves_it(
    desk: TestClient, database_url: str, http_server: LocalServer
) -> None:
    url = serve_feed(http_server, items(), etag='"v1"', now=utcnow())
    with db.session_scope(database_url) as session:  # "The bridge closes" is in already
        store_article(
            session,
            parse_text(
                "The bridge closes\n\nThe old bridge closes for repairs.",
                canonical_url="https://news.example/b",
            ),
        )
    sign_in(desk, "editor")
    token = csrf_of(desk.get("/feeds").text)
    shown = desk.post("/feeds/preview", data={"url": url, "accounts": ["city", "metro"], CSRF_FIELD: token})
    assert shown.status_code == 200, shown.text
    assert "City Desk" in shown.text and "1 of its 3 items would be posted" in shown.text
    assert "new: its accounts get a post" in shown.text
    assert "already in as article" in shown.text and "older than the feed age limit (24 h)" in shown.text
    with db.session_scope(database_url) as session:
        assert session.query(Feed).count() == 0  # nothing saved by a preview
    followed = desk.post(
        "/feeds",
        data={"url": url, "title": "City Desk", "accounts": ["city", "metro"], CSRF_FIELD: token},
        follow_redirects=True,
    )
    assert "Following City Desk" in followed.text and "city, metro" in followed.text
    assert "Nothing yet: the beat has not polled it." in followed.text


def test_a_feed_the_form_cannot_follow_is_refused_beside_its_field_and_given_back(
    desk: TestClient, http_server: LocalServer
) -> None:
    sign_in(desk, "editor")
    token = csrf_of(desk.get("/feeds").text)
    nobody = desk.post("/feeds/preview", data={"url": "https://news.example/feed", CSRF_FIELD: token})
    assert nobody.status_code == 422 and "choose the accounts the feed posts to" in nobody.text
    assert 'value="https://news.example/feed"' in nobody.text
    http_server.route("/broken.xml", "<html>not a feed</html>")
    broken = desk.post(
        "/feeds/preview",
        data={"url": http_server.url("/broken.xml"), "accounts": ["city"], CSRF_FIELD: token},
    )
    assert broken.status_code == 422 and 'aria-invalid="true"' in broken.text
    assert 'value="city" checked' in broken.text
    every = desk.post(
        "/feeds/preview",
        data={"url": "https://x.example/f", "accounts": ["city"], "every": "often", CSRF_FIELD: token},
    )
    assert every.status_code == 422 and "minutes between polls as a number" in every.text


def test_pause_resume_poll_now_why_skipped_and_remove(desk: TestClient, database_url: str) -> None:
    with db.session_scope(database_url) as session:
        feed = Feed(
            url="https://news.example/feed.xml",
            title="City Desk",
            poll_seconds=300,
            next_poll_at=utcnow() + timedelta(hours=1),
        )
        session.add(feed)
        session.flush()
        session.add(
            FeedItem(
                feed_id=feed.id,
                guid="old",
                title="Last week's story",
                outcome="backlog",
                detail="older than the feed age limit",
            )
        )
        feed_id = feed.id
    sign_in(desk, "editor")
    page = desk.get(f"/feeds/{feed_id}")
    assert "Last week&#39;s story" in page.text and "older than the feed age limit" in page.text
    token = csrf_of(page.text)
    desk.post(f"/feeds/{feed_id}/pause", data={CSRF_FIELD: token})
    paused = desk.post(f"/feeds/{feed_id}/poll", data={CSRF_FIELD: token}, follow_redirects=True)
    assert "Not done: feed" in paused.text and "is paused" in paused.text
    with db.session_scope(database_url) as session:
        session.get(Feed, feed_id).next_poll_at = utcnow() - timedelta(minutes=1)  # type: ignore[union-attr]
    with db.session_scope(database_url) as session:
        assert claim_due_feeds(session, now=utcnow()) == []  # due, but paused
    resumed = desk.post(f"/feeds/{feed_id}/resume", data={CSRF_FIELD: token}, follow_redirects=True)
    assert "Resumed" in resumed.text
    with db.session_scope(database_url) as session:
        assert claim_due_feeds(session, now=utcnow()) == [feed_id]
    asked = desk.post(f"/feeds/{feed_id}/remove", data={CSRF_FIELD: token})
    assert "Stop following City Desk?" in asked.text and "articles and posts it brought stay" in asked.text
    removed = desk.post(
        f"/feeds/{feed_id}/remove", data={CSRF_FIELD: token, "confirmed": "yes"}, follow_redirects=True
    )
    assert "Stopped following City Desk" in removed.text
    with db.session_scope(database_url) as session:
        assert session.get(Feed, feed_id) is None
    desk.cookies.clear()
    sign_in(desk, "approver")
    assert desk.get("/feeds").status_code == 200
    assert desk.post("/feeds/preview", data={CSRF_FIELD: csrf_of(desk.get("/feeds").text)}).status_code == 403
