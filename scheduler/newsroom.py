"""What editors and feeds do, once for every face: the CLI, the web pages, the API and the tasks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from scheduler.articles import ParsedArticle
from scheduler.models import Account, Article, Post, PostState, utcnow
from scheduler.networks import NETWORKS
from scheduler.planning import PlanningError, parse_time, zone
from scheduler.render.text import AccountView, ArticleView, render_post_text

ACCOUNT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
DEFAULT_ACCOUNT = "outbox"


class NewsroomError(ValueError):
    """A request that cannot be carried out; the message says what to do instead."""


@dataclass(frozen=True)
class When:
    """When an editor wants a post out: an exact time, or at once."""

    at: str | None = None
    now: bool = False


def add_account(
    session: Session, name: str, network: str, timezone: str = "UTC", options: dict[str, Any] | None = None
) -> Account:
    if not ACCOUNT_NAME.match(name):
        raise NewsroomError(
            f"account name {name!r}: use up to 100 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    if network not in NETWORKS:
        raise NewsroomError(f"unknown network {network!r}: choose one of {', '.join(NETWORKS)}")
    zone(timezone)
    if session.scalar(select(Account.id).where(Account.name == name)) is not None:
        raise NewsroomError(f"an account named {name!r} exists already; choose another name")
    account = Account(name=name, network=network, timezone=timezone, options=options or {})
    session.add(account)
    session.flush()
    return account


def ensure_default_account(session: Session) -> Account | None:
    """On a new database, the outbox account that lets everything run without credentials."""
    if session.scalar(select(func.count(Account.id))):
        return None
    return add_account(session, DEFAULT_ACCOUNT, "outbox", "UTC")


def list_accounts(session: Session) -> list[Account]:
    return list(session.scalars(select(Account).order_by(Account.name)))


def find_account(session: Session, name: str | None) -> Account:
    """The named account; without a name, the only one there is."""
    if name is not None:
        account = session.scalar(select(Account).where(Account.name == name))
        if account is None:
            known = ", ".join(a.name for a in list_accounts(session)) or "none yet"
            raise NewsroomError(
                f"no account named {name!r} (accounts: {known}); add it with `scheduler accounts add`"
            )
        return account
    accounts = list_accounts(session)
    if len(accounts) == 1:
        return accounts[0]
    if not accounts:
        raise NewsroomError("there are no accounts yet: run `scheduler init` or `scheduler accounts add`")
    raise NewsroomError(f"say which account with --account: one of {', '.join(a.name for a in accounts)}")


def due_time(when: When, account: Account, *, now: datetime) -> datetime:
    """The UTC instant for `when` in the account's zone; a past time needs an explicit `now`."""
    if when.now and when.at:
        raise NewsroomError("give either --at TIME or --now, not both")
    if when.now:
        return now
    if not when.at:
        raise NewsroomError(
            f"say when to post: --at 'YYYY-MM-DD HH:MM' (in {account.timezone}, the account's zone) or --now"
        )
    tz = zone(account.timezone)
    try:
        due = parse_time(when.at, tz)
    except PlanningError as error:
        raise NewsroomError(str(error)) from None
    if due < now:
        raise NewsroomError(
            f"{when.at} ({account.timezone}) has already passed; give a later time, or --now to post at once"
        )
    return due


def store_article(session: Session, parsed: ParsedArticle, *, source: str | None = None) -> Article:
    """Save an article, or return the one already saved with the same text and URL."""
    existing = session.scalar(
        select(Article).where(
            Article.content_hash == parsed.content_hash,
            Article.canonical_url.is_not_distinct_from(parsed.canonical_url),
        )
    )
    if existing is not None:
        return existing
    article = Article(
        title=parsed.title,
        author=parsed.author,
        paragraphs=list(parsed.paragraphs),
        links=list(parsed.links),
        canonical_url=parsed.canonical_url,
        source=source,
        content_hash=parsed.content_hash,
    )
    session.add(article)
    session.flush()
    return article


def article_view(article: Article) -> ArticleView:
    return ArticleView(
        title=article.title,
        url=article.canonical_url,
        author=article.author,
        summary=article.paragraphs[0] if article.paragraphs else "",
        links=tuple(article.links),
    )


def schedule_post(
    session: Session,
    article: Article,
    account: Account,
    *,
    due_at: datetime,
    templates_dir: Path,
    step: str = "announce",
) -> Post:
    """Render the step's post for the account and schedule it for `due_at`."""
    text = render_post_text(
        templates_dir, article_view(article), AccountView(account.name, account.network), step
    )
    post = Post(
        article=article,
        account=account,
        step=step,
        text=text,
        state=PostState.SCHEDULED,
        due_at=due_at,
        scheduled_for=due_at,
    )
    session.add(post)
    session.flush()
    return post


def add_and_schedule(
    session: Session,
    parsed: ParsedArticle,
    *,
    account_name: str | None,
    when: When,
    templates_dir: Path,
    source: str | None = None,
) -> Post:
    """Everything `scheduler add` does, in the caller's one transaction: all of it or nothing."""
    account = find_account(session, account_name)
    due_at = due_time(when, account, now=utcnow())
    article = store_article(session, parsed, source=source)
    return schedule_post(session, article, account, due_at=due_at, templates_dir=templates_dir)


def list_posts(session: Session, *, state: str | None = None, limit: int = 200) -> tuple[list[Post], int]:
    """Posts by due time (at most `limit`), and how many match in all."""
    if state is not None and state not in {s.value for s in PostState}:
        raise NewsroomError(f"unknown state {state!r}: choose one of {', '.join(s.value for s in PostState)}")
    matching = select(Post) if state is None else select(Post).where(Post.state == state)
    total = session.scalar(select(func.count()).select_from(matching.subquery())) or 0
    query = matching.options(selectinload(Post.account)).order_by(Post.due_at, Post.id).limit(limit)
    return list(session.scalars(query)), total


def get_post(session: Session, post_id: int) -> Post:
    """One post with its account and the history of its attempts."""
    post = session.scalar(
        select(Post)
        .where(Post.id == post_id)
        .options(selectinload(Post.account), selectinload(Post.attempts))
    )
    if post is None:
        raise NewsroomError(f"there is no post {post_id}; `scheduler posts` lists them")
    return post
