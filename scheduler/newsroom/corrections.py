"""Corrections: an article changed after its posts were planned; every post not yet out is rendered again.

Plain functions on a session. A post is only changed while it is still a draft or scheduled
(compare-and-set): the dispatcher may claim it meanwhile, and then it goes out as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.articles import ParsedArticle
from scheduler.articles.quotes import PullQuote, pull_quotes
from scheduler.models import Article, Post, PostState, Quote
from scheduler.newsroom import NewsroomError
from scheduler.newsroom.articles import STORED_QUOTES
from scheduler.newsroom.controls import CARD_AGAIN, EDITABLE, get_article, move_post
from scheduler.newsroom.posts import choose_quote, render_for, thread_of
from scheduler.render import RenderError

CORRECTED_FIELDS = (
    "title",
    "summary",
    "author",
    "paragraphs",
    "links",
    "canonical_url",
    "site_name",
    "image_url",
    "published_at",
    "tags",
)


@dataclass(frozen=True)
class Rerendered:
    post_id: int
    account: str
    state: str
    what: str  # what was done, for the editor
    text: str = ""


@dataclass(frozen=True)
class Correction:
    article: Article
    changed: list[str]
    posts: list[Rerendered]
    left: list[tuple[int, str]]  # not touched: post, why


def correct_article(
    session: Session,
    article_id: int,
    *,
    templates_dir: Path,
    title: str | None = None,
    summary: str | None = None,
    parsed: ParsedArticle | None = None,
    source: str | None = None,
    quotes: Sequence[PullQuote] | None = None,
) -> Correction:
    """Correct an article (its fields, or all of it read again, keeping its id) and render its posts
    that have not gone out again: text from their step's template, and their cards.

    A post has no flag for an editor's own text, so a post is re-rendered only when its text is what
    its template makes of the article before the correction; any other text is left for the editor
    (and reported). Callers that hold a write lock pass `quotes`, found before their transaction began.
    """
    article = get_article(session, article_id)
    if title is not None and not title.strip():
        raise NewsroomError("the title cannot be empty")
    editable: list[tuple[list[Post], bool]] = []
    left: list[tuple[int, str]] = []
    for chain in _threads(session, article):
        states = {post.state for post in chain}
        if states <= set(EDITABLE):
            editable.append((chain, _from_template(templates_dir, article, chain)))
        elif states & {PostState.QUEUED, PostState.PUBLISHING}:
            left.append((chain[0].id, "on its way to the network: it goes out as it was"))
        elif states & set(EDITABLE):
            left.append((chain[0].id, "part of its thread is out: the rest goes out as it was"))

    before = {name: getattr(article, name) for name in CORRECTED_FIELDS}
    quotes_before = [(q.text, q.speaker) for q in article.quotes]
    lost_quote: set[int] = set()
    if parsed is not None:
        lost_quote = _read_again(session, article, parsed, source, quotes)
    if title is not None:
        article.title = " ".join(title.split())
    if summary is not None:
        article.summary = " ".join(summary.split()) or None
    article.content_hash = ParsedArticle(article.title, tuple(article.paragraphs)).content_hash
    changed = [name for name in CORRECTED_FIELDS if getattr(article, name) != before[name]]
    if [(q.text, q.speaker) for q in article.quotes] != quotes_before:
        changed.append("quotes")
    if not changed:
        return Correction(article, [], [], left)
    session.flush()
    session.expire_all()  # quotes removed by the correction were unset on posts by the database

    done: list[Rerendered] = []
    for chain, from_template in editable:
        chain = [session.get_one(Post, post.id) for post in chain]
        done.append(_render_again(session, templates_dir, article, chain, from_template, lost_quote, left))
    return Correction(article, changed, [d for d in done if d is not None], left)


def _threads(session: Session, article: Article) -> list[list[Post]]:
    heads = session.scalars(
        select(Post)
        .where(Post.article_id == article.id, Post.thread_parent_id.is_(None))
        .order_by(Post.due_at, Post.id)
    )
    return [thread_of(session, head) for head in heads]


def _from_template(templates_dir: Path, article: Article, chain: list[Post]) -> bool:
    """Whether the thread's text is what its step's template makes of the article as it stands."""
    head = chain[0]
    try:
        rendered = render_for(templates_dir, article, head.account, head.step, head.quote)
    except RenderError:
        return False
    return rendered.parts == tuple(post.text for post in chain)


def _read_again(
    session: Session,
    article: Article,
    parsed: ParsedArticle,
    source: str | None,
    quotes: Sequence[PullQuote] | None,
) -> set[int]:
    """Take every field from the article read again; its quotes too (a quote whose text is unchanged
    keeps its id, so posts keep carrying it). The ids of posts whose quote is gone are returned."""
    url = parsed.canonical_url or article.canonical_url  # a text file carries no URL: keep the one known
    for name in CORRECTED_FIELDS:
        value = getattr(parsed, name)
        setattr(article, name, list(value) if isinstance(value, tuple) else value)
    article.canonical_url = url
    article.source = source or article.source
    found = quotes if quotes is not None else pull_quotes(parsed.paragraphs, title=parsed.title)
    old = {quote.text: quote for quote in article.quotes}
    for quote in article.quotes:
        quote.rank = -quote.id  # out of the way of the unique (article, rank) while ranks change
    session.flush()
    kept = []
    for rank, candidate in enumerate(found[:STORED_QUOTES], start=1):
        quote = old.pop(candidate.text, None) or Quote(text=candidate.text)
        quote.rank, quote.speaker, quote.score = rank, candidate.speaker, candidate.score
        quote.confidence, quote.paragraph = candidate.confidence, candidate.paragraph
        kept.append(quote)
    gone = [quote.id for quote in old.values()]
    lost = set(session.scalars(select(Post.id).where(Post.quote_id.in_(gone)))) if gone else set()
    article.quotes = kept  # the others are deleted; the database unsets them on posts that carried them
    return lost


def _render_again(
    session: Session,
    templates_dir: Path,
    article: Article,
    chain: list[Post],
    from_template: bool,
    lost_quote: set[int],
    left: list[tuple[int, str]],
) -> Rerendered | None:
    head = chain[0]
    quote = head.quote
    values: dict[str, object] = {}
    if head.id in lost_quote:
        quote = choose_quote(session, article, head.account)
        values["quote_id"] = quote.id if quote is not None else None
        if quote is None and from_template and head.step == "quote":
            why = "canceled: the corrected article has no pull quote with a known speaker for this quote post"
            for post in chain:
                move_post(session, post.id, EDITABLE, state=PostState.CANCELED, last_error=why)
            return Rerendered(head.id, head.account.name, PostState.CANCELED, why)
    parts: tuple[str, ...] = ()
    if from_template:
        try:
            parts = render_for(templates_dir, article, head.account, head.step, quote).parts
        except RenderError as error:
            raise NewsroomError(
                f"post {head.id} cannot be rendered for the corrected article: {error}"
            ) from None
    card = CARD_AGAIN if head.card_template else {}
    # The first part first: the later parts cannot be claimed before it is out.
    if not move_post(session, head.id, EDITABLE, **values, **card, **({"text": parts[0]} if parts else {})):
        left.append((head.id, "claimed for publishing meanwhile: it goes out as it was"))
        return None
    for index, post in enumerate(chain[1:], start=1):
        if not parts:
            move_post(session, post.id, EDITABLE, **values, **(CARD_AGAIN if post.card_template else {}))
        elif index < len(parts):
            move_post(session, post.id, EDITABLE, **values, text=parts[index])
        else:
            why = "canceled: the corrected post is a shorter thread"
            move_post(session, post.id, EDITABLE, state=PostState.CANCELED, last_error=why)
    parent = chain[-1]
    for index in range(len(chain), len(parts)):
        parent = Post(
            article_id=article.id,
            account_id=head.account_id,
            step=head.step,
            quote_id=quote.id if quote is not None else None,
            campaign=head.campaign,
            campaign_step=head.campaign_step,
            text=parts[index],
            state=head.state,
            due_at=head.due_at,
            scheduled_for=head.scheduled_for,
            thread_index=index,
            thread_parent_id=parent.id,
        )
        session.add(parent)
        session.flush()
    if not from_template:
        what = "own text (not its template's): not re-rendered, check it" + (
            "; card made again" if card else ""
        )
        return Rerendered(head.id, head.account.name, head.state, what, head.text)
    what = "re-rendered" + (
        f" ({len(chain)} part(s) before, {len(parts)} now)" if len(parts) != len(chain) else ""
    )
    return Rerendered(
        head.id,
        head.account.name,
        head.state,
        what + ("; card made again" if card else ""),
        "\n---\n".join(parts),
    )
