"""The dispatcher's tick: what it claims, and which lost tasks it sends again, and when."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import redis
from sqlalchemy import update

from scheduler import db, publishing
from scheduler.celery_app import BROKER_MARK, broker_was_emptied
from scheduler.config import Settings
from scheduler.models import Post, PostState, utcnow
from scheduler.newsroom.accounts import add_account

SETTINGS = Settings(requeue_after_seconds=30, lookahead_seconds=10)


def posts_in(
    database_url: str, outbox: Path, **states: tuple[PostState, float, float | None]
) -> dict[str, int]:
    """Posts named by key, each (state, due in seconds, queued seconds ago)."""
    now = utcnow()
    ids = {}
    with db.session_scope(database_url) as session:
        account = add_account(session, "desk", "outbox", "Europe/London", {"folder": str(outbox)})
        for name, (state, due_in, queued_ago) in states.items():
            due = now + timedelta(seconds=due_in)
            post = Post(account=account, text=name, state=state, due_at=due, scheduled_for=due)
            if queued_ago is not None:
                post.queued_at = now - timedelta(seconds=queued_ago)
            session.add(post)
            session.flush()
            ids[name] = post.id
    return ids


def dispatched(database_url: str, *, broker_emptied: bool = False) -> list[int]:
    with db.session_scope(database_url) as session:
        found = publishing.dispatch_due(
            session, now=utcnow(), settings=SETTINGS, broker_emptied=broker_emptied
        )
    return sorted(d.post_id for d in found)


def test_after_the_broker_was_emptied_every_queued_post_is_sent_again_once(
    database_url: str, tmp_path: Path
) -> None:
    ids = posts_in(
        database_url,
        tmp_path,
        due_a_moment_ago=(PostState.QUEUED, -2, 5),
        due_soon=(PostState.QUEUED, 4, 3),
        due_now=(PostState.SCHEDULED, 0, None),
        out_already=(PostState.PUBLISHED, -3, 6),
    )
    # An ordinary tick: nothing is old enough to be taken as lost, the due post is claimed.
    assert dispatched(database_url) == [ids["due_now"]]
    # The broker lost every task: each queued post is sent again, the one just claimed included, once.
    assert dispatched(database_url, broker_emptied=True) == sorted(
        [ids["due_a_moment_ago"], ids["due_soon"], ids["due_now"]]
    )
    assert dispatched(database_url) == []


def test_a_tick_that_claims_a_post_while_the_broker_was_emptied_sends_it_once(
    database_url: str, tmp_path: Path
) -> None:
    ids = posts_in(database_url, tmp_path, due_now=(PostState.SCHEDULED, 0, None))
    assert dispatched(database_url, broker_emptied=True) == [ids["due_now"]]


def test_without_the_broker_emptied_a_lost_task_waits_for_the_requeue_time(
    database_url: str, tmp_path: Path
) -> None:
    ids = posts_in(database_url, tmp_path, lost=(PostState.QUEUED, -5, 5))
    assert dispatched(database_url) == []
    long_ago = utcnow() - timedelta(seconds=SETTINGS.requeue_after_seconds + 1)
    with db.session_scope(database_url) as session:
        session.execute(
            update(Post).where(Post.id == ids["lost"]).values(due_at=long_ago, queued_at=long_ago)
        )
    assert dispatched(database_url) == [ids["lost"]]


def test_the_broker_mark_tells_a_flush_from_an_ordinary_tick(redis_url: str) -> None:
    assert broker_was_emptied(redis_url), "a broker seen for the first time"
    assert not broker_was_emptied(redis_url)
    assert not broker_was_emptied(redis_url)
    client = redis.Redis.from_url(redis_url)
    assert client.exists(BROKER_MARK)
    client.flushdb()
    assert broker_was_emptied(redis_url)
    assert not broker_was_emptied(redis_url)
