"""What every table shares: UTC times, the states and roles, the declarative base."""

from __future__ import annotations

import enum
import secrets
import time
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, types
from sqlalchemy.orm import DeclarativeBase


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(types.TypeDecorator[datetime]):
    """Timezone-aware UTC on the way in and out, on SQLite (which keeps naive text) as on PostgreSQL."""

    impl = types.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store timezone-aware UTC times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class PostState(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    FAILED = "failed"
    CANCELED = "canceled"
    # Not sent, on purpose, with the reason in last_error: stale after a pause.
    SKIPPED = "skipped"


class AccountStatus(enum.StrEnum):
    ACTIVE = "active"
    # Its credentials were refused: its posts wait until an editor reconnects it.
    RECONNECT = "reconnect"


class CardState(enum.StrEnum):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"


def new_post_key() -> str:
    """A post's key: 32 hex digits, the time in milliseconds and then 80 random bits.

    Unique beyond this database, as a random UUID is, and in time order: each new key lands at the end
    of the key's index rather than on a random page of it (bench/scale.py: an insert 18 % faster).
    """
    return f"{time.time_ns() // 1_000_000:012x}{secrets.token_hex(10)}"


class Role(enum.StrEnum):
    """What a user of the web app and the API may do (scheduler.users.ALLOWED says what each may)."""

    ADMIN = "admin"  # accounts, users, templates, and everything editors and approvers do
    EDITOR = "editor"  # articles, drafts, their own posts
    APPROVER = "approver"  # approves and publishes


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


POST_IS_REPLY = "thread_parent_id IS NOT NULL"
CARD_REQUESTED = "card_requested_at IS NOT NULL"
# Articles whose posts the dispatcher holds back: few, read every tick through a partial index.
ARTICLE_HELD_BACK = "embargo_until IS NOT NULL OR withdrawn_at IS NOT NULL"
