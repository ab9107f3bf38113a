"""The newsroom's tables: Article, Quote, Account, Feed, FeedItem, Post and Attempt."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.models.base import (
    ARTICLE_HELD_BACK,
    CARD_REQUESTED,
    POST_IS_REPLY,
    AccountStatus,
    Base,
    PostState,
    new_post_key,
    utcnow,
)


class Article(Base):
    __tablename__ = "articles"
    __table_args__ = (
        Index(
            "ix_articles_held_back",
            "embargo_until",
            postgresql_where=sql_text(ARTICLE_HELD_BACK),
            sqlite_where=sql_text(ARTICLE_HELD_BACK),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    paragraphs: Mapped[list[Any]] = mapped_column(default=list)
    links: Mapped[list[Any]] = mapped_column(default=list)
    canonical_url: Mapped[str | None] = mapped_column(Text, index=True)
    source: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    summary: Mapped[str | None] = mapped_column(Text)
    site_name: Mapped[str | None] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    tags: Mapped[list[Any]] = mapped_column(default=list)
    # None of the article's posts goes out before this (an embargo).
    embargo_until: Mapped[datetime | None]
    # Withdrawn: its unpublished posts are canceled, with the reason.
    withdrawn_at: Mapped[datetime | None]
    withdraw_reason: Mapped[str | None] = mapped_column(Text)
    # Kept out of evergreen reshares since then (an editor's choice); None: eligible.
    evergreen_off_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    posts: Mapped[list[Post]] = relationship(back_populates="article")
    quotes: Mapped[list[Quote]] = relationship(
        back_populates="article", order_by="Quote.rank", cascade="all, delete-orphan"
    )


class Quote(Base):
    """A ranked pull-quote candidate of an article: rank 1 is the best."""

    __tablename__ = "quotes"
    __table_args__ = (UniqueConstraint("article_id", "rank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    rank: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    speaker: Mapped[str | None] = mapped_column(Text)
    score: Mapped[float]
    confidence: Mapped[float]
    paragraph: Mapped[int]

    article: Mapped[Article] = relationship(back_populates="quotes")


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    network: Mapped[str] = mapped_column(String(32))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Network-specific, non-secret settings (for the outbox: folder, simulated delays).
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # API tokens and passwords as one Fernet token (scheduler.vault); never logged, never shown.
    secrets: Mapped[str | None] = mapped_column(Text)
    # active, or reconnect: its credentials stopped working and an editor must add them again.
    status: Mapped[str] = mapped_column(String(16), default=AccountStatus.ACTIVE, server_default="active")
    # The network asked us to wait (a rate limit): none of the account's posts go out before this.
    held_until: Mapped[datetime | None]
    hold_reason: Mapped[str | None] = mapped_column(Text)
    # Paused by an editor (`scheduler pause`): nothing of the account is dispatched until it is resumed.
    paused_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    posts: Mapped[list[Post]] = relationship(back_populates="account")


feed_accounts = Table(
    "feed_accounts",
    Base.metadata,
    Column("feed_id", ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
)


class Feed(Base):
    """An RSS or Atom feed polled by the beat; its new items are scheduled for its accounts."""

    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    campaign: Mapped[str | None] = mapped_column(String(100))
    poll_seconds: Mapped[float]
    # Conditional GET: what the server said last time, sent back so an unchanged feed costs a 304.
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    next_poll_at: Mapped[datetime] = mapped_column(index=True)
    last_polled_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # Not polled while paused (an editor's choice; its items wait in the feed).
    paused_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    accounts: Mapped[list[Account]] = relationship(secondary=feed_accounts, order_by="Account.name")
    items: Mapped[list[FeedItem]] = relationship(back_populates="feed", cascade="all, delete-orphan")


class FeedItem(Base):
    """An item seen in a feed, once: what became of it (scheduled, too old, duplicate, failed)."""

    __tablename__ = "feed_items"
    __table_args__ = (UniqueConstraint("feed_id", "guid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    guid: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text, index=True)
    title: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    feed: Mapped[Feed] = relationship(back_populates="items")


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_state_due_at", "state", "due_at"),
        # Slot and budget look-ups: an account's posts around a time.
        Index("ix_posts_account_scheduled_for", "account_id", "scheduled_for"),
        # The card claim: pending cards in due order; and the renders asked for lately.
        Index("ix_posts_card_state_due_at", "card_state", "due_at"),
        Index(
            "ix_posts_card_requested_at",
            "card_requested_at",
            postgresql_where=sql_text(CARD_REQUESTED),
            sqlite_where=sql_text(CARD_REQUESTED),
        ),
        # A thread's replies. Partial: most posts have no parent, and SQLite's statistics cannot tell it
        # so; with the whole column indexed it read every first part for `thread_parent_id IS NULL`.
        Index(
            "ix_posts_thread_parent_id",
            "thread_parent_id",
            postgresql_where=sql_text(POST_IS_REPLY),
            sqlite_where=sql_text(POST_IS_REPLY),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique beyond this database (ids restart when a database is replaced, a network's memory does not):
    # what adapters use as idempotency key and to find the post again.
    key: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: new_post_key())
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"), index=True)
    # Indexed by ix_posts_account_scheduled_for, which begins with it.
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    step: Mapped[str] = mapped_column(String(32), default="announce")
    # The pull quote a quote post carries; editors can pick another before it goes out.
    quote_id: Mapped[int | None] = mapped_column(ForeignKey("quotes.id", ondelete="SET NULL"))
    # A thread is a chain of posts: each later part replies to the one before and waits for it.
    thread_parent_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    thread_index: Mapped[int] = mapped_column(default=0)
    # The campaign (templates/campaigns/<name>.yml) and its step number that planned this post.
    campaign: Mapped[str | None] = mapped_column(String(64))
    campaign_step: Mapped[int | None]
    text: Mapped[str] = mapped_column(Text)
    # Images sent with the post: [{"path", "alt_text", "width", "height", "template", "key"}].
    media: Mapped[list[Any]] = mapped_column(default=list)
    # The card the post carries (a template under templates/cards/ at a size); rendered on the cards
    # queue. card_state: pending (not rendered yet: the dispatcher waits), ready, failed.
    card_template: Mapped[str | None] = mapped_column(String(64))
    card_size: Mapped[str | None] = mapped_column(String(16))
    card_state: Mapped[str | None] = mapped_column(String(16))
    # When a render was last asked for; also the token that tells a render its request still stands.
    card_requested_at: Mapped[datetime | None]
    state: Mapped[str] = mapped_column(String(16), default=PostState.SCHEDULED)
    # When the post is next to go out; moved forward by retries.
    due_at: Mapped[datetime]
    # When the editor asked for it; lateness is measured against due_at, history against this.
    scheduled_for: Mapped[datetime]
    queued_at: Mapped[datetime | None]
    # The user who made it in the web app or the API (None: the CLI, a feed, a campaign of an import).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    lease_token: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None]
    attempt_count: Mapped[int] = mapped_column(default=0)
    external_id: Mapped[str | None] = mapped_column(Text)
    external_url: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # An approver sent the draft back to its editor (the reason is in its history): it waits for the
    # editor to resubmit it, not for an approver.
    rejected_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    article: Mapped[Article | None] = relationship(back_populates="posts")
    account: Mapped[Account] = relationship(back_populates="posts")
    quote: Mapped[Quote | None] = relationship()
    attempts: Mapped[list[Attempt]] = relationship(back_populates="post", order_by="Attempt.id")


class Attempt(Base):
    """One call to a network on behalf of a post, and what came of it."""

    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # publish | find
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # published, found, not_found, rate_limited, transient, permanent, auth_expired, unknown
    outcome: Mapped[str | None] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)
    worker: Mapped[str | None] = mapped_column(String(200))

    post: Mapped[Post] = relationship(back_populates="attempts")
