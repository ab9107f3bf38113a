"""/api/v1/accounts/{name}/queue: what an account posts next, in order, and putting it in another order,
as its queue page does by drag or by its Up and Down buttons (newsroom.queue): the times stay where they
are and the posts take them in the new order."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from scheduler.models import utcnow
from scheduler.newsroom import NewsroomError, queue, users
from scheduler.web.api import MAX_ID, AccountName, account_named, known_query_parameters
from scheduler.web.auth import DATABASE, Viewer, api_viewer
from scheduler.web.words import api_words
from scheduler.wording import worded

router = APIRouter(
    prefix="/api/v1/accounts", tags=["accounts"], dependencies=[Depends(known_query_parameters)]
)


class QueuedOut(BaseModel):
    id: int  # the first part of its thread
    state: str  # draft, scheduled, or on its way out (queued, publishing)
    step: str
    at: datetime  # its place in the queue: the time it holds
    due_at: datetime  # when it goes out (later than `at` when a retry waits)
    excerpt: str  # the start of its text, as the queue page shows it
    parts: int  # posts in its thread, moved together
    movable: bool  # a draft or scheduled post still to come that this token's user may move


class QueueOut(BaseModel):
    account: str
    timezone: str
    paused_at: datetime | None  # paused: nothing goes out until it is resumed
    posts: list[QueuedOut]  # by time, at most 100


class OrderRequest(BaseModel):
    # First parts of the account's drafts and scheduled posts still to come, first to go first: they take
    # the times they hold between them, earliest first.
    order: Annotated[list[Annotated[int, Field(ge=1, le=MAX_ID)]], Field(max_length=1000)]


class MovedOut(BaseModel):
    post: int
    at: datetime  # its new time


class ReorderedOut(BaseModel):
    moved: list[MovedOut]  # by time; empty when the order was already that
    before: list[int]  # the order they were in: PUT it back to undo


NO_ACCOUNT = {404: {"description": "no such account"}}


@router.get("/{name}/queue", responses=NO_ACCOUNT)
def read_queue(
    name: AccountName, viewer: Viewer = api_viewer("view"), session: Session = DATABASE
) -> QueueOut:
    """The account's next posts still to go out (first parts of threads), by time."""
    account = account_named(session, name)
    may_reorder = viewer.may("write")
    return QueueOut(
        account=account.name,
        timezone=account.timezone,
        paused_at=account.paused_at,
        posts=[
            QueuedOut(
                id=entry.post.id,
                state=entry.post.state,
                step=entry.post.step,
                at=entry.post.scheduled_for,
                due_at=entry.post.due_at,
                excerpt=entry.excerpt,
                parts=entry.parts,
                movable=entry.movable
                and may_reorder
                and users.may_change(viewer.role, viewer.id, entry.post.created_by_id),
            )
            for entry in queue.queue_of(session, account, now=utcnow())
        ],
    )


@router.put(
    "/{name}/queue",
    responses={
        **NO_ACCOUNT,
        403: {"description": "an editor named a post that is not theirs"},
        409: {"description": "the queue is not as named: a post went out, was canceled or moved meanwhile"},
        422: {"description": "the order cannot be used (a post named twice, fewer than two, a later part)"},
    },
)
def reorder_queue(
    name: AccountName, body: OrderRequest, viewer: Viewer = api_viewer("write"), session: Session = DATABASE
) -> ReorderedOut:
    """Put the posts named in `order` in that order; on a refusal (the detail names the post) nothing
    moves. An editor moves only their own posts."""
    account = account_named(session, name)
    try:
        with session.begin_nested():
            done = queue.reorder(
                session,
                account,
                body.order,
                now=utcnow(),
                may_move=lambda post: users.may_change(viewer.role, viewer.id, post.created_by_id),
            )
    except NewsroomError as error:
        raise HTTPException(_status(error), f"/order: {worded(error, api_words)}") from None
    return ReorderedOut(moved=[MovedOut(post=post, at=at) for post, at in done.moved], before=done.before)


def _status(error: NewsroomError) -> int:
    if isinstance(error, queue.NotYours):
        return 403
    return 409 if isinstance(error, queue.QueueChanged) else 422
