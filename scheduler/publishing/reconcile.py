"""Posts whose outcome is unknown (the lease ran out, the call's answer was lost): the network is
asked whether they went out before anyone sends them again. Never retried blind.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from scheduler.config import Settings, get_settings
from scheduler.models import Attempt, Post, PostState, utcnow
from scheduler.networks.vault import VaultError
from scheduler.publishing.outgoing import OUTGOING_COLUMNS, account_settings, outgoing_post
from scheduler.publishing.records import (
    NetworkFor,
    Outcome,
    Result,
    SessionFactory,
    finish_attempt,
    keep_leased,
    leave_publishing,
    record_published,
    start_attempt,
)

log = logging.getLogger(__name__)


def expired_leases(session: Session, *, now: datetime, limit: int = 100) -> list[int]:
    """Posts in `publishing` whose worker did not report back in time."""
    return list(
        session.scalars(
            select(Post.id)
            .where(Post.state == PostState.PUBLISHING, Post.lease_until < now)
            .order_by(Post.lease_until)
            .limit(limit)
        )
    )


def reconcile(
    sessions: SessionFactory, post_id: int, network_for: NetworkFor, *, settings: Settings | None = None
) -> Result:
    """Ask the network whether a post whose outcome is unknown went out, before anyone sends it again."""
    settings = settings or get_settings()
    now = utcnow()
    token = secrets.token_hex(8)
    with sessions() as session:
        won = session.execute(
            update(Post)
            .where(Post.id == post_id, Post.state == PostState.PUBLISHING, Post.lease_until < now)
            .values(
                lease_token=token, lease_until=now + timedelta(seconds=settings.lease_seconds), updated_at=now
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if not won:
            return Result(Outcome.NOT_CLAIMED)
        row = session.execute(select(*OUTGOING_COLUMNS).where(Post.id == post_id)).one()
        try:
            account = account_settings(session, row.account_id, settings)
        except VaultError as error:
            # Nothing is sent until the network can be asked: the post waits, saying why.
            keep_leased(
                session,
                post_id,
                token,
                until=now + timedelta(seconds=settings.retry_backoff_seconds),
                message=str(error),
            )
            return Result(Outcome.UNKNOWN, detail=str(error))
        outgoing = outgoing_post(session, post_id, account.name, row, settings)
        attempt_id = start_attempt(session, post_id, "find", now)

    try:
        receipt = network_for(account).find(outgoing)
    except Exception as error:
        message = f"{type(error).__name__}: {error}"
        log.warning("post %s: could not look it up on the network: %s", post_id, message)
        with sessions() as session:
            finish_attempt(session, attempt_id, Outcome.UNKNOWN.value, message)
            lookups = session.scalar(
                select(func.count(Attempt.id)).where(
                    Attempt.post_id == post_id,
                    Attempt.kind == "find",
                    Attempt.outcome == Outcome.UNKNOWN.value,
                )
            )
            if (lookups or 0) >= settings.max_lookups:
                # Never sent blind: an editor must look at the account and decide.
                reason = (
                    f"could not find out whether it went out ({lookups} look-ups failed, the last: "
                    f"{message}); check the account before sending it again"
                )
                leave_publishing(session, post_id, token, state=PostState.FAILED, last_error=reason)
                log.warning("post %s failed: %s", post_id, reason)
                return Result(Outcome.FAILED, detail=reason)
            retry_at = utcnow() + timedelta(
                seconds=settings.reconcile_seconds * min(2 ** ((lookups or 1) - 1), 60)
            )
            keep_leased(session, post_id, token, until=retry_at, message=message)
        return Result(Outcome.UNKNOWN, detail=message)

    if receipt is not None:
        log.info("post %s: found on the network as %s", post_id, receipt.external_id)
        return record_published(sessions, post_id, token, attempt_id, receipt, Outcome.FOUND)
    with sessions() as session:
        finish_attempt(session, attempt_id, Outcome.NOT_FOUND.value)
        leave_publishing(session, post_id, token, state=PostState.SCHEDULED, due_at=utcnow(), last_error=None)
    log.info("post %s: not on the network; scheduled to send again", post_id)
    return Result(Outcome.NOT_FOUND)
