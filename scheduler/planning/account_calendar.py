"""An account's calendar in the database: its posting slots and budget, checked against its other posts.

The rules are plain functions in `planning` and `budgets`; this module loads what they need, with
range queries on (account_id, scheduled_for). Planning compares plans: each post counts at the time it
was scheduled for. The worker's check at dispatch compares what actually went out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from scheduler.db import blocked_accounts
from scheduler.models import Account, Post, PostState
from scheduler.planning import PlanningError
from scheduler.planning.budgets import (
    Breach,
    Budget,
    BudgetError,
    Ledger,
    account_budget,
    first_slot,
    sent_at,
)
from scheduler.planning.wallclock import (
    DEFAULT_SLOTS,
    WeeklySlots,
    check_within_horizon,
    local_to_utc,
    parse_slots,
    slot_instants,
    zone,
)

# Posts in these states hold their slot and count against the budget.
HOLDING_STATES = (
    PostState.DRAFT,
    PostState.SCHEDULED,
    PostState.QUEUED,
    PostState.PUBLISHING,
    PostState.PUBLISHED,
)
# Posts that went out, or are going out now: what the worker checks a post against before it sends it.
SENT_STATES = (PostState.PUBLISHING, PostState.PUBLISHED)
# How far back the worker looks, by scheduled time, for posts that went out: a post that went out
# today but was scheduled longer ago than this (a pause, an outage) is not seen.
SENT_LOOKBACK = timedelta(days=7)
# The next free slot is looked for in the coming week first, then this far ahead.
HORIZON_DAYS = 90
FIRST_LOOK_DAYS = 7


def account_slots(account: Account) -> WeeklySlots:
    return parse_slots(account.options.get("slots") or DEFAULT_SLOTS)


def budget_of(account: Account) -> Budget:
    return account_budget(account.network, account.options)


def local_day_start(day: date, tz_name: str) -> datetime:
    """The first instant of a local day (midnight, or the first minute after it that exists)."""
    return local_to_utc(datetime.combine(day, time(0)), zone(tz_name))


@dataclass
class Calendar:
    """An account's holding posts between two instants: the budget's ledger (thread heads: a thread
    counts once) and the instants any post holds."""

    ledger: Ledger
    taken: set[datetime]
    posts: list[tuple[datetime, int, int | None]]  # (scheduled_for, id, thread_parent_id), by time


def calendar(
    session: Session, account: Account, *, first_day: date, last_day: date, exclude: int | None = None
) -> Calendar:
    """The account's posts planned on the local days first_day..last_day, and within its gap of them."""
    budget = budget_of(account)
    start = local_day_start(first_day, account.timezone) - budget.min_gap
    end = local_day_start(last_day + timedelta(days=1), account.timezone) + budget.min_gap
    query = (
        select(Post.scheduled_for, Post.id, Post.thread_parent_id)
        .where(
            Post.account_id == account.id,
            Post.scheduled_for >= start,
            Post.scheduled_for < end,
            Post.state.in_(HOLDING_STATES),
        )
        .order_by(Post.scheduled_for, Post.id)
    )
    if exclude is not None:
        query = query.where(Post.id != exclude)
    rows = [(at, post_id, parent) for at, post_id, parent in session.execute(query)]
    heads = [(at, post_id) for at, post_id, parent in rows if parent is None]
    return Calendar(Ledger(budget, zone(account.timezone), heads), {at for at, _, _ in rows}, rows)


def next_slot(
    session: Session, account: Account, *, after: datetime, horizon_days: int = HORIZON_DAYS
) -> datetime:
    """The account's first posting slot after `after` that no post holds and its budget allows."""
    slots = account_slots(account)
    first_day = after.astimezone(zone(account.timezone)).date()
    for days in sorted({min(FIRST_LOOK_DAYS, horizon_days), horizon_days}):
        # slot_instants looks at days + 1 local days, from after's own.
        known = calendar(session, account, first_day=first_day, last_day=first_day + timedelta(days=days))
        found = first_slot(slots, known.ledger, after=after, days=days, taken=known.taken)
        if found is not None:
            return found
    budget = budget_of(account)
    raise PlanningError(
        f"every posting slot of the next {horizon_days} days is taken or ruled out by the budget "
        f"({budget.describe()}); add slots («`scheduler accounts slots {account.name} --set …`»), give an "
        f"exact time, or change the budget («`scheduler accounts budget {account.name}`»)"
    )


def check_time(session: Session, account: Account, at: datetime, *, exclude: int | None = None) -> None:
    """Raise BudgetError, saying what conflicts, when a post at `at` would break the account's budget;
    TooFarAhead past the planning horizon (every face's times come through here)."""
    check_within_horizon(at)
    day = at.astimezone(zone(account.timezone)).date()
    found = calendar(session, account, first_day=day, last_day=day, exclude=exclude).ledger.breach(at)
    if found is not None:
        raise BudgetError(found.explain(zone(account.timezone), account.name))


def budget_wait(session: Session, post_id: int, now: datetime) -> tuple[datetime, str] | None:
    """For a queued post due by `now`: the earliest time its account's budget lets it go, and why, when
    sending it now would come too soon after (or on a full day of) posts that already went out.

    On PostgreSQL the account's row is locked until the caller's transaction ends, so two workers
    claiming posts of one account take turns and each sees what the other sent (SQLite's write lock
    already does this). A later part of a thread follows its first part at once: it is never held.
    """
    row = session.execute(
        select(
            Post.account_id,
            Post.due_at,
            Post.thread_parent_id,
            Account.network,
            Account.options,
            Account.timezone,
        )
        .join(Account, Account.id == Post.account_id)
        # A blocked account (held, to reconnect, paused) is the claim's business: its post waits anyway.
        .where(
            Post.id == post_id, Post.state == PostState.QUEUED, Post.account_id.not_in(blocked_accounts(now))
        )
        .with_for_update(of=Account)
    ).first()
    if row is None or row.thread_parent_id is not None or row.due_at > now:
        return None
    budget = account_budget(row.network, row.options)
    tz = zone(row.timezone)
    sent = session.execute(
        select(Post.id, Post.state, Post.due_at, Post.published_at, Post.updated_at).where(
            Post.account_id == row.account_id,
            Post.scheduled_for >= now - SENT_LOOKBACK,
            Post.scheduled_for <= now + timedelta(days=1),
            Post.state.in_(SENT_STATES),
            Post.thread_parent_id.is_(None),
            Post.id != post_id,
            # Out within the last two days (room for a local day and the gap), or going out now.
            or_(Post.published_at >= now - timedelta(days=2), Post.state == PostState.PUBLISHING),
        )
    ).all()
    # A post in `publishing` went out when it was claimed, which set its updated_at.
    went = (
        (s.id, s.due_at, s.published_at if s.state == PostState.PUBLISHED else s.updated_at) for s in sent
    )
    ledger = Ledger(budget, tz, ((sent_at(due, at or due), post) for post, due, at in went))
    found = ledger.breach(now)
    if found is None:
        return None
    return ledger.earliest(now), f"waits for the account's budget ({budget.describe()}): {found.short()}"


@dataclass(frozen=True)
class Entry:
    """A line of `scheduler queue`: a slot (free, ruled out by the budget, or held), or a post off them."""

    at: datetime
    on_slot: bool
    post: Post | None = None
    parts: int = 1  # a thread's number of posts
    ruled_out: Breach | None = None


def coming(session: Session, account: Account, *, start: datetime, end: datetime) -> list[Entry]:
    """The account's slots and posts from `start` to `end`, in time order."""
    tz = zone(account.timezone)
    first_day, last_day = start.astimezone(tz).date(), end.astimezone(tz).date()
    known = calendar(session, account, first_day=first_day, last_day=last_day)
    before = start - timedelta(microseconds=1)
    days = (last_day - first_day).days + 1
    slots = [at for at in slot_instants(account_slots(account), tz, after=before, days=days) if at < end]
    heads = [(at, post_id) for at, post_id, parent in known.posts if parent is None and start <= at < end]
    parts: dict[int, int] = {}
    for _, post_id, parent in known.posts:
        head = parent if parent is not None else post_id
        parts[head] = parts.get(head, 0) + 1
    loaded = {
        post.id: post
        for post in session.scalars(select(Post).where(Post.id.in_([post_id for _, post_id in heads])))
    }
    on_slots = set(slots)
    entries = [Entry(at, at in on_slots, loaded[post_id], parts=parts[post_id]) for at, post_id in heads]
    entries += [Entry(at, True, ruled_out=known.ledger.breach(at)) for at in on_slots - known.taken]
    return sorted(entries, key=lambda e: (e.at, e.post.id if e.post else 0))


def set_slots(account: Account, spec: str | None) -> WeeklySlots:
    """Give the account a posting schedule (checked), or None to go back to the default one."""
    options = dict(account.options)
    if spec is None:
        options.pop("slots", None)
    else:
        parse_slots(spec)
        options["slots"] = " ".join(spec.split())
    account.options = options
    return account_slots(account)


def set_budget(account: Account, stored: dict[str, float | int] | None) -> Budget:
    """Change the account's own budget (as budgets.budget_options checked it); None: back to the default."""
    options = dict(account.options)
    if stored is None:
        options.pop("budget", None)
    else:
        options["budget"] = {**(options.get("budget") or {}), **stored}
    account.options = options
    return budget_of(account)


def set_timezone(account: Account, name: str) -> None:
    """Move the account to another zone: its slots keep their wall-clock times there."""
    account.timezone = zone(name).key
