"""An article's campaign, correction, embargo and withdrawal from its page, on a real database: each
preview is the real change rolled back (nothing saved until the editor says so), then the change."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from scheduler import db
from scheduler.models import Article, Post, PostState, utcnow
from scheduler.web.auth import CSRF_FIELD
from tests.web.site import add_reference
from tests.web.test_auth import csrf_of, sign_in


def count_posts(url: str) -> int:
    with db.session_scope(url) as session:
        return session.scalar(select(func.count()).select_from(Post)) or 0


def test_a_campaign_s_timeline_is_shown_before_it_is_planned(site: TestClient, database_url: str) -> None:
    sign_in(site, "editor")
    article = add_reference(site)
    page = site.get(article)
    assert 'action="' + article + '/campaign"' in page.text and '<option value="default">' in page.text
    token = csrf_of(page.text)
    shown = site.post(
        f"{article}/campaign", data={"name": "default", "accounts": ["masto", "outbox"], CSRF_FIELD: token}
    )
    assert shown.status_code == 200 and "Campaign default" in shown.text
    steps = re.findall(r"· <strong>(masto|outbox)</strong> · step (\d+)", shown.text)
    assert steps and {account for account, _ in steps} == {"masto", "outbox"}
    assert count_posts(database_url) == 0  # a preview plans nothing
    planned = site.post(
        f"{article}/campaign",
        data={"name": "default", "accounts": ["masto", "outbox"], "action": "plan", CSRF_FIELD: token},
        follow_redirects=True,
    )
    assert f"Campaign default planned: {len(steps)} posts on 2 accounts." in planned.text
    with db.session_scope(database_url) as session:
        assert session.scalar(select(func.count()).select_from(Post).where(Post.thread_index == 0)) == len(
            steps
        )
    unknown = site.post(
        f"{article}/campaign", data={"name": "nope", "accounts": ["masto"], CSRF_FIELD: token}
    )
    assert unknown.status_code == 422 and "nope" in unknown.text


def test_a_correction_shows_each_post_before_and_after_then_is_applied(
    site: TestClient, database_url: str
) -> None:
    sign_in(site, "editor")
    article = add_reference(site)
    token = csrf_of(site.get(article).text)
    site.post(
        f"{article}/posts", data={"account": "masto", "step": "announce", "when": "queue", CSRF_FIELD: token}
    )
    with db.session_scope(database_url) as session:
        before = session.scalars(select(Post.text)).one()
        title = session.scalars(select(Article.title)).one()
    fixed = "Kim Kardashian meets the president on prison reform"
    shown = site.post(f"{article}/correct", data={"title": fixed, "summary": "", CSRF_FIELD: token})
    assert shown.status_code == 200 and "changes the article's title" in shown.text
    assert 'class="post-text diff-before"' in shown.text and fixed in shown.text
    with db.session_scope(database_url) as session:
        assert session.scalars(select(Post.text)).one() == before  # nothing changed yet
        assert session.scalars(select(Article.title)).one() == title
    applied = site.post(
        f"{article}/correct",
        data={"title": fixed, "summary": "", "confirmed": "yes", CSRF_FIELD: token},
        follow_redirects=True,
    )
    assert "Corrected (title): 1 post rendered again." in applied.text
    with db.session_scope(database_url) as session:
        assert fixed in session.scalars(select(Post.text)).one()


def test_embargo_lift_and_withdraw_asked_first(site: TestClient, database_url: str) -> None:
    sign_in(site, "editor")
    article = add_reference(site)
    token = csrf_of(site.get(article).text)
    site.post(
        f"{article}/posts", data={"account": "masto", "step": "announce", "when": "queue", CSRF_FIELD: token}
    )
    later = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    held = site.post(f"{article}/embargo", data={"until": later, CSRF_FIELD: token}, follow_redirects=True)
    assert (
        f"Embargoed until {later}: 1 post waits for it." in held.text and "Under embargo until" in held.text
    )
    passed = site.post(f"{article}/embargo", data={"until": "2020-01-01 09:00", CSRF_FIELD: token})
    assert passed.status_code == 422 and "has already passed" in passed.text
    lifted = site.post(f"{article}/embargo", data={"lift": "yes", CSRF_FIELD: token}, follow_redirects=True)
    assert "Embargo lifted" in lifted.text and "Under embargo until" not in lifted.text
    asked = site.post(f"{article}/withdraw", data={"reason": "Legal asked", CSRF_FIELD: token})
    assert "cannot be undone" in asked.text and count_posts(database_url) == 1
    with db.session_scope(database_url) as session:
        assert session.scalars(select(Post.state)).one() == PostState.SCHEDULED
    done = site.post(
        f"{article}/withdraw",
        data={"reason": "Legal asked", "confirmed": "yes", CSRF_FIELD: token},
        follow_redirects=True,
    )
    assert "Withdrawn: 1 post canceled." in done.text and "Legal asked" in done.text
    with db.session_scope(database_url) as session:
        assert session.scalars(select(Post.state)).one() == PostState.CANCELED
    empty = site.post(f"{article}/withdraw", data={"reason": " ", "confirmed": "yes", CSRF_FIELD: token})
    assert empty.status_code == 422 and "say why the article is withdrawn" in empty.text
