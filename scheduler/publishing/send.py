"""Publishing one post: claim it (re-checking its account, article and budget), call the network
outside any transaction, record what came back.
"""

from __future__ import annotations

import logging
import secrets
import time
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from scheduler.config import Settings, get_settings
from scheduler.db import blocked_accounts
from scheduler.models import Account, AccountStatus, Article, Post, PostState, utcnow
from scheduler.networks import AccountSettings
from scheduler.networks.base import (
    NetworkError,
    OutcomeUnknown,
    OutgoingPost,
    Permanent,
    Transient,
)
from scheduler.networks.vault import KeyMissing, VaultError
from scheduler.planning import account_calendar
from scheduler.publishing.outgoing import OUTGOING_COLUMNS, account_settings, outgoing_post
from scheduler.publishing.records import (
    NetworkFor,
    Outcome,
    Result,
    SessionFactory,
    record_failure,
    record_published,
    record_unknown,
    start_attempt,
)
from scheduler.render.length import count
from scheduler.render.posts import COUNTED_NETWORKS

log = logging.getLogger(__name__)

# A task that arrives this close before its due time waits it out rather than going round again.
EARLY_WAIT_LIMIT = timedelta(seconds=2)


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
        result = record_failure(sessions, post_id, token, attempt_id, Transient(str(account)), settings)
        if isinstance(account, KeyMissing) and result.outcome is Outcome.RETRY_SCHEDULED:
            # Another worker, started with the key in use now, takes the retry; this one should stop.
            return Result(Outcome.KEY_MISSING, due_at=result.due_at, detail=str(account))
        return result
    if (problem := over_limit(account, outgoing.text)) is not None:
        # Text edited past the limit after it was scheduled: the network would refuse it, so do not send it.
        return record_failure(sessions, post_id, token, attempt_id, Permanent(problem), settings)

    try:
        receipt = network_for(account).publish(outgoing)
    except NetworkError as error:
        return record_failure(sessions, post_id, token, attempt_id, error, settings)
    except OutcomeUnknown as error:
        log.warning("post %s: outcome unknown (%s); the reconciler will look it up", post_id, error)
        return record_unknown(sessions, post_id, token, attempt_id, error)
    except Exception as error:
        log.exception("post %s: publishing raised an unexpected error; the reconciler will check", post_id)
        return record_unknown(sessions, post_id, token, attempt_id, error)
    return record_published(sessions, post_id, token, attempt_id, receipt, Outcome.PUBLISHED)


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
                attempt_id = start_attempt(session, post_id, "publish", now)
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
    wait = account_calendar.budget_wait(session, post_id, now)
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
