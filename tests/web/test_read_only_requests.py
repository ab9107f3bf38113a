"""A request that only reads (GET) takes no write lock on SQLite: a page answers while a worker holds
the lock, and no page holds up a worker's write. What a GET still writes (an API token's last use)
goes in a short transaction of its own."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import text

from scheduler import db
from scheduler.config import Settings, get_settings
from scheduler.models import ApiToken, Role
from scheduler.newsroom import users
from scheduler.newsroom.accounts import ensure_default_account
from scheduler.web.app import create_app
from tests.test_db import writes_without_waiting
from tests.web.test_api_articles import PAGE
from tests.web.test_auth import BASE, PASSWORD, sign_in


@pytest.fixture
def sqlite_url(isolated_settings: Path) -> str:
    url = f"sqlite:///{isolated_settings / 'pages.db'}"
    db.upgrade_schema(url)
    with db.session_scope(url) as session:
        users.add_user(session, "ed", Role.EDITOR, PASSWORD)
        ensure_default_account(session)
    return url


@pytest.fixture
def client(sqlite_url: str, isolated_settings: Path) -> Iterator[TestClient]:
    settings = Settings(var_dir=isolated_settings, secret_key=Fernet.generate_key().decode())
    with TestClient(create_app(settings, database_url=sqlite_url), base_url=BASE) as client:
        yield client


def test_pages_answer_while_a_worker_holds_the_write_lock(client: TestClient, sqlite_url: str) -> None:
    assert sign_in(client, "ed").status_code == 303
    engine = db.make_engine(sqlite_url)
    with engine.connect() as worker:
        worker.execute(text("UPDATE accounts SET name = name"))  # BEGIN IMMEDIATE: the lock is the worker's
        for path in (
            "/",
            "/accounts",
            "/articles",
            "/calendar",
            "/posts",
            "/accounts/outbox/queue",
            "/accounts/outbox",
        ):
            started = time.monotonic()
            answer = client.get(path)
            assert answer.status_code == 200, (path, answer.status_code)
            # A page that waited for the lock would wait out the busy timeout (15 s): half of it is a
            # bound a loaded machine does not reach (alone, the seven pages take under a second).
            waited = time.monotonic() - started
            assert waited < get_settings().sqlite_busy_timeout_ms / 2000, (
                f"{path} waited for the worker's lock"
            )
        worker.rollback()
    engine.dispose()


def test_an_api_read_notes_the_tokens_use_in_a_transaction_of_its_own(
    client: TestClient, sqlite_url: str
) -> None:
    with db.session_scope(sqlite_url) as session:
        token = users.create_token(session, users.find_user(session, "ed"), "script")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/accounts", headers=headers).status_code == 200
    with db.session_scope(sqlite_url) as session:
        [noted] = session.query(ApiToken.last_used_at).all()
    assert noted[0] is not None
    assert client.get("/api/v1/accounts", headers=headers).status_code == 200
    with db.session_scope(sqlite_url) as session:
        assert session.query(ApiToken.last_used_at).all() == [noted], "not written again within minutes"


def test_fetching_an_article_holds_no_lock(sqlite_url: str, isolated_settings: Path, http_server) -> None:
    """The page answers 1.5 s late; meanwhile a worker writes at once, and the article is then stored."""
    http_server.route("/story", PAGE.read_bytes(), delay=1.5)
    with db.session_scope(sqlite_url) as session:
        token = users.create_token(session, users.find_user(session, "ed"), "cms")
    settings = Settings(
        var_dir=isolated_settings, secret_key=Fernet.generate_key().decode(), allow_private_urls=True
    )
    with TestClient(create_app(settings, database_url=sqlite_url)) as api, ThreadPoolExecutor(1) as pool:
        adding = pool.submit(
            api.post,
            "/api/v1/articles",
            json={"url": http_server.url("/story")},
            headers={"Authorization": f"Bearer {token}"},
        )
        while not http_server.requests:  # the fetch has begun
            time.sleep(0.01)
        assert writes_without_waiting(sqlite_url), "the request held the write lock through the fetch"
        assert adding.result(timeout=30).status_code == 201
