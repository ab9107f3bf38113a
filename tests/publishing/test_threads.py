"""Threads: later parts wait for the part they reply to, reply to it on the network, and fail with it."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import db, networks, publishing
from scheduler.config import Settings
from scheduler.models import Post, PostState, utcnow
from scheduler.networks.base import Permanent
from scheduler.newsroom.accounts import add_account
from scheduler.publishing import Outcome
from tests.scripted_network import ScriptedNetwork, published_files

SETTINGS = Settings(lease_seconds=60, retry_backoff_seconds=30, max_attempts=3)
Sessions = Callable[[], AbstractContextManager[Session]]


@pytest.fixture
def sessions(database_url: str) -> Sessions:
    return lambda: db.session_scope(database_url)


def thread(sessions: Sessions, outbox: Path, parts: int) -> list[int]:
    """A thread of `parts` posts, all due now, each replying to the one before."""
    with sessions() as session:
        account = add_account(session, "desk", "outbox", "UTC", {"folder": str(outbox)})
        due = utcnow()
        ids: list[int] = []
        for index in range(parts):
            post = Post(
                account=account,
                text=f"part {index + 1}",
                state=PostState.SCHEDULED,
                due_at=due,
                scheduled_for=due,
                thread_parent_id=ids[-1] if ids else None,
                thread_index=index,
            )
            session.add(post)
            session.flush()
            ids.append(post.id)
        return ids


def dispatch(sessions: Sessions) -> list[int]:
    with sessions() as session:
        return [d.post_id for d in publishing.dispatch_due(session, now=utcnow(), settings=SETTINGS)]


def test_each_part_is_dispatched_only_after_the_part_it_replies_to_is_out(
    sessions: Sessions, tmp_path: Path
) -> None:
    outbox = tmp_path / "outbox"
    first, second, third = thread(sessions, outbox, 3)

    assert dispatch(sessions) == [first]
    assert dispatch(sessions) == []  # the first is queued, not out: the second waits
    publishing.publish(sessions, first, networks.for_account, settings=SETTINGS)
    assert dispatch(sessions) == [second]
    publishing.publish(sessions, second, networks.for_account, settings=SETTINGS)
    assert dispatch(sessions) == [third]
    publishing.publish(sessions, third, networks.for_account, settings=SETTINGS)

    landed = {
        json.loads(p.read_text())["post_id"]: json.loads(p.read_text()) for p in published_files(outbox)
    }
    assert landed[first]["in_reply_to"] is None
    assert landed[second]["in_reply_to"] == landed[first]["external_id"]
    assert landed[third]["in_reply_to"] == landed[second]["external_id"]


def test_when_a_part_fails_for_good_the_rest_of_the_thread_fails_with_the_reason(
    sessions: Sessions, tmp_path: Path
) -> None:
    first, second, third = thread(sessions, tmp_path / "outbox", 3)
    dispatch(sessions)
    refusing = ScriptedNetwork(tmp_path / "outbox", [Permanent("the text is not allowed")])
    result = publishing.publish(sessions, first, lambda account: refusing, settings=SETTINGS)
    assert result.outcome is Outcome.FAILED

    with sessions() as session:
        posts = {p.id: p for p in session.scalars(select(Post))}
        assert [posts[i].state for i in (first, second, third)] == [PostState.FAILED] * 3
        assert posts[second].last_error == f"the post it replies to ({first}) failed: the text is not allowed"
        assert posts[third].last_error is not None and f"({first})" in posts[third].last_error
    assert dispatch(sessions) == []


def test_a_retry_of_the_first_part_keeps_the_rest_waiting(sessions: Sessions, tmp_path: Path) -> None:
    first, second = thread(sessions, tmp_path / "outbox", 2)
    with sessions() as session:
        session.get(Post, first).due_at = utcnow() + timedelta(minutes=5)  # retried later
    assert dispatch(sessions) == []
    with sessions() as session:
        assert session.get(Post, second).state == PostState.SCHEDULED
