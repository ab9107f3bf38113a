"""A worker left with an old key after `scheduler secrets rotate` fails fast and says which key it lacks:
`scheduler doctor` flags it, the first post it cannot open makes it stop (the post waits, with the
reason, and goes out with a worker that has the key), and a worker started with the old key refuses to
start."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, update

from scheduler import db
from scheduler.config import get_settings
from scheduler.models import Account, Attempt, Post, PostState, utcnow
from scheduler.networks.vault import fingerprint, seal
from tests.command import run
from tests.system.test_integration import all_published, schedule, wait_until, workers  # noqa: F401
from tests.system.workers import Worker, start_worker

pytestmark = pytest.mark.integration


def exits_within(worker: Worker, seconds: float) -> int | None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if worker.process.poll() is not None:
            return worker.process.returncode
        time.sleep(0.2)
    return None


def test_a_worker_with_a_key_older_than_the_rotation_stops_and_says_which_key(
    isolated_settings: Path,
    redis_url: str,
    workers: list[Worker],  # noqa: F811
) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    assert run("init").returncode == 0
    url = get_settings().resolved_database_url
    outbox, logs = isolated_settings / "outbox", isolated_settings / "logs"
    [post_id] = schedule(url, outbox, posts=1, accounts=1, first_in=3600, over=1)
    with db.session_scope(url) as session:  # the outbox takes no credentials; these stand for a network's
        session.execute(
            update(Account).where(Account.name == "desk0").values(secrets=seal({"access_token": "t"}, old))
        )

    stale = start_worker("stale", {"SCHEDULER_SECRET_KEY": old}, logs, beat=True)
    workers.append(stale)
    stale.wait_ready()
    rotated = run("secrets", "rotate", env={"SCHEDULER_SECRET_KEY": f"{new},{old}"})
    assert rotated.returncode == 0, rotated.stderr

    checked = run("doctor", env={"SCHEDULER_SECRET_KEY": new})
    assert checked.returncode == 1
    # Whether it answers the ping in time is the machine's load; which keys it has is not.
    assert "worker stale@" in checked.stdout and f"keys {fingerprint(old)}; " in checked.stdout
    assert f"lacks key {fingerprint(new)}, which desk0 need(s): restart it with the SCHEDULER_SECRET_KEY" in (
        checked.stderr
    )

    with db.session_scope(url) as session:  # the post comes due now
        session.execute(
            update(Post).where(Post.id == post_id).values(due_at=utcnow(), scheduled_for=utcnow())
        )
    assert exits_within(stale, 60) is not None, "the worker went on taking posts it cannot open"
    log = stale.log.read_text()
    assert f"were sealed with key {fingerprint(new)}, which this process does not have" in log
    assert "this worker stops taking posts" in log
    with db.session_scope(url) as session:
        post = session.get_one(Post, post_id)
        assert post.state == PostState.SCHEDULED, "the post waits: it is the worker's key, not the post"
        assert f"sealed with key {fingerprint(new)}" in (post.last_error or "")
        [attempt] = session.scalars(select(Attempt).where(Attempt.post_id == post_id))
        assert attempt.outcome == "transient"
        session.execute(update(Post).where(Post.id == post_id).values(due_at=utcnow()))

    refused = start_worker("old-again", {"SCHEDULER_SECRET_KEY": old}, logs, beat=False)
    workers.append(refused)
    assert exits_within(refused, 30) == 1, "a worker without the key in use starts anyway"
    assert f"sealed with key {fingerprint(new)}, which this process does not have" in refused.log.read_text()

    current = start_worker("current", {"SCHEDULER_SECRET_KEY": new}, logs, beat=True)
    workers.append(current)
    wait_until(all_published(url, 1), 60, "the post published by a worker with the key", workers)
    assert run("doctor", env={"SCHEDULER_SECRET_KEY": new}).returncode == 0
