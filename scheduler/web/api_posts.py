"""/api/v1/posts: list by state, account and due time; read with attempts; create from an article; approve,
reschedule, cancel, retry. The same functions as the CLI and the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from sqlalchemy.orm import Session

from scheduler.models import Article, Post, PostState, utcnow
from scheduler.newsroom import NewsroomError, controls, editing, posts, users
from scheduler.newsroom.posts import When, due_time, get_post, schedule_post, thread_of
from scheduler.render import RenderError
from scheduler.web.api import MAX_ID, NO_NUL, PostId, PostOut, UtcTime, account_named, known_query_parameters
from scheduler.web.auth import DATABASE, Viewer, api_viewer
from scheduler.web.words import api_words
from scheduler.wording import worded

router = APIRouter(prefix="/api/v1", dependencies=[Depends(known_query_parameters)])


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


def _post(session: Session, post_id: int) -> Post:
    try:
        return get_post(session, post_id)
    except NewsroomError as error:
        raise HTTPException(404, worded(error, api_words)) from None


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
        account_named(session, account)
    found, total = posts.list_posts(
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
    account = account_named(session, body.account)
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
            when = When(at=at, now=body.now, queue=at is None and not body.now)
            post = schedule_post(
                session,
                article,
                account,
                due_at=due_time(session, when, account, now=now),
                templates_dir=request.app.state.settings.templates_dir,
                step=body.step,
                text=body.text,
                quote=quote,
                card=body.card,
                card_size=body.card_size,
            )
            thread = thread_of(session, post)
            for part in thread:
                part.created_by_id = viewer.id
    except (NewsroomError, RenderError) as error:
        raise HTTPException(422, worded(error, api_words)) from None
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
        raise HTTPException(422, worded(error, api_words)) from None


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
