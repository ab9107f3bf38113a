"""/api/v1/articles and /api/v1/posts: the reference article added by its text and by its page (fetched from
a local server), found again rather than stored twice, searched, and read back with its quotes and posts;
a post of it scheduled with the chosen quote, at a time or in the next free slot, a draft when the account
asks for approval, and the refusals with their reasons."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import select

from scheduler import db
from scheduler.config import Settings, get_settings
from scheduler.models import Article, Post, Role, utcnow
from scheduler.newsroom import controls, users
from scheduler.newsroom.accounts import add_account, ensure_default_account, find_account
from scheduler.newsroom.posts import next_slot, schedule_post
from scheduler.web.app import create_app
from tests.conftest import REFERENCE_ARTICLE
from tests.httpserver import LocalServer

PAGE = Path(__file__).parents[1] / "data" / "pages" / "article.html"


@pytest.fixture
def editor(database_url: str) -> dict[str, str]:
    with db.session_scope(database_url) as session:
        ensure_default_account(session)
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
        account = find_account(session, "outbox")
        schedule_post(
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


# --- POST /api/v1/posts ---------------------------------------------------------------------------------


def added_reference(api: TestClient, headers: dict[str, str]) -> dict:
    added = api.post("/api/v1/articles", json={"text": REFERENCE_ARTICLE.read_text()}, headers=headers)
    assert added.status_code == 201, added.text
    return added.json()["article"]


def test_a_quote_post_with_the_chosen_quote_at_a_time(
    api: TestClient, editor: dict[str, str], database_url: str
) -> None:
    article = added_reference(api, editor)
    second = article["quotes"][1]
    at = (utcnow() + timedelta(days=2)).replace(microsecond=0)
    made = api.post(
        "/api/v1/posts",
        json={
            "article_id": article["id"],
            "account": "outbox",
            "step": "quote",
            "quote_rank": 2,
            "at": at.isoformat(),
        },
        headers=editor,
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["parts"] == 1 and body["post"]["state"] == "scheduled"
    assert datetime.fromisoformat(body["post"]["due_at"]).astimezone(UTC) == at
    assert second["text"].split()[0] in body["post"]["text"]
    with db.session_scope(database_url) as session:
        post = session.get(Post, body["post"]["id"])
        assert post is not None and post.quote is not None and post.quote.rank == 2
        assert post.created_by_id == users.find_user(session, "ed").id
    # The editor's own post shows in the article's posts.
    read = api.get(f"/api/v1/articles/{article['id']}", headers=editor).json()
    assert [p["id"] for p in read["posts"]] == [body["post"]["id"]]


def test_the_next_free_slot_and_a_draft_when_the_account_asks_for_approval(
    api: TestClient, editor: dict[str, str], database_url: str
) -> None:
    article = added_reference(api, editor)
    with db.session_scope(database_url) as session:
        controls.set_approval(session, "outbox", True)
        expected = next_slot(session, find_account(session, "outbox"), after=utcnow())
    made = api.post("/api/v1/posts", json={"article_id": article["id"], "account": "outbox"}, headers=editor)
    assert made.status_code == 201, made.text
    post = made.json()["post"]
    assert post["state"] == "draft" and post["step"] == "announce"
    assert datetime.fromisoformat(post["due_at"]) == expected


def test_refusals_say_what_is_wrong(api: TestClient, editor: dict[str, str], database_url: str) -> None:
    article = added_reference(api, editor)

    def post(**body: object) -> tuple[int, str]:
        response = api.post("/api/v1/posts", json={"article_id": article["id"], **body}, headers=editor)
        return response.status_code, str(response.json()["detail"])

    assert post(account="outbox", step="quote", quote_rank=99) == (
        422,
        f"article {article['id']} has {len(article['quotes'])} quote(s): no quote ranked 99",
    )
    status, detail = post(account="outbox", quote_rank=1)
    assert status == 422 and "quote_rank goes with the quote step" in detail
    status, detail = post(account="outbox", now=True, at="2031-01-01T09:00:00Z")
    assert status == 422 and "give `at` or `now`, not both" in detail
    status, detail = post(account="outbox", at="2020-01-01T09:00:00Z")
    # In the API's words (a JSON member), not the CLI's (a flag).
    assert status == 422 and 'has already passed; give a later time, or "now": true to post at once' in detail
    assert "--" not in detail
    status, detail = post(account="nobody")
    assert status in (404, 422) and "an admin adds it in the web app" in detail and "scheduler" not in detail
    status, detail = post(account="outbox", at="2031-01-01T09:00:00")
    assert status == 422  # no offset: the API does not guess a zone
    with db.session_scope(database_url) as session:
        add_account(session, "masto", "mastodon", "Europe/London")
    status, detail = post(account="masto", text="x" * 501)
    assert status == 422 and "the text is 1 over the 500 limit for mastodon" in detail
    assert post(account="nowhere")[0] == 404
    missing = api.post("/api/v1/posts", json={"article_id": 999999, "account": "outbox"}, headers=editor)
    assert missing.status_code == 404 and "there is no article 999999" in missing.json()["detail"]
    with db.session_scope(database_url) as session:
        assert session.scalars(select(Post)).all() == []


def test_an_approver_may_not_create_posts(api: TestClient, editor: dict[str, str], database_url: str) -> None:
    article = added_reference(api, editor)
    with db.session_scope(database_url) as session:
        approver = users.add_user(session, "abe", Role.APPROVER, "a long enough password")
        token = users.create_token(session, approver, "script")
    refused = api.post(
        "/api/v1/posts",
        json={"article_id": article["id"], "account": "outbox"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert refused.status_code == 403
