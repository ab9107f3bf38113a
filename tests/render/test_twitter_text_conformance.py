"""twitter-text's own conformance cases, run against twitter-text-parser, which counts our X posts,
and against scheduler.render.entities, our port of twitter-text's hashtag and mention extraction.

Each weighted-length section of validate.yml is run with the configuration twitter-text's own
Objective-C tests (and the Swift, PHP and Perl ports) give it: WeightedTweetsCounterTest with v2.json,
WeightedTweetsWithDiscountedEmojiCounterTest and UnicodeDirectionalMarkerCounterTest with v3.json.
The two configurations differ only in emoji parsing, so a section's expected lengths for emoji hold
only under its own configuration.

Of extract.yml, the URL sections run against twitter-text-parser: X counts a URL as 23 whatever its
length, so the length is only right if the URLs are found exactly. twitter-text-parser has no hashtag
or mention extractor (X counts them as plain text), so the hashtag, mention and reply sections run
against scheduler.render.entities, our port of twitter-text's; every section whose name starts with
"hashtags" or "mentions" must have a test below. The cashtag sections do not run: nothing extracts
cashtags here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from twitter_text import extract_urls, extract_urls_with_indices, parse_tweet
from twitter_text.config import config as package_configs

from scheduler.render.entities import (
    extract_hashtags,
    extract_hashtags_with_indices,
    extract_mentions,
    extract_mentions_or_lists_with_indices,
    extract_mentions_with_indices,
    extract_reply_screenname,
)

DATA = Path(__file__).parents[1] / "data" / "twitter-text"
VALIDATE = yaml.safe_load((DATA / "validate.yml").read_text(encoding="utf-8"))["tests"]
EXTRACT = yaml.safe_load((DATA / "extract.yml").read_text(encoding="utf-8"))["tests"]

WEIGHTED_SECTIONS = {
    "WeightedTweetsCounterTest": "v2",
    "WeightedTweetsWithDiscountedEmojiCounterTest": "v3",
    "UnicodeDirectionalMarkerCounterTest": "v3",
}


def parser_options(version: str) -> dict[str, Any]:
    """A twitter-text configuration file as the options twitter-text-parser's parse_tweet takes.

    Built from the JSON rather than taken from the package's copies: the package's "version2" has
    no emoji_parsing_enabled, and parse_tweet raises KeyError on it. twitter-text treats a missing
    emojiParsingEnabled as false.
    """
    data = json.loads((DATA / f"{version}.json").read_text(encoding="utf-8"))
    return {
        "version": data["version"],
        "max_weighted_tweet_length": data["maxWeightedTweetLength"],
        "scale": data["scale"],
        "default_weight": data["defaultWeight"],
        "emoji_parsing_enabled": data.get("emojiParsingEnabled", False),
        "transformed_url_length": data["transformedURLLength"],
        "ranges": data["ranges"],
    }


def cases(tests: dict[str, list[dict[str, Any]]], *sections: str) -> list[Any]:
    return [
        pytest.param(section, case["text"], case["expected"], id=f"{section}: {case['description']}")
        for section in sections
        for case in tests[section]
    ]


def test_our_x_counting_uses_the_v3_configuration() -> None:
    """scheduler.render.length counts X posts with parse_tweet's default options: they must be v3.json."""
    assert package_configs["defaults"] == parser_options("v3")


@pytest.mark.parametrize(("section", "text", "expected"), cases(VALIDATE, *WEIGHTED_SECTIONS))
def test_weighted_length(section: str, text: str, expected: dict[str, Any]) -> None:
    result = parse_tweet(text, parser_options(WEIGHTED_SECTIONS[section]))
    assert result.asdict() == expected


@pytest.mark.parametrize(("section", "text", "expected"), cases(EXTRACT, "urls", "tco_urls_with_params"))
def test_extract_urls(section: str, text: str, expected: list[str]) -> None:
    assert extract_urls(text) == expected


@pytest.mark.parametrize(
    ("section", "text", "expected"), cases(EXTRACT, "urls_with_indices", "urls_with_directional_markers")
)
def test_extract_urls_with_indices(section: str, text: str, expected: list[dict[str, Any]]) -> None:
    assert extract_urls_with_indices(text) == expected


ENTITY_SECTIONS = {
    "hashtags",
    "hashtags_from_astral",
    "hashtags_with_indices",
    "mentions",
    "mentions_with_indices",
    "mentions_or_lists_with_indices",
}


def test_every_hashtag_and_mention_section_runs() -> None:
    """A section added to extract.yml must get its test below, not go unrun."""
    assert {section for section in EXTRACT if section.startswith(("hashtags", "mentions"))} == ENTITY_SECTIONS


@pytest.mark.parametrize(("section", "text", "expected"), cases(EXTRACT, "hashtags"))
def test_extract_hashtags(section: str, text: str, expected: list[str]) -> None:
    assert extract_hashtags(text) == expected


@pytest.mark.parametrize(("section", "text", "expected"), cases(EXTRACT, "hashtags_from_astral"))
def test_extract_hashtags_from_astral(section: str, text: str, expected: list[str]) -> None:
    assert extract_hashtags(text) == expected


@pytest.mark.parametrize(("section", "text", "expected"), cases(EXTRACT, "hashtags_with_indices"))
def test_extract_hashtags_with_indices(section: str, text: str, expected: list[dict[str, Any]]) -> None:
    assert extract_hashtags_with_indices(text) == expected


@pytest.mark.parametrize(("section", "text", "expected"), cases(EXTRACT, "mentions"))
def test_extract_mentions(section: str, text: str, expected: list[str]) -> None:
    assert extract_mentions(text) == expected


@pytest.mark.parametrize(("section", "text", "expected"), cases(EXTRACT, "mentions_with_indices"))
def test_extract_mentions_with_indices(section: str, text: str, expected: list[dict[str, Any]]) -> None:
    assert extract_mentions_with_indices(text) == expected


@pytest.mark.parametrize(("section", "text", "expected"), cases(EXTRACT, "mentions_or_lists_with_indices"))
def test_extract_mentions_or_lists_with_indices(
    section: str, text: str, expected: list[dict[str, Any]]
) -> None:
    assert extract_mentions_or_lists_with_indices(text) == expected


@pytest.mark.parametrize(("section", "text", "expected"), cases(EXTRACT, "replies"))
def test_extract_reply_screenname(section: str, text: str, expected: str | None) -> None:
    assert extract_reply_screenname(text) == expected
