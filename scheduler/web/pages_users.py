"""The users page (admins): who may sign in and with which role; adding a user, changing a role, a new
password, disabling and enabling, and API tokens (shown once when made, revoked by label)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from scheduler import users
from scheduler.models import Role, User
from scheduler.users import UserError
from scheduler.web.auth import DATABASE, Viewer, csrf_protect, page_viewer
from scheduler.web.pages import not_found, page

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])


def _show(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    notice: str | None = None,
    error: str | None = None,
    new_token: str | None = None,
    status_code: int = 200,
) -> Response:
    return page(
        request,
        "users.html",
        viewer,
        status_code=status_code,
        users=users.list_users(session),
        roles=[role.value for role in Role],
        notice=notice,
        error=error,
        new_token=new_token,
    )


def _user(session: Session, name: str) -> User | None:
    try:
        return users.find_user(session, name)
    except UserError:
        return None


def _no_user(request: Request, viewer: Viewer, name: str) -> Response:
    return not_found(request, viewer, "user", f"There is no user {name!r}.")


@router.get("/users", response_class=HTMLResponse)
def users_page(
    request: Request, viewer: Viewer = page_viewer("admin"), session: Session = DATABASE
) -> Response:
    return _show(request, session, viewer)


@router.post("/users", response_class=HTMLResponse)
def add_user(
    request: Request,
    name: str = Form(""),
    role: str = Form(""),
    password: str = Form(""),
    viewer: Viewer = page_viewer("admin"),
    session: Session = DATABASE,
) -> Response:
    try:
        with session.begin_nested():
            added = users.add_user(session, name, users.parse_role(role), password)
    except UserError as error:
        return _show(request, session, viewer, error=f"Not added: {error}", status_code=422)
    return _show(request, session, viewer, notice=f"Added {added.name} ({added.role}); they can sign in now.")


@router.post("/users/{name}/role", response_class=HTMLResponse)
def change_role(
    request: Request,
    name: str,
    role: str = Form(""),
    viewer: Viewer = page_viewer("admin"),
    session: Session = DATABASE,
) -> Response:
    user = _user(session, name)
    if user is None:
        return _no_user(request, viewer, name)
    try:
        users.set_role(session, user, users.parse_role(role))
    except UserError as error:
        return _show(request, session, viewer, error=f"Not changed: {error}", status_code=422)
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{name}/password", response_class=HTMLResponse)
def new_password(
    request: Request,
    name: str,
    password: str = Form(""),
    viewer: Viewer = page_viewer("admin"),
    session: Session = DATABASE,
) -> Response:
    user = _user(session, name)
    if user is None:
        return _no_user(request, viewer, name)
    try:
        users.set_password(session, user, password)
    except UserError as error:
        return _show(request, session, viewer, error=f"Not changed: {error}", status_code=422)
    return _show(request, session, viewer, notice=f"{user.name} has a new password; their sessions ended.")


@router.post("/users/{name}/disable", response_class=HTMLResponse)
def disable(
    request: Request, name: str, viewer: Viewer = page_viewer("admin"), session: Session = DATABASE
) -> Response:
    return _set_disabled(request, session, viewer, name, True)


@router.post("/users/{name}/enable", response_class=HTMLResponse)
def enable(
    request: Request, name: str, viewer: Viewer = page_viewer("admin"), session: Session = DATABASE
) -> Response:
    return _set_disabled(request, session, viewer, name, False)


def _set_disabled(request: Request, session: Session, viewer: Viewer, name: str, disabled: bool) -> Response:
    user = _user(session, name)
    if user is None:
        return _no_user(request, viewer, name)
    try:
        users.set_disabled(session, user, disabled)
    except UserError as error:
        return _show(request, session, viewer, error=f"Not changed: {error}", status_code=422)
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{name}/tokens", response_class=HTMLResponse)
def make_token(
    request: Request,
    name: str,
    label: str = Form(""),
    viewer: Viewer = page_viewer("admin"),
    session: Session = DATABASE,
) -> Response:
    """A new API token, shown on this page once: only its digest is kept."""
    user = _user(session, name)
    if user is None:
        return _no_user(request, viewer, name)
    try:
        with session.begin_nested():
            token = users.create_token(session, user, label)
    except UserError as error:
        return _show(request, session, viewer, error=f"No token made: {error}", status_code=422)
    response = _show(
        request,
        session,
        viewer,
        new_token=token,
        notice=f"A token for {user.name} labelled {label.strip()!r}: copy it now, it is not shown again.",
    )
    response.headers["cache-control"] = "no-store"
    return response


@router.post("/users/{name}/tokens/revoke", response_class=HTMLResponse)
def revoke_token(
    request: Request,
    name: str,
    label: str = Form(""),
    viewer: Viewer = page_viewer("admin"),
    session: Session = DATABASE,
) -> Response:
    user = _user(session, name)
    if user is None:
        return _no_user(request, viewer, name)
    try:
        count = users.revoke_token(session, user, label)
    except UserError as error:
        return _show(request, session, viewer, error=f"Not revoked: {error}", status_code=422)
    return _show(
        request, session, viewer, notice=f"Revoked {count} token(s) of {user.name} labelled {label!r}."
    )
