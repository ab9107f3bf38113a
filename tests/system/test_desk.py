"""The editor's desk end to end in Debian's Chromium, against `scheduler web` and a real worker with its
beat, publishing to the outbox and the fake Mastodon: one article composed for three accounts on three
networks with the Bluesky text customised, three previews each counted its network's way, all three
queued for approval; in the month view one dragged to the next day and undone, another refused by its
budget; two approved in bulk and shared now, one sent back with a reason; the two watched out.
Screenshots of each step go to var/screenshots/desk-*.png."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from playwright.sync_api import Browser, Page, expect

from scheduler import db
from scheduler.models import Account, Post, PostState, Role
from scheduler.newsroom import users
from scheduler.planning.wallclock import zone
from tests.command import run
from tests.peers.mastodon_server import MastodonServer
from tests.system.test_accessibility import browser  # noqa: F401  (pytest fixture: Debian's Chromium)
from tests.system.test_calendar_browser import add_reference, drag
from tests.system.web_stack import PASSWORD, serve_web, shot, sign_in
from tests.system.workers import Worker, start_worker

pytestmark = pytest.mark.integration

ZONE = "America/New_York"


class Desk:
    def __init__(self, site: str, url: str, mastodon: MastodonServer, worker: Worker) -> None:
        self.site, self.url, self.mastodon, self.worker = site, url, mastodon, worker

    def posts(self) -> dict[str, Post]:
        with db.session_scope(self.url) as session:
            found = {}
            for post in session.query(Post).filter(Post.thread_index == 0).order_by(Post.id):
                found.setdefault(post.account.name, post)
                session.expunge(post)
            return found

    def wait(self, condition: object, what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():  # type: ignore[operator]
                return
            time.sleep(0.2)
        raise AssertionError(f"{what} did not happen in {timeout} s:\n{self.worker.log.read_text()[-3000:]}")


@pytest.fixture
def desk(isolated_settings: Path, redis_url: str, tmp_path: Path) -> Iterator[Desk]:
    key = Fernet.generate_key().decode()
    env = {
        "SCHEDULER_SECRET_KEY": key,
        "SCHEDULER_REDIS_URL": redis_url,
        "SCHEDULER_VAR_DIR": str(isolated_settings),
    }
    url = f"sqlite:///{isolated_settings / 'scheduler.db'}"
    with MastodonServer() as mastodon:
        mastodon.add_account("desk", "masto-token")
        assert run("init", env=env).returncode == 0
        added = run(
            "accounts",
            "add",
            "mastodon",
            "desk-m",
            "--instance",
            mastodon.url,
            "--timezone",
            ZONE,
            input="access_token=masto-token",
            env=env,
        )
        assert added.returncode == 0, added.stderr
        sky = run(
            "accounts",
            "add",
            "bluesky",
            "desk-b",
            "--handle",
            "desk.test",
            "--service",
            "https://pds.example",
            "--timezone",
            ZONE,
            "--no-check",
            input=json.dumps({"app_password": "abcd-efgh-ijkl-mnop"}),
            env=env,
        )
        assert sky.returncode == 0, sky.stderr
        with db.session_scope(url) as session:
            users.add_user(session, "ed", Role.EDITOR, PASSWORD)
            users.add_user(session, "ann", Role.APPROVER, PASSWORD)
            for account in session.query(Account):
                account.timezone = ZONE
                # Slots late in the evening, at most one post a day on Bluesky (the refused drag).
                budget = {"max_per_day": 1} if account.network == "bluesky" else {"min_gap_minutes": 0}
                account.options = {**account.options, "slots": "mon-sun 23:00,23:30", "budget": budget}
        worker = start_worker("desk", env, tmp_path / "logs", beat=True)
        try:
            with serve_web({**os.environ, **env}) as site:
                yield Desk(site, url, mastodon, worker)
        finally:
            worker.stop()


def compose(page: Page, site: str) -> None:
    add_reference(page, site)
    page.get_by_role("button", name="Compose for several accounts").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Compose")
    for name in ("outbox", "desk-m", "desk-b"):
        page.locator(f'input[name="accounts"][value="{name}"]').check()
    page.get_by_label("Text for every network").fill(
        "Kim Kardashian at the White House to talk about prison reform: https://example.com/kim-white-house "
        "#news 🎉"
    )


def test_compose_queue_drag_undo_approve_reject_and_publish(desk: Desk, browser: Browser) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 1400, "height": 1100}, timezone_id=ZONE)
    page = context.new_page()
    sign_in(page, desk.site, "ed")
    compose(page, desk.site)
    previews = page.locator("#previews")
    # Three previews, each counted its network's way: the link as 23 on Mastodon, graphemes on Bluesky.
    expect(previews.locator("article.network-preview")).to_have_count(3)
    mastodon = previews.locator('[data-account="desk-m"]')
    expect(mastodon.locator(".count")).to_contain_text(" / 500")
    expect(previews.locator('[data-account="desk-b"] .count')).to_contain_text(" / 300")
    page.get_by_text("Customise for Bluesky").click()
    own = "On Bluesky: Kim Kardashian meets the president on prison reform."
    page.get_by_label("Text for Bluesky only").fill(own)
    bluesky = previews.locator('[data-account="desk-b"]')
    expect(bluesky).to_contain_text(own)
    expect(bluesky.locator(".count")).to_contain_text(f"{len(own)} / 300")
    expect(mastodon).not_to_contain_text(own)
    expect(page.locator("#save-status")).to_contain_text("Saved")
    page.get_by_label("Send for approval").check()
    shot(page, "desk-1-composer")
    page.get_by_role("button", name="Send to 3 accounts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("3 posts made")
    shot(page, "desk-2-sent")
    made = desk.posts()
    assert {name: p.state for name, p in made.items()} == dict.fromkeys(
        ("outbox", "desk-m", "desk-b"), "draft"
    )
    assert made["desk-b"].text == own

    # The calendar's month: the Mastodon post one day on, then undone; Bluesky's refused by its budget.
    tz = zone(ZONE)
    day_m = made["desk-m"].scheduled_for.astimezone(tz).date()
    blocker_day = made["desk-b"].scheduled_for.astimezone(tz).date() + timedelta(days=1)
    with db.session_scope(desk.url) as session:  # Bluesky already has its one post of that day
        account = session.query(Account).filter(Account.name == "desk-b").one()
        at = made["desk-b"].scheduled_for + timedelta(days=1, minutes=30)
        session.add(Post(account=account, text="Already planned", due_at=at, scheduled_for=at))
    page.goto(f"{desk.site}/calendar?view=month&day={day_m.isoformat()}")
    status = page.locator("#calendar-status")
    drag(page, made["desk-m"].id, (day_m + timedelta(days=1)).isoformat())
    expect(status).to_contain_text(f"Moved post {made['desk-m'].id}")
    shot(page, "desk-3-dragged")
    status.get_by_role("button", name="Undo").click()
    expect(status).to_contain_text("Undone")
    assert desk.posts()["desk-m"].scheduled_for == made["desk-m"].scheduled_for
    # (A month's grid is six weeks: the day after any of its days is in it.)
    drag(page, made["desk-b"].id, blocker_day.isoformat())
    expect(status).to_contain_text("Not moved")
    expect(status).to_contain_text("the most it posts in a day")
    shot(page, "desk-4-refused")
    assert desk.posts()["desk-b"].scheduled_for == made["desk-b"].scheduled_for
    context.close()

    # The approver: two approved and shared now in bulk, Bluesky's sent back with the reason.
    context = browser.new_context(viewport={"width": 1400, "height": 1100}, timezone_id=ZONE)
    page = context.new_page()
    sign_in(page, desk.site, "ann")
    page.goto(f"{desk.site}/posts?state=draft")
    for name in ("outbox", "desk-m"):
        page.get_by_label(f"Choose post {made[name].id}").check()
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Approve: 2 done, 0 refused")
    shot(page, "desk-5-approved")
    page.goto(f"{desk.site}/posts/{made['desk-b'].id}")
    page.get_by_label("Why it goes back to its editor").fill("Name the president, not just the office")
    page.get_by_role("button", name="Send it back").click()
    expect(page.get_by_role("status").first).to_contain_text("Name the president")
    shot(page, "desk-6-sent-back")
    page.goto(f"{desk.site}/posts?state=scheduled")
    for name in ("outbox", "desk-m"):
        page.get_by_label(f"Choose post {made[name].id}").check()
    page.get_by_role("button", name="Share now").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Share now: 2 done, 0 refused")
    desk.wait(
        lambda: all(desk.posts()[name].state == PostState.PUBLISHED for name in ("outbox", "desk-m")),
        "the two approved posts going out",
    )
    [status_posted] = desk.mastodon.posted("desk")
    assert "Kim Kardashian at the White House" in status_posted.text
    page.goto(f"{desk.site}/posts?state=published")
    expect(page.locator("table.posts tbody tr")).to_have_count(2)
    shot(page, "desk-7-published")
    assert desk.posts()["desk-b"].state == PostState.DRAFT and desk.posts()["desk-b"].rejected_at is not None
    context.close()


def test_the_composer_keeps_what_was_typed_through_a_reload(desk: Desk, browser: Browser) -> None:  # noqa: F811
    page = browser.new_context(timezone_id=ZONE).new_page()
    sign_in(page, desk.site, "ed")
    compose(page, desk.site)
    expect(page.locator("#save-status")).to_contain_text("Saved")
    # Typed, and the page reloaded at once: what the server had not got yet comes back from the browser.
    page.get_by_label("Text for every network").fill("A reload must not lose this sentence.")
    page.reload()
    expect(page.get_by_label("Text for every network")).to_have_value("A reload must not lose this sentence.")
    expect(page.locator("#save-status")).to_contain_text("Saved")
    # And the server has it now: a new browser (no copy of its own) shows it too.
    other = browser.new_context(timezone_id=ZONE).new_page()
    sign_in(other, desk.site, "ed")
    other.goto(page.url)
    expect(other.get_by_label("Text for every network")).to_have_value(
        "A reload must not lose this sentence."
    )
    expect(other.locator('input[name="accounts"][value="desk-m"]')).to_be_checked()
