"""Posting budgets: the least time between two posts of an account, and the most posts in its local day.

Plain domain code: the planner checks a budget when it picks a time, the worker checks it again
before a post goes out (budgets can change, and posts come back from retries and pauses).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.planning import PlanningError
from scheduler.planning.wallclock import WeeklySlots, local_to_utc, slot_instants


@dataclass(frozen=True)
class Budget:
    min_gap: timedelta
    max_per_day: int

    def describe(self) -> str:
        apart = f"at least {span(self.min_gap)} apart" if self.min_gap > timedelta(0) else "no least gap"
        return f"{apart}, at most {self.max_per_day} a day"


# Defaults that stay inside what each network documents for one account:
# - X: POST /2/tweets allows 17 requests per 24 hours per user on the Free tier (100 on Basic);
#   the default keeps to the Free tier, set a larger budget for a paid tier.
# - Mastodon: 300 statuses per 3 hours per account (docs.joinmastodon.org, rate limits).
# - Bluesky: 11,666 record creations a day (35,000 points a day, 3 points each).
# The gaps are editorial: a feed that posts every few minutes reads as spam.
DEFAULT_BUDGETS: dict[str, Budget] = {
    "x": Budget(min_gap=timedelta(minutes=20), max_per_day=17),
    "mastodon": Budget(min_gap=timedelta(minutes=10), max_per_day=48),
    "bluesky": Budget(min_gap=timedelta(minutes=10), max_per_day=48),
    "outbox": Budget(min_gap=timedelta(0), max_per_day=1000),
}


class BudgetError(PlanningError):
    """A budget setting that cannot be used, or a time that breaks a budget; the message says what to do."""


def account_budget(network: str, options: dict[str, Any] | None) -> Budget:
    """The account's own budget (options["budget"]: min_gap_minutes, max_per_day) over its network's."""
    default = DEFAULT_BUDGETS.get(network, DEFAULT_BUDGETS["outbox"])
    own = (options or {}).get("budget") or {}
    gap = own.get("min_gap_minutes")
    per_day = own.get("max_per_day")
    return Budget(
        min_gap=timedelta(minutes=float(gap)) if gap is not None else default.min_gap,
        max_per_day=int(per_day) if per_day is not None else default.max_per_day,
    )


def budget_options(min_gap_minutes: float | None, max_per_day: int | None) -> dict[str, float | int]:
    """What `accounts budget` stores, checked."""
    stored: dict[str, float | int] = {}
    if min_gap_minutes is not None:
        if not 0 <= min_gap_minutes <= 24 * 60:
            raise BudgetError("the minimum gap is minutes between 0 and 1440")
        stored["min_gap_minutes"] = min_gap_minutes
    if max_per_day is not None:
        if not 1 <= max_per_day <= 10_000:
            raise BudgetError("the most posts a day is a number between 1 and 10000")
        stored["max_per_day"] = max_per_day
    return stored


# A post that went out within this of its due time counts at its due time: how long the network took
# to answer must not push the account's next post back.
ON_TIME = timedelta(minutes=1)


def sent_at(due_at: datetime, went_at: datetime) -> datetime:
    """When a post that went out counts for the budget: its due time if it went on time, else when it went."""
    return due_at if went_at - due_at <= ON_TIME else went_at


@dataclass(frozen=True)
class Breach:
    """Why an instant breaks a budget: a post too close to it, or a local day that is full already."""

    at: datetime
    budget: Budget
    other_at: datetime | None = None
    other_id: int | None = None
    day_count: int = 0

    def short(self) -> str:
        """For listings: "5 min after post 12", "17 posts that day already"."""
        if self.other_at is None:
            posts = "post" if self.day_count == 1 else "posts"
            return f"{self.day_count} {posts} that day already (at most {self.budget.max_per_day})"
        other = f"post {self.other_id}" if self.other_id is not None else "another post"
        if abs(self.at - self.other_at) < timedelta(seconds=1):
            return f"at the same time as {other}"
        side = "after" if self.at > self.other_at else "before"
        return f"{span(self.at - self.other_at)} {side} {other}"

    def explain(self, tz: ZoneInfo, account_name: str) -> str:
        """The error an editor reads: what conflicts, the budget, and what to do."""
        local = self.at.astimezone(tz)
        where = f"{local:%Y-%m-%d %H:%M} ({tz.key})"
        change = f"change the budget with «`scheduler accounts budget {account_name}`»"
        if self.other_at is None:
            return (
                f"{where}: the account already has {self.day_count} post{'s' if self.day_count != 1 else ''} "
                f"on {local:%a %Y-%m-%d}, "
                f"the most it posts in a day — choose another day or {change}"
            )
        other_local = self.other_at.astimezone(tz)
        clock = (
            f"{other_local:%H:%M}" if other_local.date() == local.date() else f"{other_local:%Y-%m-%d %H:%M}"
        )
        return (
            f"{where} is {self.short()} at {clock}; this account posts at least "
            f"{span(self.budget.min_gap)} apart — choose another time or {change}"
        )


def span(delta: timedelta) -> str:
    seconds = int(abs(delta).total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 120:
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


class Ledger:
    """An account's posts in time order, to check its budget against: the nearest post to an instant
    and the posts of each local day in the account's zone. It knows only the posts it is given."""

    def __init__(
        self, budget: Budget, tz: ZoneInfo, posts: Iterable[tuple[datetime, int | None]] = ()
    ) -> None:
        self.budget = budget
        self.tz = tz
        self._times: list[datetime] = []
        self._ids: dict[datetime, int | None] = {}
        self._per_day: Counter[date] = Counter()
        for at, post_id in posts:
            self.add(at, post_id)

    def day(self, at: datetime) -> date:
        return at.astimezone(self.tz).date()

    def add(self, at: datetime, post_id: int | None = None) -> None:
        insort(self._times, at)
        self._ids.setdefault(at, post_id)
        self._per_day[self.day(at)] += 1

    def posts_on(self, day: date) -> int:
        return self._per_day[day]

    def nearest(self, at: datetime) -> datetime | None:
        index = bisect_left(self._times, at)
        around = self._times[max(index - 1, 0) : index + 1]
        return min(around, key=lambda other: (abs(other - at), other), default=None)

    def breach(self, at: datetime) -> Breach | None:
        """What `at` would break, or None when a post may go then."""
        near = self.nearest(at) if self.budget.min_gap > timedelta(0) else None
        if near is not None and abs(at - near) < self.budget.min_gap:
            return Breach(at, self.budget, other_at=near, other_id=self._ids[near])
        count = self._per_day[self.day(at)]
        if count >= self.budget.max_per_day:
            return Breach(at, self.budget, day_count=count)
        return None

    def earliest(self, at: datetime) -> datetime:
        """The first instant from `at` on that keeps the budget: after the gap, or on the next local day."""
        candidate = at
        for _ in range(len(self._times) + len(self._per_day) + 2):
            found = self.breach(candidate)
            if found is None:
                return candidate
            if found.other_at is not None:
                candidate = found.other_at + self.budget.min_gap
            else:
                next_day = self.day(candidate) + timedelta(days=1)
                candidate = max(candidate, local_to_utc(datetime.combine(next_day, time(0)), self.tz))
        raise AssertionError("unreachable: every step passes a post or a full day")


def first_slot(
    slots: WeeklySlots, ledger: Ledger, *, after: datetime, days: int, taken: Collection[datetime] = ()
) -> datetime | None:
    """The first slot after `after`, within `days` local days, that no post holds and the budget allows."""
    for instant in slot_instants(slots, ledger.tz, after=after, days=days):
        if instant not in taken and ledger.breach(instant) is None:
            return instant
    return None
