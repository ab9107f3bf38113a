"""What a call to a network leaves behind: its Attempt, and the post's next state (published, a retry
at a backoff or the rate-limit reset, failed with its reason, or held while its outcome is unknown).
Every move out of `publishing` is a compare-and-set for the holder of the lease.
"""

from __future__ import annotations

import enum
import logging
import os
import random
import socket
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from scheduler.config import Settings
from scheduler.models import Account, AccountStatus, Attempt, Post, PostState, utcnow
from scheduler.networks import AccountSettings
from scheduler.networks.base import (
    AuthExpired,
    Network,
    NetworkError,
    RateLimited,
    Receipt,
    Transient,
)

log = logging.getLogger(__name__)

SessionFactory = Callable[[], AbstractContextManager[Session]]

NetworkFor = Callable[[AccountSettings], Network]


class Outcome(enum.StrEnum):
    PUBLISHED = "published"
    NOT_CLAIMED = "not_claimed"  # another worker has it, or it is no longer queued
    TOO_EARLY = "too_early"
    RETRY_SCHEDULED = "retry_scheduled"
    FAILED = "failed"
    UNKNOWN = "unknown"  # the call may or may not have landed: the reconciler will ask the network
    FOUND = "found"
    NOT_FOUND = "not_found"
    # This worker lacks the key the account's secrets were sealed with: the post waits for one that has it.
    KEY_MISSING = "key_missing"


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    due_at: datetime | None = None
    detail: str = ""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def start_attempt(session: Session, post_id: int, kind: str, now: datetime) -> int:
    return session.execute(
        insert(Attempt)
        .values(post_id=post_id, kind=kind, started_at=now, worker=worker_name())
        .returning(Attempt.id)
    ).scalar_one()


def finish_attempt(session: Session, attempt_id: int, outcome: str, detail: str = "") -> None:
    session.execute(
        update(Attempt)
        .where(Attempt.id == attempt_id)
        .values(finished_at=utcnow(), outcome=outcome, detail=detail[:2000] or None)
        .execution_options(synchronize_session=False)
    )


def leave_publishing(session: Session, post_id: int, token: str, **values: object) -> bool:
    """Compare-and-set out of `publishing`, only for the holder of the lease."""
    return bool(
        session.execute(
            update(Post)
            .where(Post.id == post_id, Post.state == PostState.PUBLISHING, Post.lease_token == token)
            .values(lease_token=None, lease_until=None, updated_at=utcnow(), **values)
            .execution_options(synchronize_session=False)
        ).rowcount
    )


def record_published(
    sessions: SessionFactory, post_id: int, token: str, attempt_id: int, receipt: Receipt, outcome: Outcome
) -> Result:
    landed = {
        "state": PostState.PUBLISHED,
        "external_id": receipt.external_id,
        "external_url": receipt.url,
        "published_at": utcnow(),
        "last_error": None,
    }
    with sessions() as session:
        finish_attempt(session, attempt_id, outcome.value, receipt.url)
        moved = leave_publishing(session, post_id, token, **landed)
        if not moved:
            # The lease ran out during the call and the reconciler, not seeing the post yet, sent it
            # back to be published again. It is out: say so before the second send starts.
            moved = bool(
                session.execute(
                    update(Post)
                    .where(Post.id == post_id, Post.state.in_([PostState.SCHEDULED, PostState.QUEUED]))
                    .values(lease_token=None, lease_until=None, updated_at=utcnow(), **landed)
                    .execution_options(synchronize_session=False)
                ).rowcount
            )
    if moved:
        log.info("post %s published: %s", post_id, receipt.url)
    else:
        log.warning("post %s published as %s after its lease expired", post_id, receipt.external_id)
    return Result(outcome, detail=receipt.url)


def record_failure(
    sessions: SessionFactory,
    post_id: int,
    token: str,
    attempt_id: int,
    error: NetworkError,
    settings: Settings,
) -> Result:
    """Sort a sorted error into a retry (back to `scheduled`) or a failure editors are shown."""
    now = utcnow()
    message = str(error) or type(error).__name__
    with sessions() as session:
        finish_attempt(session, attempt_id, error.outcome, message)
        attempts = session.scalar(select(Post.attempt_count).where(Post.id == post_id)) or 0
        retry_at: datetime | None = None
        account_id = session.scalar(select(Post.account_id).where(Post.id == post_id))
        if isinstance(error, RateLimited):
            retry_at = max(error.reset_at, now)
            # The limit is the account's: its other posts wait for the reset too.
            hold_account(
                session, account_id, until=retry_at, reason=f"rate limited by the network: {message}"
            )
        elif isinstance(error, AuthExpired):
            # Not the post's fault: it keeps its place and goes out once an editor reconnects the account.
            mark_reconnect(session, account_id, reason=message)
            held = f"held: the account's credentials no longer work ({message}); reconnect it"
            leave_publishing(session, post_id, token, state=PostState.SCHEDULED, last_error=held)
            log.warning("post %s held: account %s needs reconnecting", post_id, account_id)
            return Result(Outcome.RETRY_SCHEDULED, detail=held)
        elif isinstance(error, Transient) and attempts < settings.max_attempts:
            retry_at = now + backoff(attempts, settings)
        if retry_at is not None:
            leave_publishing(
                session, post_id, token, state=PostState.SCHEDULED, due_at=retry_at, last_error=message
            )
            log.warning("post %s: %s; trying again at %s", post_id, message, retry_at.isoformat())
            return Result(Outcome.RETRY_SCHEDULED, due_at=retry_at, detail=message)
        reason = f"gave up after {attempts} attempts: {message}" if isinstance(error, Transient) else message
        if leave_publishing(session, post_id, token, state=PostState.FAILED, last_error=reason):
            fail_thread_replies(
                session, post_id, reason=f"the post it replies to ({post_id}) failed: {reason}"
            )
    log.warning("post %s failed: %s", post_id, reason)
    return Result(Outcome.FAILED, detail=reason)


def backoff(attempts: int, settings: Settings) -> timedelta:
    """Exponential, capped, with equal jitter: posts that failed together do not retry together."""
    ceiling = min(settings.retry_backoff_seconds * 2 ** (attempts - 1), settings.retry_backoff_max_seconds)
    return timedelta(seconds=ceiling / 2 + random.uniform(0, ceiling / 2))


def hold_account(session: Session, account_id: int | None, *, until: datetime, reason: str) -> None:
    """None of the account's posts is claimed before `until` (a later hold only ever extends it)."""
    session.execute(
        update(Account)
        .where(Account.id == account_id, or_(Account.held_until.is_(None), Account.held_until < until))
        .values(held_until=until, hold_reason=reason)
        .execution_options(synchronize_session=False)
    )


def mark_reconnect(session: Session, account_id: int | None, *, reason: str) -> None:
    session.execute(
        update(Account)
        .where(Account.id == account_id)
        .values(status=AccountStatus.RECONNECT, hold_reason=f"credentials rejected: {reason}")
        .execution_options(synchronize_session=False)
    )


def fail_thread_replies(session: Session, post_id: int, *, reason: str) -> list[int]:
    """A thread cannot go on past a part that will never go out: its later parts fail too, saying why."""
    failed: list[int] = []
    parents = [post_id]
    while parents:
        parents = list(
            session.scalars(
                update(Post)
                .where(
                    Post.thread_parent_id.in_(parents),
                    Post.state.in_([PostState.DRAFT, PostState.SCHEDULED]),
                )
                .values(state=PostState.FAILED, last_error=reason, updated_at=utcnow())
                .returning(Post.id)
                .execution_options(synchronize_session=False)
            )
        )
        failed.extend(parents)
    return failed


def record_unknown(
    sessions: SessionFactory, post_id: int, token: str, attempt_id: int, error: Exception
) -> Result:
    message = f"{type(error).__name__}: {error}"
    with sessions() as session:
        finish_attempt(session, attempt_id, Outcome.UNKNOWN.value, message)
        # End the lease now, so the reconciler asks the network at once instead of after the lease.
        keep_leased(session, post_id, token, until=utcnow(), message=message)
    return Result(Outcome.UNKNOWN, detail=message)


def keep_leased(session: Session, post_id: int, token: str, *, until: datetime, message: str) -> None:
    """Keep a post whose outcome is unknown in `publishing`, leased until `until`, with the reason."""
    session.execute(
        update(Post)
        .where(Post.id == post_id, Post.state == PostState.PUBLISHING, Post.lease_token == token)
        .values(lease_until=until, last_error=message)
        .execution_options(synchronize_session=False)
    )
