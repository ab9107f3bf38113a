"""An approver's word on a draft and the talk around a post: send a draft back to its editor with the
reason, the editor resubmits it (fixed), and anyone who may see the post comments on it. Each is an
event in the post's history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from scheduler.models import Post, PostState
from scheduler.newsroom import NewsroomError, history
from scheduler.newsroom.editing import Changed, first_part

MOST_SAID = 2000


def _said(text: str, what: str) -> str:
    said = text.strip()
    if not said:
        raise NewsroomError(f"write the {what}: the editor reads it to know what to fix", field=what)
    if len(said) > MOST_SAID:
        raise NewsroomError(f"the {what} is {len(said)} characters: keep it under {MOST_SAID}", field=what)
    return said


def reject(session: Session, post_id: int, *, reason: str, now: datetime) -> Changed:
    """Send a draft back to its editor with `reason`: it stays a draft, waiting for them, not an approver."""
    why = _said(reason, "reason")
    head = first_part(session, post_id)
    if head.state != PostState.DRAFT:
        return Changed(head.id, False, f"is {head.state}: only drafts are sent back")
    if head.rejected_at is not None:
        return Changed(head.id, False, "was sent back already; it waits for its editor")
    done = session.execute(
        update(Post)
        .where(Post.id == head.id, Post.state == PostState.DRAFT, Post.rejected_at.is_(None))
        .values(rejected_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        return Changed(head.id, False, "changed meanwhile; look at it again")
    history.record(session, head.id, "rejected", note=why)
    session.expire(head)
    return Changed(head.id, True)


def resubmit(session: Session, post_id: int, *, note: str = "") -> Changed:
    """The editor sends a draft that was sent back to the approvers again (after fixing it)."""
    head = first_part(session, post_id)
    if head.state != PostState.DRAFT or head.rejected_at is None:
        return Changed(head.id, False, "was not sent back: it is waiting for an approver already")
    done = session.execute(
        update(Post)
        .where(Post.id == head.id, Post.state == PostState.DRAFT, Post.rejected_at.is_not(None))
        .values(rejected_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        return Changed(head.id, False, "changed meanwhile; look at it again")
    history.record(session, head.id, "resubmitted", note=note.strip()[:MOST_SAID] or None)
    session.expire(head)
    return Changed(head.id, True)


def comment(session: Session, post_id: int, text: str) -> int:
    """A comment on the post (on its thread's first part); its first part's id."""
    said = _said(text, "comment")
    head = first_part(session, post_id)
    history.record(session, head.id, "comment", note=said)
    return head.id
