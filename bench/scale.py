"""Scale: one dispatcher tick with 1,000,000 posts in the table, and planning 1,000 articles' campaigns.

PostgreSQL (a fresh database `bench_scale_<pid>`, dropped at the end) and SQLite (a temporary file) get
the same rows from one seeded generator: N posts on 50 accounts and N/200 articles; a tenth of the posts
`scheduled` with due times spread over the next 30 days, the rest `published` over the past two years;
2 % are the second part of a thread, half carry a quote card (rendered; a few still pending); one
account is paused, one held by a rate limit, one article is under embargo. PostgreSQL loads with COPY,
then VACUUM ANALYZE and a checkpoint (the state autovacuum keeps a table in), then autovacuum is turned
off for the two tables so that statistics change only when this run says; SQLite loads with executemany
in one transaction; its ticks are measured before and after db.refresh_statistics (the beat's hourly
ANALYZE).

  tick        scheduler.tasks.tick without Celery: publishing.dispatch_due in one transaction,
              post_cards.claim_card_jobs in the next. `now` moves forward between ticks so that each
              claims the few posts (about 5) that became due; after each tick, off the clock, the
              claimed posts are marked published and the claimed cards rendered, as workers would.
              Wall time, this process's CPU time, and each statement's time are recorded.
  idle        the same tick with nothing due: its fixed cost.
  explain     EXPLAIN ANALYZE (SQLite: EXPLAIN QUERY PLAN) of the claim and of the card claim.
  plan        scheduler.newsroom.campaigns.plan: new articles, the default campaign, onto the
              50 accounts, one transaction per article (as `scheduler add --campaign` does), on the
              database that holds the posts; stopped after --plan-seconds and extrapolated.
  after plan  the first card claim (rolled back) while the statistics are still those from before
              planning: it must take its limit (100), no more; then ticks a beat period (1 s) apart, as
              the beat runs them right after, the cards workers rendering 10 cards between two ticks.

Human-readable figures first; the last line is one JSON object. `--quick` (100,000 posts, 50 articles
planned, 1000 extrapolated) takes about a minute.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import event, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, selectinload

from scheduler import db, publishing
from scheduler.articles import ParsedArticle
from scheduler.articles.quotes import PullQuote, pull_quotes
from scheduler.articles.text import parse_text
from scheduler.config import Settings, get_settings
from scheduler.models import Account, Article, CardState, Post, PostState
from scheduler.newsroom import campaigns
from scheduler.newsroom.accounts import add_account
from scheduler.newsroom.articles import store_article
from scheduler.planning.campaigns import load_campaign
from scheduler.publishing import post_cards

ROOT = Path(__file__).resolve().parent.parent
SHARED_ARTICLES = Path("/work/shared/fixtures/articles")
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
CAMPAIGN = "default"

GOAL_TICK_MEDIAN_MS = 10.0
GOAL_PLAN_1000_S = 30.0
SCHEDULED_DAYS = 30
PUBLISHED_DAYS = 730
POSTS_PER_TICK = 5  # posts that become due between two ticks, on average
WARMUP_TICKS = 20
CARDS_RENDERED_PER_TICK = 10  # after planning: two cards workers, about a second between ticks
THREAD_SHARE = 0.02
PENDING_CARD_SHARE = 0.0005  # of the scheduled posts with a card: not rendered yet
POSTS_PER_ARTICLE = 200  # 4 campaign steps x 50 accounts
# The steps of the default campaign, and the card each carries.
STEPS = (("announce", None), ("quote", "quote"), ("quote", "quote"), ("reshare", None))
NETWORKS = ("mastodon", "bluesky", "x")
ZONES = ("UTC", "Europe/London", "America/New_York", "Australia/Sydney", "Asia/Tokyo")
# 1,000 articles x 4 steps is 4,000 posts on every account (4,400 with the sample planned after), and
# the planner looks 90 days ahead: the default 3 slots a day hold 270. Each account gets a slot every 15
# minutes from 06:00 to 23:45 local (72 a day) and a budget that lets the 2,000 posts already scheduled
# on it this month stand.
SLOTS = "mon-sun " + ",".join(
    f"{hour:02d}:{minute:02d}" for hour in range(6, 24) for minute in (0, 15, 30, 45)
)
BUDGET = {"min_gap_minutes": 5, "max_per_day": 150}
PAUSED, HELD = 0, 1  # account indexes
EMBARGOED = 1  # article id
SEED = 1_000_000

ONE_SHOT_TIMEOUT_S = 300

ARTICLE_COLUMNS = (
    "id", "title", "author", "paragraphs", "links", "canonical_url", "content_hash", "summary",
    "site_name", "tags", "embargo_until", "created_at",
)  # fmt: skip
POST_COLUMNS = (
    "id", "key", "article_id", "account_id", "step", "thread_parent_id", "thread_index", "campaign",
    "campaign_step", "text", "media", "card_template", "card_size", "card_state", "card_requested_at",
    "state", "due_at", "scheduled_for", "queued_at", "attempt_count", "external_id", "external_url",
    "published_at", "created_at", "updated_at",
)  # fmt: skip
STATE, DUE_AT = POST_COLUMNS.index("state"), POST_COLUMNS.index("due_at")
DATETIME_COLUMNS = {
    "embargo_until", "created_at", "card_requested_at", "due_at", "scheduled_for", "queued_at",
    "published_at", "updated_at",
}  # fmt: skip


def say(message: str = "") -> None:
    print(message, flush=True)


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    low = math.floor(k)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (k - low), 2)


def median(values: Iterable[float]) -> float | None:
    values = list(values)
    return round(statistics.median(values), 2) if values else None


def mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return round(statistics.fmean(values), 2) if values else None


def ratio(value: float | None, reference: float | None) -> float | None:
    if value is None or not reference:
        return None
    return round(value / reference, 3)


def fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


# --- the rows ----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Shape:
    posts: int
    scheduled: int
    accounts: int
    ticks: int
    plan_articles: int  # on PostgreSQL, at once (as an import)
    plan_sample: int  # one by one (as `add`), and on SQLite
    plan_seconds: float  # stop planning after this long and extrapolate

    @property
    def articles(self) -> int:
        return max(10, self.posts // POSTS_PER_ARTICLE)

    @property
    def tick_step(self) -> timedelta:
        """How far `now` moves between ticks so that about POSTS_PER_TICK posts become due."""
        per_second = self.scheduled / (SCHEDULED_DAYS * 86400)
        return timedelta(seconds=POSTS_PER_TICK / per_second)


class Dataset:
    """The same rows for both databases, from one seed; times relative to `t0`, the load time."""

    def __init__(self, shape: Shape, t0: datetime) -> None:
        self.shape, self.t0 = shape, t0

    def add_accounts(self, url: str) -> None:
        with db.session_scope(url) as session:
            for index in range(self.shape.accounts):
                account = add_account(
                    session,
                    f"scale-{index:02d}",
                    NETWORKS[index % len(NETWORKS)],
                    ZONES[index % len(ZONES)],
                    {"slots": SLOTS, "budget": BUDGET},
                )
                if index == PAUSED:
                    account.paused_at = self.t0 - timedelta(hours=1)
                if index == HELD:
                    account.held_until = self.t0 + timedelta(days=1)
                    account.hold_reason = "rate limited by the network"

    def article_rows(self) -> Iterator[tuple[Any, ...]]:
        rng = random.Random(SEED)
        for article_id in range(1, self.shape.articles + 1):
            paragraphs = [
                f"Paragraph {n} of story {article_id}, as long as a short one is." for n in range(6)
            ]
            yield (
                article_id,
                f"Council story {article_id}: budget vote moves to the spring session",
                "Staff reporter",
                json.dumps(paragraphs),
                "[]",
                f"https://news.example/story/{article_id}",
                f"{rng.getrandbits(256):064x}",
                paragraphs[0],
                "Example News",
                '["local", "politics"]',
                self.t0 + timedelta(days=2) if article_id == EMBARGOED else None,
                self.t0 - timedelta(days=PUBLISHED_DAYS),
            )

    def post_rows(self) -> Iterator[tuple[Any, ...]]:
        """Published posts first (the older ids), then the scheduled ones; in POST_COLUMNS order."""
        shape, t0 = self.shape, self.t0
        rng = random.Random(SEED + 1)
        published = shape.posts - shape.scheduled
        previous: tuple[Any, ...] | None = None
        for index in range(shape.posts):
            post_id = index + 1
            scheduled = index >= published
            state = "scheduled" if scheduled else "published"
            # The second part of a thread replies to the post before it: same account, article, time.
            reply = previous is not None and previous[STATE] == state and rng.random() < THREAD_SHARE
            if reply and previous is not None:
                parent_id, article_id, account_id = previous[0], previous[2], previous[3]
                step_index, due, card = previous[8], previous[DUE_AT], None
            else:
                parent_id = None
                article_id = rng.randrange(1, shape.articles + 1)
                account_id = rng.randrange(shape.accounts) + 1
                step_index = rng.randrange(len(STEPS))
                card = STEPS[step_index][1]
                if scheduled:
                    due = t0 + timedelta(seconds=rng.uniform(0, SCHEDULED_DAYS * 86400))
                else:
                    due = t0 - timedelta(seconds=rng.uniform(60, PUBLISHED_DAYS * 86400))
            card_state = card_requested = None
            media = "[]"
            if card is not None:
                card_state = "ready"
                if scheduled and rng.random() < PENDING_CARD_SHARE:
                    card_state, card_requested = "pending", t0 - timedelta(seconds=10)
                else:
                    media = json.dumps(
                        [
                            {
                                "path": f"/var/lib/scheduler/media/cards/{rng.getrandbits(64):016x}.png",
                                "alt_text": f"Quote card: the mayor on council story {article_id}",
                                "width": 1080,
                                "height": 1080,
                                "template": "quote",
                                "key": f"{rng.getrandbits(64):016x}",
                            }
                        ]
                    )
            external_id = None if scheduled else str(10**17 + post_id)
            created = (t0 if scheduled else due) - timedelta(days=3)
            row = (
                post_id,
                f"{rng.getrandbits(128):032x}",
                article_id,
                account_id,
                STEPS[step_index][0],
                parent_id,
                1 if reply else 0,
                CAMPAIGN,
                step_index,
                f"Council story {article_id}: budget vote moves to the spring session. “We will not cut "
                f"the libraries,” the mayor said. https://news.example/story/{article_id}"
                + (" (2/2)" if reply else ""),
                media,
                card,
                "square" if card else None,
                card_state,
                card_requested,
                state,
                due,
                due,
                None if scheduled else due - timedelta(seconds=8),
                0 if scheduled else 1,
                external_id,
                None if scheduled else f"https://social.example/@scale/{external_id}",
                None if scheduled else due + timedelta(milliseconds=400),
                created,
                created if scheduled else due,
            )
            previous = row
            yield row


# --- loading -----------------------------------------------------------------------------------------


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def load_postgres(url: str, dataset: Dataset) -> None:
    """COPY the articles and posts, move the id sequences past them; VACUUM ANALYZE and CHECKPOINT;
    autovacuum off for the two tables."""
    with psycopg.connect(libpq(url)) as connection:
        connection.execute("SET synchronous_commit = off")
        with connection.cursor() as cursor:
            for table, columns, rows in (
                ("articles", ARTICLE_COLUMNS, dataset.article_rows()),
                ("posts", POST_COLUMNS, dataset.post_rows()),
            ):
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
        connection.commit()
        # A table this size has long been vacuumed and analyzed by autovacuum; and the load's dirty
        # pages are written out now rather than during the ticks.
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE")
        connection.execute("CHECKPOINT")
        # From here the statistics change only when this run says so: the moment after a burst of
        # planning, before autovacuum analyzes the table again, is one to measure, and reproducibly.
        for table in ("posts", "articles"):
            connection.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = off)")


def sqlite_rows(rows: Iterable[tuple[Any, ...]], columns: tuple[str, ...]) -> Iterator[list[Any]]:
    """Times as SQLAlchemy stores them in SQLite: naive UTC text, always with microseconds."""
    times = [index for index, name in enumerate(columns) if name in DATETIME_COLUMNS]
    for row in rows:
        values = list(row)
        for index in times:
            if values[index] is not None:
                values[index] = (
                    values[index].astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
                )
        yield values


def load_sqlite(url: str, dataset: Dataset) -> None:
    """executemany in one transaction (a big page cache: the indexes are updated in memory). No ANALYZE:
    the application never runs it, so the first ticks see the database as it leaves it."""
    connection = sqlite3.connect(make_url(url).database or "", isolation_level=None)
    try:
        connection.execute("PRAGMA cache_size = -400000")
        connection.execute("PRAGMA synchronous = OFF")
        connection.execute("BEGIN")
        for table, columns, rows in (
            ("articles", ARTICLE_COLUMNS, dataset.article_rows()),
            ("posts", POST_COLUMNS, dataset.post_rows()),
        ):
            marks = ", ".join("?" * len(columns))
            connection.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", sqlite_rows(rows, columns)
            )
        connection.execute("COMMIT")
    finally:
        connection.close()


def check_loaded(url: str, dataset: Dataset) -> int:
    """The posts in the table, after checking that a scheduled post reads back as it was made."""
    first_scheduled = dataset.shape.posts - dataset.shape.scheduled + 1
    expected = next(row for row in dataset.post_rows() if row[0] == first_scheduled)
    with db.session_scope(url) as session:
        count = session.scalar(select(func.count(Post.id))) or 0
        post = session.get(Post, first_scheduled)
        if post is None or post.due_at != expected[DUE_AT] or post.state != PostState.SCHEDULED:
            raise RuntimeError(f"post {first_scheduled} did not read back as loaded")
    return count


# --- measuring ---------------------------------------------------------------------------------------


class Statements:
    """Wall time of every statement sent through the engine, by kind (its first words)."""

    KINDS = (  # (how the statement begins, what it contains, its name)
        ("WITH picked AS MATERIALIZED", "UPDATE posts SET state=", "claim"),
        ("WITH picked AS MATERIALIZED", "UPDATE posts SET card_requested_at=", "card claim"),
        ("UPDATE posts SET queued_at=", "", "requeue"),
        ("SELECT count(*)", "posts.card_requested_at >=", "outstanding renders"),
        ("SELECT posts.id, posts.account_id, posts.scheduled_for, posts.quote_id", "", "article's posts"),
        ("SELECT", "AS anon_1, posts.scheduled_for FROM posts", "slots taken"),
        ("SELECT posts.account_id, posts.scheduled_for", "", "slots taken"),
        ("INSERT INTO posts", "", "insert posts"),
    )

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self.recording = True  # off while the workers' statements run between ticks
        self._started = 0.0

    @classmethod
    def kind(cls, statement: str) -> str:
        flat = " ".join(statement.split())
        for prefix, part, name in cls.KINDS:
            if flat.startswith(prefix) and part in flat:
                return name
        return " ".join(flat.split()[:4])

    def _before(self, *_: Any) -> None:
        self._started = time.perf_counter()

    def _after(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if self.recording:
            self.times[self.kind(statement)].append((time.perf_counter() - self._started) * 1000)

    def _timed(self, kind: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return call(*args)
            finally:
                if self.recording:
                    self.times[kind].append((time.perf_counter() - t0) * 1000)

        return timed

    @contextmanager
    def watching(self, url: str) -> Iterator[Statements]:
        """Statements through the engine's events; commits and pool pings by wrapping its dialect's."""
        engine = db.get_engine(url)
        dialect = engine.dialect
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        dialect.do_commit = self._timed("COMMIT", dialect.do_commit)  # type: ignore[method-assign]
        dialect.do_ping = self._timed("ping", dialect.do_ping)  # type: ignore[method-assign]
        try:
            yield self
        finally:
            event.remove(engine, "before_cursor_execute", self._before)
            event.remove(engine, "after_cursor_execute", self._after)
            del dialect.do_commit, dialect.do_ping

    def median_ms(self, kind: str) -> float | None:
        return median(self.times.get(kind, []))

    def total_ms(self) -> float:
        return sum(sum(values) for values in self.times.values())


@dataclasses.dataclass
class Ticks:
    wall_ms: list[float] = dataclasses.field(default_factory=list)
    cpu_ms: list[float] = dataclasses.field(default_factory=list)  # this process: Python and the driver
    database_per_tick_ms: list[float] = dataclasses.field(default_factory=list)
    claimed: list[int] = dataclasses.field(default_factory=list)
    cards: list[int] = dataclasses.field(default_factory=list)
    statements: Statements = dataclasses.field(default_factory=Statements)

    def figures(self, prefix: str) -> dict[str, Any]:
        return {
            f"{prefix}median_ms": median(self.wall_ms),
            f"{prefix}p95_ms": percentile(self.wall_ms, 0.95),
            f"{prefix}max_ms": round(max(self.wall_ms), 2) if self.wall_ms else None,
            f"{prefix}cpu_median_ms": median(self.cpu_ms),
            f"{prefix}claim_statement_median_ms": self.statements.median_ms("claim"),
            f"{prefix}card_claim_statement_median_ms": self.statements.median_ms("card claim"),
            f"{prefix}commit_median_ms": self.statements.median_ms("COMMIT"),
            f"{prefix}database_median_ms": self.database_ms(),
            f"{prefix}claimed_mean": mean(self.claimed),
            f"{prefix}card_jobs_mean": mean(self.cards),
            f"{prefix}card_jobs_max": max(self.cards, default=None),
        }

    def database_ms(self) -> float | None:
        """The median tick's time waiting for the database: statements, commits, pings."""
        return median(self.database_per_tick_ms)

    def describe(self) -> str:
        claim = self.statements.median_ms("claim")
        cards = self.statements.median_ms("card claim")
        commit = self.statements.median_ms("COMMIT")
        return (
            f"median {fmt(median(self.wall_ms))} ms, p95 {fmt(percentile(self.wall_ms, 0.95))} ms, "
            f"max {fmt(max(self.wall_ms, default=None))} ms over {len(self.wall_ms)} ticks "
            f"(client CPU median {fmt(median(self.cpu_ms))} ms; waiting for the database "
            f"{fmt(self.database_ms())} ms a tick, of which claim {fmt(claim)}, card claim {fmt(cards)}, "
            f"a commit {fmt(commit)}); {mean(self.claimed) or 0:.1f} posts claimed a tick "
            f"(max {max(self.claimed, default=0)}), {mean(self.cards) or 0:.1f} card jobs "
            f"(max {max(self.cards, default=0)})"
        )


CardClaim = Callable[..., list[int]]


def tick(
    url: str, now: datetime, settings: Settings, claim_cards: CardClaim = post_cards.claim_card_jobs
) -> tuple[list[int], list[int]]:
    """scheduler.tasks.tick without Celery: the dispatch transaction, then the card transaction."""
    with db.session_scope(url) as session:
        dispatches = publishing.dispatch_due(session, now=now, settings=settings)
    with db.session_scope(url) as session:
        cards = claim_cards(session, now=now, retry_after=timedelta(seconds=settings.card_retry_seconds))
    return [dispatch.post_id for dispatch in dispatches], cards


def workers_after(url: str, claimed: list[int], cards: list[int], now: datetime) -> None:
    """What the workers do between ticks, off the clock: the claimed posts go out, the cards are made."""
    with db.session_scope(url) as session:
        if claimed:
            session.execute(
                update(Post)
                .where(Post.id.in_(claimed))
                .values(state=PostState.PUBLISHED, published_at=now, attempt_count=1, updated_at=now)
                .execution_options(synchronize_session=False)
            )
        if cards:
            session.execute(
                update(Post)
                .where(Post.id.in_(cards))
                .values(card_state=CardState.READY, updated_at=now)
                .execution_options(synchronize_session=False)
            )


def run_ticks(
    url: str,
    start: datetime,
    step: timedelta,
    count: int,
    settings: Settings,
    *,
    warm_up_at: datetime,
    rendered_per_tick: int | None = None,
    claim_cards: CardClaim = post_cards.claim_card_jobs,
) -> Ticks:
    """`count` ticks, `now` `step` further each time, after a warm-up (a beat that has run a while) at
    `warm_up_at`, when nothing is due."""
    for _ in range(WARMUP_TICKS):
        tick(url, warm_up_at, settings, claim_cards)
    ticks = Ticks()
    with ticks.statements.watching(url):
        for index in range(count):
            now = start + step * index
            waited = ticks.statements.total_ms()
            wall, cpu = time.perf_counter(), time.process_time()
            claimed, cards = tick(url, now, settings, claim_cards)
            ticks.wall_ms.append((time.perf_counter() - wall) * 1000)
            ticks.cpu_ms.append((time.process_time() - cpu) * 1000)
            ticks.database_per_tick_ms.append(ticks.statements.total_ms() - waited)
            ticks.claimed.append(len(claimed))
            ticks.cards.append(len(cards))
            ticks.statements.recording = False
            workers_after(url, claimed, cards[:rendered_per_tick], now)
            ticks.statements.recording = True
    return ticks


def card_claim_once(
    url: str, claim: CardClaim, now: datetime, settings: Settings
) -> tuple[int | None, float]:
    """One card claim on the database as it stands, rolled back: (cards claimed, ms); None if it timed out."""
    engine = db.get_engine(url)
    with engine.connect() as connection, Session(bind=connection) as session:
        if engine.dialect.name == "postgresql":
            session.execute(text(f"SET LOCAL statement_timeout = '{ONE_SHOT_TIMEOUT_S}s'"))
        t0 = time.perf_counter()
        try:
            claimed: int | None = len(
                claim(session, now=now, retry_after=timedelta(seconds=settings.card_retry_seconds))
            )
        except Exception as error:  # the timeout
            say(f"  the card claim did not finish: {type(error).__name__}: {str(error).splitlines()[0]}")
            claimed = None
        elapsed = (time.perf_counter() - t0) * 1000
        session.rollback()
    return claimed, round(elapsed, 1)


def tick_statements(url: str, now: datetime, settings: Settings) -> list[tuple[str, str, Any]]:
    """(kind, statement, parameters) of the UPDATEs one tick sends; the tick itself is rolled back."""
    engine = db.get_engine(url)
    seen: list[tuple[str, str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("UPDATE", "WITH")):
            seen.append((Statements.kind(statement), statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        with engine.connect() as connection, Session(bind=connection) as session:
            publishing.dispatch_due(session, now=now, settings=settings)
            post_cards.claim_card_jobs(
                session, now=now, retry_after=timedelta(seconds=settings.card_retry_seconds)
            )
            session.rollback()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def explain(url: str, statement: str, parameters: Any) -> list[str]:
    """The statement's plan as it runs (PostgreSQL: EXPLAIN ANALYZE; SQLite: its query plan); rolled back."""
    engine = db.get_engine(url)
    postgres = engine.dialect.name == "postgresql"
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(prefix + statement, parameters).all()
        connection.rollback()
    if postgres:
        return [row[0] for row in rows]
    return [f"{'  ' * (row[1] > 0)}{row[-1]}" for row in rows]


def execution_ms(plan: list[str]) -> float | None:
    for line in plan:
        if line.strip().startswith("Execution Time:"):
            return float(line.split(":")[1].split()[0])
    return None


def explain_tick(
    label: str, url: str, now: datetime, settings: Settings, kinds: tuple[str, ...]
) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for kind, statement, parameters in tick_statements(url, now, settings):
        if kind not in kinds:
            continue
        plan = explain(url, statement, parameters)
        say(f"\n[{label}] {kind} statement:\n  {' '.join(statement.split())}")
        say(f"[{label}] its plan:\n" + "\n".join(f"  {line}" for line in plan))
        figures[kind] = execution_ms(plan)
    return figures


def reset_card_requests(url: str) -> None:
    """Every pending card as planning left it, never asked for, so that each run of ticks after planning
    starts from the same backlog; on PostgreSQL the table is vacuumed after (as autovacuum would)."""
    with db.session_scope(url) as session:
        session.execute(
            update(Post)
            .where(Post.card_state == CardState.PENDING)
            .values(card_requested_at=None)
            .execution_options(synchronize_session=False)
        )
    if db.get_engine(url).dialect.name == "postgresql":
        with psycopg.connect(libpq(url), autocommit=True) as connection:
            connection.execute("VACUUM posts")


def analyze(url: str) -> float:
    """Statistics as they stand in service: PostgreSQL's autovacuum would have analyzed the tables by now;
    on SQLite the beat's hourly db.refresh_statistics. The seconds it took."""
    t0 = time.perf_counter()
    with db.session_scope(url) as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("ANALYZE posts"))
            session.execute(text("ANALYZE articles"))
        else:
            db.refresh_statistics(session)
    return time.perf_counter() - t0


# --- planning ----------------------------------------------------------------------------------------


def article_texts() -> list[str]:
    files = sorted(SHARED_ARTICLES.glob("*.txt")) if SHARED_ARTICLES.is_dir() else []
    files += sorted((ROOT / "tests" / "data" / "quotes").glob("*.txt"))
    files.append(ROOT / "scheduler" / "demo" / "data" / "kardashian-white-house.txt")
    texts: list[str] = []
    for path in files:
        body = path.read_text(encoding="utf-8")
        if body not in texts:
            texts.append(body)
    return texts


class NewArticles:
    """The team's article texts in turn, each time with its own title and URL; quotes found once."""

    def __init__(self) -> None:
        self.bases: list[tuple[ParsedArticle, list[PullQuote]]] = []
        for body in article_texts():
            parsed = parse_text(body)
            self.bases.append((parsed, pull_quotes(parsed.paragraphs, title=parsed.title)))
        self.made = 0

    def take(self, count: int) -> list[tuple[ParsedArticle, list[PullQuote]]]:
        articles = []
        for _ in range(count):
            parsed, quotes = self.bases[self.made % len(self.bases)]
            self.made += 1
            edition = (self.made - 1) // len(self.bases) + 1
            changed = dataclasses.replace(
                parsed,
                title=f"{parsed.title} (update {edition})",
                canonical_url=f"https://news.example/scale/{self.made}",
            )
            articles.append((changed, quotes))
        return articles


def store_articles(url: str, articles: list[tuple[ParsedArticle, list[PullQuote]]]) -> list[int]:
    ids = []
    for start in range(0, len(articles), 100):
        with db.session_scope(url) as session:
            for parsed, quotes in articles[start : start + 100]:
                ids.append(store_article(session, parsed, source="bench", quotes=quotes).id)
    return ids


@dataclasses.dataclass
class Planning:
    at_once: bool = False  # all articles in one transaction (plan_many), not one each (plan)
    articles: int = 0  # planned
    accounts: int = 0
    store_s: float = 0.0
    plan_s: float = 0.0
    per_article_ms: list[float] = dataclasses.field(default_factory=list)
    returned: int = 0
    created: int = 0
    error: str | None = None
    statements: Statements = dataclasses.field(default_factory=Statements)

    @property
    def per_1000_s(self) -> float | None:
        """Linear: a lower bound when an article takes longer the more are planned before it."""
        return round(self.plan_s * 1000 / self.articles, 2) if self.articles else None

    def tenth_median_ms(self, last: bool) -> float | None:
        """The median time of the first (or last) tenth of the articles: does planning slow down?"""
        size = max(1, len(self.per_article_ms) // 10)
        return median(self.per_article_ms[-size:] if last else self.per_article_ms[:size])

    def figures(self, prefix: str) -> dict[str, Any]:
        sql_ms = self.statements.total_ms()
        return {
            f"{prefix}plan_articles": self.articles,
            f"{prefix}plan_accounts": self.accounts,
            f"{prefix}plan_s": round(self.plan_s, 2),
            f"{prefix}plan_1000_articles_s": self.per_1000_s,
            f"{prefix}plan_1000_articles_extrapolated": self.articles != 1000,
            f"{prefix}plan_article_median_ms": median(self.per_article_ms),
            f"{prefix}plan_article_p95_ms": percentile(self.per_article_ms, 0.95),
            f"{prefix}plan_article_first_tenth_median_ms": self.tenth_median_ms(last=False),
            f"{prefix}plan_article_last_tenth_median_ms": self.tenth_median_ms(last=True),
            f"{prefix}plan_posts_returned": self.returned,
            f"{prefix}plan_posts_created": self.created,
            f"{prefix}plan_sql_share": round(sql_ms / 1000 / self.plan_s, 3) if self.plan_s else None,
            f"{prefix}plan_article_posts_query_median_ms": self.statements.median_ms("article's posts"),
            f"{prefix}store_articles_s": round(self.store_s, 2),
            f"{prefix}plan_error": self.error,
        }

    def describe(self) -> str:
        if not self.articles:
            return f"nothing planned ({self.error})"
        if self.at_once:
            top = sorted(self.statements.times.items(), key=lambda item: -sum(item[1]))[:4]
            sql = ", ".join(f"{kind} {sum(values) / 1000:.1f} s ({len(values)})" for kind, values in top)
            return (
                f"{self.articles} articles onto {self.accounts} accounts in one transaction in "
                f"{self.plan_s:.1f} s ({self.per_1000_s:.1f} s for 1000"
                f"{', extrapolated' if self.articles != 1000 else ''}); {self.created:,} posts made; "
                f"SQL a share of {self.statements.total_ms() / 1000 / self.plan_s:.0%} (on PostgreSQL "
                f"without the inserts, which run in a thread of their own on the raw connection): {sql}"
            )
        top = sorted(self.statements.times.items(), key=lambda item: -sum(item[1]))[:4]
        sql = ", ".join(
            f"{kind} {sum(values) / self.articles:.0f} ms ({len(values)})" for kind, values in top
        )
        return (
            f"{self.articles} articles onto {self.accounts} accounts in {self.plan_s:.1f} s "
            f"({self.per_1000_s:.1f} s for 1000"
            f"{', extrapolated' if self.articles != 1000 else ''}); per article median "
            f"{fmt(median(self.per_article_ms), 0)} ms, "
            f"p95 {fmt(percentile(self.per_article_ms, 0.95), 0)} ms, "
            f"first tenth {fmt(self.tenth_median_ms(last=False), 0)} ms, "
            f"last tenth {fmt(self.tenth_median_ms(last=True), 0)} ms; "
            f"{self.created:,} posts made ({self.returned:,} returned); "
            f"SQL a share of {self.statements.total_ms() / 1000 / self.plan_s:.0%}, per article: {sql}"
        )


def plan_articles(
    url: str, articles: list[tuple[ParsedArticle, list[PullQuote]]], now: datetime, seconds: float
) -> Planning:
    """Store the articles, then plan the default campaign of each onto every account, one transaction
    per article as `scheduler add --campaign` and a feed do (campaigns.plan); stop after `seconds`."""
    result = Planning()
    t0 = time.perf_counter()
    article_ids = store_articles(url, articles)
    result.store_s = time.perf_counter() - t0
    templates_dir = get_settings().templates_dir
    with db.session_scope(url) as session:
        before = session.scalar(select(func.count(Post.id))) or 0
    t0 = time.perf_counter()
    with result.statements.watching(url):
        for article_id in article_ids:
            if time.perf_counter() - t0 > seconds:
                say(f"planning stopped after {seconds:g} s (--plan-seconds); the rest is extrapolated")
                break
            started = time.perf_counter()
            try:
                with db.session_scope(url) as session:
                    article = session.get(Article, article_id)
                    accounts = list(session.scalars(select(Account).order_by(Account.id)))
                    campaign = load_campaign(templates_dir, CAMPAIGN)
                    planned = campaigns.plan(
                        session, article, accounts, campaign, templates_dir=templates_dir, now=now
                    )
            except Exception as error:
                result.error = f"{type(error).__name__}: {error}"
                say(f"planning stopped at article {article_id}: {result.error}")
                break
            result.accounts = len(accounts)
            result.returned += len(planned.posts)
            result.per_article_ms.append((time.perf_counter() - started) * 1000)
    result.plan_s = sum(result.per_article_ms) / 1000
    result.articles = len(result.per_article_ms)
    with db.session_scope(url) as session:
        result.created = (session.scalar(select(func.count(Post.id))) or 0) - before
    return result


def plan_articles_at_once(
    url: str, articles: list[tuple[ParsedArticle, list[PullQuote]]], now: datetime
) -> Planning:
    """Store the articles, then plan the default campaign of all of them onto every account in one
    transaction, as `scheduler import FILE --campaign default` does (campaigns.plan_many)."""
    result = Planning(at_once=True)
    t0 = time.perf_counter()
    article_ids = store_articles(url, articles)
    result.store_s = time.perf_counter() - t0
    templates_dir = get_settings().templates_dir
    with db.session_scope(url) as session:
        before = session.scalar(select(func.count(Post.id))) or 0
    with result.statements.watching(url):
        started = time.perf_counter()
        try:
            with db.session_scope(url) as session:
                accounts = list(session.scalars(select(Account).order_by(Account.id)))
                # The import has its articles and their quotes in the session already: loaded at once.
                loaded = session.scalars(
                    select(Article).where(Article.id.in_(article_ids)).options(selectinload(Article.quotes))
                ).all()
                by_id = {article.id: article for article in loaded}
                plans = campaigns.plan_many(
                    session,
                    [(by_id[article_id], accounts) for article_id in article_ids],
                    load_campaign(templates_dir, CAMPAIGN),
                    templates_dir=templates_dir,
                    now=now,
                )
            result.articles, result.accounts = len(article_ids), len(accounts)
            result.returned = sum(len(plan.posts) for plan in plans)
        except Exception as error:
            result.error = f"{type(error).__name__}: {error}"
            say(f"planning at once failed: {result.error}")
        result.plan_s = time.perf_counter() - started
    with db.session_scope(url) as session:
        result.created = (session.scalar(select(func.count(Post.id))) or 0) - before
    return result


# --- the run -----------------------------------------------------------------------------------------


class Postgres:
    """A fresh database on the server of `server_url`, dropped at the end unless kept."""

    def __init__(self, server_url: str, name: str) -> None:
        base = make_url(server_url)
        self.admin = libpq(base.set(database="postgres").render_as_string(hide_password=False))
        self.name = name
        self.url = base.set(database=name).render_as_string(hide_password=False)

    def create(self) -> None:
        with psycopg.connect(self.admin, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        db.get_engine(self.url).dispose()
        with psycopg.connect(self.admin, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class Bench:
    """Both databases in turn. Each measurement gets its own window of `now`, one after the other, so
    every tick finds posts that became due since the one before; planning happens at a window's start."""

    def __init__(self, args: argparse.Namespace, shape: Shape) -> None:
        self.args, self.shape = args, shape
        self.settings = get_settings()
        self.t0 = datetime.now(UTC).replace(microsecond=0)
        self.dataset = Dataset(shape, self.t0)
        self.articles = NewArticles()
        self.summary: dict[str, Any] = {}

    def window(self, number: int) -> datetime:
        """The start of the n-th window of ticks `tick_step` apart."""
        return self.t0 + self.shape.tick_step * (self.shape.ticks * number)

    def beat(self, number: int, planned_at: int = 2) -> datetime:
        """After planning (at window `planned_at`), ticks a beat period apart, as the beat runs them: the
        card claim then meets what it would in real time (cards asked for under card_retry_seconds ago)."""
        period = timedelta(seconds=self.settings.tick_seconds)
        return self.window(planned_at) + period * (self.shape.ticks * number)

    def load(self, label: str, url: str, loader: Callable[[str, Dataset], None]) -> tuple[int, float]:
        t0 = time.perf_counter()
        db.upgrade_schema(url)
        self.dataset.add_accounts(url)
        loader(url, self.dataset)
        seconds = time.perf_counter() - t0
        count = check_loaded(url, self.dataset)
        say(
            f"[{label}] {count:,} posts ({self.shape.scheduled:,} scheduled) and {self.shape.articles:,} "
            f"articles loaded in {seconds:.1f} s"
        )
        return count, round(seconds, 1)

    def ticks(
        self, label: str, url: str, what: str, start: datetime, *, after_plan: bool = False, **options: Any
    ) -> Ticks:
        step = timedelta(seconds=self.settings.tick_seconds) if after_plan else self.shape.tick_step
        if after_plan:
            options["rendered_per_tick"] = CARDS_RENDERED_PER_TICK
            reset_card_requests(url)
        ticks = run_ticks(
            url,
            start,
            step,
            self.shape.ticks,
            self.settings,
            warm_up_at=self.t0 - timedelta(hours=1),
            **options,
        )
        say(f"[{label}] {what}: {ticks.describe()}")
        return ticks

    def idle(self, label: str, url: str) -> Ticks:
        at = self.t0 - timedelta(hours=1)
        idle = run_ticks(url, at, timedelta(0), self.shape.ticks, self.settings, warm_up_at=at)
        say(f"[{label}] idle tick (nothing due): {idle.describe()}")
        return idle

    def plan(self, label: str, url: str, count: int, now: datetime, *, at_once: bool) -> Planning:
        articles = self.articles.take(count)
        if at_once:
            planning = plan_articles_at_once(url, articles, now)
            say(f"[{label}] plan at once (scheduler import --campaign): {planning.describe()}")
        else:
            planning = plan_articles(url, articles, now, self.shape.plan_seconds)
            say(f"[{label}] plan one by one (scheduler add --campaign, feeds): {planning.describe()}")
        return planning

    def postgres(self) -> None:
        shape, step = self.shape, self.shape.tick_step
        server = Postgres(self.args.postgres_url, f"bench_scale_{os.getpid()}")
        server.create()
        label, url = "postgresql", server.url
        try:
            count, load_s = self.load(label, url, load_postgres)
            what = f"tick, `now` {step.total_seconds():.0f} s further each time"
            ticks = self.ticks(label, url, what, self.window(0))
            idle = self.idle(label, url)
            plans = explain_tick(label, url, self.window(1), self.settings, ("claim", "card claim"))
            self.summary.update(
                posts_in_table=count,
                scheduled_posts=shape.scheduled,
                articles_in_table=shape.articles,
                accounts=shape.accounts,
                load_postgres_s=load_s,
                ticks=shape.ticks,
                tick_step_s=round(step.total_seconds(), 1),
                **ticks.figures("tick_"),
                tick_idle_median_ms=median(idle.wall_ms),
                tick_idle_p95_ms=percentile(idle.wall_ms, 0.95),
                tick_idle_cpu_median_ms=median(idle.cpu_ms),
                claim_explain_ms=plans.get("claim"),
                card_claim_explain_ms=plans.get("card claim"),
            )

            say()
            planning = self.plan(label, url, shape.plan_articles, self.window(2), at_once=True)
            self.summary.update(planning.figures(""))
            one_by_one = self.plan(label, url, shape.plan_sample, self.window(2), at_once=False)
            self.summary.update(one_by_one.figures("one_by_one_"))
            self.summary["posts_in_table_after_plan"] = count + planning.created + one_by_one.created
            with db.session_scope(url) as session:
                pending = session.scalar(
                    select(func.count(Post.id)).where(Post.card_state == CardState.PENDING)
                )
            self.summary["pending_cards_after_plan"] = pending

            # The first card claim after planning, while the statistics still say what they said before
            # (autovacuum analyzes a table once a tenth of it has changed): it must take its limit, no more.
            now = self.beat(0)
            claimed, ms = card_claim_once(url, post_cards.claim_card_jobs, now, self.settings)
            say(
                f"[{label}] {pending:,} cards pending; one card claim, rolled back: {claimed} claimed "
                f"(limit 100) in {ms:.1f} ms"
            )
            self.summary["first_card_claim_after_plan_cards"] = claimed
            self.summary["first_card_claim_after_plan_ms"] = ms

            say(f"[{label}] ANALYZE posts, as autovacuum would by now ({analyze(url):.1f} s)")
            after = self.ticks(label, url, "tick after planning, a second apart", now, after_plan=True)
            plans = explain_tick(label, url, self.beat(1), self.settings, ("card claim",))
            self.summary.update(after.figures("tick_after_plan_"))
            self.summary["card_claim_explain_after_plan_ms"] = plans.get("card claim")
        finally:
            if self.args.keep:
                say(f"kept the PostgreSQL database {url}")
            else:
                server.drop()

    def sqlite(self) -> None:
        folder = Path(tempfile.mkdtemp(prefix="bench-scale-"))
        label, url = "sqlite", f"sqlite:///{folder / 'scale.db'}"
        try:
            count, load_s = self.load(label, url, load_sqlite)
            fresh = self.ticks(
                label, url, "tick, before the first statistics (a bulk load within the hour)", self.window(0)
            )
            say(f"[{label}] db.refresh_statistics, as the beat runs it hourly ({analyze(url):.1f} s)")
            ticks = self.ticks(label, url, "tick", self.window(1))
            idle = self.idle(label, url)
            explain_tick(label, url, self.window(2), self.settings, ("claim", "card claim"))
            self.summary.update(
                sqlite_posts_in_table=count,
                load_sqlite_s=load_s,
                **ticks.figures("sqlite_tick_"),
                sqlite_tick_idle_median_ms=median(idle.wall_ms),
                sqlite_tick_before_statistics_median_ms=median(fresh.wall_ms),
                sqlite_tick_before_statistics_p95_ms=percentile(fresh.wall_ms, 0.95),
            )
            say()
            planning = self.plan(label, url, self.shape.plan_sample, self.window(3), at_once=True)
            self.summary.update(planning.figures("sqlite_"))
            one_by_one = self.plan(label, url, self.shape.plan_sample, self.window(3), at_once=False)
            self.summary.update(one_by_one.figures("sqlite_one_by_one_"))
            after = self.ticks(
                label, url, "tick after planning, a second apart", self.beat(0, 3), after_plan=True
            )
            self.summary.update(timing(after.figures("sqlite_tick_after_plan_")))
        finally:
            db.get_engine(url).dispose()
            if self.args.keep:
                say(f"kept the SQLite database {url}")
            else:
                shutil.rmtree(folder, ignore_errors=True)


def timing(figures: dict[str, Any]) -> dict[str, Any]:
    """The times of a repeated measurement, without the counts that the first one reported."""
    return {k: v for k, v in figures.items() if k.endswith("_ms")}


def parse_args(argv: list[str] | None) -> tuple[argparse.Namespace, Shape]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="100,000 posts, 50 ticks, 50 articles planned")
    parser.add_argument("--posts", type=int, help="posts in the table (default 1,000,000; quick 100,000)")
    parser.add_argument("--ticks", type=int, help="ticks measured each time (default 200; quick 50)")
    parser.add_argument(
        "--plan-articles",
        type=int,
        help="articles planned on PostgreSQL at once, as an import (default 1000; quick 50)",
    )
    parser.add_argument(
        "--plan-sample",
        type=int,
        help="articles planned one by one, as `add` (and each way on SQLite) (default 100; quick 10)",
    )
    parser.add_argument(
        "--plan-seconds",
        type=float,
        help="stop each planning run after this long and extrapolate (default 900; quick 120)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("SCHEDULER_TEST_DATABASE_URL", DEFAULT_POSTGRES_URL),
        help="a PostgreSQL server where this run may create and drop a database (default %(default)s)",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument(
        "--keep", action="store_true", help="keep the PostgreSQL database and the SQLite file"
    )
    args = parser.parse_args(argv)

    def pick(value: Any, default: Any, quick_default: Any) -> Any:
        return value if value is not None else (quick_default if args.quick else default)

    posts = pick(args.posts, 1_000_000, 100_000)
    shape = Shape(
        posts=posts,
        scheduled=posts // 10,
        accounts=50,
        ticks=pick(args.ticks, 200, 50),
        plan_articles=pick(args.plan_articles, 1000, 50),
        plan_sample=pick(args.plan_sample, 100, 10),
        plan_seconds=pick(args.plan_seconds, 900.0, 120.0),
    )
    if shape.posts < 1000 or shape.ticks < 1 or min(shape.plan_articles, shape.plan_sample) < 1:
        parser.error("--posts needs at least 1000, --ticks, --plan-articles and --plan-sample at least 1")
    return args, shape


def main(argv: list[str] | None = None) -> int:
    started = time.monotonic()
    args, shape = parse_args(argv)
    bench = Bench(args, shape)
    settings = bench.settings
    loadavg = os.getloadavg()[0]
    say(
        f"shape: {shape.posts:,} posts ({shape.scheduled:,} scheduled over {SCHEDULED_DAYS} days) on "
        f"{shape.accounts} accounts, {shape.articles:,} articles; {shape.ticks} ticks each time, `now` "
        f"{shape.tick_step.total_seconds():.0f} s further each; {shape.plan_articles} articles planned "
        f"at once, {shape.plan_sample} one by one (and on SQLite both ways); "
        f"lookahead {settings.lookahead_seconds:g} s, "
        f"claim batch {settings.claim_batch}; {os.cpu_count()} CPUs, load {loadavg:.2f}"
    )
    bench.postgres()
    if not args.no_sqlite:
        say()
        bench.sqlite()

    summary = {"quick": args.quick, **bench.summary}
    summary["goal_tick_median_ms"] = GOAL_TICK_MEDIAN_MS
    summary["goal_plan_1000_articles_s"] = GOAL_PLAN_1000_S
    summary["meets_tick_goal"] = (summary.get("tick_median_ms") or math.inf) < GOAL_TICK_MEDIAN_MS
    plan_s = summary.get("plan_1000_articles_s")
    summary["meets_plan_goal"] = None if plan_s is None else plan_s < GOAL_PLAN_1000_S
    if "sqlite_tick_median_ms" in summary:
        summary["sqlite_meets_tick_goal"] = summary["sqlite_tick_median_ms"] < GOAL_TICK_MEDIAN_MS
    summary.setdefault("plan_1000_articles_s", None)
    summary.setdefault("sqlite_tick_median_ms", None)
    summary["cpu_count"] = os.cpu_count()
    summary["loadavg_1m_start"] = round(loadavg, 2)
    summary["loadavg_1m_end"] = round(os.getloadavg()[0], 2)
    summary["wall_seconds"] = round(time.monotonic() - started, 1)

    say()
    say(
        f"tick on PostgreSQL with {summary['posts_in_table']:,} posts: "
        f"median {fmt(summary['tick_median_ms'])} ms, "
        f"p95 {fmt(summary['tick_p95_ms'])} ms: {'meets' if summary['meets_tick_goal'] else 'MISSES'} "
        f"the goal of {GOAL_TICK_MEDIAN_MS:g} ms; SQLite median {fmt(summary['sqlite_tick_median_ms'])} ms"
    )
    if plan_s is None:
        say(f"planning 1000 articles: not measured ({summary.get('plan_error')})")
    else:
        verdict = "meets" if summary["meets_plan_goal"] else "MISSES"
        planned = summary["plan_articles"]
        extrapolated = f" (extrapolated from {planned})" if planned != 1000 else ""
        one_by_one = fmt(summary.get("one_by_one_plan_1000_articles_s"), 1)
        say(
            f"planning 1000 articles onto {shape.accounts} accounts at once (scheduler import --campaign): "
            f"{plan_s:.1f} s{extrapolated}: {verdict} the goal of {GOAL_PLAN_1000_S:g} s; one by one "
            f"(scheduler add --campaign, feeds): {one_by_one} s for 1000, extrapolated from "
            f"{summary.get('one_by_one_plan_articles')}"
        )
    print(json.dumps(summary, sort_keys=True), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
