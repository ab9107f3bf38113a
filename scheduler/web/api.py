"""The JSON API under /api/v1: what every route shares (tokens, unknown query parameters refused, UTC times),
the post a response shows, and the accounts routes. Posts are in api_posts.py, articles in api_articles.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
)
from sqlalchemy.orm import Session

from scheduler.config import get_settings
from scheduler.models import Account, Post, utcnow
from scheduler.newsroom import NewsroomError, accounts, controls
from scheduler.newsroom.accounts import find_account
from scheduler.planning.wallclock import TooFarAhead, check_within_horizon
from scheduler.web.auth import DATABASE, Viewer, api_viewer
from scheduler.web.words import api_words
from scheduler.wording import worded


def known_query_parameters(request: Request) -> None:
    """A query parameter the route does not take is an error, not ignored: a misspelt filter would
    otherwise answer with everything."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    known = {param.alias for param in _query_params(dependant)}
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        takes = f"it takes {', '.join(sorted(known))}" if known else "it takes none"
        raise HTTPException(422, f"unknown query parameter {unknown[0]!r}: {takes}")


def _query_params(dependant: Any) -> Iterator[Any]:
    yield from dependant.query_params
    for sub in dependant.dependencies:
        yield from _query_params(sub)


router = APIRouter(prefix="/api/v1", dependencies=[Depends(known_query_parameters)])

MAX_ID = 2**31 - 1  # the columns are 32-bit integers on PostgreSQL
NO_NUL = r"^[^\x00]*$"  # PostgreSQL's text holds no NUL character


def _iso_text(value: object) -> object:
    """Refuse a number: pydantic would read it as seconds since 1970, the description says date-time."""
    if not isinstance(value, str) or _NUMBER.fullmatch(value.strip()):
        raise ValueError("give an ISO 8601 time with an offset, such as 2026-12-01T09:00:00+01:00")
    return value


_NUMBER = re.compile(r"[-+]?\d+(\.\d*)?([eE][-+]?\d+)?")


def _in_utc(value: datetime) -> datetime:
    try:
        return check_within_horizon(value.astimezone(UTC))
    except OverflowError:
        raise ValueError("the time is out of range once in UTC") from None
    except TooFarAhead as error:
        raise ValueError(str(error)) from None


UtcTime = Annotated[AwareDatetime, BeforeValidator(_iso_text), AfterValidator(_in_utc)]
PostId = Annotated[int, Path(ge=1, le=MAX_ID, description="the post's id")]
AccountName = Annotated[
    str, Path(min_length=1, max_length=100, pattern=NO_NUL, description="the account's name")
]


class Me(BaseModel):
    name: str
    role: str


class AccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    network: str
    timezone: str
    status: str  # active, or reconnect: its credentials stopped working
    paused_at: datetime | None
    held_until: datetime | None  # a network asked us to wait until then
    hold_reason: str | None


class PostOut(BaseModel):
    id: int
    account: str
    state: str
    step: str
    campaign: str | None
    campaign_step: int | None
    text: str
    due_at: datetime
    scheduled_for: datetime
    published_at: datetime | None
    receipt_url: str | None  # the post on its network, once published
    last_error: str | None
    article_id: int | None
    thread_index: int

    @classmethod
    def of(cls, post: Post) -> PostOut:
        return cls(
            id=post.id,
            account=post.account.name,
            state=post.state,
            step=post.step,
            campaign=post.campaign,
            campaign_step=post.campaign_step,
            text=post.text,
            due_at=post.due_at,
            scheduled_for=post.scheduled_for,
            published_at=post.published_at,
            receipt_url=post.external_url,
            last_error=post.last_error,
            article_id=post.article_id,
            thread_index=post.thread_index,
        )


class Paused(BaseModel):
    account: str
    paused_at: datetime
    already_paused: bool
    publishing: list[int]  # being sent right now: these may still go out


class Resumed(BaseModel):
    account: str
    was_paused: bool
    sent: list[int]  # overdue posts going out now, one budget gap apart
    skipped: list[int]  # overdue posts too late to send (the reason is on each post)


def account_named(session: Session, name: str) -> Account:
    try:
        return find_account(session, name)
    except NewsroomError as error:
        raise HTTPException(404, worded(error, api_words)) from None


@router.get("/me", tags=["users"])
def me(viewer: Viewer = api_viewer("view")) -> Me:
    """Whose token this is, and their role."""
    return Me(name=viewer.name, role=viewer.role)


@router.get("/accounts", tags=["accounts"])
def list_accounts(viewer: Viewer = api_viewer("view"), session: Session = DATABASE) -> list[AccountOut]:
    return [AccountOut.model_validate(account) for account in accounts.list_accounts(session)]


@router.get("/accounts/{name}", tags=["accounts"], responses={404: {"description": "no such account"}})
def read_account(
    name: AccountName, viewer: Viewer = api_viewer("view"), session: Session = DATABASE
) -> AccountOut:
    return AccountOut.model_validate(account_named(session, name))


@router.post("/accounts/{name}/pause", tags=["accounts"], responses={404: {"description": "no such account"}})
def pause_account(
    name: AccountName, viewer: Viewer = api_viewer("approve"), session: Session = DATABASE
) -> Paused:
    """Stop dispatching the account's posts; they stay scheduled."""
    [paused] = controls.pause(session, [account_named(session, name)], now=utcnow())
    return Paused(
        account=paused.account,
        paused_at=paused.since,
        already_paused=paused.already,
        publishing=paused.publishing,
    )


@router.post(
    "/accounts/{name}/resume", tags=["accounts"], responses={404: {"description": "no such account"}}
)
def resume_account(
    name: AccountName, viewer: Viewer = api_viewer("approve"), session: Session = DATABASE
) -> Resumed:
    """Dispatch again; posts that fell due while paused go out spaced by the budget, or are skipped when
    staler than SCHEDULER_STALE_AFTER_MINUTES."""
    stale_after = timedelta(minutes=get_settings().stale_after_minutes)
    [resumed] = controls.resume(
        session, [account_named(session, name)], now=utcnow(), stale_after=stale_after
    )
    return Resumed(
        account=resumed.account,
        was_paused=resumed.paused_at is not None,
        sent=[post_id for post_id, _ in resumed.sent],
        skipped=[post_id for post_id, _ in resumed.skipped],
    )
