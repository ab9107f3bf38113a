"""Each user's own time zone, first day of the week and language: how the pages that show many accounts
at once (the calendar, the posts list) cut days and weeks for them, and the words the pages speak."""

from __future__ import annotations

from collections.abc import Collection
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
    language: str | None = None  # a language code the pages speak; None: as the browser asks


def preferences_of(user: User | None) -> Preferences:
    if user is None:
        return Preferences(None, None)
    return Preferences(user.timezone, user.week_start, user.language)


def set_preferences(
    user: User,
    *,
    timezone: str,
    week_start: str,
    language: str | None = None,
    languages: Collection[str] = (),
) -> Preferences:
    """Keep the user's zone (an IANA name; empty: none), first weekday (a day's name or number) and,
    when `language` is given, their language: one of `languages` (those the pages speak), empty for none.
    Nothing is kept when any of them is refused."""
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
    spoken = user.language
    if language is not None:
        spoken = language.strip().lower() or None
        if spoken is not None and spoken not in languages:
            offered = ", ".join(sorted(languages))
            raise UserError(f"the pages do not speak {language!r}; choose one of {offered}", field="language")
    user.timezone, user.week_start, user.language = name or None, first, spoken
    return preferences_of(user)
