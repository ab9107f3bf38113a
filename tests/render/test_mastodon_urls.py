"""Mastodon's URLs found run by run (render.length._mastodon_urls) are those the regex finds over the
whole text: same places, same order, on every conformance text, article and mixed text."""

from __future__ import annotations

import random

from scheduler.render import length
from scheduler.render.length import count
from tests.render.test_x_length import article_texts, conformance_texts

# Domains under known top-level domains: `.example` is not one, so Mastodon counts such a URL as text.
URLS = [
    "https://news.example.com/a/b?c=1&d=2#e",
    "http://example.com/foo-http://x.com",  # a scheme inside a path: one URL, not two
    "https://en.wikipedia.org/wiki/Kim_(name)",
    "https://t.co/abcdef",
    "https://t.co/" + "a" * 45,  # a t.co slug too long
    "gemini://capsule.example.org/x",
    "ftp://not.counted.example.net",
    "https://例え.jp/パス?検索=1",
    "https://news.example/a",  # not a known top-level domain
    "example.com",
    "www.example.org/x?y=1",
    "@alice@mastodon.social",
    "https://mastodon.social/@Gargron",
    "HTTPS://LOUD.EXAMPLE.COM/PATH",
    "https://" + "d" * 300 + ".com",
]
SEPARATORS = [" ", "\n", "\r\n", "\t", "\f", "\v", "\u00a0", "\u3000", "\u2003", ""]
SEPARATORS += ["(", ")", ".", ",", ":", "“", "#"]


def whole_text_scan(text: str) -> list[tuple[int, int, str]]:
    """The regex over the whole text at once: what _mastodon_urls stands for."""
    return length._urls_in(text, 0, len(text)) if "://" in text else []


def test_conformance_and_article_texts() -> None:
    texts = [*conformance_texts(), *article_texts()]
    assert sum("://" in text for text in texts) > 100
    for text in texts:
        assert length._mastodon_urls(text) == whole_text_scan(text), text[:80]


def test_mixed_urls_words_and_every_kind_of_space() -> None:
    rng = random.Random(11)
    words = " ".join(article_texts()[:2]).split()[:300]
    found = 0
    for _ in range(2000):
        pieces = []
        for _ in range(rng.randint(1, 25)):
            pieces.append(rng.choice(URLS if rng.random() < 0.4 else words))
            pieces.append(rng.choice(SEPARATORS))
        text = "".join(pieces)
        urls = length._mastodon_urls(text)
        assert urls == whole_text_scan(text), text
        found += len(urls)
    assert found > 2000  # the texts do hold URLs that count


def test_a_post_with_a_link_counts_the_link_as_23() -> None:
    text = (
        "Kim Kardashian meets the president.\n\nhttps://news.example.com/2018/05/30/kim?utm_source=mastodon"
    )
    assert count("mastodon", text).length == len("Kim Kardashian meets the president.\n\n") + 23
