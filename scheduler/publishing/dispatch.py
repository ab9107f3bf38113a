"""The dispatcher's tick: posts due within the lookahead claimed in one statement, and queued posts
whose task was lost taken back; the caller sends their tasks after the commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Update, bindparam, update
from sqlalchemy.orm import Session

from scheduler.config import Settings, get_settings
from scheduler.db import claim_due
from scheduler.models import Post, PostState, UTCDateTime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Dispatch:
    """A post to hand to a worker, to start at `due_at`."""

    post_id: int
    due_at: datetime


def dispatch_due(session: Session, *, now: datetime, settings: Settings | None = None) -> list[Dispatch]:
    """Claim posts due within the lookahead, and take back queued posts whose task was lost.

    The caller sends a publish task for each, with eta=due_at, after this transaction commits.
    """
    settings = settings or get_settings()
    horizon = now + timedelta(seconds=settings.lookahead_seconds)
    claimed = claim_due(session, now=now, horizon=horizon, limit=settings.claim_batch)
    stale_before = now - timedelta(seconds=settings.requeue_after_seconds)
    lost = (
        session.connection()
        .execute(_requeue_lost_statement(), {"now": now, "stale_before": stale_before})
        .all()
    )
    if lost:
        log.warning("sending %d queued posts again: their tasks were lost", len(lost))
    return [Dispatch(post_id, due_at) for post_id, due_at in [*claimed, *lost]]


@cache
def _requeue_lost_statement() -> Update:
    """Queued posts whose task was lost, sent again; built once (it runs every tick)."""
    now, stale_before = bindparam("now", type_=UTCDateTime()), bindparam("stale_before", type_=UTCDateTime())
    return (
        update(Post)
        .where(Post.state == PostState.QUEUED, Post.due_at <= stale_before, Post.queued_at <= stale_before)
        .values(queued_at=now, updated_at=now)
        .returning(Post.id, Post.due_at)
        .execution_options(synchronize_session=False)
    )
