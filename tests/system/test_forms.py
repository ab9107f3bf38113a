"""A refused form comes back as the editor sent it, in a real browser: every field still filled in, the
problem beside its field and in a summary at the top that links to it, the field focused and in view."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import REFERENCE_ARTICLE
from tests.system.test_accessibility import LAPTOP, browser, site, violations  # noqa: F401  (fixtures)
from tests.system.web_stack import shot, sign_in

pytestmark = pytest.mark.integration


def test_a_refused_schedule_form_keeps_every_field_and_shows_the_problem_beside_it(
    site: str,  # noqa: F811
    browser: Browser,  # noqa: F811
) -> None:
    page = browser.new_context(viewport=LAPTOP, bypass_csp=True).new_page()  # bypass_csp: for axe
    sign_in(page, site, "ada")
    page.goto(f"{site}/articles")
    page.get_by_label("Or paste it").fill(REFERENCE_ARTICLE.read_text())
    page.get_by_role("button", name="Add the article").click()
    expect(page.get_by_role("heading", name="Schedule a post")).to_be_attached()

    own = "My own words for this post, kept through a refusal"
    page.get_by_label("Account", exact=True).select_option("masto")
    page.get_by_label("Step", exact=True).select_option("quote")
    page.get_by_label("Card", exact=True).select_option("headline")
    page.get_by_label("at", exact=True).check()
    page.get_by_label("Time, in the account's zone").fill("2020-01-01 09:00")
    page.locator("#text").fill(own)
    page.get_by_role("button", name="Schedule").click()

    at = page.locator("#at")
    expect(page.locator("#at-error")).to_contain_text(
        "2020-01-01 09:00 (America/New_York) has already passed"
    )
    expect(at).to_be_focused()
    expect(at).to_be_in_viewport()
    expect(page.locator("#at-error")).to_be_in_viewport()
    expect(at).to_have_value("2020-01-01 09:00")
    expect(at).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Account", exact=True)).to_have_value("masto")
    expect(page.get_by_label("Step", exact=True)).to_have_value("quote")
    expect(page.get_by_label("Card", exact=True)).to_have_value("headline")
    expect(page.get_by_label("at", exact=True)).to_be_checked()
    expect(page.locator("#text")).to_have_value(own)
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("The post was not scheduled")
    expect(summary.get_by_role("link")).to_have_attribute("href", "#at")
    shot(page, "forms-01-schedule-refused")
    assert violations(page) == []

    # Mended, the same form schedules the post.
    at.fill("2031-06-01 09:00")
    page.get_by_role("button", name="Schedule").click()
    expect(page.locator("h1")).to_contain_text("Post")


def test_on_a_phone_a_state_is_never_broken_and_a_placeholder_never_looks_typed(
    site: str,  # noqa: F811
    browser: Browser,  # noqa: F811
) -> None:
    page = browser.new_page(viewport={"width": 320, "height": 700})
    sign_in(page, site, "ada")
    page.goto(f"{site}/articles")
    page.get_by_label("Or paste it").fill(REFERENCE_ARTICLE.read_text())
    page.get_by_role("button", name="Add the article").click()
    page.get_by_label("Account", exact=True).select_option("masto")
    page.get_by_role("button", name="Schedule").click()
    expect(page.locator("h1")).to_contain_text("scheduled")
    for path in ("/articles", page.url.removeprefix(site), "/calendar/week?account=masto"):
        page.goto(f"{site}{path}")
        for label in page.locator(".state").all():
            lines = label.evaluate("e => e.getClientRects().length")
            assert lines == 1, f"{label.text_content()!r} on {path} is broken over {lines} lines"
    shot(page, "forms-02-calendar-phone")
    page.goto(f"{site}/users")
    label = page.locator("input[name=label]").first
    assert label.get_attribute("placeholder") == "e.g. cms"
    assert label.evaluate("e => getComputedStyle(e, '::placeholder').fontStyle") == "italic"


def test_each_refused_form_and_each_question_shown_for_review(
    site: str,  # noqa: F811
    browser: Browser,  # noqa: F811
) -> None:
    """Screenshots in var/screenshots/ of the pages this work changed: each refusal in view with its
    field focused, the question before a cancel, and the Undo after a pause."""
    page = browser.new_page(viewport=LAPTOP)
    sign_in(page, site, "ada")
    page.goto(f"{site}/articles")
    page.get_by_label("Its web address").fill("ftp://news.example.com/story")
    page.get_by_label("Or paste it").fill(REFERENCE_ARTICLE.read_text())
    page.get_by_role("button", name="Add the article").click()
    expect(page.locator("#url")).to_be_focused()
    expect(page.locator("#url-error")).to_contain_text("is not an http(s) URL")
    expect(page.locator("#text")).to_have_value(REFERENCE_ARTICLE.read_text())
    shot(page, "forms-03-article-refused")

    page.get_by_label("Its web address").fill("https://news.example.com/kardashian")
    page.get_by_role("button", name="Add the article").click()
    expect(page.locator("p.notice")).to_contain_text("Added from the pasted text, with the web address")
    page.get_by_label("Account", exact=True).select_option("masto")
    page.get_by_role("button", name="Schedule").click()
    expect(page.locator("h1")).to_contain_text("scheduled")
    post_url = page.url

    page.locator("#post-text").fill("x" * 600)
    page.get_by_role("button", name="Save the text").click()
    expect(page.locator("#post-text")).to_be_focused()
    expect(page.locator("#post-text-error")).to_be_in_viewport()
    expect(page.locator("#post-text")).to_have_value("x" * 600)
    shot(page, "forms-04-post-text-refused")

    page.goto(post_url)
    page.get_by_role("button", name="Cancel the post").click()
    expect(page.get_by_role("heading", name=re.compile(r"Cancel post \d+\?"))).to_be_visible()
    shot(page, "forms-05-cancel-asks-first")
    page.get_by_role("link", name="No, go back").click()
    expect(page.locator("h1")).to_contain_text("scheduled")

    page.goto(f"{site}/accounts/masto")
    page.get_by_label("Slots (empty").fill("mon-fri 08:30,25:99")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#slots")).to_be_focused()
    expect(page.locator("#slots")).to_have_value("mon-fri 08:30,25:99")
    shot(page, "forms-06-account-schedule-refused")
    page.goto(f"{site}/accounts/masto")
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Undo: resume it")).to_be_visible()
    shot(page, "forms-07-pause-with-undo")
    page.get_by_role("button", name="Undo: resume it").click()
    expect(page.locator("p.notice")).to_contain_text("Resumed")
