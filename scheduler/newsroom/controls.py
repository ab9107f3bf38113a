"""Newsroom controls: pause and resume accounts, correct, withdraw and embargo articles, approve drafts.

Plain functions on a session, for every face (CLI, web, API). Each change of a post's state is a
compare-and-set on its state, as the dispatcher and the workers may be moving the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from scheduler.db import embargoed_articles
from scheduler.models import Account, Article, CardState, Post, PostState, utcnow
from scheduler.newsroom import NewsroomError, history
from scheduler.newsroom.accounts import find_account, list_accounts
from scheduler.newsroom.posts import get_post, thread_of
from scheduler.planning import PlanningError
from scheduler.planning.budgets import account_budget
from scheduler.planning.wallclock import format_local, parse_time, zone

# A post this late when its account resumes is skipped (SCHEDULER_STALE_AFTER_MINUTES sets it for the CLI).
STALE_AFTER = timedelta(minutes=120)
# What an editor's change may still touch: the dispatcher has not claimed these.
EDITABLE = (PostState.DRAFT, PostState.SCHEDULED)
# Not out yet, and still ours to stop: a queued post is only stopped if no worker claimed it first.
STOPPABLE = (PostState.DRAFT, PostState.SCHEDULED, PostState.QUEUED)
# A card made again: the post waits for it, as it does for a new one.
CARD_AGAIN: dict[str, object] = {"card_state": CardState.PENDING, "card_requested_at": None, "media": []}


# --- pause and resume ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Paused:
    account: str
    since: datetime
    already: bool  # it was paused before this call
    publishing: list[int]  # posts a worker is sending right now: they may still go out


@dataclass(frozen=True)
class Resumed:
    account: str
    paused_at: datetime | None  # None: it was not paused
    sent: list[tuple[int, datetime]] = field(default_factory=list)  # post, its new due time
    skipped: list[tuple[int, str]] = field(default_factory=list)  # post, why


def choose_accounts(session: Session, names: Sequence[str], *, every: bool) -> list[Account]:
    """The named accounts, or every account with `every`; unknown names are an error."""
    if every and names:
        raise NewsroomError("give account names or --all, not both")
    if every:
        return list_accounts(session)
    if not names:
        raise NewsroomError("say which accounts: one or more names, or --all")
    return [find_account(session, name) for name in dict.fromkeys(names)]


def pause(session: Session, accounts: Sequence[Account], *, now: datetime) -> list[Paused]:
    """Stop dispatching the accounts' posts; they stay scheduled (and queued ones go back to wait)."""
    result = []
    for account in accounts:
        changed = session.execute(
            update(Account)
            .where(Account.id == account.id, Account.paused_at.is_(None))
            .values(paused_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        session.refresh(account)
        sending = session.scalars(
            select(Post.id).where(Post.account_id == account.id, Post.state == PostState.PUBLISHING)
        )
        result.append(Paused(account.name, account.paused_at or now, not changed, list(sending)))
    return result


def resume(
    session: Session, accounts: Sequence[Account], *, now: datetime, stale_after: timedelta = STALE_AFTER
) -> list[Resumed]:
    """Dispatch the accounts' posts again. Posts that fell due meanwhile and are more than `stale_after`
    late are skipped (with the replies of their threads); the others go out one budget gap apart,
    from now, in their order (their scheduled_for stays what the editor asked)."""
    return [_resume_one(session, account, now=now, stale_after=stale_after) for account in accounts]


def _resume_one(session: Session, account: Account, *, now: datetime, stale_after: timedelta) -> Resumed:
    paused_at = account.paused_at
    if paused_at is None:
        return Resumed(account.name, None)
    resumed = session.execute(
        update(Account)
        .where(Account.id == account.id, Account.paused_at.is_not(None))
        .values(paused_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(account)
    if not resumed:  # another editor resumed it meanwhile, and dealt with its posts
        return Resumed(account.name, None)
    overdue = list(
        session.scalars(
            select(Post)
            .where(
                Post.account_id == account.id,
                Post.state == PostState.SCHEDULED,
                Post.due_at <= now,
                # Held by an embargo: they go out when it lifts, not now.
                or_(Post.article_id.is_(None), Post.article_id.not_in(embargoed_articles(now))),
            )
            .order_by(Post.due_at, Post.id)
        )
    )
    # A reply follows the part it replies to: only posts whose parent (if any) is out are spaced.
    parents = {post.thread_parent_id for post in overdue if post.thread_parent_id is not None}
    out = set(
        session.scalars(select(Post.id).where(Post.id.in_(parents), Post.state == PostState.PUBLISHED))
        if parents
        else ()
    )
    heads = [post for post in overdue if post.thread_parent_id is None or post.thread_parent_id in out]
    gap = account_budget(account.network, account.options).min_gap
    last = session.scalar(
        select(func.max(Post.published_at)).where(
            Post.account_id == account.id, Post.state == PostState.PUBLISHED
        )
    )
    start = max(now, last + gap) if last is not None else now
    tz = zone(account.timezone)
    outcome = Resumed(account.name, paused_at)
    for head in heads:
        late = now - head.due_at
        chain = thread_of(session, head)
        if late > stale_after:
            reason = (
                f"skipped: due {format_local(head.due_at, tz)} ({account.timezone}) while the account "
                f"was paused; {int(late.total_seconds() // 60)} min late when it resumed"
            )
            if move_post(
                session, head.id, (PostState.SCHEDULED,), state=PostState.SKIPPED, last_error=reason
            ):
                outcome.skipped.append((head.id, reason))
                for reply in chain[1:]:
                    why = f"skipped with post {head.id}, which it replies to: {reason}"
                    if move_post(session, reply.id, EDITABLE, state=PostState.SKIPPED, last_error=why):
                        outcome.skipped.append((reply.id, why))
            continue
        due = start + gap * len(outcome.sent)
        if move_post(session, head.id, (PostState.SCHEDULED,), due_at=due):
            outcome.sent.append((head.id, due))
            for reply in chain[1:]:
                move_post(session, reply.id, (PostState.SCHEDULED,), due_at=due)
    return outcome


def move_post(session: Session, post_id: int, states: Sequence[str], **values: object) -> bool:
    """Compare-and-set: change the post only while it is in one of `states`."""
    return bool(
        session.execute(
            update(Post)
            .where(Post.id == post_id, Post.state.in_(states))
            .values(updated_at=utcnow(), **values)
            .execution_options(synchronize_session=False)
        ).rowcount
    )


# --- approval ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Approved:
    post_id: int
    approved: bool
    due_at: datetime
    overdue: bool = False  # its time had passed: it goes out at once
    parts: int = 1
    why_not: str = ""


def set_approval(session: Session, name: str, needed: bool) -> tuple[Account, int]:
    """Turn "needs approval" on or off for an account; with the number of its drafts still waiting."""
    account = find_account(session, name)
    if bool(account.options.get("needs_approval")) != needed:
        account.options = {**account.options, "needs_approval": needed}
    drafts = session.scalar(
        select(func.count(Post.id)).where(Post.account_id == account.id, Post.state == PostState.DRAFT)
    )
    return account, drafts or 0


def approve(session: Session, post_ids: Sequence[int], *, now: datetime) -> list[Approved]:
    """Move drafts (with the rest of their threads) to scheduled; one whose time has passed is due now.

    Every id is looked up first: an unknown one approves nothing.
    """
    posts = [get_post(session, post_id) for post_id in dict.fromkeys(post_ids)]
    return [_approve_one(session, post, now=now) for post in posts]


def _approve_one(session: Session, post: Post, *, now: datetime) -> Approved:
    head = post
    while head.thread_parent_id is not None:  # the thread is approved as a whole, from its first part
        parent = session.get(Post, head.thread_parent_id)
        if parent is None:
            break
        head = parent
    if head.state != PostState.DRAFT:
        return Approved(post.id, False, head.due_at, why_not=f"is {head.state}, not a draft")
    chain = thread_of(session, head)
    overdue = head.due_at <= now
    due = max(head.due_at, now)
    if not move_post(
        session, head.id, (PostState.DRAFT,), state=PostState.SCHEDULED, due_at=due, rejected_at=None
    ):
        return Approved(post.id, False, head.due_at, why_not="changed meanwhile; look at it again")
    history.record(session, head.id, "approved")
    for reply in chain[1:]:
        move_post(
            session, reply.id, (PostState.DRAFT,), state=PostState.SCHEDULED, due_at=max(reply.due_at, now)
        )
    return Approved(head.id, True, due, overdue=overdue, parts=len(chain))


# --- withdrawal and embargo -------------------------------------------------------------------------


@dataclass(frozen=True)
class ArticlePosts:
    """What became of an article's posts after a withdrawal or an embargo."""

    article: Article
    stopped: list[int] = field(default_factory=list)  # canceled (withdraw) or taken back to wait (embargo)
    held: list[int] = field(default_factory=list)  # waiting for the embargo to lift
    publishing: list[int] = field(default_factory=list)  # a worker has it now: it may still go out
    published: list[tuple[int, str]] = field(default_factory=list)  # already out: post, receipt URL
    due_now: list[int] = field(default_factory=list)  # go out at once (the embargo was lifted)


def get_article(session: Session, article_id: int) -> Article:
    article = session.get(Article, article_id)
    if article is None:
        raise NewsroomError(f"there is no article {article_id}; `scheduler posts` shows the articles' posts")
    return article


def withdraw(session: Session, article_id: int, reason: str, *, now: datetime) -> ArticlePosts:
    """Cancel every post of the article not out yet, with the reason; published posts stay as they are."""
    reason = " ".join(reason.split())
    if not reason:
        raise NewsroomError("say why the article is withdrawn: --reason TEXT (editors see it on its posts)")
    article = get_article(session, article_id)
    if article.withdrawn_at is None:
        article.withdrawn_at, article.withdraw_reason = now, reason
    # One statement, on state: a queued post a worker claimed first is publishing, and not canceled here.
    canceled = session.scalars(
        update(Post)
        .where(Post.article_id == article.id, Post.state.in_(STOPPABLE))
        .values(state=PostState.CANCELED, last_error=f"withdrawn: {reason}", updated_at=now)
        .returning(Post.id)
        .execution_options(synchronize_session=False)
    )
    return _outcome(session, article, stopped=sorted(canceled))


def parse_embargo(text: str) -> datetime:
    """An embargo time: ISO 8601 with an offset (or Z), or YYYY-MM-DD HH:MM read in UTC."""
    try:
        return parse_time(text, ZoneInfo("UTC"))
    except PlanningError:
        raise NewsroomError(
            f"cannot read the time {text!r}: write it with an offset, such as 2026-12-01T09:00+01:00, "
            "or as YYYY-MM-DD HH:MM in UTC"
        ) from None


def embargo(session: Session, article_id: int, until: datetime, *, now: datetime) -> ArticlePosts:
    """Hold every post of the article until `until`; a post due before then goes out right after it."""
    article = get_article(session, article_id)
    if until <= now:
        raise NewsroomError(
            f"{until.astimezone(UTC):%Y-%m-%d %H:%M} UTC has already passed; to release the article's posts "
            "now, use --lift"
        )
    if article.withdrawn_at is not None:
        raise NewsroomError(
            f"article {article.id} was withdrawn ({article.withdraw_reason}); nothing to hold"
        )
    article.embargo_until = until
    # Queued posts go back to wait, on state: one a worker claimed first is publishing, and left to it.
    # (The worker's own claim checks paused accounts but not embargoes, so this is what holds them.)
    taken_back = session.scalars(
        update(Post)
        .where(Post.article_id == article.id, Post.state == PostState.QUEUED)
        .values(state=PostState.SCHEDULED, updated_at=now)
        .returning(Post.id)
        .execution_options(synchronize_session=False)
    )
    return _outcome(session, article, stopped=sorted(taken_back))


def lift_embargo(session: Session, article_id: int, *, now: datetime) -> ArticlePosts:
    """End the article's embargo now: posts due meanwhile go out at once."""
    article = get_article(session, article_id)
    article.embargo_until = None
    session.flush()
    return _outcome(session, article, now=now)


def _outcome(
    session: Session, article: Article, *, stopped: list[int] | None = None, now: datetime | None = None
) -> ArticlePosts:
    rows = session.execute(
        select(Post.id, Post.state, Post.due_at, Post.external_url)
        .where(Post.article_id == article.id)
        .order_by(Post.due_at, Post.id)
    ).all()
    waiting = [row for row in rows if row.state in EDITABLE]
    return ArticlePosts(
        article,
        stopped=stopped or [],
        held=[row.id for row in waiting] if article.embargo_until is not None else [],
        publishing=[row.id for row in rows if row.state in (PostState.QUEUED, PostState.PUBLISHING)],
        published=[(row.id, row.external_url or "") for row in rows if row.state == PostState.PUBLISHED],
        due_now=[row.id for row in waiting if now is not None and row.due_at <= now],
    )
