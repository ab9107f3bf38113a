"""`accounts slots | budget | timezone` and `queue`: when an account posts, and what it has coming."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import click

from scheduler.cli import accounts, main
from scheduler.cli.common import database, excerpt
from scheduler.models import Account, utcnow
from scheduler.newsroom.accounts import find_account
from scheduler.planning import account_calendar
from scheduler.planning.budgets import DEFAULT_BUDGETS, budget_options, span
from scheduler.planning.wallclock import DEFAULT_SLOTS, WEEKDAYS, WeeklySlots, local_to_utc, zone


@accounts.command("slots")
@click.argument("name")
@click.option("--set", "spec", metavar="SCHEDULE", help='e.g. "mon-fri 08:30,12:15,17:45; sat,sun 10:00"')
@click.option("--default", "to_default", is_flag=True, help=f"back to the default schedule ({DEFAULT_SLOTS})")
def accounts_slots(name: str, spec: str | None, to_default: bool) -> None:
    """Show the account's posting slots (local times in its zone), or set them."""
    with database() as session:
        account = find_account(session, name)
        if spec is not None or to_default:
            account_calendar.set_slots(account, None if to_default else spec)
        _show_slots(account, account_calendar.account_slots(account))


def _show_slots(account: Account, slots: WeeklySlots) -> None:
    own = account.options.get("slots")
    click.echo(f"{account.name} posts at these times in {account.timezone}: {own or DEFAULT_SLOTS}")
    if not own:
        click.echo(
            f'(the default: set the account\'s own with `scheduler accounts slots {account.name} --set "…"`)'
        )
    for day, times in zip(WEEKDAYS, slots.times, strict=True):
        click.echo(f"  {day}  {' '.join(t.strftime('%H:%M') for t in times) or '-'}")


@accounts.command("budget")
@click.argument("name")
@click.option("--min-gap", type=float, metavar="MINUTES", help="the least time between two posts")
@click.option("--max-per-day", type=int, metavar="N", help="the most posts in a day (in the account's zone)")
@click.option("--default", "to_default", is_flag=True, help="back to the network's default budget")
def accounts_budget(name: str, min_gap: float | None, max_per_day: int | None, to_default: bool) -> None:
    """Show the account's posting budget, or change it; what is not set is the network's default."""
    with database() as session:
        account = find_account(session, name)
        if to_default:
            account_calendar.set_budget(account, None)
        if min_gap is not None or max_per_day is not None:
            account_calendar.set_budget(account, budget_options(min_gap, max_per_day))
        budget = account_calendar.budget_of(account)
        own = account.options.get("budget") or {}
        default = f"({account.network} default)"
        gap_note = "" if own.get("min_gap_minutes") is not None else f"  {default}"
        day_note = "" if own.get("max_per_day") is not None else f"  {default}"
        click.echo(f"{account.name} ({account.network}): {budget.describe()}")
        gap = span(budget.min_gap) if budget.min_gap else "none"
        click.echo(f"  min gap:      {gap}{gap_note}")
        click.echo(f"  max per day:  {budget.max_per_day}{day_note}  (a day in {account.timezone})")
        if account.network not in DEFAULT_BUDGETS:
            click.echo(f"  ({account.network} has no default of its own: the outbox's applies)")


@accounts.command("timezone")
@click.argument("name")
@click.argument("zone_name", metavar="ZONE")
def accounts_timezone(name: str, zone_name: str) -> None:
    """Move the account to another IANA zone: its slots keep their local times there."""
    with database() as session:
        account = find_account(session, name)
        account_calendar.set_timezone(account, zone_name)
        click.echo(
            f"{account.name} now posts in {account.timezone}; posts already scheduled keep their times "
            "(`scheduler queue` shows them)"
        )


@main.command()
@click.argument("name")
@click.option("--days", type=click.IntRange(min=1, max=366), default=7, show_default=True)
@click.option(
    "--from",
    "from_day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="start on this day (YYYY-MM-DD, in the account's zone) instead of now",
)
def queue(name: str, days: int, from_day: datetime | None) -> None:
    """The account's coming slots, each with its post or free, and posts at other times, by local day."""
    with database() as session:
        account = find_account(session, name)
        tz = zone(account.timezone)
        start = local_to_utc(from_day, tz) if from_day else utcnow()
        end = local_to_utc(start.astimezone(tz).replace(tzinfo=None) + timedelta(days=days), tz)
        entries = account_calendar.coming(session, account, start=start, end=end)
        spec = account.options.get("slots") or f"{DEFAULT_SLOTS} (default)"
        click.echo(
            f"{account.name} ({account.network}, {account.timezone}): slots {spec}; "
            f"{account_calendar.budget_of(account).describe()}"
        )
        rows: dict[date, list[tuple[str, ...]]] = {}
        day = start.astimezone(tz).date()
        while local_to_utc(datetime.combine(day, datetime.min.time()), tz) < end:
            rows[day] = []
            day += timedelta(days=1)
        for entry in entries:
            local = entry.at.astimezone(tz)
            clock = local.strftime("%H:%M %Z")
            where = "slot" if entry.on_slot else "at"
            if entry.post is None:
                what = f"ruled out by the budget: {entry.ruled_out.short()}" if entry.ruled_out else "free"
                rows.setdefault(local.date(), []).append((clock, where, what))
                continue
            post = entry.post
            text = excerpt(post.text, 50) + (f" (thread of {entry.parts})" if entry.parts > 1 else "")
            state = str(post.state)
            if post.due_at != post.scheduled_for:
                state += f", goes at {post.due_at.astimezone(tz):%Y-%m-%d %H:%M}"
            rows.setdefault(local.date(), []).append(
                (clock, where, f"post {post.id}", post.step, state, text)
            )
    # Every column but a row's last is padded to the widest cell above or below it.
    widths = [
        max((len(row[i]) for day_rows in rows.values() for row in day_rows if len(row) - 1 > i), default=0)
        for i in range(5)
    ]
    for day, day_rows in rows.items():
        click.echo(f"{day:%a %Y-%m-%d}")
        if not day_rows:
            click.echo("  (no slots, no posts)")
        for row in day_rows:
            cells = [cell.ljust(widths[i]) if i < len(row) - 1 else cell for i, cell in enumerate(row)]
            click.echo("  " + "  ".join(cells).rstrip())
