"""A time past the planning horizon (year 9999, or just more than ten years ahead) is refused in every
face with the range it must fall in: the API names the field, the CLI and the pages say what to give.
Before, year 9999 overflowed the calendar's arithmetic: a 500 in the API and pages, a traceback in the CLI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from scheduler.planning.wallclock import (
    HORIZON_YEARS,
    TooFarAhead,
    horizon_end,
    local_to_utc,
    parse_time,
    zone,
)
from scheduler.web.auth import CSRF_FIELD
from tests.command import run
from tests.conftest import REFERENCE_ARTICLE
from tests.web.test_api_articles import added_reference
from tests.web.test_auth import csrf_of, sign_in
from tests.web.test_calendar import schedule_quote_post

FAR = ["9999-12-31T23:59:59Z", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"]


def test_the_horizon_is_ten_years_and_a_time_past_it_or_off_the_calendar_is_refused() -> None:
    now = datetime(2026, 12, 7, 12, tzinfo=UTC)
    assert horizon_end(now) - now >= timedelta(days=365 * HORIZON_YEARS)
    assert parse_time("2036-12-01 09:00", zone("Europe/London"), now=now).year == 2036
    with pytest.raises(TooFarAhead, match="more than 10 years ahead: give a time before 2036-12-0"):
        parse_time("2037-01-01 09:00", zone("Europe/London"), now=now)
    with pytest.raises(TooFarAhead, match="outside the calendar"):
        local_to_utc(datetime(9999, 12, 31, 23, 59), zone("America/New_York"))
    with pytest.raises(TooFarAhead):
        parse_time("9999-12-31T23:59:59-05:00", zone("UTC"), now=now)


@pytest.mark.parametrize("at", FAR)
def test_the_api_refuses_a_far_time_naming_the_field(
    api: TestClient, editor: dict[str, str], at: str
) -> None:
    article_id = added_reference(api, editor)["id"]
    answer = api.post(
        "/api/v1/posts", json={"article_id": article_id, "account": "outbox", "at": at}, headers=editor
    )
    assert answer.status_code == 422, answer.text
    (problem,) = answer.json()["detail"]
    assert problem["loc"] == ["body", "at"]
    assert "years ahead" in problem["msg"] or "out of range" in problem["msg"] or "passed" in problem["msg"]


def test_the_cli_refuses_a_far_time_in_add_and_reschedule_without_a_traceback(isolated_settings) -> None:
    assert run("init").returncode == 0
    far = run("add", str(REFERENCE_ARTICLE), "--at", "9999-12-31 23:59")
    assert far.returncode == 1 and "Traceback" not in far.stderr
    assert "more than 10 years ahead: give a time before" in far.stderr
    added = run("add", str(REFERENCE_ARTICLE), "--at", "2031-01-01 09:00")
    assert added.returncode == 0, added.stderr
    moved = run("posts", "reschedule", "1", "--at", "9999-12-31T23:59+05:00")
    assert moved.returncode == 1 and "Traceback" not in moved.stderr and "years ahead" in moved.stderr


def test_the_calendar_page_refuses_a_far_time_and_shows_a_far_week(site: TestClient) -> None:
    sign_in(site, "editor")
    post_id = schedule_quote_post(site)
    token = csrf_of(site.get(f"/posts/{post_id}").text)
    far = site.post(f"/posts/{post_id}/reschedule", data={"at": "9999-12-31 23:59", CSRF_FIELD: token})
    assert far.status_code == 422 and "more than 10 years ahead" in far.text
    for week in ("9999-12-27", "0001-01-01"):
        page = site.get("/calendar/week", params={"account": "masto", "week": week})
        assert page.status_code == 200, page.text[:300]
