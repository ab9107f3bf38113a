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


def dispatch_due(
    session: Session, *, now: datetime, settings: Settings | None = None, broker_emptied: bool = False
) -> list[Dispatch]:
    """Claim posts due within the lookahead, and take back queued posts whose task was lost.

    A task is taken as lost when its post is still queued `requeue_after_seconds` after it was due
    and after it was sent; and every queued post's task at once when the broker says it was emptied
    (flushed, or restarted without its data) since the last tick: then recovery takes one tick, not
    the requeue time. Sending again never publishes twice: a task starts a post only from queued.

    The caller sends a publish task for each, with eta=due_at, after this transaction commits.
    """
    settings = settings or get_settings()
    horizon = now + timedelta(seconds=settings.lookahead_seconds)
    claimed = claim_due(session, now=now, horizon=horizon, limit=settings.claim_batch)
    if broker_emptied:
        # Every task sent before this tick (those just claimed were queued at `now` exactly).
        due_before, queued_before = horizon, now - timedelta(microseconds=1)
    else:
        due_before = queued_before = now - timedelta(seconds=settings.requeue_after_seconds)
    lost = (
        session.connection()
        .execute(
            _requeue_lost_statement(), {"now": now, "due_before": due_before, "queued_before": queued_before}
        )
        .all()
    )
    if lost:
        why = "the broker was emptied" if broker_emptied else "their tasks were lost"
        log.warning("sending %d queued posts again: %s", len(lost), why)
    return [Dispatch(post_id, due_at) for post_id, due_at in [*claimed, *lost]]


@cache
def _requeue_lost_statement() -> Update:
    """Queued posts whose task was lost, sent again; built once (it runs every tick)."""
    now = bindparam("now", type_=UTCDateTime())
    due_before = bindparam("due_before", type_=UTCDateTime())
    queued_before = bindparam("queued_before", type_=UTCDateTime())
    return (
        update(Post)
        .where(Post.state == PostState.QUEUED, Post.due_at <= due_before, Post.queued_at <= queued_before)
        .values(queued_at=now, updated_at=now)
        .returning(Post.id, Post.due_at)
        .execution_options(synchronize_session=False)
    )
