"""The composer's pages: start from an article (or from nothing), choose accounts (or a saved group),
write once, customise a network, see each network's preview beside the others, then send. The form
works without JavaScript (Preview, Send); with it, compose.js saves as the editor types
(/compose/ID/autosave, which answers with the previews) and keeps a copy in the browser until the
server has it, so neither a reload nor a lost connection loses a word."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from scheduler.models import Article, ComposeDraft, utcnow
from scheduler.newsroom import NewsroomError, composer
from scheduler.newsroom.accounts import list_accounts
from scheduler.web import i18n
from scheduler.web.auth import DATABASE, Viewer, csrf_protect, page_viewer
from scheduler.web.pages import not_found, page, page_language, templates
from scheduler.web.words import page_words
from scheduler.wording import worded

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

NETWORK_NAMES = {"x": "X", "mastodon": "Mastodon", "bluesky": "Bluesky", "outbox": "Outbox"}


def read_form(form: FormData, draft: ComposeDraft) -> tuple[composer.Composition, int]:
    """The composition as the page's form sends it (of the draft's article: a form does not change
    it), and the page's save count."""
    custom = {
        key.removeprefix("custom-"): str(value)
        for key, value in form.multi_items()
        if key.startswith("custom-")
    }
    composition = composer.Composition.read(
        {
            "article_id": draft.data.get("article_id"),
            "accounts": form.getlist("accounts"),
            "step": form.get("step"),
            "card": form.get("card") or None,
            "text": form.get("text"),
            "custom": custom,
            "when": form.get("when"),
            "at": form.get("at"),
            "approval": form.get("approval") == "yes",
        }
    )
    version = str(form.get("version") or "0")
    return composition, int(version) if version.isdigit() else 0


@router.get("/compose", response_class=HTMLResponse)
def compose_start(
    request: Request, viewer: Viewer = page_viewer("write"), session: Session = DATABASE
) -> Response:
    return page(request, "compose_start.html", viewer, drafts=composer.recent_drafts(session, viewer.id))


@router.post("/compose", response_class=HTMLResponse)
def compose_new(
    request: Request,
    article_id: str = Form("", max_length=20),
    viewer: Viewer = page_viewer("write"),
    session: Session = DATABASE,
) -> Response:
    """A new composition (of the article given, or of nothing), saved at once so it has an address."""
    article = article_id.strip()
    composition = composer.Composition(article_id=int(article) if article.isdigit() else None)
    if composition.article_id is not None and session.get(Article, composition.article_id) is None:
        return not_found(request, viewer, "article", composition.article_id)
    draft = composer.open_draft(session, viewer.id, composition)
    return RedirectResponse(f"/compose/{draft.id}", status_code=303)


def _draft(session: Session, viewer: Viewer, draft_id: int) -> ComposeDraft | None:
    try:
        return composer.own_draft(session, viewer.id, draft_id)
    except NewsroomError:
        return None


def _context(
    request: Request, session: Session, draft: ComposeDraft, composition: composer.Composition
) -> dict[str, Any]:
    accounts = list_accounts(session)
    networks = sorted({account.network for account in accounts})
    article = session.get(Article, composition.article_id) if composition.article_id else None
    return {
        "draft": draft,
        "composition": composition,
        "article": article,
        "by_network": [
            (n, NETWORK_NAMES.get(n, n), [a for a in accounts if a.network == n]) for n in networks
        ],
        "groups": composer.groups(session),
        "previews": composer.previews(
            session, composition, templates_dir=request.app.state.settings.templates_dir, now=utcnow()
        ),
        "network_names": NETWORK_NAMES,
        "chosen_networks": sorted({a.network for a in composer.chosen_accounts(session, composition)}),
        "told": lambda text: worded(text, page_words),
    }


@router.get("/compose/{draft_id}", response_class=HTMLResponse)
def compose_page(
    request: Request, draft_id: int, viewer: Viewer = page_viewer("write"), session: Session = DATABASE
) -> Response:
    draft = _draft(session, viewer, draft_id)
    if draft is None:
        return not_found(request, viewer, "draft", draft_id)
    composition = composer.Composition.read(draft.data)
    return page(request, "compose.html", viewer, **_context(request, session, draft, composition))


@router.post("/compose/{draft_id}/autosave")
async def compose_autosave(
    request: Request, draft_id: int, viewer: Viewer = page_viewer("write"), session: Session = DATABASE
) -> Response:
    """Keep what the page sends (unless a later save is kept already) and answer with the previews."""
    form = await request.form()  # its custom-NETWORK fields are not known ahead; the rest is not async
    return await run_in_threadpool(_autosave, request, session, viewer, draft_id, form)


def _autosave(request: Request, session: Session, viewer: Viewer, draft_id: int, form: FormData) -> Response:
    draft = _draft(session, viewer, draft_id)
    if draft is None:
        return JSONResponse({"saved": False, "message": f"There is no draft {draft_id} of yours."}, 404)
    if draft.sent_at is not None:
        return JSONResponse({"saved": False, "message": "This composition was sent already."}, 409)
    composition, version = read_form(form, draft)
    kept = composer.save(draft, composition, version=version)
    shown = composer.Composition.read(draft.data)
    with i18n.speaking(page_language(request, viewer)):
        fragment = templates.get_template("_compose_previews.html").render(
            {**_context(request, session, draft, shown), "request": request}
        )
    return JSONResponse({"saved": kept, "version": draft.version, "previews": fragment})


@router.post("/compose/{draft_id}", response_class=HTMLResponse)
async def compose_submit(
    request: Request, draft_id: int, viewer: Viewer = page_viewer("write"), session: Session = DATABASE
) -> Response:
    """Preview (save and show), use or save a group of accounts, or send."""
    form = await request.form()
    return await run_in_threadpool(_submit, request, session, viewer, draft_id, form)


def _submit(request: Request, session: Session, viewer: Viewer, draft_id: int, form: FormData) -> Response:
    draft = _draft(session, viewer, draft_id)
    if draft is None:
        return not_found(request, viewer, "draft", draft_id)
    composition, _ = read_form(form, draft)
    action = str(form.get("action") or "preview")
    problem = None
    if draft.sent_at is not None:
        problem = "This composition was sent already: start a new one."
    elif action == "use-group":
        chosen = next((g for g in composer.groups(session) if str(g.id) == form.get("group_id")), None)
        if chosen is not None:
            composer.use_group(composition, chosen)
    elif action == "save-group":
        try:
            composer.save_group(session, str(form.get("group_name") or ""), composition.accounts)
        except NewsroomError as error:
            problem = worded(error, page_words)
    if draft.sent_at is None:
        composer.save(draft, composition, version=0)
    if action == "send" and problem is None:
        try:
            with session.begin_nested():
                sent = composer.send(
                    session,
                    composition,
                    templates_dir=request.app.state.settings.templates_dir,
                    now=utcnow(),
                    user_id=viewer.id,
                )
                draft.sent_at = utcnow()
        except NewsroomError as error:
            session.expire_all()
            problem = f"Nothing was sent: {worded(error, page_words)}."
        else:
            return page(request, "compose_sent.html", viewer, sent=sent, accounts=list_accounts(session))
    context = _context(request, session, draft, composition)
    return page(
        request, "compose.html", viewer, status_code=422 if problem else 200, problem=problem, **context
    )
