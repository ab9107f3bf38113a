"""The calendar across accounts: a month, week or day of every account's posts (filtered by account,
network, campaign and state), coloured by account, with the free slots in the week and day views.

The page lists the range server-side, so it reads (and a post is moved with its form) without
JavaScript; FullCalendar, served from our static files, draws it as a calendar whose posts are dragged
to another time. Its events come from /calendar/events and its moves go to /calendar/move, both JSON,
both the domain functions the CLI and the API use (newsroom.agenda, editing.reschedule).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import StringConstraints
from sqlalchemy.orm import Session

from scheduler.models import utcnow
from scheduler.newsroom import NewsroomError, agenda, editing, users
from scheduler.newsroom.accounts import list_accounts
from scheduler.planning import PlanningError
from scheduler.planning.wallclock import format_local, horizon_end, zone
from scheduler.web.auth import DATABASE, Viewer, csrf_protect, page_viewer
from scheduler.web.headers import with_style_nonce
from scheduler.web.pages import page, told_of
from scheduler.web.pages_profile import week_start_of, zone_of
from scheduler.web.week import first_weekday, week_start
from scheduler.web.words import page_words
from scheduler.wording import worded

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

VIEWS = ("month", "week", "day")
# Account colours, given in the order of the accounts' names; each keeps white text at 4.5:1 or more.
PALETTE = (
    "#1d4ed8",
    "#b91c1c",
    "#047857",
    "#7c3aed",
    "#b45309",
    "#0e7490",
    "#be185d",
    "#4d7c0f",
    "#9a3412",
    "#4338ca",
    "#115e59",
    "#86198f",
)
# How long a free slot is drawn in the week and day views.
SLOT_DRAWN = timedelta(minutes=15)


def colours(names: list[str]) -> dict[str, int]:
    """Each account's colour (its index in PALETTE, and the page's class acct-N), by its place among all
    accounts' names: a filter never recolours one."""
    return {name: n % len(PALETTE) for n, name in enumerate(sorted(names))}


# A filter named more than once keeps each name (?account=a&account=b); at most MOST_NAMES of them.
Names = Annotated[list[Annotated[str, StringConstraints(max_length=100)]] | None, Query()]
MOST_NAMES = 100


def read_filters(
    account: list[str] | None, network: list[str] | None, campaign: list[str] | None, state: list[str] | None
) -> agenda.Filters:
    def kept(values: list[str] | None) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v.strip() for v in (values or [])[:MOST_NAMES] if v.strip()))

    return agenda.Filters(kept(account), kept(network), kept(campaign), kept(state))


def may_move(viewer: Viewer, post: agenda.PlannedPost) -> bool:
    return (
        post.state in ("draft", "scheduled")
        and viewer.may("write")
        and users.may_change(viewer.role, viewer.id, post.created_by_id)
    )


@dataclass(frozen=True)
class Span:
    """What the page shows: a month, a week from its first day, or a day."""

    view: str
    first: date

    @property
    def end(self) -> date:
        if self.view == "month":
            return (self.first.replace(day=28) + timedelta(days=4)).replace(day=1)
        return self.first + timedelta(days=7 if self.view == "week" else 1)

    @property
    def previous(self) -> date:
        if self.view == "month":
            return (self.first - timedelta(days=1)).replace(day=1)
        return self.first - (self.end - self.first)


def span_of(view: str, asked: date, begins: int) -> Span:
    if view == "month":
        return Span(view, asked.replace(day=1))
    if view == "day":
        return Span(view, asked)
    return Span("week", week_start(asked, begins))


@dataclass(frozen=True)
class Day:
    day: date
    posts: list[agenda.PlannedPost]
    free: list[agenda.FreeSlot]


def by_day(found: agenda.Agenda, span: Span, shown: ZoneInfo) -> list[Day]:
    days = [span.first + timedelta(days=n) for n in range((span.end - span.first).days)]
    index = {day: Day(day, [], []) for day in days}
    for post in found.posts:
        if (entry := index.get(post.at.astimezone(shown).date())) is not None:
            entry.posts.append(post)
    for slot in found.free:
        if (entry := index.get(slot.at.astimezone(shown).date())) is not None:
            entry.free.append(slot)
    return list(index.values())


def local_start(day: date, shown: ZoneInfo) -> datetime:
    return datetime.combine(day, datetime.min.time(), shown).astimezone(UTC)


@router.get("/calendar", response_class=HTMLResponse)
def calendar_page(
    request: Request,
    view: str = Query("week", max_length=10),
    day: str = Query("", max_length=40),
    tz: str = Query("", max_length=64),
    account: Names = None,
    network: Names = None,
    campaign: Names = None,
    state: Names = None,
    viewer: Viewer = page_viewer("view"),
    session: Session = DATABASE,
) -> Response:
    now = utcnow()
    own_week = week_start_of(session, viewer)
    begins = own_week if own_week is not None else first_weekday(request.headers.get("accept-language"))
    problems: list[str] = []
    everyone = list_accounts(session)
    filters = read_filters(account, network, campaign, state)
    shown = _zone(tz or zone_of(session, viewer) or "", filters, everyone, problems)
    try:
        asked = min(date.fromisoformat(day) if day else now.astimezone(shown).date(), horizon_end(now).date())
    except ValueError:
        asked = now.astimezone(shown).date()
        problems.append(f"Day: {day!r} is not a date (YYYY-MM-DD); the calendar shows today.")
    span = span_of(view if view in VIEWS else "week", asked, begins)
    start, end = local_start(span.first, shown), local_start(span.end, shown)
    try:
        found = agenda.agenda(
            session, start=start, end=end, filters=filters, now=now, free_slots=span.view != "month"
        )
    except NewsroomError as error:
        problems.append(f"{(error.field or 'filter').capitalize()}: {worded(error, page_words)}.")
        filters = agenda.Filters()
        found = agenda.agenda(session, start=start, end=end, now=now, free_slots=span.view != "month")
    nonce = secrets.token_urlsafe(16)
    response = page(
        request,
        "agenda.html",
        viewer,
        problems=problems,
        told=told_of(request),
        span=span,
        days=by_day(found, span, shown),
        shown=shown.key,
        chosen_zone=tz,
        filters=filters,
        everyone=everyone,
        colour=colours([a.name for a in everyone]),
        networks=sorted({a.network for a in everyone}),
        states=agenda.STATES,
        campaigns=sorted({p.campaign for p in found.posts if p.campaign} | set(filters.campaigns)),
        first_day=(begins + 1) % 7,  # FullCalendar counts from Sunday
        now=now,
        nonce=nonce,
        may_move=lambda post: may_move(viewer, post),
    )
    return with_style_nonce(response, nonce)


def _zone(tz: str, filters: agenda.Filters, everyone: list[Any], problems: list[str]) -> ZoneInfo:
    """The zone the page's days are cut in: the one asked for, else the shown accounts' own when they
    share one, else UTC."""
    if tz:
        try:
            return zone(tz)
        except PlanningError:
            problems.append(f"Time zone: there is no zone called {tz!r}; the calendar shows UTC.")
            return zone("UTC")
    kept = {
        a.timezone
        for a in everyone
        if (not filters.accounts or a.name in filters.accounts)
        and (not filters.networks or a.network in filters.networks)
    }
    return zone(kept.pop()) if len(kept) == 1 else zone("UTC")


def _instant(text: str, what: str) -> datetime:
    try:
        at = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise NewsroomError(f"{what} {text!r} is not an ISO 8601 time", field=what) from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


@router.get("/calendar/events")
def calendar_events(
    start: str = Query(max_length=40),
    end: str = Query(max_length=40),
    free: bool = False,
    account: Names = None,
    network: Names = None,
    campaign: Names = None,
    state: Names = None,
    viewer: Viewer = page_viewer("view"),
    session: Session = DATABASE,
) -> Response:
    """The range's posts (and free slots) as FullCalendar's event objects."""
    try:
        found = agenda.agenda(
            session,
            start=_instant(start, "start"),
            end=_instant(end, "end"),
            filters=read_filters(account, network, campaign, state),
            now=utcnow(),
            free_slots=free,
        )
    except NewsroomError as error:
        return JSONResponse({"detail": worded(error, page_words), "field": error.field}, status_code=422)
    colour = colours([a.name for a in list_accounts(session)])
    return JSONResponse(
        [_event(post, PALETTE[colour[post.account]], may_move(viewer, post)) for post in found.posts]
        + [_free_event(slot, PALETTE[colour[slot.account]]) for slot in found.free]
    )


def _event(post: agenda.PlannedPost, colour: str, movable: bool) -> dict[str, Any]:
    thread = f" (thread of {post.parts})" if post.parts > 1 else ""
    return {
        "id": f"post-{post.id}",
        "title": f"{post.account}: {post.text[:80]}{thread}",
        "start": post.at.isoformat(),
        "url": f"/posts/{post.id}",
        "editable": movable,
        "backgroundColor": colour,
        "borderColor": colour,
        "textColor": "#ffffff",
        "classNames": [f"state-{post.state}"],
        "extendedProps": {
            "post": post.id,
            "account": post.account,
            "network": post.network,
            "state": post.state,
            "local": f"{format_local(post.at, zone(post.timezone))} ({post.timezone})",
        },
    }


def _free_event(slot: agenda.FreeSlot, colour: str) -> dict[str, Any]:
    return {
        "id": f"free-{slot.account}-{slot.at.isoformat()}",
        "title": f"free slot of {slot.account}",
        "start": slot.at.isoformat(),
        "end": (slot.at + SLOT_DRAWN).isoformat(),
        "display": "background",
        "backgroundColor": colour,
        "classNames": ["free-slot-event"],
        "extendedProps": {"account": slot.account, "free": True},
    }


@router.post("/calendar/move")
def calendar_move(
    post: int = Form(ge=1, le=2**63 - 1),
    at: str = Form(max_length=40),
    viewer: Viewer = page_viewer("write"),
    session: Session = DATABASE,
) -> Response:
    """Move a post (with its thread) to the instant it was dropped at: done, or refused with why."""
    return _moved(session, viewer, post, lambda: _instant(at, "at"))


def _moved(session: Session, viewer: Viewer, post_id: int, when: Callable[[], datetime]) -> Response:
    try:
        head = editing.first_part(session, post_id)
    except NewsroomError:
        return JSONResponse({"done": False, "message": f"There is no post {post_id}."}, status_code=404)
    if not users.may_change(viewer.role, viewer.id, head.created_by_id):
        message = "Not yours: an editor moves only the posts they made."
        return JSONResponse({"done": False, "message": message}, status_code=403)
    was, tz = head.scheduled_for, zone(head.account.timezone)
    try:
        with session.begin_nested():
            changed = editing.reschedule(session, head.id, when(), now=utcnow())
    except (NewsroomError, PlanningError) as error:
        session.expire_all()
        message = f"Not moved: {worded(error, page_words)}"
        return JSONResponse({"done": False, "message": message}, status_code=409)
    if not changed.done:
        return JSONResponse({"done": False, "message": f"Not moved: it {changed.why_not}."}, status_code=409)
    session.refresh(head)
    message = f"Moved post {head.id} to {format_local(head.scheduled_for, tz)} ({tz.key})."
    if not agenda.on_a_slot(head.account, head.scheduled_for):
        message += f" That is not one of {head.account.name}'s posting slots."
    return JSONResponse(
        {
            "done": True,
            "post": head.id,
            "message": message,
            "at": head.scheduled_for.isoformat(),
            "was": was.isoformat(),
        }
    )
