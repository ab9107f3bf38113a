"""The article pages: the list (add by URL, paste or upload; search), and an article with its quotes, the
post each account would get for each step (counted against its network's limit), and its posts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from scheduler import db
from scheduler.articles.fetch import FetchPolicy
from scheduler.articles.sources import read_page, read_pasted, with_editors_fields
from scheduler.models import Account, Article, Quote, utcnow
from scheduler.newsroom import NewsroomError, quotes
from scheduler.newsroom.accounts import find_account, list_accounts
from scheduler.newsroom.articles import (
    campaign_status,
    find_stored,
    list_article_posts,
    list_articles,
    store_article,
)
from scheduler.newsroom.posts import (
    When,
    choose_quote,
    due_time,
    next_slot,
    render_for,
    schedule_post,
    thread_of,
)
from scheduler.planning import PlanningError
from scheduler.planning.campaigns import campaign_names
from scheduler.planning.wallclock import time_note, zone
from scheduler.render import RenderError, length
from scheduler.render.cards import card_template_names
from scheduler.render.fit import split_thread
from scheduler.render.posts import STEPS, RenderedPost
from scheduler.web.auth import DATABASE, Viewer, csrf_protect, page_viewer
from scheduler.web.forms import FieldProblem, FormState, about
from scheduler.web.i18n import said
from scheduler.web.pages import not_found, page, tell, told_of

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

PAGE_SIZE = 50
# The live counter counts at most this much text (a post is far shorter; a thread a few posts).
MAX_COUNTED = 20_000


def _list(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    q: str = "",
    offset: int = 0,
    form: FormState | None = None,
    status_code: int = 200,
) -> Response:
    found, total = list_articles(session, search=q[:200], limit=PAGE_SIZE, offset=max(offset, 0))
    return page(
        request,
        "articles.html",
        viewer,
        status_code=status_code,
        articles=found,
        status=campaign_status(session, [a.id for a in found]),
        total=total,
        q=q,
        offset=offset,
        form=form or FormState("add"),
    )


@router.get("/articles", response_class=HTMLResponse)
def articles(
    request: Request,
    q: str = "",
    offset: int = 0,
    viewer: Viewer = page_viewer("view"),
    session: Session = DATABASE,
) -> Response:
    return _list(request, session, viewer, q=q, offset=offset)


# What the article page says, once, about where an added article came from.
ADDED = {
    "page": "Added from its web page",
    "text": "Added from the pasted text",
    "file": "Added from the file",
}


@router.post("/articles", response_class=HTMLResponse)
async def add_article(
    request: Request,
    url: str = Form(""),
    text: str = Form(""),
    title: str = Form(""),
    byline: str = Form(""),
    image: str = Form(""),
    upload: UploadFile | None = None,
    viewer: Viewer = page_viewer("write"),
    session: Session = DATABASE,
) -> Response:
    """Read the article from the pasted text or the uploaded file (with its web address, when given,
    kept as the article's and not fetched), else from its web address; with the editor's own title,
    byline and image in place of what was found. Store it, and open its page."""
    settings = request.app.state.settings
    sent = {"url": url, "text": text, "title": title, "byline": byline, "image": image}
    address = url.strip() or None
    # Fetching and parsing take seconds: off the event loop, and with no transaction (no lock) held.
    db.release(session)
    try:
        if upload is not None and upload.filename:
            came_from = "file"
            with about("upload"):
                data = await upload.read(settings.max_article_bytes + 1)
                parsed = await run_in_threadpool(
                    read_pasted,
                    data.decode("utf-8", errors="replace"),
                    max_bytes=settings.max_article_bytes,
                    size=upload.size,
                    canonical_url=address,
                )
        elif text.strip():
            came_from = "text"
            with about("text"):
                parsed = await run_in_threadpool(
                    read_pasted, text, max_bytes=settings.max_article_bytes, canonical_url=address
                )
        elif address:
            came_from = "page"
            with about("url"):
                parsed = await run_in_threadpool(
                    read_page, address, policy=FetchPolicy.from_settings(settings)
                )
        else:
            raise FieldProblem("url", "give the article's web address, paste its text, or choose a file")
        with about("title"):
            parsed = with_editors_fields(parsed, title=title, byline=byline, image=image)
    except FieldProblem as problem:
        return _list(request, session, viewer, form=FormState.refused("add", sent, problem), status_code=422)
    before = find_stored(session, parsed)
    if before is not None:
        request.session["notice"] = (
            f"This article was already here, added on {before.created_at:%Y-%m-%d at %H:%M} UTC: "
            "nothing new was added."
        )
        return RedirectResponse(f"/articles/{before.id}", status_code=303)
    article = store_article(session, parsed, source="web")
    kept = f", with the web address {address} (kept as its address, not fetched)"
    request.session["notice"] = f"{ADDED[came_from]}{kept if address and came_from != 'page' else ''}."
    return RedirectResponse(f"/articles/{article.id}", status_code=303)


# The card each step's post would carry, shown with its preview.
STEP_CARDS = {"quote": "quote", "announce": "headline"}


@dataclass(frozen=True)
class Preview:
    """The post one account would get for one step, or why it cannot be made."""

    account: Account
    step: str
    quote: Quote | None
    rendered: RenderedPost | None
    problem: str | None
    card: str | None


@dataclass(frozen=True)
class AccountPreviews:
    """An account's previews and when its next post would go out (or why it cannot be placed)."""

    account: Account
    next_slot: datetime | None
    slot_problem: str | None
    previews: list[Preview]


def previews(
    request: Request, session: Session, article: Article, picked: Quote | None
) -> list[AccountPreviews]:
    templates_dir = request.app.state.settings.templates_dir
    now = utcnow()
    made = []
    for account in list_accounts(session):
        shown = []
        for step in STEPS:
            quote = (picked or choose_quote(session, article, account)) if step == "quote" else None
            card = STEP_CARDS.get(step)
            try:
                if step == "quote" and quote is None:
                    raise NewsroomError("no pull quote with a known speaker for this article")
                rendered = render_for(templates_dir, article, account, step, quote)
                shown.append(Preview(account, step, quote, rendered, None, card))
            except (RenderError, NewsroomError) as error:
                shown.append(Preview(account, step, quote, None, str(error), None))
        try:
            slot, problem = next_slot(session, account, after=now), None
        except PlanningError as error:
            slot, problem = None, str(error)
        made.append(AccountPreviews(account, slot, problem, shown))
    return made


def picked_quote(article: Article, quote_id: int) -> Quote | None:
    return next((q for q in article.quotes if q.id == quote_id), None)


def _article(session: Session, article_id: int) -> Article | None:
    return session.get(Article, article_id) if 0 < article_id < 2**31 else None


def _no_article(request: Request, viewer: Viewer, article_id: int) -> Response:
    return not_found(request, viewer, "article", article_id)


def _show(
    request: Request,
    session: Session,
    viewer: Viewer,
    article: Article,
    *,
    picked: Quote | None = None,
    notice: str | None = None,
    form: FormState | None = None,
    quote_form: tuple[int, FormState] | None = None,
    status_code: int = 200,
) -> Response:
    """The article's page (with the quote the editor picked), with the schedule `form` or a quote's
    (`quote_form`) as the editor sent it, with its problem, when it was refused."""
    posts, _ = list_article_posts(session, article.id)
    return page(
        request,
        "article.html",
        viewer,
        status_code=status_code,
        article=article,
        picked=picked,
        accounts_previews=previews(request, session, article, picked),
        posts=posts,
        accounts=list_accounts(session),
        steps=STEPS,
        cards=card_template_names(request.app.state.settings.templates_dir),
        campaign_names=campaign_names(request.app.state.settings.templates_dir),
        told=told_of(request),
        notice=notice,
        form=form or FormState("schedule"),
        quote_forms=dict([quote_form] if quote_form else []),
    )


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(
    request: Request,
    article_id: int,
    quote: int = 0,
    viewer: Viewer = page_viewer("view"),
    session: Session = DATABASE,
) -> Response:
    article = _article(session, article_id)
    if article is None:
        return _no_article(request, viewer, article_id)
    notice = request.session.pop("notice", None)  # what the form that led here did, shown once
    return _show(request, session, viewer, article, picked=picked_quote(article, quote), notice=notice)


@router.post("/articles/{article_id}/posts", response_class=HTMLResponse)
def schedule_from_article(
    request: Request,
    article_id: int,
    account: str = Form(""),
    step: str = Form("announce"),
    when: str = Form("queue"),
    at: str = Form(""),
    text: str = Form(""),
    quote: int = Form(0),
    card: str = Form(""),
    viewer: Viewer = page_viewer("write"),
    session: Session = DATABASE,
) -> Response:
    """Schedule one post of the article: the step's template (or the editor's text) for the account,
    with the quote the editor picked and the card they chose."""
    article = _article(session, article_id)
    if article is None:
        return _no_article(request, viewer, article_id)
    picked = picked_quote(article, quote)
    sent = {"account": account, "step": step, "when": when, "at": at, "text": text, "card": card}
    try:
        with session.begin_nested():  # all of it or nothing, and the page shown again on the same transaction
            with about("account"):
                chosen = find_account(session, account or None)
            if step not in STEPS:
                raise FieldProblem("step", f"unknown step {step!r}: choose one of {', '.join(STEPS)}")
            if when == "at" and not at.strip():
                raise FieldProblem("at", f"give the time, as YYYY-MM-DD HH:MM in {chosen.timezone}")
            with about("at" if when == "at" else "when"):
                moment = (
                    When(at=at or None) if when == "at" else When(now=when == "now", queue=when == "queue")
                )
                due = due_time(session, moment, chosen, now=utcnow())
            with about("text" if text.strip() else "step", fields={"quote": "step"}):
                post = schedule_post(
                    session,
                    article,
                    chosen,
                    due_at=due,
                    templates_dir=request.app.state.settings.templates_dir,
                    step=step,
                    text=text.strip() or None,
                    quote=picked,
                    card=card or None,
                )
            for part in thread_of(session, post):
                part.created_by_id = viewer.id
    except FieldProblem as problem:
        refused = FormState.refused("schedule", sent, problem)
        return _show(request, session, viewer, article, picked=picked, form=refused, status_code=422)
    if when == "at" and (note := time_note(at, zone(chosen.timezone))):
        tell(request, said("The time: %(note)s.", note=note))
    return RedirectResponse(f"/posts/{post.id}", status_code=303)


@router.post("/articles/{article_id}/quotes/{quote_id}", response_class=HTMLResponse)
def edit_quote(
    request: Request,
    article_id: int,
    quote_id: int,
    text: str = Form(""),
    speaker: str = Form(""),
    viewer: Viewer = page_viewer("write"),
    session: Session = DATABASE,
) -> Response:
    """Fix a quote's words or speaker; the posts carrying it that are not out yet follow."""
    article = _article(session, article_id)
    if article is None:
        return _no_article(request, viewer, article_id)
    words, who = f"quote-text-{quote_id}", f"quote-speaker-{quote_id}"
    try:
        with session.begin_nested(), about(words, fields={"speaker": who}):
            quotes.edit_quote(
                session,
                article,
                quote_id,
                text=text,
                speaker=speaker,
                templates_dir=request.app.state.settings.templates_dir,
            )
    except FieldProblem as problem:
        session.expire_all()
        refused = FormState.refused(f"quote-{quote_id}", {words: text, who: speaker}, problem)
        return _show(request, session, viewer, article, quote_form=(quote_id, refused), status_code=422)
    return RedirectResponse(f"/articles/{article_id}?quote={quote_id}#quotes-heading", status_code=303)


@router.post("/count")
def count_text(
    text: str = Form(""),
    account: str = Form(""),
    viewer: Viewer = page_viewer("view"),
    session: Session = DATABASE,
) -> JSONResponse:
    """The live counter's question: how long the text is as the account's network counts it."""
    try:
        chosen = find_account(session, account or None)
    except NewsroomError as error:
        return JSONResponse({"error": str(error)}, status_code=404)
    max_characters = chosen.options.get("max_characters")
    parts = split_thread(text[:MAX_COUNTED])
    counted = [length.count(chosen.network, part, max_characters=max_characters) for part in parts or [""]]
    return JSONResponse(
        {
            "network": chosen.network,
            "parts": [{"length": c.length, "limit": c.limit, "fits": c.fits} for c in counted],
        }
    )
