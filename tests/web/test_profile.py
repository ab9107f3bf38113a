"""Each user's profile on a real database: their own zone and first weekday, refused when unreadable
(given back as typed), and used by the calendar across accounts and an account's week."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from scheduler.web.auth import CSRF_FIELD
from tests.web.test_auth import csrf_of, sign_in

# The pages on SQLite: what they call is tested on both databases in tests/newsroom.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_a_user_s_own_zone_and_week_start_shape_the_calendars(site: TestClient) -> None:
    sign_in(site, "approver")
    page = site.get("/profile")
    assert page.status_code == 200 and "as your browser's language has it" in page.text
    token = csrf_of(page.text)
    bad = site.post("/profile", data={"timezone": "Mars/Olympus", "week_start": "", CSRF_FIELD: token})
    assert bad.status_code == 422 and "unknown time zone &#39;Mars/Olympus&#39;" in bad.text
    assert 'value="Mars/Olympus"' in bad.text and 'aria-invalid="true"' in bad.text
    saved = site.post(
        "/profile",
        data={"timezone": "Asia/Tokyo", "week_start": "2", CSRF_FIELD: token},
        follow_redirects=True,
    )
    assert "Saved" in saved.text and 'value="Asia/Tokyo"' in saved.text
    # Wednesday first, whatever the browser's language says; the days cut in Tokyo.
    week = site.get("/calendar", params={"day": "2031-06-11"}, headers={"Accept-Language": "en-US"})
    assert "(days in Asia/Tokyo)" in week.text
    assert re.findall(r'<h3 id="day-\d">(\w+)', week.text)[0] == "Wednesday"
    account_week = site.get(
        "/calendar/week?account=masto&week=2031-06-11", headers={"Accept-Language": "en-US"}
    )
    assert re.findall(r'<h2 id="day-\d">(\w+)', account_week.text)[0] == "Wednesday"
    cleared = site.post(
        "/profile", data={"timezone": "", "week_start": "", CSRF_FIELD: token}, follow_redirects=True
    )
    assert 'value=""' in cleared.text
    again = site.get("/calendar/week?account=masto&week=2031-06-11", headers={"Accept-Language": "en-US"})
    assert re.findall(r'<h2 id="day-\d">(\w+)', again.text)[0] == "Sunday"
