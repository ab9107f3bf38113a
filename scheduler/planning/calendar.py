"""An account's posting calendar, as planning sees it: its slots, its budget, and the instants its posts hold.

The choosing is pure: a Calendar holds an account's taken instants over the ranges read so far and says
which slot is free (not held by another post, within the account's budget, not on a local day to
avoid). `read_taken` reads what calendars ask for, for all accounts in one query.

Calendars are kept in the process between transactions, as a hint: a queue weeks deep is read once,
not for every article. A kept calendar can only miss posts added elsewhere since it was read; the
planner checks the slots it chose against the database before it writes (newsroom.campaigns). Posts
removed elsewhere only make a kept calendar pass over a free slot until it expires (CALENDAR_TTL_S).
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right, insort
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import literal, select, union_all
from sqlalchemy.orm import Session

from scheduler.models import Account, Post
from scheduler.planning.account_calendar import HOLDING_STATES
from scheduler.planning.budgets import Budget, account_budget
from scheduler.planning.wallclock import DEFAULT_SLOTS, WeeklySlots, local_to_utc, parse_slots, zone

# The least step between two instants: an instant is free of a post only when not equal to its time.
TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Need:
    """A calendar must read [lo, hi) before it can answer."""

    lo: datetime
    hi: datetime


@dataclass
class Calendar:
    """One account's posting slots, its budget and the instants its posts hold, over the ranges read.

    A calendar only ever learns of more posts (one removed elsewhere stays in it until it expires, see
    `kept_calendars`), so a slot found not free stays so, and a local day found full is passed over.
    """

    slots: WeeklySlots
    tz: ZoneInfo
    budget: Budget
    taken: list[datetime] = field(default_factory=list)  # sorted; an instant repeats for each post at it
    known: list[tuple[datetime, datetime]] = field(default_factory=list)  # sorted, disjoint [lo, hi)
    _bounds: dict[date, tuple[datetime, datetime]] = field(default_factory=dict)
    _slots: dict[date, tuple[datetime, ...]] = field(default_factory=dict)
    _slot_links: dict[date, list[int]] = field(default_factory=dict)  # per day: slot → next not refused
    _day_links: dict[date, date] = field(default_factory=dict)  # a full day → the day after it
    _read_days: set[date] = field(default_factory=set)

    @classmethod
    def for_account(cls, account: Account) -> Calendar:
        slots = parse_slots(account.options.get("slots") or DEFAULT_SLOTS)
        return cls(slots, zone(account.timezone), account_budget(account.network, account.options))

    def day(self, instant: datetime) -> date:
        return instant.astimezone(self.tz).date()

    def day_bounds(self, day: date) -> tuple[datetime, datetime]:
        """The local day as UTC instants [start, end): 23 or 25 hours long on a daylight-saving change."""
        if day not in self._bounds:
            self._bounds[day] = (
                local_to_utc(datetime.combine(day, time()), self.tz),
                local_to_utc(datetime.combine(day + timedelta(days=1), time()), self.tz),
            )
        return self._bounds[day]

    def day_slots(self, day: date) -> tuple[datetime, ...]:
        """The day's slots as UTC instants, in order (two in a skipped hour are one)."""
        if day not in self._slots:
            self._slots[day] = tuple(
                sorted(
                    {
                        local_to_utc(datetime.combine(day, clock), self.tz)
                        for clock in self.slots.local_times(day)
                    }
                )
            )
        return self._slots[day]

    def missing(self, lo: datetime, hi: datetime) -> list[tuple[datetime, datetime]]:
        """The parts of [lo, hi) not read yet."""
        gaps = []
        for known_lo, known_hi in self.known:
            if known_hi <= lo:
                continue
            if known_lo >= hi:
                break
            if known_lo > lo:
                gaps.append((lo, known_lo))
            lo = max(lo, known_hi)
            if lo >= hi:
                return gaps
        if lo < hi:
            gaps.append((lo, hi))
        return gaps

    def learn(self, lo: datetime, hi: datetime, instants: Iterable[datetime]) -> None:
        """What was read for [lo, hi), a range not read before."""
        for instant in instants:
            insort(self.taken, instant)
        ranges = sorted([*self.known, (lo, hi)])
        merged = [ranges[0]]
        for range_lo, range_hi in ranges[1:]:
            if range_lo <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], range_hi))
            else:
                merged.append((range_lo, range_hi))
        self.known = merged

    def hold(self, instant: datetime) -> None:
        """A post planned here now holds `instant`."""
        insort(self.taken, instant)

    def _needs(self, day: date) -> Need | None:
        """What must be read to judge the day's slots: the day, and the budget's gap around its slots."""
        if day in self._read_days:
            return None
        start, end = self.day_bounds(day)
        instants = self.day_slots(day)
        gap = self.budget.min_gap
        lo = min(start, instants[0] - gap) if instants else start
        hi = max(end, instants[-1] + gap + TICK) if instants else end
        if self.missing(lo, hi):
            return Need(lo, hi)
        self._read_days.add(day)  # what was read stays read
        return None

    def _day_full(self, day: date) -> bool:
        start, end = self.day_bounds(day)
        return bisect_left(self.taken, end) - bisect_left(self.taken, start) >= self.budget.max_per_day

    def _slot_free(self, instant: datetime) -> bool:
        gap = self.budget.min_gap
        at = bisect_left(self.taken, instant)
        if at < len(self.taken) and self.taken[at] - instant < max(gap, TICK):
            return False
        return not (at > 0 and instant - self.taken[at - 1] < gap)

    def free(self, instant: datetime) -> bool | Need:
        """Whether a post may take `instant`: none there or within the budget's gap, its day not full."""
        day = self.day(instant)
        need = self._needs(day)
        if need is not None:
            gap = self.budget.min_gap
            return Need(min(need.lo, instant - gap), max(need.hi, instant + gap + TICK))
        return not self._day_full(day) and self._slot_free(instant)

    def first_free(
        self, *, after: datetime, until: datetime, avoid_days: Sequence[date] | set[date] = ()
    ) -> datetime | Need | None:
        """The first free slot after `after` and not later than `until`, on none of `avoid_days`;
        a Need when more must be read first, None when there is none."""
        day, last = self._open_day(self.day(after)), self.day(until)
        while day <= last:
            instants = self.day_slots(day)
            if day not in avoid_days and instants and instants[-1] > after:
                need = self._needs(day)
                if need is not None:
                    return need
                if self._day_full(day):
                    self._full(day)
                    day = self._open_day(day)
                    continue
                # Slots found not free stay so (posts are only added meanwhile): each links to the next.
                links = self._slot_links.setdefault(day, list(range(len(instants) + 1)))
                index = _next_open(links, bisect_right(instants, after))
                while index < len(instants):
                    if instants[index] > until:
                        return None
                    if self._slot_free(instants[index]):
                        return instants[index]
                    links[index] = index + 1
                    index = _next_open(links, index + 1)
                if _next_open(links, 0) == len(instants):
                    self._full(day)
            day = self._open_day(day + timedelta(days=1))
        return None

    def _full(self, day: date) -> None:
        """No slot of the day is free: searches pass over it (and every full day after it) at once."""
        self._day_links[day] = day + timedelta(days=1)

    def _open_day(self, day: date) -> date:
        """The first day from `day` on not known to be full (links halved on the way)."""
        links = self._day_links
        while day in links:
            following = links[day]
            if following in links:
                links[day] = links[following]
            day = following
        return day


def _next_open(links: list[int], index: int) -> int:
    """The first slot at or after `index` not known to be refused (links halved on the way)."""
    while links[index] != index:
        links[index] = links[links[index]]
        index = links[index]
    return index


# Kept calendars: dropped after this many seconds, and all of them past this many accounts.
CALENDAR_TTL_S = 300.0
MAX_KEPT_CALENDARS = 5000
_kept: dict[tuple[Any, ...], tuple[float, Calendar]] = {}
_kept_lock = threading.Lock()


def kept_calendars(
    session: Session, accounts: Iterable[Account], *, renew: Collection[int] = ()
) -> dict[int, Calendar]:
    """The accounts' calendars kept in this process (new ones for `renew`, for changed settings, and
    for those older than CALENDAR_TTL_S): a hint that `plan` checks against the database."""
    database = session.get_bind().url.render_as_string(hide_password=True)
    now = monotonic()
    found = {}
    with _kept_lock:
        if len(_kept) > MAX_KEPT_CALENDARS:
            _kept.clear()
        for account in accounts:
            key = (
                database,
                account.id,
                account.created_at,
                account.timezone,
                account.options.get("slots"),
                account_budget(account.network, account.options),
            )
            entry = _kept.get(key)
            if entry is None or account.id in renew or now - entry[0] > CALENDAR_TTL_S:
                entry = _kept[key] = (now, Calendar.for_account(account))
            found[account.id] = entry[1]
    return found


def forget_calendars() -> None:
    """Drop every kept calendar (tests; a database replaced under a running process)."""
    with _kept_lock:
        _kept.clear()


def read_taken(session: Session, calendars: dict[int, Calendar], needs: dict[int, Need]) -> None:
    """One query for what every calendar asks: the instants held by the account's posts in its ranges."""
    ranges = [
        (account_id, lo, hi)
        for account_id, need in needs.items()
        for lo, hi in calendars[account_id].missing(need.lo, need.hi)
    ]
    found: dict[tuple[int, datetime, datetime], list[datetime]] = {}
    if ranges and session.get_bind().dialect.name == "postgresql":
        # The ranges as three arrays, each joined LATERAL: an index range scan on (account_id,
        # scheduled_for) per range, in one short statement parsed once, whatever the number of ranges
        # (SQLAlchemy compiling 400 branches cost more than running them).
        accounts, lows, highs = (list(column) for column in zip(*ranges, strict=True))
        rows = session.connection().exec_driver_sql(
            _TAKEN_IN_RANGES,
            {"accounts": accounts, "lows": lows, "highs": highs, "states": _HOLDING_VALUES},
        )
        # As UTCDateTime gives them: in datetime.UTC itself. psycopg's are in ZoneInfo("Etc/UTC"), and
        # a bisection over times of two tzinfo objects is 17 times slower (each comparison asks both
        # for their offsets).
        for index, instant in rows:
            found.setdefault(ranges[index - 1], []).append(instant.astimezone(UTC))
        ranges_read: list[tuple[int, datetime, datetime]] = []
    else:
        ranges_read = ranges
    # One branch per range: each an index range scan on (account_id, scheduled_for), whatever the
    # statistics say (an OR of them, or a join with a VALUES list, can make SQLite read every post).
    for start in range(0, len(ranges_read), 400):  # SQLite allows 500 branches in a compound SELECT
        chunk = ranges_read[start : start + 400]
        branches = [
            select(literal(index), Post.scheduled_for).where(
                Post.account_id == account_id,
                Post.scheduled_for >= lo,
                Post.scheduled_for < hi,
                Post.state.in_(HOLDING_STATES),
                # A thread counts once against the budget; its later parts share its first part's time.
                Post.thread_parent_id.is_(None),
            )
            for index, (account_id, lo, hi) in enumerate(chunk)
        ]
        for index, instant in session.execute(union_all(*branches)):
            found.setdefault(chunk[index], []).append(instant)
    for account_id, lo, hi in ranges:
        calendars[account_id].learn(lo, hi, found.get((account_id, lo, hi), ()))


_HOLDING_VALUES = [state.value for state in HOLDING_STATES]
# Each range's posts as a LATERAL subquery; its OFFSET 0 keeps PostgreSQL from pulling it up into a hash
# join over every post (240 ms on 300,000 posts, against 35 ms for a nested loop of index scans).
_TAKEN_IN_RANGES = (
    "SELECT w.i, p.scheduled_for FROM unnest(CAST(%(accounts)b AS integer[]), "
    "CAST(%(lows)b AS timestamptz[]), CAST(%(highs)b AS timestamptz[])) WITH ORDINALITY "
    "AS w(account_id, lo, hi, i) CROSS JOIN LATERAL (SELECT posts.scheduled_for FROM posts "
    "WHERE posts.account_id = w.account_id AND posts.scheduled_for >= w.lo AND posts.scheduled_for < w.hi "
    "AND posts.state = ANY(CAST(%(states)b AS text[])) AND posts.thread_parent_id IS NULL OFFSET 0) AS p"
)
