"""A post's page: its text, times in its account's zone, its attempts and receipt, its history and
comments; approve, cancel, retry."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from scheduler.models import Post, utcnow
from scheduler.newsroom import NewsroomError, controls, editing, history, users
from scheduler.newsroom.posts import get_post, thread_of
from scheduler.planning import PlanningError
from scheduler.render import RenderError
from scheduler.web.auth import DATABASE, Viewer, csrf_protect, page_viewer
from scheduler.web.confirm import ask_first
from scheduler.web.forms import FieldProblem, FormState
from scheduler.web.i18n import Said, said, said_n
from scheduler.web.pages import not_found, page, tell, told_of
from scheduler.web.words import page_words
from scheduler.wording import worded

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])


def find_post(session: Session, post_id: int) -> Post | None:
    if not 0 < post_id < 2**31:
        return None
    try:
        return get_post(session, post_id)
    except NewsroomError:
        return None


def no_post(request: Request, viewer: Viewer, post_id: int) -> Response:
    return not_found(request, viewer, "post", post_id)


def show(
    request: Request,
    session: Session,
    viewer: Viewer,
    post: Post,
    *,
    notice: str | None = None,
    form: FormState | None = None,
    status_code: int = 200,
) -> Response:
    """The post's page; `form`: one of its forms as the editor sent it, with its problem beside it."""
    return page(
        request,
        "post.html",
        viewer,
        status_code=status_code,
        post=post,
        thread=thread_of(session, post),
        events=history.history_of(session, editing.first_part(session, post.id).id),
        may_change=viewer.may("write") and users.may_change(viewer.role, viewer.id, post.created_by_id),
        may_approve=viewer.may("approve"),
        notice=notice,
        told=told_of(request),
        form=form or FormState("post"),
    )


@router.get("/posts/{post_id}", response_class=HTMLResponse)
def post_page(
    request: Request, post_id: int, viewer: Viewer = page_viewer("view"), session: Session = DATABASE
) -> Response:
    post = find_post(session, post_id)
    return no_post(request, viewer, post_id) if post is None else show(request, session, viewer, post)


def _after(
    request: Request, session: Session, viewer: Viewer, post_id: int, done: bool, why_not: str
) -> Response:
    if done:
        return RedirectResponse(f"/posts/{post_id}", status_code=303)
    session.expire_all()
    post = find_post(session, post_id)
    if post is None:
        return no_post(request, viewer, post_id)
    return show(
        request, session, viewer, post, notice=f"Not done: post {post_id} {why_not}.", status_code=409
    )


@router.post("/posts/{post_id}/approve", response_class=HTMLResponse)
def approve(
    request: Request, post_id: int, viewer: Viewer = page_viewer("approve"), session: Session = DATABASE
) -> Response:
    if find_post(session, post_id) is None:
        return no_post(request, viewer, post_id)
    [approved] = controls.approve(session, [post_id], now=utcnow())
    return _after(request, session, viewer, post_id, approved.approved, approved.why_not)


@router.post("/posts/{post_id}/cancel", response_class=HTMLResponse)
def cancel(
    request: Request,
    post_id: int,
    reason: str = Form(""),
    confirmed: str = Form(""),
    viewer: Viewer = page_viewer("write"),
    session: Session = DATABASE,
) -> Response:
    """Cancel a post not out yet (its thread with it), once the editor has said yes: it cannot be
    brought back."""
    if confirmed != "yes" and (post := find_post(session, post_id)) is not None:
        parts = len(thread_of(session, post))
        return ask_first(
            request,
            viewer,
            question=said("Cancel post %(id)s?", id=post_id),
            consequence=said_n(
                "It will not go out on %(account)s, nor will the %(num)s other part of its thread. A "
                "canceled post cannot be brought back: you would schedule it again.",
                "It will not go out on %(account)s, nor will the %(num)s other parts of its thread. A "
                "canceled post cannot be brought back: you would schedule it again.",
                parts - 1,
                account=post.account.name,
            )
            if parts > 1
            else said(
                "It will not go out on %(account)s. A canceled post cannot be brought back: you would "
                "schedule it again.",
                account=post.account.name,
            ),
            yes=said("Yes, cancel the post"),
            back=f"/posts/{post_id}",
            fields={"reason": reason},
        )
    return change_post(
        request,
        session,
        viewer,
        post_id,
        "cancels",
        lambda post: editing.cancel(session, post.id, reason=reason[:500]),
    )


@router.post("/posts/{post_id}/retry", response_class=HTMLResponse)
def retry(
    request: Request,
    post_id: int,
    checked_not_sent: bool = Form(False),
    viewer: Viewer = page_viewer("approve"),
    session: Session = DATABASE,
) -> Response:
    if find_post(session, post_id) is None:
        return no_post(request, viewer, post_id)
    changed = editing.retry(session, post_id, now=utcnow(), checked_not_sent=checked_not_sent)
    return _after(request, session, viewer, post_id, changed.done, changed.why_not)


class _NotDone(Exception):
    def __init__(self, changed: editing.Changed) -> None:
        super().__init__(changed.why_not)
        self.changed = changed


def change_post(
    request: Request,
    session: Session,
    viewer: Viewer,
    post_id: int,
    verb: str,
    change: Callable[[Post], editing.Changed],
    *,
    then: str | None = None,
    field: str | None = None,
    sent: dict[str, str] | None = None,
    told: Callable[[Post], Said | None] | None = None,
) -> Response:
    """An editor's change to a post they may change: all of it or none; then the post's page (or
    `then`), or the post's page again with why it was not done: beside the `field` of the form, with
    what the editor `sent` in it, when the change came from one. `told`: what the next page says once
    about the change done (the time a move became), from the post."""
    post = find_post(session, post_id)
    if post is None:
        return no_post(request, viewer, post_id)
    if not users.may_change(viewer.role, viewer.id, post.created_by_id):
        notice = f"Not yours: an editor {verb} only the posts they made."
        return show(request, session, viewer, post, status_code=403, notice=notice)
    try:
        with session.begin_nested():
            changed = change(post)
            if not changed.done:
                raise _NotDone(changed)
    except (NewsroomError, PlanningError, RenderError) as error:
        session.expire_all()
        said = worded(error, page_words)
        if field is None:
            return show(request, session, viewer, post, status_code=422, notice=f"Not done: {said}")
        refused = FormState.refused("post", sent or {}, FieldProblem(field, f"Not done: {said}"))
        return show(request, session, viewer, post, status_code=422, form=refused)
    except _NotDone as not_done:
        return _after(request, session, viewer, post_id, False, not_done.changed.why_not)
    if told is not None and (words := told(post)):
        tell(request, words)
    return RedirectResponse(then or f"/posts/{post_id}", status_code=303)


@router.post("/posts/{post_id}/text", response_class=HTMLResponse)
def edit_text(
    request: Request,
    post_id: int,
    text: str = Form(""),
    viewer: Viewer = page_viewer("write"),
    session: Session = DATABASE,
) -> Response:
    """The editor's own words for a draft or scheduled post (all its parts, or none)."""
    return change_post(
        request,
        session,
        viewer,
        post_id,
        "edits",
        lambda post: editing.edit_text(session, post.id, text.replace("\r\n", "\n")),
        field="post-text",
        sent={"post-text": text},
    )
