"""The composer on a real database, without a browser: a composition of the reference article for three
accounts on three networks, previews counted the way each network counts, one network's own text, the
saves (a late one never over a later one), groups, and sending: every account's post, or none."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from scheduler import db
from scheduler.models import ComposeDraft, Post, PostState
from scheduler.newsroom.accounts import add_account
from scheduler.web.auth import CSRF_FIELD
from tests.web.site import add_reference
from tests.web.test_auth import csrf_of, sign_in


def composition(site: TestClient, database_url: str, *, article: bool = True) -> tuple[str, str]:
    """A new composition (of the reference article): its address and the page's CSRF token."""
    with db.session_scope(database_url) as session:
        add_account(session, "sky", "bluesky", "America/New_York")
    data = {CSRF_FIELD: csrf_of(site.get("/compose").text)}
    if article:
        data["article_id"] = add_reference(site).rsplit("/", 1)[1]
    started = site.post("/compose", data=data, follow_redirects=False)
    assert started.status_code == 303, started.text
    page = site.get(started.headers["location"])
    return started.headers["location"], csrf_of(page.text)


def autosave(site: TestClient, where: str, token: str, version: int, **fields: object) -> dict:
    data = {CSRF_FIELD: token, "version": str(version), **fields}
    answer = site.post(f"{where}/autosave", data=data)
    assert answer.status_code == 200, answer.text
    return answer.json()


def previews_of(html: str) -> dict[str, str]:
    found = re.findall(
        r'<article class="network-preview[^"]*"[^>]*data-account="([^"]+)">(.*?)</article>', html, re.S
    )
    return dict(found)


def test_one_text_three_networks_each_counted_its_own_way_and_one_customised(
    site: TestClient, database_url: str
) -> None:
    sign_in(site, "editor")
    where, token = composition(site, database_url)
    text = (
        "Read this: https://example.com/a/very/long/address/that/x/counts/as/twenty-three/characters "
        + "é" * 10
    )
    saved = autosave(site, where, token, 1, accounts=["outbox", "masto", "sky"], text=text)
    assert saved["saved"] is True and saved["version"] == 1
    shown = previews_of(saved["previews"])
    assert set(shown) == {"outbox", "masto", "sky"}
    # Mastodon counts a link as 23 characters (11 + 23 + 1 + 10); Bluesky counts graphemes against 300.
    assert re.search(r">\s*45 / 500", shown["masto"]), shown["masto"]
    assert " / 300" in shown["sky"] and "Your text" in shown["sky"]
    own = "Only on Bluesky: the White House visit, in one line."
    saved = autosave(
        site, where, token, 2, accounts=["outbox", "masto", "sky"], text=text, **{"custom-bluesky": own}
    )
    shown = previews_of(saved["previews"])
    assert own in shown["sky"] and "This network's own text" in shown["sky"]
    assert own not in shown["masto"] and own not in shown["outbox"]
    # The page, reloaded, holds all of it.
    page = site.get(where).text
    assert (
        own in page
        and "https://example.com/a/very/long" in page
        and 'value="sky" data-network="bluesky" checked' in page
    )


def test_with_no_text_each_network_gets_the_template_fitted_and_a_card_with_its_alt_text(
    site: TestClient, database_url: str
) -> None:
    sign_in(site, "editor")
    where, token = composition(site, database_url)
    saved = autosave(site, where, token, 1, accounts=["masto", "sky"], step="quote", card="quote")
    shown = previews_of(saved["previews"])
    assert "The quote template, fitted to Mastodon" in shown["masto"]
    assert "Alt text:" in shown["sky"] and "template=quote" in shown["sky"]


def test_a_late_save_is_not_kept_over_a_later_one(site: TestClient, database_url: str) -> None:
    sign_in(site, "editor")
    where, token = composition(site, database_url)
    assert autosave(site, where, token, 5, accounts=["masto"], text="the later words")["saved"] is True
    late = autosave(site, where, token, 4, accounts=["masto"], text="the earlier words")
    assert late["saved"] is False and late["version"] == 5
    assert "the later words" in site.get(where).text


def test_sending_to_the_queue_makes_every_account_s_post_and_a_refusal_makes_none(
    site: TestClient, database_url: str
) -> None:
    sign_in(site, "editor")
    where, token = composition(site, database_url)
    refused = site.post(
        where,
        data={
            CSRF_FIELD: token,
            "accounts": ["masto", "sky"],
            "when": "at",
            "at": "2020-01-01 09:00",
            "action": "send",
        },
    )
    assert (
        refused.status_code == 422
        and "Nothing was sent" in refused.text
        and "has already passed" in refused.text
    )
    assert 'value="2020-01-01 09:00"' in refused.text  # given back as typed
    with db.session_scope(database_url) as session:
        assert session.scalars(select(Post)).first() is None
    sent = site.post(
        where,
        data={
            CSRF_FIELD: token,
            "accounts": ["masto", "sky", "outbox"],
            "when": "queue",
            "approval": "yes",
            "action": "send",
        },
    )
    assert sent.status_code == 200 and "3 posts made" in sent.text
    with db.session_scope(database_url) as session:
        posts = list(session.scalars(select(Post).where(Post.thread_index == 0)))
        assert sorted(p.account.name for p in posts) == ["masto", "outbox", "sky"]
        assert {p.state for p in posts} == {PostState.DRAFT} and all(p.created_by_id for p in posts)
        assert session.scalars(select(ComposeDraft)).one().sent_at is not None
    again = site.post(where, data={CSRF_FIELD: token, "accounts": ["masto"], "action": "send"})
    assert "sent already" in again.text


def test_a_post_of_one_s_own_needs_its_text_and_groups_pick_accounts(
    site: TestClient, database_url: str
) -> None:
    sign_in(site, "editor")
    where, token = composition(site, database_url, article=False)
    empty = site.post(where, data={CSRF_FIELD: token, "accounts": ["masto"], "action": "send"})
    assert empty.status_code == 422 and "the editor&#39;s own text" in empty.text
    grouped = site.post(
        where,
        data={
            CSRF_FIELD: token,
            "accounts": ["masto", "sky"],
            "group_name": "the wires",
            "action": "save-group",
        },
    )
    assert grouped.status_code == 200 and "the wires (masto, sky)" in grouped.text
    group_id = re.search(r'<option value="(\d+)" data-accounts="masto,sky">', grouped.text)
    assert group_id is not None
    used = site.post(
        where,
        data={CSRF_FIELD: token, "group_id": group_id[1], "action": "use-group", "text": "Our own words"},
    )
    assert 'value="masto" data-network="mastodon" checked' in used.text and "Our own words" in used.text
    sent = site.post(
        where,
        data={CSRF_FIELD: token, "accounts": ["masto", "sky"], "text": "Our own words", "action": "send"},
    )
    assert "2 posts made" in sent.text
    with db.session_scope(database_url) as session:
        assert {p.article_id for p in session.scalars(select(Post))} == {None}


def test_someone_else_s_composition_is_not_found(site: TestClient, database_url: str) -> None:
    sign_in(site, "editor")
    where, _ = composition(site, database_url)
    site.cookies.clear()
    sign_in(site, "admin")
    assert site.get(where).status_code == 404
    assert site.get("/compose/99999").status_code == 404
