"""X through the real state machine: an account added the way `accounts add` adds it (secrets sealed,
credentials proved), posts published and reconciled by scheduler.publishing, the fake X API behind.

Every failure ends in the state the design asks for, the Attempt rows tell the story, and a post
whose first answer was lost is on X exactly once."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from PIL import Image
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from scheduler import db, networks, publishing
from scheduler.config import Settings, get_settings
from scheduler.models import Account, AccountStatus, Attempt, Post, PostState, utcnow
from scheduler.newsroom.connections import NewAccount, prove, store_new_account
from scheduler.publishing import Outcome
from tests.peers.x_fixtures import x_server  # noqa: F401  (pytest fixture)
from tests.peers.x_server import XServer

Sessions = Callable[[], AbstractContextManager[Session]]
SLOW = 1.2  # seconds: longer than the timeout below


@pytest.fixture(autouse=True)
def scheduler_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEDULER_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("SCHEDULER_NETWORK_TIMEOUT_SECONDS", "0.5")
    monkeypatch.setenv("SCHEDULER_MAX_ATTEMPTS", "2")
    get_settings.cache_clear()


@pytest.fixture
def sessions(database_url: str) -> Sessions:
    return lambda: db.session_scope(database_url)


@pytest.fixture
def settings(x_server: XServer) -> Settings:  # noqa: F811
    return get_settings()


@pytest.fixture
def account_id(sessions: Sessions, x_server: XServer, settings: Settings) -> int:  # noqa: F811
    """An X account added as `scheduler accounts add x desk` adds it: proved with X, sealed at rest."""
    new = NewAccount("desk", "x", "UTC", {}, x_server.secrets_for())
    check = prove(new.settings())
    with sessions() as session:
        account = store_new_account(session, new, check, settings)
        session.flush()
        assert x_server.consumer_secret not in (account.secrets or "")
        return account.id


def queued(
    sessions: Sessions,
    account_id: int,
    text: str,
    *,
    media: list[dict] | None = None,
    parent: int | None = None,
) -> int:
    now = utcnow()
    with sessions() as session:
        post = Post(
            account_id=account_id,
            text=text,
            media=media or [],
            state=PostState.SCHEDULED if parent else PostState.QUEUED,
            due_at=now,
            scheduled_for=now,
            thread_parent_id=parent,
        )
        session.add(post)
        session.flush()
        return post.id


def load(sessions: Sessions, post_id: int) -> tuple[Post, list[tuple[str, str | None]]]:
    with sessions() as session:
        post = session.get(Post, post_id)
        assert post is not None
        attempts = session.scalars(select(Attempt).where(Attempt.post_id == post_id).order_by(Attempt.id))
        history = [(a.kind, a.outcome) for a in attempts]
        session.expunge(post)
        return post, history


def due_now_and_dispatched(sessions: Sessions, post_id: int, settings: Settings) -> None:
    """Time passes to the post's retry: the dispatcher's tick queues it again."""
    with sessions() as session:
        session.execute(update(Post).where(Post.id == post_id).values(due_at=utcnow()))
    with sessions() as session:
        dispatched = publishing.dispatch_due(session, now=utcnow(), settings=settings)
    assert post_id in [d.post_id for d in dispatched]


def publish(sessions: Sessions, post_id: int, settings: Settings) -> Outcome:
    return publishing.publish(sessions, post_id, networks.for_account, settings=settings).outcome


def reconcile(sessions: Sessions, post_id: int, settings: Settings) -> Outcome:
    with sessions() as session:
        assert post_id in publishing.expired_leases(session, now=utcnow() + timedelta(milliseconds=1))
    return publishing.reconcile(sessions, post_id, networks.for_account, settings=settings).outcome


def test_a_post_with_images_is_published_with_its_receipt(
    sessions: Sessions,
    account_id: int,
    x_server: XServer,  # noqa: F811
    settings: Settings,
    tmp_path: Path,
) -> None:
    media = []
    for n in (1, 2):
        Image.new("RGB", (8, 8), (n * 50, 0, 0)).save(tmp_path / f"{n}.png")
        media.append({"path": str(tmp_path / f"{n}.png"), "alt_text": f"Chart {n}"})
    post_id = queued(sessions, account_id, "Out now: the report", media=media)
    assert publish(sessions, post_id, settings) is Outcome.PUBLISHED
    post, history = load(sessions, post_id)
    [tweet] = x_server.tweets_by()
    assert post.state == PostState.PUBLISHED and post.external_id == tweet.id
    assert post.external_url == f"https://x.com/{x_server.user.username}/status/{tweet.id}"
    assert tweet.alt_texts == ["Chart 1", "Chart 2"] and history == [("publish", "published")]


def test_a_thread_goes_out_as_replies(
    sessions: Sessions,
    account_id: int,
    x_server: XServer,  # noqa: F811
    settings: Settings,
) -> None:
    first = queued(sessions, account_id, "1/2 What happened")
    second = queued(sessions, account_id, "2/2 What comes next", parent=first)
    assert publish(sessions, first, settings) is Outcome.PUBLISHED
    due_now_and_dispatched(sessions, second, settings)
    assert publish(sessions, second, settings) is Outcome.PUBLISHED
    root, reply = x_server.tweets_by()
    assert reply.reply_to == root.id and load(sessions, second)[0].external_id == reply.id


@pytest.mark.parametrize("fault", ["drop", "slow"])
def test_a_lost_answer_is_reconciled_and_the_post_is_on_x_once(
    sessions: Sessions,
    account_id: int,
    x_server: XServer,  # noqa: F811
    settings: Settings,
    fault: str,
) -> None:
    post_id = queued(sessions, account_id, "The answer to this one is lost")
    x_server.fail("POST /2/tweets", fault, delay=SLOW)
    assert publish(sessions, post_id, settings) is Outcome.UNKNOWN
    assert load(sessions, post_id)[0].state == PostState.PUBLISHING  # nothing is sent before find
    assert x_server.idle()
    assert reconcile(sessions, post_id, settings) is Outcome.FOUND
    post, history = load(sessions, post_id)
    [tweet] = x_server.tweets_by()
    assert post.state == PostState.PUBLISHED and post.external_id == tweet.id
    assert history == [("publish", "unknown"), ("find", "found")]


def test_a_post_lost_before_x_got_it_is_sent_again_once(
    sessions: Sessions,
    account_id: int,
    x_server: XServer,  # noqa: F811
    settings: Settings,
) -> None:
    post_id = queued(sessions, account_id, "The connection drops before X reads this")
    x_server.fail("POST /2/tweets", "drop_before")
    assert publish(sessions, post_id, settings) is Outcome.UNKNOWN
    assert reconcile(sessions, post_id, settings) is Outcome.NOT_FOUND
    due_now_and_dispatched(sessions, post_id, settings)
    assert publish(sessions, post_id, settings) is Outcome.PUBLISHED
    assert len(x_server.tweets_by()) == 1
    assert load(sessions, post_id)[1] == [
        ("publish", "unknown"),
        ("find", "not_found"),
        ("publish", "published"),
    ]


def test_a_503_for_a_post_x_recorded_ends_published_once_through_the_duplicate(
    sessions: Sessions,
    account_id: int,
    x_server: XServer,  # noqa: F811
    settings: Settings,
) -> None:
    post_id = queued(sessions, account_id, "X records this and answers 503")
    x_server.fail("POST /2/tweets", "unavailable_after_record")
    assert publish(sessions, post_id, settings) is Outcome.RETRY_SCHEDULED
    due_now_and_dispatched(sessions, post_id, settings)
    assert publish(sessions, post_id, settings) is Outcome.PUBLISHED  # 403 duplicate, then found
    assert [status for status, _ in x_server.answers if status >= 400] == [503, 403]
    post, history = load(sessions, post_id)
    [tweet] = x_server.tweets_by()
    assert post.external_id == tweet.id and history == [("publish", "transient"), ("publish", "published")]


def test_server_errors_are_retried_then_fail_with_the_reason(
    sessions: Sessions,
    account_id: int,
    x_server: XServer,  # noqa: F811
    settings: Settings,
) -> None:
    post_id = queued(sessions, account_id, "X is down")
    x_server.fail("POST /2/tweets", "server_error", times=2)
    assert publish(sessions, post_id, settings) is Outcome.RETRY_SCHEDULED
    retry = load(sessions, post_id)[0]
    assert retry.state == PostState.SCHEDULED and retry.due_at > utcnow()
    due_now_and_dispatched(sessions, post_id, settings)
    assert publish(sessions, post_id, settings) is Outcome.FAILED
    post, history = load(sessions, post_id)
    assert post.state == PostState.FAILED and "gave up after 2 attempts" in (post.last_error or "")
    assert "500 Internal Server Error" in (post.last_error or "")
    assert history == [("publish", "transient"), ("publish", "transient")] and x_server.tweets == []


def test_a_rate_limit_reschedules_at_the_reset_and_holds_the_account(
    sessions: Sessions,
    account_id: int,
    x_server: XServer,  # noqa: F811
    settings: Settings,
) -> None:
    post_id = queued(sessions, account_id, "Too many today")
    x_server.fail("POST /2/tweets", "rate_limit", reset_in=600)
    assert publish(sessions, post_id, settings) is Outcome.RETRY_SCHEDULED
    post, history = load(sessions, post_id)
    reset = utcnow() + timedelta(seconds=600)
    assert post.state == PostState.SCHEDULED and abs((post.due_at - reset).total_seconds()) <= 2
    with sessions() as session:
        held_until = session.scalar(select(Account.held_until).where(Account.id == account_id))
    assert held_until == post.due_at and history == [("publish", "rate_limited")]


def test_credentials_x_refuses_hold_the_post_and_ask_for_a_reconnect(
    sessions: Sessions,
    account_id: int,
    x_server: XServer,  # noqa: F811
    settings: Settings,
) -> None:
    post_id = queued(sessions, account_id, "The token was revoked")
    x_server.fail("POST /2/tweets", "unauthorized")
    assert publish(sessions, post_id, settings) is Outcome.RETRY_SCHEDULED
    post, history = load(sessions, post_id)
    with sessions() as session:
        status = session.scalar(select(Account.status).where(Account.id == account_id))
    assert post.state == PostState.SCHEDULED and "reconnect" in (post.last_error or "")
    assert status == AccountStatus.RECONNECT and history == [("publish", "auth_expired")]


def test_identical_text_x_has_from_before_fails_with_xs_reason(
    sessions: Sessions,
    account_id: int,
    x_server: XServer,  # noqa: F811
    settings: Settings,
) -> None:
    post_id = queued(sessions, account_id, "Said before")
    x_server.fail("POST /2/tweets", "duplicate")
    assert publish(sessions, post_id, settings) is Outcome.FAILED
    post, history = load(sessions, post_id)
    assert post.state == PostState.FAILED and "X refuses identical text" in (post.last_error or "")
    assert history == [("publish", "permanent")] and x_server.tweets == []
