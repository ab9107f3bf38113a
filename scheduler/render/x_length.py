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
from functools import lru_cache

from twitter_text import parse_tweet
from twitter_text.config import config
from twitter_text.extract_urls import extract_urls_with_indices
from twitter_text.regexp.emoji import emoji_list, single_codepoint_emoji_ranges

_OPTIONS = config["defaults"]
_SCALE: int = _OPTIONS["scale"]
_URL_WEIGHT: int = _OPTIONS["transformed_url_length"] * _SCALE
_LINE_ENDINGS = re.compile(r"\r\n|\r|\n")  # parse_tweet's convert_line_ending


def _emoji_characters() -> frozenset[str]:
    """Any character an emoji of parse_tweet's expression can hold, leaving out ASCII where no emoji is
    ASCII only (a keycap begins with a digit, but goes on with U+FE0F or U+20E3)."""
    code_points = {point for low, high in single_codepoint_emoji_ranges for point in range(low, high + 1)}
    sequences = [[int(part, 16) for part in entry.codepoint.split()] for entry in emoji_list]
    code_points.update(point for sequence in sequences for point in sequence)
    ascii_only = any(all(point < 0x80 for point in sequence) for sequence in sequences) or any(
        low < 0x80 for low, _ in single_codepoint_emoji_ranges
    )
    if not ascii_only:
        code_points = {point for point in code_points if point >= 0x80}
    return frozenset(map(chr, code_points))


_EMOJI_CHARACTERS = _emoji_characters()


def may_hold_emoji(text: str) -> bool:
    """Whether `text` has a character some emoji is made of (if not, it holds no emoji)."""
    return not _EMOJI_CHARACTERS.isdisjoint(text)


@lru_cache(maxsize=4096)
def _weight(character: str) -> int:
    point = ord(character)
    for bounds in _OPTIONS["ranges"]:
        if bounds["start"] <= point <= bounds["end"]:
            return int(bounds["weight"])
    return int(_OPTIONS["default_weight"])


# Every ASCII character weighs the same (twitter-text's first range): an ASCII run is weighed by length.
_ASCII_WEIGHTS = {_weight(chr(point)) for point in range(0x80)}
_ASCII_WEIGHT = _ASCII_WEIGHTS.pop() if len(_ASCII_WEIGHTS) == 1 else None


def x_length(text: str) -> int:
    """parse_tweet(text).weightedLength, under twitter-text's default (v3) configuration."""
    normalized = _LINE_ENDINGS.sub("\n", unicodedata.normalize("NFC", text))
    if may_hold_emoji(normalized):
        return int(parse_tweet(text).weightedLength)
    weighted = 0
    index = 0
    for entity in extract_urls_with_indices(normalized):
        start, end = entity["indices"]
        weighted += _text_weight(normalized[index:start]) + _URL_WEIGHT
        index = end
    weighted += _text_weight(normalized[index:])
    return int(weighted / _SCALE)


def _text_weight(text: str) -> int:
    if _ASCII_WEIGHT is not None and text.isascii():
        return len(text) * _ASCII_WEIGHT
    return sum(map(_weight, text))
