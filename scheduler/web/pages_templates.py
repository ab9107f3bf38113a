"""The templates pages (admins): every post and card template, and editing one with a preview against a
chosen article. An edit is kept only when every template renders with it, in the same sandbox as the
rest; until then the page shows the problems, with file and line."""

from __future__ import annotations

import base64

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from scheduler import db
from scheduler.models import Article
from scheduler.newsroom.articles import article_view, list_articles
from scheduler.render import RenderError
from scheduler.render.browser import ChromiumMissing
from scheduler.render.template_files import (
    TemplateFileError,
    Tried,
    check_path,
    editable_templates,
    read_template,
    save_template,
    try_template,
)
from scheduler.render.text import ArticleView
from scheduler.web.auth import DATABASE, Viewer, csrf_protect, page_viewer
from scheduler.web.i18n import said
from scheduler.web.pages import page

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

# An article to try templates on before the newsroom has added any.
SAMPLE_ARTICLE = ArticleView(
    title="A sample headline for trying templates",
    url="https://news.example.com/sample",
    author="A. Reporter",
    summary="A sample summary: add an article to try templates on real text.",
    site="Example News",
)


@router.get("/templates", response_class=HTMLResponse)
def templates_list(request: Request, viewer: Viewer = page_viewer("admin")) -> Response:
    templates_dir = request.app.state.settings.templates_dir
    return page(
        request,
        "templates.html",
        viewer,
        names=editable_templates(templates_dir),
        templates_dir=templates_dir,
    )


def _article_for(session: Session, article_id: int) -> tuple[ArticleView, Article | None]:
    article = session.get(Article, article_id) if 0 < article_id < 2**31 else None
    if article is None:
        found, _ = list_articles(session, limit=1)
        article = found[0] if found else None
    return (article_view(article), article) if article is not None else (SAMPLE_ARTICLE, None)


def _editor(
    request: Request,
    session: Session,
    viewer: Viewer,
    name: str,
    text: str,
    article_id: int,
    *,
    tried: Tried | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    """The editor with what the text makes for the article (`tried`, when the caller tried it already)."""
    view, article = _article_for(session, article_id)
    articles, _ = list_articles(session, limit=50)
    db.read_only_from_here(session)  # the render (and Chromium's) holds no transaction open
    card_png: str | None = None
    try:
        tried = tried or try_template(request.app.state.settings.templates_dir, name, text, view)
        if tried.card is not None:
            stored = request.app.state.card_previews.render(tried.card)
            card_png = "data:image/png;base64," + base64.b64encode(stored.path.read_bytes()).decode()
    except TemplateFileError as problem:
        error = error or str(problem)
    except ChromiumMissing as problem:
        error = error or f"the card cannot be drawn here: {problem}"
    except RenderError as problem:
        error = error or str(problem)
    return page(
        request,
        "template.html",
        viewer,
        status_code=status_code,
        name=name,
        text=text,
        tried=tried,
        card_png=card_png,
        article=article,
        articles=articles,
        error=error,
    )


@router.get("/templates/edit", response_class=HTMLResponse)
def edit(
    request: Request,
    name: str = "",
    article: int = 0,
    viewer: Viewer = page_viewer("admin"),
    session: Session = DATABASE,
) -> Response:
    """The template's text with what it makes for the chosen article (a new file starts empty)."""
    try:
        text = read_template(request.app.state.settings.templates_dir, check_path(name)) or ""
    except TemplateFileError as error:
        return page(
            request, "error.html", viewer, status_code=404, title=said("No such template"), message=str(error)
        )
    return _editor(request, session, viewer, name, text, article)


@router.post("/templates/edit", response_class=HTMLResponse)
def save(
    request: Request,
    name: str = Form(""),
    text: str = Form(""),
    article: int = Form(0),
    action: str = Form("preview"),
    viewer: Viewer = page_viewer("admin"),
    session: Session = DATABASE,
) -> Response:
    """Preview the edit, or keep it when every template still renders with it."""
    templates_dir = request.app.state.settings.templates_dir
    text = text.replace("\r\n", "\n")
    try:
        check_path(name)
        if action != "save":
            return _editor(request, session, viewer, name, text, article)
        view = _article_for(session, article)[0]
        db.read_only_from_here(session)  # every template is rendered with the edit: no lock held
        tried = try_template(templates_dir, name, text, view)
        if not tried.ok:
            return _editor(
                request,
                session,
                viewer,
                name,
                text,
                article,
                tried=tried,
                status_code=422,
                error="Not saved: fix the problems below first.",
            )
        save_template(templates_dir, name, text)
    except TemplateFileError as error:
        return _editor(
            request, session, viewer, name, text, article, error=f"Not saved: {error}", status_code=422
        )
    except OSError as error:
        return _editor(
            request,
            session,
            viewer,
            name,
            text,
            article,
            status_code=500,
            error=f"Not saved: the templates folder cannot be written ({error.strerror})",
        )
    return RedirectResponse(f"/templates/edit?name={name}&article={article}&saved=1", status_code=303)
