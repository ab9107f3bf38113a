"""What an editor does to an article from its page, as the CLI does: plan a campaign (its timeline shown
first), correct the title or summary (each post not out yet shown before and after, then applied),
hold it under an embargo or lift it, and withdraw it (asked first). Previews are the real functions run
and rolled back (newsroom.rehearsal)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from scheduler.models import Article, utcnow
from scheduler.newsroom import NewsroomError, campaigns, controls, corrections, rehearsal
from scheduler.newsroom.accounts import list_accounts
from scheduler.planning import PlanningError
from scheduler.planning.campaigns import CampaignError
from scheduler.render import RenderError
from scheduler.web.auth import DATABASE, Viewer, csrf_protect, page_viewer
from scheduler.web.confirm import CONFIRMED, ask_first
from scheduler.web.i18n import Said, said, said_n
from scheduler.web.pages import not_found, page, tell
from scheduler.web.words import page_words
from scheduler.wording import worded

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
AccountNames = Form(default_factory=list, max_length=200)
REFUSED = (NewsroomError, PlanningError, RenderError, CampaignError)


def _article(session: Session, article_id: int) -> Article | None:
    return session.get(Article, article_id) if 0 < article_id < 2**31 else None


def _back(request: Request, article_id: int, told: Said) -> Response:
    tell(request, told)
    return RedirectResponse(f"/articles/{article_id}#desk-heading", status_code=303)


def _refused(request: Request, viewer: Viewer, article_id: int, title: Said, error: Exception) -> Response:
    return page(
        request,
        "error.html",
        viewer,
        status_code=422,
        title=title,
        message=f"{worded(error, page_words)}.",
        back=f"/articles/{article_id}#desk-heading",
    )


@router.post("/articles/{article_id}/campaign", response_class=HTMLResponse)
def campaign(
    request: Request,
    article_id: int,
    name: str = Form("", max_length=100),
    accounts: list[str] = AccountNames,
    action: str = Form("preview", pattern="^(preview|plan)$"),
    viewer: Viewer = page_viewer("write"),
    session: Session = DATABASE,
) -> Response:
    """The campaign's timeline for the accounts chosen; then, asked for, planned."""
    article = _article(session, article_id)
    if article is None:
        return not_found(request, viewer, "article", article_id)
    settings = request.app.state.settings
    known = {a.name: a for a in list_accounts(session)}
    chosen = [known[n] for n in dict.fromkeys(accounts) if n in known]
    try:
        if not chosen:
            raise NewsroomError("choose the accounts the campaign posts to")
        if action == "preview":
            timeline = rehearsal.campaign_timeline(
                session, article.id, chosen, name, templates_dir=settings.templates_dir, now=utcnow()
            )
            return page(
                request,
                "campaign_timeline.html",
                viewer,
                article=article,
                name=name,
                accounts=[a.name for a in chosen],
                timeline=timeline,
            )
        with session.begin_nested():
            planned = campaigns.plan_campaign(
                session, article, chosen, name, templates_dir=settings.templates_dir, now=utcnow()
            )
    except REFUSED as error:
        session.expire_all()
        return _refused(
            request, viewer, article_id, said("Campaign %(name)s: not done", name=repr(name)), error
        )
    on = said_n("%(num)s account", "%(num)s accounts", len(chosen))
    return _back(
        request,
        article.id,
        said_n(
            "Campaign %(name)s planned: %(num)s post on %(accounts)s.",
            "Campaign %(name)s planned: %(num)s posts on %(accounts)s.",
            len(planned),
            name=name,
            accounts=on,
        ),
    )


@router.post("/articles/{article_id}/correct", response_class=HTMLResponse)
def correct(
    request: Request,
    article_id: int,
    title: str = Form("", max_length=1000),
    summary: str = Form("", max_length=5000),
    confirmed: str = Form("", alias=CONFIRMED),
    viewer: Viewer = page_viewer("write"),
    session: Session = DATABASE,
) -> Response:
    """Each post not out yet, before and after the correction; applied once the editor says yes."""
    article = _article(session, article_id)
    if article is None:
        return not_found(request, viewer, "article", article_id)
    templates_dir = request.app.state.settings.templates_dir
    new_title = title if title.strip() and title.strip() != article.title else None
    new_summary = summary if summary.strip() != (article.summary or "") else None
    try:
        if confirmed != "yes":
            preview = rehearsal.correction_preview(
                session, article.id, title=new_title, summary=new_summary, templates_dir=templates_dir
            )
            return page(
                request,
                "correction_preview.html",
                viewer,
                article=session.get(Article, article_id),
                preview=preview,
                title=title,
                summary=summary,
            )
        with session.begin_nested():
            done = corrections.correct_article(
                session, article.id, templates_dir=templates_dir, title=new_title, summary=new_summary
            )
    except REFUSED as error:
        session.expire_all()
        return _refused(request, viewer, article_id, said("Correction: not done"), error)
    if not done.changed:
        return _back(request, article.id, said("Nothing changed: the title and summary were as they are."))
    return _back(
        request,
        article.id,
        said_n(
            "Corrected (%(fields)s): %(num)s post rendered again.",
            "Corrected (%(fields)s): %(num)s posts rendered again.",
            len(done.posts),
            fields=", ".join(done.changed),
        ),
    )


@router.post("/articles/{article_id}/embargo", response_class=HTMLResponse)
def embargo(
    request: Request,
    article_id: int,
    until: str = Form("", max_length=40),
    lift: str = Form(""),
    viewer: Viewer = page_viewer("write"),
    session: Session = DATABASE,
) -> Response:
    """Hold the article's posts until a time (UTC, or with an offset), or lift the embargo now."""
    article = _article(session, article_id)
    if article is None:
        return not_found(request, viewer, "article", article_id)
    now = utcnow()
    try:
        with session.begin_nested():
            if lift == "yes":
                outcome = controls.lift_embargo(session, article.id, now=now)
                told = said_n(
                    "Embargo lifted: %(num)s post due meanwhile goes out now.",
                    "Embargo lifted: %(num)s posts due meanwhile go out now.",
                    len(outcome.due_now),
                )
            else:
                if not until.strip():
                    raise NewsroomError("give the time the embargo ends, YYYY-MM-DD HH:MM in UTC")
                outcome = controls.embargo(session, article.id, controls.parse_embargo(until), now=now)
                told = said_n(
                    "Embargoed until %(until)s: %(num)s post waits for it.",
                    "Embargoed until %(until)s: %(num)s posts wait for it.",
                    len(outcome.held),
                    until=until.strip(),
                )
    except REFUSED as error:
        session.expire_all()
        return _refused(request, viewer, article_id, said("Embargo: not done"), error)
    return _back(request, article.id, told)


@router.post("/articles/{article_id}/withdraw", response_class=HTMLResponse)
def withdraw(
    request: Request,
    article_id: int,
    reason: str = Form("", max_length=2000),
    confirmed: str = Form("", alias=CONFIRMED),
    viewer: Viewer = page_viewer("write"),
    session: Session = DATABASE,
) -> Response:
    """Cancel every post of the article not out yet, with the reason, once the editor has said yes."""
    article = _article(session, article_id)
    if article is None:
        return not_found(request, viewer, "article", article_id)
    if confirmed != "yes" and reason.strip():
        return ask_first(
            request,
            viewer,
            question=said("Withdraw “%(title)s”?", title=article.title),
            consequence=said(
                "Every post of it not out yet is canceled, with your reason; posts already out stay. "
                "It cannot be undone: you would schedule the posts again."
            ),
            yes=said("Yes, withdraw the article"),
            back=f"/articles/{article.id}",
            fields={"reason": reason},
        )
    try:
        with session.begin_nested():
            outcome = controls.withdraw(session, article.id, reason, now=utcnow())
    except REFUSED as error:
        session.expire_all()
        return _refused(request, viewer, article_id, said("Withdrawal: not done"), error)
    return _back(
        request,
        article.id,
        said_n(
            "Withdrawn: %(num)s post canceled.", "Withdrawn: %(num)s posts canceled.", len(outcome.stopped)
        ),
    )
