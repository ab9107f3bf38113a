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

from scheduler import db, newsroom, users
from scheduler.config import Settings
from scheduler.models import Attempt, Post, PostState, Role, utcnow
from scheduler.web.app import create_app


@pytest.fixture
def admin_token(database_url: str) -> str:
    with db.session_scope(database_url) as session:
        account = newsroom.ensure_default_account(session) or newsroom.find_account(session, "outbox")
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


@pytest.fixture(autouse=True)
def app_on_the_test_database(database_url: str) -> Iterator[None]:
    APP.state.database_url = database_url
    yield
    APP.state.database_url = "sqlite:///:memory:"


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_makes_the_api_fail_or_stray_from_its_description(
    case: schemathesis.Case, admin_token: str
) -> None:
    response = case.call(headers={"Authorization": f"Bearer {admin_token}"})
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text[:500]}"
    if response.status_code < 300:
        case.validate_response(response)
