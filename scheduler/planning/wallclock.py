"""When posts go out: wall-clock times and posting slots in an account's IANA zone, as UTC instants."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from scheduler.planning import PlanningError


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        close = sorted(z for z in available_timezones() if name.lower() in z.lower())[:3]
        hint = (
            f" (did you mean {', '.join(close)}?)" if close else " such as Europe/London or America/New_York"
        )
        raise PlanningError(f"unknown time zone {name!r}: give an IANA zone name{hint}") from None


# How far ahead anything is planned. Past it a time is a typing slip, not a plan; and near year 9999
# the calendar's own arithmetic (the day after, the week around) runs out of datetime's range.
HORIZON_YEARS = 10


class TooFarAhead(PlanningError):
    """A time past the planning horizon (or outside the calendar altogether)."""


def horizon_end(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(microsecond=0) + timedelta(days=365 * HORIZON_YEARS + 2)


def check_within_horizon(instant: datetime, *, now: datetime | None = None) -> datetime:
    """`instant` itself, or TooFarAhead when it lies more than HORIZON_YEARS ahead."""
    limit = horizon_end(now or datetime.now(UTC))
    if instant > limit:
        raise TooFarAhead(
            f"{instant:%Y-%m-%d %H:%M} UTC is more than {HORIZON_YEARS} years ahead: "
            f"give a time before {limit:%Y-%m-%d}"
        )
    return instant


def local_to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    """A naive wall-clock time in `tz` as a UTC instant.

    A time that does not exist (the hour skipped when clocks spring forward) moves to the first
    valid minute after it; a time that happens twice (clocks fall back) takes its first occurrence.
    """
    try:
        return _wall_clock_to_utc(local.replace(tzinfo=None), tz)
    except OverflowError:
        raise TooFarAhead(f"{local:%Y-%m-%d %H:%M} is outside the calendar in {tz.key}") from None


# The planner asks the same few wall-clock times of the same zones for every account and article.
@lru_cache(maxsize=65536)
def _wall_clock_to_utc(candidate: datetime, tz: ZoneInfo) -> datetime:
    local = candidate
    for _ in range(24 * 60):
        aware = candidate.replace(tzinfo=tz, fold=0)
        if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == candidate:
            return aware.astimezone(UTC)
        candidate = (candidate + timedelta(minutes=1)).replace(second=0, microsecond=0)
    raise PlanningError(f"{local:%Y-%m-%d %H:%M} does not exist in {tz.key}")


def wall_clock_note(local: datetime, tz: ZoneInfo) -> str | None:
    """What the editor is told when the wall-clock time they gave does not exist in `tz` (the hour the
    clocks skip) or happens twice (the hour they repeat): the time it became. None for any other."""
    asked = local.replace(tzinfo=None)
    try:
        became = local_to_utc(asked, tz).astimezone(tz)
    except PlanningError:
        return None
    if became.replace(tzinfo=None) != asked:
        return (
            f"{asked:%Y-%m-%d %H:%M} does not exist in {tz.key} (the clocks go forward then): "
            f"it became {became:%H:%M %Z}, the first minute after"
        )
    first, second = asked.replace(tzinfo=tz, fold=0), asked.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        return (
            f"{asked:%Y-%m-%d %H:%M} happens twice in {tz.key} (the clocks go back then): it is the first, "
            f"{first:%H:%M %Z} ({first.astimezone(UTC):%H:%M} UTC), not the second, {second:%H:%M %Z}"
        )
    return None


def time_note(text: str, tz: ZoneInfo) -> str | None:
    """wall_clock_note for a time as the editor wrote it (one with an offset is never moved)."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return wall_clock_note(parsed, tz) if parsed.tzinfo is None else None


def parse_time(text: str, tz: ZoneInfo, *, now: datetime | None = None) -> datetime:
    """An ISO 8601 date and time; without an offset it is read in `tz`. Returned in UTC, and within
    the planning horizon (TooFarAhead past it)."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise PlanningError(
            f"cannot read the time {text!r}: write it as YYYY-MM-DD HH:MM (in {tz.key}) "
            "or with an offset, such as 2026-12-01T09:00+01:00"
        ) from None
    if parsed.tzinfo is None:
        return check_within_horizon(local_to_utc(parsed, tz), now=now)
    try:
        return check_within_horizon(parsed.astimezone(UTC), now=now)
    except OverflowError:
        raise TooFarAhead(f"{text.strip()} is outside the calendar once in UTC") from None


def format_local(instant: datetime, tz: ZoneInfo) -> str:
    """How an editor reads a stored UTC time: in the account's zone, with its abbreviation."""
    return instant.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z")


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Until an account is given its own posting schedule: three slots a day, every day.
DEFAULT_SLOTS = "mon-sun 09:00,12:30,17:30"


@dataclass(frozen=True)
class WeeklySlots:
    """Posting slots as local wall-clock times per weekday (0 = Monday)."""

    times: tuple[tuple[time, ...], ...]

    def local_times(self, day: date) -> tuple[time, ...]:
        return self.times[day.weekday()]


def parse_slots(spec: str) -> WeeklySlots:
    """Read a schedule such as "mon-fri 08:30,12:15,17:45; sat,sun 10:00"."""
    per_day: list[set[time]] = [set() for _ in WEEKDAYS]
    for group in filter(None, (part.strip() for part in spec.split(";"))):
        days_text, _, times_text = group.partition(" ")
        days = _parse_days(days_text, spec)
        times = [_parse_clock(t.strip(), spec) for t in times_text.split(",") if t.strip()]
        if not times:
            raise PlanningError(
                f"posting schedule {spec!r}: {days_text!r} has no times; write e.g. 'mon-fri 09:00'"
            )
        for day in days:
            per_day[day].update(times)
    if not any(per_day):
        raise PlanningError(f"posting schedule {spec!r} has no slots; write e.g. 'mon-fri 09:00,13:00'")
    return WeeklySlots(tuple(tuple(sorted(day)) for day in per_day))


def _parse_days(text: str, spec: str) -> list[int]:
    days: list[int] = []
    for part in text.lower().split(","):
        first, _, last = part.partition("-")
        try:
            start = WEEKDAYS.index(first.strip()[:3])
            end = WEEKDAYS.index(last.strip()[:3]) if last else start
        except ValueError:
            raise PlanningError(
                f"posting schedule {spec!r}: cannot read the days {part!r}; use mon, tue, … sun or mon-fri"
            ) from None
        # A range may wrap round the week end: "fri-mon".
        days.extend((start + i) % 7 for i in range((end - start) % 7 + 1))
    return days


def _parse_clock(text: str, spec: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise PlanningError(
            f"posting schedule {spec!r}: cannot read the time {text!r}; write HH:MM"
        ) from None


def slot_instants(slots: WeeklySlots, tz: ZoneInfo, *, after: datetime, days: int) -> Iterator[datetime]:
    """The UTC instants of the slots strictly after `after`, for `days` local days, in order."""
    first_day = after.astimezone(tz).date()
    seen: set[datetime] = set()
    for offset in range(days + 1):
        day = first_day + timedelta(days=offset)
        for clock in slots.local_times(day):
            instant = local_to_utc(datetime.combine(day, clock), tz)
            # Two slots in a skipped hour both move to its end: one post, not two.
            if instant > after and instant not in seen:
                seen.add(instant)
                yield instant


def next_free_slot(
    slots: WeeklySlots, tz: ZoneInfo, *, after: datetime, taken: Collection[datetime], horizon_days: int = 90
) -> datetime:
    """The first slot after `after` that no post of the account holds yet."""
    for instant in slot_instants(slots, tz, after=after, days=horizon_days):
        if instant not in taken:
            return instant
    raise PlanningError(
        f"every posting slot of the next {horizon_days} days is taken; add slots or give an exact time"
    )
