"""Polling the feeds the newsroom follows into scheduled posts.

A poll never holds a transaction across the network: the feed is fetched (conditional GET) and
each new item's page is fetched outside any transaction; each item is then saved in a transaction
of its own (the article, its posts and the record that the item was seen), so a failure halfway
leaves whole items behind, never half of one. An item is new once: its GUID is recorded per feed,
and an item whose URL is already an article is a duplicate.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scheduler import newsroom
from scheduler.articles import ArticleError, ParsedArticle
from scheduler.articles.feeds import FeedEntry, entry_has_full_text, parse_feed
from scheduler.articles.fetch import FEED_TYPES, FetchPolicy, FetchUnavailable, fetch
from scheduler.articles.html import parse_html
from scheduler.articles.quotes import PullQuote, pull_quotes
from scheduler.articles.sources import read_page
from scheduler.config import Settings, get_settings
from scheduler.models import Article, Feed, FeedItem, utcnow
from scheduler.newsroom import campaigns
from scheduler.newsroom.articles import store_article
from scheduler.newsroom.feed_preview import is_backlog
from scheduler.newsroom.feeds import fetch_policy
from scheduler.newsroom.posts import next_slot, schedule_post
from scheduler.planning import PlanningError
from scheduler.planning.campaigns import load_campaign
from scheduler.render import RenderError

log = logging.getLogger(__name__)

SessionFactory = Callable[[], AbstractContextManager[Session]]


class ItemOutcome:
    SCHEDULED = "scheduled"
    BACKLOG = "backlog"  # older than the age limit when first seen: recorded, never posted
    DUPLICATE = "duplicate"  # its article is in already (another feed, a re-published GUID)
    FAILED = "failed"  # cannot become a post (no article text, a template error): see detail
    # Its page did not answer yet: tried again at each poll, until the feed age limit after first seen.
    PENDING = "pending"


@dataclass
class PollReport:
    """What one poll of one feed did."""

    feed_id: int
    url: str
    not_modified: bool = False
    error: str | None = None
    items: dict[str, int] = field(default_factory=dict)
    post_ids: list[int] = field(default_factory=list)
    retry_later: int = 0  # items whose page could not be fetched this time
    deferred: int = 0  # new items past the per-poll cap, taken by the next poll

    def count(self, outcome: str) -> None:
        self.items[outcome] = self.items.get(outcome, 0) + 1


def claim_due_feeds(session: Session, *, now: datetime) -> list[int]:
    """Feeds due for a poll, each moved to its next poll time so no other tick polls it too."""
    due = list(
        session.execute(
            select(Feed.id, Feed.poll_seconds).where(Feed.next_poll_at <= now, Feed.paused_at.is_(None))
        ).all()
    )
    claimed = []
    for feed_id, seconds in due:
        moved = session.execute(
            update(Feed)
            .where(Feed.id == feed_id, Feed.next_poll_at <= now)
            .values(next_poll_at=now + timedelta(seconds=seconds))
        ).rowcount
        if moved:
            claimed.append(feed_id)
    return claimed


def poll_feed(
    sessions: SessionFactory,
    feed_id: int,
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> PollReport:
    """Fetch a feed and schedule its new items for the feed's accounts."""
    settings = settings or get_settings()
    now = now or utcnow()
    policy = fetch_policy(settings)
    with sessions() as session:
        feed = session.get(Feed, feed_id)
        if feed is None:
            raise newsroom.NewsroomError(f"no feed {feed_id}; it may have been removed")
        url, etag, last_modified = feed.url, feed.etag, feed.last_modified
        # Not "never polled": a first poll that failed must not let the backlog through the next time.
        first_poll = session.scalar(select(FeedItem.id).where(FeedItem.feed_id == feed_id).limit(1)) is None
    report = PollReport(feed_id, url)

    try:
        page = fetch(url, policy=policy, accept=FEED_TYPES, etag=etag, last_modified=last_modified)
        if page.not_modified:
            report.not_modified = True
            _finish(sessions, feed_id, now, error=None)
            return report
        parsed_feed = parse_feed(page.body, url=page.url)
    except ArticleError as error:
        report.error = str(error)
        _finish(sessions, feed_id, now, error=report.error)
        return report

    max_age = timedelta(hours=settings.feed_max_age_hours)
    taken = 0
    for entry in _unseen(sessions, feed_id, parsed_feed.entries):
        if is_backlog(entry, now=now, max_age=max_age, first_poll=first_poll):
            _record(sessions, feed_id, entry, ItemOutcome.BACKLOG, "older than the feed age limit", report)
            continue
        if taken == settings.feed_items_per_poll:
            report.deferred += 1  # unseen still: the next poll takes it
            continue
        taken += 1
        try:
            parsed = _article_for(entry, policy)
            quotes = pull_quotes(parsed.paragraphs, title=parsed.title)  # outside the write transaction
            _schedule_item(sessions, feed_id, entry, parsed, quotes, settings.templates_dir, report)
        except ArticleError as error:
            if _is_fetch_failure(error):
                _page_failed(sessions, feed_id, entry, error, now=now, max_age=max_age, report=report)
            else:
                _record(sessions, feed_id, entry, ItemOutcome.FAILED, str(error), report)
        except Exception as error:
            # One item must never stop the feed: it is recorded as failed, with the reason, and the
            # poll goes on to the next.
            log.exception("feed %s: item %s could not be scheduled", url, entry.guid)
            _record(sessions, feed_id, entry, ItemOutcome.FAILED, f"{type(error).__name__}: {error}", report)

    pending = report.retry_later + report.deferred > 0
    _finish(
        sessions,
        feed_id,
        now,
        error=f"{report.retry_later} item page(s) could not be fetched; retrying"
        if report.retry_later
        else None,
        title=parsed_feed.title,
        # Until every new item is in, ask for the whole feed again rather than accept a 304.
        validators=None if pending else (page.etag, page.last_modified),
    )
    return report


def _page_failed(
    sessions: SessionFactory,
    feed_id: int,
    entry: FeedEntry,
    error: ArticleError,
    *,
    now: datetime,
    max_age: timedelta,
    report: PollReport,
) -> None:
    """A page that may answer later: pending, tried again each poll, given up after the age limit."""
    with sessions() as session:
        first_seen = session.scalar(
            select(FeedItem.seen_at).where(
                FeedItem.feed_id == feed_id,
                FeedItem.guid == entry.guid,
                FeedItem.outcome == ItemOutcome.PENDING,
            )
        )
    if first_seen is not None and now - first_seen > max_age:
        hours = max_age.total_seconds() / 3600
        _record(sessions, feed_id, entry, ItemOutcome.FAILED, f"no answer for {hours:g} h: {error}", report)
        return
    if first_seen is None:
        # Not counted as an outcome: the item is still to come, counted in retry_later.
        _record(sessions, feed_id, entry, ItemOutcome.PENDING, str(error), None, seen_at=now)
    report.retry_later += 1
    log.warning("feed %s: %s; will try again at the next poll", entry.url, error)


def _unseen(sessions: SessionFactory, feed_id: int, entries: Sequence[FeedEntry]) -> list[FeedEntry]:
    """New entries, and those whose page has not answered yet (pending), oldest first."""
    guids = [e.guid for e in entries]
    with sessions() as session:
        seen = set(
            session.scalars(
                select(FeedItem.guid).where(
                    FeedItem.feed_id == feed_id,
                    FeedItem.guid.in_(guids),
                    FeedItem.outcome != ItemOutcome.PENDING,
                )
            )
        )
    unique: dict[str, FeedEntry] = {}
    for entry in entries:
        if entry.guid not in seen:
            unique.setdefault(entry.guid, entry)
    # Oldest first, so posts land in slots in publication order.
    return sorted(unique.values(), key=lambda e: (e.published_at is None, e.published_at or datetime.min))


def _article_for(entry: FeedEntry, policy: FetchPolicy) -> ParsedArticle:
    """The item's article: from the feed's full text when it carries it, else from its page."""
    if entry.content_html and entry_has_full_text(entry):
        parsed = parse_html(entry.content_html, url=entry.url, source=entry.url or entry.guid)
        parsed = replace(parsed, title=entry.title or parsed.title, canonical_url=entry.url)
    elif entry.url:
        parsed = read_page(entry.url, policy=policy)
    else:
        raise ArticleError(f"feed item {entry.guid!r} has no link and no full text to make an article from")
    return replace(
        parsed,
        author=parsed.author or entry.author,
        summary=parsed.summary or entry.summary,
        published_at=parsed.published_at or entry.published_at,
        tags=parsed.tags or tuple(entry.tags),
    )


def _is_fetch_failure(error: ArticleError) -> bool:
    return isinstance(error, FetchUnavailable)


def _schedule_item(
    sessions: SessionFactory,
    feed_id: int,
    entry: FeedEntry,
    parsed: ParsedArticle,
    quotes: list[PullQuote],
    templates_dir: Path,
    report: PollReport,
) -> None:
    urls = {u for u in (entry.url, parsed.canonical_url) if u}
    try:
        with sessions() as session:
            feed = session.get(Feed, feed_id)
            if feed is None:
                return  # removed while we were fetching
            if session.get_bind().dialect.name == "postgresql":
                # Two feeds carrying one story, polled at once: one at a time past the duplicate check.
                # (SQLite's BEGIN IMMEDIATE already serialises writers.)
                for key in sorted(urls):
                    session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
            existing = session.scalar(
                select(Article.id).where(Article.canonical_url.in_(urls)).limit(1)
            ) or session.scalar(
                select(FeedItem.id).where(FeedItem.url.in_(urls), FeedItem.article_id.is_not(None))
            )
            if existing is not None:
                _drop_pending(session, feed_id, entry.guid)
                session.add(_item(feed_id, entry, ItemOutcome.DUPLICATE, "already in as an article"))
                report.count(ItemOutcome.DUPLICATE)
                return
            article = store_article(session, parsed, source=f"feed:{feed.url}", quotes=quotes)
            post_ids = []
            if feed.campaign:  # every step of the campaign for every account
                campaign = load_campaign(templates_dir, feed.campaign)
                planned = campaigns.plan(
                    session, article, feed.accounts, campaign, templates_dir=templates_dir, now=utcnow()
                )
                post_ids = [post.id for post in planned.posts]
            else:
                for account in feed.accounts:
                    due_at = next_slot(session, account, after=utcnow())
                    post = schedule_post(
                        session, article, account, due_at=due_at, templates_dir=templates_dir
                    )
                    post_ids.append(post.id)
            item = _item(feed_id, entry, ItemOutcome.SCHEDULED, f"{len(post_ids)} post(s)")
            item.article_id = article.id
            _drop_pending(session, feed_id, entry.guid)
            session.add(item)
            session.flush()
        report.post_ids.extend(post_ids)
        report.count(ItemOutcome.SCHEDULED)
    except (RenderError, newsroom.NewsroomError, PlanningError) as error:
        _record(sessions, feed_id, entry, ItemOutcome.FAILED, str(error), report)
    except IntegrityError:
        # Another poll of the same feed saved this item first; it is in once, which is what counts.
        report.count(ItemOutcome.DUPLICATE)


def _item(feed_id: int, entry: FeedEntry, outcome: str, detail: str | None) -> FeedItem:
    return FeedItem(
        feed_id=feed_id,
        guid=entry.guid,
        url=entry.url,
        title=entry.title,
        published_at=entry.published_at,
        outcome=outcome,
        detail=detail,
    )


def _drop_pending(session: Session, feed_id: int, guid: str) -> None:
    session.execute(
        delete(FeedItem).where(
            FeedItem.feed_id == feed_id, FeedItem.guid == guid, FeedItem.outcome == ItemOutcome.PENDING
        )
    )


def _record(
    sessions: SessionFactory,
    feed_id: int,
    entry: FeedEntry,
    outcome: str,
    detail: str,
    report: PollReport | None,
    *,
    seen_at: datetime | None = None,
) -> None:
    try:
        with sessions() as session:
            if session.get(Feed, feed_id) is not None:
                _drop_pending(session, feed_id, entry.guid)
                item = _item(feed_id, entry, outcome, detail)
                if seen_at is not None:
                    item.seen_at = seen_at
                session.add(item)
    except IntegrityError:
        pass  # seen by a concurrent poll
    if report is not None:
        report.count(outcome)


def _finish(
    sessions: SessionFactory,
    feed_id: int,
    now: datetime,
    *,
    error: str | None,
    title: str | None = None,
    validators: tuple[str | None, str | None] | None = None,
) -> None:
    values: dict[str, object] = {"last_polled_at": now, "last_error": error}
    if title:
        values["title"] = title
    if validators is not None:
        values["etag"], values["last_modified"] = validators
    with sessions() as session:
        session.execute(update(Feed).where(Feed.id == feed_id).values(**values))
