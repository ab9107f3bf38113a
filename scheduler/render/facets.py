"""Bluesky rich text: the text as readers see it, links shortened, and the facets that mark its
links, mentions and tags by UTF-8 byte offsets, as an `app.bsky.feed.post` record wants them.

Detection follows `@atproto/api`'s RichText (packages/api/src/rich-text/detection.ts and util.ts in
bluesky-social/atproto): the same regular expressions, JavaScript's `\\s` and ASCII `\\b` spelt out,
and the same trailing-punctuation rules. Bluesky counts a post's length on the text it receives, so
the short link shown here is what counts (see `scheduler.render.length`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import regex

# A link is shown as host + path, at most this many grapheme clusters with the "…" (the host is never cut).
SHORT_LINK_GRAPHEMES = 30
ELLIPSIS = "…"

# JavaScript's \s (WhiteSpace and LineTerminator), which Python's \s does not match exactly.
_JS_SPACE = r"\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
# JavaScript's \b without the u flag: ASCII word characters only.
_ASCII_WORD_END = r"(?:(?<=[A-Za-z0-9_])(?![A-Za-z0-9_])|(?<![A-Za-z0-9_])(?=[A-Za-z0-9_]))"
# Zero-width and soft characters that end a tag (util.ts TAG_REGEX).
_TAG_BREAKS = r"\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2"

_MENTION = regex.compile(rf"(^|[{_JS_SPACE}]|\()(@)([a-zA-Z0-9.-]+){_ASCII_WORD_END}")
_LINK = regex.compile(
    rf"(^|[{_JS_SPACE}]|\()"
    rf"((?P<scheme>[hH][tT][tT][pP][sS]?://[^{_JS_SPACE}]+)"
    rf"|((?P<domain>[a-zA-Z][a-zA-Z0-9]*(?:\.[a-zA-Z0-9]+)+)[^{_JS_SPACE}]*))",
    regex.MULTILINE,
)  # URL_REGEX's i flag spelt out: Python's would also match "ſ" and the Kelvin sign as ASCII letters
_TAG = regex.compile(
    rf"(^|[{_JS_SPACE}])[#＃]"
    rf"((?!\ufe0f)[^{_JS_SPACE}{_TAG_BREAKS}]*[^0-9{_JS_SPACE}\p{{P}}{_TAG_BREAKS}]+[^{_JS_SPACE}{_TAG_BREAKS}]*)?"
)
_TRAILING_PUNCTUATION = regex.compile(r"\p{P}+$")
_LINK_TRAILING = regex.compile(r"[.,;:!?]$")


# Bluesky checks a domain against IANA's list of top-level domains (the `tlds` npm package); twitter-text
# ships the same list as a regular expression. Like Bluesky's check, it is case-sensitive. Compiled on
# first use: importing twitter_text and compiling the list takes long enough to slow every start.
@cache
def _tld() -> regex.Pattern[str]:
    from twitter_text.regexp.valid_cctld import valid_cctld
    from twitter_text.regexp.valid_gtld import valid_gtld

    return regex.compile(rf"(?:{valid_gtld.pattern}|{valid_cctld.pattern})")


_SCHEME = regex.compile(r"^https?://", regex.IGNORECASE)
_WWW = regex.compile(r"^www\.(?=[^/?#]*\.)", regex.IGNORECASE)
_GRAPHEME = regex.compile(r"\X")


@dataclass(frozen=True)
class BlueskyText:
    """A post as Bluesky receives it: the displayed text and its `app.bsky.richtext.facet` records.

    A mention's feature carries `handle`, not the `did` the record needs: the adapter resolves the
    handle, puts the DID in its place, and drops the facet if the handle does not resolve.
    """

    text: str
    facets: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class _Entity:
    start: int  # code point offsets in the original text
    end: int
    feature: dict[str, str]
    shown: str  # what the displayed text has in place of text[start:end]


def bluesky_text(text: str) -> BlueskyText:
    """Detect links, mentions and tags; show each link short; give facets in UTF-8 byte offsets."""
    entities = _without_overlaps([*_links(text), *_mentions(text), *_tags(text)])
    parts: list[str] = []
    facets: list[dict[str, Any]] = []
    position = 0
    byte_offset = 0
    for entity in entities:
        before = text[position : entity.start]
        parts.append(before)
        byte_start = byte_offset + len(before.encode())
        byte_end = byte_start + len(entity.shown.encode())
        parts.append(entity.shown)
        facets.append(
            {
                "$type": "app.bsky.richtext.facet",
                "index": {"byteStart": byte_start, "byteEnd": byte_end},
                "features": [entity.feature],
            }
        )
        position = entity.end
        byte_offset = byte_end
    parts.append(text[position:])
    return BlueskyText(text="".join(parts), facets=tuple(facets))


def short_link(url: str) -> str:
    """How a link reads in the post: no scheme, no "www.", and cut with "…" past 30 graphemes."""
    shown = _WWW.sub("", _SCHEME.sub("", url, count=1), count=1)
    host_end = next((i for i, char in enumerate(shown) if char in "/?#"), len(shown))
    host, rest = shown[:host_end], shown[host_end:]
    if rest == "/":
        rest = ""
    host_graphemes = len(_GRAPHEME.findall(host))
    rest_graphemes = _GRAPHEME.findall(rest)
    if host_graphemes + len(rest_graphemes) <= SHORT_LINK_GRAPHEMES:
        return host + rest
    room = max(SHORT_LINK_GRAPHEMES - 1 - host_graphemes, 0)
    return host + "".join(rest_graphemes[:room]) + ELLIPSIS


def _is_valid_domain(domain: str) -> bool:
    """detection.ts isValidDomain: the last label is a known top-level domain."""
    head, dot, tld = domain.rpartition(".")
    return bool(head and dot and _tld().fullmatch(tld))


def _links(text: str) -> list[_Entity]:
    found = []
    for match in _LINK.finditer(text):
        written = match.group(2)
        if match.group("scheme") is not None:
            # Bluesky skips a scheme written in capitals ("HTTPS://"): it tests startsWith('http').
            if not written.startswith("http"):
                continue
            uri = written
        else:
            # Deliberately unlike Bluesky, which takes "httpbin.org" for a URL with a scheme
            # (startsWith('http')) and gives it a uri without one, which the record then fails.
            if not _is_valid_domain(match.group("domain")):
                continue
            uri = "https://" + written
        start, end = match.start(2), match.end(2)
        if _LINK_TRAILING.search(uri):
            uri, end = uri[:-1], end - 1
        if uri.endswith(")") and "(" not in uri:
            uri, end = uri[:-1], end - 1
        feature = {"$type": "app.bsky.richtext.facet#link", "uri": uri}
        found.append(_Entity(start, end, feature, short_link(text[start:end])))
    return found


def _mentions(text: str) -> list[_Entity]:
    found = []
    for match in _MENTION.finditer(text):
        handle = match.group(3)
        if not _is_valid_domain(handle) and not handle.endswith(".test"):
            continue  # probably not a handle
        start, end = match.start(2), match.end(3)
        feature = {"$type": "app.bsky.richtext.facet#mention", "handle": handle}
        found.append(_Entity(start, end, feature, text[start:end]))
    return found


def _tags(text: str) -> list[_Entity]:
    found = []
    for match in _TAG.finditer(text):
        tag = match.group(2)
        if not tag:
            continue  # "#" alone, or only digits and punctuation ("#123")
        tag = _TRAILING_PUNCTUATION.sub("", tag)  # the pattern already leaves spaces out
        if not tag or _utf16_length(tag) > 64:
            continue
        start = match.start() + len(match.group(1))
        end = start + 1 + len(tag)
        feature = {"$type": "app.bsky.richtext.facet#tag", "tag": tag}
        found.append(_Entity(start, end, feature, text[start:end]))
    return found


def _without_overlaps(entities: list[_Entity]) -> list[_Entity]:
    """In text order; an entity that overlaps an earlier one is dropped (a "(@x.com" inside a link)."""
    kept: list[_Entity] = []
    for entity in sorted(entities, key=lambda e: e.start):
        if kept and entity.start < kept[-1].end:
            continue
        kept.append(entity)
    return kept


def _utf16_length(text: str) -> int:
    """Length as JavaScript counts it, which is how Bluesky caps a tag at 64."""
    return len(text.encode("utf-16-le")) // 2
