from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from scheduler.planning import PlanningError
from scheduler.planning.wallclock import (
    format_local,
    local_to_utc,
    next_free_slot,
    parse_slots,
    parse_time,
    slot_instants,
    time_note,
    zone,
)


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


def test_posting_schedule_reads_day_ranges_lists_and_a_range_across_the_week_end() -> None:
    slots = parse_slots("mon-fri 08:30,12:15; sat,sun 10:00; fri-mon 21:00")
    assert [t.isoformat("minutes") for t in slots.times[0]] == ["08:30", "12:15", "21:00"]  # monday
    assert [t.isoformat("minutes") for t in slots.times[2]] == ["08:30", "12:15"]  # wednesday
    assert [t.isoformat("minutes") for t in slots.times[5]] == ["10:00", "21:00"]  # saturday


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("mon-fry 09:00", "cannot read the days 'mon-fry'"),
        ("mon 9h", "cannot read the time '9h'"),
        ("mon-fri", "has no times"),
        ("", "has no slots"),
    ],
)
def test_a_bad_posting_schedule_says_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(PlanningError, match=message):
        parse_slots(spec)


def test_next_free_slot_skips_taken_slots_and_keeps_wall_clock_time_across_dst() -> None:
    london = zone("Europe/London")
    slots = parse_slots("mon-sun 09:00,17:30")
    # Saturday 24 October 2026, 18:00 BST; clocks go back on Sunday 25 October.
    after = datetime(2026, 10, 24, 17, 0, tzinfo=UTC)
    first = next_free_slot(slots, london, after=after, taken=set())
    assert format_local(first, london) == "2026-10-25 09:00:00 GMT"
    second = next_free_slot(slots, london, after=after, taken={first})
    assert format_local(second, london) == "2026-10-25 17:30:00 GMT"


def test_slots_in_a_skipped_hour_become_one_slot_not_two() -> None:
    new_york = zone("America/New_York")
    slots = parse_slots("sun 02:15,02:45")
    instants = list(slot_instants(slots, new_york, after=datetime(2026, 3, 7, tzinfo=UTC), days=2))
    assert [format_local(i, new_york) for i in instants] == ["2026-03-08 03:00:00 EDT"]


def test_when_every_slot_is_taken_the_error_says_so() -> None:
    slots = parse_slots("mon 09:00")
    after = datetime(2026, 11, 30, tzinfo=UTC)
    taken = set(slot_instants(slots, zone("UTC"), after=after, days=14))
    with pytest.raises(PlanningError, match="every posting slot of the next 14 days is taken"):
        next_free_slot(slots, zone("UTC"), after=after, taken=taken, horizon_days=14)


def test_a_time_the_clocks_skip_or_repeat_is_named_with_the_time_it_became() -> None:
    london = ZoneInfo("Europe/London")
    skipped = time_note("2031-03-30 01:30", london)
    assert skipped == (
        "2031-03-30 01:30 does not exist in Europe/London (the clocks go forward then): "
        "it became 02:00 BST, the first minute after"
    )
    assert parse_time("2031-03-30 01:30", london) == datetime(2031, 3, 30, 1, 0, tzinfo=UTC)
    repeated = time_note("2031-10-26 01:30", london)
    assert repeated == (
        "2031-10-26 01:30 happens twice in Europe/London (the clocks go back then): it is the first, "
        "01:30 BST (00:30 UTC), not the second, 01:30 GMT"
    )
    assert parse_time("2031-10-26 01:30", london) == datetime(2031, 10, 26, 0, 30, tzinfo=UTC)
    assert time_note("2031-10-26 03:30", london) is None
    assert time_note("2031-03-30T01:30+00:00", london) is None, "a time with an offset is never moved"
    assert time_note("not a time", london) is None
