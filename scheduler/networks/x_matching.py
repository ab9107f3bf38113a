"""How `find` knows a post on X as ours: the text as sent against the text X shows (links wrapped in
t.co, media links added, HTML entities), the post it replies to, and when it was made."""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

_URL = "\x00"  # stands for any link when texts are compared


@dataclass(frozen=True)
class Shape:
    """A post's text as `find` compares it: the words (NFC, white space runs as one space, each link a
    placeholder) and the links, as host/path without the scheme; None for a link X did not expand."""

    words: str
    links: tuple[str | None, ...]

    def matches(self, shown: Shape) -> bool:
        return (
            self.words == shown.words
            and len(self.links) == len(shown.links)
            and all(
                theirs is None or ours == theirs for ours, theirs in zip(self.links, shown.links, strict=True)
            )
        )


def shape(text: str, expanded: Mapping[str, Mapping[str, Any]] | None = None) -> Shape:
    """The shape of `text`; with `expanded` (X's entities.urls by t.co link), of a text X shows.

    X wraps every link in t.co (those without a scheme too, found as twitter-text finds them) and
    adds a t.co link to the media of a post: so links are compared by where they lead, as X's
    entities say, and a t.co link X gives no entity for matches any link.
    """
    from twitter_text import extract_urls_with_indices  # on first use: importing it takes a second

    text = unicodedata.normalize("NFC", text)
    pieces: list[str] = []
    links: list[str | None] = []
    last = 0
    for found in extract_urls_with_indices(text):
        begin, end = found["indices"]
        pieces.append(text[last:begin])
        last = end
        link: str | None = found["url"]
        if expanded is not None:
            entity = expanded.get(found["url"]) or {}
            if entity.get("media_key"):
                continue  # the link X adds to a post's media: not in the text that was sent
            link = entity.get("expanded_url")
        pieces.append(f" {_URL} ")
        links.append(_where(link) if link else None)
    pieces.append(text[last:])
    return Shape(" ".join("".join(pieces).split()), tuple(links))


def _where(url: str) -> str:
    """A link as host/path: no scheme, the host in lower case, no trailing slash."""
    rest = url.split("://", 1)[-1]
    host, slash, path = rest.partition("/")
    return (host.lower() + slash + path).rstrip("/")


def is_the_post(tweet: Mapping[str, Any], wanted: Shape, reply_to: str | None, since: datetime) -> bool:
    # X returns text with &, < and > as HTML entities.
    expanded = {u.get("url"): u for u in (tweet.get("entities") or {}).get("urls") or () if u.get("url")}
    shown = shape(html.unescape(str(tweet.get("text", ""))), expanded)
    # Without entities, a post with media ends with a link that is not in the text sent.
    untold = Shape(shown.words.removesuffix(_URL).rstrip(), shown.links[:-1])
    if not (wanted.matches(shown) or (shown.links[-1:] == (None,) and wanted.matches(untold))):
        return False
    replied_to = next(
        (
            str(ref.get("id"))
            for ref in tweet.get("referenced_tweets") or ()
            if ref.get("type") == "replied_to"
        ),
        None,
    )
    if replied_to != (str(reply_to) if reply_to else None):
        return False
    created = tweet.get("created_at")
    return not created or datetime.fromisoformat(created.replace("Z", "+00:00")) >= since
