from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from scheduler import db
from scheduler.config import get_settings
from tests.httpserver import http_server  # noqa: F401  (pytest fixture)
from tests.peers.bluesky_pds import LocalPds, running_pds
from tests.services import (
    TEST_REDIS_URL,
    drop_templates,
    migrated_postgres_database,
    migrated_sqlite_database,
)

# Passwords hashed at argon2's least cost: the suite makes and checks thousands of them, and at the
# production cost (test_auth checks it is the default) they took minutes. Worker processes inherit it.
for name, value in {"TIME_COST": "1", "MEMORY_KIB": "1024", "PARALLELISM": "1"}.items():
    os.environ.setdefault(f"SCHEDULER_PASSWORD_HASH_{name}", value)

# The fake X and Mastodon servers and the PDS answer plain HTTP on 127.0.0.1 (tests/security checks the
# refusal without it).
os.environ.setdefault("SCHEDULER_ALLOW_PLAIN_HTTP_LOOPBACK", "true")

REPO = Path(__file__).resolve().parent.parent
REFERENCE_ARTICLE = REPO / "scheduler" / "demo" / "data" / "kardashian-white-house.txt"


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own var folder and SQLite file; nothing touches ./var."""
    var = tmp_path / "var"
    var.mkdir()
    monkeypatch.setenv("SCHEDULER_VAR_DIR", str(var))
    monkeypatch.delenv("SCHEDULER_DATABASE_URL", raising=False)
    monkeypatch.setenv("SCHEDULER_REDIS_URL", TEST_REDIS_URL)
    get_settings.cache_clear()
    yield var
    get_settings.cache_clear()
    db.dispose_engines()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, isolated_settings: Path) -> Iterator[str]:
    """An initialised, empty database: a SQLite file, then a PostgreSQL database of its own."""
    if request.param == "sqlite":
        yield migrated_sqlite_database(isolated_settings / "scheduler.db")
    else:
        with migrated_postgres_database() as url:
            yield url


@pytest.fixture(scope="session")
def bluesky_pds() -> Iterator[LocalPds]:
    """One PDS for the whole run (of each test process; it starts in a few seconds); each test makes
    its own accounts."""
    with running_pds() as pds:
        yield pds


@pytest.fixture
def redis_url() -> Iterator[str]:
    client = redis.Redis.from_url(TEST_REDIS_URL)
    client.flushdb()
    yield TEST_REDIS_URL
    client.flushdb()


def pytest_sessionfinish(session: pytest.Session) -> None:
    drop_templates()
