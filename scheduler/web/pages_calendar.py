"""The calendar: one account's week, day by day, with its posting slots (free, ruled out by the budget,
or held) and its posts; a post is moved from here to a free slot or any other time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from scheduler.models import Account, utcnow
from scheduler.newsroom import editing, users
from scheduler.newsroom.accounts import list_accounts
from scheduler.planning import PlanningError, account_calendar
from scheduler.planning.wallclock import HORIZON_YEARS, horizon_end, parse_time, time_note, zone
from scheduler.web.auth import DATABASE, Viewer, csrf_protect, page_viewer
from scheduler.web.i18n import Said, said
from scheduler.web.pages import local_path, not_found, page, told_of
from scheduler.web.pages_posts import change_post
from scheduler.web.pages_profile import week_start_of
from scheduler.web.week import first_weekday, week_start

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])


@dataclass(frozen=True)
class Day:
    day: date
    entries: list[account_calendar.Entry]


def week_of(session: Session, account: Account, first_day: date) -> list[Day]:
    """The account's slots and posts on the seven local days from `first_day`."""
    start = account_calendar.local_day_start(first_day, account.timezone)
    end = account_calendar.local_day_start(first_day + timedelta(days=7), account.timezone)
    entries = account_calendar.coming(session, account, start=start, end=end)
    tz = zone(account.timezone)
    days = [Day(first_day + timedelta(days=n), []) for n in range(7)]
    for entry in entries:
        days[(entry.at.astimezone(tz).date() - first_day).days].entries.append(entry)
    return days


def _read_week(text: str, today: date, now: datetime, first_weekday: int) -> date:
    """The week asked for, kept within the planning horizon either way (the calendar past it is not
    planned, and near year 1 or 9999 its arithmetic leaves datetime's range)."""
    try:
        asked = date.fromisoformat(text) if text else today
    except ValueError:
        asked = today
    last = horizon_end(now).date()
    first = last - timedelta(days=2 * 366 * HORIZON_YEARS)
    return week_start(min(max(asked, first), last), first_weekday)


@router.get("/calendar/week", response_class=HTMLResponse)
def calendar(
    request: Request,
    account: str = "",
    week: str = "",
    viewer: Viewer = page_viewer("view"),
    session: Session = DATABASE,
) -> Response:
    accounts = list_accounts(session)
    if not accounts:
        return page(
            request,
            "error.html",
            viewer,
            status_code=404,
            title=said("No accounts"),
            message=said("There is no account yet: an admin connects one on the Accounts page."),
        )
    chosen = next((a for a in accounts if a.name == account), None)
    if account and chosen is None:
        return not_found(request, viewer, "account", repr(account))
    chosen = chosen or accounts[0]
    now = utcnow()
    # The week begins where the reader's locale begins it (Sunday in the US, Monday in Europe).
    own_week = week_start_of(session, viewer)
    begins = own_week if own_week is not None else first_weekday(request.headers.get("accept-language"))
    monday = _read_week(week, now.astimezone(zone(chosen.timezone)).date(), now, begins)
    days = week_of(session, chosen, monday)
    free = [
        e.at for day in days for e in day.entries if e.post is None and e.ruled_out is None and e.at > now
    ]
    return page(
        request,
        "calendar.html",
        viewer,
        told=told_of(request),
        account=chosen,
        accounts=accounts,
        days=days,
        free=free,
        monday=monday,
        previous=monday - timedelta(days=7),
        following=monday + timedelta(days=7),
        now=now,
        may_move=lambda post: (
            viewer.may("write") and users.may_change(viewer.role, viewer.id, post.created_by_id)
        ),
    )


@router.post("/posts/{post_id}/reschedule", response_class=HTMLResponse)
def reschedule(
    request: Request,
    post_id: int,
    at: str = Form(""),
    back: str = Form(""),
    viewer: Viewer = page_viewer("write"),
    session: Session = DATABASE,
) -> Response:
    """Move a draft or scheduled post (with its thread) to `at`, read in its account's zone."""
    return change_post(
        request,
        session,
        viewer,
        post_id,
        "moves",
        lambda post: editing.reschedule(session, post.id, _moment(at, post.account), now=utcnow()),
        then=local_path(back, f"/posts/{post_id}"),
        field="at",
        sent={"at": at},
        told=lambda post: _moved_to(at, post.account),
    )


def _moved_to(text: str, account: Account) -> Said | None:
    """What the editor is told when the time they gave does not exist, or happens twice, in the zone."""
    note = time_note(text, zone(account.timezone))
    return said("The time: %(note)s.", note=note) if note else None


def _moment(text: str, account: Account) -> datetime:
    if not text.strip():
        raise PlanningError(f"give the new time as YYYY-MM-DD HH:MM (in {account.timezone})")
    return parse_time(text, zone(account.timezone))
