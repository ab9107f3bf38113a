"""Schemathesis against the API's own OpenAPI description: for every operation, inputs generated from the
description (and past its edges) get no 5xx, and every answer the description documents matches it.

Calls carry an admin's token, so they reach the routes' code rather than stopping at the door; the app
runs on a real database holding an account, a draft and a published post with an attempt."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import schemathesis
from cryptography.fernet import Fernet
from hypothesis import HealthCheck, settings

from scheduler import db
from scheduler.config import Settings
from scheduler.models import Attempt, Post, PostState, Role, utcnow
from scheduler.newsroom import users
from scheduler.newsroom.accounts import ensure_default_account, find_account
from scheduler.web.app import create_app


@pytest.fixture
def admin_token(database_url: str) -> str:
    with db.session_scope(database_url) as session:
        account = ensure_default_account(session) or find_account(session, "outbox")
        due = utcnow() + timedelta(hours=3)
        session.add(
            Post(account=account, text="a draft", due_at=due, scheduled_for=due, state=PostState.DRAFT)
        )
        out = Post(
            account=account,
            text="out already",
            due_at=due - timedelta(days=1),
            scheduled_for=due - timedelta(days=1),
            state=PostState.PUBLISHED,
            external_url="file:///outbox/1.json",
        )
        session.add(out)
        session.flush()
        session.add(Attempt(post_id=out.id, kind="publish", outcome="published", finished_at=utcnow()))
        admin = users.add_user(session, "admin", Role.ADMIN, "a long enough password")
        return users.create_token(session, admin, "schemathesis")


# One app for the module (its description does not depend on the database); each test points it at its
# own database. (schemathesis.pytest.from_fixture reads a pytest attribute that pytest 9.2 removed.)
APP = create_app(
    Settings(var_dir=Path("/nonexistent"), secret_key=Fernet.generate_key().decode()),
    database_url="sqlite:///:memory:",
)
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)


# Schemathesis' auth hook marks the calls that carry valid credentials (so that its negative cases that
# break them are known as such); the hook may run before the test's fixtures, so the mark is swapped
# for the test's token just before each call.
TOKEN: dict[str, str] = {}
OURS = "Bearer aps_the-test-token"


@schema.auth(refresh_interval=None)
class AdminToken:
    def get(self, case: schemathesis.Case, ctx: object) -> str:
        return OURS

    def set(self, case: schemathesis.Case, data: str, ctx: object) -> None:
        case.headers = {**(case.headers or {}), "Authorization": data}


@pytest.fixture(autouse=True)
def app_on_the_test_database(database_url: str, admin_token: str) -> Iterator[None]:
    APP.state.database_url = database_url
    TOKEN["admin"] = admin_token
    yield
    APP.state.database_url = "sqlite:///:memory:"
    TOKEN.clear()


# On PostgreSQL only, the stricter of the two (NUL characters, 32-bit ids and bounded strings are refused
# there, where SQLite stores them): input it takes whole, SQLite takes too. Its coverage phase tries
# every field's edges; the examples after it are random inputs within and past the description.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_makes_the_api_fail_or_stray_from_its_description(case: schemathesis.Case) -> None:
    headers = {}  # the case itself is left as generated: the coverage phase's cases serve every test
    if (case.headers or {}).get("Authorization") == OURS:
        headers["Authorization"] = f"Bearer {TOKEN['admin']}"
    response = case.call(headers=headers)
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text[:500]}"
    if case.meta is not None and not case.meta.generation.mode.is_negative:
        # A valid request with an admin's token gets past the door: this test reaches the routes' code.
        assert response.status_code not in (401, 403), response.text
    if response.status_code < 300:
        case.validate_response(response)
