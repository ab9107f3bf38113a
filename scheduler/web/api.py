"""The JSON API under /api/v1: personal API tokens, the same domain functions as the CLI and the pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from sqlalchemy.orm import Session

from scheduler import controls, editing, newsroom, users
from scheduler.config import get_settings
from scheduler.models import Account, Article, Post, PostState, utcnow
from scheduler.newsroom import NewsroomError
from scheduler.render import RenderError
from scheduler.web.auth import DATABASE, Viewer, api_viewer


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
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is out of range once in UTC") from None


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


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str  # publish, or find (asking the network whether a post went out)
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None
    detail: str | None


class PostDetail(PostOut):
    attempts: list[AttemptOut]


class PostPage(BaseModel):
    total: int  # posts matching, of which `posts` holds at most `limit` from `offset`
    posts: list[PostOut]


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


class Approved(BaseModel):
    post: int
    due_at: datetime  # when it goes out: its time, or now when that has passed


class Changed(BaseModel):
    post: int  # the first part of its thread: what was acted on
    parts: int  # posts in the thread, all changed together


class RescheduleRequest(BaseModel):
    at: UtcTime  # with an offset (Z for UTC)


class CancelRequest(BaseModel):
    reason: Annotated[str, StringConstraints(max_length=500)] = ""


class RetryRequest(BaseModel):
    # For a post whose outcome was left unknown: the caller looked at the account and it is not there.
    checked_not_sent: bool = False


class PostRequest(BaseModel):
    """A post of an article for an account: the step's template (or your own `text`), at `at`, now, or
    (neither given) the account's next free slot. A draft waiting for approval when the account asks."""

    article_id: Annotated[int, Field(ge=1, le=MAX_ID)]
    account: Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=NO_NUL)]
    step: Literal["announce", "quote", "reshare"] = "announce"
    text: Annotated[str | None, StringConstraints(max_length=20_000, pattern=NO_NUL)] = None
    quote_rank: Annotated[int | None, Field(ge=1, le=1000)] = None  # the quote step's quote (1: best)
    card: Annotated[str | None, StringConstraints(min_length=1, max_length=64, pattern=NO_NUL)] = None
    card_size: Annotated[str | None, StringConstraints(min_length=1, max_length=16, pattern=NO_NUL)] = None
    at: UtcTime | None = None
    now: bool = False

    @model_validator(mode="after")
    def one_time(self) -> PostRequest:
        if self.at is not None and self.now:
            raise ValueError("give `at` or `now`, not both (neither: the account's next free slot)")
        if self.quote_rank is not None and self.step != "quote":
            raise ValueError("quote_rank goes with the quote step")
        return self


class CreatedPost(BaseModel):
    post: PostOut  # the first part
    parts: int  # posts in its thread


NOT_DONE = {409: {"description": "not done: the post is not in a state that allows it (the detail says why)"}}
NO_POST = {404: {"description": "no such post"}}


def _account(session: Session, name: str) -> Account:
    try:
        return newsroom.find_account(session, name)
    except NewsroomError as error:
        raise HTTPException(404, str(error)) from None


def _post(session: Session, post_id: int) -> Post:
    try:
        return newsroom.get_post(session, post_id)
    except NewsroomError as error:
        raise HTTPException(404, str(error)) from None


@router.get("/me", tags=["users"])
def me(viewer: Viewer = api_viewer("view")) -> Me:
    """Whose token this is, and their role."""
    return Me(name=viewer.name, role=viewer.role)


@router.get("/accounts", tags=["accounts"])
def list_accounts(viewer: Viewer = api_viewer("view"), session: Session = DATABASE) -> list[AccountOut]:
    return [AccountOut.model_validate(account) for account in newsroom.list_accounts(session)]


@router.get("/accounts/{name}", tags=["accounts"], responses={404: {"description": "no such account"}})
def read_account(
    name: AccountName, viewer: Viewer = api_viewer("view"), session: Session = DATABASE
) -> AccountOut:
    return AccountOut.model_validate(_account(session, name))


@router.post("/accounts/{name}/pause", tags=["accounts"], responses={404: {"description": "no such account"}})
def pause_account(
    name: AccountName, viewer: Viewer = api_viewer("approve"), session: Session = DATABASE
) -> Paused:
    """Stop dispatching the account's posts; they stay scheduled."""
    [paused] = controls.pause(session, [_account(session, name)], now=utcnow())
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
    [resumed] = controls.resume(session, [_account(session, name)], now=utcnow(), stale_after=stale_after)
    return Resumed(
        account=resumed.account,
        was_paused=resumed.paused_at is not None,
        sent=[post_id for post_id, _ in resumed.sent],
        skipped=[post_id for post_id, _ in resumed.skipped],
    )


@router.get("/posts", tags=["posts"], responses={404: {"description": "no such account"}})
def list_posts(
    state: PostState | None = None,
    account: Annotated[str | None, Query(min_length=1, max_length=100, pattern=NO_NUL)] = None,
    due_from: UtcTime | None = None,
    due_before: UtcTime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    viewer: Viewer = api_viewer("view"),
    session: Session = DATABASE,
) -> PostPage:
    """Posts by due time, filtered by state, account and due time (from, inclusive; before, exclusive)."""
    if account is not None:
        _account(session, account)
    found, total = newsroom.list_posts(
        session,
        state=state.value if state else None,
        account=account,
        due_from=due_from,
        due_before=due_before,
        limit=limit,
        offset=offset,
    )
    return PostPage(total=total, posts=[PostOut.of(post) for post in found])


@router.post(
    "/posts",
    status_code=201,
    tags=["posts"],
    responses={404: {"description": "no such article or account"}, 422: {"description": "cannot be made"}},
)
def create_post(
    body: PostRequest, request: Request, viewer: Viewer = api_viewer("write"), session: Session = DATABASE
) -> CreatedPost:
    """Schedule a post of an article, as the article page and `scheduler schedule` do; 422 says why it
    cannot be made (no quote, over the length limit, a time that has passed or breaks the budget)."""
    article = session.get(Article, body.article_id)
    if article is None:
        raise HTTPException(404, f"there is no article {body.article_id}")
    account = _account(session, body.account)
    quote = None
    if body.quote_rank is not None:
        quote = next((q for q in article.quotes if q.rank == body.quote_rank), None)
        if quote is None:
            raise HTTPException(
                422,
                f"article {article.id} has {len(article.quotes)} quote(s): no quote ranked {body.quote_rank}",
            )
    now = utcnow()
    try:
        with session.begin_nested():
            at = body.at.isoformat() if body.at is not None else None
            when = newsroom.When(at=at, now=body.now, queue=at is None and not body.now)
            post = newsroom.schedule_post(
                session,
                article,
                account,
                due_at=newsroom.due_time(session, when, account, now=now),
                templates_dir=request.app.state.settings.templates_dir,
                step=body.step,
                text=body.text,
                quote=quote,
                card=body.card,
                card_size=body.card_size,
            )
            thread = newsroom.thread_of(session, post)
            for part in thread:
                part.created_by_id = viewer.id
    except (NewsroomError, RenderError) as error:
        raise HTTPException(422, str(error)) from None
    return CreatedPost(post=PostOut.of(post), parts=len(thread))


@router.get("/posts/{post_id}", tags=["posts"], responses={404: {"description": "no such post"}})
def read_post(
    post_id: PostId, viewer: Viewer = api_viewer("view"), session: Session = DATABASE
) -> PostDetail:
    """A post with every attempt to publish it."""
    post = _post(session, post_id)
    return PostDetail(
        **PostOut.of(post).model_dump(),
        attempts=[AttemptOut.model_validate(attempt) for attempt in post.attempts],
    )


@router.post("/posts/{post_id}/approve", tags=["posts"], responses={**NO_POST, **NOT_DONE})
def approve_post(
    post_id: PostId, viewer: Viewer = api_viewer("approve"), session: Session = DATABASE
) -> Approved:
    """A draft (with the rest of its thread) becomes scheduled; one whose time has passed is due now."""
    _post(session, post_id)
    [approved] = controls.approve(session, [post_id], now=utcnow())
    if not approved.approved:
        raise HTTPException(409, f"post {approved.post_id} {approved.why_not}: not approved")
    return Approved(post=approved.post_id, due_at=approved.due_at)


def _changed(outcome: editing.Changed) -> Changed:
    if not outcome.done:
        raise HTTPException(409, f"post {outcome.post_id} {outcome.why_not}")
    return Changed(post=outcome.post_id, parts=outcome.parts)


def _own(session: Session, viewer: Viewer, post_id: int) -> None:
    """An editor changes only the posts they made; admins (and approvers, where allowed) any."""
    post = _post(session, post_id)
    if not users.may_change(viewer.role, viewer.id, post.created_by_id):
        raise HTTPException(403, f"post {post_id} is not yours: an editor changes only the posts they made")


@router.post("/posts/{post_id}/reschedule", tags=["posts"], responses={**NO_POST, **NOT_DONE})
def reschedule_post(
    post_id: PostId,
    body: RescheduleRequest,
    viewer: Viewer = api_viewer("write"),
    session: Session = DATABASE,
) -> Changed:
    """Move a draft or scheduled post (its thread as a whole) to another time, within its account's budget;
    422 says why a time is refused (passed, or too close to another post)."""
    _own(session, viewer, post_id)
    try:
        return _changed(editing.reschedule(session, post_id, body.at, now=utcnow()))
    except NewsroomError as error:
        raise HTTPException(422, str(error)) from None


@router.post("/posts/{post_id}/cancel", tags=["posts"], responses={**NO_POST, **NOT_DONE})
def cancel_post(
    post_id: PostId,
    body: CancelRequest,
    viewer: Viewer = api_viewer("write"),
    session: Session = DATABASE,
) -> Changed:
    """Cancel a post not out yet (its thread as a whole), with the reason."""
    _own(session, viewer, post_id)
    return _changed(editing.cancel(session, post_id, reason=body.reason))


@router.post("/posts/{post_id}/retry", tags=["posts"], responses={**NO_POST, **NOT_DONE})
def retry_post(
    post_id: PostId,
    body: RetryRequest,
    viewer: Viewer = api_viewer("approve"),
    session: Session = DATABASE,
) -> Changed:
    """Send a failed or skipped post again, now. One whose outcome was unknown needs `checked_not_sent`."""
    _post(session, post_id)
    return _changed(editing.retry(session, post_id, now=utcnow(), checked_not_sent=body.checked_not_sent))
