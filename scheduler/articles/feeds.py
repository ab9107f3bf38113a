"""Feeds: RSS 2.0 and Atom entries with feedparser, each entry what we need to post or fetch its page.

A feed that feedparser can only partly read (bozo) is accepted when it still yields entries; one
that yields none, or a document that is not a feed at all (a web page), is an ArticleError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape, unescape
from typing import Any
from urllib.parse import urljoin, urlsplit

from scheduler.articles import ArticleError

BLOCK_TAG = re.compile(
    r"</?(?:p|div|br|li|ul|ol|h[1-6]|blockquote|pre|table|tr|td|th|section|article|figure|figcaption|hr)\b[^>]*>",
    re.IGNORECASE,
)
PARAGRAPH_BREAK = re.compile(r"</(?:p|div|li|h[1-6]|blockquote|pre)\s*>|<br\s*/?>\s*<br\s*/?>", re.IGNORECASE)
TAG = re.compile(r"<[^>]*>")
FEED_LINK = re.compile(
    r"""<link\b(?=[^>]*\btype\s*=\s*["']application/(?:rss|atom)\+xml["'])[^>]*\bhref\s*=\s*["']([^"']+)["']""",
    re.IGNORECASE,
)
# Content this long is the article itself, not a teaser: no need to fetch the page.
FULL_TEXT_PARAGRAPHS = 3
FULL_TEXT_MIN_CHARS = 300
FULL_TEXT_CHARS = 1_000


@dataclass(frozen=True)
class FeedEntry:
    guid: str
    url: str | None  # absolute
    title: str
    published_at: datetime | None = None  # aware UTC
    summary: str | None = None  # plain text
    content_html: str | None = None  # the full content (content:encoded, Atom <content>) when given
    author: str | None = None
    tags: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    entries: tuple[FeedEntry, ...]


def parse_feed(body: bytes, *, url: str) -> ParsedFeed:
    """The feed's title and entries, in the feed's order; relative links are made absolute against url."""
    # A Content-Type is given so that its absence is not reported as a fault of the feed.
    import feedparser  # on first use: it takes a tenth of a second to import

    parsed = feedparser.parse(
        body,
        response_headers={"content-location": url, "content-type": "application/xml"},
        sanitize_html=True,
        resolve_relative_uris=True,
    )
    if not parsed.entries:
        reason = _reason(parsed.get("bozo_exception")) if parsed.bozo else None
        if not parsed.version:
            raise ArticleError(_not_a_feed(body, url, reason))
        if reason:
            raise ArticleError(
                f"{url}: the feed is malformed ({reason}) and no entry could be read; "
                "check the feed in a validator, or tell the site"
            )
    entries = [entry for entry in (_entry(item, url) for item in parsed.entries) if entry]
    title = _text(parsed.feed.get("title"), parsed.feed.get("title_detail")) or urlsplit(url).netloc or url
    return ParsedFeed(title=title, entries=tuple(entries))


def entry_has_full_text(entry: FeedEntry) -> bool:
    """True when the entry carries the whole article, so its page need not be fetched."""
    if not entry.content_html:
        return False
    paragraphs = [
        text for text in (plain_text(part) for part in PARAGRAPH_BREAK.split(entry.content_html)) if text
    ]
    length = sum(map(len, paragraphs))
    return length >= FULL_TEXT_CHARS or (
        len(paragraphs) >= FULL_TEXT_PARAGRAPHS and length >= FULL_TEXT_MIN_CHARS
    )


def plain_text(html: str) -> str:
    """Text of an HTML fragment on one line: tags dropped, entities decoded, blocks spaced apart."""
    return " ".join(unescape(TAG.sub("", BLOCK_TAG.sub(" ", html))).split())


def _entry(item: Any, feed_url: str) -> FeedEntry | None:
    link = item.get("link") or _link_from_id(item)
    url = urljoin(feed_url, link) if link else None
    if url and (urlsplit(url).scheme.lower() not in ("http", "https") or not urlsplit(url).netloc):
        url = None  # javascript:, data:, mailto: … never become an article's address in a post
    guid = item.get("id") or url
    if not guid:
        return None  # nothing to know it by next time, and nothing to link to
    content_html = _content_html(item)
    summary = _text(item.get("summary"), item.get("summary_detail"))
    if content_html and summary and summary == plain_text(content_html):
        # feedparser copies content:encoded into the summary when there is no description
        summary = next((text for text in map(plain_text, PARAGRAPH_BREAK.split(content_html)) if text), None)
    return FeedEntry(
        guid=guid,
        url=url,
        title=_text(item.get("title"), item.get("title_detail")) or "",
        published_at=_moment(item.get("published_parsed") or item.get("updated_parsed")),
        summary=summary or None,
        content_html=content_html,
        author=_author(item),
        tags=tuple(_tags(item)),
    )


def _link_from_id(item: Any) -> str | None:
    guid = item.get("id") or ""
    return guid if urlsplit(guid).scheme in ("http", "https") else None


def _content_html(item: Any) -> str | None:
    for content in item.get("content") or ():
        value = (content.get("value") or "").strip()
        if not value:
            continue
        if "html" in (content.get("type") or ""):
            return value
        return "".join(f"<p>{escape(part.strip())}</p>" for part in value.split("\n\n") if part.strip())
    return None


def _text(value: str | None, detail: Any) -> str | None:
    """Plain text of a feed text construct, which may be HTML (Atom type="html", RSS descriptions)."""
    if not value:
        return None
    kind = (detail or {}).get("type") or "text/html"
    text = plain_text(value) if "html" in kind else " ".join(value.split())
    return text or None


def _moment(parsed: Any) -> datetime | None:
    """feedparser's struct_time, already converted to UTC."""
    if not parsed:
        return None
    try:
        return datetime(*parsed[:6], tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _author(item: Any) -> str | None:
    detail = item.get("author_detail") or {}
    name = detail.get("name") or item.get("author")
    return " ".join(name.split()) if name and name.strip() else None


def _tags(item: Any) -> list[str]:
    seen: dict[str, str] = {}
    for tag in item.get("tags") or ():
        name = " ".join((tag.get("label") or tag.get("term") or "").split())
        if name:
            seen.setdefault(name.casefold(), name)
    return list(seen.values())


def _reason(error: Any) -> str:
    message = getattr(error, "getMessage", None)
    text = message() if callable(message) else str(error)
    line = getattr(error, "getLineNumber", None)
    where = f" at line {line()}" if callable(line) and line() else ""
    return " ".join(f"{text}{where}".split()) or type(error).__name__


def _not_a_feed(body: bytes, url: str, reason: str | None) -> str:
    start = body[:65_536].decode("utf-8", "replace")
    if re.search(r"<html\b|<!doctype\s+html", start, re.IGNORECASE):
        if found := FEED_LINK.search(start):
            return (
                f"{url}: not a feed but a web page; the page names its feed: "
                f"{urljoin(url, unescape(found.group(1)))}"
            )
        return f"{url}: not a feed but a web page; give the address of its RSS or Atom feed"
    detail = f" ({reason})" if reason else ""
    return f"{url}: not an RSS or Atom feed{detail}; check the feed address"
