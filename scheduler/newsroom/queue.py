"""An account's queue: what goes out next, in order, and putting it in another order.

As in Buffer's queue, the times stay where they are and the posts take them in the order the editor
gives: the account holds the same instants before and after, so its budget (the gaps, the posts a
day) holds as it did and nothing needs checking again. Each move is a compare-and-set on the post's
state and time, so a post the dispatcher claimed or another editor moved meanwhile stops the whole
reorder (the caller's transaction rolls back) and the editor is told which.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from scheduler.models import Account, Post, PostState, utcnow
from scheduler.newsroom import NewsroomError, history
from scheduler.newsroom.controls import EDITABLE
from scheduler.newsroom.posts import thread_of

# What the queue shows: waiting, or on its way out (not movable any more).
WAITING = (PostState.DRAFT, PostState.SCHEDULED, PostState.QUEUED, PostState.PUBLISHING)
MOST_SHOWN = 100
EXCERPT = 160  # characters of a post's text the queue shows


class QueueChanged(NewsroomError):
    """The queue is not as the order names it: a post there went out, was canceled or moved meanwhile
    (or never was in it). Looking at the queue again shows what it holds now."""


class NotYours(NewsroomError):
    """The order names a post its editor may not move: an editor moves only their own posts."""


@dataclass(frozen=True)
class Queued:
    post: Post
    parts: int  # posts in its thread
    movable: bool  # a draft or scheduled post still to come
    excerpt: str  # the start of its text, as the queue shows it


def excerpt(text: str, length: int = EXCERPT) -> str:
    """The start of a post's text: cut at a word with "..." after it, once it runs more than a few
    characters past `length` (as Jinja's truncate filter cuts)."""
    if len(text) <= length + 5:
        return text
    return text[: length - 3].rsplit(" ", 1)[0] + "..."


def queue_of(session: Session, account: Account, *, now: datetime, limit: int = MOST_SHOWN) -> list[Queued]:
    """The account's next `limit` posts (first parts of threads) still to go out, by time."""
    heads = list(
        session.scalars(
            select(Post)
            .where(
                Post.account_id == account.id,
                Post.thread_parent_id.is_(None),
                Post.state.in_(WAITING),
            )
            .order_by(Post.scheduled_for, Post.id)
            .limit(limit)
        )
    )
    return [
        Queued(
            head,
            len(thread_of(session, head)),
            head.state in EDITABLE and head.scheduled_for > now,
            excerpt(head.text),
        )
        for head in heads
    ]


@dataclass(frozen=True)
class Reordered:
    moved: list[tuple[int, datetime]]  # (post, its new time), by time
    before: list[int]  # the posts in the order they were in: what an undo gives back


def reorder(
    session: Session,
    account: Account,
    order: Sequence[int],
    *,
    now: datetime,
    may_move: Callable[[Post], bool] | None = None,
) -> Reordered:
    """Give the posts in `order` (first parts of the account's drafts and scheduled posts still to come)
    the times they hold between them, earliest first; raises NewsroomError, naming the post, when one
    cannot take part (and nothing is moved: the caller's transaction rolls back): QueueChanged when the
    queue no longer holds it as named, NotYours when `may_move` (the editor's rights) says no."""
    if len(set(order)) != len(order):
        raise NewsroomError("a post is named twice in the new order: name each once", field="order")
    if len(order) < 2:
        raise NewsroomError("name at least two posts to put in another order", field="order")
    # The posts as the database has them now: the compare-and-set below compares against these times.
    session.flush()
    session.expire_all()
    posts = {post.id: post for post in session.scalars(select(Post).where(Post.id.in_(order)))}
    for post_id in order:
        post = posts.get(post_id)
        if post is None or post.account_id != account.id:
            raise QueueChanged(f"post {post_id} is not in {account.name}'s queue", field="order")
        if post.thread_parent_id is not None:
            raise NewsroomError(
                f"post {post_id} is a later part of a thread: move its first part", field="order"
            )
        if may_move is not None and not may_move(post):
            raise NotYours(
                f"post {post_id} is not yours (an editor moves only their own posts)", field="order"
            )
        if post.state not in EDITABLE or post.scheduled_for <= now:
            raise QueueChanged(
                f"post {post_id} is {post.state} and due {'now' if post.scheduled_for <= now else 'later'}: "
                "only drafts and scheduled posts still to come are put in another order",
                field="order",
            )
    before = sorted(order, key=lambda post_id: (posts[post_id].scheduled_for, post_id))
    times = sorted(posts[post_id].scheduled_for for post_id in order)
    moved = []
    for post_id, at in zip(order, times, strict=True):
        post = posts[post_id]
        if post.scheduled_for == at:
            continue
        chain = thread_of(session, post)
        for part in chain:
            done = session.execute(
                update(Post)
                .where(Post.id == part.id, Post.state.in_(EDITABLE), Post.scheduled_for == part.scheduled_for)
                .values(due_at=at, scheduled_for=at, updated_at=utcnow())
                .execution_options(synchronize_session=False)
            ).rowcount
            if not done:
                raise QueueChanged(
                    f"post {part.id} changed meanwhile (taken to go out, or moved): look at the queue again",
                    field="order",
                )
        history.moved(session, post_id, post.scheduled_for, at, why="the queue's new order")
        moved.append((post_id, at))
    session.expire_all()
    return Reordered(sorted(moved, key=lambda pair: pair[1]), before)
