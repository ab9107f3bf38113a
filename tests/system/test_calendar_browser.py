"""The calendar across accounts in Debian's Chromium, against `scheduler web`: FullCalendar drawn from our
static files under the page's own Content-Security-Policy, a post dragged to another day in the month
view (refused with the reason when it breaks the budget, and sent back; done, then undone), and the
page's list with its move form when the editor wants the keyboard."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from playwright.sync_api import Browser, BrowserContext, Page, expect

from scheduler import db
from scheduler.models import Post, Role
from scheduler.newsroom import users
from scheduler.newsroom.accounts import add_account
from scheduler.planning.wallclock import zone
from tests.conftest import REFERENCE_ARTICLE
from tests.system.test_accessibility import browser  # noqa: F401  (pytest fixture: Debian's Chromium)
from tests.system.web_stack import PASSWORD, serve_web, shot, sign_in

pytestmark = pytest.mark.integration

ZONE = "America/New_York"


@pytest.fixture
def desk(isolated_settings: Path) -> Iterator[tuple[str, str]]:
    """`scheduler web` on SQLite with an editor and a Mastodon account that posts at most once a day."""
    url = f"sqlite:///{isolated_settings / 'calendar.db'}"
    db.upgrade_schema(url)
    with db.session_scope(url) as session:
        users.add_user(session, "ed", Role.EDITOR, PASSWORD)
        add_account(session, "newsdesk", "outbox", ZONE, {"folder": str(isolated_settings)})
        add_account(
            session,
            "masto",
            "mastodon",
            ZONE,
            {"instance": "https://m.example", "budget": {"max_per_day": 1}, "slots": "mon-sun 23:00,23:30"},
        )
    env = {
        **os.environ,
        "SCHEDULER_DATABASE_URL": url,
        "SCHEDULER_VAR_DIR": str(isolated_settings),
        "SCHEDULER_SECRET_KEY": Fernet.generate_key().decode(),
    }
    with serve_web(env) as address:
        yield address, url


def queue_quote_post(page: Page, site: str, article: str) -> int:
    page.goto(f"{site}{article}")
    page.get_by_label("Account", exact=True).select_option("masto")
    page.get_by_label("Step", exact=True).select_option("quote")
    page.get_by_role("button", name="Schedule").click()
    expect(page.locator("h1")).to_contain_text("Post")
    return int(page.url.rsplit("/", 1)[1])


def local_day(url: str, post_id: int) -> str:
    with db.session_scope(url) as session:
        post = session.get(Post, post_id)
        assert post is not None
        return post.scheduled_for.astimezone(zone(ZONE)).date().isoformat()


def scheduled_for(url: str, post_id: int) -> datetime:
    with db.session_scope(url) as session:
        post = session.get(Post, post_id)
        assert post is not None
        return post.scheduled_for


def drag(page: Page, post_id: int, day: str) -> None:
    """Drag the post's event onto a day of the month view, with the mouse as an editor would."""
    event = page.locator(f'.fc-event[data-post="{post_id}"]')
    target = page.locator(f'td.fc-daygrid-day[data-date="{day}"]')
    # After a move the calendar draws its events again: wait for this one to be there.
    expect(event).to_be_visible()
    expect(target).to_be_visible()
    start, end = event.bounding_box(), target.bounding_box()
    assert start and end
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 5, start["y"] + start["height"] / 2 + 5, steps=3)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=12)
    page.mouse.up()


def next_day(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


def add_reference(page: Page, site: str) -> str:
    """The reference article pasted in, as an editor signed in on `page` would: its page's path."""
    page.goto(f"{site}/articles")
    page.get_by_label("Or paste it").fill(REFERENCE_ARTICLE.read_text())
    page.get_by_role("button", name="Add the article").click()
    return page.url.removeprefix(site)


def new_page(chromium: Browser) -> tuple[BrowserContext, Page]:
    context = chromium.new_context(viewport={"width": 1280, "height": 1000}, timezone_id=ZONE)
    return context, context.new_page()


def test_a_post_is_dragged_in_the_month_view_refused_by_the_budget_then_moved_and_undone(
    desk: tuple[str, str],
    browser: Browser,  # noqa: F811
) -> None:
    site, url = desk
    context, page = new_page(browser)
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text) if message.type == "error" else None)
    missing: list[str] = []
    page.on("response", lambda response: missing.append(response.url) if response.status == 404 else None)
    sign_in(page, site, "ed")
    article = add_reference(page, site)
    first, second = queue_quote_post(page, site, article), queue_quote_post(page, site, article)
    first_day, second_day = local_day(url, first), local_day(url, second)
    assert first_day != second_day  # one a day: the queue put the second on a later day

    page.goto(f"{site}/calendar?view=month&day={second_day}&account=masto")
    moving = page.locator(f'.fc-event[data-post="{second}"]')
    expect(moving).to_be_visible()
    expect(page.locator(f'.fc-event[data-post="{first}"]')).to_be_visible()
    assert page.locator("#calendar-list").is_hidden()  # the list folds under the calendar
    shot(page, "calendar-month")

    # Onto the first post's day: the budget says one a day, so it is refused and goes back.
    was = scheduled_for(url, second)
    drag(page, second, first_day)
    status = page.locator("#calendar-status")
    expect(status).to_contain_text("Not moved")
    expect(status).to_contain_text(re.compile(f"same time as post {first}|the most it posts in a day"))
    expect(status).to_contain_text("change the budget with “When it posts” on the page of masto")
    expect(
        page.locator(f'td.fc-daygrid-day[data-date="{second_day}"] .fc-event[data-post="{second}"]')
    ).to_be_visible()
    assert scheduled_for(url, second) == was
    shot(page, "calendar-refused")

    # To the day after its own: moved, at the same time of day; then undone.
    target = next_day(second_day)
    drag(page, second, target)
    expect(status).to_contain_text(f"Moved post {second}")
    expect(
        page.locator(f'td.fc-daygrid-day[data-date="{target}"] .fc-event[data-post="{second}"]')
    ).to_be_visible()
    assert local_day(url, second) == target
    assert scheduled_for(url, second).astimezone(zone(ZONE)).time() == was.astimezone(zone(ZONE)).time()
    shot(page, "calendar-moved")
    status.get_by_role("button", name="Undo").click()
    expect(status).to_contain_text("Undone")
    expect(
        page.locator(f'td.fc-daygrid-day[data-date="{second_day}"] .fc-event[data-post="{second}"]')
    ).to_be_visible()
    assert scheduled_for(url, second) == was
    assert not [text for text in blocked if "Content Security Policy" in text], blocked
    assert not missing, missing
    context.close()


def test_without_a_drag_the_list_s_form_moves_a_post_from_the_keyboard(
    desk: tuple[str, str],
    browser: Browser,  # noqa: F811
) -> None:
    site, url = desk
    context, page = new_page(browser)
    sign_in(page, site, "ed")
    post = queue_quote_post(page, site, add_reference(page, site))
    day = local_day(url, post)
    page.goto(f"{site}/calendar?view=week&day={day}")
    toggle = page.get_by_role("button", name="Show as a list")
    toggle.focus()
    page.keyboard.press("Enter")
    field = page.get_by_label("Move to")
    expect(field).to_be_visible()
    later = f"{next_day(next_day(day))} 15:00"  # off the slots: any time may be given
    field.fill(later)
    field.press("Enter")
    expect(page.locator("h1")).to_have_text("Calendar")
    assert scheduled_for(url, post).astimezone(zone(ZONE)).strftime("%Y-%m-%d %H:%M") == later
    context.close()


def test_a_post_dragged_to_the_top_of_the_queue_takes_the_first_time(
    desk: tuple[str, str],
    browser: Browser,  # noqa: F811
) -> None:
    site, url = desk
    context, page = new_page(browser)
    sign_in(page, site, "ed")
    article = add_reference(page, site)
    posts = [queue_quote_post(page, site, article) for _ in range(3)]
    times = [scheduled_for(url, post) for post in posts]
    page.goto(f"{site}/accounts/masto/queue")
    items = page.locator("ol.queue > li")
    expect(items).to_have_count(3)
    page.locator(f'li[data-post="{posts[2]}"]').drag_to(
        page.locator(f'li[data-post="{posts[0]}"]'), target_position={"x": 20, "y": 5}
    )
    expect(page.get_by_role("status")).to_contain_text("New order")
    expect(items.first).to_have_attribute("data-post", str(posts[2]))
    assert [scheduled_for(url, post) for post in (posts[2], posts[0], posts[1])] == times
    shot(page, "queue-reordered")
    page.get_by_role("button", name="Undo the new order").click()
    expect(items.first).to_have_attribute("data-post", str(posts[0]))
    assert [scheduled_for(url, post) for post in posts] == times
    context.close()


def test_keyboard_shortcuts_are_listed_on_question_mark_and_drive_the_calendar(
    desk: tuple[str, str],
    browser: Browser,  # noqa: F811
) -> None:
    site, _ = desk
    page = browser.new_context(timezone_id=ZONE).new_page()
    sign_in(page, site, "ed")
    page.keyboard.press("?")
    help = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help).to_be_visible()
    expect(help).to_contain_text("go to the dashboard")
    page.keyboard.press("Escape")
    expect(help).to_be_hidden()
    page.keyboard.press("g")
    page.keyboard.press("c")
    expect(page).to_have_url(re.compile(r"/calendar$"))
    expect(page.locator(".fc-timeGridWeek-view")).to_be_visible()
    page.keyboard.press("m")
    expect(page.locator(".fc-dayGridMonth-view")).to_be_visible()
    title = page.locator(".fc-toolbar-title").inner_text()
    page.keyboard.press("j")
    expect(page.locator(".fc-toolbar-title")).not_to_have_text(title)
    page.keyboard.press("t")
    expect(page.locator(".fc-toolbar-title")).to_have_text(title)
    # Typing in a field is typing, not a shortcut.
    page.locator("#f-day").press("m")
    expect(page).to_have_url(re.compile(r"/calendar$"))
