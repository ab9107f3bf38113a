"""The exactly-once state machine: claim, call, record, reconcile.

Every state change is a compare-and-set on (id, state[, lease token]), so two workers holding a
task for the same post cannot both publish it. No transaction is held open across a network call:
the claim commits first, the call runs, the outcome is recorded in a second transaction.
"""

from __future__ import annotations

import enum
import logging
import os
import random
import secrets
import socket
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Update, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from scheduler import slots_service
from scheduler.config import Settings, get_settings
from scheduler.db import blocked_accounts, claim_due
from scheduler.models import Account, AccountStatus, Article, Attempt, Post, PostState, UTCDateTime, utcnow
from scheduler.networks import AccountSettings
from scheduler.networks.base import (
    AuthExpired,
    Network,
    NetworkError,
    OutcomeUnknown,
    OutgoingPost,
    Permanent,
    RateLimited,
    Receipt,
    Transient,
)
from scheduler.outgoing import OUTGOING_COLUMNS, account_settings, outgoing_post
from scheduler.render.length import count
from scheduler.render.posts import COUNTED_NETWORKS
from scheduler.vault import VaultError

log = logging.getLogger(__name__)

SessionFactory = Callable[[], AbstractContextManager[Session]]
NetworkFor = Callable[[AccountSettings], Network]

# A task that arrives this close before its due time waits it out rather than going round again.
EARLY_WAIT_LIMIT = timedelta(seconds=2)


class Outcome(enum.StrEnum):
    PUBLISHED = "published"
    NOT_CLAIMED = "not_claimed"  # another worker has it, or it is no longer queued
    TOO_EARLY = "too_early"
    RETRY_SCHEDULED = "retry_scheduled"
    FAILED = "failed"
    UNKNOWN = "unknown"  # the call may or may not have landed: the reconciler will ask the network
    FOUND = "found"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class Dispatch:
    """A post to hand to a worker, to start at `due_at`."""

    post_id: int
    due_at: datetime


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    due_at: datetime | None = None
    detail: str = ""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


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


def publish(
    sessions: SessionFactory,
    post_id: int,
    network_for: NetworkFor,
    *,
    settings: Settings | None = None,
) -> Result:
    """Publish one queued post if this worker wins it; record the attempt and the new state."""
    settings = settings or get_settings()
    claim = _claim_for_publishing(sessions, post_id, settings)
    if isinstance(claim, Result):
        return claim
    outgoing, account, token, attempt_id = claim
    if isinstance(account, VaultError):
        # The operator's setup, not the post: retried with backoff, then failed with what to do.
        return _record_failure(sessions, post_id, token, attempt_id, Transient(str(account)), settings)
    if (problem := over_limit(account, outgoing.text)) is not None:
        # Text edited past the limit after it was scheduled: the network would refuse it, so do not send it.
        return _record_failure(sessions, post_id, token, attempt_id, Permanent(problem), settings)

    try:
        receipt = network_for(account).publish(outgoing)
    except NetworkError as error:
        return _record_failure(sessions, post_id, token, attempt_id, error, settings)
    except OutcomeUnknown as error:
        log.warning("post %s: outcome unknown (%s); the reconciler will look it up", post_id, error)
        return _record_unknown(sessions, post_id, token, attempt_id, error)
    except Exception as error:
        log.exception("post %s: publishing raised an unexpected error; the reconciler will check", post_id)
        return _record_unknown(sessions, post_id, token, attempt_id, error)
    return _record_published(sessions, post_id, token, attempt_id, receipt, Outcome.PUBLISHED)


def over_limit(account: AccountSettings, text: str) -> str | None:
    """Why the text cannot go to the account's network as it stands, or None when it fits."""
    if account.network not in COUNTED_NETWORKS:
        return None
    counted = count(account.network, text, max_characters=account.options.get("max_characters"))
    if counted.fits:
        return None
    over = f"{counted.over} over the {account.network} limit"
    return f"not sent: the text is {over}; edit it and schedule it again"


def _claim_for_publishing(
    sessions: SessionFactory, post_id: int, settings: Settings
) -> tuple[OutgoingPost, AccountSettings | VaultError, str, int] | Result:
    # Core statements rather than ORM loads: on SQLite every write transaction holds the one write
    # lock, so the time spent inside it bounds how many posts a second all workers can publish.
    while True:
        now = utcnow()
        token = secrets.token_hex(8)
        with sessions() as session:
            if (waits := _budget_wait(session, post_id, now)) is not None:
                return waits
            won = session.execute(
                update(Post)
                .where(
                    Post.id == post_id,
                    Post.state == PostState.QUEUED,
                    Post.due_at <= now,
                    Post.account_id.not_in(blocked_accounts(now)),
                )
                .values(
                    state=PostState.PUBLISHING,
                    lease_token=token,
                    lease_until=now + timedelta(seconds=settings.lease_seconds),
                    attempt_count=Post.attempt_count + 1,
                    updated_at=now,
                )
                .returning(*OUTGOING_COLUMNS)
                .execution_options(synchronize_session=False)
            ).first()
            if won is not None:
                attempt_id = _start_attempt(session, post_id, "publish", now)
                try:
                    account: AccountSettings | VaultError = account_settings(
                        session, won.account_id, settings
                    )
                except VaultError as error:
                    account = error
                name = account.name if isinstance(account, AccountSettings) else ""
                return outgoing_post(session, post_id, name, won, settings), account, token, attempt_id
            if (held := _account_blocked(session, post_id, now)) is not None:
                return held
            current = session.execute(select(Post.state, Post.due_at).where(Post.id == post_id)).first()
        if current is None or current.state != PostState.QUEUED:
            return Result(Outcome.NOT_CLAIMED, detail=f"post is {current.state if current else 'gone'}")
        early = current.due_at - now
        if early > EARLY_WAIT_LIMIT:
            return Result(Outcome.TOO_EARLY, due_at=current.due_at)
        time.sleep(max(early.total_seconds(), 0.001))  # never publish before the due time, even by a few ms


def _budget_wait(session: Session, post_id: int, now: datetime) -> Result | None:
    """A post that would break its account's budget against posts that went out (too soon after the last,
    or on a full local day) goes back to wait until the budget allows it, unclaimed: no attempt is made."""
    wait = slots_service.budget_wait(session, post_id, now)
    if wait is None:
        return None
    until, why = wait
    session.execute(
        update(Post)
        .where(Post.id == post_id, Post.state == PostState.QUEUED)
        .values(state=PostState.SCHEDULED, due_at=until, last_error=why, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    log.info("post %s waits until %s: %s", post_id, until.isoformat(), why)
    return Result(Outcome.NOT_CLAIMED, due_at=until, detail=f"waits: {why}")


def _account_blocked(session: Session, post_id: int, now: datetime) -> Result | None:
    """A queued post that may not go out after all goes back to wait: its account was held, lost its
    credentials or was paused, or its article was embargoed, after the dispatcher claimed it."""
    row = session.execute(
        select(
            Account.held_until,
            Account.status,
            Account.hold_reason,
            Account.paused_at,
            Post.due_at,
            Article.embargo_until,
        )
        .join(Post, Post.account_id == Account.id)
        .outerjoin(Article, Article.id == Post.article_id)
        .where(Post.id == post_id, Post.state == PostState.QUEUED)
    ).first()
    if row is None:
        return None
    held = row.held_until is not None and row.held_until > now
    embargoed = row.embargo_until is not None and row.embargo_until > now
    if not held and not embargoed and row.status == AccountStatus.ACTIVE and row.paused_at is None:
        return None
    why = (
        "the account is paused"
        if row.paused_at is not None
        else "the article is under embargo"
        if embargoed and not held
        else row.hold_reason
    )
    values: dict[str, object] = {"state": PostState.SCHEDULED, "updated_at": now}
    if row.hold_reason and row.status != AccountStatus.ACTIVE:
        values["last_error"] = row.hold_reason
    waits_until = max(
        [t for t in (row.held_until if held else None, row.embargo_until if embargoed else None) if t]
        or [row.due_at]
    )
    values["due_at"] = max(row.due_at, waits_until)
    session.execute(
        update(Post)
        .where(Post.id == post_id, Post.state == PostState.QUEUED)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return Result(Outcome.NOT_CLAIMED, detail=f"waits: {why}")


def _start_attempt(session: Session, post_id: int, kind: str, now: datetime) -> int:
    return session.execute(
        insert(Attempt)
        .values(post_id=post_id, kind=kind, started_at=now, worker=worker_name())
        .returning(Attempt.id)
    ).scalar_one()


def _finish_attempt(session: Session, attempt_id: int, outcome: str, detail: str = "") -> None:
    session.execute(
        update(Attempt)
        .where(Attempt.id == attempt_id)
        .values(finished_at=utcnow(), outcome=outcome, detail=detail[:2000] or None)
        .execution_options(synchronize_session=False)
    )


def _move(session: Session, post_id: int, token: str, **values: object) -> bool:
    """Compare-and-set out of `publishing`, only for the holder of the lease."""
    return bool(
        session.execute(
            update(Post)
            .where(Post.id == post_id, Post.state == PostState.PUBLISHING, Post.lease_token == token)
            .values(lease_token=None, lease_until=None, updated_at=utcnow(), **values)
            .execution_options(synchronize_session=False)
        ).rowcount
    )


def _record_published(
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
        _finish_attempt(session, attempt_id, outcome.value, receipt.url)
        moved = _move(session, post_id, token, **landed)
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


def _record_failure(
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
        _finish_attempt(session, attempt_id, error.outcome, message)
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
            _move(session, post_id, token, state=PostState.SCHEDULED, last_error=held)
            log.warning("post %s held: account %s needs reconnecting", post_id, account_id)
            return Result(Outcome.RETRY_SCHEDULED, detail=held)
        elif isinstance(error, Transient) and attempts < settings.max_attempts:
            retry_at = now + backoff(attempts, settings)
        if retry_at is not None:
            _move(session, post_id, token, state=PostState.SCHEDULED, due_at=retry_at, last_error=message)
            log.warning("post %s: %s; trying again at %s", post_id, message, retry_at.isoformat())
            return Result(Outcome.RETRY_SCHEDULED, due_at=retry_at, detail=message)
        reason = f"gave up after {attempts} attempts: {message}" if isinstance(error, Transient) else message
        if _move(session, post_id, token, state=PostState.FAILED, last_error=reason):
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


def _record_unknown(
    sessions: SessionFactory, post_id: int, token: str, attempt_id: int, error: Exception
) -> Result:
    message = f"{type(error).__name__}: {error}"
    with sessions() as session:
        _finish_attempt(session, attempt_id, Outcome.UNKNOWN.value, message)
        # End the lease now, so the reconciler asks the network at once instead of after the lease.
        _hold(session, post_id, token, until=utcnow(), message=message)
    return Result(Outcome.UNKNOWN, detail=message)


def _hold(session: Session, post_id: int, token: str, *, until: datetime, message: str) -> None:
    """Keep a post whose outcome is unknown in `publishing`, leased until `until`, with the reason."""
    session.execute(
        update(Post)
        .where(Post.id == post_id, Post.state == PostState.PUBLISHING, Post.lease_token == token)
        .values(lease_until=until, last_error=message)
        .execution_options(synchronize_session=False)
    )


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
            _hold(
                session,
                post_id,
                token,
                until=now + timedelta(seconds=settings.retry_backoff_seconds),
                message=str(error),
            )
            return Result(Outcome.UNKNOWN, detail=str(error))
        outgoing = outgoing_post(session, post_id, account.name, row, settings)
        attempt_id = _start_attempt(session, post_id, "find", now)

    try:
        receipt = network_for(account).find(outgoing)
    except Exception as error:
        message = f"{type(error).__name__}: {error}"
        log.warning("post %s: could not look it up on the network: %s", post_id, message)
        with sessions() as session:
            _finish_attempt(session, attempt_id, Outcome.UNKNOWN.value, message)
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
                _move(session, post_id, token, state=PostState.FAILED, last_error=reason)
                log.warning("post %s failed: %s", post_id, reason)
                return Result(Outcome.FAILED, detail=reason)
            retry_at = utcnow() + timedelta(
                seconds=settings.reconcile_seconds * min(2 ** ((lookups or 1) - 1), 60)
            )
            _hold(session, post_id, token, until=retry_at, message=message)
        return Result(Outcome.UNKNOWN, detail=message)

    if receipt is not None:
        log.info("post %s: found on the network as %s", post_id, receipt.external_id)
        return _record_published(sessions, post_id, token, attempt_id, receipt, Outcome.FOUND)
    with sessions() as session:
        _finish_attempt(session, attempt_id, Outcome.NOT_FOUND.value)
        _move(session, post_id, token, state=PostState.SCHEDULED, due_at=utcnow(), last_error=None)
    log.info("post %s: not on the network; scheduled to send again", post_id)
    return Result(Outcome.NOT_FOUND)
