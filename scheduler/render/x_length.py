"""X's weighted length, as twitter-text's parse_tweet counts it, without its cost on text with no emoji.

parse_tweet runs its emoji expression (an alternation of every emoji sequence) over every text, even
one without a single emoji: that is more than half of its time, and the campaign planner counts
thousands of texts. A text with none of the characters any emoji is made of cannot hold one, so it is
counted here by parse_tweet's own steps and tables (NFC, line endings, its URL extractor, its weight
ranges) minus the emoji search; any other text goes to parse_tweet itself. tests/test_x_length.py holds
the two equal over twitter-text's conformance cases and the article fixtures.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from typing import Any

_LINE_ENDINGS = re.compile(r"\r\n|\r|\n")  # parse_tweet's convert_line_ending

# twitter_text is imported on first use, not with this module: importing it compiles its expressions
# (about a second), which every `scheduler` command and worker would pay at start without counting a post.


@cache
def _options() -> dict[str, Any]:
    from twitter_text.config import config

    return dict(config["defaults"])


@cache
def _emoji_characters() -> frozenset[str]:
    """Any character an emoji of parse_tweet's expression can hold, leaving out ASCII where no emoji is
    ASCII only (a keycap begins with a digit, but goes on with U+FE0F or U+20E3)."""
    from twitter_text.regexp.emoji import emoji_list, single_codepoint_emoji_ranges

    code_points = {point for low, high in single_codepoint_emoji_ranges for point in range(low, high + 1)}
    sequences = [[int(part, 16) for part in entry.codepoint.split()] for entry in emoji_list]
    code_points.update(point for sequence in sequences for point in sequence)
    ascii_only = any(all(point < 0x80 for point in sequence) for sequence in sequences) or any(
        low < 0x80 for low, _ in single_codepoint_emoji_ranges
    )
    if not ascii_only:
        code_points = {point for point in code_points if point >= 0x80}
    return frozenset(map(chr, code_points))


def may_hold_emoji(text: str) -> bool:
    """Whether `text` has a character some emoji is made of (if not, it holds no emoji)."""
    return not _emoji_characters().isdisjoint(text)


@lru_cache(maxsize=4096)
def _weight(character: str) -> int:
    point = ord(character)
    options = _options()
    for bounds in options["ranges"]:
        if bounds["start"] <= point <= bounds["end"]:
            return int(bounds["weight"])
    return int(options["default_weight"])


@cache
def _ascii_weight() -> int | None:
    """Every ASCII character weighs the same (twitter-text's first range): an ASCII run is weighed by
    length."""
    weights = {_weight(chr(point)) for point in range(0x80)}
    return weights.pop() if len(weights) == 1 else None


def x_length(text: str) -> int:
    """parse_tweet(text).weightedLength, under twitter-text's default (v3) configuration."""
    from twitter_text import parse_tweet
    from twitter_text.extract_urls import extract_urls_with_indices

    normalized = _LINE_ENDINGS.sub("\n", unicodedata.normalize("NFC", text))
    if may_hold_emoji(normalized):
        return int(parse_tweet(text).weightedLength)
    options = _options()
    scale: int = options["scale"]
    url_weight = options["transformed_url_length"] * scale
    weighted = 0
    index = 0
    for entity in extract_urls_with_indices(normalized):
        start, end = entity["indices"]
        weighted += _text_weight(normalized[index:start]) + url_weight
        index = end
    weighted += _text_weight(normalized[index:])
    return int(weighted / scale)


def _text_weight(text: str) -> int:
    ascii_weight = _ascii_weight()
    if ascii_weight is not None and text.isascii():
        return len(text) * ascii_weight
    return sum(map(_weight, text))
