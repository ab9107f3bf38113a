"""scheduler.render.x_length counts as twitter-text's parse_tweet does, faster on text without emoji."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml
from twitter_text import parse_tweet

from scheduler.render.x_length import may_hold_emoji, x_length

DATA = Path(__file__).parents[1] / "data" / "twitter-text"
ARTICLES = [
    *sorted(Path("/work/shared/fixtures/articles").glob("*.txt")),
    *sorted((Path(__file__).parents[1] / "data" / "quotes").glob("*.txt")),
    *sorted((Path(__file__).parents[1] / "data" / "quotes_heldout").glob("*.txt")),
    Path(__file__).parents[2] / "scheduler" / "demo" / "data" / "kardashian-white-house.txt",
]
EMOJI = ["😷", "🙋🏽", "👨‍🎤", "👩🏽‍💻", "🇫🇷", "1️⃣", "#️⃣", "#⃣", "©", "®️", "❤", "❤️", "🏳️‍🌈", "☺"]


def conformance_texts() -> list[str]:
    texts = []
    for name in ("validate.yml", "extract.yml"):
        for cases in yaml.safe_load((DATA / name).read_text(encoding="utf-8"))["tests"].values():
            texts.extend(case["text"] for case in cases if isinstance(case.get("text"), str))
    return texts


def article_texts() -> list[str]:
    texts = []
    for path in ARTICLES:
        if path.is_file():
            body = path.read_text(encoding="utf-8")
            texts.append(body)
            texts.extend(line for line in body.splitlines() if line.strip())
    return texts


def test_every_conformance_text_counts_as_parse_tweet_counts_it() -> None:
    texts = conformance_texts()
    assert len(texts) > 300
    for text in texts:
        assert x_length(text) == parse_tweet(text).weightedLength, text


def test_every_article_paragraph_counts_as_parse_tweet_counts_it() -> None:
    texts = article_texts()
    assert len(texts) > 200
    for text in texts:
        assert x_length(text) == parse_tweet(text).weightedLength, text[:80]


def test_mixed_text_with_emoji_urls_line_endings_and_decomposed_letters() -> None:
    rng = random.Random(7)
    words = " ".join(article_texts()[:3]).split()[:400]
    extras = [*EMOJI, "https://news.example/a/b?c=1", "example.com", "\r\n", "\r", "e\u0301", "日本語", "“"]
    for _ in range(400):
        chosen = (rng.choice(words if rng.random() < 0.8 else extras) for _ in range(rng.randint(1, 60)))
        text = " ".join(chosen)
        assert x_length(text) == parse_tweet(text).weightedLength, text


def test_plain_newsroom_text_takes_the_fast_path_and_emoji_do_not() -> None:
    """Curly quotes, dashes, ellipses and accented letters are no emoji characters; every emoji has one."""
    assert not may_hold_emoji("“We’re done,” said Zoë — at 9:30… ok? #news 2024 * 50%")
    for emoji in EMOJI:
        assert may_hold_emoji(emoji), emoji


@pytest.mark.parametrize("text", ["", " ", "\n", "a" * 300, "日" * 141, "https://x.com " * 20])
def test_edges(text: str) -> None:
    assert x_length(text) == parse_tweet(text).weightedLength
