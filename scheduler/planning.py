"""When posts go out: wall-clock times in an account's IANA zone, turned into UTC instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


class PlanningError(ValueError):
    """A time or zone that cannot be used; the message says what to give instead."""


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        close = sorted(z for z in available_timezones() if name.lower() in z.lower())[:3]
        hint = (
            f" (did you mean {', '.join(close)}?)" if close else " such as Europe/London or America/New_York"
        )
        raise PlanningError(f"unknown time zone {name!r}: give an IANA zone name{hint}") from None


def local_to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    """A naive wall-clock time in `tz` as a UTC instant.

    A time that does not exist (the hour skipped when clocks spring forward) moves to the first
    valid minute after it; a time that happens twice (clocks fall back) takes its first occurrence.
    """
    candidate = local.replace(tzinfo=None)
    for _ in range(24 * 60):
        aware = candidate.replace(tzinfo=tz, fold=0)
        if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == candidate:
            return aware.astimezone(UTC)
        candidate = (candidate + timedelta(minutes=1)).replace(second=0, microsecond=0)
    raise PlanningError(f"{local:%Y-%m-%d %H:%M} does not exist in {tz.key}")


def parse_time(text: str, tz: ZoneInfo) -> datetime:
    """An ISO 8601 date and time; without an offset it is read in `tz`. Returned in UTC."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise PlanningError(
            f"cannot read the time {text!r}: write it as YYYY-MM-DD HH:MM (in {tz.key}) "
            "or with an offset, such as 2026-12-01T09:00+01:00"
        ) from None
    if parsed.tzinfo is None:
        return local_to_utc(parsed, tz)
    return parsed.astimezone(UTC)


def format_local(instant: datetime, tz: ZoneInfo) -> str:
    """How an editor reads a stored UTC time: in the account's zone, with its abbreviation."""
    return instant.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z")
