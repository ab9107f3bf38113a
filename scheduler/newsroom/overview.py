"""What an editor sees first: the next hours of every account, and everything that needs someone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from scheduler.models import Account, AccountStatus, Post, PostEvent, PostState

# Failures older than this no longer call for attention on the dashboard (the posts page keeps them).
RECENT_FAILURES = timedelta(days=7)
# Of each list, at most this many (the dashboard links to the full lists).
SHOWN = 50


@dataclass(frozen=True)
class AccountHours:
    account: Account
    posts: list[Post]  # due within the hours asked for, first parts only, soonest first


@dataclass(frozen=True)
class Attention:
    failed: list[Post]  # failed lately: an editor decides to retry or let go
    reconnect: list[Account]  # credentials stopped working
    drafts: list[Post]  # waiting for an approver
    paused: list[Account]
    held: list[Account]  # a network asked us to wait (rate limit)
    returned: list[tuple[Post, str]] = field(default_factory=list)  # sent back to their editors, and why

    @property
    def empty(self) -> bool:
        return not (self.failed or self.reconnect or self.drafts or self.paused or self.held or self.returned)


def coming_hours(session: Session, *, now: datetime, hours: float = 24) -> list[AccountHours]:
    """Each account with its posts due in the next `hours` (scheduled, queued or publishing)."""
    accounts = list(session.scalars(select(Account).order_by(Account.name)))
    posts = session.scalars(
        select(Post)
        .where(
            Post.due_at >= now,
            Post.due_at < now + timedelta(hours=hours),
            Post.thread_index == 0,
            Post.state.in_((PostState.SCHEDULED, PostState.QUEUED, PostState.PUBLISHING, PostState.DRAFT)),
        )
        .order_by(Post.due_at, Post.id)
    )
    by_account: dict[int, list[Post]] = {account.id: [] for account in accounts}
    for post in posts:
        by_account[post.account_id].append(post)
    return [AccountHours(account, by_account[account.id]) for account in accounts]


def attention(session: Session, *, now: datetime) -> Attention:
    failed = session.scalars(
        select(Post)
        .where(Post.state == PostState.FAILED, Post.updated_at >= now - RECENT_FAILURES)
        .options(selectinload(Post.account))
        .order_by(Post.updated_at.desc())
        .limit(SHOWN)
    )
    drafts = session.scalars(
        select(Post)
        .where(Post.state == PostState.DRAFT, Post.thread_index == 0, Post.rejected_at.is_(None))
        .options(selectinload(Post.account))
        .order_by(Post.due_at)
        .limit(SHOWN)
    )
    returned = list(
        session.scalars(
            select(Post)
            .where(Post.state == PostState.DRAFT, Post.thread_index == 0, Post.rejected_at.is_not(None))
            .options(selectinload(Post.account))
            .order_by(Post.rejected_at.desc())
            .limit(SHOWN)
        )
    )
    reasons = {
        event.post_id: event.note or ""
        for event in session.scalars(
            select(PostEvent)
            .where(PostEvent.post_id.in_([post.id for post in returned]), PostEvent.kind == "rejected")
            .order_by(PostEvent.at, PostEvent.id)
        )
    }
    accounts = list(session.scalars(select(Account).order_by(Account.name)))
    return Attention(
        failed=list(failed),
        reconnect=[a for a in accounts if a.status == AccountStatus.RECONNECT],
        drafts=list(drafts),
        paused=[a for a in accounts if a.paused_at is not None],
        held=[a for a in accounts if a.held_until is not None and a.held_until > now],
        returned=[(post, reasons.get(post.id, "")) for post in returned],
    )
