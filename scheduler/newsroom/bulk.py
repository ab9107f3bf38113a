"""Finding posts (by text, account, state, campaign, article, time) and acting on many at once: approve,
share now, move by an offset, put in each account's queue, cancel, send again.

Each action is the one-post function every face already uses (controls.approve, editing.reschedule,
editing.cancel, editing.retry), applied post by post in a savepoint of one transaction: a post that
cannot take the action is left as it was and named with the reason, the others are done. The caller
commits once, so the summary it shows is what the database holds.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from scheduler.models import Account, Post, PostState
from scheduler.newsroom import NewsroomError, controls, editing
from scheduler.newsroom.accounts import list_accounts
from scheduler.planning import PlanningError, account_calendar
from scheduler.planning.wallclock import format_local, zone
from scheduler.render import RenderError
from scheduler.wording import marked

MOST_AT_ONCE = 500
STATES = tuple(state.value for state in PostState)


class Action(enum.StrEnum):
    APPROVE = "approve"
    NOW = "now"  # share now instead of at its time
    SHIFT = "shift"  # move by an offset
    QUEUE = "queue"  # to the account's next free slot
    CANCEL = "cancel"
    RETRY = "retry"


# The role's action (users.ALLOWED) each needs.
NEEDS = {
    Action.APPROVE: "approve",
    Action.NOW: "approve",  # publishing at once is an approver's, as sending again is
    Action.SHIFT: "write",
    Action.QUEUE: "write",
    Action.CANCEL: "write",
    Action.RETRY: "approve",  # as on the post page: sending a failed post again
}


@dataclass(frozen=True)
class Search:
    """What to find; empty fields find all."""

    text: str = ""
    accounts: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    campaigns: tuple[str, ...] = ()
    article_id: int | None = None
    due_from: datetime | None = None
    due_before: datetime | None = None


def find(session: Session, search: Search, *, limit: int = 100, offset: int = 0) -> tuple[list[Post], int]:
    """First parts of threads matching `search`, by due time (at most `limit` from `offset`), and how
    many match in all."""
    unknown = [state for state in search.states if state not in STATES]
    if unknown:
        raise NewsroomError(f"unknown state {unknown[0]!r}: choose from {', '.join(STATES)}", field="state")
    matching = select(Post).where(Post.thread_parent_id.is_(None))
    if search.accounts:
        known = {account.name: account.id for account in list_accounts(session)}
        missing = [name for name in search.accounts if name not in known]
        if missing:
            raise NewsroomError(f"no account named {missing[0]!r}", field="account")
        matching = matching.where(Post.account_id.in_([known[name] for name in search.accounts]))
    if search.text.strip():
        needle = search.text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        matching = matching.where(func.lower(Post.text).like(f"%{needle}%", escape="\\"))
    if search.states:
        matching = matching.where(Post.state.in_(search.states))
    if search.campaigns:
        matching = matching.where(Post.campaign.in_(search.campaigns))
    if search.article_id is not None:
        matching = matching.where(Post.article_id == search.article_id)
    if search.due_from is not None:
        matching = matching.where(Post.due_at >= search.due_from)
    if search.due_before is not None:
        matching = matching.where(Post.due_at < search.due_before)
    total = session.scalar(select(func.count()).select_from(matching.subquery())) or 0
    ordered = matching.options(selectinload(Post.account)).order_by(Post.due_at, Post.id)
    return list(session.scalars(ordered.offset(offset).limit(limit))), total


@dataclass
class Outcome:
    """What was done to which post (with a note: its new time), and what was refused and why."""

    action: Action
    done: list[tuple[int, str]] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Request:
    action: Action
    post_ids: Sequence[int]
    now: datetime
    offset: timedelta | None = None  # for SHIFT
    reason: str = ""  # for CANCEL
    may_change: Callable[[Post], bool] = lambda post: True  # an editor acts only on their own posts


def apply(session: Session, request: Request) -> Outcome:
    """Take the action on each post named (first parts of threads), each in a savepoint."""
    ids = list(dict.fromkeys(request.post_ids))
    if not ids:
        raise NewsroomError("choose at least one post", field="posts")
    if len(ids) > MOST_AT_ONCE:
        raise NewsroomError(f"choose at most {MOST_AT_ONCE} posts at a time", field="posts")
    if request.action is Action.SHIFT and not request.offset:
        raise NewsroomError("give the offset to move the posts by, such as +2h or -30m", field="offset")
    found = {post.id: post for post in session.scalars(select(Post).where(Post.id.in_(ids)))}
    outcome = Outcome(request.action)
    for post_id in _in_acting_order(ids, found, request):
        post = found.get(post_id)
        if post is None:
            outcome.refused.append((post_id, "there is no such post"))
            continue
        if not request.may_change(post):
            outcome.refused.append((post_id, "not yours: an editor acts only on the posts they made"))
            continue
        try:
            with session.begin_nested():
                done, note = _act(session, post, request)
                if not done:
                    raise _NotDone(note)
        except _NotDone as refused:
            outcome.refused.append((post_id, str(refused)))
        except (NewsroomError, PlanningError, RenderError) as error:
            outcome.refused.append((post_id, marked(error)))
        else:
            outcome.done.append((post_id, note))
        session.expire_all()
    order = {post_id: n for n, post_id in enumerate(ids)}
    outcome.done.sort(key=lambda pair: order[pair[0]])
    outcome.refused.sort(key=lambda pair: order[pair[0]])
    return outcome


class _NotDone(Exception):
    pass


def _in_acting_order(ids: list[int], found: dict[int, Post], request: Request) -> list[int]:
    """Posts moved later go latest first (and earlier, earliest first), so that none is refused for
    coming too close to another one of the same move that has not moved yet."""
    if request.action is not Action.SHIFT or request.offset is None:
        return ids
    present = [post_id for post_id in ids if post_id in found]
    absent = [post_id for post_id in ids if post_id not in found]
    later = request.offset > timedelta(0)
    return sorted(present, key=lambda post_id: found[post_id].scheduled_for, reverse=later) + absent


def _act(session: Session, post: Post, request: Request) -> tuple[bool, str]:
    account: Account = post.account
    tz = zone(account.timezone)
    if request.action is Action.APPROVE:
        [approved] = controls.approve(session, [post.id], now=request.now)
        when = format_local(approved.due_at, tz)
        return approved.approved, (f"goes out {when} ({tz.key})" if approved.approved else approved.why_not)
    if request.action is Action.NOW:
        changed = editing.share_now(session, post.id, now=request.now)
        return changed.done, ("goes out now" if changed.done else changed.why_not)
    if request.action is Action.SHIFT:
        assert request.offset is not None
        at = post.scheduled_for + request.offset
        changed = editing.reschedule(session, post.id, at, now=request.now)
        return changed.done, (f"now {format_local(at, tz)} ({tz.key})" if changed.done else changed.why_not)
    if request.action is Action.QUEUE:
        at = account_calendar.next_slot(session, account, after=request.now)
        changed = editing.reschedule(session, post.id, at, now=request.now)
        return changed.done, (f"now {format_local(at, tz)} ({tz.key})" if changed.done else changed.why_not)
    if request.action is Action.CANCEL:
        changed = editing.cancel(session, post.id, reason=request.reason[:500])
        return changed.done, ("canceled" if changed.done else changed.why_not)
    changed = editing.retry(session, post.id, now=request.now)
    return changed.done, ("goes out again now" if changed.done else changed.why_not)


def read_offset(text: str) -> timedelta:
    """ "+2h", "-30m", "1d", "+1h30m": the offset a bulk move takes."""
    spoken = text.strip().replace(" ", "").lower()
    sign = -1 if spoken.startswith("-") else 1
    rest, total, number = spoken.lstrip("+-"), timedelta(0), ""
    units = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}
    for char in rest:
        if char.isdigit():
            number += char
        elif char in units and number:
            total += int(number) * units[char]
            number = ""
        else:
            number = "x"
            break
    if not rest or number or total == timedelta(0) or total > timedelta(days=366):
        raise NewsroomError(
            f"cannot read the offset {text!r}: write it as +2h, -30m, 1d or +1h30m (at most a year)",
            field="offset",
        )
    return sign * total
