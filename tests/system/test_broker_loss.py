"""Redis losing every task mid-run (FLUSHDB, or a restart without its data): no post is lost, none goes
out twice, and the affected posts go out within seconds, with the default requeue time (30 s): the tick
sees the broker's mark gone and sends every queued post's task again."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
import redis
from sqlalchemy import select

from scheduler import db
from scheduler.demo import redis_server
from scheduler.models import Post, PostState
from tests.system.test_integration import (
    all_published,
    assert_each_published_once_and_never_early,
    schedule,
    states,
    wait_until,
    worker_env,
    workers,  # noqa: F401  (fixture)
)
from tests.system.workers import Worker, start_worker, stop_all

pytestmark = pytest.mark.integration


def lateness_report(database_url: str, mishap: str, spared: set[int]) -> float:
    """Print the affected posts' lateness (published - due); return its p99 in seconds."""
    with db.session_scope(database_url) as session:
        rows = session.execute(select(Post.id, Post.due_at, Post.published_at)).all()
    lateness = sorted((out - due).total_seconds() for post_id, due, out in rows if post_id not in spared)
    p50, p99 = lateness[len(lateness) // 2], lateness[int(len(lateness) * 0.99)]
    print(
        f"\nRedis {mishap} mid-run: {len(lateness)} posts affected, lateness p50 {p50:.2f} s, "
        f"p99 {p99:.2f} s, max {lateness[-1]:.2f} s; each published once"
    )
    return p99


def published_ids(database_url: str) -> set[int]:
    with db.session_scope(database_url) as session:
        return set(session.scalars(select(Post.id).where(Post.state == PostState.PUBLISHED)))


def all_queued(database_url: str, count: int) -> Callable[[], bool]:
    return lambda: states(database_url)[PostState.QUEUED] == count


def test_a_flush_while_the_publishing_workers_are_away_delays_no_post(
    database_url: str,
    isolated_settings: Path,
    workers: list[Worker],  # noqa: F811
) -> None:
    """The tasks wait in Redis (no worker holds them) when it is flushed: each would be lost."""
    outbox, logs = isolated_settings / "outbox", isolated_settings / "logs"
    private = redis_server.start(isolated_settings / "redis")
    try:
        env = worker_env(database_url, private.url, isolated_settings)
        workers.append(start_worker("beat", env, logs, beat=True, queues="default"))
        workers[0].wait_ready()
        ids = schedule(database_url, outbox, posts=60, accounts=5, first_in=4, over=4)
        broker = redis.Redis.from_url(private.url)
        wait_until(all_queued(database_url, len(ids)), 30, "every post claimed", workers)
        # The tick sends the tasks after its commit: wait for the last of them to be in Redis.
        wait_until(lambda: broker.llen("publish") == len(ids), 30, "every task waiting in Redis", workers)
        broker.flushdb()
        workers.append(start_worker("publisher", env, logs, beat=False, queues="publish"))

        wait_until(all_published(database_url, len(ids)), 90, "every post published after FLUSHDB", workers)
        assert_each_published_once_and_never_early(database_url, outbox, ids)
        assert lateness_report(database_url, "flushed", spared=set()) < 5.0
    finally:
        stop_all(workers)
        private.stop()


def test_a_restart_without_data_loses_the_tasks_workers_held_and_delays_no_post_long(
    database_url: str,
    isolated_settings: Path,
    workers: list[Worker],  # noqa: F811
) -> None:
    """On the lost connection the workers drop the tasks they held, and the new Redis has none."""
    outbox, logs = isolated_settings / "outbox", isolated_settings / "logs"
    private = redis_server.start(isolated_settings / "redis")
    port = redis_server.port_of(private.url)
    try:
        env = worker_env(database_url, private.url, isolated_settings)
        workers.append(start_worker("w1", env, logs, beat=True))
        workers.append(start_worker("w2", env, logs, beat=False))
        for worker in workers:
            worker.wait_ready()
        ids = schedule(database_url, outbox, posts=100, accounts=5, first_in=1, over=10)

        time.sleep(5)  # mid-run: tasks are waiting in the workers
        spared = published_ids(database_url)
        assert 0 < len(spared) < len(ids)
        private.stop()
        time.sleep(1)
        private = redis_server.start(isolated_settings / "redis", port=port)

        wait_until(all_published(database_url, len(ids)), 90, "every post published after a restart", workers)
        assert_each_published_once_and_never_early(database_url, outbox, ids)
        assert lateness_report(database_url, "restarted", spared) < 5.0
    finally:
        stop_all(workers)
        private.stop()
