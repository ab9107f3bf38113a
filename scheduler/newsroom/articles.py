"""Articles kept with their ranked pull quotes: stored once, found, listed and searched, and what
templates see of one.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from scheduler.articles import ParsedArticle
from scheduler.articles.quotes import PullQuote, pull_quotes
from scheduler.models import Article, Post, Quote
from scheduler.render.text import ArticleView, QuoteView

# Candidates kept per article: enough for a campaign's quote posts and for editors to choose from.
STORED_QUOTES = 10


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
