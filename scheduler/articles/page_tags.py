"""What a web page says of itself in its own markup: <meta> tags, JSON-LD, <time> elements, its canonical
link and its tags. The article's text is html.py's business (with trafilatura); these are read first,
since a page's own tags are more trustworthy than any search of its text."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from lxml.html import HtmlElement

TIME_XPATHS = (
    ".//*[@itemprop='datePublished'][@datetime]",
    ".//time[@pubdate][@datetime]",
    ".//article//time[@datetime]",
    ".//time[@datetime]",
)

PUBLISHED_METAS = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "publishdate",
    "pubdate",
    "publish_date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "sailthru.date",
    "parsely-pub-date",
)


def meta_contents(tree: HtmlElement) -> dict[str, str]:
    """The first content of each <meta> by property, name or itemprop, lower-cased."""
    found: dict[str, str] = {}
    for meta in tree.iterfind(".//meta"):
        content = meta.get("content")
        if not content or not content.strip():
            continue
        for attribute in ("property", "name", "itemprop"):
            key = meta.get(attribute)
            if key:
                found.setdefault(key.strip().lower(), content.strip())
    return found


def json_ld(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    """Every object in the page's JSON-LD, @graph members included."""
    for script in tree.iterfind(".//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                yield item
                if isinstance(item.get("@graph"), list):
                    stack.extend(item["@graph"])


def ld_value(ld: list[dict[str, Any]], key: str) -> str | None:
    for item in ld:
        value = item.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def ld_authors(ld: list[dict[str, Any]]) -> str | None:
    """The article's authors from JSON-LD: a name, a Person, or a list of them."""
    for item in ld:
        authors = item.get("author")
        names = []
        for author in authors if isinstance(authors, list) else [authors]:
            name = author.get("name") if isinstance(author, dict) else author
            if isinstance(name, str) and name.strip():
                names.append(clean(name))
        if names:
            return ", ".join(dict.fromkeys(names))
    return None


def meta_author(metas: dict[str, str]) -> str | None:
    author = metas.get("author") or metas.get("article:author") or metas.get("dc.creator")
    # A single word is a handle or a site name ("admin", "Newsroom"), a URL a profile page: not a byline.
    if author and " " in author.strip() and "://" not in author:
        return author
    return None


def ld_publisher(ld: list[dict[str, Any]]) -> str | None:
    for item in ld:
        publisher = item.get("publisher")
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            return publisher["name"]
    return None


def explicit_date(metas: dict[str, str], ld: list[dict[str, Any]], tree: HtmlElement) -> datetime | None:
    candidates = [metas.get(name) for name in PUBLISHED_METAS]
    candidates.append(ld_value(ld, "datePublished"))
    for path in TIME_XPATHS:  # in order of trust: the first <time> of the page may be a sidebar's
        candidates += [element.get("datetime") for element in tree.xpath(path)]
    for candidate in candidates:
        if candidate and (moment := parse_datetime(candidate)):
            return moment
    return None


def parse_datetime(value: str) -> datetime | None:
    """An ISO 8601 date and time as aware UTC; a date alone is midnight UTC; a bare year is no date."""
    value = value.strip()
    if not re.match(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def canonical(tree: HtmlElement) -> str | None:
    for link in tree.iterfind(".//link[@href]"):
        if "canonical" in (link.get("rel") or "").lower().split():
            return link.get("href")
    return None


def article_tags(tree: HtmlElement, metas: dict[str, str]) -> Iterator[str]:
    """article:tag metas, then the keywords meta, each tag once (the first spelling wins)."""
    tags = [meta.get("content", "") for meta in tree.iterfind(".//meta[@property='article:tag']")]
    tags += re.split(r"[,;]", metas.get("keywords", ""))
    seen = set()
    for tag in tags:
        tag = clean(tag)
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            yield tag


def clean(text: str) -> str:
    """White space folded to single spaces, trimmed."""
    return " ".join(text.split())
