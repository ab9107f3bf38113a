"""An account's queue (newsroom.queue) on a real database: what goes next in order, and a new order that
keeps the times where they are, moves threads whole, and refuses (moving nothing) what cannot take part."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, update
from sqlalchemy.orm import ORMExecuteState

from scheduler import db
from scheduler.models import Post, PostState
from scheduler.newsroom import NewsroomError
from scheduler.newsroom.accounts import add_account
from scheduler.newsroom.queue import queue_of, reorder
from tests.newsroom.test_editing import NOW, desk, post_at, thread


def times(url: str, *ids: int) -> list:
    with db.session_scope(url) as session:
        return [session.get(Post, post_id).scheduled_for for post_id in ids]  # type: ignore[union-attr]


def test_the_queue_lists_what_goes_next_in_order_and_says_what_may_move(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        account = desk(session)
        going = post_at(session, account, 0.01, state=PostState.QUEUED)
        later = post_at(session, account, 5)
        chain = thread(session, account, 3, parts=2)
        post_at(session, account, 1, state=PostState.PUBLISHED)
        post_at(session, account, 2, state=PostState.CANCELED)
        post_at(session, add_account(session, "other", "outbox"), 4)
        entries = queue_of(session, account, now=NOW)
        assert [(e.post.id, e.parts, e.movable) for e in entries] == [
            (going.id, 1, False),
            (chain[0].id, 2, True),
            (later.id, 1, True),
        ]


def test_a_new_order_keeps_the_times_and_moves_threads_whole(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        account = desk(session)
        a, b = post_at(session, account, 2), post_at(session, account, 4)
        chain = thread(session, account, 6, parts=3)
        ids, replies = [a.id, b.id, chain[0].id], [part.id for part in chain[1:]]
    before = times(database_url, *ids)
    with db.session_scope(database_url) as session:
        account = session.get(Post, ids[0]).account  # type: ignore[union-attr]
        done = reorder(session, account, [ids[2], ids[0], ids[1]], now=NOW)
        assert [post_id for post_id, _ in done.moved] == [ids[2], ids[0], ids[1]]
        assert done.before == ids
    assert times(database_url, ids[2], ids[0], ids[1]) == before
    assert times(database_url, *replies) == [before[0], before[0]]  # the thread's parts went with it
    with db.session_scope(database_url) as session:
        account = session.get(Post, ids[0]).account  # type: ignore[union-attr]
        assert len(reorder(session, account, done.before, now=NOW).moved) == 3
    assert times(database_url, *ids) == before and times(database_url, *replies) == [before[2]] * 2


def test_what_cannot_take_part_is_named_and_nothing_moves(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        account = desk(session)
        a, b = post_at(session, account, 2), post_at(session, account, 4)
        sent = post_at(session, account, 3, state=PostState.QUEUED)
        chain = thread(session, account, 6, parts=2)
        foreign = post_at(session, add_account(session, "other", "outbox"), 5)
        cases = {
            "named twice": [a.id, a.id],
            "at least two": [a.id],
            f"post {sent.id} is queued": [b.id, sent.id],
            f"post {chain[1].id} is a later part of a thread": [b.id, chain[1].id],
            f"post {foreign.id} is not in desk's queue": [b.id, foreign.id],
            "post 999999 is not": [b.id, 999_999],
        }
        for message, order in cases.items():
            with pytest.raises(NewsroomError, match=message), session.begin_nested():
                reorder(session, account, order, now=NOW)
        ids = (a.id, b.id)
    assert times(database_url, *ids) == [NOW + timedelta(hours=2), NOW + timedelta(hours=4)]


def test_a_post_taken_meanwhile_stops_the_whole_reorder(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        account = desk(session)
        a, b = post_at(session, account, 2), post_at(session, account, 4)
        ids, before = [a.id, b.id], [a.scheduled_for, b.scheduled_for]
    with db.session_scope(database_url) as session:
        account = session.get(Post, ids[0]).account  # type: ignore[union-attr]
        claimed = []

        # The dispatcher claims the first post after the reorder read it, just before the first move.
        @event.listens_for(session, "do_orm_execute")
        def claim_first(state: ORMExecuteState) -> None:
            if state.is_update and not claimed:
                claimed.append(True)
                session.execute(update(Post).where(Post.id == ids[0]).values(state=PostState.QUEUED))

        with pytest.raises(NewsroomError, match=f"post {ids[0]} changed meanwhile"), session.begin_nested():
            reorder(session, account, [ids[1], ids[0]], now=NOW)
        assert claimed
        event.remove(session, "do_orm_execute", claim_first)
    # The first move (post b to a's time) went back with the rest.
    assert times(database_url, *ids) == before
