"""The web app as the page tests meet it: the users of each role, the outbox and a Mastodon account, on a
real database, and the reference article pasted in as an editor would."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient

from scheduler import db
from scheduler.config import Settings
from scheduler.models import Role
from scheduler.newsroom import users
from scheduler.newsroom.accounts import add_account, ensure_default_account
from scheduler.web.app import create_app
from scheduler.web.auth import CSRF_FIELD
from tests.conftest import REPO
from tests.web.test_auth import BASE, PASSWORD, csrf_of, sign_in

REFERENCE_ARTICLE = Path(__file__).parents[2] / "scheduler" / "demo" / "data" / "kardashian-white-house.txt"


@pytest.fixture
def site(database_url: str, isolated_settings: Path) -> Iterator[TestClient]:
    with db.session_scope(database_url) as session:
        for role in Role:
            users.add_user(session, role.value, role, PASSWORD)
        ensure_default_account(session)
        add_account(session, "masto", "mastodon", "Europe/London")
    settings = Settings(var_dir=isolated_settings, secret_key=Fernet.generate_key().decode())
    with TestClient(create_app(settings, database_url=database_url), base_url=BASE) as client:
        yield client


@pytest.fixture
def templates_dir(tmp_path: Path) -> Path:
    copy = tmp_path / "templates"
    shutil.copytree(REPO / "templates", copy)
    return copy


@pytest.fixture
def admin_site(
    site: TestClient, database_url: str, isolated_settings: Path, templates_dir: Path
) -> Iterator[TestClient]:
    """The site (its users and accounts) with its own copy of the templates, signed in as an admin."""
    settings = Settings(
        var_dir=isolated_settings, secret_key=Fernet.generate_key().decode(), templates_dir=templates_dir
    )
    with TestClient(create_app(settings, database_url=database_url), base_url=BASE) as client:
        sign_in(client, "admin")
        yield client


def add_reference(client: TestClient) -> str:
    """Paste the reference article; the address of its page."""
    form = client.get("/articles")
    added = client.post(
        "/articles",
        data={"text": REFERENCE_ARTICLE.read_text(), CSRF_FIELD: csrf_of(form.text)},
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text
    return added.headers["location"]
