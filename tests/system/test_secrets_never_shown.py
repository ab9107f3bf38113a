"""A full run through the command line and a real worker (logging at DEBUG), against the fake X and
Mastodon and a real Bluesky PDS, with failures on the way: no secret used appears in any log, any
command's output, or any row the database keeps about posts and accounts (but the sealed secrets)."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from scheduler import db
from scheduler.models import Account, Attempt, Post, PostState
from tests.command import run as run_command
from tests.conftest import REFERENCE_ARTICLE
from tests.peers.bluesky_pds import LocalPds, running_pds
from tests.peers.mastodon_server import MastodonServer
from tests.peers.x_server import XServer
from tests.system.workers import Worker, start_worker

pytestmark = pytest.mark.integration


@pytest.fixture
def servers() -> Iterator[tuple[XServer, MastodonServer, LocalPds]]:
    x = XServer().start()
    with MastodonServer(media_processing_seconds=0.05) as mastodon, running_pds() as pds:
        yield x, mastodon, pds
    x.stop()


def test_no_secret_in_any_log_output_or_record_of_a_full_run(
    isolated_settings: Path, redis_url: str, servers: tuple[XServer, MastodonServer, LocalPds], tmp_path: Path
) -> None:
    x, mastodon, pds = servers
    sky = pds.create_account("desk")
    key = Fernet.generate_key().decode()
    masto_token = f"masto-{Fernet.generate_key().decode()[:24]}"
    mastodon.add_account("desk", masto_token)
    x_secrets = x.secrets_for()
    secrets = [key, masto_token, *x_secrets.values(), sky.app_password, sky.password]
    env = {
        **os.environ,
        "SCHEDULER_SECRET_KEY": key,
        "SCHEDULER_X_API_URL": x.base_url,
        "SCHEDULER_REDIS_URL": redis_url,
        "SCHEDULER_VAR_DIR": str(isolated_settings),
    }
    outputs: list[str] = []

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        # In this process (the same command, its output captured whole): a new process for each of
        # these commands cost the suite half a minute of starting Python.
        result = run_command(*args, input=stdin, env=env)
        outputs.append(f"$ scheduler {' '.join(args)}\n{result.stdout}{result.stderr}")
        return result

    assert run("init").returncode == 0
    assert run("accounts", "add", "x", "desk-x", stdin=json.dumps(x_secrets)).returncode == 0
    added = run(
        "accounts",
        "add",
        "mastodon",
        "desk-m",
        "--instance",
        mastodon.url,
        stdin=f"access_token={masto_token}",
    )
    assert added.returncode == 0, added.stderr
    sky_added = run(
        "accounts",
        "add",
        "bluesky",
        "desk-b",
        "--handle",
        sky.handle,
        "--service",
        pds.url,
        stdin=json.dumps({"app_password": sky.app_password}),
    )
    assert sky_added.returncode == 0, sky_added.stderr
    # Failures on the way: X refuses the token once (the account must be reconnected), Mastodon rate-limits.
    x.fail("POST /2/tweets", "unauthorized")
    mastodon.fail("429", "/api/v1/statuses", reset_in=1.0)
    for account in ("desk-x", "desk-m", "desk-b"):
        assert (
            run(
                "add", str(REFERENCE_ARTICLE), "--url", "https://e.com/kim", "--account", account, "--now"
            ).returncode
            == 0
        )
    bad = run(
        "accounts",
        "add",
        "mastodon",
        "bad",
        "--instance",
        mastodon.url,
        stdin="access_token=wrong-" + masto_token,
    )
    assert bad.returncode == 1  # the refusal is reported without echoing the token

    worker_env = {k: v for k, v in env.items() if k.startswith("SCHEDULER_")}
    worker = start_worker("secrets", worker_env, tmp_path / "logs", beat=True, loglevel="DEBUG")
    try:
        worker.wait_ready()
        _wait_for(lambda: _states(isolated_settings).get("desk-m") == PostState.PUBLISHED, worker)
        _wait_for(lambda: _states(isolated_settings).get("desk-b") == PostState.PUBLISHED, worker)
        _wait_for(lambda: _account_status(isolated_settings, "desk-x") == "reconnect", worker)
        assert (
            run(
                "accounts", "reconnect", "desk-x", stdin="\n".join(f"{k}={v}" for k, v in x_secrets.items())
            ).returncode
            == 0
        )
        _wait_for(lambda: _states(isolated_settings).get("desk-x") == PostState.PUBLISHED, worker)
    finally:
        worker.stop()
    for args in (
        ("posts",),
        ("post", "1"),
        ("post", "2"),
        ("post", "3"),
        ("accounts", "list"),
        ("accounts", "check", "desk-x"),
        ("accounts", "check", "desk-b"),
    ):
        assert run(*args).returncode == 0

    with db.session_scope(f"sqlite:///{isolated_settings / 'scheduler.db'}") as session:
        records = [repr((p.text, p.last_error, p.external_url)) for p in session.scalars(select(Post))]
        records += [repr((a.outcome, a.detail, a.worker)) for a in session.scalars(select(Attempt))]
        records += [
            repr((a.name, a.options, a.hold_reason, a.status)) for a in session.scalars(select(Account))
        ]
    logs = [path.read_text(errors="replace") for path in (tmp_path / "logs").glob("*.log")]
    everything = "\n".join([*outputs, *logs, *records])
    assert "Making API request" in everything  # tweepy's DEBUG lines were logged, and read here
    assert "auth_expired" in everything and "needs reconnecting" in everything  # the 401 happened, was told
    for secret in secrets:
        assert secret not in everything, f"a secret ({secret[:4]}…) was shown"


def _states(var: Path) -> dict[str, str]:
    with db.session_scope(f"sqlite:///{var / 'scheduler.db'}") as session:
        return {post.account.name: post.state for post in session.scalars(select(Post))}


def _account_status(var: Path, name: str) -> str:
    with db.session_scope(f"sqlite:///{var / 'scheduler.db'}") as session:
        return session.scalar(select(Account.status).where(Account.name == name)) or ""


def _wait_for(condition: object, worker: Worker, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out; worker log:\n{worker.log.read_text(errors='replace')[-3000:]}")
