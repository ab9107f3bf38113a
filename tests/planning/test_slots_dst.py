"""Posting slots across both daylight-saving changes of New York, London and Sydney (2026).

Each schedule has a slot in the hour that is skipped when clocks spring forward, one in the hour that
happens twice when they fall back, and an ordinary 09:00. Over a week around each change: no slot is
lost, none is doubled, each lands at its wall-clock time (the skipped one at the first valid minute
after it, the repeated one at its first occurrence), and filling the slots one by one through the
database with next_slot gives the same instants.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import select

from scheduler import db
from scheduler.models import Account, Post, PostState
from scheduler.newsroom.accounts import add_account
from scheduler.newsroom.posts import next_slot
from scheduler.planning.wallclock import format_local, local_to_utc, parse_slots, slot_instants, zone

SCHEDULE = "mon-sun 01:30,02:30,09:00"
SLOT_TIMES = (time(1, 30), time(2, 30), time(9, 0))
WINDOW_DAYS = 7  # three days before the change, its day, three days after


@dataclass(frozen=True)
class Change:
    zone: str
    day: date
    kind: str  # "spring" (an hour skipped) or "fall" (an hour repeated)
    slot: time  # the slot in the skipped or repeated hour
    lands: time  # where that slot is on the day (the skipped one moves to the end of the gap)
    summer: timedelta  # the zone's daylight-saving offset
    winter: timedelta

    def __str__(self) -> str:
        return f"{self.zone} {self.kind} {self.day}"


HOUR = timedelta(hours=1)
CHANGES = [
    # New York: 02:00 EST jumps to 03:00 EDT; 02:00 EDT falls back to 01:00 EST.
    Change("America/New_York", date(2026, 3, 8), "spring", time(2, 30), time(3, 0), -4 * HOUR, -5 * HOUR),
    Change("America/New_York", date(2026, 11, 1), "fall", time(1, 30), time(1, 30), -4 * HOUR, -5 * HOUR),
    # London: 01:00 GMT jumps to 02:00 BST; 02:00 BST falls back to 01:00 GMT.
    Change("Europe/London", date(2026, 3, 29), "spring", time(1, 30), time(2, 0), HOUR, 0 * HOUR),
    Change("Europe/London", date(2026, 10, 25), "fall", time(1, 30), time(1, 30), HOUR, 0 * HOUR),
    # Sydney, southern hemisphere: 03:00 AEDT falls back to 02:00 AEST in April, 02:00 AEST jumps to
    # 03:00 AEDT in October.
    Change("Australia/Sydney", date(2026, 4, 5), "fall", time(2, 30), time(2, 30), 11 * HOUR, 10 * HOUR),
    Change("Australia/Sydney", date(2026, 10, 4), "spring", time(2, 30), time(3, 0), 11 * HOUR, 10 * HOUR),
]


def window(change: Change) -> tuple[datetime, datetime]:
    """From local midnight three days before the change to local midnight four days after, in UTC."""
    tz = zone(change.zone)
    first = change.day - timedelta(days=3)
    return (
        local_to_utc(datetime.combine(first, time(0)), tz),
        local_to_utc(datetime.combine(first + timedelta(days=WINDOW_DAYS), time(0)), tz),
    )


def expected_local(change: Change) -> list[datetime]:
    """The wall-clock time of every slot in the window, in order, as an editor expects it."""
    first = change.day - timedelta(days=3)
    times = []
    for offset in range(WINDOW_DAYS):
        day = first + timedelta(days=offset)
        for slot in SLOT_TIMES:
            moved = day == change.day and slot == change.slot
            times.append(datetime.combine(day, change.lands if moved else slot))
    return times


def slots_in_window(change: Change) -> list[datetime]:
    start, end = window(change)
    found = slot_instants(parse_slots(SCHEDULE), zone(change.zone), after=start, days=WINDOW_DAYS)
    return [instant for instant in found if instant < end]


@pytest.mark.parametrize("change", CHANGES, ids=str)
def test_no_slot_is_lost_or_doubled_and_each_keeps_its_wall_clock_time(change: Change) -> None:
    tz = zone(change.zone)
    instants = slots_in_window(change)
    assert len(instants) == len(SLOT_TIMES) * WINDOW_DAYS
    assert all(a < b for a, b in pairwise(instants)), "out of order or doubled"
    assert [i.astimezone(tz).replace(tzinfo=None) for i in instants] == expected_local(change)
    assert all(i.tzinfo is UTC for i in instants)


@pytest.mark.parametrize("change", CHANGES, ids=str)
def test_the_slot_in_the_changed_hour_is_where_design_says(change: Change) -> None:
    tz = zone(change.zone)
    [instant] = [
        i
        for i in slots_in_window(change)
        if i.astimezone(tz).date() == change.day and i.astimezone(tz).time() == change.lands
    ]
    local = instant.astimezone(tz)
    # Spring: the slot in the gap moves to its end, which is summer time already. Fall: the repeated
    # time is taken at its first occurrence, which is still summer time.
    assert local.utcoffset() == change.summer
    assert instant == datetime.combine(change.day, change.lands, tzinfo=UTC) - change.summer
    assert local.fold == 0


@pytest.mark.parametrize("change", CHANGES, ids=str)
def test_nine_oclock_stays_nine_oclock_and_the_day_is_an_hour_shorter_or_longer(change: Change) -> None:
    tz = zone(change.zone)
    nines = {
        i.astimezone(tz).date(): i for i in slots_in_window(change) if i.astimezone(tz).time() == time(9)
    }
    before, after = nines[change.day - timedelta(days=1)], nines[change.day]
    # Across the change the UTC instants of 09:00 are 23 h apart when an hour is skipped, 25 h when repeated.
    assert after - before == timedelta(hours=23 if change.kind == "spring" else 25)
    days_before = [nines[change.day - timedelta(days=n)].astimezone(tz).utcoffset() for n in (1, 2, 3)]
    days_after = [nines[change.day + timedelta(days=n)].astimezone(tz).utcoffset() for n in (0, 1, 2, 3)]
    ahead = change.kind == "spring"
    assert set(days_before) == {change.winter if ahead else change.summer}
    assert set(days_after) == {change.summer if ahead else change.winter}


def test_two_slots_in_one_skipped_hour_become_one() -> None:
    # New York, 8 March 2026: 02:15 and 02:45 do not exist; both move to 03:00 EDT, one slot not two.
    new_york = zone("America/New_York")
    after = local_to_utc(datetime(2026, 3, 8, 0, 0), new_york)
    found = list(slot_instants(parse_slots("sun 02:15,02:45,03:00"), new_york, after=after, days=0))
    assert [format_local(i, new_york) for i in found] == ["2026-03-08 03:00:00 EDT"]


@pytest.mark.parametrize("change", CHANGES, ids=str)
def test_filling_slots_one_by_one_through_the_database_gives_the_same_instants(
    database_url: str, change: Change
) -> None:
    start, end = window(change)
    with db.session_scope(database_url) as session:
        account = add_account(session, "desk", "outbox", change.zone, {"slots": SCHEDULE})
        account_id = account.id
    for _ in range(len(SLOT_TIMES) * WINDOW_DAYS):
        with db.session_scope(database_url) as session:
            account = session.get(Account, account_id)
            due = next_slot(session, account, after=start)
            session.add(
                Post(account=account, text="x", state=PostState.SCHEDULED, due_at=due, scheduled_for=due)
            )
    with db.session_scope(database_url) as session:
        stored = list(session.scalars(select(Post.scheduled_for).order_by(Post.id)))
        after_window = next_slot(session, session.get(Account, account_id), after=start)
    assert stored == slots_in_window(change)
    # Every slot of the window is held now: the next one is the first slot after it.
    assert after_window >= end
    assert after_window.astimezone(zone(change.zone)).time() == SLOT_TIMES[0]
