"""The article pages: the list (add by URL, paste or upload; search), and an article with its quotes, the
post each account would get for each step (counted against its network's limit), and its posts."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from scheduler import newsroom
from scheduler.articles import ArticleError
from scheduler.articles.fetch import FetchPolicy
from scheduler.articles.sources import read_page, read_pasted
from scheduler.models import Account, Article, Quote, utcnow
from scheduler.newsroom import NewsroomError, When
from scheduler.render import RenderError
from scheduler.render.posts import STEPS, RenderedPost
from scheduler.web.auth import DATABASE, Viewer, csrf_protect, page_viewer
from scheduler.web.pages import not_found, page

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

PAGE_SIZE = 50


@router.get("/articles", response_class=HTMLResponse)
def articles(
    request: Request,
    q: str = "",
    offset: int = 0,
    viewer: Viewer = page_viewer("view"),
    session: Session = DATABASE,
) -> Response:
    found, total = newsroom.list_articles(session, search=q[:200], limit=PAGE_SIZE, offset=max(offset, 0))
    return page(request, "articles.html", viewer, articles=found, total=total, q=q, offset=offset, error=None)


@router.post("/articles", response_class=HTMLResponse)
async def add_article(
    request: Request,
    url: str = Form(""),
    text: str = Form(""),
    upload: UploadFile | None = None,
    viewer: Viewer = page_viewer("write"),
    session: Session = DATABASE,
) -> Response:
    """Read the article from its URL, the pasted text or the uploaded file, store it, and open its page."""
    settings = request.app.state.settings
    try:
        if upload is not None and upload.filename:
            data = await upload.read(settings.max_article_bytes + 1)
            parsed = read_pasted(data.decode("utf-8", errors="replace"), max_bytes=settings.max_article_bytes)
        elif url.strip():
            parsed = read_page(url.strip(), policy=FetchPolicy.from_settings(settings))
        elif text.strip():
            parsed = read_pasted(text, max_bytes=settings.max_article_bytes)
        else:
            raise ArticleError("give the article's web address, paste its text, or choose a file")
    except ArticleError as error:
        found, total = newsroom.list_articles(session, limit=PAGE_SIZE)
        return page(
            request,
            "articles.html",
            viewer,
            status_code=422,
            articles=found,
            total=total,
            q="",
            offset=0,
            error=str(error),
        )
    article = newsroom.store_article(session, parsed, source="web")
    return RedirectResponse(f"/articles/{article.id}", status_code=303)


@dataclass(frozen=True)
class Preview:
    """The post one account would get for one step, or why it cannot be made."""

    account: Account
    step: str
    quote: Quote | None
    rendered: RenderedPost | None
    problem: str | None


def previews(request: Request, session: Session, article: Article) -> list[Preview]:
    templates_dir = request.app.state.settings.templates_dir
    made = []
    for account in newsroom.list_accounts(session):
        for step in STEPS:
            quote = newsroom.choose_quote(session, article, account) if step == "quote" else None
            try:
                if step == "quote" and quote is None:
                    raise NewsroomError("no pull quote with a known speaker for this article")
                rendered = newsroom.render_for(templates_dir, article, account, step, quote)
                made.append(Preview(account, step, quote, rendered, None))
            except (RenderError, NewsroomError) as error:
                made.append(Preview(account, step, quote, None, str(error)))
    return made


def _article(session: Session, article_id: int) -> Article | None:
    return session.get(Article, article_id) if 0 < article_id < 2**31 else None


def _no_article(request: Request, viewer: Viewer, article_id: int) -> Response:
    return not_found(request, viewer, "article", f"There is no article {article_id}.")


def _show(
    request: Request,
    session: Session,
    viewer: Viewer,
    article: Article,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    """The article's page, with `error` above it when a form of it was refused."""
    posts, _ = newsroom.list_article_posts(session, article.id)
    return page(
        request,
        "article.html",
        viewer,
        status_code=status_code,
        article=article,
        previews=previews(request, session, article),
        posts=posts,
        accounts=newsroom.list_accounts(session),
        steps=STEPS,
        error=error,
    )


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(
    request: Request, article_id: int, viewer: Viewer = page_viewer("view"), session: Session = DATABASE
) -> Response:
    article = _article(session, article_id)
    if article is None:
        return _no_article(request, viewer, article_id)
    return _show(request, session, viewer, article)


@router.post("/articles/{article_id}/posts", response_class=HTMLResponse)
def schedule_from_article(
    request: Request,
    article_id: int,
    account: str = Form(""),
    step: str = Form("announce"),
    when: str = Form("queue"),
    at: str = Form(""),
    text: str = Form(""),
    viewer: Viewer = page_viewer("write"),
    session: Session = DATABASE,
) -> Response:
    """Schedule one post of the article: the step's template (or the editor's text) for the account."""
    article = _article(session, article_id)
    if article is None:
        return _no_article(request, viewer, article_id)
    try:
        with session.begin_nested():  # all of it or nothing, and the page shown again on the same transaction
            chosen = newsroom.find_account(session, account or None)
            if step not in STEPS:
                raise NewsroomError(f"unknown step {step!r}: choose one of {', '.join(STEPS)}")
            moment = When(at=at or None) if when == "at" else When(now=when == "now", queue=when == "queue")
            due = newsroom.due_time(session, moment, chosen, now=utcnow())
            post = newsroom.schedule_post(
                session,
                article,
                chosen,
                due_at=due,
                templates_dir=request.app.state.settings.templates_dir,
                step=step,
                text=text.strip() or None,
            )
            post.created_by_id = viewer.id
    except (NewsroomError, RenderError) as error:
        return _show(request, session, viewer, article, error=str(error), status_code=422)
    return RedirectResponse(f"/posts/{post.id}", status_code=303)
