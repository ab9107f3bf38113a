"""A post's history, comments and review through the pages and the API, on a real database: an approver
sends a draft back with the reason, its editor reads it (on the post and the dashboard) and resubmits,
comments from both, and each change named with who made it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from scheduler import db
from scheduler.models import Post, PostState
from scheduler.newsroom import users
from scheduler.web.auth import CSRF_FIELD
from tests.web.test_auth import csrf_of, sign_in
from tests.web.test_bulk import make_drafts
from tests.web.test_calendar import due_of, schedule_quote_post

# The pages on SQLite: what they call is tested on both databases in tests/newsroom.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_a_draft_sent_back_is_read_by_its_editor_fixed_and_resubmitted(
    site: TestClient, database_url: str
) -> None:
    sign_in(site, "editor")
    draft = schedule_quote_post(site)
    make_drafts(database_url, draft)
    site.cookies.clear()
    sign_in(site, "approver")
    page = site.get(f"/posts/{draft}")
    assert f'action="/posts/{draft}/reject"' in page.text
    empty = site.post(f"/posts/{draft}/reject", data={"reason": " ", CSRF_FIELD: csrf_of(page.text)})
    assert empty.status_code == 422 and "write the reason" in empty.text
    sent = site.post(
        f"/posts/{draft}/reject", data={"reason": "Say which minister", CSRF_FIELD: csrf_of(page.text)}
    )
    assert sent.status_code == 200 and "Sent back" in sent.text and "Say which minister" in sent.text
    dashboard = site.get("/")
    assert "Drafts sent back to their editors" in dashboard.text
    assert "Drafts waiting for approval" not in dashboard.text  # it waits for its editor now
    site.cookies.clear()
    sign_in(site, "editor")
    mine = site.get(f"/posts/{draft}")
    assert "Sent back</strong> by approver" in mine.text and "Say which minister" in mine.text
    again = site.post(
        f"/posts/{draft}/resubmit",
        data={"note": "Named her", CSRF_FIELD: csrf_of(mine.text)},
        follow_redirects=True,
    )
    assert "Sent back</strong>" not in again.text
    assert "<strong>approver</strong>\n      sent it back" in again.text.replace("\r", "")
    assert "sent it to the approvers again: <q>Named her</q>" in again.text
    assert "Drafts waiting for approval" in site.get("/").text


def test_comments_and_changes_are_shown_with_who_made_them(site: TestClient, database_url: str) -> None:
    sign_in(site, "editor")
    post = schedule_quote_post(site)
    due, _ = due_of(database_url, post)
    page = site.get(f"/posts/{post}")
    site.post(f"/posts/{post}/reschedule", data={"at": due[:-5] + "23:30", CSRF_FIELD: csrf_of(page.text)})
    empty = site.post(f"/posts/{post}/comments", data={"text": "", CSRF_FIELD: csrf_of(page.text)})
    assert (
        empty.status_code == 422 and "write the comment" in empty.text and 'aria-invalid="true"' in empty.text
    )
    site.post(
        f"/posts/{post}/comments", data={"text": "Is this the best quote?", CSRF_FIELD: csrf_of(page.text)}
    )
    site.cookies.clear()
    sign_in(site, "approver")
    token = csrf_of(site.get(f"/posts/{post}").text)
    site.post(f"/posts/{post}/comments", data={"text": "Yes, keep it", CSRF_FIELD: token})
    shown = site.get(f"/posts/{post}").text
    assert "<strong>editor</strong>\n      moved it from" in shown and "23:30" in shown
    assert "said: <q>Is this the best quote?</q>" in shown and "said: <q>Yes, keep it</q>" in shown
    assert shown.index("Is this the best quote?") < shown.index("Yes, keep it")


def test_the_api_gives_the_history_and_takes_comments_rejections_and_resubmissions(
    site: TestClient, database_url: str
) -> None:
    sign_in(site, "editor")
    draft = schedule_quote_post(site)
    make_drafts(database_url, draft)
    with db.session_scope(database_url) as session:
        approver = users.create_token(session, users.find_user(session, "approver"), "review")
        editor = users.create_token(session, users.find_user(session, "editor"), "review")
    as_approver, as_editor = ({"Authorization": f"Bearer {t}"} for t in (approver, editor))
    refused = site.post(f"/api/v1/posts/{draft}/reject", json={"reason": ""}, headers=as_approver)
    assert refused.status_code == 422 and refused.json()["detail"].startswith("/reason: write the reason")
    done = site.post(f"/api/v1/posts/{draft}/reject", json={"reason": "Too long"}, headers=as_approver)
    assert done.status_code == 200 and done.json()["post"] == draft
    assert (
        site.post(f"/api/v1/posts/{draft}/reject", json={"reason": "x"}, headers=as_editor).status_code == 403
    )
    said = site.post(f"/api/v1/posts/{draft}/comments", json={"text": "Cut it"}, headers=as_editor)
    assert said.status_code == 201
    back = site.post(f"/api/v1/posts/{draft}/resubmit", json={"note": "Cut"}, headers=as_editor)
    assert back.status_code == 200
    twice = site.post(f"/api/v1/posts/{draft}/resubmit", json={}, headers=as_editor)
    assert twice.status_code == 409 and "was not sent back" in twice.json()["detail"]
    history = site.get(f"/api/v1/posts/{draft}/history", headers=as_editor).json()
    assert history["rejected_at"] is None
    assert [(e["kind"], e["user"], e["note"]) for e in history["events"]] == [
        ("rejected", "approver", "Too long"),
        ("comment", "editor", "Cut it"),
        ("resubmitted", "editor", "Cut"),
    ]
    with db.session_scope(database_url) as session:
        assert session.get(Post, draft).state == PostState.DRAFT  # type: ignore[union-attr]
