"""The calendar's week begins where the reader's locale begins it: Sunday for en-US, Monday for en-GB
and de, Saturday for ar-EG (CLDR, through Babel); Monday when the browser names no locale we know."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient

from scheduler.web.week import first_weekday, week_start
from tests.web.test_auth import sign_in


@pytest.mark.parametrize(
    ("header", "first"),
    [
        ("en-US,en;q=0.9", 6),
        ("en-GB,en;q=0.9", 0),
        ("de-DE", 0),
        ("ar-EG", 5),
        ("en", 6),  # a language alone: its most likely region
        ("en;q=0.1, fr-FR;q=0.9", 0),  # the preferred one counts
        ("xx-YY, en-US;q=0.5", 6),  # an unknown one is passed over
        ("", 0),
        ("*", 0),
        ("en-US;q=nonsense", 0),
        ("z" * 5000, 0),
    ],
)
def test_the_first_day_of_the_week_follows_the_locale(header: str, first: int) -> None:
    assert first_weekday(header) == first


def test_the_week_of_a_day_begins_on_the_locales_first_day() -> None:
    wednesday = date(2031, 6, 11)
    assert week_start(wednesday, 0) == date(2031, 6, 9)  # Monday
    assert week_start(wednesday, 6) == date(2031, 6, 8)  # Sunday
    assert week_start(date(2031, 6, 8), 6) == date(2031, 6, 8)
    assert week_start(date(2031, 6, 8), 0) == date(2031, 6, 2)


def test_the_calendar_begins_its_week_on_the_readers_first_day(site: TestClient) -> None:
    sign_in(site, "editor")
    days = {}
    for header in ("en-US", "en-GB"):
        page = site.get(
            "/calendar/week?account=masto&week=2031-06-11", headers={"Accept-Language": header}
        ).text
        days[header] = re.findall(r'<h2 id="day-\d">(\w+) (\d\d)', page)
    assert days["en-US"][0] == ("Sunday", "08") and days["en-US"][-1] == ("Saturday", "14")
    assert days["en-GB"][0] == ("Monday", "09") and days["en-GB"][-1] == ("Sunday", "15")
