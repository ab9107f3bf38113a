from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from scheduler import db, networks, publishing
from scheduler.config import Settings
from scheduler.models import Account, Attempt, Post, PostState, utcnow
from scheduler.networks.base import AuthExpired, Permanent, RateLimited, Transient
from scheduler.newsroom.accounts import add_account
from scheduler.publishing import Outcome
from tests.scripted_network import ScriptedNetwork, published_files

SETTINGS = Settings(lease_seconds=60, retry_backoff_seconds=30, max_attempts=3, requeue_after_seconds=30)


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture
def sessions(database_url: str) -> Callable[[], AbstractContextManager[Session]]:
    return lambda: db.session_scope(database_url)


def queued_post(sessions, outbox: Path, *, due_in: float = 0.0, delay: float = 0.0) -> int:
    with sessions() as session:
        account = session.scalar(select(Account).where(Account.name == "desk"))
        if account is None:
            options = {"folder": str(outbox), "delay_before": delay}
            account = add_account(session, "desk", "outbox", "Europe/London", options)
        due = utcnow() + timedelta(seconds=due_in)
        post = Post(account=account, text="Hello", state=PostState.QUEUED, due_at=due, scheduled_for=due)
        session.add(post)
        session.flush()
        return post.id


def load(sessions, post_id: int) -> tuple[Post, list[Attempt]]:
    with sessions() as session:
        post = session.get(Post, post_id)
        attempts = list(
            session.scalars(select(Attempt).where(Attempt.post_id == post_id).order_by(Attempt.id))
        )
        session.expunge_all()
        return post, attempts


def test_publish_writes_to_the_network_and_records_the_receipt(sessions, outbox: Path) -> None:
    post_id = queued_post(sessions, outbox)
    result = publishing.publish(sessions, post_id, networks.for_account, settings=SETTINGS)
    assert result.outcome is Outcome.PUBLISHED
    post, attempts = load(sessions, post_id)
    [file] = published_files(outbox, post_id)
    assert post.state == PostState.PUBLISHED
    assert post.external_url == file.as_uri() and post.external_id and post.external_id in file.name
    assert post.lease_token is None and post.lease_until is None
    assert [(a.kind, a.outcome) for a in attempts] == [("publish", "published")]
    assert attempts[0].started_at >= post.due_at and attempts[0].finished_at >= attempts[0].started_at


def test_a_second_task_for_the_same_post_does_nothing(sessions, outbox: Path) -> None:
    post_id = queued_post(sessions, outbox)
    publishing.publish(sessions, post_id, networks.for_account, settings=SETTINGS)
    again = publishing.publish(sessions, post_id, networks.for_account, settings=SETTINGS)
    assert again.outcome is Outcome.NOT_CLAIMED
    assert len(published_files(outbox, post_id)) == 1


def test_two_workers_racing_for_one_post_publish_it_once(sessions, outbox: Path) -> None:
    post_id = queued_post(sessions, outbox, delay=0.3)
    outcomes: list[Outcome] = []
    start = threading.Barrier(3)

    def work() -> None:
        start.wait()
        outcomes.append(
            publishing.publish(sessions, post_id, networks.for_account, settings=SETTINGS).outcome
        )

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == sorted([Outcome.PUBLISHED, Outcome.NOT_CLAIMED, Outcome.NOT_CLAIMED])
    assert len(published_files(outbox, post_id)) == 1


def test_a_task_that_arrives_early_is_sent_back_and_nothing_is_published(sessions, outbox: Path) -> None:
    post_id = queued_post(sessions, outbox, due_in=60)
    result = publishing.publish(sessions, post_id, networks.for_account, settings=SETTINGS)
    post, attempts = load(sessions, post_id)
    assert result.outcome is Outcome.TOO_EARLY and result.due_at == post.due_at
    assert post.state == PostState.QUEUED and attempts == [] and published_files(outbox) == []


def test_a_task_a_moment_early_waits_for_the_due_time(sessions, outbox: Path) -> None:
    post_id = queued_post(sessions, outbox, due_in=0.5)
    assert (
        publishing.publish(sessions, post_id, networks.for_account, settings=SETTINGS).outcome
        is Outcome.PUBLISHED
    )
    post, [attempt] = load(sessions, post_id)
    assert attempt.started_at >= post.due_at


def test_canceled_posts_are_not_published(sessions, outbox: Path) -> None:
    post_id = queued_post(sessions, outbox)
    with sessions() as session:
        session.execute(update(Post).where(Post.id == post_id).values(state=PostState.CANCELED))
    assert (
        publishing.publish(sessions, post_id, networks.for_account, settings=SETTINGS).outcome
        is Outcome.NOT_CLAIMED
    )
    assert published_files(outbox) == []


def test_transient_errors_retry_with_backoff_then_give_up(sessions, outbox: Path) -> None:
    network = ScriptedNetwork(outbox, [Transient("503 from the network")] * 3)
    post_id = queued_post(sessions, outbox)
    backoffs = []
    for attempt in range(1, 4):
        before = utcnow()
        result = publishing.publish(sessions, post_id, lambda _: network, settings=SETTINGS)
        post, _ = load(sessions, post_id)
        if attempt < 3:
            assert result.outcome is Outcome.RETRY_SCHEDULED
            assert post.state == PostState.SCHEDULED and post.last_error == "503 from the network"
            backoffs.append((post.due_at - before).total_seconds())
            with sessions() as session:  # the dispatcher's claim, made due now
                session.execute(
                    update(Post).where(Post.id == post_id).values(state="queued", due_at=utcnow())
                )
    # Exponential with equal jitter: the n-th wait is between half and all of 30 s × 2^(n-1).
    assert 15 - 1 <= backoffs[0] <= 30 + 1 and 30 - 1 <= backoffs[1] <= 60 + 1
    assert result.outcome is Outcome.FAILED
    post, attempts = load(sessions, post_id)
    assert post.state == PostState.FAILED and post.last_error.startswith("gave up after 3 attempts: 503")
    assert [a.outcome for a in attempts] == ["transient"] * 3
    assert published_files(outbox) == []


def test_rate_limited_posts_wait_for_the_reset(sessions, outbox: Path) -> None:
    reset = utcnow() + timedelta(minutes=15)
    network = ScriptedNetwork(outbox, [RateLimited("429 too many requests", reset_at=reset)])
    post_id = queued_post(sessions, outbox)
    result = publishing.publish(sessions, post_id, lambda _: network, settings=SETTINGS)
    post, [attempt] = load(sessions, post_id)
    assert result.outcome is Outcome.RETRY_SCHEDULED
    assert post.state == PostState.SCHEDULED and post.due_at == reset
    assert attempt.outcome == "rate_limited"


def test_a_rate_limit_holds_the_accounts_other_posts_until_the_reset(sessions, outbox: Path) -> None:
    reset = utcnow() + timedelta(minutes=15)
    network = ScriptedNetwork(outbox, [RateLimited("429 too many requests", reset_at=reset)])
    limited = queued_post(sessions, outbox)
    already_queued = queued_post(sessions, outbox)
    publishing.publish(sessions, limited, lambda _: network, settings=SETTINGS)
    with sessions() as session:
        account = session.scalar(select(Account).where(Account.name == "desk"))
        assert account.held_until == reset and "429" in account.hold_reason
        other = add_account(session, "other", "outbox", "UTC", {"folder": str(outbox)})
        waiting = Post(
            account=account, text="Later", state=PostState.SCHEDULED, due_at=utcnow(), scheduled_for=utcnow()
        )
        free = Post(
            account=other, text="Free", state=PostState.SCHEDULED, due_at=utcnow(), scheduled_for=utcnow()
        )
        session.add_all([waiting, free])
        session.flush()
        waiting_id, free_id = waiting.id, free.id
    # A post claimed before the 429 reached its worker goes back to wait for the reset, unsent.
    assert publishing.publish(sessions, already_queued, lambda _: network, settings=SETTINGS).outcome is (
        Outcome.NOT_CLAIMED
    )
    post, attempts = load(sessions, already_queued)
    assert post.state == PostState.SCHEDULED and post.due_at == reset and attempts == []
    with sessions() as session:
        claimed = {d.post_id for d in publishing.dispatch_due(session, now=utcnow(), settings=SETTINGS)}
    assert claimed == {free_id}, "only the other account's post; the held account's wait"
    with sessions() as session:
        later = {
            d.post_id
            for d in publishing.dispatch_due(session, now=reset + timedelta(seconds=1), settings=SETTINGS)
        }
    assert {limited, already_queued, waiting_id} <= later
    assert network.calls == 1


def test_expired_credentials_hold_the_account_until_it_is_reconnected(sessions, outbox: Path) -> None:
    network = ScriptedNetwork(outbox, [AuthExpired("401 invalid token")])
    post_id = queued_post(sessions, outbox)
    result = publishing.publish(sessions, post_id, lambda _: network, settings=SETTINGS)
    assert result.outcome is Outcome.RETRY_SCHEDULED
    post, [attempt] = load(sessions, post_id)
    assert post.state == PostState.SCHEDULED and "reconnect" in post.last_error
    assert attempt.outcome == "auth_expired"
    with sessions() as session:
        account = session.scalar(select(Account).where(Account.name == "desk"))
        assert account.status == "reconnect" and "401 invalid token" in account.hold_reason
        assert publishing.dispatch_due(session, now=utcnow() + timedelta(days=1), settings=SETTINGS) == []
        account.status = "active"  # what reconnecting the account does
    with sessions() as session:
        assert [d.post_id for d in publishing.dispatch_due(session, now=utcnow(), settings=SETTINGS)] == [
            post_id
        ]


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (Permanent("status is a duplicate"), "status is a duplicate"),
    ],
)
def test_permanent_failures_are_shown_with_their_reason(sessions, outbox: Path, error, reason: str) -> None:
    network = ScriptedNetwork(outbox, [error])
    post_id = queued_post(sessions, outbox)
    assert (
        publishing.publish(sessions, post_id, lambda _: network, settings=SETTINGS).outcome is Outcome.FAILED
    )
    post, [attempt] = load(sessions, post_id)
    assert post.state == PostState.FAILED and reason in post.last_error
    assert attempt.outcome == error.outcome


def test_an_answer_lost_after_the_post_landed_is_reconciled_not_resent(sessions, outbox: Path) -> None:
    network = ScriptedNetwork(outbox, [TimeoutError("read timed out")], land_first=True)
    post_id = queued_post(sessions, outbox)
    result = publishing.publish(sessions, post_id, lambda _: network, settings=SETTINGS)
    assert result.outcome is Outcome.UNKNOWN
    post, _ = load(sessions, post_id)
    assert post.state == PostState.PUBLISHING  # nobody may send it again until the network is asked

    with sessions() as session:
        assert publishing.expired_leases(session, now=utcnow()) == [post_id]
    assert (
        publishing.reconcile(sessions, post_id, lambda _: network, settings=SETTINGS).outcome is Outcome.FOUND
    )
    post, attempts = load(sessions, post_id)
    [file] = published_files(outbox, post_id)
    assert post.state == PostState.PUBLISHED and post.external_url == file.as_uri()
    assert [(a.kind, a.outcome) for a in attempts] == [("publish", "unknown"), ("find", "found")]
    assert network.calls == 1


def test_a_post_that_never_landed_is_sent_again_after_reconciling(sessions, outbox: Path) -> None:
    network = ScriptedNetwork(outbox, [ConnectionResetError("reset by peer")])
    post_id = queued_post(sessions, outbox)
    assert (
        publishing.publish(sessions, post_id, lambda _: network, settings=SETTINGS).outcome is Outcome.UNKNOWN
    )
    assert (
        publishing.reconcile(sessions, post_id, lambda _: network, settings=SETTINGS).outcome
        is Outcome.NOT_FOUND
    )
    post, _ = load(sessions, post_id)
    assert post.state == PostState.SCHEDULED and post.due_at <= utcnow()

    with sessions() as session:
        [dispatch] = publishing.dispatch_due(session, now=utcnow(), settings=SETTINGS)
    assert dispatch.post_id == post_id
    assert (
        publishing.publish(sessions, post_id, lambda _: network, settings=SETTINGS).outcome
        is Outcome.PUBLISHED
    )
    assert len(published_files(outbox, post_id)) == 1


def test_a_lease_that_is_still_running_is_not_reconciled(sessions, outbox: Path) -> None:
    post_id = queued_post(sessions, outbox)
    with sessions() as session:
        session.execute(
            update(Post)
            .where(Post.id == post_id)
            .values(state="publishing", lease_token="w1", lease_until=utcnow() + timedelta(seconds=30))
        )
        assert publishing.expired_leases(session, now=utcnow()) == []
    assert (
        publishing.reconcile(sessions, post_id, networks.for_account, settings=SETTINGS).outcome
        is Outcome.NOT_CLAIMED
    )


def test_when_the_network_cannot_be_asked_the_post_stays_held(sessions, outbox: Path) -> None:
    network = ScriptedNetwork(outbox, find_error=TimeoutError("lookup timed out"))
    post_id = queued_post(sessions, outbox)
    with sessions() as session:
        session.execute(
            update(Post)
            .where(Post.id == post_id)
            .values(
                state="publishing", lease_token="dead-worker", lease_until=utcnow() - timedelta(seconds=1)
            )
        )
    assert (
        publishing.reconcile(sessions, post_id, lambda _: network, settings=SETTINGS).outcome
        is Outcome.UNKNOWN
    )
    post, [attempt] = load(sessions, post_id)
    assert post.state == PostState.PUBLISHING and post.lease_until > utcnow()
    assert attempt.kind == "find" and attempt.outcome == "unknown"
    assert network.calls == 0


def test_an_answer_that_outlives_its_lease_still_stops_a_second_send(sessions, outbox: Path) -> None:
    post_id = queued_post(sessions, outbox, delay=0.5)
    short_lease = Settings(lease_seconds=0.1)
    result: list[Outcome] = []

    def slow_worker() -> None:
        result.append(
            publishing.publish(sessions, post_id, networks.for_account, settings=short_lease).outcome
        )

    worker = threading.Thread(target=slow_worker)
    worker.start()
    time.sleep(0.25)  # the lease has passed while the network is still working; it has not landed yet
    assert (
        publishing.reconcile(sessions, post_id, networks.for_account, settings=SETTINGS).outcome
        is Outcome.NOT_FOUND
    )
    assert load(sessions, post_id)[0].state == PostState.SCHEDULED
    worker.join()

    post, attempts = load(sessions, post_id)
    [file] = published_files(outbox, post_id)
    assert result == [Outcome.PUBLISHED]
    assert post.state == PostState.PUBLISHED and post.external_url == file.as_uri()
    assert [(a.kind, a.outcome) for a in attempts] == [("publish", "published"), ("find", "not_found")]
    with sessions() as session:  # the dispatcher finds nothing left to send
        assert publishing.dispatch_due(session, now=utcnow(), settings=SETTINGS) == []


def test_dispatch_sends_lost_queued_posts_again_but_not_every_tick(sessions, outbox: Path) -> None:
    post_id = queued_post(sessions, outbox)
    long_ago = utcnow() - timedelta(minutes=5)
    with sessions() as session:
        session.execute(update(Post).where(Post.id == post_id).values(due_at=long_ago, queued_at=long_ago))
    with sessions() as session:
        assert [d.post_id for d in publishing.dispatch_due(session, now=utcnow(), settings=SETTINGS)] == [
            post_id
        ]
    with sessions() as session:
        assert publishing.dispatch_due(session, now=utcnow(), settings=SETTINGS) == []


def test_a_post_whose_outcome_cannot_be_found_out_fails_for_an_editor_never_resent(
    sessions, outbox: Path
) -> None:
    network = ScriptedNetwork(
        outbox, [TimeoutError("read timed out")], find_error=ConnectionError("no route")
    )
    settings = Settings(lease_seconds=60, reconcile_seconds=0.001, max_lookups=3)
    post_id = queued_post(sessions, outbox)
    assert (
        publishing.publish(sessions, post_id, lambda _: network, settings=settings).outcome is Outcome.UNKNOWN
    )
    outcomes = []
    for _ in range(3):
        time.sleep(0.01)  # past the held lease
        outcomes.append(publishing.reconcile(sessions, post_id, lambda _: network, settings=settings).outcome)
    assert outcomes == [Outcome.UNKNOWN, Outcome.UNKNOWN, Outcome.FAILED]
    post, attempts = load(sessions, post_id)
    assert post.state == PostState.FAILED
    assert post.last_error.startswith("could not find out whether it went out (3 look-ups failed, the last: ")
    assert "check the account before sending it again" in post.last_error
    assert [(a.kind, a.outcome) for a in attempts] == [("publish", "unknown")] + [("find", "unknown")] * 3
    assert network.calls == 1, "never sent again blind"
