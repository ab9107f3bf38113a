"""Every page of the web app checked by axe-core (WCAG 2.1 A and AA: labels, names, contrast, landmarks,
structure) in Debian's Chromium, on a laptop and on a phone; and the sign-in done with the keyboard alone,
then the skip link first on every page."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from playwright.sync_api import Browser, Page, expect, sync_playwright

from scheduler import db
from scheduler.models import Role
from scheduler.newsroom import users
from scheduler.newsroom.accounts import add_account
from scheduler.render.browser import CHROMIUM_FLAGS, chromium_path
from tests.conftest import REFERENCE_ARTICLE
from tests.system.web_stack import PASSWORD, serve_web, shot, sign_in

pytestmark = pytest.mark.integration

AXE = Path(__file__).parents[1] / "peers" / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def site(isolated_settings: Path) -> Iterator[str]:
    """`scheduler web` on SQLite with an admin, an outbox account and a Mastodon one."""
    url = f"sqlite:///{isolated_settings / 'a11y.db'}"
    db.upgrade_schema(url)
    with db.session_scope(url) as session:
        users.add_user(session, "ada", Role.ADMIN, PASSWORD)
        add_account(session, "newsdesk", "outbox", "Europe/London", {"folder": str(isolated_settings)})
        add_account(session, "masto", "mastodon", "America/New_York", {"instance": "https://m.example"})
    env = {
        **os.environ,
        "SCHEDULER_DATABASE_URL": url,
        "SCHEDULER_VAR_DIR": str(isolated_settings),
        "SCHEDULER_SECRET_KEY": Fernet.generate_key().decode(),
    }
    with serve_web(env) as address:
        yield address


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium_path(None)), headless=True, args=list(CHROMIUM_FLAGS)
        )
        try:
            yield launched
        finally:
            launched.close()


def violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it stands."""
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        """async (tags) => (await axe.run(document, {runOnly: {type: "tag", values: tags}})).violations
             .map(v => ({id: v.id, impact: v.impact, help: v.help,
                         where: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))""",
        WCAG,
    )
    return found


def pages_of(page: Page, site: str) -> list[str]:
    """Every kind of page, with an article and a post to show (made through the pages, as an editor would)."""
    page.goto(f"{site}/articles")
    page.get_by_label("Or paste it").fill(REFERENCE_ARTICLE.read_text())
    page.get_by_role("button", name="Add the article").click()
    article = page.url.removeprefix(site)
    page.get_by_label("Account", exact=True).select_option("masto")
    page.get_by_label("Step", exact=True).select_option("quote")
    page.get_by_role("button", name="Schedule").click()
    expect(page.locator("h1")).to_contain_text("Post")
    post = page.url.removeprefix(site)
    page.goto(f"{site}{article}")
    page.get_by_role("button", name="Compose for several accounts").click()
    page.locator('input[name="accounts"][value="masto"]').check()
    page.locator('input[name="accounts"][value="newsdesk"]').check()
    page.get_by_role("button", name="Save and preview").click()
    composition = page.url.removeprefix(site)
    return [
        "/",
        "/articles",
        article,
        post,
        "/calendar/week?account=masto",
        "/calendar",
        "/calendar?view=month",
        "/accounts/masto/queue",
        "/posts",
        "/compose",
        "/feeds",
        "/import",
        composition,
        "/accounts",
        "/accounts/masto",
        "/templates",
        "/templates/edit?name=posts/default/announce.txt.j2",
        "/users",
    ]


# Each pass is a test of its own, so that two test processes share them. The dark pass covers a page of
# each kind of layout (the colours are the same variables everywhere).
PASSES = {
    "laptop": (LAPTOP, "light", None),
    "phone": (PHONE, "light", None),
    "dark": (LAPTOP, "dark", {0, 2, 3, 5, 10, 11, 13}),
}


@pytest.mark.parametrize("name", PASSES)
def test_every_page_passes_axe_on_a_laptop_a_phone_and_in_the_dark(
    site: str, browser: Browser, name: str
) -> None:
    viewport, scheme, only = PASSES[name]
    found: dict[str, list[dict[str, Any]]] = {}
    # axe is injected as a script: this context lets it past the pages' own Content-Security-Policy.
    context = browser.new_context(viewport=viewport, bypass_csp=True, color_scheme=scheme)  # type: ignore[arg-type]
    page = context.new_page()
    page.goto(f"{site}/sign-in")
    found[f"{name} /sign-in"] = violations(page)
    sign_in(page, site, "ada")
    paths = pages_of(page, site)
    shown = [path for n, path in enumerate(paths) if only is None or n in only]
    for path in shown:
        page.goto(f"{site}{path}")
        page.wait_for_load_state("networkidle")
        found[f"{name} {path}"] = violations(page)
        # Reflow (WCAG 1.4.10): nothing wider than the screen, so no sideways scrolling on a phone.
        wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if wide > 0:
            found[f"{name} {path}"].append(
                {"id": "reflow", "impact": "serious", "help": f"{wide}px wider than the screen", "where": []}
            )
    if name == "phone":
        shot(page, "a11y-users-phone")
    if name == "dark":
        page.goto(f"{site}{paths[3]}")
        shot(page, "a11y-post-dark")
    context.close()
    failing = {where: problems for where, problems in found.items() if problems}
    assert not failing, "\n".join(
        f"{where}: {v['id']} ({v['impact']}): {v['help']} at {v['where']}"
        for where, problems in failing.items()
        for v in problems
    )
    assert len(paths) == 18 and len(found) == 1 + len(shown)


def test_signing_in_takes_the_keyboard_alone_and_the_skip_link_comes_first(
    site: str, browser: Browser
) -> None:
    page = browser.new_page(viewport=LAPTOP)
    page.goto(f"{site}/sign-in")
    assert page.evaluate("document.activeElement.id") == "name"  # the form's first field has the focus
    page.keyboard.type("ada")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    # On the dashboard too, the first Tab reaches the skip link, and it moves focus to the content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to the content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
