"""The accounts pages: every account with its state; one account's slots, zone, budget, approval, theme
and credentials (admins change them), pausing and resuming (approvers too), and connecting a new one.

Credentials go in through password fields, are proved against the network when asked, and are sealed
with SCHEDULER_SECRET_KEY at once; no page ever shows them again.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from scheduler import db
from scheduler.models import Account, utcnow
from scheduler.networks import NETWORKS, SECRET_FIELDS, AccountSettings
from scheduler.networks.base import NetworkError
from scheduler.networks.vault import VaultError
from scheduler.newsroom import NewsroomError, card_themes, connections, controls
from scheduler.newsroom.accounts import find_account, list_accounts
from scheduler.planning import PlanningError, account_calendar
from scheduler.planning.budgets import DEFAULT_BUDGETS, BudgetError, budget_options
from scheduler.planning.wallclock import DEFAULT_SLOTS, WEEKDAYS
from scheduler.publishing import post_cards
from scheduler.render import RenderError
from scheduler.render.cards import Theme, ThemeError
from scheduler.web.auth import DATABASE, Viewer, csrf_protect, page_viewer
from scheduler.web.confirm import Undo
from scheduler.web.forms import FieldProblem, FormState, about
from scheduler.web.i18n import said
from scheduler.web.pages import not_found, page

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

# What the forms refuse with a reason rather than a 500.
REFUSED = (
    NewsroomError,
    PlanningError,
    BudgetError,
    ThemeError,
    RenderError,
    VaultError,
    NetworkError,
    ValueError,
)
MAX_LOGO_BYTES = 2_000_000


def _find(session: Session, name: str) -> Account | None:
    try:
        return find_account(session, name)
    except NewsroomError:
        return None


def _show_list(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    status_code: int = 200,
    form: FormState | None = None,
) -> Response:
    return page(
        request,
        "accounts.html",
        viewer,
        status_code=status_code,
        accounts=list_accounts(session),
        networks=NETWORKS,
        secret_fields=SECRET_FIELDS,
        now=utcnow(),
        form=form or FormState("connect"),
    )


def _show(
    request: Request,
    session: Session,
    viewer: Viewer,
    account: Account,
    *,
    notice: str | None = None,
    form: FormState | None = None,
    undo: Undo | None = None,
    status_code: int = 200,
) -> Response:
    """The account's page; `form`: one of its forms as the admin sent it, with its problem."""
    try:
        theme, theme_problem = post_cards.account_theme(account), None
    except (ThemeError, RenderError) as problem:
        theme, theme_problem = Theme(), str(problem)
    budget = account_calendar.budget_of(account)
    return page(
        request,
        "account.html",
        viewer,
        status_code=status_code,
        account=account,
        slots=account_calendar.account_slots(account),
        weekdays=WEEKDAYS,
        own_slots=account.options.get("slots") or "",
        default_slots=DEFAULT_SLOTS,
        budget=budget,
        own_budget=account.options.get("budget") or {},
        budget_default=DEFAULT_BUDGETS.get(account.network),
        min_gap_minutes=round(budget.min_gap / timedelta(minutes=1), 2),
        theme=theme,
        theme_problem=theme_problem,
        secret_fields=SECRET_FIELDS[account.network],
        has_secrets=account.secrets is not None,
        notice=notice,
        form=form or FormState(""),
        undo=undo,
    )


@router.get("/accounts", response_class=HTMLResponse)
def accounts(request: Request, viewer: Viewer = page_viewer("view"), session: Session = DATABASE) -> Response:
    return _show_list(request, session, viewer)


@router.post("/accounts", response_class=HTMLResponse)
async def add_account(
    request: Request, viewer: Viewer = page_viewer("admin"), session: Session = DATABASE
) -> Response:
    """Connect an account: its network's options and credentials, proved against the network unless the
    admin unticks the check (an account made ahead of its credentials working)."""
    form = await request.form()
    field = lambda name: str(form.get(name) or "").strip()  # noqa: E731
    network, name = field("network"), field("name")
    settings = request.app.state.settings
    kept = {
        key: field(key)
        for key in ("network", "name", "timezone", "instance", "handle", "service", "hashtags")
    }
    try:
        if network not in NETWORKS:
            raise FieldProblem("network", f"choose a network: {', '.join(NETWORKS)}")
        with about("name", refusals=REFUSED):
            options = connections.network_options(
                network,
                instance=field("instance"),
                handle=field("handle"),
                service=field("service"),
                hashtags=field("hashtags"),
            )
            secrets = _secrets(network, form, f"secret_{network}_")
            new = connections.NewAccount(name, network, field("timezone") or "UTC", options, secrets)
            # A trial run, rolled back: the name, the zone and the key are checked before the network's call.
            trial = session.begin_nested()
            try:
                connections.store_new_account(session, new, None, settings)
            finally:
                trial.rollback()
    except FieldProblem as problem:
        refused = FormState.refused("connect", kept, problem)
        return _show_list(request, session, viewer, status_code=422, form=refused)
    # The network's answer takes seconds: no lock held through it, and off the event loop.
    db.release(session)
    try:
        checked = form.get("check") and network != "outbox"
        proved = await run_in_threadpool(connections.prove, new.settings()) if checked else None
    except REFUSED as error:
        refused_by = f"{network} refused the credentials ({error}); check them, or untick the check"
        return _show_list(
            request,
            session,
            viewer,
            status_code=422,
            form=FormState.refused("connect", kept, FieldProblem(_first_secret(network), refused_by)),
        )
    try:
        with session.begin_nested(), about("name", refusals=REFUSED):  # the name taken meanwhile
            account = connections.store_new_account(session, new, proved, settings)
    except FieldProblem as problem:
        refused = FormState.refused("connect", kept, problem)
        return _show_list(request, session, viewer, status_code=422, form=refused)
    return RedirectResponse(f"/accounts/{account.name}", status_code=303)


def _secrets(network: str, form: Any, prefix: str) -> dict[str, str]:
    given = {name: str(form.get(prefix + name) or "").strip() for name in SECRET_FIELDS[network]}
    missing = [name for name, value in given.items() if not value]
    if missing:
        raise NewsroomError(
            f"{network} needs {', '.join(missing)}: fill in its credentials",
            field=f"{prefix.replace('_', '-')}{missing[0]}",
        )
    return given


def _first_secret(network: str) -> str:
    return f"secret-{network}-{SECRET_FIELDS[network][0]}" if SECRET_FIELDS[network] else "network"


@router.get("/accounts/{name}", response_class=HTMLResponse)
def account_page(
    request: Request, name: str, viewer: Viewer = page_viewer("view"), session: Session = DATABASE
) -> Response:
    account = _find(session, name)
    if account is None:
        return not_found(request, viewer, "account", repr(name))
    return _show(request, session, viewer, account)


@router.post("/accounts/{name}/schedule", response_class=HTMLResponse)
def change_schedule(
    request: Request,
    name: str,
    timezone: str = Form(""),
    slots: str = Form(""),
    min_gap_minutes: str = Form(""),
    max_per_day: str = Form(""),
    needs_approval: bool = Form(False),
    viewer: Viewer = page_viewer("admin"),
    session: Session = DATABASE,
) -> Response:
    """The account's zone, posting slots, budget and approval, changed together or not at all."""
    account = _find(session, name)
    if account is None:
        return not_found(request, viewer, "account", repr(name))
    sent = {
        "timezone": timezone,
        "slots": slots,
        "min-gap": min_gap_minutes,
        "max-per-day": max_per_day,
        "needs_approval": "true" if needs_approval else "",
    }
    try:
        with session.begin_nested():
            with about("timezone", refusals=REFUSED):
                if timezone.strip() and timezone.strip() != account.timezone:
                    account_calendar.set_timezone(account, timezone.strip())
            with about("slots", refusals=REFUSED):
                account_calendar.set_slots(account, slots.strip() or None)
            with about("min-gap", refusals=REFUSED):
                gap = _number(min_gap_minutes, float, "minimum gap")
            with about("max-per-day", refusals=REFUSED):
                per_day = _number(max_per_day, int, "posts a day")
            with about("min-gap" if gap is not None else "max-per-day", refusals=REFUSED):
                account_calendar.set_budget(account, None)
                if gap is not None or per_day is not None:
                    account_calendar.set_budget(account, budget_options(gap, per_day))
            with about("needs-approval", refusals=REFUSED):
                controls.set_approval(session, account.name, needs_approval)
    except FieldProblem as problem:
        session.expire_all()
        refused = FormState.refused("schedule", sent, problem)
        return _show(request, session, viewer, account, form=refused, status_code=422)
    return RedirectResponse(f"/accounts/{account.name}", status_code=303)


def _number(text: str, kind: type[int] | type[float], what: str) -> float | None:
    if not text.strip():
        return None
    try:
        return kind(text.strip())
    except ValueError:
        raise BudgetError(f"the {what} must be a number, not {text.strip()!r}") from None


@router.post("/accounts/{name}/theme", response_class=HTMLResponse)
async def change_theme(
    request: Request,
    name: str,
    background: str = Form(""),
    foreground: str = Form(""),
    accent: str = Form(""),
    font_family: str = Form(""),
    remove_logo: bool = Form(False),
    logo: UploadFile | None = None,
    viewer: Viewer = page_viewer("admin"),
    session: Session = DATABASE,
) -> Response:
    """The account's card theme; later cards use it (a new theme makes new cards)."""
    account = _find(session, name)
    if account is None:
        return not_found(request, viewer, "account", repr(name))
    changes = {
        "background": background.strip() or None,
        "foreground": foreground.strip() or None,
        "accent": accent.strip() or None,
        "font_family": font_family.strip() or None,
    }
    sent = {"background": background, "foreground": foreground, "accent": accent, "font": font_family}
    try:
        if logo is not None and logo.filename:
            with about("logo", refusals=REFUSED):
                data = await logo.read(MAX_LOGO_BYTES + 1)
                if len(data) > MAX_LOGO_BYTES:
                    raise ThemeError(f"the logo is over {MAX_LOGO_BYTES:,} bytes; use a smaller image")
                suffix = "." + logo.filename.rsplit(".", 1)[-1] if "." in logo.filename else ".png"
                changes["logo"] = card_themes.keep_logo(
                    data, suffix, request.app.state.settings.resolved_media_dir
                )
        with session.begin_nested(), about("background", fields={"font_family": "font"}, refusals=REFUSED):
            card_themes.change_theme(account, changes, remove_logo=remove_logo and "logo" not in changes)
    except FieldProblem as problem:
        session.expire_all()
        refused = FormState.refused("theme", sent, problem)
        return _show(request, session, viewer, account, form=refused, status_code=422)
    return RedirectResponse(f"/accounts/{account.name}#theme-heading", status_code=303)


@router.post("/accounts/{name}/credentials", response_class=HTMLResponse)
async def reconnect(
    request: Request, name: str, viewer: Viewer = page_viewer("admin"), session: Session = DATABASE
) -> Response:
    """New credentials, proved against the network first; the account's held posts go out again."""
    account = _find(session, name)
    if account is None:
        return not_found(request, viewer, "account", repr(name))
    form = await request.form()
    settings = request.app.state.settings
    try:
        fields = SECRET_FIELDS[account.network]
        if not fields:
            raise NewsroomError(f"{account.network} accounts have no credentials")
        secrets = _secrets(account.network, form, "secret_")
        fresh = AccountSettings(account.name, account.network, dict(account.options), secrets)
        db.release(session)  # no lock held through the network's answer, and off the event loop
        proved = await run_in_threadpool(connections.prove, fresh)
        connections.record_check(session, account.name, proved, secrets, settings)
    except REFUSED as error:
        first = f"secret-{SECRET_FIELDS[account.network][0]}" if SECRET_FIELDS[account.network] else ""
        problem = FieldProblem(getattr(error, "field", None) or first, f"Not reconnected: {error}")
        refused = FormState.refused("credentials", {}, problem)
        return _show(request, session, viewer, account, form=refused, status_code=422)
    return _show(
        request, session, viewer, account, notice=f"Reconnected: the credentials work ({proved.handle})."
    )


@router.post("/accounts/{name}/pause", response_class=HTMLResponse)
def pause(
    request: Request, name: str, viewer: Viewer = page_viewer("approve"), session: Session = DATABASE
) -> Response:
    account = _find(session, name)
    if account is None:
        return not_found(request, viewer, "account", repr(name))
    [paused] = controls.pause(session, [account], now=utcnow())
    going = (
        f" Posts {', '.join(map(str, paused.publishing))} were being sent and may still go out."
        if paused.publishing
        else ""
    )
    undo = Undo(f"/accounts/{account.name}/resume", said("Undo: resume it"))
    notice = f"Paused: nothing more goes out until it is resumed.{going}"
    return _show(request, session, viewer, account, notice=notice, undo=undo)


@router.post("/accounts/{name}/resume", response_class=HTMLResponse)
def resume(
    request: Request, name: str, viewer: Viewer = page_viewer("approve"), session: Session = DATABASE
) -> Response:
    account = _find(session, name)
    if account is None:
        return not_found(request, viewer, "account", repr(name))
    stale_after = timedelta(minutes=request.app.state.settings.stale_after_minutes)
    [resumed] = controls.resume(session, [account], now=utcnow(), stale_after=stale_after)
    notice = (
        f"Resumed: {len(resumed.sent)} overdue post(s) go out now, spaced by the budget; "
        f"{len(resumed.skipped)} were too late and skipped."
    )
    return _show(request, session, viewer, account, notice=notice)
