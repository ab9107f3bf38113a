"""Getting articles in: from plain text now; web pages, feeds and CSV later."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


class ArticleError(ValueError):
    """An article that cannot be read; the message says what is wrong and what to do."""


@dataclass(frozen=True)
class ParsedArticle:
    title: str
    paragraphs: tuple[str, ...]
    author: str | None = None
    links: tuple[str, ...] = field(default=())
    canonical_url: str | None = None

    @property
    def content_hash(self) -> str:
        digest = hashlib.sha256(self.title.encode())
        for paragraph in self.paragraphs:
            digest.update(b"\n\n" + paragraph.encode())
        return digest.hexdigest()
