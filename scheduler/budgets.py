"""Posting budgets: the least time between two posts of an account, and the most posts in its local day.

Plain domain code: the planner checks a budget when it picks a time, the worker checks it again
before a post goes out (budgets can change, and posts come back from retries and pauses).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any


@dataclass(frozen=True)
class Budget:
    min_gap: timedelta
    max_per_day: int

    def describe(self) -> str:
        minutes = int(self.min_gap.total_seconds() // 60)
        return f"at least {minutes} min apart, at most {self.max_per_day} a day"


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


class BudgetError(ValueError):
    """A budget setting that cannot be used; the message says what is accepted."""


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
