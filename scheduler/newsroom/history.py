"""Each post's history: who changed what and when (its text, its time, its approval, its state), and the
comments editors and approvers leave on it, kept on the thread's first part.

The face says who is acting once per session (`act_as`: the signed-in user in the web app and the API;
no one, for the CLI, feeds and campaigns); the domain functions that change a post write its event in
the same transaction as the change, so the history never tells of a change that did not happen.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from scheduler.models import PostEvent

ACTOR = "scheduler.actor"
# What a history keeps of a text that changed: enough to see the change, not a second copy of a thread.
MOST_KEPT = 2000


def act_as(session: Session, user_id: int | None) -> None:
    """The user whose changes the session's events record (None: the CLI, a feed, a campaign)."""
    session.info[ACTOR] = user_id


def record(
    session: Session,
    post_id: int,
    kind: str,
    *,
    detail: dict[str, Any] | None = None,
    note: str | None = None,
) -> None:
    session.add(
        PostEvent(post_id=post_id, user_id=session.info.get(ACTOR), kind=kind, detail=detail or {}, note=note)
    )


def moved(session: Session, post_id: int, was: datetime, now: datetime, *, why: str | None = None) -> None:
    record(session, post_id, "time", detail={"from": was.isoformat(), "to": now.isoformat()}, note=why)


def edited(session: Session, post_id: int, was: str, now: str) -> None:
    record(session, post_id, "text", detail={"from": was[:MOST_KEPT], "to": now[:MOST_KEPT]})


def history_of(session: Session, post_id: int) -> list[PostEvent]:
    """The post's events, oldest first, with the users who made them."""
    return list(
        session.scalars(
            select(PostEvent)
            .where(PostEvent.post_id == post_id)
            .options(selectinload(PostEvent.user))
            .order_by(PostEvent.at, PostEvent.id)
        )
    )
