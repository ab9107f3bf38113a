"""What an adapter is handed for one post: the account (with its secrets opened) and the OutgoingPost.

Read with core statements in the claim's transaction, so a publish costs few round trips.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.config import Settings
from scheduler.models import Account, Article, Post
from scheduler.networks import AccountSettings
from scheduler.networks.base import LinkCard, Media, OutgoingPost
from scheduler.networks.vault import unseal

OUTGOING_COLUMNS = (
    Post.key,
    Post.account_id,
    Post.article_id,
    Post.text,
    Post.media,
    Post.due_at,
    Post.thread_parent_id,
)


def account_settings(session: Session, account_id: int, settings: Settings) -> AccountSettings:
    """The account as adapters see it; VaultError when its secrets cannot be opened."""
    row = session.execute(
        select(Account.name, Account.network, Account.options, Account.secrets).where(
            Account.id == account_id
        )
    ).one()
    opened: dict[str, str] = {}
    if row.secrets:
        key = settings.secret_key.get_secret_value() if settings.secret_key else None
        opened = unseal(row.secrets, key, account=row.name)
    return AccountSettings(row.name, row.network, row.options or {}, opened)


def outgoing_post(
    session: Session, post_id: int, account_name: str, row: Any, settings: Settings
) -> OutgoingPost:
    reply_to = thread_root = None
    if row.thread_parent_id is not None:
        reply_to = session.scalar(select(Post.external_id).where(Post.id == row.thread_parent_id))
        thread_root = _root_external_id(session, row.thread_parent_id)
    return OutgoingPost(
        post_id=post_id,
        key=row.key,
        account=account_name,
        text=row.text,
        due_at=row.due_at,
        media=tuple(Media(path=item["path"], alt_text=item.get("alt_text", "")) for item in row.media or ()),
        reply_to=reply_to,
        thread_root=thread_root,
        link=_link_card(session, row.article_id, settings) if row.article_id is not None else None,
    )


def _root_external_id(session: Session, post_id: int) -> str | None:
    parent: int | None = post_id
    external_id = None
    while parent is not None:
        found = session.execute(
            select(Post.thread_parent_id, Post.external_id).where(Post.id == parent)
        ).one()
        parent, external_id = found.thread_parent_id, found.external_id
    return external_id


def _link_card(session: Session, article_id: int, settings: Settings) -> LinkCard | None:
    article = session.execute(
        select(Article.canonical_url, Article.title, Article.summary, Article.image_url).where(
            Article.id == article_id
        )
    ).one()
    if not article.canonical_url:
        return None
    return LinkCard(
        url=article.canonical_url,
        title=article.title,
        description=article.summary or "",
        image_path=_local_lead_image(article.image_url, settings) if article.image_url else None,
    )


def _local_lead_image(url: str, settings: Settings) -> str | None:
    """The lead image when a card render already fetched it (post_cards.lead_image); never fetched here."""
    digest = hashlib.sha256(url.encode()).hexdigest()
    return next((str(p) for p in (settings.resolved_media_dir / "images").glob(f"{digest}.*")), None)
