"""/api/v1/articles: the reference article added by its text and by its page (fetched from a local
server), found again rather than stored twice, searched, and read back with its quotes and posts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient

from scheduler import db, newsroom, users
from scheduler.config import Settings, get_settings
from scheduler.models import Article, Role, utcnow
from scheduler.web.app import create_app
from tests.conftest import REFERENCE_ARTICLE
from tests.httpserver import LocalServer

PAGE = Path(__file__).parent / "data" / "pages" / "article.html"


@pytest.fixture
def editor(database_url: str) -> dict[str, str]:
    with db.session_scope(database_url) as session:
        newsroom.ensure_default_account(session)
        user = users.add_user(session, "ed", Role.EDITOR, "a long enough password")
        return {"Authorization": f"Bearer {users.create_token(session, user, 'cms')}"}


@pytest.fixture
def api(database_url: str, isolated_settings: Path) -> Iterator[TestClient]:
    settings = Settings(
        var_dir=isolated_settings, secret_key=Fernet.generate_key().decode(), allow_private_urls=True
    )
    with TestClient(create_app(settings, database_url=database_url)) as client:
        yield client


def test_the_reference_article_by_its_text_with_its_quotes_and_once_only(
    api: TestClient, editor: dict[str, str], database_url: str
) -> None:
    text = REFERENCE_ARTICLE.read_text()
    url = "https://news.example.com/kardashian"
    first = api.post("/api/v1/articles", json={"text": text, "canonical_url": url}, headers=editor)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["created"] is True
    article = body["article"]
    assert article["title"] == text.splitlines()[0].strip() and article["url"] == url
    quotes = article["quotes"]
    assert quotes and [q["rank"] for q in quotes] == list(range(1, len(quotes) + 1))
    assert any(q["speaker"] == "Kim Kardashian" for q in quotes)
    again = api.post("/api/v1/articles", json={"text": text, "canonical_url": url}, headers=editor)
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["article"]["id"] == article["id"]
    with db.session_scope(database_url) as session:
        assert session.query(Article).count() == 1


def test_an_article_by_its_page_is_fetched_guarded_and_read(
    api: TestClient, editor: dict[str, str], http_server: LocalServer
) -> None:
    http_server.route("/story", PAGE.read_bytes())
    added = api.post("/api/v1/articles", json={"url": http_server.url("/story")}, headers=editor)
    assert added.status_code == 201, added.text
    assert added.json()["article"]["title"]
    missing = api.post("/api/v1/articles", json={"url": http_server.url("/gone")}, headers=editor)
    assert missing.status_code == 422 and "404" in missing.json()["detail"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "give one of url (the article's page) or text (the article itself)"),
        ({"url": "https://a.example.com/x", "text": "T"}, "give one of url"),
        ({"text": "Title\x00\n\nbody"}, "the text holds NUL characters"),
        ({"text": "   \n\n  "}, "no text found"),
    ],
)
def test_a_body_that_is_not_one_article_is_refused_with_the_reason(
    api: TestClient, editor: dict[str, str], body: dict[str, str], message: str
) -> None:
    refused = api.post("/api/v1/articles", json=body, headers=editor)
    assert refused.status_code == 422
    assert message in str(refused.json()["detail"])


def test_articles_are_listed_newest_first_searched_and_read_with_their_posts(
    api: TestClient, editor: dict[str, str], database_url: str
) -> None:
    for title in ("Budget vote delayed", "Harbour bridge reopens", "Budget: what it means"):
        text = f"{title}\n\nBy: Ana Díaz\n\nThe council met on Tuesday and talked for a long time."
        assert api.post("/api/v1/articles", json={"text": text}, headers=editor).status_code == 201
    listed = api.get("/api/v1/articles", headers=editor).json()
    assert listed["total"] == 3
    assert [a["title"] for a in listed["articles"]] == [
        "Budget: what it means",
        "Harbour bridge reopens",
        "Budget vote delayed",
    ]
    found = api.get("/api/v1/articles", params={"q": "budget"}, headers=editor).json()
    assert sorted(a["title"] for a in found["articles"]) == ["Budget vote delayed", "Budget: what it means"]
    literal = api.get("/api/v1/articles", params={"q": "100%_"}, headers=editor).json()
    assert literal["total"] == 0  # % and _ are text, not wildcards
    article_id = found["articles"][0]["id"]
    with db.session_scope(database_url) as session:
        article = session.get_one(Article, article_id)
        account = newsroom.find_account(session, "outbox")
        newsroom.schedule_post(
            session,
            article,
            account,
            due_at=utcnow() + timedelta(hours=1),
            templates_dir=get_settings().templates_dir,
        )
    read = api.get(f"/api/v1/articles/{article_id}", headers=editor).json()
    assert [(p["account"], p["step"], p["state"]) for p in read["posts"]] == [
        ("outbox", "announce", "scheduled")
    ]
    assert api.get("/api/v1/articles/424242", headers=editor).status_code == 404
