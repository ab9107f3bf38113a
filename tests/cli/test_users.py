"""`scheduler users …` and `scheduler web`: users with a password from standard input, API tokens shown
once, and the web app served for real (uvicorn on a free port)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from scheduler import db
from scheduler.models import User
from scheduler.newsroom import users
from tests.command import SCHEDULER, run

PASSWORD = "a long enough password"


@pytest.fixture
def initialised(isolated_settings: Path) -> str:
    """The default database after `scheduler init`."""
    assert run("init").returncode == 0
    return f"sqlite:///{isolated_settings / 'scheduler.db'}"


def run_with_input(text: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run(*args, input=text)


def test_users_add_reads_the_password_from_standard_input_and_keeps_a_hash(initialised: str) -> None:
    added = run_with_input(PASSWORD + "\n", "users", "add", "sam", "--role", "editor")
    assert added.returncode == 0, added.stderr
    assert "added 'sam' (editor)" in added.stdout
    assert PASSWORD not in added.stdout + added.stderr
    with db.session_scope(initialised) as session:
        user = session.scalar(select(User).where(User.name == "sam"))
        assert user is not None and user.role == "editor" and user.password_hash.startswith("$argon2id$")
        assert users.sign_in(session, "sam", PASSWORD, address="test").id == user.id


@pytest.mark.parametrize(
    ("stdin", "args", "message"),
    [
        ("short\n", ("sam", "--role", "editor"), "the password is too short: give at least 10 characters"),
        ("", ("sam", "--role", "editor"), "give the password on standard input"),
        (PASSWORD + "\n", ("Sam Smith", "--role", "editor"), "'Sam Smith' is not a user name"),
    ],
)
def test_users_add_refuses_with_a_reason_and_adds_no_one(
    initialised: str, stdin: str, args: tuple[str, ...], message: str
) -> None:
    refused = run_with_input(stdin, "users", "add", *args)
    assert refused.returncode == 1 and message in refused.stderr
    assert "Traceback" not in refused.stderr
    with db.session_scope(initialised) as session:
        assert session.scalar(select(User.id)) is None


def test_a_name_is_taken_once_and_roles_are_checked(initialised: str) -> None:
    assert run_with_input(PASSWORD + "\n", "users", "add", "sam", "--role", "admin").returncode == 0
    again = run_with_input(PASSWORD + "\n", "users", "add", "sam", "--role", "editor")
    assert again.returncode == 1 and "there is a user 'sam' already" in again.stderr
    unknown = run_with_input(PASSWORD + "\n", "users", "add", "kim", "--role", "owner")
    assert unknown.returncode == 2 and "'owner' is not one of 'admin', 'editor', 'approver'" in unknown.stderr


def test_a_token_is_printed_once_works_and_can_be_revoked(initialised: str) -> None:
    assert run_with_input(PASSWORD + "\n", "users", "add", "cms-bot", "--role", "editor").returncode == 0
    made = run("users", "token", "cms-bot", "--label", "cms")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("aps_") and "not shown again" in made.stderr
    with db.session_scope(initialised) as session:
        found = users.user_for_token(session, token)
        assert found is not None and found.name == "cms-bot"
    listed = run("users", "list")
    assert "cms-bot" in listed.stdout and "cms" in listed.stdout and token not in listed.stdout
    revoked = run("users", "revoke", "cms-bot", "--label", "cms")
    assert revoked.returncode == 0 and "revoked 1 token of 'cms-bot'" in revoked.stdout
    with db.session_scope(initialised) as session:
        assert users.user_for_token(session, token) is None


def test_a_new_password_ends_the_user_s_sessions(initialised: str) -> None:
    assert run_with_input(PASSWORD + "\n", "users", "add", "sam", "--role", "approver").returncode == 0
    changed = run_with_input("another long password\n", "users", "password", "sam")
    assert changed.returncode == 0 and "their sessions have ended" in changed.stdout
    with db.session_scope(initialised) as session:
        user = users.find_user(session, "sam")
        assert user.session_version == 2
        with pytest.raises(users.SignInRefused):
            users.sign_in(session, "sam", PASSWORD, address="test")


def test_web_without_the_secret_key_says_what_to_set(initialised: str) -> None:
    refused = run("web", "--port", "1")
    assert refused.returncode == 1
    assert "SCHEDULER_SECRET_KEY is not set: the web app signs its sessions with it" in refused.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_web_serves_the_sign_in_page_and_the_api_description(
    initialised: str, monkeypatch: pytest.MonkeyPatch, isolated_settings: Path
) -> None:
    monkeypatch.setenv("SCHEDULER_SECRET_KEY", Fernet.generate_key().decode())
    port = free_port()
    server = subprocess.Popen(
        [SCHEDULER, "web", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ.copy(),
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/sign-in", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "the web app did not answer within 30 s"
                time.sleep(0.2)
        assert page.status_code == 200 and "<h1>Sign in</h1>" in page.text
        described = httpx.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=5).json()
        assert "/api/v1/posts" in described["paths"] and "/sign-in" not in described["paths"]
    finally:
        server.terminate()
        server.wait(timeout=15)
