"""Engine and sessions, SQLite pragmas, and the claim query per dialect."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Engine,
    Integer,
    Select,
    Update,
    and_,
    bindparam,
    create_engine,
    event,
    make_url,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, aliased, sessionmaker

from scheduler.config import get_settings
from scheduler.models import Account, AccountStatus, Article, CardState, Post, PostState, UTCDateTime

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

_engines: dict[tuple[int, str], Engine] = {}
_session_factories: dict[tuple[Engine, bool], sessionmaker[Session]] = {}
READ_ONLY = "scheduler_read_only"  # an execution option: this connection's transactions only read


class WriteInReadOnlySession(RuntimeError):
    """A session opened to read (session_scope(read_only=True)) was asked to write."""


def make_engine(url: str, *, busy_timeout_ms: int | None = None) -> Engine:
    """An engine for `url`; on SQLite: WAL, a busy timeout, and every transaction `BEGIN IMMEDIATE`."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)

    timeout_ms = busy_timeout_ms or get_settings().sqlite_busy_timeout_ms
    engine = create_engine(url, connect_args={"timeout": timeout_ms / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the sqlite3 module so that BEGIN IMMEDIATE below is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A writer takes the write lock up front: a deferred transaction that later writes can fail with
        # SQLITE_BUSY immediately instead of waiting out the busy timeout. A reader takes none (WAL):
        # a page that only reads never holds up a worker's write.
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def get_engine(url: str | None = None) -> Engine:
    """The engine of this process: a forked worker gets its own connections, never its parent's."""
    url = url or get_settings().resolved_database_url
    key = (os.getpid(), url)
    if key not in _engines:
        _engines[key] = make_engine(url)
    return _engines[key]


def dispose_engines() -> None:
    """Forget engines inherited across a fork without closing the parent's connections."""
    for engine in _engines.values():
        engine.dispose(close=False)
    _engines.clear()
    _session_factories.clear()


@contextmanager
def session_scope(url: str | None = None, *, read_only: bool = False) -> Iterator[Session]:
    """One short transaction: committed on success, rolled back on error.

    The caller may end it early (`read_only_from_here`) before slow work, such as a render, so that no
    lock is held through it. A `read_only` session never takes SQLite's write lock, and refuses to write.
    """
    engine = get_engine(url)
    factory = _session_factories.get((engine, read_only))
    if factory is None:
        bind = engine.execution_options(**{READ_ONLY: True}) if read_only else engine
        factory = _session_factories[(engine, read_only)] = sessionmaker(bind, expire_on_commit=False)
        if read_only:
            event.listen(factory, "before_flush", _refuse_writes)
    with factory() as session:
        session.info[READ_ONLY] = read_only
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def release(session: Session) -> None:
    """Commit what the session did so far: nothing is held until its next query (in a writing session,
    that one takes the write lock again). Before a fetch or any other slow work that needs no lock."""
    session.commit()


def read_only_from_here(session: Session) -> None:
    """Commit what the session did so far, and let it only read from here on: nothing is held until
    its next query, and that begins a transaction that takes no write lock (SQLite). Slow work after
    this, such as a render, holds up no writer."""
    session.commit()
    if not session.info.get(READ_ONLY):
        session.info[READ_ONLY] = True
        session.bind = session.get_bind().execution_options(**{READ_ONLY: True})
        event.listen(session, "before_flush", _refuse_writes)


def _refuse_writes(session: Session, *_: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise WriteInReadOnlySession("a read-only session was asked to write: open it with read_only=False")


def claim_due(
    session: Session, *, now: datetime, horizon: datetime, limit: int
) -> list[tuple[int, datetime]]:
    """Move scheduled posts due before `horizon` to queued in one statement; return (id, due_at) of each.

    PostgreSQL skips rows another dispatcher holds; SQLite needs nothing more because the
    transaction began IMMEDIATE and so already holds the only write lock.
    """
    statement = _claim_due_statement(is_postgresql(session))
    # A Core statement on the session's connection: the ORM's layers took a third of a tick's time.
    rows = session.connection().execute(statement, {"now": now, "horizon": horizon, "limit": limit})
    return [(row.id, row.due_at) for row in rows]


@cache
def _claim_due_statement(postgresql: bool) -> Update:
    """claim_due's statement, built once: building it each tick cost more than running it."""
    now, horizon = bindparam("now", type_=UTCDateTime()), bindparam("horizon", type_=UTCDateTime())
    parent = aliased(Post)
    # A later part of a thread waits until the part it replies to is out.
    parent_is_out = (
        select(parent.id)
        .where(parent.id == Post.thread_parent_id, parent.state == PostState.PUBLISHED)
        .exists()
    )
    due = (
        select(Post.id)
        .where(
            Post.state == PostState.SCHEDULED,
            Post.due_at <= horizon,
            or_(Post.thread_parent_id.is_(None), parent_is_out),
            # A post that carries a card waits for it (post_cards renders it on the cards queue).
            or_(Post.card_state.is_(None), Post.card_state == CardState.READY),
            Post.account_id.not_in(blocked_accounts(now)),
            or_(Post.article_id.is_(None), Post.article_id.not_in(embargoed_articles(now))),
        )
        .order_by(Post.due_at)
        .limit(bindparam("limit", type_=Integer()))
    )
    return (
        update(Post)
        .where(Post.id == picked_once(due, postgresql=postgresql).c.id)
        .values(state=PostState.QUEUED, queued_at=now, updated_at=now)
        .returning(Post.id, Post.due_at)
        .execution_options(synchronize_session=False)
    )


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def picked_once(rows: Select[Any], *, postgresql: bool) -> CTE:
    """The rows a claim takes, chosen once: a MATERIALIZED CTE, locked with SKIP LOCKED on PostgreSQL.

    As a plain `IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)` PostgreSQL may run the subquery again
    for every row it updates; each run skips the rows already taken and returns the next ones, so the
    claim takes far more than n (bench/scale.py saw 483 cards claimed for a limit of 100).

    The UPDATE joins it by id alone (`UPDATE … FROM picked WHERE posts.id = picked.id`): the rows are
    locked (PostgreSQL) or the write lock is held (SQLite), so their state needs no second look, and a
    second condition let PostgreSQL, on statistics from before a big plan, drive the join from that
    condition's index through every pending card (460 ms for 100 cards among 20,000).
    """
    if postgresql:
        rows = rows.with_for_update(skip_locked=True)
    return rows.cte("picked").prefix_with("MATERIALIZED")


def blocked_accounts(now: datetime | ColumnElement[datetime]) -> Select[tuple[int]]:
    """Accounts whose posts must wait: rate-limited until a reset, needing to be reconnected, or paused."""
    return select(Account.id).where(
        or_(
            and_(Account.held_until.is_not(None), Account.held_until > now),
            Account.status != AccountStatus.ACTIVE,
            Account.paused_at.is_not(None),
        )
    )


def embargoed_articles(now: datetime | ColumnElement[datetime]) -> Select[tuple[int]]:
    """Articles under embargo (none of their posts goes out before it lifts), and withdrawn ones (never)."""
    return select(Article.id).where(
        or_(
            and_(Article.embargo_until.is_not(None), Article.embargo_until > now),
            Article.withdrawn_at.is_not(None),
        )
    )


# Rows ANALYZE samples per index on SQLite: enough for the planner, milliseconds on a million posts.
SQLITE_ANALYSIS_LIMIT = 1000


def refresh_statistics(session: Session) -> str:
    """Bring SQLite's planner statistics up to date (hourly, from the beat).

    Without them SQLite guesses, and on a large table it guessed wrong for the dispatcher's claim
    (bench/scale.py: 23 ms a tick never analyzed, 5.5 ms analyzed). PostgreSQL's autovacuum keeps its
    own statistics: nothing to do there.
    """
    if session.get_bind().dialect.name != "sqlite":
        return "statistics are kept by autovacuum"
    session.connection().exec_driver_sql(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
    session.connection().exec_driver_sql("ANALYZE")
    return "analyzed"


MIGRATIONS = Path(__file__).resolve().parent / "migrations"


# Alembic is imported where it is used: it takes a third of a second, and most commands never migrate.
def _alembic_config(connection: Any) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade_schema(url: str | None = None) -> None:
    """Create the database's tables, or bring them up to the newest migration."""
    from alembic import command as alembic_command

    with get_engine(url).begin() as connection:
        alembic_command.upgrade(_alembic_config(connection), "head")


def sqlite_file_missing(url: str) -> bool:
    """True for a SQLite URL whose file is not there (opening it would create an empty one)."""
    parsed = make_url(url)
    return (
        parsed.get_backend_name() == "sqlite"
        and parsed.database not in (None, "", ":memory:")
        and not (Path(parsed.database).exists())
    )


def schema_is_current(url: str | None = None) -> bool:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    with get_engine(url).connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
        heads = ScriptDirectory.from_config(_alembic_config(connection)).get_heads()
        return set(current) == set(heads)
