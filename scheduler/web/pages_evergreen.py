"""The evergreen page: per account, whether its free slots are filled with reshares of older articles,
which articles it may reshare and from when, and each article kept out of evergreen or let back in
(newsroom.evergreen, as `scheduler evergreen --eligible` and `scheduler articles evergreen`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from scheduler.models import utcnow
from scheduler.newsroom import NewsroomError, evergreen
from scheduler.newsroom.accounts import list_accounts
from scheduler.render.cards import card_template_names
from scheduler.web.auth import DATABASE, Viewer, csrf_protect, page_viewer
from scheduler.web.forms import FieldProblem, FormState, about
from scheduler.web.i18n import said, said_n
from scheduler.web.pages import local_path, page, tell, told_of

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])


def _show(
    request: Request,
    viewer: Viewer,
    session: Session,
    form: FormState | None = None,
    status_code: int = 200,
) -> Response:
    now = utcnow()
    accounts = [
        (account, evergreen.Evergreen.of(account), evergreen.candidates(session, account, now))
        for account in list_accounts(session)
    ]
    return page(
        request,
        "evergreen.html",
        viewer,
        status_code=status_code,
        accounts=accounts,
        now=now,
        cards=card_template_names(request.app.state.settings.templates_dir),
        form=form or FormState("evergreen"),
        told=told_of(request),
    )


@router.get("/evergreen", response_class=HTMLResponse)
def evergreen_page(
    request: Request, viewer: Viewer = page_viewer("view"), session: Session = DATABASE
) -> Response:
    return _show(request, viewer, session)


@router.post("/evergreen/{name}", response_class=HTMLResponse)
def set_account_evergreen(
    request: Request,
    name: str,
    after_days: str = Form("", max_length=8),
    card: str = Form("", max_length=64),
    action: str = Form("on", pattern="^(on|off)$"),
    viewer: Viewer = page_viewer("admin"),
    session: Session = DATABASE,
) -> Response:
    """Turn evergreen on for the account (after N days, with a card or none), or off."""
    field = f"evergreen-{name}-days"
    try:
        with about(field):
            days: int | None = None
            if action == "on":
                if not after_days.strip().isdigit():
                    raise NewsroomError("write the number of days after which an article may go again")
                days = int(after_days)
            evergreen.set_evergreen(
                session, name, days, card=card or None, templates_dir=request.app.state.settings.templates_dir
            )
    except FieldProblem as problem:
        values = {field: after_days, f"evergreen-{name}-card": card}
        return _show(request, viewer, session, FormState.refused("evergreen", values, problem), 422)
    tell(
        request,
        said("Evergreen off for %(account)s.", account=name)
        if action == "off"
        else said_n(
            "Evergreen on for %(account)s: articles it has not shared for %(num)s day fill its free slots.",
            "Evergreen on for %(account)s: articles it has not shared for %(num)s days fill its free slots.",
            days or 0,
            account=name,
        ),
    )
    return RedirectResponse(f"/evergreen#account-{name}", status_code=303)


@router.post("/articles/{article_id}/evergreen", response_class=HTMLResponse)
def set_article_evergreen(
    request: Request,
    article_id: int,
    action: str = Form(..., pattern="^(on|off)$"),
    back: str = Form("", max_length=300),
    viewer: Viewer = page_viewer("write"),
    session: Session = DATABASE,
) -> Response:
    """Keep the article out of evergreen reshares, or let it back in."""
    try:
        article = evergreen.set_article_evergreen(session, article_id, on=action == "on", now=utcnow())
    except NewsroomError as error:
        return page(
            request, "error.html", viewer, status_code=404, title=said("No such article"), message=str(error)
        )
    tell(
        request,
        said("“%(title)s” may be reshared by evergreen accounts again.", title=article.title)
        if action == "on"
        else said("“%(title)s” is kept out of evergreen reshares.", title=article.title),
    )
    return RedirectResponse(local_path(back, f"/articles/{article_id}"), status_code=303)
