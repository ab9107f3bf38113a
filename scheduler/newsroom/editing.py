"""An editor's hand on one post: edit its text, move it to another time, cancel it, or send a failed one
again.

Each acts on a whole thread (from its first part) with compare-and-set updates, so a post the
dispatcher or a worker took meanwhile is left alone and the editor is told so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.models import CardState, Post, PostState
from scheduler.newsroom import NewsroomError, history
from scheduler.newsroom.controls import EDITABLE, STOPPABLE, move_post
from scheduler.newsroom.posts import get_post, thread_of
from scheduler.planning import PlanningError, account_calendar
from scheduler.planning.wallclock import format_local, zone
from scheduler.render import RenderError, fit
from scheduler.render.posts import own_text
from scheduler.wording import marked

RETRYABLE = (PostState.FAILED, PostState.SKIPPED)
# A thread written as one text, as editors write it (render.fit.split_thread reads it back).
THREAD_BREAK = f"\n{fit.THREAD_BREAK}\n"
# Attempt outcomes that leave it open whether the network took the post.
UNKNOWN_OUTCOMES = ("unknown",)


@dataclass(frozen=True)
class Changed:
    post_id: int
    done: bool
    why_not: str = ""
    parts: int = 1


def first_part(session: Session, post_id: int) -> Post:
    """The post, or the first part of its thread: what editors act on."""
    post = get_post(session, post_id)
    while post.thread_parent_id is not None:
        post = get_post(session, post.thread_parent_id)
    return post


def reschedule(session: Session, post_id: int, at: datetime, *, now: datetime) -> Changed:
    """Move a draft or scheduled post (and the rest of its thread) to `at`, checked against the budget."""
    head = first_part(session, post_id)
    if head.state not in EDITABLE:
        return Changed(head.id, False, f"is {head.state}: only drafts and scheduled posts can be moved")
    tz = zone(head.account.timezone)
    if at <= now:
        raise NewsroomError(f"{format_local(at, tz)} ({tz.key}) has passed: give a later time")
    try:
        account_calendar.check_time(session, head.account, at, exclude=head.id)
    except PlanningError as error:  # the budget, or past the planning horizon
        raise NewsroomError(marked(error)) from None
    chain = thread_of(session, head)
    was = session.scalar(select(Post.scheduled_for).where(Post.id == head.id)) or head.scheduled_for
    if not move_post(session, head.id, EDITABLE, due_at=at, scheduled_for=at):
        return Changed(head.id, False, "changed meanwhile; look at it again")
    for reply in chain[1:]:
        move_post(session, reply.id, EDITABLE, due_at=at, scheduled_for=at)
    history.moved(session, head.id, was, at)
    return Changed(head.id, True, parts=len(chain))


def share_now(session: Session, post_id: int, *, now: datetime) -> Changed:
    """Send a scheduled post (and the rest of its thread) now instead of at its time, as far as its
    account's budget allows; a draft is approved first."""
    head = first_part(session, post_id)
    if head.state != PostState.SCHEDULED:
        why = "is a draft: approve it first" if head.state == PostState.DRAFT else f"is {head.state}"
        return Changed(head.id, False, f"{why}; only scheduled posts are shared now")
    try:
        account_calendar.check_time(session, head.account, now, exclude=head.id)
    except PlanningError as error:
        raise NewsroomError(marked(error)) from None
    chain = thread_of(session, head)
    was = session.scalar(select(Post.scheduled_for).where(Post.id == head.id)) or head.scheduled_for
    if not move_post(session, head.id, (PostState.SCHEDULED,), due_at=now, scheduled_for=now):
        return Changed(head.id, False, "changed meanwhile; look at it again")
    for reply in chain[1:]:
        move_post(session, reply.id, (PostState.SCHEDULED,), due_at=now, scheduled_for=now)
    history.moved(session, head.id, was, now, why="shared now")
    return Changed(head.id, True, parts=len(chain))


def edit_text(session: Session, post_id: int, text: str) -> Changed:
    """Give a draft or scheduled post (a thread: `---` lines between its parts) the editor's own text,
    counted against its network's limit; a thread keeps its number of parts."""
    head = first_part(session, post_id)
    if head.state not in EDITABLE:
        return Changed(head.id, False, f"is {head.state}: only drafts and scheduled posts can be edited")
    try:
        rendered = own_text(
            text, network=head.account.network, max_characters=head.account.options.get("max_characters")
        )
    except RenderError as error:
        raise NewsroomError(marked(error)) from None
    chain = thread_of(session, head)
    if len(rendered.parts) != len(chain):
        raise NewsroomError(
            f"the text has {len(rendered.parts)} part(s) and post {head.id} is a thread of {len(chain)}: "
            "keep the --- lines between its parts, or cancel it and schedule your text as a new post"
        )
    # As the database has it (the session's copies may predate an earlier compare-and-set).
    was = THREAD_BREAK.join(
        session.scalars(
            select(Post.text).where(Post.id.in_([p.id for p in chain])).order_by(Post.thread_index)
        )
    )
    for part, new in zip(chain, rendered.parts, strict=True):
        if not move_post(session, part.id, EDITABLE, text=new):
            return Changed(head.id, False, "was taken for publishing meanwhile; it goes out as it was")
    if (now := THREAD_BREAK.join(rendered.parts)) != was:
        history.edited(session, head.id, was, now)
    return Changed(head.id, True, parts=len(chain))


def cancel(session: Session, post_id: int, *, reason: str) -> Changed:
    """Cancel a post not out yet (with the rest of its thread), with the reason; a queued one only while
    no worker has taken it."""
    head = first_part(session, post_id)
    if head.state not in STOPPABLE:
        why = {
            PostState.PUBLISHING: "a worker is sending it right now; it may still go out",
            PostState.PUBLISHED: f"is already out ({head.external_url or 'no receipt'})",
        }.get(PostState(head.state), f"is {head.state} already")
        return Changed(head.id, False, why)
    note = f"canceled: {reason.strip() or 'by an editor'}"
    chain = thread_of(session, head)
    if not move_post(session, head.id, STOPPABLE, state=PostState.CANCELED, last_error=note):
        return Changed(head.id, False, "a worker took it meanwhile; it may still go out")
    for reply in chain[1:]:
        move_post(session, reply.id, STOPPABLE, state=PostState.CANCELED, last_error=note)
    history.record(session, head.id, "canceled", note=reason.strip() or None)
    return Changed(head.id, True, parts=len(chain))


def may_have_gone_out(post: Post) -> bool:
    """Whether an attempt left it unknown if the network took the post, with no look-up after it that
    found it absent: sending again could post it twice."""
    for attempt in reversed(post.attempts):
        if attempt.kind == "find" and attempt.outcome == "not_found":
            return False
        if attempt.outcome in UNKNOWN_OUTCOMES:
            return True
    return False


def retry(session: Session, post_id: int, *, now: datetime, checked_not_sent: bool = False) -> Changed:
    """Send a failed or skipped post (and the rest of its thread) again, now. One whose outcome was left
    unknown is sent again only when the editor says they checked the account (`checked_not_sent`)."""
    head = first_part(session, post_id)
    if head.state not in RETRYABLE:
        return Changed(head.id, False, f"is {head.state}: only failed and skipped posts are sent again")
    if may_have_gone_out(head) and not checked_not_sent:
        return Changed(
            head.id,
            False,
            f"may have gone out already ({head.last_error or 'its outcome is unknown'}): look at "
            f"{head.account.name!r} on {head.account.network}, and send it again only if it is not there",
        )
    again: dict[str, object] = {
        "state": PostState.SCHEDULED,
        "due_at": now,
        "attempt_count": 0,
        "last_error": None,
        "lease_token": None,
        "lease_until": None,
    }
    if head.card_state == CardState.FAILED:  # its card is made again first
        again.update(card_state=CardState.PENDING, card_requested_at=None)
    chain = thread_of(session, head)
    if not move_post(session, head.id, RETRYABLE, **again):
        return Changed(head.id, False, "changed meanwhile; look at it again")
    replies = {key: value for key, value in again.items() if not key.startswith("card_")}
    for reply in chain[1:]:
        move_post(session, reply.id, RETRYABLE, **replies)
    history.record(session, head.id, "retried", note=head.last_error)
    return Changed(head.id, True, parts=len(chain))
