"""Card images for the pages: the card an article would carry on an account (rendered on demand by
the web process's own Chromium, then read from the card store), and the card a post carries."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, PlainTextResponse, Response
from sqlalchemy.orm import Session

from scheduler import db
from scheduler.models import Article, Post, Quote
from scheduler.newsroom import NewsroomError
from scheduler.newsroom.accounts import find_account
from scheduler.publishing import post_cards
from scheduler.render import RenderError
from scheduler.render.browser import CardRenderer, ChromiumMissing
from scheduler.render.card_store import CardStore, StoredCard, render_card
from scheduler.render.cards import CardPage, card_template_names
from scheduler.web.auth import DATABASE, Viewer, page_viewer

router = APIRouter(include_in_schema=False)

RENDER_TIMEOUT_SECONDS = 60
CACHE = {"cache-control": "private, max-age=300"}


class CardPreviews:
    """The web app's card renderer: one warm Chromium, started at the first card a page asks for.

    Playwright's sync API belongs to the thread that started it, and the app serves pages from a pool
    of threads: every render (and the close) runs on this one thread of its own.
    """

    def __init__(self, media_dir: Path, chromium: Path | None) -> None:
        self._store = CardStore(media_dir)
        self._renderer = CardRenderer(chromium)
        self._thread: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def render(self, page: CardPage) -> StoredCard:
        """The card's PNG, from the store when it was drawn before (by a worker or a page)."""
        with self._lock:
            if self._thread is None:
                self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="card-previews")
            running = self._thread.submit(render_card, self._renderer, self._store, page)
        return running.result(timeout=RENDER_TIMEOUT_SECONDS)

    def close(self) -> None:
        """Close Chromium and the thread (the app's shutdown); a later render starts them again."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.submit(self._renderer.close).result(timeout=RENDER_TIMEOUT_SECONDS)
            thread.shutdown()


def _problem(status: int, message: str) -> Response:
    return PlainTextResponse(message, status_code=status)


@router.get("/articles/{article_id}/card.png")
def article_card(
    request: Request,
    article_id: int,
    account: str = "",
    template: str = "quote",
    quote: int = 0,
    viewer: Viewer = page_viewer("view"),
    session: Session = DATABASE,
) -> Response:
    """The card the article would carry on the account, with the quote picked (else the best)."""
    settings = request.app.state.settings
    article = session.get(Article, article_id) if 0 < article_id < 2**31 else None
    if article is None:
        return _problem(404, f"There is no article {article_id}.")
    known = card_template_names(settings.templates_dir)
    if template not in known:
        return _problem(422, f"no card template {template!r}: use one of {', '.join(known)}")
    picked = session.get(Quote, quote) if 0 < quote < 2**31 else None
    if picked is not None and picked.article_id != article.id:
        picked = None
    try:
        chosen = find_account(session, account or None)
        card = post_cards.article_card(settings.templates_dir, article, chosen, template, picked)
        db.read_only_from_here(session)  # Chromium draws it with no transaction open
        stored = request.app.state.card_previews.render(card.page)
    except ChromiumMissing as error:
        return _problem(503, f"cards cannot be drawn here: {error}")
    except (RenderError, NewsroomError, ValueError) as error:
        return _problem(422, str(error))
    return FileResponse(stored.path, media_type="image/png", headers=CACHE)


@router.get("/posts/{post_id}/card.png")
def post_card(
    request: Request, post_id: int, viewer: Viewer = page_viewer("view"), session: Session = DATABASE
) -> Response:
    """The card attached to the post (its first part's), once the cards worker has made it."""
    post = session.get(Post, post_id) if 0 < post_id < 2**31 else None
    if post is None:
        return _problem(404, f"There is no post {post_id}.")
    media_root = request.app.state.settings.resolved_media_dir.resolve()
    for entry in post.media or []:
        path = Path(str(entry.get("path", ""))).resolve()
        # Only files of the card store: the path is ours, but a row is no reason to serve any file.
        if path.is_relative_to(media_root) and path.suffix == ".png" and path.is_file():
            return FileResponse(path, media_type="image/png", headers=CACHE)
    state = post.card_state or "none"
    return _problem(404, f"Post {post_id} has no card yet (card: {state}).")
