"""/api/v1/feeds against a feed served by a local HTTP server: the preview of what a first poll would post
(and why not the rest) storing nothing, following it, the list and a feed's items with why each was
skipped, pausing, polling soon (refused while paused), resuming and removing, and the refusals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from scheduler import db
from scheduler.articles.text import parse_text
from scheduler.config import Settings
from scheduler.models import Feed, FeedItem, Role, utcnow
from scheduler.newsroom import users
from scheduler.newsroom.accounts import add_account
from scheduler.newsroom.articles import store_article
from scheduler.web.app import create_app
from tests.httpserver import LocalServer
from tests.newsroom.test_polling import Item, serve_feed

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def editor(database_url: str) -> dict[str, str]:
    with db.session_scope(database_url) as session:
        add_account(session, "city", "outbox", "Europe/London")
        add_account(session, "metro", "outbox", "Europe/London")
        user = users.add_user(session, "ed", Role.EDITOR, "a long enough password")
        return {"Authorization": f"Bearer {users.create_token(session, user, 'cms')}"}


@pytest.fixture
def api(database_url: str, isolated_settings: Path) -> Iterator[TestClient]:
    settings = Settings(
        var_dir=isolated_settings, secret_key=Fernet.generate_key().decode(), allow_private_urls=True
    )
    with TestClient(create_app(settings, database_url=database_url)) as client:
        yield client


def feeds(url: str) -> int:
    with db.session_scope(url) as session:
        return session.scalar(select(func.count()).select_from(Feed)) or 0


def test_a_feed_is_previewed_then_followed_and_refused_with_the_reason(
    api: TestClient, editor: dict[str, str], database_url: str, http_server: LocalServer
) -> None:
    items = [
        Item("a", "https://news.example/a", "A library reopens", timedelta(hours=2)),
        Item("b", "https://news.example/b", "The bridge closes", timedelta(hours=5)),
        Item("old", "https://news.example/old", "Last week's story", timedelta(days=7)),
    ]
    url = serve_feed(http_server, items, etag='"v1"', now=utcnow())
    with db.session_scope(database_url) as session:  # "The bridge closes" is in already
        text = "The bridge closes\n\nThe old bridge closes for repairs."
        store_article(session, parse_text(text, canonical_url="https://news.example/b"))
    body = {"url": url, "accounts": ["city", "metro"], "every_minutes": 10}
    preview = api.post("/api/v1/feeds", json={**body, "dry_run": True}, headers=editor)
    assert preview.status_code == 200, preview.text
    shown = preview.json()
    assert shown["title"] == "City Desk" and shown["would_post"] == 1
    why = {item["title"]: (item["posted"], item["why"]) for item in shown["items"]}
    assert why["A library reopens"] == (True, "new: its accounts get a post")
    assert why["The bridge closes"][1].startswith("already in as article")
    assert why["Last week's story"][1].startswith("older than the feed age limit (24 h)")
    assert feeds(database_url) == 0  # a preview stores nothing

    followed = api.post("/api/v1/feeds", json=body, headers=editor)
    assert followed.status_code == 201, followed.text
    feed = followed.json()
    assert feed["title"] == "City Desk" and feed["accounts"] == ["city", "metro"]
    assert feed["every_minutes"] == 10 and feed["paused_at"] is None and feed["items"] == 0
    [listed] = api.get("/api/v1/feeds", headers=editor).json()
    assert listed["id"] == feed["id"] and listed["url"] == url and listed["last_polled_at"] is None

    http_server.route("/broken.xml", "<html>not a feed</html>")
    for refused_body, message in [
        (body, "is followed already; GET /api/v1/feeds lists it"),
        ({**body, "accounts": ["nobody"]}, "no account named 'nobody'"),
        ({**body, "campaign": "nope"}, "no campaign 'nope'"),
        ({**body, "url": http_server.url("/broken.xml")}, '"check": false follows it anyway'),
        ({**body, "url": http_server.url("/broken.xml"), "dry_run": True}, "feed"),
    ]:
        refused = api.post("/api/v1/feeds", json=refused_body, headers=editor)
        assert refused.status_code == 422 and message in refused.json()["detail"], refused.text
    too_often = api.post("/api/v1/feeds", json={**body, "every_minutes": 0.5}, headers=editor)
    assert too_often.status_code == 422
    assert feeds(database_url) == 1  # nothing more stored
    unchecked = {"url": "https://news.example/later.xml", "accounts": ["city"], "check": False}
    assert api.post("/api/v1/feeds", json=unchecked, headers=editor).status_code == 201


def test_a_feed_is_read_with_its_items_paused_polled_resumed_and_removed(
    api: TestClient, editor: dict[str, str], database_url: str
) -> None:
    later = utcnow() + timedelta(hours=1)
    with db.session_scope(database_url) as session:
        feed = Feed(
            url="https://news.example/feed.xml", title="City Desk", poll_seconds=300, next_poll_at=later
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
    read = api.get(f"/api/v1/feeds/{feed_id}", headers=editor).json()
    assert read["items"] == 1 and read["outcomes"] == {"backlog": 1}
    [item] = read["recent_items"]
    assert item["outcome"] == "backlog" and item["detail"] == "older than the feed age limit"

    paused = api.post(f"/api/v1/feeds/{feed_id}/pause", headers=editor)
    assert paused.status_code == 200 and paused.json()["paused_at"] is not None
    not_polled = api.post(f"/api/v1/feeds/{feed_id}/poll", headers=editor)
    assert not_polled.status_code == 409 and "is paused: resume it to poll it" in not_polled.json()["detail"]
    with db.session_scope(database_url) as session:
        assert session.get_one(Feed, feed_id).next_poll_at == later  # the refusal changed nothing
    resumed = api.post(f"/api/v1/feeds/{feed_id}/resume", headers=editor)
    assert resumed.status_code == 200 and resumed.json()["paused_at"] is None
    assert api.post(f"/api/v1/feeds/{feed_id}/poll", headers=editor).status_code == 200

    removed = api.delete(f"/api/v1/feeds/{feed_id}", headers=editor)
    assert removed.status_code == 200 and removed.json()["title"] == "City Desk"
    assert feeds(database_url) == 0
    for method, path in [("GET", ""), ("DELETE", ""), ("POST", "/pause"), ("POST", "/poll")]:
        missing = api.request(method, f"/api/v1/feeds/{feed_id}{path}", headers=editor)
        assert missing.status_code == 404 and missing.json()["detail"] == f"there is no feed {feed_id}"
