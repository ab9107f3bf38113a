"""Who is asking, and may they: the signed session cookie of the pages, the bearer token of the API,
the role each route names (scheduler.users.ALLOWED), and the CSRF token every form carries."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from scheduler import db
from scheduler.config import Settings
from scheduler.models import ApiToken, User
from scheduler.networks.vault import GENERATE_COMMAND
from scheduler.newsroom import history, users

SESSION_COOKIE = "scheduler_session"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class WebConfigError(ValueError):
    """The web app cannot start as configured; the message says what to set."""


def session_key(settings: Settings) -> str:
    """The key that signs session cookies: made from SCHEDULER_SECRET_KEY's first key, so that there
    is one secret to keep (changing that key signs everyone out)."""
    keys = settings.secret_key.get_secret_value() if settings.secret_key else ""
    first = keys.split(",")[0].strip()
    if not first:
        raise WebConfigError(
            "SCHEDULER_SECRET_KEY is not set: the web app signs its sessions with it (and account secrets "
            f"are encrypted with it); generate one with `{GENERATE_COMMAND}` and set it for every process"
        )
    return hmac.new(first.encode(), b"scheduler web sessions", hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Viewer:
    """The signed-in user, as routes see them (no ORM object outlives the request's transaction)."""

    id: int
    name: str
    role: str
    language: str | None = None  # the pages' language of their choice (None: as the browser asks)

    def may(self, action: str) -> bool:
        return users.may(self.role, action)


class SignInNeeded(Exception):
    """No valid session: the page sends the browser to sign in."""


class NotAllowed(Exception):
    """The viewer's role does not allow the route's action."""

    def __init__(self, viewer: Viewer, action: str) -> None:
        super().__init__(viewer, action)
        self.viewer, self.action = viewer, action


class CsrfRefused(Exception):
    """A form without the session's CSRF token."""


def database(request: Request) -> Iterator[Session]:
    """The request's transaction: committed when the route returns, rolled back when it raises.

    A GET only reads: its transaction takes no write lock, so no page holds up a worker's writes.
    """
    with db.session_scope(request.app.state.database_url, read_only=reads_only(request)) as session:
        yield session


# The request's transaction as a route's dependency: it ends (commits) before the response is sent, so
# that a response never reports a change that then failed to commit.
DATABASE = Depends(database, scope="function")


def reads_only(request: Request) -> bool:
    return request.method in SAFE_METHODS


def note_token_use(request: Request, session: Session, token: ApiToken) -> None:
    """Note the token's use: in the request's transaction, or, when that only reads, in one of its own
    (on SQLite the request's own would wait for the write lock it does not take)."""
    if not users.token_use_is_stale(token):
        return
    if not reads_only(request):
        users.note_token_use(token)
        return
    with db.session_scope(request.app.state.database_url) as writer:
        found = writer.get(ApiToken, token.id)
        if found is not None:
            users.note_token_use(found)


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made when the session has none yet."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


async def csrf_protect(request: Request) -> None:
    """Every request that changes something carries the session's token in its form."""
    if request.method in SAFE_METHODS:
        return
    form = await request.form()
    sent, expected = form.get(CSRF_FIELD), request.session.get("csrf")
    if not isinstance(sent, str) or not isinstance(expected, str) or not hmac.compare_digest(sent, expected):
        raise CsrfRefused()


def start_session(request: Request, user: User) -> None:
    """A new session for the user (a new CSRF token too: nothing of the session before carries over)."""
    request.session.clear()
    request.session.update(uid=user.id, ver=user.session_version, csrf=secrets.token_urlsafe(32))


def signed_in(request: Request, session: Session) -> Viewer | None:
    uid, version = request.session.get("uid"), request.session.get("ver")
    if not isinstance(uid, int) or not isinstance(version, int):
        return None
    user = session.get(User, uid)
    if user is None or user.disabled_at is not None or user.session_version != version:
        return None
    return Viewer(user.id, user.name, user.role, user.language)


def page_viewer(action: str) -> Any:
    """A page's dependency (`viewer: Viewer = page_viewer("view")`): the signed-in user when their role
    allows `action`."""
    if action not in users.ALLOWED:
        raise ValueError(f"unknown action {action!r}")

    def dependency(request: Request, session: Session = DATABASE) -> Viewer:
        viewer = signed_in(request, session)
        if viewer is None:
            raise SignInNeeded()
        if not viewer.may(action):
            raise NotAllowed(viewer, action)
        request.state.viewer = viewer
        history.act_as(session, viewer.id)
        return viewer

    dependency.action = action  # type: ignore[attr-defined]  # read by the route-coverage test
    return Depends(dependency)


_bearer = HTTPBearer(
    auto_error=False, description="a personal API token: `scheduler users token NAME --label L`"
)
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def api_viewer(action: str) -> Any:
    """An API route's dependency (`viewer: Viewer = api_viewer("view")`): the token's user when their
    role allows `action`."""
    if action not in users.ALLOWED:
        raise ValueError(f"unknown action {action!r}")

    def dependency(
        request: Request,
        credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
        session: Session = DATABASE,
    ) -> Viewer:
        if credentials is None:
            raise HTTPException(
                401,
                "send a personal API token as `Authorization: Bearer <token>` "
                "(`scheduler users token NAME --label L` makes one)",
                headers=_CHALLENGE,
            )
        token = users.live_token(session, credentials.credentials)
        if token is None:
            raise HTTPException(401, "this API token is unknown or revoked", headers=_CHALLENGE)
        note_token_use(request, session, token)
        user = token.user
        viewer = Viewer(user.id, user.name, user.role, user.language)
        if not viewer.may(action):
            raise HTTPException(403, f"the {viewer.role} role may not do this (it needs {action!r})")
        history.act_as(session, viewer.id)
        return viewer

    dependency.action = action  # type: ignore[attr-defined]
    return Depends(dependency)
