"""The tables of the people who use the app and what they leave: users, API tokens, sign-in failures,
the composer's drafts and account groups, and each post's history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.models.base import Base, utcnow


class PostEvent(Base):
    """A change to a post (its text, its time, its approval, its state) or a comment on it: who (a user;
    None for the CLI, a feed, a campaign or the workers), when, and what. Kept on a thread's first part."""

    __tablename__ = "post_events"
    __table_args__ = (Index("ix_post_events_post_id_at", "post_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # text, time, approved, rejected, resubmitted, canceled, retried, comment
    kind: Mapped[str] = mapped_column(String(16))
    # What changed: {"from": …, "to": …} for text and time.
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    note: Mapped[str | None] = mapped_column(Text)  # a comment, or the reason given

    user: Mapped[User | None] = relationship()


class ComposeDraft(Base):
    """What an editor is writing in the composer, saved as they type (a reload or a lost connection
    loses nothing): newsroom.composer.Composition as JSON, until it is sent."""

    __tablename__ = "compose_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The editor's page counts its saves: a save older than the one kept (a retry after a lost
    # connection arriving late) is not kept over it.
    version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class AccountGroup(Base):
    """A saved set of accounts the composer picks at once ("all of New York")."""

    __tablename__ = "account_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    accounts: Mapped[list[Any]] = mapped_column(default=list)  # account names
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    """Someone who signs in to the web app, or whose API tokens a script uses."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    # argon2id (scheduler.users); never logged, never shown.
    password_hash: Mapped[str] = mapped_column(Text)
    # Raised to end every session of the user at once (a new password, signing out everywhere).
    session_version: Mapped[int] = mapped_column(default=1)
    disabled_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The user's own time zone (IANA) and first day of the week (0 Monday … 6 Sunday), for the pages
    # that show many accounts at once; None: the accounts' zones, and the browser's language.
    timezone: Mapped[str | None] = mapped_column(String(64))
    week_start: Mapped[int | None]
    # The pages' language (scheduler.web.i18n.LANGUAGES); None: as the browser's Accept-Language asks.
    language: Mapped[str | None] = mapped_column(String(16))

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", cascade="all, delete-orphan")


class ApiToken(Base):
    """A personal API token: only its SHA-256 is kept; the token is shown once, when made."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens")


class SignInFailure(Base):
    """A failed sign-in, kept for the throttle: by name and by address, over the last minutes."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (
        Index("ix_sign_in_failures_name_at", "name", "at"),
        Index("ix_sign_in_failures_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
