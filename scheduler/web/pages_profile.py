"""Each user's profile: their own time zone and first day of the week, for the pages that show many
accounts at once, and the language the pages speak to them (newsroom.preferences)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from scheduler.models import User
from scheduler.newsroom.preferences import preferences_of, set_preferences
from scheduler.newsroom.users import UserError
from scheduler.web import i18n
from scheduler.web.auth import DATABASE, Viewer, csrf_protect, page_viewer
from scheduler.web.forms import FieldProblem, FormState
from scheduler.web.pages import page, page_language

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])


def week_start_of(session: Session, viewer: Viewer) -> int | None:
    """The viewer's own first weekday (0 Monday), or None: as their browser's language has it."""
    user = session.get(User, viewer.id)
    return user.week_start if user is not None else None


def zone_of(session: Session, viewer: Viewer) -> str | None:
    user = session.get(User, viewer.id)
    return user.timezone if user is not None else None


def _show(
    request: Request, viewer: Viewer, user: User, form: FormState | None = None, status: int = 200
) -> Response:
    return page(
        request,
        "profile.html",
        viewer,
        status_code=status,
        preferences=preferences_of(user),
        weekdays=i18n.weekday_names(page_language(request, viewer)),
        languages=i18n.LANGUAGES,
        form=form or FormState("profile"),
        saved=bool(request.session.pop("saved", None)),
    )


@router.get("/profile", response_class=HTMLResponse)
def profile(request: Request, viewer: Viewer = page_viewer("view"), session: Session = DATABASE) -> Response:
    user = session.get(User, viewer.id)
    assert user is not None  # the viewer was just read
    return _show(request, viewer, user)


@router.post("/profile", response_class=HTMLResponse)
def save_profile(
    request: Request,
    timezone: str = Form("", max_length=64),
    week_start: str = Form("", max_length=20),
    language: str = Form("", max_length=16),
    viewer: Viewer = page_viewer("view"),
    session: Session = DATABASE,
) -> Response:
    user = session.get(User, viewer.id)
    assert user is not None
    try:
        set_preferences(
            user, timezone=timezone, week_start=week_start, language=language, languages=i18n.LANGUAGES
        )
    except UserError as error:
        fields = {
            "timezone": "profile-timezone",
            "week_start": "profile-week-start",
            "language": "profile-language",
        }
        refused = FormState.refused(
            "profile",
            {"profile-timezone": timezone, "profile-week-start": week_start, "profile-language": language},
            FieldProblem(fields.get(error.field or "", "profile-timezone"), str(error)),
        )
        return _show(request, viewer, user, refused, 422)
    request.session["saved"] = True  # the page says so, in the language just chosen
    return RedirectResponse("/profile", status_code=303)
