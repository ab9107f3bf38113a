"""The editors' flow in a real browser: Playwright drives Debian's Chromium against `scheduler web` (uvicorn),
with a real worker and beat publishing to the outbox network on PostgreSQL.

An editor signs in, adds the reference article by pasting it, sees its quotes and each step's post counted,
picks a quote and sees its card (drawn by the web app's Chromium) and the live counter, schedules the quote
post with its card and finds it in the calendar; the account needs approval, so an approver signs in and
approves it; the worker draws the card and publishes the post, whose page shows the card and the receipt,
which opens. A screenshot of every page is kept in
var/screenshots/ (not committed) for a reviewer to open.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select

from scheduler import db
from scheduler.models import Post, PostState, Role
from scheduler.newsroom import controls, users
from scheduler.newsroom.accounts import add_account
from scheduler.render.browser import CHROMIUM_FLAGS, chromium_path
from tests.conftest import REFERENCE_ARTICLE
from tests.services import postgres_database
from tests.system.web_stack import PASSWORD, SCREENSHOTS, serve_web, shot, sign_in
from tests.system.workers import start_worker

pytestmark = pytest.mark.integration


@pytest.fixture
def stack(isolated_settings: Path, redis_url: str) -> Iterator[tuple[str, str]]:
    """PostgreSQL with an outbox account that needs approval, an editor and an approver; `scheduler web`
    and a worker with the beat. Yields (the site's address, the database URL)."""
    with postgres_database() as url:
        db.upgrade_schema(url)
        outbox = isolated_settings / "outbox"
        with db.session_scope(url) as session:
            add_account(session, "newsdesk", "outbox", "Europe/London", {"folder": str(outbox)})
            controls.set_approval(session, "newsdesk", True)
            users.add_user(session, "edna", Role.EDITOR, PASSWORD)
            users.add_user(session, "abe", Role.APPROVER, PASSWORD)
        env = {
            **os.environ,
            "SCHEDULER_DATABASE_URL": url,
            "SCHEDULER_REDIS_URL": redis_url,
            "SCHEDULER_VAR_DIR": str(isolated_settings),
            "SCHEDULER_SECRET_KEY": Fernet.generate_key().decode(),
        }
        with serve_web(env) as site:
            worker = start_worker("worker", env, isolated_settings / "logs", beat=True)
            try:
                worker.wait_ready()
                yield site, url
            finally:
                worker.stop()


def test_an_editor_and_an_approver_take_the_reference_article_to_a_published_post(
    stack: tuple[str, str],
) -> None:
    site, url = stack
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium_path(None)), headless=True, args=list(CHROMIUM_FLAGS)
        )
        try:
            editor = browser.new_page(viewport={"width": 1280, "height": 900})
            editor.goto(f"{site}/")
            expect(editor.get_by_role("heading", name="Sign in")).to_be_visible()
            shot(editor, "01-sign-in")
            sign_in(editor, site, "edna")
            shot(editor, "02-dashboard")

            editor.get_by_role("link", name="Articles").click()
            editor.get_by_label("Or paste it").fill(REFERENCE_ARTICLE.read_text())
            editor.get_by_role("button", name="Add the article").click()
            expect(editor.get_by_role("heading", name="Pull quotes")).to_be_visible()
            expect(editor.locator("ol.quotes")).to_contain_text("Kim Kardashian")
            expect(editor.locator(".preview").first).to_contain_text("characters as outbox counts them")
            shot(editor, "03-article")

            # Pick the second quote: the quote post's preview and its card follow it.
            editor.get_by_role("link", name="Use quote 2").click()
            expect(editor.locator("li.quote.picked")).to_contain_text("picked")
            picked = (editor.locator("li.quote.picked q").text_content() or "").strip()
            assert picked, "the picked quote shows its words"
            card = editor.get_by_role("img", name="The quote card for newsdesk")
            card.scroll_into_view_if_needed()
            expect(card).to_be_visible()
            editor.wait_for_function(
                "img => img.complete && img.naturalWidth === 1200", arg=card.element_handle(), timeout=30_000
            )
            # The live counter counts the editor's own text as the account's network does.
            own_text = editor.locator("#text")
            own_text.fill("Read it: https://example.com/" + "x" * 60)
            expect(editor.locator("#text-count")).to_contain_text("characters as outbox counts them")
            shot(editor, "04-article-quote-card-counter")
            own_text.fill("")

            editor.get_by_label("Account", exact=True).select_option("newsdesk")
            editor.get_by_label("Step", exact=True).select_option("quote")
            editor.get_by_label("Card", exact=True).select_option("quote")
            editor.get_by_label("now (share it at once)").check()
            editor.get_by_role("button", name="Schedule").click()
            # Scheduling renders the post and asks for its card: on a loaded machine that can pass 5 s.
            expect(editor.locator("h1")).to_contain_text("draft", timeout=30_000)
            post_id = int(editor.url.rsplit("/", 1)[1])
            # The draft's text, ready to edit, carries the picked quote.
            expect(editor.locator("#post-text")).to_have_value(re.compile(re.escape(picked.split()[0])))
            shot(editor, "05-draft")

            editor.get_by_role("link", name="See it in newsdesk's calendar").click()
            expect(editor.get_by_role("heading", name="Calendar: newsdesk")).to_be_visible()
            in_calendar = editor.locator("li.post-entry", has=editor.locator(f'a[href="/posts/{post_id}"]'))
            expect(in_calendar).to_contain_text("draft")
            shot(editor, "06-calendar")

            approver = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
            sign_in(approver, site, "abe")
            expect(approver.get_by_text("Drafts waiting for approval")).to_be_visible()
            shot(approver, "07-dashboard-approver-phone")
            approver.goto(f"{site}/posts/{post_id}")
            approver.get_by_role("button", name="Approve").click()

            deadline = time.monotonic() + 60
            while "published" not in (approver.locator("h1").text_content() or ""):
                assert time.monotonic() < deadline, "the approved post was not published within 60 s"
                time.sleep(0.5)
                approver.reload()
            sent_card = approver.locator("figure.post-card img")
            expect(sent_card).to_be_visible()
            receipt = approver.get_by_role("link", name="file://")
            expect(receipt).to_be_visible()
            shot(approver, "08-published")

            editor.reload()
            expect(in_calendar).to_contain_text("published")
            shot(editor, "09-calendar-published")

            # The receipt opens: the network's own record of the post.
            receipt_url = receipt.get_attribute("href") or ""
            approver.goto(receipt_url)
            expect(approver.locator("body")).to_contain_text("Kim Kardashian")
            shot(approver, "10-receipt")
        finally:
            browser.close()

    with db.session_scope(url) as session:
        post = session.scalars(select(Post).where(Post.id == post_id)).one()
        assert post.state == PostState.PUBLISHED and post.step == "quote"
        assert post.external_url is not None
        landed = Path(post.external_url.removeprefix("file://"))
        assert landed.is_file() and "Kim Kardashian" in landed.read_text()
        assert post.card_state == "ready" and post.media
    assert sorted(p.name for p in SCREENSHOTS.glob("[01]*.png")) == [
        "01-sign-in.png",
        "02-dashboard.png",
        "03-article.png",
        "04-article-quote-card-counter.png",
        "05-draft.png",
        "06-calendar.png",
        "07-dashboard-approver-phone.png",
        "08-published.png",
        "09-calendar-published.png",
        "10-receipt.png",
    ]
