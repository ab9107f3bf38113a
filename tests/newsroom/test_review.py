"""A post's history and review on a real database (newsroom.history, newsroom.review): each change the
domain makes writes who made it and what changed, in the same transaction; a draft sent back waits for
its editor, is resubmitted, then approved; comments, and the refusals that say what to write."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from scheduler import db
from scheduler.models import Post, PostState, Role
from scheduler.newsroom import NewsroomError, controls, editing, review, users
from scheduler.newsroom.accounts import add_account
from scheduler.newsroom.history import act_as, history_of
from scheduler.newsroom.queue import reorder
from tests.newsroom.test_editing import NOW, desk, post_at, thread


def kinds(session: Session, post_id: int) -> list[tuple[str, str | None]]:
    return [(event.kind, event.user.name if event.user else None) for event in history_of(session, post_id)]


def test_each_change_is_written_with_who_made_it_and_what_changed(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        ed = users.add_user(session, "ed", Role.EDITOR, "correct horse battery")
        account = desk(session)
        chain = thread(session, account, 5, parts=2)
        other = post_at(session, account, 9)
        act_as(session, ed.id)
        at = NOW + timedelta(hours=6)
        assert editing.reschedule(session, chain[1].id, at, now=NOW).done  # asked by its second part
        assert editing.edit_text(session, chain[0].id, "First part\n---\nSecond part").done
        assert editing.edit_text(session, chain[0].id, "First part\n---\nSecond part").done  # no change
        act_as(session, None)  # the CLI
        assert reorder(session, account, [other.id, chain[0].id], now=NOW).moved
        assert editing.cancel(session, other.id, reason="pulled").done
        events = history_of(session, chain[0].id)
        assert [(e.kind, e.user.name if e.user else None) for e in events] == [
            ("time", "ed"),
            ("text", "ed"),
            ("time", None),
        ]
        assert events[0].detail == {"from": (NOW + timedelta(hours=5)).isoformat(), "to": at.isoformat()}
        assert events[1].detail["from"] == "post at 5 h\n---\npost at 5 h"
        assert events[1].detail["to"] == "First part\n---\nSecond part"
        assert events[2].note == "the queue's new order"
        assert kinds(session, other.id) == [("time", None), ("canceled", None)]
        assert history_of(session, other.id)[1].note == "pulled"


def test_a_refused_change_writes_nothing(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        account = desk(session)  # 20 minutes apart
        a, b = post_at(session, account, 3), post_at(session, account, 5)
        with pytest.raises(NewsroomError, match="apart"):
            editing.reschedule(session, b.id, a.scheduled_for + timedelta(minutes=5), now=NOW)
        sent = post_at(session, account, -1, state=PostState.PUBLISHED)
        assert not editing.cancel(session, sent.id, reason="late").done
        assert history_of(session, b.id) == [] and history_of(session, sent.id) == []


def test_a_draft_sent_back_waits_for_its_editor_then_is_resubmitted_and_approved(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        ann = users.add_user(session, "ann", Role.APPROVER, "correct horse battery")
        ed = users.add_user(session, "ed", Role.EDITOR, "correct horse battery")
        draft = post_at(session, desk(session), 4, state=PostState.DRAFT)
        act_as(session, ann.id)
        with pytest.raises(NewsroomError, match="write the reason"):
            review.reject(session, draft.id, reason="  ", now=NOW)
        assert review.reject(session, draft.id, reason="Name the minister", now=NOW).done
        again = review.reject(session, draft.id, reason="twice", now=NOW)
        assert not again.done and "sent back already" in again.why_not
        assert session.get(Post, draft.id).rejected_at == NOW  # type: ignore[union-attr]
        act_as(session, ed.id)
        assert review.resubmit(session, draft.id, note="Named her").done
        assert not review.resubmit(session, draft.id).done  # not sent back any more
        act_as(session, ann.id)
        [approved] = controls.approve(session, [draft.id], now=NOW)
        assert approved.approved
        assert kinds(session, draft.id) == [("rejected", "ann"), ("resubmitted", "ed"), ("approved", "ann")]
        assert [e.note for e in history_of(session, draft.id)][:2] == ["Name the minister", "Named her"]
        scheduled = post_at(session, add_account(session, "more", "outbox"), 2)
        refused = review.reject(session, scheduled.id, reason="late", now=NOW)
        assert not refused.done and "only drafts" in refused.why_not


def test_a_sent_back_draft_approved_anyway_is_no_longer_sent_back(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        draft = post_at(session, desk(session), 4, state=PostState.DRAFT)
        assert review.reject(session, draft.id, reason="Check the figure", now=NOW).done
        assert controls.approve(session, [draft.id], now=NOW)[0].approved
        session.expire_all()
        post = session.get(Post, draft.id)
        assert post is not None and post.rejected_at is None and post.state == PostState.SCHEDULED


def test_comments_go_on_the_thread_s_first_part_and_must_say_something(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        chain = thread(session, desk(session), 5, parts=3)
        assert review.comment(session, chain[2].id, "  Is the second part too long?  ") == chain[0].id
        [said] = history_of(session, chain[0].id)
        assert said.kind == "comment" and said.note == "Is the second part too long?"
        with pytest.raises(NewsroomError, match="write the comment"):
            review.comment(session, chain[0].id, "")
        with pytest.raises(NewsroomError, match="under 2000"):
            review.comment(session, chain[0].id, "x" * 2001)
