from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from scheduler import db
from scheduler.models import Account, Base, Post, PostState, utcnow


def add_posts(url: str, due_times: list[datetime]) -> list[int]:
    with db.session_scope(url) as session:
        account = Account(name="desk", network="outbox", timezone="UTC")
        session.add(account)
        session.flush()
        posts = [
            Post(account=account, text=f"post {i}", due_at=due, scheduled_for=due)
            for i, due in enumerate(due_times)
        ]
        session.add_all(posts)
        session.flush()
        return [p.id for p in posts]


def test_migrations_create_exactly_the_models(database_url: str) -> None:
    with db.get_engine(database_url).connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    assert db.schema_is_current(database_url)


def test_upgrade_is_idempotent(database_url: str) -> None:
    db.upgrade_schema(database_url)
    assert db.schema_is_current(database_url)


def test_times_come_back_timezone_aware_utc(database_url: str) -> None:
    due = datetime(2026, 3, 8, 2, 30, 15, 123456, tzinfo=timezone(timedelta(hours=-5)))
    [post_id] = add_posts(database_url, [due])
    with db.session_scope(database_url) as session:
        post = session.get(Post, post_id)
        assert post is not None
        assert post.due_at == due
        assert post.due_at.utcoffset() == timedelta(0)


def test_naive_times_are_refused(database_url: str) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        add_posts(database_url, [datetime(2026, 1, 1, 9, 0)])
    with db.session_scope(database_url) as session:
        assert session.scalar(select(func.count(Post.id))) == 0


def test_sqlite_runs_in_wal_with_a_busy_timeout(isolated_settings) -> None:
    url = f"sqlite:///{isolated_settings / 'pragmas.db'}"
    with db.get_engine(url).connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_claim_takes_only_due_scheduled_posts_and_marks_them_queued(database_url: str) -> None:
    now = utcnow()
    ids = add_posts(
        database_url, [now - timedelta(seconds=5), now + timedelta(seconds=5), now + timedelta(minutes=5)]
    )
    with db.session_scope(database_url) as session:
        claimed = db.claim_due(session, now=now, horizon=now + timedelta(seconds=10), limit=100)
    assert [post_id for post_id, _ in claimed] == ids[:2]
    assert all(due.tzinfo is not None for _, due in claimed)
    with db.session_scope(database_url) as session:
        states = {row.id: row.state for row in session.execute(select(Post.id, Post.state))}
    assert states == {ids[0]: PostState.QUEUED, ids[1]: PostState.QUEUED, ids[2]: PostState.SCHEDULED}
    with db.session_scope(database_url) as session:
        assert db.claim_due(session, now=now, horizon=now + timedelta(seconds=10), limit=100) == []


def test_concurrent_claims_never_take_the_same_post(database_url: str) -> None:
    now = datetime.now(UTC)
    ids = add_posts(database_url, [now + timedelta(milliseconds=i) for i in range(300)])
    claimed: list[list[int]] = []
    start = threading.Barrier(4)

    def dispatcher() -> None:
        start.wait()
        mine: list[int] = []
        for _ in range(10):
            with db.session_scope(database_url) as session:
                mine += [
                    i for i, _ in db.claim_due(session, now=now, horizon=now + timedelta(seconds=1), limit=20)
                ]
        claimed.append(mine)

    threads = [threading.Thread(target=dispatcher) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every_claim = [post_id for mine in claimed for post_id in mine]
    assert sorted(every_claim) == ids  # each post claimed once, none missed


def writes_without_waiting(url: str) -> bool:
    """Whether another connection can write at once (a 100 ms busy timeout instead of 15 s)."""
    engine = db.make_engine(url, busy_timeout_ms=100)
    try:
        with engine.connect() as connection:
            connection.execute(text("UPDATE accounts SET name = name"))
            connection.commit()
        return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


def test_a_reading_session_takes_no_write_lock_and_refuses_to_write(isolated_settings) -> None:
    url = f"sqlite:///{isolated_settings / 'locks.db'}"
    db.upgrade_schema(url)
    add_posts(url, [utcnow()])
    with db.session_scope(url) as writer:
        writer.scalar(select(func.count(Post.id)))
        assert not writes_without_waiting(url), "a writing session holds the write lock"
    with db.session_scope(url, read_only=True) as reader:
        assert reader.scalar(select(func.count(Post.id))) == 1
        assert writes_without_waiting(url)
    with pytest.raises(db.WriteInReadOnlySession), db.session_scope(url, read_only=True) as reader:
        reader.add(Account(name="other", network="outbox", timezone="UTC"))
    with db.session_scope(url) as session:
        assert session.scalar(select(func.count(Account.id))) == 1


def test_a_session_that_reads_only_from_here_keeps_what_it_wrote_and_holds_no_lock(isolated_settings) -> None:
    url = f"sqlite:///{isolated_settings / 'locks.db'}"
    db.upgrade_schema(url)
    with pytest.raises(db.WriteInReadOnlySession), db.session_scope(url) as session:
        session.add(Account(name="kept", network="outbox", timezone="UTC"))
        session.flush()
        db.read_only_from_here(session)
        assert writes_without_waiting(url), "nothing is held until the next query"
        assert session.scalar(select(func.count(Account.id))) == 1
        assert writes_without_waiting(url), "and that one only reads"
        session.add(Account(name="refused", network="outbox", timezone="UTC"))
    with db.session_scope(url) as session:
        assert session.scalars(select(Account.name)).all() == ["kept"]
