"""CSV import in the browser on a real database, against pages served by a local HTTP server: every row
checked and shown first, a file with a bad row importing nothing (and naming the row), a path refused
(an upload cannot read the server's files), then all rows imported in one go."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from scheduler import db
from scheduler.config import Settings
from scheduler.models import Post, Role
from scheduler.newsroom import users
from scheduler.newsroom.accounts import add_account
from scheduler.web.app import create_app
from scheduler.web.auth import CSRF_FIELD
from tests.httpserver import LocalServer
from tests.newsroom.test_polling import article_html
from tests.web.test_auth import BASE, PASSWORD, csrf_of, sign_in


@pytest.fixture
def desk(database_url: str, isolated_settings: Path) -> Iterator[TestClient]:
    with db.session_scope(database_url) as session:
        users.add_user(session, "editor", Role.EDITOR, PASSWORD)
        add_account(session, "city", "outbox", "Europe/London")
        add_account(session, "metro", "outbox", "Europe/London")
    settings = Settings(
        var_dir=isolated_settings, secret_key=Fernet.generate_key().decode(), allow_private_urls=True
    )
    with TestClient(create_app(settings, database_url=database_url), base_url=BASE) as client:
        yield client


def posts(url: str) -> int:
    with db.session_scope(url) as session:
        return session.scalar(select(func.count()).select_from(Post)) or 0


def upload(desk: TestClient, text: str) -> object:
    token = csrf_of(desk.get("/import").text)
    return desk.post(
        "/import/check", data={CSRF_FIELD: token}, files={"file": ("plan.csv", text.encode(), "text/csv")}
    )


def test_every_row_is_shown_checked_then_all_are_imported(
    desk: TestClient, database_url: str, http_server: LocalServer
) -> None:
    sign_in(desk, "editor")
    http_server.route("/a", article_html("A library reopens"))
    http_server.route("/b", article_html("The bridge closes"))
    csv = (
        "article,account,time,text\n"
        f"{http_server.url('/a')},city,,\n"
        f"{http_server.url('/b')},metro,2031-05-01 09:00,\n"
    )
    checked = upload(desk, csv)
    assert checked.status_code == 200, checked.text  # type: ignore[attr-defined]
    page = checked.text  # type: ignore[attr-defined]
    assert (
        "plan.csv: 2 rows" in page
        and "A library reopens" in page
        and "the account&#39;s next free slot" in page
    )
    assert "2031-05-01 09:00" in page and "Europe/London" in page
    assert posts(database_url) == 0  # checking imports nothing
    token = page.split('name="token" value="')[1].split('"')[0]
    done = desk.post("/import/run", data={"token": token, "name": "plan.csv", CSRF_FIELD: csrf_of(page)})
    assert done.status_code == 200 and "Imported 2 posts from plan.csv" in done.text
    assert posts(database_url) == 2
    again = desk.post("/import/run", data={"token": token, "name": "plan.csv", CSRF_FIELD: csrf_of(page)})
    assert again.status_code == 422 and "upload the file again" in again.text and posts(database_url) == 2


def test_a_bad_row_or_a_path_imports_nothing_and_is_named(
    desk: TestClient, database_url: str, http_server: LocalServer
) -> None:
    sign_in(desk, "editor")
    http_server.route("/a", article_html("A library reopens"))
    csv = (
        "article,account,time,text\n"
        f"{http_server.url('/a')},city,,\n"
        f"{http_server.url('/a')},nobody,,\n"
        "/etc/passwd,city,,\n"
        f"{http_server.url('/a')},city,2020-01-01 09:00,\n"
    )
    checked = upload(desk, csv)
    page = checked.text  # type: ignore[attr-defined]
    assert checked.status_code == 422 and "4 rows, 3 with a problem" in page  # type: ignore[attr-defined]
    assert "no account named &#39;nobody&#39;" in page and "&#39;/etc/passwd&#39; is not an address" in page
    assert "has already passed" in page and 'name="token"' not in page
    assert posts(database_url) == 0
    empty = upload(desk, "")
    assert empty.status_code == 422 and "choose a CSV file" in empty.text  # type: ignore[attr-defined]
    headless = upload(desk, "just,some,words\n")
    assert headless.status_code == 422 and "File: " in headless.text  # type: ignore[attr-defined]
    assert "article,account,time,text" in headless.text  # type: ignore[attr-defined]
