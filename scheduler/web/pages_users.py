"""The users page (admins): who may sign in and with which role; adding a user, changing a role, a new
password, disabling and enabling, and API tokens (shown once when made, revoked by label)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from scheduler.models import Role, User
from scheduler.newsroom import users
from scheduler.newsroom.users import UserError
from scheduler.web.auth import DATABASE, Viewer, csrf_protect, page_viewer
from scheduler.web.confirm import Undo
from scheduler.web.forms import FieldProblem, FormState, about
from scheduler.web.i18n import said
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
    form: FormState | None = None,
    undo: Undo | None = None,
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
        form=form or FormState("add-user"),
        undo=undo,
    )


def _user(session: Session, name: str) -> User | None:
    try:
        return users.find_user(session, name)
    except UserError:
        return None


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
        with session.begin_nested(), about("name"):
            added = users.add_user(session, name, users.parse_role(role), password)
    except FieldProblem as problem:
        # The password is never sent back: the browser asks for it again.
        refused = FormState.refused("add-user", {"name": name, "role": role}, problem)
        return _show(request, session, viewer, form=refused, status_code=422)
    return _show(request, session, viewer, notice=f"Added {added.name} ({added.role}); they can sign in now.")


@dataclass(frozen=True)
class Done:
    notice: str
    new_token: str | None = None  # shown once
    undo: Undo | None = None


def _on_user(
    request: Request,
    session: Session,
    viewer: Viewer,
    name: str,
    act: Callable[[User], Done | None],
    *,
    field: str | None = None,
    sent: str = "",
) -> Response:
    """Do `act` to the named user, all of it or none: the users page with its notice (or, when it
    has none, a fresh users page), or with why it was not done: beside the row's `field` (with what
    was `sent` in it) when the act came from one."""
    user = _user(session, name)
    if user is None:
        return not_found(request, viewer, "user", repr(name))
    try:
        with session.begin_nested():
            done = act(user)
    except UserError as error:
        session.expire_all()
        if field is None:
            return _show(request, session, viewer, error=f"Not done: {error}", status_code=422)
        where = f"{field}-{user.id}"
        refused = FormState(f"user-{user.id}", {where: sent}, {where: f"Not done: {error}"})
        return _show(request, session, viewer, form=refused, status_code=422)
    if done is None:
        return RedirectResponse("/users", status_code=303)
    return _show(request, session, viewer, notice=done.notice, new_token=done.new_token, undo=done.undo)


@router.post("/users/{name}/role", response_class=HTMLResponse)
def change_role(
    request: Request,
    name: str,
    role: str = Form(""),
    viewer: Viewer = page_viewer("admin"),
    session: Session = DATABASE,
) -> Response:
    return _on_user(
        request,
        session,
        viewer,
        name,
        lambda user: users.set_role(session, user, users.parse_role(role)),
        field="role",
        sent=role,
    )


@router.post("/users/{name}/password", response_class=HTMLResponse)
def new_password(
    request: Request,
    name: str,
    password: str = Form(""),
    viewer: Viewer = page_viewer("admin"),
    session: Session = DATABASE,
) -> Response:
    def act(user: User) -> Done:
        users.set_password(session, user, password)
        return Done(f"{user.name} has a new password; their sessions ended.")

    return _on_user(request, session, viewer, name, act, field="password")  # never sent back


@router.post("/users/{name}/disable", response_class=HTMLResponse)
def disable(
    request: Request, name: str, viewer: Viewer = page_viewer("admin"), session: Session = DATABASE
) -> Response:
    def act(user: User) -> Done:
        users.set_disabled(session, user, True)
        undo = Undo(f"/users/{user.name}/enable", said("Undo: enable %(name)s again", name=user.name))
        return Done(f"{user.name} is disabled: they cannot sign in, and their sessions ended.", undo=undo)

    return _on_user(request, session, viewer, name, act)


@router.post("/users/{name}/enable", response_class=HTMLResponse)
def enable(
    request: Request, name: str, viewer: Viewer = page_viewer("admin"), session: Session = DATABASE
) -> Response:
    return _on_user(request, session, viewer, name, lambda user: users.set_disabled(session, user, False))


@router.post("/users/{name}/unlock", response_class=HTMLResponse)
def unlock(
    request: Request, name: str, viewer: Viewer = page_viewer("admin"), session: Session = DATABASE
) -> Response:
    def act(user: User) -> Done:
        count = users.unlock(session, user)
        return Done(f"{user.name} may sign in again: {count} failed sign-in(s) forgotten.")

    return _on_user(request, session, viewer, name, act)


@router.post("/users/{name}/tokens", response_class=HTMLResponse)
def make_token(
    request: Request,
    name: str,
    label: str = Form(""),
    viewer: Viewer = page_viewer("admin"),
    session: Session = DATABASE,
) -> Response:
    """A new API token, shown on this page once: only its digest is kept."""

    def act(user: User) -> Done:
        token = users.create_token(session, user, label)
        notice = f"A token for {user.name} labelled {label.strip()!r}: copy it now, it is not shown again."
        return Done(notice, new_token=token)

    response = _on_user(request, session, viewer, name, act, field="label", sent=label)
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
    def act(user: User) -> Done:
        count = users.revoke_token(session, user, label)
        return Done(f"Revoked {count} token(s) of {user.name} labelled {label!r}.")

    return _on_user(request, session, viewer, name, act)
