"""The dispatcher's and the planner's statements stay on their indexes at scale, and claims take their limit.

bench/scale.py measures the times; these check the shapes that made them: on SQLite after the beat's
ANALYZE (db.refresh_statistics) the planner's read of taken slots, the claim and the card claim each use
the index meant for them, and on both databases a claim takes at most its limit.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, insert

from scheduler import db
from scheduler.models import Account, CardState, Post, PostState
from scheduler.planning import calendar
from scheduler.publishing import post_cards

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def fill(url: str, *, posts: int, pending_cards: int = 0) -> Account:
    """`posts` published posts on one account (a few replies among them), and pending cards due soon."""
    with db.session_scope(url) as session:
        account = Account(name="desk", network="outbox", timezone="UTC")
        session.add(account)
        session.flush()
        rows: list[dict[str, Any]] = []
        for index in range(posts):
            at = NOW - timedelta(minutes=index + 1)
            rows.append(
                {"key": f"p{index}", "account_id": account.id, "text": "old", "media": [],
                 "card_template": None, "card_size": None, "card_state": None,
                 "state": PostState.PUBLISHED.value, "due_at": at, "scheduled_for": at,
                 "thread_index": 0, "attempt_count": 1, "created_at": at, "updated_at": at}
            )  # fmt: skip
        for index in range(pending_cards):
            at = NOW + timedelta(minutes=index + 1)
            rows.append(
                {"key": f"c{index}", "account_id": account.id, "text": "card", "media": [],
                 "card_template": "quote", "card_size": "square", "card_state": CardState.PENDING.value,
                 "state": PostState.SCHEDULED.value, "due_at": at, "scheduled_for": at,
                 "thread_index": 0, "attempt_count": 0, "created_at": NOW, "updated_at": NOW}
            )  # fmt: skip
        session.execute(insert(Post.__table__), rows)  # executemany: every row has the same keys
        session.expunge(account)
        return account


def sqlite_plans(url: str, run: Any) -> list[str]:
    """SQLite's query plan of every SELECT or UPDATE that `run` sends (run again under EXPLAIN)."""
    engine = db.get_engine(url)
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE", "WITH")):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    plans = []
    with engine.connect() as connection:
        for statement, parameters in seen:
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            plans.append(" | ".join(row[-1] for row in rows))
        connection.rollback()
    return plans


def test_after_analyze_the_planner_reads_taken_slots_by_account_and_time(isolated_settings) -> None:
    url = f"sqlite:///{isolated_settings / 'analyzed.db'}"
    db.upgrade_schema(url)
    account = fill(url, posts=3000)
    with db.session_scope(url) as session:
        assert db.refresh_statistics(session) == "analyzed"
    calendars = {account.id: calendar.Calendar.for_account(account)}
    need = calendar.Need(NOW, NOW + timedelta(days=3))

    def read() -> None:
        with db.session_scope(url) as session:
            calendar.read_taken(session, calendars, {account.id: need})

    [plan] = sqlite_plans(url, read)
    assert "ix_posts_account_scheduled_for" in plan
    assert "ix_posts_thread_parent_id" not in plan


def test_after_analyze_the_card_claim_takes_pending_cards_in_due_order_by_index(isolated_settings) -> None:
    url = f"sqlite:///{isolated_settings / 'cards.db'}"
    db.upgrade_schema(url)
    fill(url, posts=3000, pending_cards=50)
    with db.session_scope(url) as session:
        db.refresh_statistics(session)

    def claim() -> None:
        with db.session_scope(url) as session:
            post_cards.claim_card_jobs(session, now=NOW, retry_after=timedelta(minutes=5), limit=10)

    plans = sqlite_plans(url, claim)
    assert any("ix_posts_card_state_due_at" in plan for plan in plans), plans
    assert not any("SCAN posts" in plan for plan in plans), plans


def test_a_card_claim_takes_its_limit_in_due_order_and_no_more(database_url: str) -> None:
    fill(database_url, posts=200, pending_cards=40)
    with db.session_scope(database_url) as session:
        first = post_cards.claim_card_jobs(session, now=NOW, retry_after=timedelta(minutes=5), limit=15)
    with db.session_scope(database_url) as session:
        second = post_cards.claim_card_jobs(session, now=NOW, retry_after=timedelta(minutes=5), limit=100)
        due = {post.id: post.due_at for post in session.query(Post).filter(Post.id.in_(first + second))}
    assert len(first) == 15 and len(second) == 25
    assert max(due[i] for i in first) < min(due[i] for i in second)


def test_postgresql_statistics_are_left_to_autovacuum(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        expected = "analyzed" if database_url.startswith("sqlite") else "statistics are kept by autovacuum"
        assert db.refresh_statistics(session) == expected


def test_no_more_renders_are_asked_for_than_are_outstanding_at_most(database_url: str) -> None:
    """The beat asks for renders only while fewer than `outstanding` are asked for and not done."""
    fill(database_url, posts=10, pending_cards=300)
    retry = timedelta(minutes=2)

    def claim(now: datetime) -> list[int]:
        with db.session_scope(database_url) as session:
            return post_cards.claim_card_jobs(session, now=now, retry_after=retry, limit=100, outstanding=150)

    first, second, third = claim(NOW), claim(NOW), claim(NOW)
    assert (len(first), len(second), third) == (100, 50, [])
    with db.session_scope(database_url) as session:  # workers render 30 of them
        for post in session.query(Post).filter(Post.id.in_(first[:30])):
            post.card_state = CardState.READY
    assert len(claim(NOW + timedelta(seconds=1))) == 30
    # Past the retry time the renders asked for first count as lost: they are asked for again.
    again = claim(NOW + retry + timedelta(seconds=2))
    assert len(again) == 100 and set(again) <= set(first[30:] + second)


def test_after_analyze_outstanding_renders_are_counted_by_index(isolated_settings) -> None:
    url = f"sqlite:///{isolated_settings / 'outstanding.db'}"
    db.upgrade_schema(url)
    fill(url, posts=3000, pending_cards=50)
    with db.session_scope(url) as session:
        db.refresh_statistics(session)

    def claim() -> None:
        with db.session_scope(url) as session:
            post_cards.claim_card_jobs(session, now=NOW, retry_after=timedelta(minutes=5), limit=10)

    plans = sqlite_plans(url, claim)
    assert any("ix_posts_card_requested_at" in plan for plan in plans), plans
