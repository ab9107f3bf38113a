"""The web app: the editors' pages and the JSON API, in one FastAPI application (`scheduler web`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware

from scheduler import db
from scheduler.config import Settings, get_settings
from scheduler.newsroom import users
from scheduler.web import (
    api,
    api_article_desk,
    api_articles,
    api_bulk,
    api_calendar,
    api_campaigns,
    api_compose,
    api_feeds,
    api_imports,
    api_posts,
    api_queue,
    api_review,
    pages,
    pages_accounts,
    pages_agenda,
    pages_article_desk,
    pages_articles,
    pages_bulk,
    pages_calendar,
    pages_campaigns,
    pages_cards,
    pages_composer,
    pages_evergreen,
    pages_feeds,
    pages_import,
    pages_posts,
    pages_profile,
    pages_queue,
    pages_review,
    pages_templates,
    pages_users,
)
from scheduler.web.auth import (
    SESSION_COOKIE,
    CsrfRefused,
    NotAllowed,
    SignInNeeded,
    WebConfigError,
    session_key,
)
from scheduler.web.headers import SecurityHeaders
from scheduler.web.i18n import said
from scheduler.web.limits import RequestLimits
from scheduler.web.problems import safe_problems

__all__ = ["WebConfigError", "create_app"]

STATIC = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None, *, database_url: str | None = None) -> FastAPI:
    """The app on the configured database (or `database_url`); WebConfigError when a setting is missing."""
    settings = settings or get_settings()
    key = session_key(settings)
    previews = pages_cards.CardPreviews(settings.resolved_media_dir, settings.chromium_path)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await run_in_threadpool(previews.close)

    app = FastAPI(
        lifespan=lifespan,
        title="Article promotion scheduler",
        summary="Articles in, posts out: the editors' API.",
        version="1",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # Swagger's pages load their scripts from a CDN; the description is what matters
        redoc_url=None,
    )
    app.state.database_url = database_url or settings.resolved_database_url
    app.state.settings = settings
    app.state.card_previews = previews
    app.add_middleware(
        SessionMiddleware,
        secret_key=key,
        session_cookie=SESSION_COOKIE,
        max_age=int(settings.web_session_hours * 3600),
        same_site="lax",
        https_only=settings.web_secure_cookies,
    )
    app.add_middleware(SecurityHeaders)

    def token_valid(token: str) -> bool:
        with db.session_scope(app.state.database_url) as session:
            return users.token_is_valid(session, token)

    # Outermost: a request over the cap or without a token costs nothing behind it.
    app.add_middleware(RequestLimits, max_bytes=settings.max_request_bytes, token_valid=token_valid)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(pages.router)
    app.include_router(pages_articles.router)
    app.include_router(pages_article_desk.router)
    app.include_router(pages_composer.router)
    app.include_router(pages_feeds.router)
    app.include_router(pages_import.router)
    app.include_router(pages_bulk.router)
    app.include_router(pages_posts.router)
    app.include_router(pages_review.router)
    app.include_router(pages_calendar.router)
    app.include_router(pages_agenda.router)
    app.include_router(pages_queue.router)
    app.include_router(pages_cards.router)
    app.include_router(pages_accounts.router)
    app.include_router(pages_templates.router)
    app.include_router(pages_campaigns.router)
    app.include_router(pages_evergreen.router)
    app.include_router(pages_users.router)
    app.include_router(pages_profile.router)
    app.include_router(api.router)
    app.include_router(api_bulk.router)
    app.include_router(api_posts.router)
    app.include_router(api_review.router)
    app.include_router(api_articles.router)
    app.include_router(api_calendar.router)
    app.include_router(api_article_desk.router)
    app.include_router(api_campaigns.router)
    app.include_router(api_feeds.router)
    app.include_router(api_imports.router)
    app.include_router(api_queue.router)
    app.include_router(api_compose.router)

    @app.exception_handler(SignInNeeded)
    def _sign_in_first(request: Request, _: SignInNeeded) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?next={quote(target)}", status_code=303)

    @app.exception_handler(NotAllowed)
    def _not_allowed(request: Request, refused: NotAllowed) -> Response:
        return pages.page(
            request,
            "error.html",
            refused.viewer,
            status_code=403,
            title=said("Not for your role"),
            message=said(
                "Signed in as %(name)s (%(role)s), you cannot open this page: ask an admin if you need to.",
                name=refused.viewer.name,
                role=refused.viewer.role,
            ),
        )

    @app.exception_handler(RequestValidationError)
    async def _not_readable(request: Request, error: RequestValidationError) -> Response:
        problems = safe_problems(error.errors())
        if request.url.path.startswith("/api/"):  # the API answers in JSON, as its description says
            return JSONResponse({"detail": problems}, status_code=422)
        where = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'][1:]) or 'the request'}: {problem['msg']}"
            for problem in problems[:3]
        )
        return pages.page(
            request,
            "error.html",
            None,
            status_code=422,
            title=said("That address or form is not right"),
            message=said("%(where)s. Go back and try again, or start from the dashboard.", where=where),
        )

    @app.exception_handler(CsrfRefused)
    def _csrf_refused(request: Request, _: CsrfRefused) -> Response:
        return pages.page(
            request,
            "error.html",
            None,
            status_code=403,
            title=said("The form was out of date"),
            message=said(
                "The form did not come from this site or is older than your session: reload the page "
                "and send it again."
            ),
        )

    return app
