"""/api/v1/accounts/{name}/queue: an account's posts in order, a new order that keeps the times where they
are (and its undo), and the refusals, each with the domain's reason and nothing moved."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
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

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def token(database_url: str, name: str, role: Role) -> dict[str, str]:
    with db.session_scope(database_url) as session:
        user = users.add_user(session, name, role, "a long enough password")
        return {"Authorization": f"Bearer {users.create_token(session, user, 'script')}"}


@pytest.fixture(name="api")
def api_fixture(database_url: str, isolated_settings: Path) -> Iterator[TestClient]:
    """The app, on a database holding the outbox and masto (on Mastodon, in London)."""
    with db.session_scope(database_url) as session:
        ensure_default_account(session)
        add_account(session, "masto", "mastodon", "Europe/London")
    settings = Settings(var_dir=isolated_settings, secret_key=Fernet.generate_key().decode())
    with TestClient(create_app(settings, database_url=database_url)) as client:
        yield client


@pytest.fixture(name="editor")
def editor_fixture(database_url: str) -> dict[str, str]:
    return token(database_url, "ed", Role.EDITOR)


def queued(api: TestClient, headers: dict[str, str], text: str) -> int:
    """A post of one's own text in masto's next free slot, made as the composer makes it."""
    made = api.post("/api/v1/compositions", json={"accounts": ["masto"], "text": text}, headers=headers)
    assert made.status_code == 201, made.text
    return made.json()["posts"][0]["post"]["id"]


def queue(api: TestClient, headers: dict[str, str]) -> list[tuple[int, datetime]]:
    read = api.get("/api/v1/accounts/masto/queue", headers=headers)
    assert read.status_code == 200, read.text
    return [(post["id"], datetime.fromisoformat(post["at"]).astimezone(UTC)) for post in read.json()["posts"]]


@pytest.fixture
def three(api: TestClient, editor: dict[str, str]) -> list[int]:
    return [queued(api, editor, f"Post number {n}: " + "words " * 40) for n in range(3)]


def test_the_queue_in_order_and_a_new_order_that_keeps_the_times(
    api: TestClient,
    editor: dict[str, str],
    three: list[int],
) -> None:
    first, second, third = three
    read = api.get("/api/v1/accounts/masto/queue", headers=editor).json()
    assert read["account"] == "masto" and read["timezone"] == "Europe/London"
    posts = read["posts"]
    assert [p["id"] for p in posts] == three and all(
        p["movable"] and p["state"] == "scheduled" for p in posts
    )
    # The start of the text, cut at a word, as the page shows it.
    assert posts[0]["excerpt"].startswith("Post number 0: words") and posts[0]["excerpt"].endswith("...")
    assert len(posts[0]["excerpt"]) <= 160
    times = [at for _, at in queue(api, editor)]
    done = api.put("/api/v1/accounts/masto/queue", json={"order": [third, first, second]}, headers=editor)
    assert done.status_code == 200, done.text
    assert [m["post"] for m in done.json()["moved"]] == [third, first, second]
    assert done.json()["before"] == three
    assert queue(api, editor) == list(zip([third, first, second], times, strict=True))
    undo = api.put("/api/v1/accounts/masto/queue", json={"order": done.json()["before"]}, headers=editor)
    assert undo.status_code == 200 and queue(api, editor) == list(zip(three, times, strict=True))
    same = api.put("/api/v1/accounts/masto/queue", json={"order": three}, headers=editor)
    assert same.status_code == 200 and same.json()["moved"] == []


def test_each_refusal_says_why_and_moves_nothing(
    api: TestClient,
    editor: dict[str, str],
    three: list[int],
    database_url: str,
) -> None:
    first, second, third = three
    before = queue(api, editor)
    other = token(database_url, "eve", Role.EDITOR)
    theirs = queued(api, other, "Eve's own post")
    canceled = queued(api, editor, "Soon canceled")
    assert api.post(f"/api/v1/posts/{canceled}/cancel", json={}, headers=editor).status_code == 200

    def refused(order: list[int], headers: dict[str, str] = editor) -> tuple[int, str]:
        answer = api.put("/api/v1/accounts/masto/queue", json={"order": order}, headers=headers)
        return answer.status_code, answer.json()["detail"]

    assert refused([first, first]) == (422, "/order: a post is named twice in the new order: name each once")
    assert refused([first]) == (422, "/order: name at least two posts to put in another order")
    assert refused([second, 424242]) == (409, "/order: post 424242 is not in masto's queue")
    status, detail = refused([second, canceled])
    assert status == 409 and f"post {canceled} is canceled" in detail
    assert refused([theirs, first]) == (
        403,
        f"/order: post {theirs} is not yours (an editor moves only their own posts)",
    )
    # Each refusal rolled back whatever it had moved.
    assert [entry for entry in queue(api, editor) if entry[0] != theirs] == before
    # The admin may move anyone's; an approver reads the queue, movable nowhere, and may not reorder.
    admin = token(database_url, "ada", Role.ADMIN)
    assert api.put("/api/v1/accounts/masto/queue", json={"order": [theirs, third]}, headers=admin).is_success
    approver = token(database_url, "abe", Role.APPROVER)
    read = api.get("/api/v1/accounts/masto/queue", headers=approver).json()
    assert read["posts"] and not any(post["movable"] for post in read["posts"])
    assert refused([first, second], approver)[0] == 403
    missing = api.get("/api/v1/accounts/nowhere/queue", headers=editor)
    assert missing.status_code == 404 and "no account named 'nowhere'" in missing.json()["detail"]
    assert api.put("/api/v1/accounts/nowhere/queue", json={"order": three}, headers=editor).status_code == 404
