"""What editors and feeds do, once for every face: the CLI, the web pages, the API and the tasks."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from scheduler import post_cards, slots_service
from scheduler.articles import ParsedArticle
from scheduler.articles.quotes import PullQuote, pull_quotes
from scheduler.budgets import BudgetError
from scheduler.models import Account, Article, CardState, Post, PostState, Quote, utcnow
from scheduler.networks import NETWORKS
from scheduler.planning import PlanningError, parse_time, zone
from scheduler.render.cards import CardSize
from scheduler.render.posts import RenderedPost, own_text, render_post
from scheduler.render.text import AccountView, ArticleView, QuoteView

ACCOUNT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
DEFAULT_ACCOUNT = "outbox"
# Candidates kept per article: enough for a campaign's quote posts and for editors to choose from.
STORED_QUOTES = 10


class NewsroomError(ValueError):
    """A request that cannot be carried out; the message says what to do instead."""


@dataclass(frozen=True)
class When:
    """When an editor wants a post out: an exact time, at once, or the account's next free slot."""

    at: str | None = None
    now: bool = False
    queue: bool = False


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


def due_time(session: Session, when: When, account: Account, *, now: datetime) -> datetime:
    """The UTC instant for `when` in the account's zone; a past time needs an explicit `now`."""
    if sum((bool(when.at), when.now, when.queue)) > 1:
        raise NewsroomError("give one of --at TIME, --now or --queue, not several")
    if when.now:
        check_budget(session, account, now)
        return now
    if when.queue:
        return next_slot(session, account, after=now)
    if not when.at:
        raise NewsroomError(
            f"say when to post: --at 'YYYY-MM-DD HH:MM' (in {account.timezone}, the account's zone), "
            "--queue for the next free slot, or --now"
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
    check_budget(session, account, due)
    return due


def check_budget(session: Session, account: Account, at: datetime) -> None:
    """NewsroomError, saying what conflicts, when a post at `at` would break the account's budget."""
    try:
        slots_service.check_time(session, account, at)
    except BudgetError as error:
        raise NewsroomError(str(error)) from None


def next_slot(session: Session, account: Account, *, after: datetime) -> datetime:
    """The account's first posting slot after `after` that no post holds and its budget allows."""
    return slots_service.next_slot(session, account, after=after)


def store_article(
    session: Session,
    parsed: ParsedArticle,
    *,
    source: str | None = None,
    quotes: Sequence[PullQuote] | None = None,
) -> Article:
    """Save an article with its ranked pull quotes, or return the one saved with the same text and URL."""
    existing = find_stored(session, parsed)
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
        summary=parsed.summary,
        site_name=parsed.site_name,
        image_url=parsed.image_url,
        published_at=parsed.published_at,
        tags=list(parsed.tags),
    )
    # Callers that hold a write lock pass the quotes in, found before their transaction began.
    found = quotes if quotes is not None else pull_quotes(parsed.paragraphs, title=parsed.title)
    candidates = found[:STORED_QUOTES]
    article.quotes = [
        Quote(
            rank=rank,
            text=quote.text,
            speaker=quote.speaker,
            score=quote.score,
            confidence=quote.confidence,
            paragraph=quote.paragraph,
        )
        for rank, quote in enumerate(candidates, start=1)
    ]
    session.add(article)
    session.flush()
    return article


def find_stored(session: Session, parsed: ParsedArticle) -> Article | None:
    """The article stored with the same text and URL, if any."""
    return session.scalar(
        select(Article).where(
            Article.content_hash == parsed.content_hash,
            Article.canonical_url.is_not_distinct_from(parsed.canonical_url),
        )
    )


def list_article_posts(session: Session, article_id: int) -> tuple[list[Post], int]:
    """The article's posts (the first part of each thread), by due time, with their accounts."""
    posts = list(
        session.scalars(
            select(Post)
            .where(Post.article_id == article_id, Post.thread_index == 0)
            .options(selectinload(Post.account))
            .order_by(Post.due_at, Post.id)
        )
    )
    return posts, len(posts)


def list_articles(
    session: Session, *, search: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[Article], int]:
    """Articles, newest first, whose title, author or URL holds `search` (any case); and how many match."""
    matching = select(Article)
    if search and search.strip():
        pattern = "%" + search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        matching = matching.where(
            or_(
                Article.title.ilike(pattern, escape="\\"),
                Article.author.ilike(pattern, escape="\\"),
                Article.canonical_url.ilike(pattern, escape="\\"),
            )
        )
    total = session.scalar(select(func.count()).select_from(matching.subquery())) or 0
    newest = matching.options(selectinload(Article.quotes)).order_by(
        Article.created_at.desc(), Article.id.desc()
    )
    return list(session.scalars(newest.offset(offset).limit(limit))), total


def campaign_status(session: Session, article_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """For each article, how many of its posts (first parts of threads) are in each state."""
    rows = session.execute(
        select(Post.article_id, Post.state, func.count(Post.id))
        .where(Post.article_id.in_(list(article_ids)), Post.thread_parent_id.is_(None))
        .group_by(Post.article_id, Post.state)
    )
    status: dict[int, dict[str, int]] = {}
    for article_id, state, count in rows:
        status.setdefault(article_id, {})[str(state)] = count
    return status


def find_article_by_url(session: Session, url: str) -> Article | None:
    return session.scalar(select(Article).where(Article.canonical_url == url).order_by(Article.id).limit(1))


def quote_view(quote: Quote) -> QuoteView:
    return QuoteView(text=quote.text, speaker=quote.speaker, rank=quote.rank)


def article_view(article: Article) -> ArticleView:
    return ArticleView(
        title=article.title,
        url=article.canonical_url,
        author=article.author,
        summary=article.summary or (article.paragraphs[0] if article.paragraphs else ""),
        links=tuple(article.links),
        site=article.site_name,
        image=article.image_url,
        tags=tuple(article.tags or ()),
        quotes=tuple(quote_view(q) for q in article.quotes),
    )


def choose_quote(session: Session, article: Article, account: Account) -> Quote | None:
    """The best quote with a known speaker that no other post of the article on the account carries."""
    used = set(
        session.scalars(
            select(Post.quote_id).where(
                Post.article_id == article.id,
                Post.account_id == account.id,
                Post.quote_id.is_not(None),
                Post.state != PostState.CANCELED,
            )
        )
    )
    attributed = [q for q in article.quotes if q.speaker]
    fresh = [q for q in attributed if q.id not in used]
    return (fresh or attributed or [None])[0]


def account_view(account: Account) -> AccountView:
    return AccountView(account.name, account.network, hashtags=tuple(account.options.get("hashtags") or ()))


def render_for(
    templates_dir: Path, article: Article, account: Account, step: str, quote: Quote | None
) -> RenderedPost:
    return render_post(
        templates_dir,
        article_view(article),
        account_view(account),
        step,
        quote=quote_view(quote) if quote is not None else None,
        max_characters=account.options.get("max_characters"),
    )


def preview_article(parsed: ParsedArticle) -> ArticleView:
    """What templates would see of an article that is not stored: for previews and template checks."""
    quotes = pull_quotes(parsed.paragraphs, title=parsed.title)[:STORED_QUOTES]
    return ArticleView(
        title=parsed.title,
        url=parsed.canonical_url,
        author=parsed.author,
        summary=parsed.summary or (parsed.paragraphs[0] if parsed.paragraphs else ""),
        links=parsed.links,
        site=parsed.site_name,
        image=parsed.image_url,
        tags=parsed.tags,
        quotes=tuple(QuoteView(q.text, q.speaker, rank) for rank, q in enumerate(quotes, start=1)),
    )


def schedule_post(
    session: Session,
    article: Article,
    account: Account,
    *,
    due_at: datetime,
    templates_dir: Path,
    step: str = "announce",
    text: str | None = None,
    card: str | None = None,
    card_size: str | None = None,
    draft: bool | None = None,
    quote: Quote | None = None,
) -> Post:
    """Render the step's post for the account (or take the editor's own text) and schedule it.

    A text of several parts is a thread: one post per part, each replying to the one before;
    the first is returned. With `card`, the first part carries that card (rendered on the cards
    queue before the post is due; the post waits for it). The posts are drafts, waiting for
    `scheduler posts approve`, when the account needs approval (options["needs_approval"]) unless
    `draft` says otherwise. A quote post carries `quote` (one of the article's) when the editor
    picked one, else the best one the account has not posted yet.
    """
    if quote is not None and quote.article_id != article.id:
        raise NewsroomError(f"quote {quote.id} is not one of article {article.id}'s quotes")
    if step != "quote":
        quote = None
    elif quote is None:
        quote = choose_quote(session, article, account)
    if step == "quote" and quote is None and text is None:
        raise NewsroomError(
            f"article {article.id} ({article.title!r}) has no pull quote with a known speaker; "
            "post another step, such as announce, or give the text yourself"
        )
    size = _card_size(templates_dir, card, card_size)
    if card == "quote" and (quote or post_cards.best_quote(article)) is None:
        raise NewsroomError(
            f"article {article.id} ({article.title!r}) has no pull quote with a known speaker for a quote "
            "card; use the headline card (--card headline)"
        )
    if text is not None:
        rendered = own_text(
            text, network=account.network, max_characters=account.options.get("max_characters")
        )
    else:
        rendered = render_for(templates_dir, article, account, step, quote)
    if draft is None:
        draft = bool(account.options.get("needs_approval"))
    posts: list[Post] = []
    for index, part in enumerate(rendered.parts):
        post = Post(
            article=article,
            account=account,
            step=step,
            quote=quote,
            text=part,
            state=PostState.DRAFT if draft else PostState.SCHEDULED,
            due_at=due_at,
            scheduled_for=due_at,
            thread_index=index,
            thread_parent_id=posts[-1].id if posts else None,
        )
        if card is not None and size is not None and not posts:
            post_cards.ask_for_card(post, card, size)
        session.add(post)
        session.flush()
        posts.append(post)
    return posts[0]


def _card_size(templates_dir: Path, card: str | None, size: str | None) -> CardSize | None:
    if card is None:
        if size is not None:
            raise NewsroomError("a card size without a card: add --card quote (or headline, breaking)")
        return None
    try:
        return post_cards.check_card(templates_dir, card, size)
    except post_cards.CardRequestError as error:
        raise NewsroomError(str(error)) from None


def add_and_schedule(
    session: Session,
    parsed: ParsedArticle,
    *,
    account_name: str | None,
    when: When,
    templates_dir: Path,
    source: str | None = None,
    step: str = "announce",
    text: str | None = None,
    card: str | None = None,
    card_size: str | None = None,
) -> Post:
    """Everything `scheduler add` does, in the caller's one transaction: all of it or nothing."""
    account = find_account(session, account_name)
    due_at = due_time(session, when, account, now=utcnow())
    article = store_article(session, parsed, source=source)
    return schedule_post(
        session,
        article,
        account,
        due_at=due_at,
        templates_dir=templates_dir,
        step=step,
        text=text,
        card=card,
        card_size=card_size,
    )


def pick_quote(session: Session, post_id: int, rank: int, *, templates_dir: Path) -> Post:
    """Give a post that has not gone out another of its article's quotes, and render it again."""
    post = get_post(session, post_id)
    if post.article is None:
        raise NewsroomError(f"post {post_id} has no article, so no quotes to pick from")
    quote = next((q for q in post.article.quotes if q.rank == rank), None)
    if quote is None:
        count = len(post.article.quotes)
        raise NewsroomError(
            f"article {post.article.id} has {count} quote{'s' if count != 1 else ''}; "
            f"pick a rank from 1 to {count} (`scheduler post {post_id}` lists them)"
            if count
            else f"article {post.article.id} has no quotes to pick from"
        )
    editable: tuple[PostState, ...] = (PostState.DRAFT, PostState.SCHEDULED)
    # A post failed only because its card could not show its quote gets another chance with another quote.
    revive = post.state == PostState.FAILED and post.card_state == CardState.FAILED
    if revive:
        editable = (*editable, PostState.FAILED)
    if post.state not in editable:
        raise NewsroomError(f"post {post_id} is {post.state}; only draft or scheduled posts can change")
    rendered = render_for(templates_dir, post.article, post.account, post.step, quote)
    chain = thread_of(session, post)
    if len(rendered.parts) != len(chain):
        raise NewsroomError(
            f"with quote {rank} post {post_id} would be a thread of {len(rendered.parts)} part(s), "
            f"not {len(chain)}; cancel it and schedule the quote post again"
        )
    # Compare-and-set: the dispatcher may claim the post while the editor is choosing.
    for part, text in zip(chain, rendered.parts, strict=True):
        # A card shows the quote too: it is made again, and the post waits for it.
        card: dict[str, object] = (
            {"card_state": CardState.PENDING, "card_requested_at": None, "media": []}
            if part.card_template
            else {}
        )
        if revive:
            card.update(state=PostState.SCHEDULED, last_error=None)
        changed = session.execute(
            update(Post)
            .where(Post.id == part.id, Post.state.in_(editable))
            .values(quote_id=quote.id, text=text, updated_at=utcnow(), **card)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not changed:
            raise NewsroomError(f"post {part.id} was claimed for publishing meanwhile; it goes out as it was")
    session.refresh(post)
    return post


MAX_QUOTE_CHARACTERS = 1000


def edit_quote(
    session: Session, article: Article, quote_id: int, *, text: str, speaker: str, templates_dir: Path
) -> list[int]:
    """Change a quote's words or speaker (an editor's fix to what extraction found); the posts carrying
    it that have not gone out are rendered again (their cards made again). The ids of those posts."""
    quote = next((q for q in article.quotes if q.id == quote_id), None)
    if quote is None:
        raise NewsroomError(f"article {article.id} has no quote {quote_id}")
    words, who = " ".join(text.split()), " ".join(speaker.split())
    if not words:
        raise NewsroomError("the quote is empty: write its words, or pick another quote")
    if len(words) > MAX_QUOTE_CHARACTERS:
        raise NewsroomError(f"the quote is {len(words)} characters; keep it under {MAX_QUOTE_CHARACTERS}")
    quote.text, quote.speaker = words, who or None
    session.flush()
    carrying = session.scalars(
        select(Post.id).where(
            Post.quote_id == quote.id,
            Post.thread_parent_id.is_(None),
            Post.state.in_((PostState.DRAFT, PostState.SCHEDULED)),
        )
    ).all()
    for post_id in carrying:
        pick_quote(session, post_id, quote.rank, templates_dir=templates_dir)
    return list(carrying)


def thread_of(session: Session, post: Post) -> list[Post]:
    """The post and the later parts of its thread, in order."""
    chain = [post]
    while (reply := session.scalar(select(Post).where(Post.thread_parent_id == chain[-1].id))) is not None:
        chain.append(reply)
    return chain


def list_posts(
    session: Session,
    *,
    state: str | None = None,
    account: str | None = None,
    due_from: datetime | None = None,
    due_before: datetime | None = None,
    limit: int = 200,
    offset: int = 0,
) -> tuple[list[Post], int]:
    """Posts by due time (at most `limit`, after the first `offset`), and how many match in all."""
    if state is not None and state not in {s.value for s in PostState}:
        raise NewsroomError(f"unknown state {state!r}: choose one of {', '.join(s.value for s in PostState)}")
    matching = select(Post)
    if state is not None:
        matching = matching.where(Post.state == state)
    if account is not None:
        matching = matching.where(Post.account_id == find_account(session, account).id)
    if due_from is not None:
        matching = matching.where(Post.due_at >= due_from)
    if due_before is not None:
        matching = matching.where(Post.due_at < due_before)
    total = session.scalar(select(func.count()).select_from(matching.subquery())) or 0
    ordered = matching.options(selectinload(Post.account)).order_by(Post.due_at, Post.id)
    return list(session.scalars(ordered.offset(offset).limit(limit))), total


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
