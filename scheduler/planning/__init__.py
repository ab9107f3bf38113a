"""When posts go: wall-clock times and slots in an account's zone, budgets, campaign files and
their steps placed on an account's calendar. Plain functions over plain values (the few that
read the database say so); imports render, networks, articles and the frame, never publishing.
"""

from __future__ import annotations

from scheduler.wording import Worded


class PlanningError(Worded, ValueError):
    """A time or zone that cannot be used; the message says what to give instead."""
