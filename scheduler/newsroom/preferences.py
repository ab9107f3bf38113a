"""Each user's own time zone and first day of the week: how the pages that show many accounts at once
(the calendar, the posts list) cut days and weeks for them."""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.models import User
from scheduler.newsroom.users import UserError
from scheduler.planning import PlanningError
from scheduler.planning.wallclock import zone

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Preferences:
    timezone: str | None  # None: the accounts' own zones
    week_start: int | None  # 0 Monday … 6 Sunday; None: as the browser's language has it


def preferences_of(user: User | None) -> Preferences:
    return Preferences(user.timezone, user.week_start) if user is not None else Preferences(None, None)


def set_preferences(user: User, *, timezone: str, week_start: str) -> Preferences:
    """Keep the user's zone (an IANA name; empty: none) and first weekday (a day's name or number)."""
    name = timezone.strip()
    if name:
        try:
            name = zone(name).key
        except PlanningError as error:
            raise UserError(str(error), field="timezone") from None
    day = week_start.strip()
    first: int | None = None
    if day:
        named = [n for n, weekday in enumerate(WEEKDAYS) if weekday.lower().startswith(day.lower()[:3])]
        if day.isdigit() and int(day) < 7:
            first = int(day)
        elif len(day) >= 3 and named:
            first = named[0]
        else:
            raise UserError(f"{day!r} is not a day of the week", field="week_start")
    user.timezone, user.week_start = name or None, first
    return preferences_of(user)
