"""Articles from web pages: the main text with trafilatura, the metadata from the page's own tags (page_tags).

trafilatura finds the article's text (not the nav, sidebar or footer) and the links in it. The rest
is read from what the page declares (Open Graph, `article:*` metas, JSON-LD, <link rel=canonical>),
made absolute against the page's URL; trafilatura's metadata search (title heuristics, bylines) runs
only when the tags lack a title, an author or a date.

The publication date: explicit metadata only (article:published_time and its kin, JSON-LD
datePublished, itemprop=datePublished, <time datetime>), then trafilatura's date search with
htmldate's extensive search turned off, since that search ends by taking a footer's "© 2018" as
1 January 2018. A date that is still a 1 January matching a copyright notice on the page is dropped:
no date is better than a wrong one.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from scheduler.articles import ArticleError, ParsedArticle
from scheduler.articles.page_tags import (
    article_tags,
    canonical,
    clean,
    explicit_date,
    json_ld,
    ld_authors,
    ld_publisher,
    ld_value,
    meta_author,
    meta_contents,
    parse_datetime,
)
from scheduler.articles.text import read_article_bytes

# What trafilatura does for us, and what it skips: `fast` drops the fallback extractors (readability,
# jusText: 5 ms down to 1.3 ms on the login fixture, the same text on article pages); comments, tables
# and images are not prose for a post. Precision focus is chosen per call (see _main_text's callers).
EXTRACTION_OPTIONS: dict[str, Any] = {
    "fast": True,
    "include_comments": False,
    "include_tables": False,
    "include_images": False,
    "include_formatting": False,
    "include_links": True,
    "with_metadata": False,  # read from the tags here; trafilatura's search only for what they lack
    "deduplicate": False,
}
# Blocks of trafilatura's output (its XML, not HTML): each is a paragraph of its own.
OUTPUT_BLOCKS = frozenset(
    {"body", "p", "head", "list", "item", "quote", "code", "table", "row", "cell", "div", "section"}
)
# Below this much text the page is not an article (a login form, an index, an error page).
MIN_TEXT_CHARS = 150
MIN_LONGEST_PARAGRAPH = 60

HTML_TAGS = r"<\s*(!doctype\s+html|html|head|body|meta|title|article|main|div|p|h1)\b"
HTML_START = re.compile(HTML_TAGS.encode(), re.IGNORECASE)
HTML_START_TEXT = re.compile(HTML_TAGS, re.IGNORECASE)
DOCUMENT_TAG = re.compile(r"<\s*(html|head|body|title)\b", re.IGNORECASE)
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
COPYRIGHT_YEAR = r"(?:©|&copy;|\(c\)|copyright)\s*(?:\d{{4}}\s*[-–]\s*)?{year}\b"
TITLE_SEPARATORS = ("|", "-", "–", "—", "·", ":", "•")


@cache
def _trafilatura() -> ModuleType:
    """trafilatura, imported on first use: with its helpers it takes a quarter of a second to load, which
    every command and worker would pay at start."""
    import trafilatura

    return trafilatura


def read_html_file(path: Path, *, max_bytes: int) -> bytes:
    """The file's bytes (decoded later, by its <meta charset>), or an ArticleError saying why not."""
    data = read_article_bytes(path, max_bytes=max_bytes, expected="a saved web page (.html)")
    if not HTML_START.search(data[:65_536]):
        kind = "a binary file" if b"\x00" in data[:65_536] else "not an HTML page"
        raise ArticleError(f"{path}: {kind}; save the article from the browser as a web page (.html)")
    return data


def parse_html(
    html: str | bytes, *, url: str | None = None, source: str = "page", charset: str | None = None
) -> ParsedArticle:
    """The article in a web page; url (where the page came from) makes its links absolute.

    charset is the one the server declared (Content-Type), which wins over the page's <meta charset>.
    A fragment (a feed entry's content: no <html>, <head> or <title>) may have no title: it is then ""
    and the caller supplies it; a whole page without a title is an ArticleError.
    """
    label = url if url and source == "page" else source
    text = html if isinstance(html, str) else _decode(html, charset)
    if not HTML_START_TEXT.search(text[:65_536]):
        raise ArticleError(f"{label}: not an HTML page; give the address of the article's web page")
    fragment = not DOCUMENT_TAG.search(text[:65_536])
    tree = _trafilatura().load_html(f"<html><body>{text}</body></html>" if fragment else text)
    if tree is None:
        raise ArticleError(f"{label}: not an HTML page (it cannot be parsed); is it the article's page?")

    base = _base_url(tree, url)
    metas = meta_contents(tree)
    ld = list(json_ld(tree))
    site_name = metas.get("og:site_name") or metas.get("application-name") or ld_publisher(ld)
    title = metas.get("og:title") or ld_value(ld, "headline")
    author = ld_authors(ld) or meta_author(metas)
    published_at = explicit_date(metas, ld, tree)
    if not (title and author and published_at) and not fragment:
        # trafilatura's metadata search (title heuristics, bylines, htmldate) for what the tags lack
        found = _trafilatura().extract_metadata(tree, url, date_config=_date_config(), extensive=False)
        title = title or found.title
        author = author or (found.author or "").replace("; ", ", ")
        if published_at is None and found.date:
            published_at = _guarded_date(found.date, text)
    title = _strip_site_suffix(clean(title or ""), site_name)
    if not title and not fragment:
        raise ArticleError(
            f"{label}: the page has no title (no <title>, og:title or headline); is it an article?"
        )

    # Precision first (less boilerplate, and faster: no recall escalation); balanced when it finds too little.
    extracted = _main_text(tree, url, title, precision=True) or _main_text(tree, url, title, precision=False)
    if extracted is None:
        raise ArticleError(
            f"{label}: no article text found; is this the article's page (not a login or index)?"
        )
    paragraphs, body = extracted
    return ParsedArticle(
        title=title,
        paragraphs=paragraphs,
        author=clean(author or "") or None,
        links=tuple(_body_links(body, base)),
        canonical_url=_absolute(base, canonical(tree), metas.get("og:url")),
        summary=clean(metas.get("og:description") or metas.get("description") or "") or None,
        site_name=clean(site_name or "") or None,
        image_url=_absolute(
            base, metas.get("og:image"), metas.get("og:image:url"), metas.get("twitter:image")
        ),
        published_at=published_at,
        tags=tuple(article_tags(tree, metas)),
    )


def _main_text(
    tree: HtmlElement, url: str | None, title: str, *, precision: bool
) -> tuple[tuple[str, ...], HtmlElement] | None:
    """The article's paragraphs (one per block of the main text, the repeated title dropped) and body."""
    document = _trafilatura().bare_extraction(tree, url=url, favor_precision=precision, **EXTRACTION_OPTIONS)
    if document is None:
        return None
    paragraphs = [paragraph for paragraph in _blocks(document.body) if paragraph]
    if paragraphs and paragraphs[0].casefold() == title.casefold():
        paragraphs.pop(0)
    if (
        sum(map(len, paragraphs)) < MIN_TEXT_CHARS
        or max(map(len, paragraphs), default=0) < MIN_LONGEST_PARAGRAPH
    ):
        return None
    return tuple(paragraphs), document.body


def _blocks(element: HtmlElement) -> Iterator[str]:
    """One string per block of trafilatura's output tree (p, head, item, quote…), inline markup flattened.

    Not document.text: that renders links as Markdown and splits a paragraph at every <br>.
    """
    inline = [element.text or ""]
    for child in element:
        if not isinstance(child.tag, str):
            pass
        elif child.tag in OUTPUT_BLOCKS:
            yield clean("".join(inline))
            inline = []
            yield from _blocks(child)
        else:
            inline.append(" " if child.tag == "lb" else "".join(child.itertext()))
        inline.append(child.tail or "")
    yield clean("".join(inline))


def _date_config() -> dict[str, Any]:
    return {
        "extensive_search": False,  # its last resort is the footer's copyright year, as 1 January
        "original_date": True,
        "max_date": datetime.now(UTC).strftime("%Y-%m-%d"),
    }


def _decode(data: bytes, charset: str | None) -> str:
    """Bytes to text the way browsers do: BOM, then the server's charset, then <meta charset>, then UTF-8."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding, "replace").lstrip("\ufeff")
    declared = [charset] if charset else []
    if match := META_CHARSET.search(data[:4096]):
        declared.append(match.group(1).decode("ascii", "replace"))
    for label in declared:
        encoding = _codec(label)
        if encoding:
            try:
                return data.decode(encoding, "replace")
            except (UnicodeError, LookupError):
                continue  # a label naming a codec that cannot decode text ("idna", "undefined")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")  # the web's default for undeclared legacy pages


def _codec(label: str) -> str | None:
    try:
        info = codecs.lookup(label.strip().lower())
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True):
        return None  # "base64", "rot13", "zlib": codecs, but not character sets
    name = info.name
    # As browsers do: pages labelled Latin-1 or ASCII are Windows-1252 (curly quotes at 0x91-0x94).
    return "cp1252" if name in ("latin-1", "iso8859-1", "ascii") else name


def _guarded_date(day: str, text: str) -> datetime | None:
    """trafilatura's date (YYYY-MM-DD), unless it is the page's copyright year dressed up as 1 January."""
    moment = parse_datetime(day)
    if moment is None:
        return None
    if (moment.month, moment.day) == (1, 1) and re.search(
        COPYRIGHT_YEAR.format(year=moment.year), text, re.IGNORECASE
    ):
        return None
    return moment


def _base_url(tree: HtmlElement, url: str | None) -> str | None:
    base = tree.find(".//base[@href]")
    if base is not None:
        return urljoin(url or "", base.get("href", "").strip()) or url
    return url


def _absolute(base: str | None, *links: str | None) -> str | None:
    """The first link that is, or can be made, an absolute http(s) URL."""
    for link in links:
        if not link or not link.strip():
            continue
        absolute = urljoin(base, link.strip()) if base else link.strip()
        if urlsplit(absolute).scheme in ("http", "https"):
            return absolute
    return None


def _body_links(body: HtmlElement | None, base: str | None) -> Iterator[str]:
    if body is None:
        return
    seen = set()
    for ref in body.iter("ref"):
        link = _absolute(base, ref.get("target"))
        if link and link not in seen:
            seen.add(link)
            yield link


def _strip_site_suffix(title: str, site_name: str | None) -> str:
    """'Headline | Example News' -> 'Headline' (also with -, –, —, ·, :, •), when the suffix is the site."""
    if not site_name:
        return title
    for separator in TITLE_SEPARATORS:
        suffix = f" {separator} {site_name.strip()}"
        if title.casefold().endswith(suffix.casefold()) and len(title) > len(suffix):
            return title[: -len(suffix)].strip()
    return title
