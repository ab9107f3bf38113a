"""One way in for an article given by name: a URL, an HTML file or a plain-text file."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from scheduler.articles import ArticleError, ParsedArticle
from scheduler.articles.fetch import PAGE_TYPES, FetchPolicy, fetch
from scheduler.articles.html import parse_html, read_html_file
from scheduler.articles.sizes import size_and_limit
from scheduler.articles.text import check_url, parse_text, read_text_file

HTML_SUFFIXES = {".html", ".htm", ".xhtml"}


def is_url(source: str) -> bool:
    return urlsplit(source).scheme.lower() in {"http", "https"} or "://" in source


def read_article(
    source: str, *, policy: FetchPolicy, max_bytes: int, canonical_url: str | None = None
) -> ParsedArticle:
    """The article at a URL, or in an HTML or text file; ArticleError says why when it cannot be read."""
    if is_url(source):
        return _with_url(read_page(source, policy=policy), canonical_url)
    path = Path(source)
    if path.suffix.lower() in HTML_SUFFIXES:
        parsed = parse_html(read_html_file(path, max_bytes=max_bytes), source=str(path))
        return _with_url(parsed, canonical_url)
    text = read_text_file(path, max_bytes=max_bytes)
    if looks_like_html(text):
        return _with_url(parse_html(text, source=str(path)), canonical_url)
    return parse_text(text, canonical_url=canonical_url, source=str(path))


def read_pasted(
    text: str, *, max_bytes: int, canonical_url: str | None = None, size: int | None = None
) -> ParsedArticle:
    """An article pasted or uploaded as text (or as a page's HTML), as a file would be read. `size`: the
    upload's own size in bytes, when only the first `max_bytes` + 1 of it were read."""
    if "\x00" in text:
        raise ArticleError("the text holds NUL characters: paste the article as plain text or HTML")
    size = max(size or 0, len(text.encode("utf-8", "surrogatepass")))
    if size > max_bytes:
        shown, limit = size_and_limit(size, max_bytes)
        raise ArticleError(
            f"the text is {shown}, over the {limit} limit for an article "
            "(SCHEDULER_MAX_ARTICLE_BYTES raises the limit)"
        )
    if looks_like_html(text):
        return _with_url(parse_html(text, source="the pasted page"), canonical_url)
    return parse_text(text, canonical_url=canonical_url, source="the pasted text")


def read_page(url: str, *, policy: FetchPolicy) -> ParsedArticle:
    """Fetch a web page (guarded) and extract its article."""
    page = fetch(url, policy=policy, accept=PAGE_TYPES)
    parsed = parse_html(page.body, url=page.url, source=url, charset=page.charset)
    if parsed.canonical_url is None:
        return _with_url(parsed, page.url)
    return parsed


MAX_FIELD_CHARACTERS = 500


def with_editors_fields(
    parsed: ParsedArticle, *, title: str = "", byline: str = "", image: str = ""
) -> ParsedArticle:
    """The article with the editor's own title, byline and lead image address in place of what was found
    (an empty one keeps what was found)."""
    changes: dict[str, str] = {}
    for name, field, value in (
        ("title", "title", title),
        ("author", "byline", byline),
        ("image_url", "image", image),
    ):
        value = " ".join(value.split())
        if len(value) > MAX_FIELD_CHARACTERS:
            raise ArticleError(
                f"the {field} is {len(value):,} characters; give at most {MAX_FIELD_CHARACTERS}", field=field
            )
        if value:
            changes[name] = value
    if "image_url" in changes:
        try:
            check_url(changes["image_url"])
        except ArticleError as error:
            raise ArticleError(f"the image's address: {error}", field="image") from None
    return replace(parsed, **changes) if changes else parsed


def looks_like_html(text: str) -> bool:
    head = text.lstrip()[:1024].lower()
    return head.startswith("<") and ("<html" in head or "<!doctype html" in head)


def _with_url(parsed: ParsedArticle, url: str | None) -> ParsedArticle:
    if url is None or url == parsed.canonical_url:
        return parsed
    check_url(url)
    return replace(parsed, canonical_url=url)
