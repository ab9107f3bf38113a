"""Articles from plain text in the newsroom export format of the reference article.

The format: the title on the first line, a `By:` byline, the title again (dropped), paragraphs
separated by blank lines, photo captions ending in `Photo: <credit>` (dropped), links written
inline as `(LINK: url)`, and a trailing `Related news` block (dropped).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from scheduler.articles import ArticleError, ParsedArticle
from scheduler.articles.sizes import size_and_limit

BYLINE = re.compile(r"^\s*By:?\s+(?P<author>.+?)\s*$", re.IGNORECASE)
LINK_MARKER = re.compile(r"\s*\(LINK:\s*(?P<url>[^\s)]+)\s*\)", re.IGNORECASE)
PHOTO_CREDIT = re.compile(r"(^|\s)Photo:\s*\S")
RELATED = re.compile(r"^\s*Related news\s*:?\s*$", re.IGNORECASE)
SPACE_BEFORE_PUNCTUATION = re.compile(r"(?<=\w) +(?=[,.;](\s|$))")
# A caption with a credit is short; a long paragraph that mentions "Photo:" is still text.
MAX_CAPTION_LENGTH = 300


def read_article_bytes(path: Path, *, max_bytes: int, expected: str) -> bytes:
    """The file's bytes, or an ArticleError when it is missing, empty or too big to be `expected`."""
    if not path.exists():
        raise ArticleError(f"{path}: no such file; check the path")
    if not path.is_file():
        raise ArticleError(f"{path}: not a file; give the path of {expected}")
    size = path.stat().st_size
    if size == 0:
        raise ArticleError(f"{path}: the file is empty; save {expected} into it first")
    if size > max_bytes:
        shown, limit = size_and_limit(size, max_bytes)
        raise ArticleError(
            f"{path}: the file is {shown}, over the {limit} limit for an article; is it the right file? "
            "(SCHEDULER_MAX_ARTICLE_BYTES raises the limit)"
        )
    return path.read_bytes()


def read_text_file(path: Path, *, max_bytes: int) -> str:
    """The file's text, or an ArticleError saying why it cannot be an article."""
    data = read_article_bytes(path, max_bytes=max_bytes, expected="an article text file")
    if b"\x00" in data:
        raise ArticleError(
            f"{path}: this is a binary file, not article text; export the article as plain text"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ArticleError(
            f"{path}: not UTF-8 text (bad byte at offset {error.start}); save the article as UTF-8"
        ) from None


def parse_text(text: str, *, canonical_url: str | None = None, source: str = "article") -> ParsedArticle:
    """Split plain article text into title, author, paragraphs and links."""
    if canonical_url is not None:
        check_url(canonical_url)
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = _drop_related_news(lines)
    blocks = _blocks(lines)
    if not blocks:
        raise ArticleError(f"{source}: no text found; the first line must be the article's title")

    title = _clean(blocks.pop(0))
    author = None
    if blocks and (byline := BYLINE.match(blocks[0])):
        author = byline.group("author")
        blocks.pop(0)
    if blocks and _clean(blocks[0]) == title:
        blocks.pop(0)

    links: list[str] = []
    paragraphs: list[str] = []
    for block in blocks:
        if PHOTO_CREDIT.search(block) and len(block) <= MAX_CAPTION_LENGTH:
            continue
        links.extend(match.group("url") for match in LINK_MARKER.finditer(block))
        paragraph = _clean(LINK_MARKER.sub("", block))
        if paragraph:
            paragraphs.append(paragraph)
    if not paragraphs:
        raise ArticleError(f"{source}: found a title but no body text; is this the whole article?")
    return ParsedArticle(
        title=title,
        author=author,
        paragraphs=tuple(paragraphs),
        links=tuple(dict.fromkeys(links)),
        canonical_url=canonical_url,
    )


def check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ArticleError(
            f"{url!r} is not an http(s) URL; give the article's full address, https://…", field="url"
        )


def _drop_related_news(lines: list[str]) -> list[str]:
    for index in range(len(lines) - 1, -1, -1):
        if RELATED.match(lines[index]):
            return lines[:index]
    return lines


def _blocks(lines: list[str]) -> list[str]:
    """Paragraphs: runs of non-blank lines joined by spaces."""
    blocks: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if line:
            current.append(line)
        elif current:
            blocks.append(" ".join(current))
            current = []
    return blocks


def _clean(text: str) -> str:
    return SPACE_BEFORE_PUNCTUATION.sub("", re.sub(r"\s+", " ", text)).strip()
