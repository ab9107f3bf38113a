"""`scheduler demo`: the reference article in, its announcement and its best pull quote (with its
quote card and alt text) published on the outbox account, end to end.

It runs everything a real deployment runs (Redis, a Celery worker with the beat, the database)
on one machine, starting a private Redis only when none answers at the configured URL.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import click

from scheduler import db
from scheduler.articles.text import parse_text, read_text_file
from scheduler.celery_app import WORKER_QUEUES
from scheduler.config import get_settings
from scheduler.demo import redis_server
from scheduler.demo.data import REFERENCE_ARTICLE, REFERENCE_URL
from scheduler.models import Post, PostState, utcnow
from scheduler.newsroom.accounts import DEFAULT_ACCOUNT, ensure_default_account
from scheduler.newsroom.posts import When, add_and_schedule, schedule_post
from scheduler.planning.wallclock import format_local, zone
from scheduler.render.browser import ChromiumMissing, chromium_path

LEAD_SECONDS = 6


def run_demo(*, timeout: float) -> int:
    settings = get_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    started: list[redis_server.PrivateRedis] = []
    redis_url = settings.redis_url
    if redis_server.answers(redis_url):
        click.echo(f"using Redis at {redis_url}")
    else:
        private = redis_server.start(settings.var_dir / "redis")
        started.append(private)
        redis_url = private.url
        click.echo(f"no Redis at {settings.redis_url}; started a private one at {redis_url}")
    worker: subprocess.Popen[bytes] | None = None
    try:
        db.upgrade_schema()
        with db.session_scope() as session:
            ensure_default_account(session)
            parsed = parse_text(
                read_text_file(REFERENCE_ARTICLE, max_bytes=settings.max_article_bytes),
                canonical_url=REFERENCE_URL,
            )
            announce = add_and_schedule(
                session,
                parsed,
                account_name=DEFAULT_ACCOUNT,
                when=When(at=(utcnow() + timedelta(seconds=LEAD_SECONDS)).isoformat()),
                templates_dir=settings.templates_dir,
                source=str(REFERENCE_ARTICLE),
            )
            # The article's best pull quote, with its speaker and its quote card, a moment later.
            quote = schedule_post(
                session,
                announce.article,
                announce.account,
                due_at=announce.due_at + timedelta(seconds=2),
                templates_dir=settings.templates_dir,
                step="quote",
                card=_card_if_possible(settings.chromium_path),
            )
            scheduled = [(p.id, p.step, p.due_at, p.text) for p in (announce, quote)]
            tz = zone(announce.account.timezone)
        for post_id, step, due_at, text in scheduled:
            click.echo(f"scheduled {step} post {post_id} for {format_local(due_at, tz)}:")
            click.echo(indent(text))

        log_path = settings.var_dir / "demo-worker.log"
        worker = start_worker(redis_url, log_path)
        click.echo(f"started a worker with the beat (log: {log_path}); waiting for the posts…")
        codes = [
            report(wait_for(post_id, timeout=timeout, worker=worker), log_path) for post_id, *_ in scheduled
        ]
        return max(codes)
    finally:
        if worker is not None:
            stop(worker)
        for private in started:
            private.stop()


def _card_if_possible(chromium: Path | None) -> str | None:
    """The quote card, when this machine can render one; else the demo goes on without it."""
    try:
        chromium_path(chromium)
    except ChromiumMissing as error:
        click.echo(f"note: no quote card this time: {error}")
        return None
    return "quote"


def start_worker(redis_url: str, log_path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SCHEDULER_REDIS_URL": redis_url}
    schedule = get_settings().var_dir / "celerybeat-schedule"
    command = [sys.executable, "-m", "celery", "-A", "scheduler.celery_app", "worker", "--beat"]
    command += ["--schedule", str(schedule), "-Q", WORKER_QUEUES, "--concurrency", "2", "--loglevel", "INFO"]
    command += ["--hostname", f"demo-{os.getpid()}@%h"]
    with log_path.open("wb") as log:
        return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_for(post_id: int, *, timeout: float, worker: subprocess.Popen[bytes]) -> Post:
    deadline = time.monotonic() + timeout
    while True:
        with db.session_scope() as session:
            post = session.get(Post, post_id)
            assert post is not None
            session.expunge(post)
        if post.state in (PostState.PUBLISHED, PostState.FAILED, PostState.CANCELED):
            return post
        if worker.poll() is not None or time.monotonic() > deadline:
            return post
        time.sleep(0.2)


def report(post: Post, log_path: Path) -> int:
    if post.state != PostState.PUBLISHED or post.published_at is None:
        reason = post.last_error or f"still {post.state}"
        click.echo(f"error: the post was not published ({reason}); see {log_path}", err=True)
        return 1
    receipt = Path(urlsplit(post.external_url or "").path)
    lateness = (post.published_at - post.due_at).total_seconds()
    click.echo(f"published post {post.id} at {post.published_at.isoformat()} ({lateness:.3f} s after due)")
    click.echo(f"it went to {receipt}:")
    document = json.loads(receipt.read_text(encoding="utf-8"))
    click.echo(indent(json.dumps(document, ensure_ascii=False, indent=2)))
    return 0


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # a warm shutdown: the worker and its beat finish cleanly
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.splitlines())
