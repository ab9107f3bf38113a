"""The editors' pages: server-rendered, each naming the action its viewer's role must allow."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from scheduler.models import utcnow
from scheduler.newsroom import overview, users
from scheduler.planning.wallclock import format_local, zone
from scheduler.web import i18n
from scheduler.web.auth import (
    CSRF_FIELD,
    DATABASE,
    Viewer,
    csrf_protect,
    csrf_token,
    page_viewer,
    signed_in,
    start_session,
)

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.add_extension("jinja2.ext.i18n")
templates.env.policies["ext.i18n.trimmed"] = True  # a {% trans %} block's msgid has its spaces folded
templates.env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the extension
    i18n.gettext_now,
    i18n.ngettext_now,
    newstyle=True,
    pgettext=i18n.pgettext_now,
    npgettext=i18n.npgettext_now,
)
templates.env.globals.update(i18n.page_callables())  # the same behaviour, at a fifth of the cost
templates.env.globals["csrf_field"] = CSRF_FIELD
templates.env.globals["csrf_token"] = csrf_token
templates.env.filters["local"] = lambda when, tz_name: format_local(when, zone(tz_name)) if when else ""
# The time of day in the account's zone, and a time as the forms take it back (YYYY-MM-DD HH:MM).
templates.env.filters["clock"] = lambda when, tz_name: when.astimezone(zone(tz_name)).strftime("%H:%M")
# A day of the week a time falls in, for the calendar's ?week= (which finds that week's first day).
templates.env.filters["week_of"] = lambda when, tz_name: when.astimezone(zone(tz_name)).date().isoformat()
# A time kept as ISO 8601 text (a history's "from" and "to"), shown in the account's zone.
templates.env.filters["iso_local"] = lambda text, tz_name: (
    format_local(datetime.fromisoformat(text), zone(tz_name)) if text else ""
)
templates.env.filters["local_input"] = lambda when, tz_name: (
    when.astimezone(zone(tz_name)).strftime("%Y-%m-%d %H:%M") if when else ""
)


router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])


def page(
    request: Request, template: str, viewer: Viewer | None, status_code: int = 200, **context: object
) -> Response:
    language = page_language(request, viewer)
    with i18n.speaking(language):  # the response is rendered here, inside
        return templates.TemplateResponse(
            request, template, {"viewer": viewer, "lang": language, **context}, status_code=status_code
        )


def tell(request: Request, words: i18n.Said) -> None:
    """A notice for the next page the browser is sent to, read in the reader's language there."""
    request.session["told"] = words.kept()


def told_of(request: Request) -> i18n.Said | str | None:
    """The notice the last form left for this page (once)."""
    return i18n.heard(request.session.pop("told", None))


def page_language(request: Request, viewer: Viewer | None) -> str:
    return i18n.choose_language(viewer.language if viewer else None, request.headers.get("accept-language"))


# What a page says of a thing that is not there, by its kind: a title, and a sentence naming it (%(ref)s).
MISSING = {
    "account": (i18n.said("No such account"), i18n.said("There is no account named %(ref)s.")),
    "article": (i18n.said("No such article"), i18n.said("There is no article %(ref)s.")),
    "draft": (i18n.said("No such draft"), i18n.said("There is no draft %(ref)s of yours.")),
    "feed": (i18n.said("No such feed"), i18n.said("There is no feed %(ref)s.")),
    "post": (i18n.said("No such post"), i18n.said("There is no post %(ref)s.")),
    "user": (i18n.said("No such user"), i18n.said("There is no user %(ref)s.")),
}


def not_found(request: Request, viewer: Viewer, what: str, ref: str | int) -> Response:
    """The 404 page for the `what` (a kind of MISSING) called `ref` (a name already quoted, or an id)."""
    title, sentence = MISSING[what]
    message = dataclasses.replace(sentence, values={"ref": ref})
    return page(request, "error.html", viewer, status_code=404, title=title, message=message)


def local_path(target: str | None, default: str = "/") -> str:
    """Where to send the browser next (after signing in, after a form): a path of this site only."""
    if not target:
        return default
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):
        return default
    return target


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, next: str | None = None, session: Session = DATABASE) -> Response:
    if signed_in(request, session) is not None:
        return RedirectResponse(local_path(next), status_code=303)
    return page(request, "sign_in.html", None, next=local_path(next), error=None, name="")


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(
    request: Request,
    name: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
    session: Session = DATABASE,
) -> Response:
    address = request.client.host if request.client else "unknown"
    try:
        user = users.sign_in(session, name, password, address=address)
    except users.SignInRefused as refused:
        status = 429 if refused.retry_after else 400
        response = page(
            request,
            "sign_in.html",
            None,
            status_code=status,
            next=local_path(next),
            error=str(refused),
            name=name,
        )
        if refused.retry_after:
            response.headers["Retry-After"] = str(refused.retry_after)
        # The failure is recorded for the throttle even though the page says no: commit it.
        session.commit()
        return response
    start_session(request, user)
    return RedirectResponse(local_path(next), status_code=303)


@router.post("/sign-out")
def sign_out(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/sign-in", status_code=303)


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request, viewer: Viewer = page_viewer("view"), session: Session = DATABASE
) -> Response:
    now = utcnow()
    return page(
        request,
        "dashboard.html",
        viewer,
        accounts=overview.coming_hours(session, now=now),
        attention=overview.attention(session, now=now),
        now=now,
    )
