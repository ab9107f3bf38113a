"""Post length as each network counts it, so a post one character too long is caught when it is
written, not refused at 9 a.m. with nobody watching."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

import regex

from scheduler.render.facets import bluesky_text
from scheduler.render.x_length import x_length

NETWORKS = ("x", "mastodon", "bluesky", "outbox")

X_LIMIT = 280
MASTODON_DEFAULT_LIMIT = 500
MASTODON_URL_LENGTH = 23
BLUESKY_GRAPHEME_LIMIT = 300
BLUESKY_BYTE_LIMIT = 3000  # app.bsky.feed.post text: maxGraphemes 300, maxLength 3000 (UTF-8 bytes)

_GRAPHEME = regex.compile(r"\X")


@dataclass(frozen=True)
class Count:
    """A post's length against its network's limit; for Bluesky, UTF-8 bytes against a second limit too."""

    network: str
    length: int
    limit: int | None
    byte_length: int | None = None
    byte_limit: int | None = None

    @property
    def over(self) -> int:
        """How far past the tightest limit the post is; 0 when it fits.

        Each excess is in its own unit and the larger one is returned: for Bluesky, 4 means 4 graphemes
        over 300 or 4 bytes over 3000, whichever is worse; compare `length` with `limit` and
        `byte_length` with `byte_limit` to tell which.
        """
        excess = 0
        if self.limit is not None:
            excess = max(excess, self.length - self.limit)
        if self.byte_limit is not None and self.byte_length is not None:
            excess = max(excess, self.byte_length - self.byte_limit)
        return excess

    @property
    def fits(self) -> bool:
        """Within every limit the network has (always, on a network without one)."""
        return self.over == 0


# Fitting a post measures the same texts again (the fitted text, then each account of a network):
# counts are pure, so the recent ones are kept.
@lru_cache(maxsize=8192)
def count(network: str, text: str, *, max_characters: int | None = None) -> Count:
    """Count `text` as `network` will when it receives it.

    `max_characters` is a Mastodon server's own limit (its instance API's
    `configuration.statuses.max_characters`); the other networks have fixed limits and ignore it
    (an account's options may carry it whatever its network).
    """
    if network not in NETWORKS:
        raise ValueError(f"unknown network {network!r}: known networks are {', '.join(NETWORKS)}")
    if network == "x":
        # twitter-text's v3 configuration (its default): NFC, URLs 23, CJK and emoji 2, the rest 1.
        return Count(network, x_length(text), X_LIMIT)
    if network == "mastodon":
        limit = MASTODON_DEFAULT_LIMIT if max_characters is None else max_characters
        if limit < 1:
            raise ValueError(f"max_characters must be at least 1, not {limit}")
        return Count(network, graphemes(mastodon_countable_text(text)), limit)
    if network == "bluesky":
        shown = bluesky_text(text).text
        return Count(
            network, graphemes(shown), BLUESKY_GRAPHEME_LIMIT, len(shown.encode()), BLUESKY_BYTE_LIMIT
        )
    return Count(network, graphemes(text), None)


def graphemes(text: str) -> int:
    """Extended grapheme clusters: what a reader sees as one character (👩🏽‍💻, 🇫🇷, e + U+0301)."""
    return len(_GRAPHEME.findall(text))


# Mastodon ---------------------------------------------------------------------------------------
#
# Based on Mastodon's app/validators/status_length_validator.rb (4.x): the status text is rewritten
# before its grapheme clusters are counted, each URL with a scheme becoming 23 characters and each
# mention @user@domain becoming @user. The entities come from lib/extractor.rb: twitter-text's
# extract_urls_with_indices (extract_url_without_protocol: false) with the URL regex as Mastodon's
# config/initializers/twitter_regex.rb redefines it, and Account::MENTION_RE for mentions; overlapping
# entities are dropped as twitter-text's remove_overlapping_entities does. Mastodon also counts the
# content warning (spoiler text) in the same total; posts here have none. Ruby's grapheme clusters
# follow its own Unicode version, so characters newer than it may split differently there.

# Ruby's [[:word:]]: letters, marks, decimal digits, connector punctuation.
_WORD = r"\p{L}\p{M}\p{Nd}\p{Pc}"
_MASTODON_MENTION = regex.compile(
    rf"(?<![=/{_WORD}])@(?P<account>(?i:[a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)(?:@[{_WORD}]+(?:[.-]+[{_WORD}]+)*)?)"
)


@dataclass(frozen=True)
class _MastodonPatterns:
    url: regex.Pattern[str]
    mention_end: regex.Pattern[str]  # twitter-text end_mention_match
    tco: regex.Pattern[str]


@cache
def _mastodon_patterns() -> _MastodonPatterns:
    """Built on first use from twitter-text's expressions (importing twitter_text takes about a second)."""
    from twitter_text.regexp.latin_accent_chars import latin_accent_chars
    from twitter_text.regexp.valid_domain import valid_domain
    from twitter_text.regexp.valid_tco_url import valid_tco_url
    from twitter_text.regexp.valid_url_balanced_parens import valid_url_balanced_parens
    from twitter_text.regexp.valid_url_preceding_chars import valid_url_preceding_chars

    # Mastodon's unicode additions to query characters (twitter_regex.rb UCHARS).
    uchars = (
        r"\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef\U00010000-\U0001fffd\U00020000-\U0002fffd"
        r"\U00030000-\U0003fffd\U00040000-\U0004fffd\U00050000-\U0005fffd\U00060000-\U0006fffd"
        r"\U00070000-\U0007fffd\U00080000-\U0008fffd\U00090000-\U0009fffd\U000a0000-\U000afffd"
        r"\U000b0000-\U000bfffd\U000c0000-\U000cfffd\U000d0000-\U000dfffd\U000e1000-\U000efffd"
        r"\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
    )
    path_char = r"[^\p{White_Space}<>()?]"
    balanced_parens = rf"\((?:{path_char}+|(?:{path_char}*\({path_char}+\){path_char}*))\)"
    # Mastodon redefines the ending characters before the parentheses, so they keep twitter-text's.
    path_end = (
        rf"""(?:[^\p{{White_Space}}()?!*"'「」<>;:=,.$%\[\]~&|@]|(?:{valid_url_balanced_parens.pattern}))"""
    )
    path = rf"(?:(?:{path_char}*(?:{balanced_parens}{path_char}*)*{path_end})|(?:{path_char}+/))"
    query_char = rf"[a-z0-9!?*'();:&=+$/%#\[\]\-_.,~|@\^{uchars}]"
    query_end = rf"[a-z0-9_&=#/\-{uchars}]"
    url = regex.compile(
        rf"(?P<before>{valid_url_preceding_chars.pattern})"
        rf"(?P<url>(?P<protocol>(?:https?|dat|dweb|ipfs|ipns|ssb|gopher|gemini)://)?"
        rf"(?P<domain>{valid_domain.pattern})"
        rf"(?::[0-9]+)?"
        rf"(?:/{path}*)?"
        rf"(?:\?{query_char}*{query_end})?)",
        regex.IGNORECASE,
    )
    mention_end = regex.compile(rf"[@＠]|[{latin_accent_chars.pattern}]|://")
    return _MastodonPatterns(url, mention_end, valid_tco_url)


_BLANK = regex.compile(r"\p{White_Space}*")
_MAX_URL_LENGTH = 4096
_MAX_TCO_SLUG_LENGTH = 40
_MAX_DOMAIN_LENGTH = 253


def mastodon_countable_text(text: str) -> str:
    """The text Mastodon counts: each URL with a scheme as 23 x's, each @user@domain as @user."""
    if _BLANK.fullmatch(text):
        return ""  # Mastodon: `return '' if str.blank?`
    entities = sorted(_mastodon_urls(text) + _mastodon_mentions(text))
    parts = []
    position = 0
    for start, end, replacement in entities:
        if start < position:
            continue  # overlaps the entity before it
        parts.append(text[position:start])
        parts.append(replacement)
        position = end
    parts.append(text[position:])
    return "".join(parts)


def _mastodon_urls(text: str) -> list[tuple[int, int, str]]:
    """The URLs with a scheme, as the regex finds them over the whole text, found faster.

    The regex tries every position of the text (and its domain part thousands of top-level domains),
    0.7 ms for a post. No part of a URL takes ASCII white space, only the character before it may be
    one: so the URLs are those the regex finds in each run of other characters that has a scheme in
    it, scanned from the white space before the run (the regex's `^` and look-behind see what they
    would see over the whole text). tests/test_length.py holds this equal to the whole-text scan.
    """
    if "://" not in text:
        return []
    found = []
    for run in _NOT_ASCII_SPACE.finditer(text):
        if "://" in run.group():
            found.extend(_urls_in(text, max(run.start() - 1, 0), run.end()))
    return found


_NOT_ASCII_SPACE = regex.compile(r"[^ \t\n\r\f\v]+")


def _urls_in(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """The URLs with a scheme that the regex finds in text[start:end], scanning from `start`."""
    found = []
    patterns = _mastodon_patterns()
    for match in patterns.url.finditer(text, start, end):
        if match.group("protocol") is None:
            continue  # a bare domain is counted as text
        url, url_start, url_end = match.group("url"), match.start("url"), match.end("url")
        tco = patterns.tco.match(url)
        if tco:  # a t.co URL ends with its slug
            if tco.group(1) and len(tco.group(1)) > _MAX_TCO_SLUG_LENGTH:
                continue
            url = tco.group(0)
            url_end = url_start + len(url)
        if not _url_length_allowed(len(url), match.group("domain")):
            continue
        found.append((url_start, url_end, "x" * MASTODON_URL_LENGTH))
    return found


def _url_length_allowed(url_length: int, domain: str) -> bool:
    """twitter-text's is_valid_domain: the URL, its domain in punycode, within 4096 characters."""
    try:
        encoded = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return url_length + max(len(encoded) - len(domain), 0) <= _MAX_URL_LENGTH


def _mastodon_mentions(text: str) -> list[tuple[int, int, str]]:
    if "@" not in text and "＠" not in text:
        return []
    found = []
    mention_end = _mastodon_patterns().mention_end
    for match in _MASTODON_MENTION.finditer(text):
        if mention_end.match(text, match.end()):
            continue
        username, _, domain = match.group("account").partition("@")
        if len(domain) > _MAX_DOMAIN_LENGTH:
            continue
        found.append((match.start(), match.end(), "@" + username))
    return found
