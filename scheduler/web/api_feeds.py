"""/api/v1/feeds: the feeds followed with what their items became, a feed previewed (which items its first
poll would post, and why not the others) or followed, paused, resumed, polled soon and removed. The same
functions as the Feeds pages and `scheduler feeds`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.orm import Session

from scheduler import db
from scheduler.articles import ArticleError
from scheduler.models import Feed, utcnow
from scheduler.newsroom import NewsroomError, feed_preview, feeds
from scheduler.web.api import MAX_ID, NO_NUL, known_query_parameters
from scheduler.web.auth import DATABASE, Viewer, api_viewer
from scheduler.web.words import api_words
from scheduler.wording import worded

router = APIRouter(prefix="/api/v1/feeds", tags=["feeds"], dependencies=[Depends(known_query_parameters)])

FeedId = Annotated[int, Path(ge=1, le=MAX_ID, description="the feed's id")]
AccountName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=NO_NUL)
]
RECENT_ITEMS = 100  # as the feed's page shows
NO_FEED = {404: {"description": "no such feed"}}


class FeedOut(BaseModel):
    id: int
    url: str
    title: str | None
    accounts: list[str]  # the accounts its new items are posted to
    campaign: str | None  # planned for each new item; None: one post per account
    every_minutes: float  # between polls
    paused_at: datetime | None  # not polled while paused
    next_poll_at: datetime
    last_polled_at: datetime | None
    last_error: str | None  # what went wrong at the last poll
    items: int  # items seen
    outcomes: dict[str, int]  # of those, how many came to each outcome (scheduled, backlog, duplicate…)

    @classmethod
    def of(cls, feed: Feed, items: int, outcomes: dict[str, int]) -> FeedOut:
        return cls(
            id=feed.id,
            url=feed.url,
            title=feed.title,
            accounts=[account.name for account in feed.accounts],
            campaign=feed.campaign,
            every_minutes=feed.poll_seconds / 60,
            paused_at=feed.paused_at,
            next_poll_at=feed.next_poll_at,
            last_polled_at=feed.last_polled_at,
            last_error=feed.last_error,
            items=items,
            outcomes=outcomes,
        )


class ItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    guid: str
    url: str | None
    title: str | None
    published_at: datetime | None
    seen_at: datetime
    # scheduled, backlog (too old when first seen), duplicate (its article was in), failed, pending (retried)
    outcome: str
    detail: str | None  # why it was skipped or failed
    article_id: int | None


class FeedDetail(FeedOut):
    recent_items: list[ItemOut]  # newest first, the last 100


class FeedRequest(BaseModel):
    """A feed to follow for some accounts; with `dry_run`, only fetched to show what its first poll would
    post (nothing is stored)."""

    url: Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=NO_NUL)]
    accounts: Annotated[list[AccountName], Field(min_length=1, max_length=200)]
    campaign: Annotated[str | None, StringConstraints(min_length=1, max_length=100, pattern=NO_NUL)] = None
    every_minutes: Annotated[float | None, Field(ge=1, le=60 * 24 * 30, allow_inf_nan=False)] = None
    # Fetch and parse it before following it, as `scheduler feeds add` does (false: `--no-check`).
    check: bool = True
    dry_run: bool = False


class ItemVerdictOut(BaseModel):
    title: str
    url: str | None
    published_at: datetime | None
    posted: bool  # whether its first poll would post it
    why: str


class FeedPreview(BaseModel):
    url: str
    title: str  # the feed's own, or its address
    would_post: int  # items the first poll would post
    items: list[ItemVerdictOut]  # oldest first, as the poll takes them


class Removed(BaseModel):
    id: int
    url: str
    title: str | None


def _feed(session: Session, feed_id: int) -> Feed:
    feed = session.get(Feed, feed_id)
    if feed is None:
        raise HTTPException(404, f"there is no feed {feed_id}")
    return feed


def _out(session: Session, feed: Feed) -> FeedOut:
    outcomes = feeds.item_outcomes(session, feed.id).get(feed.id, {})
    return FeedOut.of(feed, sum(outcomes.values()), outcomes)


@router.get("")
def list_feeds(viewer: Viewer = api_viewer("view"), session: Session = DATABASE) -> list[FeedOut]:
    """The feeds followed, when each was last polled, what went wrong and what its items became."""
    outcomes = feeds.item_outcomes(session)
    return [FeedOut.of(feed, items, outcomes.get(feed.id, {})) for feed, items in feeds.list_feeds(session)]


@router.get("/{feed_id}", responses=NO_FEED)
def read_feed(
    feed_id: FeedId, viewer: Viewer = api_viewer("view"), session: Session = DATABASE
) -> FeedDetail:
    """A feed with its recent items, each with what became of it and why."""
    feed = _feed(session, feed_id)
    items = feeds.recent_items(session, feed.id, limit=RECENT_ITEMS)
    return FeedDetail(
        **_out(session, feed).model_dump(), recent_items=[ItemOut.model_validate(item) for item in items]
    )


@router.post(
    "",
    status_code=201,
    responses={
        200: {"description": "dry_run: the preview; nothing stored", "model": FeedPreview},
        422: {"description": "not followed: an account or campaign unknown, unreadable, followed already"},
    },
)
def add_feed(
    body: FeedRequest,
    request: Request,
    response: Response,
    viewer: Viewer = api_viewer("write"),
    session: Session = DATABASE,
) -> FeedOut | FeedPreview:
    """Follow a feed (checked first: fetched and parsed), polled by the beat at once, then every
    `every_minutes`; with `dry_run`, which of its items its first poll would post and why not the others."""
    settings = request.app.state.settings
    try:
        feeds.check_new_feed(session, body.accounts, campaign=body.campaign)
        db.release(session)  # the fetch holds no transaction
        parsed = None
        if body.dry_run or body.check:
            parsed = feeds.read_feed(body.url, policy=feeds.fetch_policy(settings))
    except NewsroomError as error:
        raise HTTPException(422, worded(error, api_words)) from None
    except ArticleError as error:
        unless = "" if body.dry_run else ' (nothing saved; "check": false follows it anyway)'
        raise HTTPException(422, f"{worded(error, api_words)}{unless}") from None
    if parsed is not None and body.dry_run:
        response.status_code = 200
        verdicts = feed_preview.first_poll_verdicts(session, parsed.entries, now=utcnow(), settings=settings)
        return FeedPreview(
            url=body.url,
            title=parsed.title or body.url,
            would_post=sum(verdict.posted for verdict in verdicts),
            items=[
                ItemVerdictOut(
                    title=v.title, url=v.url, published_at=v.published_at, posted=v.posted, why=v.why
                )
                for v in verdicts
            ],
        )
    minutes = body.every_minutes
    try:
        with session.begin_nested():
            feed = feeds.add_feed(
                session,
                body.url,
                body.accounts,
                campaign=body.campaign,
                poll_seconds=minutes * 60 if minutes is not None else None,
                title=parsed.title if parsed is not None else None,
            )
    except (NewsroomError, ArticleError) as error:  # ArticleError: an address that is not one
        raise HTTPException(422, worded(error, api_words)) from None
    return FeedOut.of(feed, 0, {})


@router.post("/{feed_id}/pause", responses=NO_FEED)
def pause_feed(feed_id: FeedId, viewer: Viewer = api_viewer("write"), session: Session = DATABASE) -> FeedOut:
    """Stop polling the feed until it is resumed (its items wait in the feed); paused already is no error."""
    feed = feeds.pause_feed(session, str(_feed(session, feed_id).id), now=utcnow())
    return _out(session, feed)


@router.post("/{feed_id}/resume", responses=NO_FEED)
def resume_feed(
    feed_id: FeedId, viewer: Viewer = api_viewer("write"), session: Session = DATABASE
) -> FeedOut:
    """Poll the feed again: the beat polls it at once."""
    feed = feeds.resume_feed(session, str(_feed(session, feed_id).id), now=utcnow())
    return _out(session, feed)


@router.post("/{feed_id}/poll", responses={**NO_FEED, 409: {"description": "not done: the feed is paused"}})
def poll_feed(feed_id: FeedId, viewer: Viewer = api_viewer("write"), session: Session = DATABASE) -> FeedOut:
    """Have the beat poll the feed within seconds; GET /api/v1/feeds/{id} then shows what it brought."""
    try:
        feed = feeds.poll_soon(session, str(_feed(session, feed_id).id), now=utcnow())
    except NewsroomError as error:
        raise HTTPException(409, worded(error, api_words)) from None
    return _out(session, feed)


@router.delete("/{feed_id}", responses=NO_FEED)
def remove_feed(
    feed_id: FeedId, viewer: Viewer = api_viewer("write"), session: Session = DATABASE
) -> Removed:
    """Stop following the feed; the articles and posts it brought stay."""
    feed = feeds.remove_feed(session, str(_feed(session, feed_id).id))
    return Removed(id=feed.id, url=feed.url, title=feed.title)
