"""/api/v1/posts/{id}/history, comments, reject and resubmit: a post's history and its review, as its page
shows them (newsroom.history, newsroom.review)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, StringConstraints
from sqlalchemy.orm import Session

from scheduler.models import utcnow
from scheduler.newsroom import NewsroomError, editing, history, review, users
from scheduler.web.api import NO_NUL, PostId, known_query_parameters
from scheduler.web.api_posts import NO_POST, NOT_DONE, Changed
from scheduler.web.auth import DATABASE, Viewer, api_viewer
from scheduler.web.words import api_words
from scheduler.wording import worded

router = APIRouter(prefix="/api/v1", dependencies=[Depends(known_query_parameters)])

Said = Annotated[str, StringConstraints(max_length=5000, pattern=NO_NUL)]


class EventOut(BaseModel):
    at: datetime
    user: str | None  # None: the command line, a feed, a campaign or a worker
    # text, time, approved, rejected, resubmitted, canceled, retried, comment
    kind: str
    detail: dict[str, Any]  # text and time: {"from": …, "to": …}
    note: str | None  # the comment, or the reason given


class HistoryOut(BaseModel):
    post: int  # the thread's first part, which keeps the history
    rejected_at: datetime | None  # sent back to its editor, waiting for them
    events: list[EventOut]


class CommentRequest(BaseModel):
    text: Said


class RejectRequest(BaseModel):
    reason: Said


class ResubmitRequest(BaseModel):
    note: Said = ""


def _head(session: Session, post_id: int) -> Any:
    try:
        return editing.first_part(session, post_id)
    except NewsroomError:
        raise HTTPException(404, f"there is no post {post_id}") from None


@router.get("/posts/{post_id}/history", tags=["posts"], responses=NO_POST)
def read_history(
    post_id: PostId, viewer: Viewer = api_viewer("view"), session: Session = DATABASE
) -> HistoryOut:
    """Who changed what on the post and when, and its comments, oldest first."""
    head = _head(session, post_id)
    return HistoryOut(
        post=head.id,
        rejected_at=head.rejected_at,
        events=[
            EventOut(
                at=event.at,
                user=event.user.name if event.user else None,
                kind=event.kind,
                detail=event.detail,
                note=event.note,
            )
            for event in history.history_of(session, head.id)
        ],
    )


@router.post(
    "/posts/{post_id}/comments",
    status_code=201,
    tags=["posts"],
    responses={**NO_POST, 422: {"description": "an empty or overlong comment"}},
)
def add_comment(
    post_id: PostId, body: CommentRequest, viewer: Viewer = api_viewer("view"), session: Session = DATABASE
) -> HistoryOut:
    head = _head(session, post_id)
    try:
        review.comment(session, head.id, body.text)
    except NewsroomError as error:
        raise HTTPException(422, f"/text: {worded(error, api_words)}") from None
    return read_history(head.id, viewer, session)


@router.post(
    "/posts/{post_id}/reject",
    tags=["posts"],
    responses={**NO_POST, **NOT_DONE, 422: {"description": "no reason given"}},
)
def reject_post(
    post_id: PostId, body: RejectRequest, viewer: Viewer = api_viewer("approve"), session: Session = DATABASE
) -> Changed:
    """Send a draft back to its editor with the reason; it waits for them to resubmit it."""
    head = _head(session, post_id)
    try:
        outcome = review.reject(session, head.id, reason=body.reason, now=utcnow())
    except NewsroomError as error:
        raise HTTPException(422, f"/reason: {worded(error, api_words)}") from None
    if not outcome.done:
        raise HTTPException(409, f"post {outcome.post_id} {outcome.why_not}")
    return Changed(post=outcome.post_id, parts=outcome.parts)


@router.post("/posts/{post_id}/resubmit", tags=["posts"], responses={**NO_POST, **NOT_DONE})
def resubmit_post(
    post_id: PostId, body: ResubmitRequest, viewer: Viewer = api_viewer("write"), session: Session = DATABASE
) -> Changed:
    """Send a draft that came back to the approvers again; an editor resubmits only their own."""
    head = _head(session, post_id)
    if not users.may_change(viewer.role, viewer.id, head.created_by_id):
        raise HTTPException(403, f"post {head.id} is not yours: an editor resubmits only the posts they made")
    outcome = review.resubmit(session, head.id, note=body.note)
    if not outcome.done:
        raise HTTPException(409, f"post {outcome.post_id} {outcome.why_not}")
    return Changed(post=outcome.post_id, parts=outcome.parts)
