"""Approval on both databases: an account that needs approval gets drafts, the dispatcher never touches a
draft, and `posts approve` schedules them (one whose time has passed goes out at once)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from scheduler import db, newsroom, publishing
from scheduler.config import PROJECT_ROOT, Settings
from scheduler.models import Account, Post, PostState, utcnow
from scheduler.newsroom import controls
from scheduler.newsroom.posts import schedule_post
from scheduler.publishing import post_cards
from tests.command import run
from tests.newsroom.test_controls import REFERENCE_ARTICLE, desk, dispatch, load, plain_post, reference

Sessions = Callable[[], AbstractContextManager[Session]]
TEMPLATES = PROJECT_ROOT / "templates"
PUBLISHING = Settings(lease_seconds=60, retry_backoff_seconds=30, max_attempts=3)


@pytest.fixture
def sessions(database_url: str) -> Sessions:
    return lambda: db.session_scope(database_url)


def test_an_account_that_needs_approval_gets_drafts_unless_told_otherwise(sessions) -> None:
    with sessions() as session:
        account = desk(session)
        article = reference(session)
        account, drafts = controls.set_approval(session, "desk", True)
        assert account.options["needs_approval"] is True and drafts == 0
        due = utcnow() + timedelta(hours=1)
        draft = schedule_post(session, article, account, due_at=due, templates_dir=TEMPLATES)
        told = schedule_post(session, article, account, due_at=due, templates_dir=TEMPLATES, draft=False)
        assert (draft.state, told.state) == (PostState.DRAFT, PostState.SCHEDULED)
        _, drafts = controls.set_approval(session, "desk", False)
        assert drafts == 1  # turning approval off leaves the drafts waiting for an editor
        plain = schedule_post(session, article, account, due_at=due, templates_dir=TEMPLATES)
        assert plain.state == PostState.SCHEDULED
        with pytest.raises(newsroom.NewsroomError, match="no account named 'nobody'"):
            controls.set_approval(session, "nobody", True)


def test_the_dispatcher_never_touches_a_draft(sessions) -> None:
    now = utcnow()
    with sessions() as session:
        account = desk(session)
        draft = plain_post(session, account, now - timedelta(days=1), state=PostState.DRAFT).id
        post_cards.ask_for_card(
            session.get_one(Post, draft), "headline", post_cards.check_card(TEMPLATES, "headline", None)
        )
    for moment in (now, now + timedelta(days=30)):
        assert dispatch(sessions, moment) == []
    with sessions() as session:
        # Sending lost queued posts again leaves drafts alone too.
        publishing.dispatch_due(session, now=now + timedelta(days=30), settings=PUBLISHING)
    assert load(sessions, draft).state == PostState.DRAFT


def test_approve_schedules_drafts_and_one_whose_time_has_passed_goes_out_at_once(sessions) -> None:
    now = utcnow()
    with sessions() as session:
        account = desk(session)
        future = plain_post(session, account, now + timedelta(hours=2), state=PostState.DRAFT)
        late = plain_post(session, account, now - timedelta(hours=1), state=PostState.DRAFT)
        late_reply = plain_post(
            session, account, now - timedelta(hours=1), state=PostState.DRAFT, parent=late
        )
        scheduled = plain_post(session, account, now + timedelta(hours=3))
        ids = [p.id for p in (future, late, late_reply, scheduled)]
        results = controls.approve(session, [future.id, late_reply.id, scheduled.id, future.id], now=now)
    future, late, late_reply, scheduled = (load(sessions, i) for i in ids)
    assert [(r.post_id, r.approved, r.overdue, r.parts) for r in results] == [
        (future.id, True, False, 1),
        (late.id, True, True, 2),  # a reply's id approves its whole thread, from the first part
        (scheduled.id, False, False, 1),
    ]
    assert results[2].why_not == "is scheduled, not a draft"
    assert (future.state, future.due_at) == (PostState.SCHEDULED, now + timedelta(hours=2))
    assert (late.state, late.due_at, late.scheduled_for) == (
        PostState.SCHEDULED,
        now,
        now - timedelta(hours=1),
    )
    assert (late_reply.state, late_reply.due_at) == (PostState.SCHEDULED, now)
    assert dispatch(sessions, now) == [late.id]


def test_approve_with_an_unknown_id_approves_nothing(sessions) -> None:
    with sessions() as session:
        draft = plain_post(session, desk(session), utcnow(), state=PostState.DRAFT).id
    with sessions() as session, pytest.raises(newsroom.NewsroomError, match="there is no post 999"):
        controls.approve(session, [draft, 999], now=utcnow())
    assert load(sessions, draft).state == PostState.DRAFT


def test_a_draft_claimed_away_meanwhile_is_not_approved(sessions) -> None:
    with sessions() as session:
        draft = plain_post(session, desk(session), utcnow(), state=PostState.DRAFT)
        session.execute(
            update(Post)
            .where(Post.id == draft.id)
            .values(state=PostState.CANCELED)
            .execution_options(synchronize_session=False)
        )
        [result] = controls.approve(session, [draft.id], now=utcnow())
        # The session still held it as a draft; the compare-and-set saw it canceled.
        assert not result.approved and result.why_not == "changed meanwhile; look at it again"


@pytest.fixture
def cli(isolated_settings: Path) -> str:
    assert run("init").returncode == 0
    return f"sqlite:///{isolated_settings / 'scheduler.db'}"


def test_cli_approval_and_approve(cli: str) -> None:
    assert (
        run("accounts", "approval", "outbox")
        .stdout.strip()
        .endswith("no approval needed: new posts are scheduled")
    )
    on = run("accounts", "approval", "outbox", "--on")
    assert on.returncode == 0 and "outbox: needs approval: new posts are drafts" in on.stdout
    assert run("add", str(REFERENCE_ARTICLE), "--at", "2030-01-01 09:00").returncode == 0
    assert run("add", str(REFERENCE_ARTICLE), "--now").returncode == 0
    drafts = run("posts", "--state", "draft")
    assert drafts.returncode == 0 and len(drafts.stdout.strip().splitlines()) == 3  # the header and two
    approved = run("posts", "approve", "1", "2")
    assert approved.returncode == 0, approved.stderr
    assert "post 1 approved: scheduled at 2030-01-01 09:00:00 UTC" in approved.stdout
    assert "post 2 approved: its time had passed, it goes out now" in approved.stdout
    assert "post 1 is scheduled, not a draft: not approved" in run("posts", "approve", "1").stdout
    with db.session_scope(cli) as session:
        assert set(session.scalars(select(Post.state))) == {PostState.SCHEDULED}
        assert session.scalars(select(Account.options)).one()["needs_approval"] is True
    for args, message in (
        (["posts", "approve", "1", "99"], "there is no post 99"),
        (["accounts", "approval", "nobody", "--on"], "no account named 'nobody'"),
    ):
        result = run(*args)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 1 and len(lines) == 1 and message in lines[0], result.stderr
        assert "Traceback" not in result.stderr
    assert run("posts", "approve").returncode == 2  # no id: usage
    assert run("posts", "--state", "scheduled").returncode == 0  # `posts` still lists


def test_cli_add_says_draft_for_an_account_that_needs_approval(cli: str) -> None:
    assert run("accounts", "approval", "outbox", "--on").returncode == 0
    added = run("add", str(REFERENCE_ARTICLE), "--at", "2030-01-01 09:00")
    assert added.returncode == 0, added.stderr
    assert "post 1 for 'outbox' saved as a draft for approval (scheduler posts approve 1)" in added.stdout
    assert "scheduled at" not in added.stdout
    with db.session_scope(cli) as session:
        assert list(session.scalars(select(Post.state))) == [PostState.DRAFT]
