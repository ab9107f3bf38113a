"""A feed seen before it is followed: what its first poll would do with each item, and why (the
poller's own rule for the backlog, `is_backlog`, shared with it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.articles.feeds import FeedEntry
from scheduler.config import Settings
from scheduler.models import Article


def is_backlog(entry: FeedEntry, *, now: datetime, max_age: timedelta, first_poll: bool) -> bool:
    """Too old to post when first seen: published before the age limit, or undated on a feed's first
    poll (where every item is new to us, not to the world)."""
    return entry.published_at < now - max_age if entry.published_at else first_poll


@dataclass(frozen=True)
class ItemVerdict:
    """What the first poll of a feed would do with one of its items, and why."""

    title: str
    url: str | None
    published_at: datetime | None
    posted: bool
    why: str


def first_poll_verdicts(
    session: Session, entries: Sequence[FeedEntry], *, now: datetime, settings: Settings
) -> list[ItemVerdict]:
    """For a feed not followed yet: which of its items its first poll would post, and why not the
    others (the age limit, already in as an article, or past the items one poll takes)."""
    max_age = timedelta(hours=settings.feed_max_age_hours)
    verdicts = []
    taken = 0
    ordered = sorted(entries, key=lambda e: (e.published_at is None, e.published_at or datetime.min))
    for entry in ordered:
        urls = [u for u in (entry.url,) if u]
        existing = (
            session.scalar(select(Article.id).where(Article.canonical_url.in_(urls)).limit(1))
            if urls
            else None
        )
        if is_backlog(entry, now=now, max_age=max_age, first_poll=True):
            why = (
                f"older than the feed age limit ({settings.feed_max_age_hours:g} h): "
                "kept as seen, never posted"
                if entry.published_at
                else "no publication date, on the first poll: kept as seen, never posted"
            )
            posted = False
        elif existing is not None:
            posted, why = False, f"already in as article {existing}"
        elif taken == settings.feed_items_per_poll:
            posted, why = (
                False,
                f"past the {settings.feed_items_per_poll} items one poll takes: the next poll takes it",
            )
        else:
            taken += 1
            posted, why = True, "new: its accounts get a post"
        verdicts.append(
            ItemVerdict(entry.title or entry.url or entry.guid, entry.url, entry.published_at, posted, why)
        )
    return verdicts
