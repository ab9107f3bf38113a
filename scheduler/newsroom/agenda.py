"""What is planned across accounts between two instants: the posts (first parts of threads, with their
number of parts) and, where asked, each account's free posting slots. Filtered by account, network,
campaign and state. The calendar of the web app and of the API reads it; moving a post from there is
`editing.reschedule`, as everywhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.models import Account, Post, PostState
from scheduler.newsroom import NewsroomError
from scheduler.newsroom.accounts import list_accounts
from scheduler.planning import account_calendar
from scheduler.planning.wallclock import slot_instants, zone

# A month view shows six weeks; a little more leaves room for zones either side of it.
MOST_DAYS = 45
STATES = tuple(state.value for state in PostState)


@dataclass(frozen=True)
class Filters:
    """What to show; an empty tuple shows all."""

    accounts: tuple[str, ...] = ()
    networks: tuple[str, ...] = ()
    campaigns: tuple[str, ...] = ()
    states: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlannedPost:
    id: int
    account: str
    network: str
    timezone: str
    state: str
    step: str
    campaign: str | None
    article_id: int | None
    text: str
    at: datetime  # when it is planned for (what the budget counts)
    parts: int  # posts in its thread
    created_by_id: int | None


@dataclass(frozen=True)
class FreeSlot:
    account: str
    at: datetime


@dataclass(frozen=True)
class Agenda:
    accounts: list[Account]  # those the filters keep, by name
    posts: list[PlannedPost]  # by time
    free: list[FreeSlot]  # by time; only when asked for


def agenda(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    filters: Filters = Filters(),
    now: datetime,
    free_slots: bool = False,
) -> Agenda:
    """The posts planned from `start` to `end` in the accounts the filters keep, and (`free_slots`)
    those accounts' slots still free after `now`: held by no post, allowed by the budget."""
    if end <= start:
        raise NewsroomError("the end of the range comes before its start: give a later end", field="end")
    if end - start > timedelta(days=MOST_DAYS):
        raise NewsroomError(f"ask for at most {MOST_DAYS} days at a time", field="end")
    accounts = _chosen_accounts(session, filters)
    _check_states(filters.states)
    by_id = {account.id: account for account in accounts}
    query = (
        select(
            Post.id,
            Post.account_id,
            Post.thread_parent_id,
            Post.state,
            Post.step,
            Post.campaign,
            Post.article_id,
            Post.text,
            Post.scheduled_for,
            Post.created_by_id,
        )
        .where(Post.account_id.in_(by_id), Post.scheduled_for >= start, Post.scheduled_for < end)
        .order_by(Post.scheduled_for, Post.id)
    )
    if filters.states:
        query = query.where(Post.state.in_(filters.states))
    if filters.campaigns:
        query = query.where(Post.campaign.in_(filters.campaigns))
    rows = session.execute(query).all()
    reply_of = {row.thread_parent_id: row.id for row in rows if row.thread_parent_id is not None}
    posts = []
    for row in rows:
        if row.thread_parent_id is not None:
            continue
        parts, part = 1, reply_of.get(row.id)
        while part is not None:
            parts, part = parts + 1, reply_of.get(part)
        account = by_id[row.account_id]
        posts.append(
            PlannedPost(
                id=row.id,
                account=account.name,
                network=account.network,
                timezone=account.timezone,
                state=row.state,
                step=row.step,
                campaign=row.campaign,
                article_id=row.article_id,
                text=row.text,
                at=row.scheduled_for,
                parts=parts,
                created_by_id=row.created_by_id,
            )
        )
    free = _free_slots(session, accounts, start=max(start, now), end=end) if free_slots else []
    return Agenda(accounts, posts, free)


def _chosen_accounts(session: Session, filters: Filters) -> list[Account]:
    accounts = list_accounts(session)
    names = {account.name for account in accounts}
    unknown = [name for name in filters.accounts if name not in names]
    if unknown:
        raise NewsroomError(
            f"no account named {unknown[0]!r} (accounts: {', '.join(sorted(names)) or 'none yet'})",
            field="account",
        )
    networks = {account.network for account in accounts}
    unknown = [name for name in filters.networks if name not in networks]
    if unknown:
        raise NewsroomError(
            f"no account is on the network {unknown[0]!r} "
            f"(networks: {', '.join(sorted(networks)) or 'none'})",
            field="network",
        )
    return [
        account
        for account in accounts
        if (not filters.accounts or account.name in filters.accounts)
        and (not filters.networks or account.network in filters.networks)
    ]


def _check_states(states: Sequence[str]) -> None:
    unknown = [state for state in states if state not in STATES]
    if unknown:
        raise NewsroomError(f"unknown state {unknown[0]!r}: choose from {', '.join(STATES)}", field="state")


def _free_slots(
    session: Session, accounts: Sequence[Account], *, start: datetime, end: datetime
) -> list[FreeSlot]:
    free = []
    for account in accounts:
        if end <= start:
            break
        tz = zone(account.timezone)
        first_day, last_day = start.astimezone(tz).date(), end.astimezone(tz).date()
        known = account_calendar.calendar(session, account, first_day=first_day, last_day=last_day)
        days = (last_day - first_day).days
        slots = slot_instants(account_calendar.account_slots(account), tz, after=start, days=days)
        free += [
            FreeSlot(account.name, at)
            for at in slots
            if at < end and at not in known.taken and known.ledger.breach(at) is None
        ]
    return sorted(free, key=lambda slot: (slot.at, slot.account))


def on_a_slot(account: Account, at: datetime) -> bool:
    """Whether `at` is one of the account's posting slots (a post may go at any time; this is a note)."""
    tz = zone(account.timezone)
    before = at - timedelta(microseconds=1)
    return next(slot_instants(account_calendar.account_slots(account), tz, after=before, days=0), None) == at
