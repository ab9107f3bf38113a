"""Getting articles in: plain text, web pages, feeds and CSV, and the quotes worth a card."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime


class ArticleError(ValueError):
    """An article that cannot be read; the message says what is wrong and what to do. `field` names
    the part of the request it is about ("url", "title", "byline", "image"), when it is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ParsedArticle:
    title: str
    paragraphs: tuple[str, ...]
    author: str | None = None
    links: tuple[str, ...] = field(default=())
    canonical_url: str | None = None
    summary: str | None = None
    site_name: str | None = None
    image_url: str | None = None
    published_at: datetime | None = None  # aware UTC when known
    tags: tuple[str, ...] = field(default=())

    @property
    def content_hash(self) -> str:
        digest = hashlib.sha256(self.title.encode())
        for paragraph in self.paragraphs:
            digest.update(b"\n\n" + paragraph.encode())
        return digest.hexdigest()
