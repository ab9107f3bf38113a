"""A post's review on its page: an approver sends a draft back to its editor with the reason, the editor
resubmits it, and anyone who may see the post comments on it (newsroom.review); each lands in the
post's history."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from scheduler.models import utcnow
from scheduler.newsroom import NewsroomError, review
from scheduler.web.auth import DATABASE, Viewer, csrf_protect, page_viewer
from scheduler.web.forms import FieldProblem, FormState
from scheduler.web.pages_posts import change_post, find_post, no_post, show
from scheduler.web.words import page_words
from scheduler.wording import worded

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])


@router.post("/posts/{post_id}/reject", response_class=HTMLResponse)
def reject(
    request: Request,
    post_id: int,
    reason: str = Form("", max_length=5000),
    viewer: Viewer = page_viewer("approve"),
    session: Session = DATABASE,
) -> Response:
    """Send a draft back to its editor with the reason (which they read on the post and the dashboard)."""
    return change_post(
        request,
        session,
        viewer,
        post_id,
        "sends back",
        lambda post: review.reject(session, post.id, reason=reason, now=utcnow()),
        field="reject-reason",
        sent={"reject-reason": reason},
    )


@router.post("/posts/{post_id}/resubmit", response_class=HTMLResponse)
def resubmit(
    request: Request,
    post_id: int,
    note: str = Form("", max_length=5000),
    viewer: Viewer = page_viewer("write"),
    session: Session = DATABASE,
) -> Response:
    """The editor sends a draft that came back to the approvers again."""
    return change_post(
        request,
        session,
        viewer,
        post_id,
        "resubmits",
        lambda post: review.resubmit(session, post.id, note=note),
    )


@router.post("/posts/{post_id}/comments", response_class=HTMLResponse)
def comment(
    request: Request,
    post_id: int,
    text: str = Form("", max_length=5000),
    viewer: Viewer = page_viewer("view"),
    session: Session = DATABASE,
) -> Response:
    post = find_post(session, post_id)
    if post is None:
        return no_post(request, viewer, post_id)
    try:
        review.comment(session, post.id, text)
    except NewsroomError as error:
        refused = FormState.refused(
            "post", {"comment": text}, FieldProblem("comment", worded(error, page_words))
        )
        return show(request, session, viewer, post, status_code=422, form=refused)
    return RedirectResponse(f"/posts/{post_id}#history-heading", status_code=303)
