"""A template preview that runs to its budget, again and again, does not delay a post due at the same
moment: the preview holds no database transaction while it renders, and a page that only reads takes
no write lock. Before, every preview held SQLite's write lock (BEGIN IMMEDIATE) for its whole render,
so the worker could not claim or publish until the previews stopped."""

from __future__ import annotations

import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from cryptography.fernet import Fernet
from sqlalchemy import select

from scheduler import db
from scheduler.config import get_settings
from scheduler.models import Post, PostState, Role
from scheduler.newsroom import users
from scheduler.render.sandbox import MAX_TRIAL_SECONDS
from scheduler.web.auth import CSRF_FIELD
from tests.command import run
from tests.system.test_integration import schedule, workers  # noqa: F401  (fixture)
from tests.system.web_stack import PASSWORD, serve_web_process
from tests.system.workers import Worker, start_worker
from tests.web.test_auth import csrf_of
from tests.web.test_templates import ANNOUNCE

# Not too big to run (a few hundred thousand steps, well under the step budget), only too slow: each
# render runs until the wall-clock budget stops it.
SLOW = (
    "{{ article.title }}\n{% for i in range(900000) %}{% set x = [i, i, i] | sort | join(',') %}{% endfor %}"
)
PREVIEWS_AT_ONCE = 3


def signed_in_client(site: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=site, timeout=30)
    token = csrf_of(client.get("/sign-in").text)
    signed = client.post("/sign-in", data={"name": "admin", "password": PASSWORD, CSRF_FIELD: token})
    assert signed.status_code in (200, 303), signed.text
    return client, csrf_of(client.get("/templates").text)


def test_previews_running_to_their_budget_do_not_delay_a_post_due_meanwhile(
    isolated_settings: Path,
    redis_url: str,
    workers: list[Worker],  # noqa: F811
) -> None:
    assert run("init").returncode == 0
    database_url = get_settings().resolved_database_url
    assert database_url.startswith("sqlite")
    with db.session_scope(database_url) as session:
        users.add_user(session, "admin", Role.ADMIN, PASSWORD)
    env = {
        **os.environ,
        "SCHEDULER_SECRET_KEY": Fernet.generate_key().decode(),
        "SCHEDULER_WEB_SECURE_COOKIES": "false",  # plain HTTP on loopback: httpx keeps no Secure cookie
    }
    workers.append(start_worker("beat", env, isolated_settings / "logs", beat=True))
    with serve_web_process(env) as (site, _):
        client, token = signed_in_client(site)
        workers[0].wait_ready()
        outbox = isolated_settings / "outbox"
        ids = schedule(database_url, outbox, posts=6, accounts=2, first_in=4, over=2)

        def preview() -> tuple[float, str]:
            started = time.monotonic()
            answer = client.post(
                "/templates/edit",
                data={"name": ANNOUNCE, "text": SLOW, "action": "preview", CSRF_FIELD: token},
            )
            return time.monotonic() - started, answer.text

        answers = []
        deadline = time.monotonic() + 9  # from before the first post is due until after the last
        with ThreadPoolExecutor(PREVIEWS_AT_ONCE) as pool:
            while time.monotonic() < deadline:
                answers += pool.map(lambda _: preview(), range(PREVIEWS_AT_ONCE))
        client.close()

    with db.session_scope(database_url) as session:
        rows = session.execute(select(Post.id, Post.state, Post.due_at, Post.published_at)).all()
    assert sorted(row.id for row in rows) == sorted(ids)
    assert all(row.state == PostState.PUBLISHED for row in rows), [row.state for row in rows]
    lateness = sorted((row.published_at - row.due_at).total_seconds() for row in rows)
    slowest = max(seconds for seconds, _ in answers)
    print(
        f"\n{len(answers)} previews ({PREVIEWS_AT_ONCE} at once), the slowest answered in {slowest:.2f} s; "
        f"{len(rows)} posts due meanwhile, lateness max {lateness[-1]:.2f} s"
    )
    for _, text in answers:
        assert re.search(rf"{ANNOUNCE}, line 2: for [a-z, ]+: this template does too much work", text)
    # Each preview ran to its budget (a wall-clock deadline) and no more.
    assert slowest < MAX_TRIAL_SECONDS + 4
    assert lateness[0] >= 0 and lateness[-1] < 1.5
