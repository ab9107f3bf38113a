"""The calendar's month view with 1,000 posts across 20 accounts, answered server-side.

On SQLite (a temporary file) and PostgreSQL (a fresh database `bench_month_view_<pid>`, dropped at the
end): 20 accounts on the three networks and the outbox, 1,000 posts in the month shown (drafts,
scheduled, published; a few threads) and --background posts in the months around it, so that the
range query has a real table to pick from. Each request goes through the whole app in this process
(Starlette's TestClient: routing, the session, the database, the template or the JSON), timed from
the request to the last byte:

  page      GET /calendar?view=month (the page's own list of the month: what reads without JavaScript)
  events    GET /calendar/events for the month grid (what FullCalendar draws)
  api       GET /api/v1/calendar for the same range
  baseline  GET /api/v1/posts for the same 1,000 posts (limit=1000): the plain listing that already
            was, in the same run, so the ratio says what the calendar costs over reading the posts

The goal: the month view under 300 ms server-side. Human-readable figures first; the last line is one
JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from scheduler import db
from scheduler.config import Settings
from scheduler.models import Post, Role
from scheduler.newsroom import users
from scheduler.newsroom.accounts import add_account
from scheduler.web.app import create_app
from scheduler.web.auth import CSRF_FIELD

ACCOUNTS = 20
MONTH_POSTS = 1000
GOAL_MS = 300.0
NETWORKS = ("x", "mastodon", "bluesky", "outbox")
ZONES = ("Europe/London", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "UTC")
PASSWORD = "correct horse battery"


def say(message: str = "") -> None:
    print(message, flush=True)


def month_start(now: datetime) -> datetime:
    """The first of next month, 00:00 UTC: a month wholly in the future, as an editor plans it."""
    first = (now.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first.replace(hour=0, minute=0, second=0, microsecond=0)


def seed(url: str, start: datetime, background: int) -> None:
    db.upgrade_schema(url)
    rng = random.Random(19)
    with db.session_scope(url) as session:
        users.add_user(session, "ed", Role.EDITOR, PASSWORD)
        editor = users.find_user(session, "ed")
        accounts = [
            add_account(
                session,
                f"desk-{n:02d}",
                NETWORKS[n % 4],
                ZONES[n % 5],
                {"slots": "mon-sun 08:00,12:00,17:00"},
            )
            for n in range(ACCOUNTS)
        ]
        session.flush()
        rows: list[dict[str, Any]] = []

        def post(at: datetime, state: str, **more: Any) -> None:
            rows.append(
                {
                    "key": os.urandom(8).hex(),
                    "account_id": rng.choice(accounts).id,
                    "text": f"Post {len(rows)}: " + "words " * rng.randint(5, 40),
                    "state": state,
                    "due_at": at,
                    "scheduled_for": at,
                    "created_by_id": editor.id,
                    "campaign": rng.choice([None, "default", "breaking"]),
                    "media": [],
                    **more,
                }
            )

        for _ in range(MONTH_POSTS):
            at = start + timedelta(minutes=rng.randrange(28 * 24 * 60))
            post(at, rng.choice(["scheduled", "scheduled", "draft", "published"]))
        for _ in range(background):
            at = start + timedelta(
                days=rng.choice([-1, 1]) * rng.randrange(35, 700), minutes=rng.randrange(1440)
            )
            post(at, "published" if at < start else "scheduled")
        for chunk in range(0, len(rows), 5000):
            session.execute(insert(Post), rows[chunk : chunk + 5000])


def signed_in(client: TestClient) -> None:
    form = client.get("/sign-in").text
    token = form.split(f'name="{CSRF_FIELD}" value="')[1].split('"')[0]
    answer = client.post("/sign-in", data={"name": "ed", "password": PASSWORD, CSRF_FIELD: token})
    assert answer.status_code in (200, 303), answer.text


def timed(client: TestClient, path: str, params: dict[str, Any], rounds: int, **extra: Any) -> dict[str, Any]:
    times, size = [], 0
    for _ in range(rounds + 2):
        began = time.perf_counter()
        answer = client.get(path, params=params, **extra)
        body = answer.content
        times.append((time.perf_counter() - began) * 1000)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
        size = len(body)
    times = times[2:]  # the first two warm the caches (templates, statements)
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(sorted(times)[int(0.95 * (len(times) - 1))], 1),
        "bytes": size,
    }


def measure(label: str, url: str, args: argparse.Namespace, var_dir: Path) -> dict[str, Any]:
    start = month_start(datetime.now(UTC))
    began = time.monotonic()
    seed(url, start, args.background)
    say(
        f"{label}: {MONTH_POSTS} posts in {start:%B %Y} and {args.background} around it, {ACCOUNTS} accounts "
        f"(seeded in {time.monotonic() - began:.1f} s)"
    )
    settings = Settings(var_dir=var_dir, secret_key=Fernet.generate_key().decode(), web_secure_cookies=False)
    app = create_app(settings, database_url=url)
    month = start.date().isoformat()
    grid_start, grid_end = start - timedelta(days=6), start + timedelta(days=36)
    window = {"start": grid_start.isoformat(), "end": grid_end.isoformat()}
    with db.session_scope(url) as session:
        token = users.create_token(session, users.find_user(session, "ed"), "bench")
    bearer = {"Authorization": f"Bearer {token}"}
    results: dict[str, Any] = {}
    with TestClient(app, base_url="http://bench.test", follow_redirects=False) as client:
        signed_in(client)
        results["page"] = timed(client, "/calendar", {"view": "month", "day": month}, args.rounds)
        results["events"] = timed(client, "/calendar/events", window, args.rounds)
        results["api"] = timed(client, "/api/v1/calendar", window, args.rounds, headers=bearer)
        listing = {
            "due_from": start.isoformat(),
            "due_before": (start + timedelta(days=28)).isoformat(),
            "limit": 1000,
        }
        results["baseline"] = timed(client, "/api/v1/posts", listing, args.rounds, headers=bearer)
    base = results["baseline"]["median_ms"]
    for name in ("page", "events", "api", "baseline"):
        figure = results[name]
        figure["ratio_to_baseline"] = round(figure["median_ms"] / base, 2) if base else None
        say(
            f"  {name:<8} median {figure['median_ms']:7.1f} ms  p95 {figure['p95_ms']:7.1f} ms  "
            f"{figure['bytes'] / 1024:7.0f} KiB  ×{figure['ratio_to_baseline']} of the baseline"
        )
    worst = max(results["page"]["median_ms"], results["events"]["median_ms"])
    results["goal_met"] = worst < GOAL_MS
    say(
        f"  month view (page and events, median): {worst:.1f} ms; goal under {GOAL_MS:.0f} ms: "
        f"{'met' if results['goal_met'] else 'NOT met'}"
    )
    db.get_engine(url).dispose()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--background", type=int, default=50_000, help="posts in the months around")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "SCHEDULER_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--quick", action="store_true", help="5 rounds, 10,000 posts around")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.background = 5, 10_000
    summary: dict[str, Any] = {
        "accounts": ACCOUNTS,
        "month_posts": MONTH_POSTS,
        "background": args.background,
    }
    with tempfile.TemporaryDirectory() as var:
        var_dir = Path(var)
        summary["sqlite"] = measure("sqlite", f"sqlite:///{var_dir / 'calendar.db'}", args, var_dir)
        base = make_url(args.postgres_url)
        name = f"bench_month_view_{os.getpid()}"
        admin = base.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
        with psycopg.connect(admin, autocommit=True) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            server.execute(f'CREATE DATABASE "{name}"')
        try:
            url = base.set(database=name).render_as_string(hide_password=False)
            summary["postgresql"] = measure("postgresql", url, args, var_dir)
        finally:
            with psycopg.connect(admin, autocommit=True) as server:
                server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
