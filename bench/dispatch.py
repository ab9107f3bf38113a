"""Publish lateness and worker memory: our dispatcher against plain long ETAs, in one run.

Ours: posts wait in the database as `scheduled`; the beat embedded in the worker claims those due
within the lookahead every tick and sends each publish task with eta=due_at, seconds ahead.
Baseline: posts are `queued` and this script sends `publish_post.apply_async((id,), eta=due_at)` for
each at scheduling time, to a worker without the beat; the worker holds every ETA task in memory.

For each system, with one worker (prefork, `--concurrency` processes) on a fresh SQLite database and
a flushed Redis database, after a warm-up:
  spread  N posts due evenly over S seconds, starting 2 s from now; lateness = first publish attempt's
          start - due time
  burst   B posts all due at one instant after the spread (scheduled with it, measured apart)
  memory  then M posts due in an hour; worker RSS (main process and children) idle before and after

Human-readable figures first; the last line is one JSON object. `--quick` finishes in under a minute.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
import redis
from sqlalchemy import and_, create_engine, func, insert, select

from scheduler.demo import redis_server

ROOT = Path(__file__).resolve().parent.parent

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
MB = 1024 * 1024
OURS, BASELINE = "ours", "baseline"
PREFIXES = {OURS: "", BASELINE: "baseline_"}  # of the keys in the JSON summary
TERMINAL = ("published", "failed", "canceled")


@dataclass(frozen=True)
class Plan:
    posts: int
    seconds: float
    burst: int
    later: int
    lead: float  # seconds between scheduling and the first due time
    settle: float  # seconds to wait after scheduling the `later` posts before reading the RSS
    concurrency: int


@dataclass
class Lateness:
    posts: int
    published: int = 0
    failed: int = 0
    duplicates: int = 0  # publish attempts beyond one per post
    late_ms: list[float] = field(default_factory=list)
    wall_s: float = 0.0

    def stats(self) -> dict[str, float | None]:
        values = sorted(self.late_ms)
        return {
            "min": _round(values[0]) if values else None,
            "p50": percentile(values, 0.50),
            "p95": percentile(values, 0.95),
            "p99": percentile(values, 0.99),
            "max": _round(values[-1]) if values else None,
        }


@dataclass
class Memory:
    posts: int
    before_mb: float = 0.0
    after_mb: float = 0.0
    fetched: bool = True  # the worker took every message off the queue before the reading

    @property
    def growth_mb(self) -> float:
        return round(self.after_mb - self.before_mb, 1)


@dataclass
class SystemResult:
    spread: Lateness
    burst: Lateness
    memory: Memory
    startup_s: float


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks; None for no values."""
    if not sorted_values:
        return None
    k = (len(sorted_values) - 1) * q
    low = math.floor(k)
    high = min(low + 1, len(sorted_values) - 1)
    return _round(sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (k - low))


def _round(value: float) -> float:
    return round(value, 1)


def say(message: str) -> None:
    print(message, flush=True)


def parse_args(argv: list[str] | None) -> tuple[argparse.Namespace, Plan]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small figures: the whole run in under 60 s")
    parser.add_argument(
        "--posts", type=int, help="posts spread evenly over --seconds (default 1500; quick 150)"
    )
    parser.add_argument("--seconds", type=float, help="seconds the spread posts cover (default 45; quick 4)")
    parser.add_argument("--burst", type=int, help="posts all due at one instant (default 1000; quick 150)")
    parser.add_argument(
        "--later", type=int, help="posts due in an hour, for memory (default 20000; quick 2000)"
    )
    parser.add_argument(
        "--settle", type=float, help="seconds between scheduling and reading the RSS (default 10; quick 2)"
    )
    parser.add_argument("--concurrency", type=int, default=2, help="worker pool processes (default 2)")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("SCHEDULER_TEST_REDIS_URL", DEFAULT_REDIS_URL),
        help="a Redis database this run may flush (default $SCHEDULER_TEST_REDIS_URL or %(default)s)",
    )
    parser.add_argument(
        "--private-redis", action="store_true", help="always start a private Redis, even if one answers"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (databases, logs)")
    args = parser.parse_args(argv)
    quick = args.quick

    def pick(value: Any, default: Any, quick_default: Any) -> Any:
        return value if value is not None else (quick_default if quick else default)

    plan = Plan(
        posts=pick(args.posts, 1500, 150),
        seconds=pick(args.seconds, 45.0, 4.0),
        burst=pick(args.burst, 1000, 150),
        later=pick(args.later, 20_000, 2000),
        lead=2.0,
        settle=pick(args.settle, 10.0, 2.0),
        concurrency=args.concurrency,
    )
    if min(plan.posts, plan.burst, plan.concurrency) < 1 or min(plan.later, plan.seconds, plan.settle) < 0:
        parser.error(
            "--posts, --burst and --concurrency need at least 1; --later, --seconds, --settle 0 or more"
        )
    return args, plan


def main(argv: list[str] | None = None) -> int:
    started = time.monotonic()
    args, plan = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-dispatch-"))
    private: redis_server.PrivateRedis | None = None
    try:
        redis_url = args.redis_url
        if args.private_redis or not redis_server.answers(redis_url):
            private = redis_server.start(work / "redis")
            say(f"started a private Redis at {private.url}")
            redis_url = private.url
        else:
            say(f"using Redis at {redis_url} (flushed before each system)")
        # Settings are read once per process (lru_cache), so the environment is set before any import.
        os.environ["SCHEDULER_REDIS_URL"] = redis_url
        os.environ["SCHEDULER_VAR_DIR"] = str(work)
        bench = Bench(plan, work, redis_url)
        say(
            f"plan: spread {plan.posts} posts over {plan.seconds:g} s, burst {plan.burst} posts at once, "
            f"memory with {plan.later} posts due in an hour; worker --concurrency {plan.concurrency}"
        )
        try:
            results = {system: bench.run(system) for system in (OURS, BASELINE)}
        finally:
            bench.flush()
    finally:
        if private is not None:
            private.stop()
        if args.keep:
            say(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    wall = time.monotonic() - started
    summary = summarize(plan, results, quick=args.quick, wall=wall)
    print_report(plan, results, summary)
    print(json.dumps(summary, sort_keys=True), flush=True)
    complete = all(
        lateness.published == lateness.posts
        for result in results.values()
        for lateness in (result.spread, result.burst)
    )
    return 0 if complete else 1


class Bench:
    """Runs the three phases against one system at a time."""

    def __init__(self, plan: Plan, work: Path, redis_url: str) -> None:
        from scheduler import db
        from scheduler.celery_app import WORKER_QUEUES, celery_app
        from scheduler.models import Attempt, Post
        from scheduler.newsroom import accounts
        from scheduler.tasks import publish_post

        self.plan, self.work, self.redis_url = plan, work, redis_url
        self.db, self.accounts, self.celery_app, self.queues = db, accounts, celery_app, WORKER_QUEUES
        self.Post, self.Attempt, self.publish_post = Post, Attempt, publish_post
        self.redis = redis.Redis.from_url(redis_url)
        if self.redis.dbsize():
            say(f"note: {redis_url} held {self.redis.dbsize()} keys; if others use it, pass --private-redis")

    def flush(self) -> None:
        self.redis.flushdb()

    def run(self, system: str) -> SystemResult:
        var = self.work / system
        var.mkdir()
        url = f"sqlite:///{var / 'scheduler.db'}"
        self.db.upgrade_schema(url)
        with self.db.session_scope(url) as session:
            account_id = self.accounts.add_account(session, "bench", "outbox", "UTC").id
        self.flush()
        phase = Phase(self, system, url, account_id)
        say(f"\n[{system}] starting a worker{' with the beat' if system == OURS else ''}…")
        try:
            with worker(system, var, url, self.redis_url, self.queues, self.plan.concurrency) as process:
                return self.measure(phase, process, var / "worker.log")
        finally:
            phase.reader.dispose()
            self.db.get_engine(url).dispose()

    def measure(self, phase: Phase, process: subprocess.Popen[bytes], log_path: Path) -> SystemResult:
        system, plan = phase.system, self.plan
        phase.process = process
        t0 = time.monotonic()
        wait_ready(self.celery_app, node_name(system), process, log_path)
        # A few posts due at once warm up the pool processes (and, for ours, show that the beat ticks).
        (warm,) = phase.lateness([utcnow() + timedelta(seconds=0.2)] * (2 * plan.concurrency))
        if warm.published < warm.posts:
            raise RuntimeError(f"[{system}] the warm-up posts were not published; see the worker log")
        startup = time.monotonic() - t0
        say(f"[{system}] worker ready in {startup:.1f} s")

        # Both scheduled now, as editors would have: the burst lands after the spread is over.
        # The dispatcher claims `claim_batch` posts a tick; give it the ticks a burst this size needs.
        start = utcnow() + timedelta(seconds=plan.lead)
        step = plan.seconds / max(plan.posts - 1, 1)
        ticks = math.ceil(plan.burst / phase.settings.claim_batch) * phase.settings.tick_seconds
        at = start + timedelta(seconds=plan.seconds + max(1.0, ticks))
        spread, burst = phase.lateness(
            [start + timedelta(seconds=i * step) for i in range(plan.posts)], [at] * plan.burst
        )
        say(f"[{system}] spread: {describe(spread)}")
        say(f"[{system}] burst: {describe(burst)}")

        memory = phase.memory(process)
        say(
            f"[{system}] memory: {memory.before_mb:.1f} MB idle, {memory.after_mb:.1f} MB with "
            f"{memory.posts} posts due in an hour (+{memory.growth_mb:.1f} MB)"
        )
        return SystemResult(spread, burst, memory, startup)


class Phase:
    """Schedules posts the way one system does, and reads back when each went out."""

    def __init__(self, bench: Bench, system: str, url: str, account_id: int) -> None:
        from scheduler.config import get_settings

        self.bench, self.system, self.url, self.account_id = bench, system, url, account_id
        self.settings = get_settings()
        # Reads go through a plain connection: in WAL mode they never take the write lock the worker needs.
        self.reader = create_engine(url)
        self.process: subprocess.Popen[bytes] | None = None  # the worker, to stop waiting if it dies

    def schedule(self, *groups: list[datetime]) -> list[tuple[int, int]]:
        """Insert each group of posts, then (baseline) send their ETA tasks, earliest due first.

        Returns the id range of each group.
        """
        Post = self.bench.Post
        state = "scheduled" if self.system == OURS else "queued"
        ranges, sends = [], []
        with self.bench.db.session_scope(self.url) as session:
            for due in groups:
                now = utcnow()
                rows = [
                    {
                        "account_id": self.account_id,
                        "article_id": None,
                        "text": f"bench post {index}",
                        "state": state,
                        "due_at": due_at,
                        "scheduled_for": due_at,
                        "queued_at": now if state == "queued" else None,
                    }
                    for index, due_at in enumerate(due)
                ]
                statement = insert(Post).returning(Post.id, sort_by_parameter_order=True)
                ids = list(session.scalars(statement, rows))
                ranges.append((min(ids), max(ids)))
                sends += zip(due, ids, strict=True)
        if self.system == BASELINE:
            with self.bench.celery_app.producer_or_acquire() as producer:
                for due_at, post_id in sorted(sends):
                    self.bench.publish_post.apply_async((post_id,), eta=due_at, producer=producer)
        return ranges

    def lateness(self, *groups: list[datetime]) -> list[Lateness]:
        """Schedule each group of due times, wait until every post is done, and measure each group."""
        t0 = time.monotonic()
        ranges = self.schedule(*groups)
        results = [Lateness(posts=len(due)) for due in groups]
        last_due = max(max(due) for due in groups)
        total = sum(len(due) for due in groups)
        timeout = max(0.0, (last_due - utcnow()).total_seconds()) + 30 + total / 20
        deadline = time.monotonic() + timeout
        waiting = set(range(len(groups)))
        while waiting and time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"[{self.system}] the worker exited with {self.process.returncode}")
            for index in sorted(waiting):
                if self._count_done(*ranges[index]) == results[index].posts:
                    results[index].wall_s = time.monotonic() - t0
                    waiting.discard(index)
            if waiting:
                time.sleep(0.2)
        for index in waiting:
            low, high = ranges[index]
            say(f"[{self.system}] timed out after {timeout:.0f} s waiting for posts {low}..{high}")
            results[index].wall_s = time.monotonic() - t0
        for (low, high), result in zip(ranges, results, strict=True):
            self._collect(low, high, result)
        return results

    def _count_done(self, low: int, high: int) -> int:
        Post = self.bench.Post
        query = select(func.count(Post.id)).where(Post.id.between(low, high), Post.state.in_(TERMINAL))
        with self.reader.connect() as connection:
            return int(connection.scalar(query) or 0)

    def _collect(self, low: int, high: int, result: Lateness) -> None:
        Post, Attempt = self.bench.Post, self.bench.Attempt
        query = (
            select(Post.state, Post.due_at, func.min(Attempt.started_at), func.count(Attempt.id))
            .join(Attempt, and_(Attempt.post_id == Post.id, Attempt.kind == "publish"), isouter=True)
            .where(Post.id.between(low, high))
            .group_by(Post.id)
        )
        with self.reader.connect() as connection:
            for state, due_at, first_start, attempts in connection.execute(query):
                result.published += state == "published"
                result.failed += state == "failed"
                result.duplicates += max(0, attempts - 1)
                if first_start is not None:
                    started = first_start.replace(tzinfo=UTC) if first_start.tzinfo is None else first_start
                    result.late_ms.append((started - due_at).total_seconds() * 1000)

    def memory(self, process: subprocess.Popen[bytes]) -> Memory:
        result = Memory(posts=self.bench.plan.later)
        result.before_mb = idle_rss(process.pid)
        if not result.posts:
            result.after_mb = result.before_mb
            return result
        self.schedule([utcnow() + timedelta(hours=1)] * result.posts)
        # The baseline's worker pulls every ETA message off the queue into memory; wait for that first.
        deadline = time.monotonic() + 60
        while self.bench.redis.llen("publish") and time.monotonic() < deadline:
            time.sleep(0.2)
        result.fetched = not self.bench.redis.llen("publish")
        time.sleep(self.bench.plan.settle)
        result.after_mb = idle_rss(process.pid)
        return result


def utcnow() -> datetime:
    return datetime.now(UTC)


def describe(lateness: Lateness) -> str:
    stats = lateness.stats()
    figures = ", ".join(f"{name} {value:.1f}" for name, value in stats.items() if value is not None)
    extra = ""
    if lateness.published < lateness.posts:
        extra += f", only {lateness.published}/{lateness.posts} published"
    if lateness.duplicates:
        extra += f", {lateness.duplicates} duplicate attempts"
    done = f"all done {lateness.wall_s:.1f} s after scheduling"
    return f"{lateness.posts} posts, lateness ms: {figures} ({done}{extra})"


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for process in processes:
        with suppress(psutil.NoSuchProcess):
            total += process.memory_info().rss
    return total


def idle_rss(pid: int, samples: int = 3, interval: float = 0.3) -> float:
    """The worker's total RSS in MB, the median of a few readings."""
    readings = []
    for index in range(samples):
        if index:
            time.sleep(interval)
        readings.append(tree_rss(pid))
    return round(sorted(readings)[len(readings) // 2] / MB, 1)


@contextmanager
def worker(
    system: str, var: Path, url: str, redis_url: str, queues: str, concurrency: int
) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "SCHEDULER_VAR_DIR": str(var),
        "SCHEDULER_DATABASE_URL": url,
        "SCHEDULER_REDIS_URL": redis_url,
    }
    command = [sys.executable, "-m", "celery", "-A", "scheduler.celery_app", "worker"]
    if system == OURS:
        command += ["--beat", "--schedule", str(var / "celerybeat-schedule")]
    command += ["-Q", queues, "--concurrency", str(concurrency), "--loglevel", "WARNING"]
    command += ["--hostname", f"{node_name(system)}@%h"]
    log_path = var / "worker.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process
    except BaseException:
        say(f"[{system}] worker log ({log_path}), last lines:\n{tail(log_path)}")
        raise
    finally:
        t0 = time.monotonic()
        stop(process)
        say(f"[{system}] worker stopped in {time.monotonic() - t0:.1f} s")


def node_name(system: str) -> str:
    return f"bench-{system}-{os.getpid()}"


def wait_ready(celery_app: Any, node: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    """Wait until the worker answers a ping over the broker."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the worker exited with {process.returncode}:\n{tail(log_path)}")
        replies = celery_app.control.ping(timeout=0.5)
        if any(name.startswith(f"{node}@") for reply in replies for name in reply):
            return
    raise RuntimeError(f"the worker did not answer a ping within 60 s:\n{tail(log_path)}")


def stop(process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """A warm shutdown (SIGTERM); kill the worker and its children if it takes too long."""
    if process.poll() is not None:
        return
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for child in children:
        with suppress(psutil.NoSuchProcess):
            child.kill()


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def ratio(ours: float | None, baseline: float | None) -> float | None:
    if ours is None or baseline is None or baseline == 0:
        return None
    return round(ours / baseline, 3)


def summarize(plan: Plan, results: dict[str, SystemResult], *, quick: bool, wall: float) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "quick": quick,
        "posts": plan.posts,
        "seconds": plan.seconds,
        "burst": plan.burst,
        "later": plan.later,
        "concurrency": plan.concurrency,
        "wall_seconds": round(wall, 1),
    }
    for system, result in results.items():
        prefix = PREFIXES[system]
        for scenario in ("spread", "burst"):
            lateness: Lateness = getattr(result, scenario)
            for name, value in lateness.stats().items():
                summary[f"{prefix}{scenario}_{name}_ms"] = value
            summary[f"{prefix}{scenario}_posts"] = lateness.posts
            summary[f"{prefix}{scenario}_published"] = lateness.published
            summary[f"{prefix}{scenario}_failed"] = lateness.failed
            summary[f"{prefix}{scenario}_duplicates"] = lateness.duplicates
        # How fast the worker works through a burst: it bounds burst lateness, whoever dispatches.
        drain_s = (summary[f"{prefix}burst_max_ms"] or 0) / 1000
        summary[f"{prefix}burst_posts_per_s"] = (
            round(result.burst.published / drain_s, 1) if drain_s else None
        )
        summary[f"{prefix}rss_before_mb"] = result.memory.before_mb
        summary[f"{prefix}rss_after_mb"] = result.memory.after_mb
        summary[f"{prefix}rss_growth_mb"] = result.memory.growth_mb
        summary[f"{prefix}rss_all_fetched"] = result.memory.fetched
        summary[f"{prefix}startup_s"] = round(result.startup_s, 1)
    for scenario in ("spread", "burst"):
        for name in ("p50", "p95", "p99", "max"):
            summary[f"{scenario}_{name}_ratio"] = ratio(
                summary[f"{scenario}_{name}_ms"], summary[f"baseline_{scenario}_{name}_ms"]
            )
    summary["rss_growth_ratio"] = ratio(summary["rss_growth_mb"], summary["baseline_rss_growth_mb"])
    return summary


def fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_report(plan: Plan, results: dict[str, SystemResult], summary: dict[str, Any]) -> None:
    say("\nlateness (publish start - due), ms")
    say(f"{'scenario':<22}{'system':<10}{'published':>11}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}")
    labels = {"spread": f"spread {plan.posts}/{plan.seconds:g}s", "burst": f"burst {plan.burst}"}
    for scenario, label in labels.items():
        for system, result in results.items():
            lateness: Lateness = getattr(result, scenario)
            stats = lateness.stats()
            published = f"{lateness.published}/{lateness.posts}"
            figures = "".join(f"{fmt(stats[name]):>9}" for name in ("p50", "p95", "p99", "max"))
            say(f"{label:<22}{system:<10}{published:>11}{figures}")
    rates = [f"{system} {fmt(summary[f'{prefix}burst_posts_per_s'])}" for system, prefix in PREFIXES.items()]
    say(f"burst drained at (posts/s): {', '.join(rates)}")
    say(f"\nworker RSS (main process and children), MB, {plan.later} posts due in an hour")
    say(f"{'system':<10}{'idle':>9}{'loaded':>9}{'growth':>9}")
    for system, result in results.items():
        memory = result.memory
        say(f"{system:<10}{memory.before_mb:>9.1f}{memory.after_mb:>9.1f}{memory.growth_mb:>9.1f}")
    say(
        f"\nours / baseline: spread p99 {fmt(summary['spread_p99_ratio'], 3)}, "
        f"burst p99 {fmt(summary['burst_p99_ratio'], 3)}, RSS growth {summary['rss_growth_mb']:.1f} MB "
        f"vs {summary['baseline_rss_growth_mb']:.1f} MB; wall time {summary['wall_seconds']:.1f} s"
    )


if __name__ == "__main__":
    sys.exit(main())
