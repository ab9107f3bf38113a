"""POST /api/v1/posts/bulk/ACTION (approve, shift, queue, cancel, retry): one action on many posts, as
the posts list does (newsroom.bulk): each post done or refused with the reason, in one transaction."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy.orm import Session

from scheduler.models import utcnow
from scheduler.newsroom import NewsroomError, bulk, users
from scheduler.web.api import MAX_ID, NO_NUL, known_query_parameters
from scheduler.web.auth import DATABASE, Viewer, api_viewer
from scheduler.web.words import api_words
from scheduler.wording import worded

router = APIRouter(prefix="/api/v1", dependencies=[Depends(known_query_parameters)])


class BulkRequest(BaseModel):
    posts: Annotated[
        list[Annotated[int, Field(ge=1, le=MAX_ID)]], Field(min_length=1, max_length=bulk.MOST_AT_ONCE)
    ]
    # For "shift": +2h, -30m, 1d, +1h30m.
    offset: Annotated[str | None, StringConstraints(max_length=40, pattern=NO_NUL)] = None
    # For "cancel".
    reason: Annotated[str, StringConstraints(max_length=500, pattern=NO_NUL)] = ""


class Done(BaseModel):
    post: int
    note: str  # its new time, or what happened


class Refused(BaseModel):
    post: int
    why: str


class BulkOut(BaseModel):
    action: str
    done: list[Done]
    refused: list[Refused]


ABOUT = {
    bulk.Action.APPROVE: "Approve the drafts named (with their threads); one whose time has passed goes now.",
    bulk.Action.NOW: "Share each scheduled post named now instead of at its time (as its budget allows).",
    bulk.Action.SHIFT: "Move each post named by `offset` (+2h, -30m, 1d), checked against its budget.",
    bulk.Action.QUEUE: "Move each post named to its account's next free slot.",
    bulk.Action.CANCEL: "Cancel each post named (with its thread), with `reason`: it cannot be brought back.",
    bulk.Action.RETRY: "Send each failed or skipped post named again, now.",
}


def _route(action: bulk.Action) -> None:
    def act(
        body: BulkRequest, viewer: Viewer = api_viewer(bulk.NEEDS[action]), session: Session = DATABASE
    ) -> BulkOut:
        return _apply(session, viewer, action, body)

    act.__doc__ = (
        f"{ABOUT[action]} Each post is done or refused with the reason; an editor acts only on the "
        "posts they made."
    )
    router.post(
        f"/posts/bulk/{action.value}",
        tags=["posts"],
        name=f"bulk_{action.value}",
        responses={422: {"description": "the request cannot be read (the detail names the member)"}},
    )(act)


def _apply(session: Session, viewer: Viewer, action: bulk.Action, body: BulkRequest) -> BulkOut:
    try:
        offset = bulk.read_offset(body.offset or "") if action is bulk.Action.SHIFT else None
        outcome = bulk.apply(
            session,
            bulk.Request(
                action,
                body.posts,
                utcnow(),
                offset=offset,
                reason=body.reason,
                may_change=lambda post: users.may_change(viewer.role, viewer.id, post.created_by_id),
            ),
        )
    except NewsroomError as error:
        raise HTTPException(422, f"/{error.field or 'posts'}: {worded(error, api_words)}") from None
    return BulkOut(
        action=outcome.action.value,
        done=[Done(post=post_id, note=worded(note, api_words)) for post_id, note in outcome.done],
        refused=[Refused(post=post_id, why=worded(why, api_words)) for post_id, why in outcome.refused],
    )


for _action in bulk.Action:
    _route(_action)
