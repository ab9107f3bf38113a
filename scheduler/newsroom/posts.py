"""One post of an article for one account: when it goes (a time, now, the next free slot), rendered
and scheduled (a thread when it is long), listed and read back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from scheduler.articles import ParsedArticle
from scheduler.models import Account, Article, Post, PostState, Quote, utcnow
from scheduler.newsroom import NewsroomError
from scheduler.newsroom.accounts import account_view, find_account
from scheduler.newsroom.articles import article_view, quote_view, store_article
from scheduler.planning import PlanningError, account_calendar
from scheduler.planning.wallclock import parse_time, zone
from scheduler.publishing import post_cards
from scheduler.render.cards import CardSize
from scheduler.render.posts import RenderedPost, own_text, render_post
from scheduler.wording import marked


@dataclass(frozen=True)
class When:
    """When an editor wants a post out: an exact time, at once, or the account's next free slot."""

    at: str | None = None
    now: bool = False
    queue: bool = False


def due_time(session: Session, when: When, account: Account, *, now: datetime) -> datetime:
    """The UTC instant for `when` in the account's zone; a past time needs an explicit `now`."""
    if sum((bool(when.at), when.now, when.queue)) > 1:
        raise NewsroomError("give one of «--at TIME», «--now» or «--queue», not several", field="at")
    if when.now:
        check_budget(session, account, now)
        return now
    if when.queue:
        return next_slot(session, account, after=now)
    if not when.at:
        raise NewsroomError(
            f"say when to post: «--at 'YYYY-MM-DD HH:MM'» (in {account.timezone}, the account's zone), "
            "«--queue» for the next free slot, or «--now»",
            field="at",
        )
    tz = zone(account.timezone)
    try:
        due = parse_time(when.at, tz)
    except PlanningError as error:
        raise NewsroomError(marked(error), field="at") from None
    if due < now:
        raise NewsroomError(
            f"{when.at} ({account.timezone}) has already passed; give a later time, "
            "or «--now» to post at once",
            field="at",
        )
    check_budget(session, account, due)
    return due


def check_budget(session: Session, account: Account, at: datetime) -> None:
    """NewsroomError, saying what conflicts, when a post at `at` would break the account's budget."""
    try:
        account_calendar.check_time(session, account, at)
    except PlanningError as error:  # the budget, or past the planning horizon
        raise NewsroomError(marked(error)) from None


def next_slot(session: Session, account: Account, *, after: datetime) -> datetime:
    """The account's first posting slot after `after` that no post holds and its budget allows."""
    return account_calendar.next_slot(session, account, after=after)


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


def schedule_post(
    session: Session,
    article: Article | None,
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
    picked one, else the best one the account has not posted yet. Without an article (a post of the
    editor's own), the editor's text is the post: no step's template, no card.
    """
    if article is None:
        if text is None or card is not None or step != "announce":
            raise NewsroomError(
                "a post without an article is the editor's own text, with no step and no card: write "
                "the text, or start from an article",
                field="text" if text is None else "card" if card is not None else "step",
            )
        return _place(
            session,
            None,
            account,
            own_text(text, network=account.network, max_characters=account.options.get("max_characters")),
            due_at=due_at,
            step=step,
            quote=None,
            card=None,
            size=None,
            draft=draft,
        )
    if quote is not None and quote.article_id != article.id:
        raise NewsroomError(f"quote {quote.id} is not one of article {article.id}'s quotes", field="quote")
    if step != "quote":
        quote = None
    elif quote is None:
        quote = choose_quote(session, article, account)
    if step == "quote" and quote is None and text is None:
        raise NewsroomError(
            f"article {article.id} ({article.title!r}) has no pull quote with a known speaker; "
            "post another step, such as announce, or give the text yourself",
            field="step",
        )
    size = _card_size(templates_dir, card, card_size)
    if card == "quote" and (quote or post_cards.best_quote(article)) is None:
        raise NewsroomError(
            f"article {article.id} ({article.title!r}) has no pull quote with a known speaker for a quote "
            "card; use the headline card («--card headline»)",
            field="card",
        )
    if text is not None:
        rendered = own_text(
            text, network=account.network, max_characters=account.options.get("max_characters")
        )
    else:
        rendered = render_for(templates_dir, article, account, step, quote)
    return _place(
        session,
        article,
        account,
        rendered,
        due_at=due_at,
        step=step,
        quote=quote,
        card=card,
        size=size,
        draft=draft,
    )


def _place(
    session: Session,
    article: Article | None,
    account: Account,
    rendered: RenderedPost,
    *,
    due_at: datetime,
    step: str,
    quote: Quote | None,
    card: str | None,
    size: CardSize | None,
    draft: bool | None,
) -> Post:
    """The rendered post's parts as a thread of posts; the first."""
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
            raise NewsroomError(
                "a card size without a card: add --card quote (or headline, breaking)", field="card"
            )
        return None
    try:
        return post_cards.check_card(templates_dir, card, size)
    except post_cards.CardRequestError as error:
        raise NewsroomError(str(error), field="card") from None


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
