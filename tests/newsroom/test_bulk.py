"""Finding posts and acting on many at once (newsroom.bulk) on a real database: each post done or refused
with its reason, the others unaffected, and the times and states the database holds afterwards."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scheduler import db
from scheduler.models import Post, PostState
from scheduler.newsroom import NewsroomError
from scheduler.newsroom.accounts import add_account
from scheduler.newsroom.bulk import Action, Request, Search, apply, find, read_offset
from tests.newsroom.test_editing import NOW, desk, post_at, thread


def test_find_searches_text_as_typed_and_keeps_to_the_filters(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        account = desk(session)
        other = add_account(session, "other", "outbox")
        a = post_at(session, account, 1, campaign="default")
        a.text = "The White House said 100% of it"
        b = post_at(session, other, 2, state=PostState.DRAFT)
        b.text = "white house again"
        c = post_at(session, account, 3)
        c.text = "Nothing about it: 100 of them"
        chain = thread(session, account, 4, parts=2)
        session.flush()

        def ids(search: Search) -> list[int]:
            return [post.id for post in find(session, search)[0]]

        assert ids(Search(text="WHITE house")) == [a.id, b.id]
        assert ids(Search(text="100%")) == [a.id]  # % is a character here, not a wildcard
        assert ids(Search(accounts=("other",))) == [b.id]
        assert ids(Search(states=("draft",))) == [b.id]
        assert ids(Search(campaigns=("default",))) == [a.id]
        assert ids(Search(due_from=NOW + timedelta(hours=2.5))) == [c.id, chain[0].id]  # first parts only
        assert find(session, Search(), limit=2)[1] == 4
        with pytest.raises(NewsroomError, match="unknown state 'sent'"):
            find(session, Search(states=("sent",)))
        with pytest.raises(NewsroomError, match="no account named 'leeds'"):
            find(session, Search(accounts=("leeds",)))


def test_approving_many_does_the_drafts_and_names_the_rest(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        account = desk(session)
        d1, d2 = (
            post_at(session, account, 1, state=PostState.DRAFT),
            post_at(session, account, 2, state=PostState.DRAFT),
        )
        done = post_at(session, account, 3)
        outcome = apply(session, Request(Action.APPROVE, [d1.id, done.id, d2.id, 999_999], NOW))
        assert [post_id for post_id, _ in outcome.done] == [d1.id, d2.id]
        assert "Europe/London" in outcome.done[0][1]
        assert outcome.refused == [(done.id, "is scheduled, not a draft"), (999_999, "there is no such post")]
        ids = [d1.id, d2.id]
    with db.session_scope(database_url) as session:
        assert {session.get(Post, post_id).state for post_id in ids} == {PostState.SCHEDULED}  # type: ignore[union-attr]


def test_moving_many_by_an_offset_keeps_their_gaps_and_refuses_only_the_one_the_budget_stops(
    database_url: str,
) -> None:
    with db.session_scope(database_url) as session:
        account = desk(session)  # posts at least 20 minutes apart
        # Three posts 20 minutes apart move an hour later together: none comes too close to another
        # that has not moved yet, as they move latest first.
        group = [post_at(session, account, h) for h in (5, 5 + 1 / 3, 5 + 2 / 3)]
        fixed = post_at(session, account, 8)
        blocked = post_at(session, account, 7.5)  # an hour later it is 30 min after `fixed`: fine
        near = post_at(session, account, 7)  # an hour later it is at `fixed`'s time: refused
        before = {post.id: post.scheduled_for for post in [*group, blocked, near]}
        ids = [post.id for post in [*group, blocked, near]]
        outcome = apply(session, Request(Action.SHIFT, ids, NOW, offset=timedelta(hours=1)))
        assert [post_id for post_id, _ in outcome.done] == ids[:4]
        [(refused_id, why)] = outcome.refused
        assert refused_id == near.id and f"same time as post {fixed.id}" in why
    with db.session_scope(database_url) as session:
        for post_id, was in before.items():
            moved = session.get(Post, post_id)
            assert moved is not None
            assert moved.scheduled_for == (was if post_id == near.id else was + timedelta(hours=1))


def test_to_the_queue_cancel_and_send_again(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        account = desk(session)
        far = [post_at(session, account, 24 * 20 + h) for h in (0, 1)]
        outcome = apply(session, Request(Action.QUEUE, [p.id for p in far], NOW))
        assert len(outcome.done) == 2 and not outcome.refused
        session.expire_all()
        slots = [session.get(Post, p.id).scheduled_for for p in far]  # type: ignore[union-attr]
        assert slots[0] != slots[1] and all(NOW < at < NOW + timedelta(days=8) for at in slots)

        failed = post_at(session, account, -1, state=PostState.FAILED)
        out = post_at(session, account, -2, state=PostState.PUBLISHED)
        retried = apply(session, Request(Action.RETRY, [failed.id, out.id], NOW))
        assert [i for i, _ in retried.done] == [failed.id] and retried.refused[0][0] == out.id
        canceled = apply(session, Request(Action.CANCEL, [far[0].id, out.id], NOW, reason="story pulled"))
        assert [i for i, _ in canceled.done] == [far[0].id] and "already out" in canceled.refused[0][1]
        session.expire_all()
        assert session.get(Post, far[0].id).last_error == "canceled: story pulled"  # type: ignore[union-attr]


def test_a_post_not_the_editor_s_own_is_refused_and_a_request_without_posts_is_an_error(
    database_url: str,
) -> None:
    with db.session_scope(database_url) as session:
        account = desk(session)
        mine, theirs = post_at(session, account, 3), post_at(session, account, 6)
        outcome = apply(
            session,
            Request(
                Action.SHIFT,
                [mine.id, theirs.id],
                NOW,
                offset=timedelta(minutes=30),
                may_change=lambda p: p.id == mine.id,
            ),
        )
        assert [i for i, _ in outcome.done] == [mine.id]
        assert outcome.refused == [(theirs.id, "not yours: an editor acts only on the posts they made")]
        with pytest.raises(NewsroomError, match="at least one post"):
            apply(session, Request(Action.APPROVE, [], NOW))
        with pytest.raises(NewsroomError, match="give the offset"):
            apply(session, Request(Action.SHIFT, [mine.id], NOW))


def test_offsets_read_as_editors_write_them() -> None:
    assert read_offset("+2h") == timedelta(hours=2)
    assert read_offset("-30m") == -timedelta(minutes=30)
    assert read_offset("1d") == timedelta(days=1)
    assert read_offset(" +1h 30m ") == timedelta(hours=1, minutes=30)
    for bad in ("", "2", "+h", "soon", "400d", "0m", "1h-5m"):
        with pytest.raises(NewsroomError, match="cannot read the offset"):
            read_offset(bad)


def test_sharing_now_moves_scheduled_posts_to_now_and_not_drafts(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        account = add_account(session, "wire", "outbox")  # no least gap
        later = post_at(session, account, 6)
        draft = post_at(session, account, 7, state=PostState.DRAFT)
        outcome = apply(session, Request(Action.NOW, [later.id, draft.id], NOW))
        assert [i for i, _ in outcome.done] == [later.id]
        assert outcome.refused == [
            (draft.id, "is a draft: approve it first; only scheduled posts are shared now")
        ]
        session.expire_all()
        moved = session.get(Post, later.id)
        assert moved is not None and moved.due_at == NOW == moved.scheduled_for
        gapped = desk(session)  # 20 minutes apart
        post_at(session, gapped, 0.1)
        too_soon = post_at(session, gapped, 4)
        [(refused, why)] = apply(session, Request(Action.NOW, [too_soon.id], NOW)).refused
        assert refused == too_soon.id and "apart" in why
