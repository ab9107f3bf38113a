"""/api/v1/compositions and /api/v1/account-groups: the reference article composed for three accounts on
three networks, previewed as each will publish it (counted its own way, one network's own text, the
template with a card and its alt text), sent to every account or to none, and saved groups."""

from __future__ import annotations

from typing import get_args

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from scheduler import db
from scheduler.models import Post, PostState, Role
from scheduler.networks import NETWORKS
from scheduler.newsroom.accounts import add_account
from scheduler.web.api_compose import Network
from tests.conftest import REFERENCE_ARTICLE
from tests.web.test_api_queue import api_fixture, editor_fixture, token  # noqa: F401  (fixtures api, editor)

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

LINK = "https://example.com/a/very/long/address/that/x/counts/as/twenty-three/characters"


@pytest.fixture
def article(api: TestClient, editor: dict[str, str], database_url: str) -> int:
    with db.session_scope(database_url) as session:
        add_account(session, "sky", "bluesky", "America/New_York")
    added = api.post("/api/v1/articles", json={"text": REFERENCE_ARTICLE.read_text()}, headers=editor)
    assert added.status_code == 201, added.text
    return added.json()["article"]["id"]


def previews(api: TestClient, headers: dict[str, str], **body: object) -> dict[str, dict]:
    shown = api.post("/api/v1/compositions/preview", json=body, headers=headers)
    assert shown.status_code == 200, shown.text
    return {preview["account"]: preview for preview in shown.json()["previews"]}


def test_each_network_s_preview_counted_its_own_way_one_customised_and_the_template_with_its_card(
    api: TestClient,
    editor: dict[str, str],
    article: int,
) -> None:
    text = f"Read this: {LINK} " + "é" * 10
    shown = previews(api, editor, article_id=article, accounts=["outbox", "masto", "sky"], text=text)
    assert list(shown) == ["outbox", "masto", "sky"]
    # Mastodon counts a link as 23 characters (11 + 23 + 1 + 10); Bluesky counts graphemes against 300.
    [masto] = shown["masto"]["parts"]
    assert (masto["text"], masto["length"], masto["limit"], masto["fits"]) == (text, 45, 500, True)
    assert shown["sky"]["parts"][0]["limit"] == 300 and shown["sky"]["parts"][0]["byte_limit"] == 3000
    assert shown["masto"]["own"] and not shown["masto"]["custom"] and shown["masto"]["due"]
    assert all(preview["ready"] for preview in shown.values())
    own = "Only on Bluesky: the White House visit, in one line."
    assert set(get_args(Network)) == set(NETWORKS)  # a network's own text is for one the scheduler knows
    shown = previews(
        api, editor, article_id=article, accounts=["masto", "sky"], text=text, custom={"bluesky": own}
    )
    assert shown["sky"]["custom"] and shown["sky"]["parts"][0]["text"] == own
    assert shown["masto"]["parts"][0]["text"] == text
    # No text: each network's template, fitted; the card and its alt text instead of a link card.
    shown = previews(api, editor, article_id=article, accounts=["masto", "sky"], step="quote", card="quote")
    assert not shown["masto"]["own"] and shown["masto"]["parts"][0]["text"]
    assert shown["sky"]["card"] == "quote" and shown["sky"]["alt"] and shown["sky"]["link"] is None
    # A time passed is shown per account, in the API's words; nothing of one's own without an article.
    shown = previews(api, editor, accounts=["masto"], when="at", at="2020-01-01T09:00:00Z")
    [masto] = shown.values()
    assert "write the post's text" in masto["problem"] and not masto["ready"]
    assert 'has already passed; give a later time, or "when": "now" to post at once' in masto["due_problem"]


def test_sending_makes_every_account_s_post_or_none_and_says_why(
    api: TestClient,
    editor: dict[str, str],
    article: int,
    database_url: str,
) -> None:
    def send(**body: object) -> tuple[int, object]:
        answer = api.post("/api/v1/compositions", json=body, headers=editor)
        return answer.status_code, answer.json() if answer.status_code == 201 else answer.json()["detail"]

    everyone = {"article_id": article, "accounts": ["masto", "sky", "outbox"]}
    status, detail = send(**everyone, when="at", at="2020-01-01T09:00:00Z")
    assert status == 422 and str(detail).startswith("nothing was sent: masto: 2020-01-01T09:00:00+00:00")
    assert 'has already passed; give a later time, or "when": "now"' in str(detail)
    status, detail = send(**everyone, text="x" * 501)
    assert status == 422 and "masto: the text is 1 over the 500 limit for mastodon" in str(detail)
    status, detail = send(**everyone, when="at")
    assert status == 422 and 'give "at" (an ISO 8601 time with an offset) with "when": "at"' in str(detail)
    assert send(article_id=article, accounts=[])[1] == "nothing was sent: choose at least one account"
    status, detail = send(article_id=article, accounts=["masto", "nowhere"])
    assert status == 404 and "no account named 'nowhere'" in str(detail)
    assert send(article_id=424242, accounts=["masto"]) == (404, "there is no article 424242")
    with db.session_scope(database_url) as session:
        assert session.scalars(select(Post)).first() is None
    status, sent = send(**everyone, approval=True)
    assert status == 201
    made = sent["posts"]
    assert [(item["account"], item["draft"], item["post"]["state"]) for item in made] == [
        ("masto", True, "draft"),
        ("sky", True, "draft"),
        ("outbox", True, "draft"),
    ]
    with db.session_scope(database_url) as session:
        posts = list(session.scalars(select(Post).where(Post.thread_index == 0)))
        assert sorted(p.id for p in posts) == sorted(item["post"]["id"] for item in made)
        assert {p.state for p in posts} == {PostState.DRAFT} and all(p.created_by_id for p in posts)
        assert {p.article_id for p in posts} == {article}


def test_saved_groups_pick_accounts_at_once(
    api: TestClient,
    editor: dict[str, str],
    article: int,
    database_url: str,
) -> None:
    saved = api.post(
        "/api/v1/account-groups", json={"name": "the  wires", "accounts": ["masto"]}, headers=editor
    )
    assert saved.status_code == 201 and saved.json()["name"] == "the wires"
    again = {"name": "the wires", "accounts": ["sky", "masto"]}
    replaced = api.post("/api/v1/account-groups", json=again, headers=editor)
    assert replaced.status_code == 200 and replaced.json()["accounts"] == ["sky", "masto"]
    listed = api.get("/api/v1/account-groups", headers=editor).json()
    assert [(g["name"], g["accounts"]) for g in listed] == [("the wires", ["sky", "masto"])]
    blank = api.post("/api/v1/account-groups", json={"name": "   ", "accounts": ["masto"]}, headers=editor)
    assert blank.status_code == 422 and blank.json()["detail"] == "name the group (at most 100 characters)"
    unknown = api.post("/api/v1/account-groups", json={"name": "x", "accounts": ["nowhere"]}, headers=editor)
    assert unknown.status_code == 404
    assert len(api.get("/api/v1/account-groups", headers=editor).json()) == 1
    shown = api.post(
        "/api/v1/compositions/preview",
        json={"article_id": article, "accounts": ["outbox"], "group": "the wires"},
        headers=editor,
    )
    assert shown.json()["accounts"] == ["outbox", "sky", "masto"]
    missing = api.post("/api/v1/compositions", json={"group": "the others"}, headers=editor)
    assert missing.status_code == 404 and "there is no group named 'the others'" in missing.json()["detail"]
    approver = token(database_url, "abe", Role.APPROVER)
    assert api.get("/api/v1/account-groups", headers=approver).status_code == 403
    assert api.post("/api/v1/compositions/preview", json={}, headers=approver).status_code == 403
