"""An account's queue page on a real database: the posts in order, Up and Down (the keyboard's way and
the way without JavaScript), a whole new order as a drag sends it, its undo, and the refusals."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from scheduler.web.auth import CSRF_FIELD
from tests.web.test_agenda import scheduled_for
from tests.web.test_auth import csrf_of, sign_in
from tests.web.test_calendar import schedule_quote_post

# The pages on SQLite: what they call is tested on both databases in tests/newsroom.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def order_on(page: str) -> list[int]:
    return [int(post) for post in re.findall(r'<li class="entry queue-entry[^"]*" data-post="(\d+)"', page)]


def test_the_queue_shows_the_posts_in_order_and_up_swaps_two(site: TestClient, database_url: str) -> None:
    sign_in(site, "editor")
    first, second, third = (schedule_quote_post(site) for _ in range(3))
    page = site.get("/accounts/masto/queue")
    assert page.status_code == 200 and order_on(page.text) == [first, second, third]
    assert f"Up: post {second}" in page.text and f"Down: post {second}" in page.text
    times = [scheduled_for(database_url, post) for post in (first, second, third)]
    moved = site.post(
        "/accounts/masto/queue/move",
        data={"post": str(third), "direction": "up", CSRF_FIELD: csrf_of(page.text)},
        follow_redirects=False,
    )
    assert moved.status_code == 303 and moved.headers["location"] == "/accounts/masto/queue"
    after = site.get("/accounts/masto/queue")
    assert order_on(after.text) == [first, third, second]
    assert scheduled_for(database_url, third) == times[1] and scheduled_for(database_url, second) == times[2]
    assert "New order:" in after.text and "Europe/London" in after.text
    # The notice carries the undo: the two posts back where they were.
    assert "Undo the new order" in after.text
    undo = re.search(
        r'<form method="post" action="/accounts/masto/queue" class="inline undo">.*?</form>', after.text, re.S
    )
    assert undo is not None and f'value="{second},{third}"' in undo.group(0)
    site.post("/accounts/masto/queue", data={"order": f"{second},{third}", CSRF_FIELD: csrf_of(after.text)})
    assert [scheduled_for(database_url, post) for post in (first, second, third)] == times
    assert "Undo the new order" not in site.get("/accounts/masto/queue").text  # once only


def test_a_whole_new_order_and_what_the_page_refuses(site: TestClient, database_url: str) -> None:
    sign_in(site, "editor")
    first, second, third = (schedule_quote_post(site) for _ in range(3))
    token = csrf_of(site.get("/accounts/masto/queue").text)
    done = site.post("/accounts/masto/queue", data={"order": f"{third},{first},{second}", CSRF_FIELD: token})
    assert done.status_code == 200 and order_on(done.text) == [third, first, second]
    top = site.post(
        "/accounts/masto/queue/move", data={"post": str(third), "direction": "up", CSRF_FIELD: token}
    )
    assert top.status_code == 422 and f"Post {third} is first already." in top.text
    twice = site.post("/accounts/masto/queue", data={"order": f"{first},{first}", CSRF_FIELD: token})
    assert twice.status_code == 422 and "named twice" in twice.text
    words = site.post("/accounts/masto/queue", data={"order": "first,second", CSRF_FIELD: token})
    assert words.status_code == 422 and "not a list of post numbers" in words.text
    assert order_on(site.get("/accounts/masto/queue").text) == [third, first, second]
    assert site.get("/accounts/nowhere/queue").status_code == 404


def test_an_editor_reorders_only_their_own_posts_and_an_approver_only_reads(
    site: TestClient, database_url: str
) -> None:
    sign_in(site, "admin")
    theirs = schedule_quote_post(site)
    site.cookies.clear()
    sign_in(site, "editor")
    mine = schedule_quote_post(site)
    page = site.get("/accounts/masto/queue")
    assert f"Up: post {mine}" in page.text and f"Down: post {theirs}" not in page.text
    refused = site.post(
        "/accounts/masto/queue", data={"order": f"{mine},{theirs}", CSRF_FIELD: csrf_of(page.text)}
    )
    assert refused.status_code == 422 and f"post {theirs} is not yours" in refused.text
    site.cookies.clear()
    sign_in(site, "approver")
    read = site.get("/accounts/masto/queue")
    assert read.status_code == 200 and order_on(read.text) == [theirs, mine] and "Up: post" not in read.text
    denied = site.post(
        "/accounts/masto/queue", data={"order": f"{mine},{theirs}", CSRF_FIELD: csrf_of(read.text)}
    )
    assert denied.status_code == 403
