"""Soak: 500 posts on 10 accounts (5 on X, 5 on Mastodon, the fakes), with a fifth of all calls failing
at random in every way the networks fail: rate limits, 5xx, slow answers, refused tokens, duplicates,
connections dropped before and after the post was recorded.

The real state machine runs in-process with 8 threads (dispatch, publish, reconcile), and an editor
who reconnects an account once its credentials work again. Every post must end published exactly once
on its network, or failed with a reason; none may be lost or sent twice.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler import db, networks, publishing
from scheduler.config import get_settings
from scheduler.models import Account, AccountStatus, Attempt, Post, PostState, utcnow
from scheduler.networks.base import NetworkError
from scheduler.newsroom import connections
from scheduler.newsroom.connections import NewAccount, prove, store_new_account
from tests.peers import mastodon_server
from tests.peers.mastodon_server import MastodonServer
from tests.peers.x_server import FAULT_KINDS as X_FAULTS
from tests.peers.x_server import XServer

Sessions = Callable[[], AbstractContextManager[Session]]
POSTS = 500
ACCOUNTS_PER_NETWORK = 5
FAILURE_RATE = 0.2
TIMEOUT = 0.5  # the client's; "slow" answers take longer
DEADLINE_SECONDS = 420


@pytest.fixture
def soak_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "SECRET_KEY": Fernet.generate_key().decode(),
        "NETWORK_TIMEOUT_SECONDS": str(TIMEOUT),
        "RETRY_BACKOFF_SECONDS": "0.05",
        "RETRY_BACKOFF_MAX_SECONDS": "0.5",
        "MAX_ATTEMPTS": "12",
        "LEASE_SECONDS": "5",
        "RECONCILE_SECONDS": "0.05",
        "REQUEUE_AFTER_SECONDS": "2",
        "LOOKAHEAD_SECONDS": "0.5",
    }.items():
        monkeypatch.setenv(f"SCHEDULER_{name}", value)
    get_settings.cache_clear()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_500_posts_through_random_failures_end_published_once_or_failed_with_a_reason(
    database_url: str, soak_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions: Sessions = lambda: db.session_scope(database_url)  # noqa: E731
    with (
        ExitStack() as stack,
        MastodonServer(media_processing_seconds=0.05, slow_seconds=2 * TIMEOUT) as mastodon,
    ):
        x = XServer().start()
        stack.callback(x.stop)
        monkeypatch.setenv("SCHEDULER_X_API_URL", x.base_url)
        get_settings.cache_clear()
        settings = get_settings()
        accounts = _add_accounts(sessions, x, mastodon)
        post_ids = _schedule(sessions, accounts)

        x.fail_randomly(FAILURE_RATE, kinds=X_FAULTS, seed=5, delay=2 * TIMEOUT)
        mastodon.fail_randomly(FAILURE_RATE, kinds=mastodon_server.FAULT_KINDS, seed=7, reset_in=(0.2, 1.0))
        started = time.monotonic()
        rounds = _run_until_settled(sessions, post_ids, settings)
        elapsed = time.monotonic() - started
        x.stop_failing()
        mastodon.stop_failing()
        x.idle()

        with sessions() as session:
            posts = {
                p.id: (p.state, p.text, p.last_error, p.external_id, p.account.network)
                for p in session.scalars(select(Post))
            }
            attempts = Counter(
                dict(session.execute(select(Attempt.outcome, func.count()).group_by(Attempt.outcome)).all())
            )
        on_x = Counter(tweet.sent_text for tweet in x.tweets)
        on_mastodon = Counter(status.text for status in mastodon.posted())
        x_ids = {tweet.sent_text: tweet.id for tweet in x.tweets}
        mastodon_ids = {status.text: status.id for status in mastodon.posted()}

    states = Counter(state for state, *_ in posts.values())
    print(f"\nsoak: {elapsed:.1f} s, {rounds} rounds, states {dict(states)}, attempts {dict(attempts)}")
    assert len(posts) == POSTS
    assert set(states) <= {PostState.PUBLISHED, PostState.FAILED}, f"not settled: {states}"
    # Every kind of failure happened, and the run still came through.
    for outcome in ("rate_limited", "transient", "auth_expired", "unknown", "found", "published"):
        assert attempts[outcome] > 0, f"no {outcome} attempt in {attempts}"
    assert max([*on_x.values(), *on_mastodon.values()]) == 1, "a post went out twice"
    for post_id, (state, text, last_error, external_id, network) in posts.items():
        copies = (on_x if network == "x" else on_mastodon)[text]
        if state == PostState.PUBLISHED:
            assert copies == 1, f"post {post_id} is published here but {copies} times on {network}"
            assert external_id == (x_ids if network == "x" else mastodon_ids)[text]
        else:
            assert last_error, f"post {post_id} failed without a reason"
            assert copies == 0, f"post {post_id} failed ({last_error}) but is on {network}"
    # Most posts get through a 20% failure rate; the failures are the network's refusals.
    assert states[PostState.PUBLISHED] >= 0.9 * POSTS, states


def _add_accounts(sessions: Sessions, x: XServer, mastodon: MastodonServer) -> list[int]:
    settings = get_settings()
    ids = []
    for n in range(ACCOUNTS_PER_NETWORK):
        user = x.user if n == 0 else x.add_user(f"desk_{n}")
        token = f"token-{n}-{Fernet.generate_key().decode()[:20]}"
        mastodon.add_account(f"desk{n}", token)
        # A soak, not a schedule: no budget spaces the posts out (budgets have their own tests).
        flat_out = {"budget": {"min_gap_minutes": 0, "max_per_day": 10_000}}
        for new in (
            NewAccount(f"x-{n}", "x", "UTC", flat_out, x.secrets_for(user)),
            NewAccount(
                f"masto-{n}",
                "mastodon",
                "UTC",
                {"instance": mastodon.url, **flat_out},
                {"access_token": token},
            ),
        ):
            check = prove(new.settings())
            with sessions() as session:
                ids.append(store_new_account(session, new, check, settings).id)
    return ids


def _schedule(sessions: Sessions, accounts: list[int]) -> list[int]:
    now = utcnow()
    with sessions() as session:
        posts = [
            Post(
                account_id=accounts[i % len(accounts)],
                text=f"Soak post {i}: the council meets at {i % 24:02d}:00 about the bridge, item {i}.",
                state=PostState.SCHEDULED,
                due_at=now + timedelta(milliseconds=20 * i),
                scheduled_for=now + timedelta(milliseconds=20 * i),
            )
            for i in range(POSTS)
        ]
        session.add_all(posts)
        session.flush()
        return [post.id for post in posts]


def _run_until_settled(sessions: Sessions, post_ids: list[int], settings: object) -> int:
    """The beat, the workers and the reconciler, in threads, until every post is published or failed."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    rounds = 0
    with ThreadPoolExecutor(max_workers=8) as pool:
        running: list[Future[object]] = []
        while time.monotonic() < deadline:
            rounds += 1
            now = utcnow()
            with sessions() as session:
                dispatches = publishing.dispatch_due(session, now=now)
                expired = publishing.expired_leases(session, now=now)
            running += [
                pool.submit(publishing.publish, sessions, d.post_id, networks.for_account) for d in dispatches
            ]
            running += [
                pool.submit(publishing.reconcile, sessions, post_id, networks.for_account)
                for post_id in expired
            ]
            _reconnect(sessions)
            for future in [f for f in running if f.done()]:
                future.result()  # an exception here is a bug in our code, not the network's
                running.remove(future)
            with sessions() as session:
                open_posts = session.scalar(
                    select(func.count(Post.id)).where(
                        Post.state.not_in([PostState.PUBLISHED, PostState.FAILED])
                    )
                )
            if not open_posts and not running:
                return rounds
            time.sleep(0.05)
    raise AssertionError(f"posts still open after {DEADLINE_SECONDS} s")


def _reconnect(sessions: Sessions) -> None:
    """An editor runs `accounts check` on accounts marked for reconnecting; it works once X or Mastodon
    answers the check (the random 401s were not real revocations)."""
    settings = get_settings()
    with sessions() as session:
        names = list(session.scalars(select(Account.name).where(Account.status == AccountStatus.RECONNECT)))
    for name in names:
        with sessions() as session:
            account = connections.opened_account(session, name, settings)
        try:
            check = connections.prove(account)
        except NetworkError:
            continue  # the check met a failure too: try again next round
        with sessions() as session:
            connections.record_check(session, name, check)
