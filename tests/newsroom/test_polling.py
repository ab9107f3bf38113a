"""Polling feeds into posts, against feeds and pages served by a local HTTP server, on both databases."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler import db, newsroom
from scheduler.config import get_settings
from scheduler.models import Article, Feed, FeedItem, Post, PostState, utcnow
from scheduler.newsroom.accounts import add_account
from scheduler.newsroom.feeds import add_feed, remove_feed
from scheduler.newsroom.polling import claim_due_feeds, poll_feed
from tests.clock import weekly_slots_ahead
from tests.httpserver import LocalServer

SLOTS = "mon-sun 09:00,13:00,18:00"


@dataclass
class Item:
    guid: str
    link: str
    title: str
    age: timedelta | None  # None: the item carries no date
    full_text: bool = False


def article_html(title: str, speaker: str = "Ana Ruiz") -> str:
    body = "".join(
        f"<p>{sentence}</p>"
        for sentence in (
            f"The council voted on Tuesday to approve {title.lower()}, after a debate that ran past midnight "
            "and drew residents from every ward of the city.",
            f"“We have waited a decade for this and I am proud that we finally listened to the people who "
            f"live here,” said {speaker}, the council leader.",
            "The plan will be funded from the capital budget over three years, officials said, with the "
            "first work due to begin in the spring once contracts are signed.",
            f"{speaker.split()[0]} said the vote was close. “It was never going to be easy, but it is the "
            "right decision for the next generation of families in this city,” she said.",
        )
    )
    return (
        f"<!doctype html><html><head><title>{title}</title>"
        f'<meta property="og:title" content="{title}">'
        '<meta name="description" content="What the council decided and why.">'
        f"</head><body><article><h1>{title}</h1>{body}</article></body></html>"
    )


def rss(items: list[Item], *, now: datetime) -> str:
    entries = []
    for item in items:
        content = (
            f"<content:encoded>{escape(article_html(item.title))}</content:encoded>" if item.full_text else ""
        )
        entries.append(
            f"<item><title>{escape(item.title)}</title><link>{item.link}</link>"
            f'<guid isPermaLink="false">{item.guid}</guid>'
            + (f"<pubDate>{format_datetime(now - item.age)}</pubDate>" if item.age is not None else "")
            + f"<description>A short summary of {escape(item.title)}.</description>{content}</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>City Desk</title><link>https://news.example/</link>"
        f"<description>Local news</description>{''.join(entries)}</channel></rss>"
    )


Sessions = Callable[[], AbstractContextManager[Session]]


@pytest.fixture
def sessions(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sessions]:
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", database_url)
    monkeypatch.setenv("SCHEDULER_ALLOW_PRIVATE_URLS", "1")
    get_settings.cache_clear()
    with db.session_scope(database_url) as session:
        for name in ("city", "metro"):
            add_account(session, name, "outbox", "Europe/London", {"slots": SLOTS})
    yield lambda: db.session_scope(database_url)


def follow(sessions: Sessions, url: str, accounts: tuple[str, ...] = ("city", "metro")) -> int:
    with sessions() as session:
        return add_feed(session, url, list(accounts)).id


def serve_feed(server: LocalServer, items: list[Item], *, etag: str, now: datetime) -> str:
    server.route(
        "/feed.xml",
        rss(items, now=now),
        content_type="application/rss+xml; charset=utf-8",
        etag=etag,
        last_modified=format_datetime(now, usegmt=True),
    )
    return server.url("/feed.xml")


def serve_page(server: LocalServer, path: str, title: str) -> str:
    server.route(path, article_html(title))
    return server.url(path)


def count(sessions: Sessions, model: type, *where: object) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def outcomes(sessions: Sessions) -> dict[str, str]:
    with sessions() as session:
        return dict(session.execute(select(FeedItem.guid, FeedItem.outcome)).all())


def test_first_poll_schedules_recent_items_for_every_account_and_only_records_the_backlog(
    sessions: Sessions, http_server: LocalServer
) -> None:
    now = utcnow()
    items = [
        Item("a", "https://news.example/a", "New cycle lanes for the ring road", timedelta(hours=2), True),
        Item(
            "b", serve_page(http_server, "/b", "A library reopens"), "A library reopens", timedelta(hours=3)
        ),
        Item(
            "old",
            serve_page(http_server, "/old", "Last week's story"),
            "Last week's story",
            timedelta(days=3),
        ),
    ]
    feed_id = follow(sessions, serve_feed(http_server, items, etag='"v1"', now=now))

    report = poll_feed(sessions, feed_id, now=now)

    assert report.error is None and report.items == {"scheduled": 2, "backlog": 1}
    assert outcomes(sessions) == {"a": "scheduled", "b": "scheduled", "old": "backlog"}
    requested = [path for _, path, _ in http_server.requests]
    assert "/b" in requested  # summary only: the page was fetched
    assert "/old" not in requested  # the backlog costs nothing
    with sessions() as session:
        posts = list(session.scalars(select(Post).order_by(Post.id)))
        assert [(p.account.name, p.state) for p in posts] == [
            ("city", PostState.SCHEDULED),
            ("metro", PostState.SCHEDULED),
            ("city", PostState.SCHEDULED),
            ("metro", PostState.SCHEDULED),
        ]
        # Each account's posts take its own next free slots, oldest item first, never the same slot twice.
        city = [p for p in posts if p.account.name == "city"]
        assert city[0].due_at < city[1].due_at and city[0].due_at > now
        assert [p.article.title for p in city] == ["A library reopens", "New cycle lanes for the ring road"]
        assert city[1].article.quotes and city[1].article.quotes[0].speaker == "Ana Ruiz"
        assert "https://news.example/a" in city[1].text
        feed = session.get(Feed, feed_id)
        assert feed is not None and feed.etag == '"v1"' and feed.title == "City Desk"
        assert feed.last_error is None


def test_an_unchanged_feed_costs_one_304_and_writes_nothing(
    sessions: Sessions, http_server: LocalServer
) -> None:
    now = utcnow()
    items = [Item("a", "https://news.example/a", "Ring road lanes", timedelta(hours=1), True)]
    feed_id = follow(sessions, serve_feed(http_server, items, etag='"v1"', now=now))
    poll_feed(sessions, feed_id, now=now)
    before = (count(sessions, Post), count(sessions, FeedItem), len(http_server.requests))

    report = poll_feed(sessions, feed_id, now=now + timedelta(minutes=5))

    assert report.not_modified and report.items == {}
    _, path, headers = http_server.requests[-1]
    assert (path, headers.get("if-none-match")) == ("/feed.xml", '"v1"')
    assert "if-modified-since" in headers
    assert (count(sessions, Post), count(sessions, FeedItem), len(http_server.requests)) == (
        before[0],
        before[1],
        before[2] + 1,
    )


def test_an_item_is_new_once_by_guid_and_by_url_even_across_feeds(
    sessions: Sessions, http_server: LocalServer
) -> None:
    now = utcnow()
    first = [Item("a", "https://news.example/a", "Ring road lanes", timedelta(hours=1), True)]
    feed_id = follow(sessions, serve_feed(http_server, first, etag='"v1"', now=now))
    poll_feed(sessions, feed_id, now=now)

    second = [
        Item("a", "https://news.example/a", "Ring road lanes (updated title)", timedelta(hours=1), True),
        Item("a-again", "https://news.example/a", "Ring road lanes, republished", timedelta(minutes=5), True),
        Item("c", "https://news.example/c", "A new bridge", timedelta(minutes=10), True),
    ]
    serve_feed(http_server, second, etag='"v2"', now=now)
    report = poll_feed(sessions, feed_id, now=now + timedelta(minutes=5))
    assert report.items == {"scheduled": 1, "duplicate": 1}
    assert outcomes(sessions) == {"a": "scheduled", "a-again": "duplicate", "c": "scheduled"}

    # Another feed carrying the same story: in once, not twice.
    http_server.route(
        "/other.xml", rss(second, now=now).replace("g>a-again<", "g>other-guid<"), content_type="text/xml"
    )
    other_id = follow(sessions, http_server.url("/other.xml"), ("city",))
    other = poll_feed(sessions, other_id, now=now + timedelta(minutes=6))
    assert other.items == {"duplicate": 3}
    assert count(sessions, Article) == 2
    assert count(sessions, Post) == 4


def test_a_page_that_fails_is_retried_at_the_next_poll_and_the_feed_is_fetched_in_full(
    sessions: Sessions, http_server: LocalServer
) -> None:
    now = utcnow()
    http_server.route("/b", "server trouble", status=503, content_type="text/plain")
    items = [Item("b", http_server.url("/b"), "A library reopens", timedelta(hours=1))]
    feed_id = follow(sessions, serve_feed(http_server, items, etag='"v1"', now=now))

    report = poll_feed(sessions, feed_id, now=now)
    assert report.retry_later == 1 and report.items == {}
    assert outcomes(sessions) == {"b": "pending"} and count(sessions, Article) == 0
    with sessions() as session:
        feed = session.get(Feed, feed_id)
        assert feed is not None and feed.etag is None and "could not be fetched" in (feed.last_error or "")

    serve_page(http_server, "/b", "A library reopens")
    again = poll_feed(sessions, feed_id, now=now + timedelta(minutes=5))
    assert again.items == {"scheduled": 1} and not again.not_modified
    assert "if-none-match" not in http_server.requests[-2][2]  # the feed, asked for in full
    assert outcomes(sessions) == {"b": "scheduled"} and count(sessions, FeedItem) == 1


def test_an_undated_item_whose_page_never_answers_is_given_up_after_the_age_limit(
    sessions: Sessions, http_server: LocalServer
) -> None:
    now = utcnow()
    old = Item("seed", "https://news.example/seed", "Seen before", timedelta(days=9), True)
    feed_id = follow(sessions, serve_feed(http_server, [old], etag='"1"', now=now))
    assert poll_feed(sessions, feed_id, now=now).items == {"backlog": 1}

    http_server.route("/dead", "down", status=503, content_type="text/plain")
    dead = Item("dead", http_server.url("/dead"), "Never answers", None)
    serve_feed(http_server, [dead, old], etag='"2"', now=now)
    assert poll_feed(sessions, feed_id, now=now).retry_later == 1
    assert outcomes(sessions)["dead"] == "pending"
    assert poll_feed(sessions, feed_id, now=now + timedelta(hours=12)).retry_later == 1
    late = poll_feed(sessions, feed_id, now=now + timedelta(hours=25))
    assert late.items == {"failed": 1} and late.retry_later == 0
    with sessions() as session:
        item = session.scalars(select(FeedItem).where(FeedItem.guid == "dead")).one()
        assert item.outcome == "failed" and (item.detail or "").startswith("no answer for 24 h: ")
        feed = session.get(Feed, feed_id)
        assert feed is not None and feed.etag == '"2"'  # from now on a 304 will do


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        ("<rss><channel><title>Broken<item><title>x</ti", "application/rss+xml", "feed"),
        ("<!doctype html><html><body><p>Just a page</p></body></html>", "text/html", "not a feed"),
    ],
)
def test_a_malformed_feed_is_an_error_on_the_feed_and_writes_nothing(
    sessions: Sessions, http_server: LocalServer, body: str, content_type: str, expected: str
) -> None:
    http_server.route("/feed.xml", body, content_type=content_type)
    feed_id = follow(sessions, http_server.url("/feed.xml"))
    report = poll_feed(sessions, feed_id)
    assert report.error is not None and expected in report.error.lower()
    assert (count(sessions, FeedItem), count(sessions, Article), count(sessions, Post)) == (0, 0, 0)
    with sessions() as session:
        feed = session.get(Feed, feed_id)
        assert feed is not None and feed.last_error == report.error


def test_a_feed_behind_a_redirect_is_followed(sessions: Sessions, http_server: LocalServer) -> None:
    now = utcnow()
    serve_feed(
        http_server,
        [Item("a", "https://news.example/a", "Lanes", timedelta(hours=1), True)],
        etag='"1"',
        now=now,
    )
    http_server.redirect("/old-feed", http_server.url("/feed.xml"), status=301)
    feed_id = follow(sessions, http_server.url("/old-feed"))
    assert poll_feed(sessions, feed_id, now=now).items == {"scheduled": 1}


def test_due_feeds_are_claimed_once_and_moved_to_their_next_poll(sessions: Sessions) -> None:
    feed_id = follow(sessions, "https://news.example/feed.xml")
    now = utcnow()
    with sessions() as session:
        assert claim_due_feeds(session, now=now) == [feed_id]
    with sessions() as session:
        assert claim_due_feeds(session, now=now) == []
        feed = session.get(Feed, feed_id)
        assert feed is not None and feed.next_poll_at == now + timedelta(seconds=feed.poll_seconds)


def test_removing_a_feed_keeps_its_articles_and_posts(sessions: Sessions, http_server: LocalServer) -> None:
    now = utcnow()
    url = serve_feed(
        http_server,
        [Item("a", "https://news.example/a", "Lanes", timedelta(hours=1), True)],
        etag='"1"',
        now=now,
    )
    feed_id = follow(sessions, url)
    poll_feed(sessions, feed_id, now=now)
    with sessions() as session:
        remove_feed(session, str(feed_id))
    assert (count(sessions, Feed), count(sessions, FeedItem)) == (0, 0)
    assert (count(sessions, Article), count(sessions, Post)) == (1, 2)


def test_adding_a_feed_checks_accounts_and_duplicates(sessions: Sessions) -> None:
    with sessions() as session, pytest.raises(newsroom.NewsroomError, match="no account named 'nobody'"):
        add_feed(session, "https://news.example/feed.xml", ["city", "nobody"])
    follow(sessions, "https://news.example/feed.xml")
    with sessions() as session, pytest.raises(newsroom.NewsroomError, match="followed already"):
        add_feed(session, "https://news.example/feed.xml", ["city"])
    with sessions() as session, pytest.raises(Exception, match="not an http"):
        add_feed(session, "ftp://news.example/feed.xml", ["city"])


def test_an_unknown_campaign_is_refused_and_nothing_is_followed(sessions: Sessions) -> None:
    with sessions() as session, pytest.raises(newsroom.NewsroomError, match="nope"):
        add_feed(session, "https://news.example/feed.xml", ["city"], campaign="nope")
    assert count(sessions, Feed) == 0


def atom(items: list[Item], *, now: datetime) -> str:
    entries = "".join(
        f'<entry><title>{escape(item.title)}</title><link rel="alternate" href="{item.link}"/>'
        f"<id>{item.guid}</id><updated>{(now - item.age).isoformat()}</updated>"
        f"<summary>A short summary of {escape(item.title)}.</summary></entry>"
        for item in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Science Desk</title><id>urn:uuid:desk</id>"
        f"<updated>{now.isoformat()}</updated>{entries}</feed>"
    )


def test_an_atom_feed_polls_like_rss_with_its_pages_fetched(
    sessions: Sessions, http_server: LocalServer
) -> None:
    now = utcnow()
    items = [
        Item(
            "urn:uuid:1",
            serve_page(http_server, "/comet", "A comet returns"),
            "A comet returns",
            timedelta(hours=1),
        ),
        Item(
            "urn:uuid:2", serve_page(http_server, "/old", "An old story"), "An old story", timedelta(days=2)
        ),
    ]
    http_server.route(
        "/atom.xml",
        atom(items, now=now),
        content_type="application/atom+xml",
        last_modified="Sat, 28 Nov 2026 10:00:00 GMT",
    )
    feed_id = follow(sessions, http_server.url("/atom.xml"))
    report = poll_feed(sessions, feed_id, now=now)
    assert report.items == {"scheduled": 1, "backlog": 1}
    assert outcomes(sessions) == {"urn:uuid:1": "scheduled", "urn:uuid:2": "backlog"}
    again = poll_feed(sessions, feed_id, now=now + timedelta(minutes=5))
    assert again.not_modified  # Last-Modified alone is enough for a 304
    assert http_server.requests[-1][2].get("if-modified-since") == "Sat, 28 Nov 2026 10:00:00 GMT"
    with sessions() as session:
        titles = {p.article.title for p in session.scalars(select(Post))}
        assert titles == {"A comet returns"}


def test_an_item_that_cannot_be_scheduled_fails_alone_and_the_feed_goes_on(
    sessions: Sessions, http_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCHEDULER_FEED_ITEMS_PER_POLL", "20")
    get_settings.cache_clear()
    with sessions() as session:
        add_account(session, "weekly", "outbox", "UTC", {"slots": "mon 09:00"})
    now = utcnow()
    items = [
        Item(f"n{n}", f"https://news.example/{n}", f"Story {n}", timedelta(minutes=30 - n), True)
        for n in range(15)
    ]
    feed_id = follow(sessions, serve_feed(http_server, items, etag='"1"', now=now), ("weekly",))
    report = poll_feed(sessions, feed_id, now=now)
    # Twelve or thirteen Mondays in the 90 days ahead (by the day and hour): the last items find no slot.
    mondays = weekly_slots_ahead(now, 0, time(9))
    assert report.items == {"scheduled": mondays, "failed": 15 - mondays}
    with sessions() as session:
        failed = session.scalars(select(FeedItem).where(FeedItem.outcome == "failed")).all()
        assert all("every posting slot of the next 90 days is taken" in (i.detail or "") for i in failed)
        feed = session.get(Feed, feed_id)
        assert feed is not None and feed.etag == '"1"' and feed.last_error is None
    assert poll_feed(sessions, feed_id, now=now).not_modified


def test_a_first_poll_that_fails_still_keeps_the_backlog_out_the_next_time(
    sessions: Sessions, http_server: LocalServer
) -> None:
    http_server.route("/feed.xml", "down for maintenance", status=503, content_type="text/plain")
    feed_id = follow(sessions, http_server.url("/feed.xml"))
    assert poll_feed(sessions, feed_id).error is not None
    undated = rss([Item("u1", "https://news.example/u1", "Undated", None, True)], now=utcnow())
    http_server.route("/feed.xml", undated, content_type="text/xml")
    report = poll_feed(sessions, feed_id)
    assert report.items == {"backlog": 1} and count(sessions, Post) == 0


def test_a_poll_takes_at_most_the_cap_of_new_items_and_the_next_poll_the_rest(
    sessions: Sessions, http_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCHEDULER_FEED_ITEMS_PER_POLL", "3")
    get_settings.cache_clear()
    now = utcnow()
    items = [
        Item(f"n{n}", f"https://news.example/{n}", f"Story {n}", timedelta(minutes=n), True) for n in range(5)
    ]
    feed_id = follow(sessions, serve_feed(http_server, items, etag='"1"', now=now), ("city",))
    first = poll_feed(sessions, feed_id, now=now)
    assert first.items == {"scheduled": 3} and first.deferred == 2
    second = poll_feed(sessions, feed_id, now=now)
    assert not second.not_modified and second.items == {"scheduled": 2} and second.deferred == 0
    assert poll_feed(sessions, feed_id, now=now).not_modified
