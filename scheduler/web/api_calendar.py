"""/api/v1/calendar: what is planned across accounts between two times (the web app's calendar reads
the same newsroom.agenda); a post is moved with POST /api/v1/posts/{id}/reschedule."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, StringConstraints
from sqlalchemy.orm import Session

from scheduler.models import utcnow
from scheduler.newsroom import NewsroomError, agenda
from scheduler.web.api import NO_NUL, UtcTime, known_query_parameters
from scheduler.web.auth import DATABASE, Viewer, api_viewer
from scheduler.web.words import api_words
from scheduler.wording import worded

router = APIRouter(prefix="/api/v1", dependencies=[Depends(known_query_parameters)])

Name = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=NO_NUL)]
Names = Annotated[list[Name] | None, Query(max_length=100)]


class PlannedPostOut(BaseModel):
    id: int  # the first part of its thread
    account: str
    network: str
    state: str
    step: str
    campaign: str | None
    article_id: int | None
    text: str
    at: datetime  # when it is planned for
    parts: int  # posts in its thread


class FreeSlotOut(BaseModel):
    account: str
    at: datetime


class CalendarOut(BaseModel):
    start: datetime
    end: datetime
    posts: list[PlannedPostOut]  # by time
    free: list[FreeSlotOut]  # by time; empty unless free=true


@router.get(
    "/calendar", tags=["calendar"], responses={422: {"description": "a filter or range that cannot be used"}}
)
def read_calendar(
    start: UtcTime,
    end: UtcTime,
    account: Names = None,
    network: Names = None,
    campaign: Names = None,
    state: Names = None,
    free: bool = False,
    viewer: Viewer = api_viewer("view"),
    session: Session = DATABASE,
) -> CalendarOut:
    """Posts planned from `start` (inclusive) to `end` (exclusive, at most 45 days later) in the accounts
    kept by the filters (each may be given more than once: account=a&account=b), and with free=true
    each of those accounts' slots still free (held by no post, allowed by its budget)."""
    try:
        found = agenda.agenda(
            session,
            start=start,
            end=end,
            filters=agenda.Filters(*(tuple(names or ()) for names in (account, network, campaign, state))),
            now=utcnow(),
            free_slots=free,
        )
    except NewsroomError as error:
        raise HTTPException(422, f"{error.field or 'query'}: {worded(error, api_words)}") from None
    return CalendarOut(
        start=start,
        end=end,
        posts=[
            PlannedPostOut(
                id=post.id,
                account=post.account,
                network=post.network,
                state=post.state,
                step=post.step,
                campaign=post.campaign,
                article_id=post.article_id,
                text=post.text,
                at=post.at,
                parts=post.parts,
            )
            for post in found.posts
        ],
        free=[FreeSlotOut(account=slot.account, at=slot.at) for slot in found.free],
    )
