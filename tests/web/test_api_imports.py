"""POST /api/v1/imports against pages served by a local HTTP server: a dry run gives every row checked
(or its problem) and stores nothing; a file with a bad row imports nothing and says which; a good one
imports all its rows at once, as the posts of the caller; with a campaign, every step for each article."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from scheduler import db
from scheduler.models import Article, Post
from scheduler.newsroom import users
from tests.httpserver import LocalServer
from tests.newsroom.test_polling import article_html
from tests.web.test_api_feeds import api, editor  # noqa: F401  (fixtures: two accounts, an editor's token)

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def stored(url: str) -> tuple[int, int]:
    with db.session_scope(url) as session:
        count = session.scalar(select(func.count()).select_from(Article)) or 0
        return count, session.scalar(select(func.count()).select_from(Post)) or 0


def test_rows_are_checked_then_all_imported_or_none(
    api: TestClient,  # noqa: F811
    editor: dict[str, str],  # noqa: F811
    database_url: str,
    http_server: LocalServer,
) -> None:
    http_server.route("/a", article_html("A library reopens"))
    http_server.route("/b", article_html("The bridge closes"))
    a, b = http_server.url("/a"), http_server.url("/b")
    bad = (
        f"article,account,time,text\n{a},city,,\n{a},nobody,,\n/etc/passwd,city,,\n"
        f"{b},city,2020-01-01 09:00,\n"
    )
    checked = api.post("/api/v1/imports", json={"csv": bad}, headers=editor)
    assert checked.status_code == 200, checked.text
    result = checked.json()
    assert result["imported"] is False and result["bad"] == 3 and result["posts"] == []
    rows = {row["line"]: row for row in result["rows"]}
    assert list(rows) == [2, 3, 4, 5]
    assert (
        rows[2]["title"] == "A library reopens" and rows[2]["problem"] is None and rows[2]["due_at"] is None
    )
    assert "no account named 'nobody'" in rows[3]["problem"]
    assert "'/etc/passwd' is not an address" in rows[4]["problem"]
    assert "has already passed" in rows[5]["problem"]
    refused = api.post("/api/v1/imports", json={"csv": bad, "dry_run": False}, headers=editor)
    assert refused.status_code == 422
    detail = refused.json()["detail"]
    assert detail["message"] == "the CSV: 3 bad rows; nothing imported (fix the file)"
    assert [row["line"] for row in detail["rows"]] == [2, 3, 4, 5] and "nobody" in detail["rows"][1][
        "problem"
    ]
    for body, message in [
        ({"csv": "just,some,words\n"}, "the CSV: unknown column 'just'"),
        ({"csv": "article\n"}, "the CSV: the file has a header but no rows to import"),
        ({"csv": "article\n" + a, "campaign": "nope"}, "no campaign 'nope'"),
    ]:
        unread = api.post("/api/v1/imports", json=body, headers=editor)
        assert unread.status_code == 422 and message in unread.json()["detail"], unread.text
    alone = api.post("/api/v1/imports", json={"csv": "article\n" + a, "accounts": ["city"]}, headers=editor)
    assert alone.status_code == 422 and "accounts go with a campaign" in alone.text
    assert stored(database_url) == (0, 0)  # nothing of it stored

    good = f"article,account,time,text\n{a},city,,\n{b},metro,2031-05-01 09:00,\n"
    done = api.post("/api/v1/imports", json={"csv": good, "dry_run": False}, headers=editor)
    assert done.status_code == 201, done.text
    made = done.json()
    assert made["imported"] is True and made["bad"] == 0 and len(made["rows"]) == 2
    assert [(p["account"], p["state"]) for p in made["posts"]] == [
        ("city", "scheduled"),
        ("metro", "scheduled"),
    ]
    assert made["posts"][1]["due_at"] == "2031-05-01T08:00:00Z"  # 09:00 in London, in UTC
    assert stored(database_url) == (2, 2)
    with db.session_scope(database_url) as session:
        owners = set(session.scalars(select(Post.created_by_id)))
        assert owners == {users.find_user(session, "ed").id}  # the caller's posts, as on the page


def test_a_campaign_plans_every_step_for_each_rows_article(
    api: TestClient,  # noqa: F811
    editor: dict[str, str],  # noqa: F811
    database_url: str,
    http_server: LocalServer,
) -> None:
    http_server.route("/a", article_html("A library reopens"))
    body = {
        "csv": f"article\n{http_server.url('/a')}\n",
        "campaign": "default",
        "accounts": ["city", "metro"],
    }
    checked = api.post("/api/v1/imports", json=body, headers=editor).json()
    assert [row["accounts"] for row in checked["rows"]] == [["city", "metro"]] and stored(database_url) == (
        0,
        0,
    )
    done = api.post("/api/v1/imports", json={**body, "dry_run": False}, headers=editor)
    assert done.status_code == 201, done.text
    made = done.json()
    assert {post["campaign"] for post in made["posts"]} == {"default"}
    assert {post["account"] for post in made["posts"]} == {"city", "metro"}
    assert all(left["reason"] for left in made["left_out"])
    assert stored(database_url)[0] == 1
