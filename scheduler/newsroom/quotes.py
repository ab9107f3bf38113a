"""An editor's hand on quotes: another of the article's quotes for a post, or a quote's words and
speaker corrected; the posts carrying it that have not gone out are rendered again.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from scheduler.models import Article, CardState, Post, PostState, utcnow
from scheduler.newsroom import NewsroomError
from scheduler.newsroom.posts import get_post, render_for, thread_of


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
