"""/api/v1/articles: add an article from its URL or its text, list and search them, read one with its
quotes and posts. The same functions as `scheduler add` and `scheduler quotes`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.orm import Session

from scheduler import db
from scheduler.articles import ArticleError
from scheduler.articles.fetch import FetchPolicy
from scheduler.articles.sources import read_page, read_pasted
from scheduler.models import Article
from scheduler.newsroom import articles
from scheduler.newsroom.articles import find_stored, list_article_posts, store_article
from scheduler.web.api import MAX_ID, NO_NUL, PostOut, known_query_parameters
from scheduler.web.auth import DATABASE, Viewer, api_viewer
from scheduler.web.words import api_words
from scheduler.wording import worded

router = APIRouter(
    prefix="/api/v1/articles", tags=["articles"], dependencies=[Depends(known_query_parameters)]
)

ArticleId = Annotated[int, Path(ge=1, le=MAX_ID, description="the article's id")]


class QuoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    rank: int  # 1 is the best
    text: str
    speaker: str | None


class ArticleSummary(BaseModel):
    id: int
    title: str
    author: str | None
    url: str | None
    site: str | None
    published_at: datetime | None
    created_at: datetime
    embargo_until: datetime | None
    withdrawn_at: datetime | None

    @classmethod
    def of(cls, article: Article) -> ArticleSummary:
        return cls(
            id=article.id,
            title=article.title,
            author=article.author,
            url=article.canonical_url,
            site=article.site_name,
            published_at=article.published_at,
            created_at=article.created_at,
            embargo_until=article.embargo_until,
            withdrawn_at=article.withdrawn_at,
        )


class ArticleOut(ArticleSummary):
    summary: str | None
    tags: list[str]
    quotes: list[QuoteOut]  # the pull quotes found, best first
    posts: list[PostOut]  # its posts (first parts), by due time


class Created(BaseModel):
    created: bool  # false: the same article (text and URL) was there already
    article: ArticleOut


class ArticlePage(BaseModel):
    total: int
    articles: list[ArticleSummary]


class ArticleRequest(BaseModel):
    """One of `url` (the article's page, fetched) or `text` (the article as plain text, title on the first
    line, or a page's HTML)."""

    url: Annotated[str | None, Field(max_length=2000, pattern=NO_NUL)] = None
    text: Annotated[str | None, Field(max_length=2_000_000)] = None
    canonical_url: Annotated[str | None, Field(max_length=2000, pattern=NO_NUL)] = None  # with `text`

    @model_validator(mode="after")
    def one_source(self) -> ArticleRequest:
        if (self.url is None) == (self.text is None):
            raise ValueError("give one of url (the article's page) or text (the article itself)")
        if self.url is not None and self.canonical_url is not None:
            raise ValueError("canonical_url goes with text; a page says its own")
        return self


def _detail(session: Session, article: Article) -> ArticleOut:
    posts, _ = list_article_posts(session, article.id)
    return ArticleOut(
        **ArticleSummary.of(article).model_dump(),
        summary=article.summary,
        tags=[str(tag) for tag in article.tags],
        quotes=[QuoteOut.model_validate(quote) for quote in article.quotes],
        posts=[PostOut.of(post) for post in posts],
    )


@router.post(
    "",
    status_code=201,
    responses={200: {"description": "the article was there already"}, 422: {"description": "not readable"}},
)
def add_article(
    body: ArticleRequest,
    request: Request,
    response: Response,
    viewer: Viewer = api_viewer("write"),
    session: Session = DATABASE,
) -> Created:
    """Read the article (fetching its page, guarded as `scheduler add URL` is) and store it with its pull
    quotes; the same text and URL again give the article stored before."""
    settings = request.app.state.settings
    db.release(session)  # the fetch and the parse take seconds: no transaction (no lock) held through them
    try:
        if body.url is not None:
            parsed = read_page(body.url, policy=FetchPolicy.from_settings(settings))
        else:
            parsed = read_pasted(
                body.text or "", max_bytes=settings.max_article_bytes, canonical_url=body.canonical_url
            )
    except ArticleError as error:
        raise HTTPException(422, worded(error, api_words)) from None
    before = find_stored(session, parsed)
    article = before or store_article(session, parsed, source="api")
    if before is not None:
        response.status_code = 200
    return Created(created=before is None, article=_detail(session, article))


@router.get("")
def list_articles(
    q: Annotated[
        str | None, Query(max_length=200, pattern=NO_NUL, description="in the title, author or URL")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    viewer: Viewer = api_viewer("view"),
    session: Session = DATABASE,
) -> ArticlePage:
    """Articles, newest first."""
    found, total = articles.list_articles(session, search=q, limit=limit, offset=offset)
    return ArticlePage(total=total, articles=[ArticleSummary.of(article) for article in found])


@router.get("/{article_id}", responses={404: {"description": "no such article"}})
def read_article(
    article_id: ArticleId, viewer: Viewer = api_viewer("view"), session: Session = DATABASE
) -> ArticleOut:
    """An article with its pull quotes and its posts."""
    article = session.get(Article, article_id)
    if article is None:
        raise HTTPException(404, f"there is no article {article_id}")
    return _detail(session, article)
