"""An account's queue: the ordered list of what it posts next, put in another order by dragging a post
(with JavaScript) or with each post's Up and Down buttons (the keyboard's way, and the way without
JavaScript). The times stay; the posts take them in the new order (newsroom.queue), undoable."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from scheduler.models import Account, utcnow
from scheduler.newsroom import NewsroomError, queue, users
from scheduler.newsroom.accounts import find_account
from scheduler.planning.wallclock import format_local, zone
from scheduler.web.auth import DATABASE, Viewer, csrf_protect, page_viewer
from scheduler.web.confirm import Undo
from scheduler.web.i18n import said
from scheduler.web.pages import not_found, page, tell, told_of
from scheduler.web.words import page_words
from scheduler.wording import worded

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])


def _account(session: Session, name: str) -> Account | None:
    try:
        return find_account(session, name)
    except NewsroomError:
        return None


def _path(account: Account) -> str:
    return f"/accounts/{account.name}/queue"


@router.get("/accounts/{name}/queue", response_class=HTMLResponse)
def queue_page(
    request: Request, name: str, viewer: Viewer = page_viewer("view"), session: Session = DATABASE
) -> Response:
    account = _account(session, name)
    if account is None:
        return not_found(request, viewer, "account", repr(name))
    return _show(request, session, viewer, account)


def _show(
    request: Request, session: Session, viewer: Viewer, account: Account, *, refused: str | None = None
) -> Response:
    entries = queue.queue_of(session, account, now=utcnow())
    undo = request.session.pop("queue_undo", None)
    return page(
        request,
        "queue.html",
        viewer,
        status_code=422 if refused else 200,
        account=account,
        entries=entries,
        told=told_of(request),
        refused=refused,
        undo=Undo(_path(account), said("Undo the new order"), {"order": undo})
        if undo and not refused
        else None,
        may_reorder=viewer.may("write"),
        may_move=lambda post: users.may_change(viewer.role, viewer.id, post.created_by_id),
    )


@router.post("/accounts/{name}/queue", response_class=HTMLResponse)
def reorder(
    request: Request,
    name: str,
    order: str = Form("", max_length=20_000),
    viewer: Viewer = page_viewer("write"),
    session: Session = DATABASE,
) -> Response:
    """Put the posts named in `order` (ids, comma-separated, first to go first) in that order."""
    account = _account(session, name)
    if account is None:
        return not_found(request, viewer, "account", repr(name))
    try:
        ids = [int(part) for part in order.split(",") if part.strip()]
    except ValueError:
        return _show(
            request, session, viewer, account, refused="The new order is not a list of post numbers."
        )
    return _reorder(request, session, viewer, account, ids)


@router.post("/accounts/{name}/queue/move", response_class=HTMLResponse)
def move(
    request: Request,
    name: str,
    post: int = Form(ge=1, le=2**63 - 1),
    direction: str = Form(pattern="^(up|down)$"),
    viewer: Viewer = page_viewer("write"),
    session: Session = DATABASE,
) -> Response:
    """Swap a post with the one before it (up) or after it (down) in the queue."""
    account = _account(session, name)
    if account is None:
        return not_found(request, viewer, "account", repr(name))
    ids = [entry.post.id for entry in queue.queue_of(session, account, now=utcnow()) if entry.movable]
    if post not in ids:
        return _show(request, session, viewer, account, refused=f"Post {post} cannot be moved in this queue.")
    at = ids.index(post)
    other = at - 1 if direction == "up" else at + 1
    if not 0 <= other < len(ids):
        edge = "first" if direction == "up" else "last"
        return _show(request, session, viewer, account, refused=f"Post {post} is {edge} already.")
    pair = sorted((at, other))
    return _reorder(request, session, viewer, account, [ids[pair[1]], ids[pair[0]]])


def _reorder(
    request: Request, session: Session, viewer: Viewer, account: Account, ids: list[int]
) -> Response:
    try:
        with session.begin_nested():
            done = queue.reorder(
                session,
                account,
                ids,
                now=utcnow(),
                may_move=lambda post: users.may_change(viewer.role, viewer.id, post.created_by_id),
            )
    except NewsroomError as error:
        session.expire_all()
        return _show(
            request, session, viewer, account, refused=f"Not reordered: {worded(error, page_words)}."
        )
    tz = zone(account.timezone)
    moved = [
        said("post %(id)s at %(time)s", id=post_id, time=format_local(at, tz)) for post_id, at in done.moved
    ]
    tell(
        request,
        said("New order: %(moved)s (%(zone)s).", moved=moved, zone=tz.key)
        if moved
        else said("The order was already that."),
    )
    if done.moved:
        request.session["queue_undo"] = ",".join(str(post_id) for post_id in done.before)
    return RedirectResponse(_path(account), status_code=303)
