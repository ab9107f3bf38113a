"""Post length per network, and Bluesky's facets.

Every expected number is worked out by hand from the network's documented rule, written beside it:
- X (twitter-text v3): text NFC-normalised; a URL, with or without scheme, counts 23; an emoji
  (sequence) counts 2; code points in U+0000-U+10FF, U+2000-U+200D, U+2010-U+201F, U+2032-U+2037
  count 1; every other code point (CJK...) counts 2; limit 280.
- Mastodon: grapheme clusters, after each URL with a scheme becomes 23 and @user@domain becomes @user;
  limit 500 unless the server says otherwise.
- Bluesky: grapheme clusters (limit 300) and UTF-8 bytes (limit 3000) of the text as displayed, where
  a link shows without scheme or "www.", cut to 30 graphemes with "…".
"""

from __future__ import annotations

import dataclasses

import pytest

from scheduler.render.facets import bluesky_text
from scheduler.render.length import Count, count

WORKER = "👩🏽‍💻"  # U+1F469 U+1F3FD U+200D U+1F4BB: 1 grapheme, 4 + 4 + 3 + 4 = 15 UTF-8 bytes
FAMILY = "👨‍👩‍👧‍👦"  # 4 emoji and 3 ZWJ: 1 grapheme, 4 * 4 + 3 * 3 = 25 UTF-8 bytes
FLAG_FR = "🇫🇷"  # two regional indicators: 1 grapheme, 2 * 4 = 8 UTF-8 bytes
CJK = "日本語"  # 3 code points of 3 UTF-8 bytes, X weight 2 each
E_COMBINING = "e\u0301"  # e + COMBINING ACUTE ACCENT: 1 grapheme, 1 + 2 = 3 bytes; NFC makes it U+00E9
E_ACUTE = "\u00e9"  # é precomposed: 1 grapheme, 2 bytes
ARABIC = "مرحبا"  # 5 letters in U+0600-U+06FF: 5 graphemes, 10 bytes
HEBREW = "שלום"  # 4 letters in U+05D0-U+05EA: 4 graphemes, 8 bytes
HEBREW_POINTED = "שָׁלוֹם"  # ש + 2 points, ל, ו + 1 point, ם: 7 code points, 4 graphemes, 14 bytes

LONG_URL = "https://www.example.com/articles/2026/11/28/a-long-slug-for-the-story"
# Shown on Bluesky: "example.com" (11) + "/articles/2026/11/" (18) + "…" = 30 graphemes, 29 + 3 = 32 bytes.
LONG_URL_SHOWN = "example.com/articles/2026/11/…"


def test_unknown_network_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="x, mastodon, bluesky, outbox"):
        count("threads", "hello")


def test_max_characters_is_for_mastodon_only() -> None:
    over_x = "a" * 281
    assert count("x", over_x, max_characters=1000).limit == 280
    assert not count("x", over_x, max_characters=1000).fits
    assert count("mastodon", over_x, max_characters=1000).fits


def test_count_is_frozen() -> None:
    result = count("x", "hello")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.length = 0  # type: ignore[misc]


# X --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("Read https://example.com/a/very/long/path", 5 + 23),
        ("Go https://a.io", 3 + 23),  # a URL shorter than 23 still counts 23
        ("Read example.com/a/very/long/path", 5 + 23),  # X links a bare domain too
        (WORKER, 2),
        (FAMILY, 2),
        (FLAG_FR, 2),
        (CJK, 3 * 2),
        (E_COMBINING, 1),  # NFC: é
        (E_ACUTE, 1),
        (ARABIC, 5),
        (HEBREW, 4),
        (HEBREW_POINTED, 7),  # points have no precomposed form: 7 code points of weight 1
        ("Hi @alice@mastodon.social", 3 + 22),  # no mention rule on X: 22 characters of text
    ],
)
def test_x_weighted_length(text: str, length: int) -> None:
    assert count("x", text) == Count("x", length, 280)


@pytest.mark.parametrize(
    ("text", "length", "over"),
    [
        ("a" * 280, 280, 0),
        ("a" * 281, 281, 1),
        ("日" * 140, 280, 0),
        ("日" * 140 + "a", 281, 1),
        (WORKER * 140, 280, 0),
        (WORKER * 141, 282, 2),
        ("a" * 256 + " https://example.com/" + "x" * 200, 256 + 1 + 23, 0),
        ("a" * 257 + " https://example.com/" + "x" * 200, 257 + 1 + 23, 1),
    ],
)
def test_x_at_the_limit_and_one_over(text: str, length: int, over: int) -> None:
    result = count("x", text)
    assert (result.length, result.over, result.fits) == (length, over, over == 0)


# Mastodon -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("Read https://example.com/a/very/long/path", 5 + 23),
        ("Go https://a.io", 3 + 23),  # shorter than 23, counted 23
        ("Read example.com/a/very/long/path", 5 + 28),  # no scheme: the 28 characters as written
        ("https://mastodon.social/@Gargron", 23),  # the @ inside a URL is not a mention
        (WORKER, 1),
        (FAMILY, 1),
        (FLAG_FR, 1),
        (FLAG_FR + "🇩🇪", 2),
        (CJK, 3),
        (E_COMBINING, 1),
        (E_ACUTE, 1),
        (ARABIC, 5),
        (HEBREW, 4),
        (HEBREW_POINTED, 4),
        ("Hi @Gargron@mastodon.social!", len("Hi @Gargron!")),  # 12
        ("@alice@example.com and @bob", len("@alice and @bob")),  # 15
        ("mail bob@example.com", 20),  # an address, not a mention
    ],
)
def test_mastodon_length(text: str, length: int) -> None:
    assert count("mastodon", text) == Count("mastodon", length, 500)


@pytest.mark.parametrize(
    ("text", "length", "over"),
    [
        ("a" * 500, 500, 0),
        ("a" * 501, 501, 1),
        (FAMILY * 500, 500, 0),
        (FAMILY * 501, 501, 1),
        ("a" * 476 + " https://example.com/" + "x" * 200, 476 + 1 + 23, 0),
        ("a" * 477 + " https://example.com/" + "x" * 200, 477 + 1 + 23, 1),
        ("@alice@mastodon.social " + "a" * 493, 7 + 493, 0),  # "@alice " + 493
        ("@alice@mastodon.social " + "a" * 494, 7 + 494, 1),
    ],
)
def test_mastodon_at_the_default_limit_and_one_over(text: str, length: int, over: int) -> None:
    result = count("mastodon", text)
    assert (result.length, result.limit, result.over, result.fits) == (length, 500, over, over == 0)


@pytest.mark.parametrize(("text", "over"), [("a" * 1000, 0), ("a" * 1001, 1), (WORKER * 1001, 1)])
def test_mastodon_with_a_server_limit(text: str, over: int) -> None:
    result = count("mastodon", text, max_characters=1000)
    assert (result.limit, result.over, result.fits) == (1000, over, over == 0)


# Bluesky --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "graphemes", "utf8_bytes"),
    [
        ("Read https://example.com/a/very/long/path", 5 + 28, 5 + 28),  # shown without "https://"
        ("Read " + LONG_URL, 5 + 30, 5 + 32),  # shown as "example.com/articles/2026/11/…"
        ("Read example.com/a/very/long/path", 5 + 28, 5 + 28),  # a bare domain, already short
        (WORKER, 1, 15),
        (FAMILY, 1, 25),
        (FLAG_FR, 1, 8),
        (CJK, 3, 9),
        (E_COMBINING, 1, 3),  # Bluesky does not normalise
        (E_ACUTE, 1, 2),
        (ARABIC, 5, 10),
        (HEBREW, 4, 8),
        (HEBREW_POINTED, 4, 14),
    ],
)
def test_bluesky_counts_graphemes_and_bytes_as_displayed(text: str, graphemes: int, utf8_bytes: int) -> None:
    assert count("bluesky", text) == Count("bluesky", graphemes, 300, utf8_bytes, 3000)


@pytest.mark.parametrize(
    ("text", "graphemes", "utf8_bytes", "over"),
    [
        ("a" * 300, 300, 300, 0),
        ("a" * 301, 301, 301, 1),  # one grapheme over
        ("😀" * 300, 300, 1200, 0),  # 4-byte emoji: 300 graphemes fit, 1200 bytes fit
        (FAMILY * 120, 120, 3000, 0),  # exactly 3000 bytes
        (FAMILY * 120 + "a", 121, 3001, 1),  # one byte over
        (WORKER * 200, 200, 3000, 0),
        (WORKER * 200 + "a", 201, 3001, 1),
        (WORKER * 300, 300, 4500, 1500),  # fits the graphemes, 1500 bytes over
        (WORKER * 301, 301, 4515, 1515),  # 1 grapheme and 1515 bytes over: the worse, in bytes
    ],
)
def test_bluesky_limits_of_graphemes_and_bytes(text: str, graphemes: int, utf8_bytes: int, over: int) -> None:
    result = count("bluesky", text)
    assert (result.length, result.byte_length, result.over, result.fits) == (
        graphemes,
        utf8_bytes,
        over,
        over == 0,
    )


def test_bluesky_link_counts_as_shown_at_the_limit() -> None:
    # 270 + 30 graphemes shown for the link = 300; the URL as written is 69 characters.
    assert count("bluesky", "a" * 269 + " " + LONG_URL).over == 0
    assert count("bluesky", "a" * 270 + " " + LONG_URL).over == 1


# Outbox ---------------------------------------------------------------------------------------


def test_outbox_has_no_limit() -> None:
    assert count("outbox", "a" * 100_000) == Count("outbox", 100_000, None)
    assert count("outbox", "a" * 100_000).fits
    assert count("outbox", FAMILY + FLAG_FR + E_COMBINING).length == 3


# Bluesky facets -------------------------------------------------------------------------------


def spans(text: str) -> list[tuple[str, dict[str, str]]]:
    """Each facet as the displayed text it covers (UTF-8 bytes sliced, then decoded) and its feature."""
    shown = bluesky_text(text)
    raw = shown.text.encode("utf-8")
    return [
        (raw[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode("utf-8"), f["features"][0])
        for f in shown.facets
    ]


def test_facet_record_shape() -> None:
    shown = bluesky_text("New: https://example.com/a")
    assert shown.text == "New: example.com/a"
    assert shown.facets == (
        {
            "$type": "app.bsky.richtext.facet",
            "index": {"byteStart": 5, "byteEnd": 18},
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com/a"}],
        },
    )


def test_facet_offsets_are_utf8_bytes_after_emoji_cjk_and_combining_marks() -> None:
    text = f"{WORKER} {CJK} {E_COMBINING} {LONG_URL} #café @bob.example.com"
    shown = bluesky_text(text)
    assert shown.text == f"{WORKER} {CJK} {E_COMBINING} {LONG_URL_SHOWN} #café @bob.example.com"
    # 15 (worker) + 1 + 9 (CJK) + 1 + 3 (e + U+0301) + 1 = 30; the link shown is 29 + 3 = 32 bytes: 30..62;
    # " " then "#café" is 1 + 3 + 2 = 6 bytes: 63..69; " " then "@bob.example.com", 16 bytes: 70..86.
    assert [f["index"] for f in shown.facets] == [
        {"byteStart": 30, "byteEnd": 62},
        {"byteStart": 63, "byteEnd": 69},
        {"byteStart": 70, "byteEnd": 86},
    ]
    assert spans(text) == [
        (LONG_URL_SHOWN, {"$type": "app.bsky.richtext.facet#link", "uri": LONG_URL}),
        ("#café", {"$type": "app.bsky.richtext.facet#tag", "tag": "café"}),
        ("@bob.example.com", {"$type": "app.bsky.richtext.facet#mention", "handle": "bob.example.com"}),
    ]


def test_facet_offsets_after_right_to_left_text_and_a_flag() -> None:
    # ARABIC 10 bytes + " " = 11; the link "example.com/a" is 13 bytes: 11..24; " " + FLAG_FR (8) + " " = 34.
    shown = bluesky_text(f"{ARABIC} https://example.com/a {FLAG_FR} {HEBREW} #שלום")
    assert [f["index"] for f in shown.facets] == [
        {"byteStart": 11, "byteEnd": 24},
        {"byteStart": 34 + 8 + 1, "byteEnd": 34 + 8 + 1 + 9},  # HEBREW 8 + " ", then "#" + 8 bytes
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("See https://example.com/a.", [("example.com/a", "https://example.com/a")]),  # trailing "." left out
        ("(https://example.com/a)", [("example.com/a", "https://example.com/a")]),  # unbalanced ")" left out
        ("https://example.com/Foo_(bar)", [("example.com/Foo_(bar)", "https://example.com/Foo_(bar)")]),
        (  # 16 graphemes of host, 13 of path, "…"
            "https://en.wikipedia.org/wiki/Foo_(bar)",
            [("en.wikipedia.org/wiki/Foo_(ba…", "https://en.wikipedia.org/wiki/Foo_(bar)")],
        ),
        ("Try example.com/path", [("example.com/path", "https://example.com/path")]),  # bare domain
        ("https://example.com/", [("example.com", "https://example.com/")]),
        ("http://www.example.com/a", [("example.com/a", "http://www.example.com/a")]),
        ("httpbin.org/get", [("httpbin.org/get", "https://httpbin.org/get")]),
        ("Edit config.yml now", []),  # .yml is no top-level domain
        ("Write to bob@example.com", []),  # an address: no link, no mention
    ],
)
def test_link_facets(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(covered, feature["uri"]) for covered, feature in spans(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#news today", [("#news", "news")]),
        ("Out now #tag.", [("#tag", "tag")]),  # trailing punctuation left out
        ("#café!?", [("#café", "café")]),
        ("#日本語", [("#日本語", "日本語")]),
        ("#123 and #2026", []),  # digits only: no tag
        ("#1st", [("#1st", "1st")]),
        ("a#b", []),  # a tag starts the text or follows a space
    ],
)
def test_tag_facets(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(covered, feature["tag"]) for covered, feature in spans(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cc @alice.bsky.social", [("@alice.bsky.social", "alice.bsky.social")]),
        ("cc @alice.bsky.social.", [("@alice.bsky.social", "alice.bsky.social")]),
        ("cc @alice", []),  # not a domain: no handle
        ("cc @alice.test", [("@alice.test", "alice.test")]),  # .test is allowed, as Bluesky does
    ],
)
def test_mention_facets(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(covered, feature["handle"]) for covered, feature in spans(text)] == expected
