"""The evergreen page on a real database: an account's evergreen turned on (refused beside its field when
the days are unreadable, given back as typed) and off, the articles it may reshare with when, an article
kept out and let back in by an editor (then skipped by the hourly fill), and only admins change accounts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from scheduler import db
from scheduler.models import Account, Article, Post, PostState, utcnow
from scheduler.newsroom import evergreen
from scheduler.web.auth import CSRF_FIELD
from tests.web.site import add_reference
from tests.web.test_auth import csrf_of, sign_in

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_evergreen_per_account_and_per_article(site: TestClient, database_url: str) -> None:
    sign_in(site, "admin")
    article_id = int(add_reference(site).rsplit("/", 1)[1])
    with db.session_scope(database_url) as session:
        masto = session.scalars(select(Account).filter_by(name="masto")).one()
        went = utcnow() - timedelta(days=40)
        session.add(
            Post(
                article_id=article_id,
                account=masto,
                step="announce",
                text="Out 40 days ago",
                state=PostState.PUBLISHED,
                due_at=went,
                scheduled_for=went,
                published_at=went,
            )
        )
    page = site.get("/evergreen")
    assert page.status_code == 200 and page.text.count("Off: its free slots stay free.") == 2
    token = csrf_of(page.text)

    unreadable = site.post(
        "/evergreen/masto", data={"after_days": "soon", "card": "quote", "action": "on", CSRF_FIELD: token}
    )
    assert unreadable.status_code == 422
    assert "write the number of days after which an article may go again" in unreadable.text
    assert 'value="soon"' in unreadable.text and 'aria-invalid="true"' in unreadable.text
    assert re.search(r'<option value="quote" selected>', unreadable.text)
    on = site.post(
        "/evergreen/masto", data={"after_days": "30", "card": "", "action": "on", CSRF_FIELD: token}
    )
    assert "Evergreen on for masto" in on.text and "may go again 30 days after" in on.text
    assert "now, at its next free slot" in on.text and "Keep it out" in on.text

    kept = site.post(
        f"/articles/{article_id}/evergreen",
        data={"action": "off", "back": "/evergreen#account-masto", CSRF_FIELD: token},
    )
    assert "is kept out of evergreen reshares" in kept.text and "Let it back in" in kept.text
    with db.session_scope(database_url) as session:
        assert session.get_one(Article, article_id).evergreen_off_at is not None
        assert evergreen.fill_free_slots(session, utcnow(), site.app.state.settings.templates_dir) == []
    back = site.post(
        f"/articles/{article_id}/evergreen", data={"action": "on", "back": "/evergreen", CSRF_FIELD: token}
    )
    assert "may be reshared by evergreen accounts again" in back.text
    with db.session_scope(database_url) as session:
        made = evergreen.fill_free_slots(session, utcnow(), site.app.state.settings.templates_dir, 2)
        assert [p.article_id for p in made] == [article_id]
    missing = site.post("/articles/999999/evergreen", data={"action": "off", CSRF_FIELD: token})
    assert missing.status_code == 404 and "there is no article 999999" in missing.text

    off = site.post("/evergreen/masto", data={"action": "off", CSRF_FIELD: token})
    assert "Evergreen off for masto" in off.text
    with db.session_scope(database_url) as session:
        assert "evergreen" not in session.scalars(select(Account).filter_by(name="masto")).one().options

    sign_in(site, "editor")
    as_editor = site.get("/evergreen")
    assert as_editor.status_code == 200 and "/evergreen/masto" not in as_editor.text
    refused = site.post(
        "/evergreen/masto", data={"after_days": "3", "action": "on", CSRF_FIELD: csrf_of(as_editor.text)}
    )
    assert refused.status_code == 403
