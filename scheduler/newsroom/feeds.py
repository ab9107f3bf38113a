"""Feeds the newsroom follows: added (checked first), listed, found, removed, and what each brought."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from scheduler import newsroom
from scheduler.articles.feeds import ParsedFeed, parse_feed
from scheduler.articles.fetch import FEED_TYPES, FetchPolicy, fetch
from scheduler.articles.text import check_url
from scheduler.config import Settings, get_settings
from scheduler.models import Feed, FeedItem, utcnow
from scheduler.newsroom.accounts import find_account
from scheduler.planning.campaigns import CampaignError, load_campaign
from scheduler.wording import marked


def fetch_policy(settings: Settings) -> FetchPolicy:
    return FetchPolicy.from_settings(settings)


def add_feed(
    session: Session,
    url: str,
    account_names: Sequence[str],
    *,
    campaign: str | None = None,
    poll_seconds: float | None = None,
    title: str | None = None,
) -> Feed:
    """Follow a feed for the given accounts; the beat polls it first at once, then every poll_seconds."""
    check_url(url)
    check_campaign(campaign)
    names = [n.strip() for n in account_names if n.strip()]
    if not names:
        raise newsroom.NewsroomError("say which accounts the feed posts to: «--accounts NAME[,NAME…]»")
    accounts = [find_account(session, name) for name in dict.fromkeys(names)]
    if session.scalar(select(Feed.id).where(Feed.url == url)) is not None:
        raise newsroom.NewsroomError(f"the feed {url} is followed already; «`scheduler feeds list` shows it»")
    seconds = poll_seconds if poll_seconds is not None else get_settings().feed_poll_seconds
    if seconds < 60:
        raise newsroom.NewsroomError("poll a feed at most once a minute: give «--every 1» or more minutes")
    feed = Feed(
        url=url,
        title=title,
        campaign=campaign,
        poll_seconds=seconds,
        next_poll_at=utcnow(),
        accounts=accounts,
    )
    session.add(feed)
    session.flush()
    return feed


def check_campaign(campaign: str | None) -> None:
    """A campaign a feed may plan for its items: a readable file under templates/campaigns/."""
    if campaign is not None:
        try:
            load_campaign(get_settings().templates_dir, campaign)
        except CampaignError as error:
            raise newsroom.NewsroomError(marked(error), field="campaign") from None


def check_new_feed(session: Session, account_names: Sequence[str], *, campaign: str | None) -> None:
    """What a feed to follow needs before it is fetched (for its preview, or to check it): a campaign
    that can be read, and accounts that exist."""
    check_campaign(campaign)
    if not [name for name in account_names if name.strip()]:
        raise newsroom.NewsroomError("choose the accounts the feed posts to", field="accounts")
    for name in account_names:
        find_account(session, name)


def read_feed(url: str, *, policy: FetchPolicy) -> ParsedFeed:
    """Fetch and parse a feed (no transaction may be open); ArticleError says what is wrong."""
    check_url(url)
    page = fetch(url, policy=policy, accept=FEED_TYPES)
    return parse_feed(page.body, url=page.url)


def check_feed(url: str, *, policy: FetchPolicy) -> str:
    """Fetch and parse a feed before following it; its title, or ArticleError saying what is wrong."""
    return read_feed(url, policy=policy).title or url


def list_feeds(session: Session) -> list[tuple[Feed, int]]:
    """Every feed with how many items it has seen."""
    counts = dict(
        session.execute(select(FeedItem.feed_id, func.count(FeedItem.id)).group_by(FeedItem.feed_id)).all()
    )
    feeds = session.scalars(select(Feed).options(selectinload(Feed.accounts)).order_by(Feed.id))
    return [(feed, counts.get(feed.id, 0)) for feed in feeds]


def item_outcomes(session: Session, feed_id: int | None = None) -> dict[int, dict[str, int]]:
    """How many of each feed's items (or one feed's) came to each outcome: scheduled, backlog, ..."""
    query = select(FeedItem.feed_id, FeedItem.outcome, func.count(FeedItem.id))
    if feed_id is not None:
        query = query.where(FeedItem.feed_id == feed_id)
    counts: dict[int, dict[str, int]] = {}
    for item_feed, outcome, count in session.execute(query.group_by(FeedItem.feed_id, FeedItem.outcome)):
        counts.setdefault(item_feed, {})[outcome] = count
    return counts


def find_feed(session: Session, ref: str) -> Feed:
    """A feed by id or URL."""
    feed = session.get(Feed, int(ref)) if ref.isdigit() else None
    feed = feed or session.scalar(select(Feed).where(Feed.url == ref))
    if feed is None:
        raise newsroom.NewsroomError(f"no feed {ref!r}; `scheduler feeds list` shows the feeds followed")
    return feed


def remove_feed(session: Session, ref: str) -> Feed:
    """Stop following a feed; the articles and posts it brought stay."""
    feed = find_feed(session, ref)
    session.delete(feed)
    session.flush()
    return feed


def pause_feed(session: Session, ref: str, *, now: datetime) -> Feed:
    """Stop polling the feed until it is resumed (its items wait in the feed)."""
    feed = find_feed(session, ref)
    if feed.paused_at is None:
        feed.paused_at = now
    return feed


def resume_feed(session: Session, ref: str, *, now: datetime) -> Feed:
    """Poll the feed again, at once."""
    feed = find_feed(session, ref)
    feed.paused_at, feed.next_poll_at = None, now
    return feed


def poll_soon(session: Session, ref: str, *, now: datetime) -> Feed:
    """Have the beat poll the feed at its next tick (within seconds), unless it is paused."""
    feed = find_feed(session, ref)
    if feed.paused_at is not None:
        raise newsroom.NewsroomError(f"feed {feed.id} is paused: resume it to poll it")
    feed.next_poll_at = now
    return feed


def recent_items(session: Session, feed_id: int, limit: int = 20) -> list[FeedItem]:
    return list(
        session.scalars(
            select(FeedItem).where(FeedItem.feed_id == feed_id).order_by(FeedItem.id.desc()).limit(limit)
        )
    )
