"""What the calendar holds from now on, counted from first principles for tests that run on any day."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta


def weekly_slots_ahead(now: datetime, weekday: int, at: time, *, days: int = 90) -> int:
    """How many `weekday` `at` (UTC) slots lie strictly after `now` in the `days` + 1 days from now's own.

    The planner looks at that many local days (today's included); on a Monday after 09:00 one
    Monday fewer is ahead than on a Monday before it, so tests must not hard-code the count.
    """
    today = now.astimezone(UTC).date()
    return sum(
        1
        for offset in range(days + 1)
        if (day := today + timedelta(days=offset)).weekday() == weekday
        and datetime.combine(day, at, tzinfo=UTC) > now
    )
