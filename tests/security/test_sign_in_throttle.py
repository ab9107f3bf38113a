"""The sign-in throttle cannot be turned on a victim: wrong passwords for a known name hold back the
address they come from, not the user; the user is locked only when many addresses fail at their name
(a distributed attack), an admin can unlock them, and each throttling is logged. Before, five wrong
passwords from anywhere locked the named user out for 15 minutes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import db
from scheduler.models import Role, SignInFailure, utcnow
from scheduler.newsroom import users
from tests.command import run

PASSWORD = "a long enough password"
Sessions = Callable[[], AbstractContextManager[Session]]


@pytest.fixture
def sessions(database_url: str) -> Sessions:
    with db.session_scope(database_url) as session:
        users.add_user(session, "editor", Role.EDITOR, PASSWORD)
    return lambda: db.session_scope(database_url)


def attempt(sessions: Sessions, password: str, address: str, name: str = "editor") -> str:
    """What signing in says: "ok", the refusal's reason, and the failure recorded as the web app does."""
    with sessions() as session:
        try:
            users.sign_in(session, name, password, address=address)
        except users.SignInRefused as refused:
            return str(refused)
    return "ok"


def test_five_wrong_passwords_from_one_address_hold_back_that_address_not_the_user(
    sessions: Sessions,
) -> None:
    for _ in range(users.FAILURES_PER_NAME):
        assert attempt(sessions, "wrong password!", "203.0.113.9") == "the name and password do not match"
    assert attempt(sessions, PASSWORD, "203.0.113.9").startswith("too many failed sign-ins")
    assert attempt(sessions, PASSWORD, "198.51.100.7") == "ok"  # the editor, at their own desk


def test_one_address_guessing_at_many_names_is_held_back_for_all(sessions: Sessions) -> None:
    for n in range(users.FAILURES_PER_ADDRESS):
        attempt(sessions, "wrong password!", "203.0.113.9", name=f"guess{n}")
    assert attempt(sessions, PASSWORD, "203.0.113.9").startswith("too many failed sign-ins")
    assert attempt(sessions, PASSWORD, "198.51.100.7") == "ok"


def test_a_distributed_attack_locks_the_name_until_an_admin_unlocks_it_and_it_is_logged(
    sessions: Sessions, caplog: pytest.LogCaptureFixture
) -> None:
    per_address = users.DISTRIBUTED_FAILURES // users.DISTRIBUTED_ADDRESSES
    for a in range(users.DISTRIBUTED_ADDRESSES):
        for _ in range(per_address):
            attempt(sessions, "wrong password!", f"203.0.113.{a}")
    with caplog.at_level(logging.WARNING, logger="scheduler.newsroom.users"):
        refused = attempt(sessions, PASSWORD, "198.51.100.7")
    assert refused.startswith("too many failed sign-ins; try again in 15 minutes")
    assert any(
        "sign-in throttled by name (from 10 addresses): name 'editor', address 198.51.100.7" in r.getMessage()
        for r in caplog.records
    )
    assert PASSWORD not in caplog.text
    with sessions() as session:
        assert users.unlock(session, users.find_user(session, "editor")) == users.DISTRIBUTED_FAILURES
    assert attempt(sessions, PASSWORD, "198.51.100.7") == "ok"


def test_a_success_forgets_only_its_own_addresss_failures(sessions: Sessions, database_url: str) -> None:
    attempt(sessions, "wrong password!", "203.0.113.9")
    attempt(sessions, "wrong password!", "198.51.100.7")
    assert attempt(sessions, PASSWORD, "198.51.100.7") == "ok"
    with sessions() as session:
        left = session.scalars(select(SignInFailure.address)).all()
    assert left == ["203.0.113.9"]


def test_failures_older_than_the_window_no_longer_count(sessions: Sessions) -> None:
    with sessions() as session:
        for _ in range(users.FAILURES_PER_NAME):
            session.add(
                SignInFailure(
                    name="editor",
                    address="203.0.113.9",
                    at=utcnow() - users.THROTTLE_WINDOW - timedelta(seconds=1),
                )
            )
    assert attempt(sessions, PASSWORD, "203.0.113.9") == "ok"


def test_the_cli_unlocks_a_user(isolated_settings) -> None:
    assert run("init").returncode == 0
    assert run("users", "add", "sam", "--role", "editor", input=PASSWORD + "\n").returncode == 0
    url = f"sqlite:///{isolated_settings / 'scheduler.db'}"
    with db.session_scope(url) as session:
        for a in range(3):
            session.add(SignInFailure(name="sam", address=f"203.0.113.{a}", at=utcnow()))
    unlocked = run("users", "unlock", "sam")
    assert (
        unlocked.returncode == 0
        and "'sam' may sign in again (3 failed sign-in(s) forgotten)" in unlocked.stdout
    )
    unknown = run("users", "unlock", "nobody")
    assert unknown.returncode == 1 and "no user 'nobody'" in unknown.stderr
