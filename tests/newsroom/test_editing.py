"""Rescheduling, canceling and retrying one post (scheduler.editing), from the CLI and the API: the
posts' states and times in the database after each, and the refusals that leave them alone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from scheduler import db
from scheduler.config import Settings
from scheduler.models import Account, Attempt, CardState, Post, PostState, Role, utcnow
from scheduler.newsroom import NewsroomError, editing, users
from scheduler.newsroom.accounts import add_account
from scheduler.web.app import create_app
from tests.command import run

NOW = utcnow().replace(microsecond=0)


def desk(session: Session) -> Account:
    """An account with a budget: posts at least 20 minutes apart."""
    return add_account(
        session, "desk", "outbox", "Europe/London", {"budget": {"min_gap_minutes": 20, "max_per_day": 10}}
    )


def post_at(
    session: Session, account: Account, hours: float, state: str = PostState.SCHEDULED, **more: object
) -> Post:
    due = NOW + timedelta(hours=hours)
    post = Post(
        account=account, text=f"post at {hours} h", due_at=due, scheduled_for=due, state=state, **more
    )
    session.add(post)
    session.flush()
    return post


def thread(session: Session, account: Account, hours: float, parts: int = 3) -> list[Post]:
    chain = [post_at(session, account, hours)]
    for index in range(1, parts):
        chain.append(post_at(session, account, hours, thread_parent_id=chain[-1].id, thread_index=index))
    return chain


# --- reschedule ------------------------------------------------------------------------------------------


def test_a_thread_moves_as_a_whole(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        chain = thread(session, desk(session), hours=5)
        at = NOW + timedelta(days=1, hours=2)
        # Asked for by its second part: the thread is moved from its first.
        changed = editing.reschedule(session, chain[1].id, at, now=NOW)
        assert changed == editing.Changed(chain[0].id, True, parts=3)
    with db.session_scope(database_url) as session:
        for part in chain:
            moved = session.get_one(Post, part.id)
            assert moved.due_at == at and moved.scheduled_for == at and moved.state == PostState.SCHEDULED


def test_a_time_that_passed_or_breaks_the_budget_is_refused_with_the_reason(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        account = desk(session)
        other = post_at(session, account, hours=10)
        moving = post_at(session, account, hours=3)
        with pytest.raises(NewsroomError, match="has passed: give a later time"):
            editing.reschedule(session, moving.id, NOW - timedelta(minutes=5), now=NOW)
        with pytest.raises(NewsroomError, match="20 min"):
            editing.reschedule(session, moving.id, other.due_at + timedelta(minutes=5), now=NOW)
        # Its own old time does not stand in its way.
        assert editing.reschedule(session, moving.id, moving.due_at + timedelta(minutes=5), now=NOW).done
        session.expire_all()  # the update went to the database, not to the objects in hand
        assert session.get_one(Post, moving.id).due_at == NOW + timedelta(hours=3, minutes=5)


def test_a_post_already_out_or_being_sent_is_not_moved(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        account = desk(session)
        out = post_at(session, account, hours=-1, state=PostState.PUBLISHED)
        sending = post_at(session, account, hours=0, state=PostState.PUBLISHING)
        for post in (out, sending):
            changed = editing.reschedule(session, post.id, NOW + timedelta(days=2), now=NOW)
            assert not changed.done and "only drafts and scheduled posts can be moved" in changed.why_not
            assert session.get_one(Post, post.id).due_at == post.due_at


# --- cancel ----------------------------------------------------------------------------------------------


def test_cancel_stops_a_scheduled_thread_and_a_queued_post_with_the_reason(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        account = desk(session)
        chain = thread(session, account, hours=4, parts=2)
        queued = post_at(session, account, hours=0.001, state=PostState.QUEUED)
        assert editing.cancel(session, chain[0].id, reason="story pulled").parts == 2
        assert editing.cancel(session, queued.id, reason="").done
    with db.session_scope(database_url) as session:
        for part in chain:
            canceled = session.get_one(Post, part.id)
            assert canceled.state == PostState.CANCELED and canceled.last_error == "canceled: story pulled"
        assert session.get_one(Post, queued.id).last_error == "canceled: by an editor"


def test_a_post_being_sent_or_out_is_not_canceled_and_the_editor_is_told(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        account = desk(session)
        sending = post_at(session, account, hours=0, state=PostState.PUBLISHING)
        out = post_at(session, account, hours=-2, state=PostState.PUBLISHED, external_url="file:///o/1.json")
        assert "a worker is sending it right now" in editing.cancel(session, sending.id, reason="x").why_not
        assert "is already out (file:///o/1.json)" in editing.cancel(session, out.id, reason="x").why_not
        assert session.get_one(Post, sending.id).state == PostState.PUBLISHING
        assert session.get_one(Post, out.id).state == PostState.PUBLISHED


# --- retry -----------------------------------------------------------------------------------------------


def test_a_failed_post_goes_out_again_now_with_its_card_made_again(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        account = desk(session)
        failed = post_at(
            session,
            account,
            hours=-1,
            state=PostState.FAILED,
            attempt_count=5,
            last_error="the card overflowed",
            card_template="quote",
            card_size="1200x675",
            card_state=CardState.FAILED,
        )
        session.add(Attempt(post_id=failed.id, kind="publish", outcome="permanent", finished_at=NOW))
        assert editing.retry(session, failed.id, now=NOW).done
    with db.session_scope(database_url) as session:
        again = session.get_one(Post, failed.id)
        assert (again.state, again.due_at, again.attempt_count, again.last_error) == (
            PostState.SCHEDULED,
            NOW,
            0,
            None,
        )
        assert again.card_state == CardState.PENDING and again.card_requested_at is None


def test_a_post_that_may_have_gone_out_is_sent_again_only_once_the_editor_checked(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        account = desk(session)
        unsure = post_at(session, account, hours=-1, state=PostState.FAILED, last_error="could not find out")
        session.add(Attempt(post_id=unsure.id, kind="publish", outcome="unknown", finished_at=NOW))
        session.add(Attempt(post_id=unsure.id, kind="find", outcome="unknown", finished_at=NOW))
        session.flush()
        refused = editing.retry(session, unsure.id, now=NOW)
        assert not refused.done and "may have gone out already (could not find out)" in refused.why_not
        assert "'desk' on outbox" in refused.why_not
        assert session.get_one(Post, unsure.id).state == PostState.FAILED
        assert editing.retry(session, unsure.id, now=NOW, checked_not_sent=True).done
        session.expire_all()
        assert session.get_one(Post, unsure.id).state == PostState.SCHEDULED


def test_a_look_up_that_found_it_absent_settles_the_doubt(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        account = desk(session)
        post = post_at(session, account, hours=-1, state=PostState.FAILED, last_error="refused: duplicate")
        for kind, outcome in (("publish", "unknown"), ("find", "not_found"), ("publish", "permanent")):
            session.add(Attempt(post_id=post.id, kind=kind, outcome=outcome, finished_at=NOW))
        session.flush()
        session.expire(post)
        assert editing.retry(session, post.id, now=NOW).done


def test_only_failed_and_skipped_posts_are_retried(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        account = desk(session)
        scheduled = post_at(session, account, hours=2)
        skipped = post_at(session, account, hours=-3, state=PostState.SKIPPED, last_error="stale")
        assert "only failed and skipped posts" in editing.retry(session, scheduled.id, now=NOW).why_not
        assert editing.retry(session, skipped.id, now=NOW).done


# --- the CLI ----------------------------------------------------------------------------------------------


@pytest.fixture
def cli_database(isolated_settings: Path) -> str:
    assert run("init").returncode == 0
    return f"sqlite:///{isolated_settings / 'scheduler.db'}"


def test_the_cli_moves_cancels_and_retries_and_exits_1_when_it_could_not(cli_database: str) -> None:
    with db.session_scope(cli_database) as session:
        account = desk(session)
        moving, failed = (
            post_at(session, account, hours=30),
            post_at(session, account, hours=-1, state="failed"),
        )
        moving_id, failed_id = moving.id, failed.id
    moved = run("posts", "reschedule", str(moving_id), "--at", "2031-06-01 09:00")
    assert moved.returncode == 0 and f"post {moving_id} moved to 2031-06-01 09:00" in moved.stdout
    assert "(Europe/London)" in moved.stdout
    with db.session_scope(cli_database) as session:
        assert session.get_one(Post, moving_id).due_at.isoformat() == "2031-06-01T08:00:00+00:00"  # BST
    bad = run("posts", "reschedule", str(moving_id), "--at", "next tuesday")
    assert bad.returncode == 1 and "cannot read the time 'next tuesday'" in bad.stderr
    assert run("posts", "retry", str(failed_id)).returncode == 0
    canceled = run("posts", "cancel", str(moving_id), "--reason", "story pulled")
    assert canceled.returncode == 0 and f"post {moving_id} canceled" in canceled.stdout
    again = run("posts", "cancel", str(moving_id))
    assert again.returncode == 1 and f"post {moving_id} is canceled already: left as it is" in again.stderr
    missing = run("posts", "retry", "999")
    assert missing.returncode == 1 and "there is no post 999" in missing.stderr


# --- the API ----------------------------------------------------------------------------------------------


@pytest.fixture
def api(database_url: str, isolated_settings: Path) -> Iterator[TestClient]:
    settings = Settings(var_dir=isolated_settings, secret_key=Fernet.generate_key().decode())
    with TestClient(create_app(settings, database_url=database_url)) as client:
        yield client


def bearer(url: str, name: str, role: Role) -> tuple[int, dict[str, str]]:
    with db.session_scope(url) as session:
        user = users.add_user(session, name, role, "a long enough password")
        return user.id, {"Authorization": f"Bearer {users.create_token(session, user, 'test')}"}


def test_editors_change_their_own_posts_only(api: TestClient, database_url: str) -> None:
    editor_id, editor = bearer(database_url, "ed", Role.EDITOR)
    _, admin = bearer(database_url, "root", Role.ADMIN)
    with db.session_scope(database_url) as session:
        account = desk(session)
        mine, theirs = post_at(session, account, 5, created_by_id=editor_id), post_at(session, account, 6)
        mine_id, theirs_id = mine.id, theirs.id
    at = (NOW + timedelta(days=3)).isoformat()
    moved = api.post(f"/api/v1/posts/{mine_id}/reschedule", json={"at": at}, headers=editor)
    assert moved.status_code == 200 and moved.json() == {"post": mine_id, "parts": 1}
    refused = api.post(f"/api/v1/posts/{theirs_id}/cancel", json={"reason": "no"}, headers=editor)
    assert refused.status_code == 403 and "is not yours" in refused.json()["detail"]
    assert (
        api.post(f"/api/v1/posts/{theirs_id}/cancel", json={"reason": "dup"}, headers=admin).status_code
        == 200
    )
    with db.session_scope(database_url) as session:
        assert session.get_one(Post, mine_id).due_at == NOW + timedelta(days=3)
        assert session.get_one(Post, theirs_id).state == PostState.CANCELED


def test_the_api_says_409_when_the_post_is_past_changing_and_422_for_a_bad_time(
    api: TestClient, database_url: str
) -> None:
    _, approver = bearer(database_url, "ap", Role.APPROVER)
    _, admin = bearer(database_url, "root", Role.ADMIN)
    with db.session_scope(database_url) as session:
        account = desk(session)
        out = post_at(session, account, -1, state=PostState.PUBLISHED)
        later = post_at(session, account, 8)
        out_id, later_id = out.id, later.id
    retried = api.post(f"/api/v1/posts/{out_id}/retry", json={}, headers=approver)
    assert (
        retried.status_code == 409
        and "is published: only failed and skipped posts" in retried.json()["detail"]
    )
    past = api.post(
        f"/api/v1/posts/{later_id}/reschedule", json={"at": "2001-01-01T00:00:00Z"}, headers=admin
    )
    assert past.status_code == 422 and "has passed" in past.json()["detail"]
    assert api.post(f"/api/v1/posts/{later_id}/retry", json={}, headers=approver).status_code == 409
    assert api.post("/api/v1/posts/99999/cancel", json={}, headers=admin).status_code == 404
