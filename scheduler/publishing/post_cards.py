"""Cards for posts: which posts wait for one, what it shows, rendering it and attaching it with alt text.

A post that carries a card is not dispatched until its card is ready. The beat tick asks for every
pending card; a worker on the `cards` queue renders it (outside any transaction) and attaches it
with a compare-and-set, so a render that an editor's change overtook (another quote picked) is
dropped, not attached. A card that cannot be made (a quote too long, a broken template) fails its
post at once with the reason, long before it was due, so the editor can choose another quote.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import Integer, Update, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from scheduler.articles.fetch import FetchError, FetchPolicy, fetch
from scheduler.config import Settings
from scheduler.db import is_postgresql, picked_once
from scheduler.models import Account, Article, CardState, Post, PostState, Quote, UTCDateTime, utcnow
from scheduler.publishing.records import SessionFactory, fail_thread_replies
from scheduler.render import RenderError
from scheduler.render.browser import CardRenderer, ChromiumMissing
from scheduler.render.card_store import CardStore, StoredCard, render_card
from scheduler.render.cards import (
    ALT_TEXT_LIMITS,
    CARD_TEMPLATES,
    DEFAULT_SIZE,
    CardContent,
    CardPage,
    CardSize,
    Theme,
    alt_text,
    card_page,
    card_template_names,
    parse_size,
)

log = logging.getLogger(__name__)

# A card waits for its render while its post may still change; once claimed, a post keeps its card.
WAITING_STATES = (PostState.DRAFT, PostState.SCHEDULED)
LEAD_IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif")
MAX_LEAD_IMAGE_BYTES = 10_000_000


class CardRequestError(ValueError):
    """A card that cannot be asked for (no such template, a bad size); the message says what to use."""


def check_card(templates_dir: Path, template: str, size: str | None) -> CardSize:
    """The card's size, after checking that the template exists; CardRequestError otherwise."""
    known = card_template_names(templates_dir)
    if template not in known:
        raise CardRequestError(
            f"no card template {template!r}: use one of {', '.join(known) or ', '.join(CARD_TEMPLATES)} "
            f"(templates/cards/<name>.html.j2)"
        )
    try:
        return parse_size(size) if size else DEFAULT_SIZE
    except RenderError as error:
        raise CardRequestError(str(error)) from None


def ask_for_card(post: Post, template: str, size: CardSize) -> None:
    """Mark the post as carrying this card; the beat tick sends it to the cards queue."""
    post.card_template = template
    post.card_size = size.name
    post.card_state = CardState.PENDING
    post.card_requested_at = None
    post.media = []


# Renders asked for and not done (within the retry time) at most: more would only wait in the queue,
# and be asked for again when they had waited past the retry time. Two cards workers render about 25
# cards a second (bench/cards.py).
CARD_JOBS_OUTSTANDING = 200


def claim_card_jobs(
    session: Session,
    *,
    now: datetime,
    retry_after: timedelta,
    limit: int = 100,
    outstanding: int = CARD_JOBS_OUTSTANDING,
) -> list[int]:
    """Posts whose card is pending and not asked for recently, the soonest due first: marked as asked
    for now, returned to send. Never more than `outstanding` renders asked for and not done.

    A render that was lost (a worker died, Redis restarted) is asked for again after `retry_after`.
    """
    stale = now - retry_after
    # Core statements on the session's connection: the ORM's layers took a third of a tick's time.
    connection = session.connection()
    asked = connection.execute(_OUTSTANDING_RENDERS, {"stale": stale, "outstanding": outstanding}).scalar()
    limit = min(limit, outstanding - (asked or 0))
    if limit <= 0:
        return []
    statement = _claim_cards_statement(is_postgresql(session))
    rows = connection.execute(statement, {"now": now, "stale": stale, "limit": limit})
    return [row.id for row in rows]


# Renders asked for within the retry time and not done: few, read through ix_posts_card_requested_at.
# The state is tested through coalesce() so that no planner takes ix_posts_card_state_due_at instead:
# right after a big plan, with statistics from before it, PostgreSQL did, and read 110,000 pending
# cards (1.3 s) to count a handful.
_OUTSTANDING_RENDERS = select(func.count()).select_from(
    select(Post.id)
    .where(
        Post.card_requested_at >= bindparam("stale", type_=UTCDateTime()),
        func.coalesce(Post.card_state, "") == CardState.PENDING.value,
    )
    .limit(bindparam("outstanding", type_=Integer()))
    .subquery()
)


@cache
def _claim_cards_statement(postgresql: bool) -> Update:
    """claim_card_jobs' statement, built once per dialect (it runs every tick)."""
    pending = (
        select(Post.id)
        .where(
            Post.card_state == CardState.PENDING,
            Post.state.in_(WAITING_STATES),
            or_(
                Post.card_requested_at.is_(None),
                Post.card_requested_at < bindparam("stale", type_=UTCDateTime()),
            ),
        )
        .order_by(Post.due_at)
        .limit(bindparam("limit", type_=Integer()))
    )
    picked = picked_once(pending, postgresql=postgresql)
    return (
        update(Post)
        .where(Post.id == picked.c.id)
        .values(card_requested_at=bindparam("now", type_=UTCDateTime()))
        .returning(Post.id)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class CardJob:
    """What one post's card needs, read in one short transaction."""

    post_id: int
    requested_at: datetime | None
    template: str
    size: CardSize
    content: CardContent
    theme: Theme
    network: str
    image_url: str | None


def card_content(article: Article | None, quote: Quote | None, *, label: str = "Breaking") -> CardContent:
    if article is None:
        return CardContent(quote=quote.text if quote else "", speaker=(quote.speaker or "") if quote else "")
    return CardContent(
        title=article.title,
        quote=quote.text if quote else "",
        speaker=(quote.speaker or "") if quote else "",
        site=site_name(article),
        label=label,
    )


def site_name(article: Article) -> str:
    """The site's own name, else its host without `www.`."""
    if article.site_name:
        return article.site_name
    host = urlsplit(article.canonical_url or "").hostname or ""
    return host.removeprefix("www.")


def account_theme(account: Account) -> Theme:
    return Theme.from_options(account.options.get("theme"))


def best_quote(article: Article | None) -> Quote | None:
    if article is None:
        return None
    return next((q for q in article.quotes if q.speaker), None)


@dataclass(frozen=True)
class ArticleCard:
    """The card an article would get on an account: its page (ready to render) and its alt text."""

    page: CardPage
    alt: str


def article_card(
    templates_dir: Path,
    article: Article,
    account: Account,
    template: str,
    quote: Quote | None = None,
    size: CardSize = DEFAULT_SIZE,
) -> ArticleCard:
    """What a post of the article on the account would carry: `quote` (else the best one) in the
    account's theme. RenderError says why it cannot be made."""
    quote = quote or best_quote(article)
    if template == "quote" and quote is None:
        raise RenderError(f"article {article.id} has no pull quote with a known speaker for a quote card")
    content = card_content(article, quote)
    page = card_page(templates_dir, template, content, account_theme(account), size)
    limit = ALT_TEXT_LIMITS.get(account.network, min(ALT_TEXT_LIMITS.values()))
    return ArticleCard(page, alt_text(template, content, limit))


def load_job(session: Session, post_id: int) -> CardJob | None:
    post = session.get(Post, post_id)
    if post is None or post.card_state != CardState.PENDING or post.state not in WAITING_STATES:
        return None
    quote = post.quote or best_quote(post.article)
    return CardJob(
        post_id=post.id,
        requested_at=post.card_requested_at,
        template=post.card_template or "quote",
        size=parse_size(post.card_size or DEFAULT_SIZE.name),
        content=card_content(post.article, quote),
        theme=account_theme(post.account),
        network=post.account.network,
        image_url=post.article.image_url if post.article else None,
    )


def lead_image(url: str, media_dir: Path, policy: FetchPolicy) -> str | None:
    """The article's lead image as a local file (fetched once, kept by the hash of its URL), or None.

    A card is still worth making without its photo: a failed fetch is logged, not raised.
    """
    folder = media_dir / "images"
    digest = hashlib.sha256(url.encode()).hexdigest()
    for kind in LEAD_IMAGE_TYPES:
        existing = folder / f"{digest}.{kind.split('/')[1]}"
        if existing.is_file():
            return str(existing)
    try:
        fetched = fetch(url, policy=policy, accept=LEAD_IMAGE_TYPES)
    except FetchError as error:
        log.warning("lead image %s not fetched: %s", url, error)
        return None
    kind = (fetched.content_type or "").lower()
    if kind not in LEAD_IMAGE_TYPES or len(fetched.body) > MAX_LEAD_IMAGE_BYTES:
        log.warning("lead image %s is %s (%d bytes): not used", url, kind or "of no type", len(fetched.body))
        return None
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}.{kind.split('/')[1]}"
    # Whole or not at all, and never another worker's half-written file: a private temporary name.
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".image-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(fetched.body)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return str(path)


def media_entry(stored: StoredCard, alt: str) -> dict[str, object]:
    return {
        "path": str(stored.path),
        "alt_text": alt,
        "width": stored.width,
        "height": stored.height,
        "template": stored.template,
        "key": stored.key,
    }


def render_post_card(
    session_factory: SessionFactory, post_id: int, renderer: CardRenderer, settings: Settings
) -> str:
    """Render the post's pending card and attach it; what happened: ready, failed, waiting or skipped."""
    problem: str | None = None
    with session_factory() as session:
        try:
            job = load_job(session, post_id)
        except (RenderError, ValueError) as error:  # a theme or size that no longer reads
            job, problem = None, f"card: {error}"
            requested_at = session.scalar(select(Post.card_requested_at).where(Post.id == post_id))
    if problem is not None:  # failed after the read's transaction ends: SQLite has one writer at a time
        return _fail(session_factory, post_id, requested_at, problem)
    if job is None:
        return "skipped"
    content = job.content
    if job.image_url:
        image = lead_image(job.image_url, settings.resolved_media_dir, FetchPolicy.from_settings(settings))
        content = CardContent(**{**content.__dict__, "image": image})
    try:
        page = card_page(settings.templates_dir, job.template, content, job.theme, job.size)
        stored = render_card(renderer, CardStore(settings.resolved_media_dir), page)
    except ChromiumMissing as error:
        # Not the post's fault: it waits (and says why) until a cards worker with Chromium renders it.
        with session_factory() as session:
            _note(session, job, f"waiting for its card: {error}")
        return "waiting"
    except RenderError as error:
        return _fail(session_factory, post_id, job.requested_at, f"card: {error}")
    alt = alt_text(job.template, content, ALT_TEXT_LIMITS.get(job.network, min(ALT_TEXT_LIMITS.values())))
    with session_factory() as session:
        attached = session.execute(
            update(Post)
            .where(
                Post.id == post_id,
                Post.card_state == CardState.PENDING,
                Post.state.in_(WAITING_STATES),
                _same_request(job.requested_at),
            )
            .values(
                media=[media_entry(stored, alt)],
                card_state=CardState.READY,
                last_error=None,
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        ).rowcount
    return "ready" if attached else "skipped"


def _same_request(requested_at: datetime | None) -> object:
    column = Post.card_requested_at
    return column.is_(None) if requested_at is None else column == requested_at


def _note(session: Session, job: CardJob, message: str) -> None:
    session.execute(
        update(Post)
        .where(Post.id == job.post_id, Post.card_state == CardState.PENDING)
        .values(last_error=message)
        .execution_options(synchronize_session=False)
    )


def _fail(session_factory: SessionFactory, post_id: int, requested_at: datetime | None, reason: str) -> str:
    """The post fails now, with the card's reason, unless an editor changed it meanwhile."""
    now = utcnow()
    with session_factory() as session:
        failed = session.execute(
            update(Post)
            .where(
                Post.id == post_id,
                Post.card_state == CardState.PENDING,
                Post.state.in_(WAITING_STATES),
                _same_request(requested_at),
            )
            .values(state=PostState.FAILED, card_state=CardState.FAILED, last_error=reason, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if failed:
            fail_thread_replies(
                session, post_id, reason=f"the post it replies to ({post_id}) failed: {reason}"
            )
    return "failed" if failed else "skipped"
