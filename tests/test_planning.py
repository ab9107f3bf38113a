from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scheduler.planning import PlanningError, format_local, local_to_utc, parse_time, zone


def test_ordinary_local_time_converts_with_the_zone_offset() -> None:
    assert local_to_utc(datetime(2026, 7, 1, 9, 0), zone("Europe/London")) == datetime(
        2026, 7, 1, 8, 0, tzinfo=UTC
    )
    assert local_to_utc(datetime(2026, 1, 1, 9, 0), zone("Europe/London")) == datetime(
        2026, 1, 1, 9, 0, tzinfo=UTC
    )


def test_skipped_spring_forward_time_moves_to_first_valid_minute_after() -> None:
    # New York, 8 March 2026: 02:00 EST jumps to 03:00 EDT; 02:30 does not exist.
    new_york = zone("America/New_York")
    instant = local_to_utc(datetime(2026, 3, 8, 2, 30), new_york)
    assert instant == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    assert format_local(instant, new_york) == "2026-03-08 03:00:00 EDT"


def test_repeated_fall_back_time_takes_its_first_occurrence() -> None:
    # New York, 1 November 2026: 01:30 happens in EDT, then again in EST.
    instant = local_to_utc(datetime(2026, 11, 1, 1, 30), zone("America/New_York"))
    assert instant == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


def test_parse_time_reads_naive_times_in_the_zone_and_keeps_offsets() -> None:
    sydney = zone("Australia/Sydney")
    assert parse_time("2026-12-01 09:00", sydney) == datetime(2026, 11, 30, 22, 0, tzinfo=UTC)
    assert parse_time("2026-12-01T09:00+01:00", sydney) == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_bad_times_and_zones_say_what_to_write() -> None:
    with pytest.raises(PlanningError, match="YYYY-MM-DD HH:MM"):
        parse_time("tomorrow morning", zone("UTC"))
    with pytest.raises(PlanningError, match="did you mean Europe/London"):
        zone("london")
    with pytest.raises(PlanningError, match="IANA"):
        zone("Mars/Olympus")
