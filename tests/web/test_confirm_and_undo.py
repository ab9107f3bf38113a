"""What cannot be undone is asked about first (cancelling a post: tests/web/test_pages.py); what can
is done at once with an Undo beside the notice: disabling a user, pausing an account."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from scheduler import db
from scheduler.newsroom import users
from scheduler.newsroom.accounts import find_account
from scheduler.web.auth import CSRF_FIELD
from tests.web.test_auth import csrf_of, sign_in


def undo_button(page: str) -> tuple[str, str]:
    found = re.search(
        r'<form method="post" action="([^"]+)" class="inline undo">.*?<button type="submit">([^<]+)<',
        page,
        re.S,
    )
    assert found, "the page offers no Undo"
    return found[1], found[2]


def test_disabling_a_user_offers_to_undo_it(site: TestClient, database_url: str) -> None:
    sign_in(site, "admin")
    token = csrf_of(site.get("/users").text)
    disabled = site.post("/users/editor/disable", data={CSRF_FIELD: token})
    assert disabled.status_code == 200 and "editor is disabled" in disabled.text
    action, label = undo_button(disabled.text)
    assert (action, label) == ("/users/editor/enable", "Undo: enable editor again")
    with db.session_scope(database_url) as session:
        assert users.find_user(session, "editor").disabled_at is not None
    undone = site.post(action, data={CSRF_FIELD: csrf_of(disabled.text)}, follow_redirects=True)
    assert undone.status_code == 200
    with db.session_scope(database_url) as session:
        assert users.find_user(session, "editor").disabled_at is None


def test_pausing_an_account_offers_to_undo_it(site: TestClient, database_url: str) -> None:
    sign_in(site, "approver")
    token = csrf_of(site.get("/accounts/masto").text)
    paused = site.post("/accounts/masto/pause", data={CSRF_FIELD: token})
    assert paused.status_code == 200 and "Paused: nothing more goes out" in paused.text
    action, label = undo_button(paused.text)
    assert (action, label) == ("/accounts/masto/resume", "Undo: resume it")
    resumed = site.post(action, data={CSRF_FIELD: csrf_of(paused.text)})
    assert resumed.status_code == 200 and "Resumed" in resumed.text
    with db.session_scope(database_url) as session:
        assert find_account(session, "masto").paused_at is None
