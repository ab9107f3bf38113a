"""The real services tests use: a fresh database (SQLite file or PostgreSQL database) and a Redis DB.

Under pytest-xdist each worker (gw0, gw1, ...) has its own Redis DB and its own databases, so workers
never see each other's rows or tasks. A migrated database is a copy of one migrated once per worker
(a SQLite file copied, a PostgreSQL `CREATE DATABASE … TEMPLATE`), not a run of every migration per
test: the migrations themselves are tested on empty databases (tests/test_db.py).
"""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from functools import cache
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

TEST_DATABASE_URL = os.environ.get(
    "SCHEDULER_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# The xdist worker running this process ("gw0", "gw1", ...); "master" without xdist.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "master")
WORKER_INDEX = int(WORKER[2:]) if WORKER.startswith("gw") else 0


def _redis_url_for_worker() -> str:
    """The base Redis URL's DB for gw0 (and without xdist), the DB below it for gw1, and so on."""
    base = make_url(os.environ.get("SCHEDULER_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
    number = int(base.database or 0) - WORKER_INDEX
    if number < 0:
        raise RuntimeError(f"no Redis DB left for xdist worker {WORKER}: run fewer workers")
    return base.set(database=str(number)).render_as_string(hide_password=False)


TEST_REDIS_URL = _redis_url_for_worker()


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _drop(name: str) -> None:
    with psycopg.connect(_libpq(TEST_DATABASE_URL), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def postgres_database(template: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database for one test (empty, or a copy of `template`); dropped afterwards."""
    name = f"scheduler_test_{secrets.token_hex(6)}"
    copy = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(_libpq(TEST_DATABASE_URL), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"{copy}')
    try:
        yield make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        from scheduler import db

        db.dispose_engines()
        _drop(name)


@cache
def _postgres_template() -> str:
    """This worker's PostgreSQL database at the newest migration, made once; copies are made of it."""
    from scheduler import db

    name = f"scheduler_template_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(_libpq(TEST_DATABASE_URL), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    db.upgrade_schema(url)
    # CREATE DATABASE … TEMPLATE needs a template nobody is on: the engine's connections are closed
    # (dispose_engines alone leaves them open, as a forked worker must), and no one may connect again.
    db.get_engine(url).dispose()
    db.dispose_engines()
    with psycopg.connect(_libpq(TEST_DATABASE_URL), autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
    return name


@contextmanager
def migrated_postgres_database() -> Iterator[str]:
    """A new PostgreSQL database at the newest migration, for one test; dropped afterwards."""
    with postgres_database(template=_postgres_template()) as url:
        yield url


@cache
def _sqlite_template() -> Path:
    """This worker's SQLite file at the newest migration, made once; each test gets a copy."""
    from scheduler import db

    folder = Path(tempfile.mkdtemp(prefix="scheduler-template-"))
    migrated = folder / "migrated.db"
    db.upgrade_schema(f"sqlite:///{migrated}")
    db.get_engine(f"sqlite:///{migrated}").dispose()
    db.dispose_engines()
    # VACUUM INTO writes one self-contained file, whatever is still in the migrated file's WAL.
    path = folder / "scheduler.db"
    with closing(sqlite3.connect(migrated)) as connection:
        connection.execute("VACUUM INTO ?", (str(path),))
    return path


def migrated_sqlite_database(path: Path) -> str:
    """A SQLite file at `path`, at the newest migration; its URL."""
    shutil.copyfile(_sqlite_template(), path)
    return f"sqlite:///{path}"


def drop_templates() -> None:
    """Remove what this worker made once (called when its session ends)."""
    if _postgres_template.cache_info().currsize:
        _drop(_postgres_template())
    if _sqlite_template.cache_info().currsize:
        shutil.rmtree(_sqlite_template().parent, ignore_errors=True)
