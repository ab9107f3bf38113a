# Why this module exists: twitter-text-parser (`import twitter_text`), which counts our X posts, ports
# only twitter-text's URL and emoji extraction and length counting; it has no hashtag or mention
# extraction. This is a port of those from twitter-text (https://github.com/twitter/twitter-text,
# Copyright 2018 Twitter, Inc., Apache License 2.0): js/src/extractHashtagsWithIndices.js,
# extractMentionsOrListsWithIndices.js, extractMentionsWithIndices.js, extractHashtags.js,
# extractMentions.js, extractReplies.js, removeOverlappingEntities.js and the js/src/regexp/ modules
# named below, checked against java/.../twittertext/Extractor.java and Regex.java.
"""Hashtags, @mentions, @user/lists and the replied-to user in tweet text, as twitter-text finds them.

Indices are [start, end) in code points, as twitter-text's conformance file (extract.yml) states
them; twitter-text's JavaScript works in UTF-16 code units and converts, Python strings need not.

Departures in spelling, not in behaviour:

* Letters and marks, numerals. twitter-text's JavaScript spells these out as tables generated from an
  old Unicode version (bmpLetterAndMarks, astralLetterAndMarks: "same as objective c's \\p{L}\\p{M}";
  bmpNumerals, astralNumerals), with astral code points as UTF-16 surrogate pairs, because JavaScript
  regexes had no \\p{...}. Like twitter-text's Java (Regex.java HASHTAG_LETTERS_AND_MARKS and
  HASHTAG_NUMERALS) we write them as \\p{L}\\p{M} and \\p{Nd}, plus the code points its tables add that
  are not letters, marks or digits (private-use U+F870..U+F8D6 ranges). The JavaScript tables are a
  subset of these; what the `regex` module's newer Unicode data adds is letters, marks and digits
  assigned since (new scripts, CJK extensions), which twitter-text's Java and Objective-C also take.
* JavaScript's `$` (end of input only) is `\\Z`; its codePoint (any code point, not a lone surrogate)
  is `[^\\ud800-\\udfff]`; the end-of-match checks (endHashtagMatch, endMentionMatch) are anchored
  where the match ends instead of run on a copy of the rest of the text.
"""

from __future__ import annotations

from typing import Any

import regex

# --- js/src/regexp ---------------------------------------------------------------------------------

# hashSigns.js, atSigns.js
HASH_SIGNS = "[#＃]"
AT_SIGNS = "[@＠]"

# latinAccentChars.js (a character-class body)
LATIN_ACCENT_CHARS = (
    r"\xC0-\xD6\xD8-\xF6\xF8-\xFF\u0100-\u024F\u0253\u0254\u0256\u0257\u0259\u025B\u0263\u0268"
    r"\u026F\u0272\u0289\u028B\u02BB\u0300-\u036F\u1E00-\u1EFF"
)

# spacesGroup.js / spaces.js
SPACES = r"[\x09-\x0D\x20\x85\xA0\u1680\u180E\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"

# bmpLetterAndMarks.js + astralLetterAndMarks.js (see the module docstring): \p{L}\p{M} and the
# private-use code points the tables (and Regex.java's HASHTAG_LETTERS_AND_MARKS) add.
LETTERS_AND_MARKS = r"\p{L}\p{M}\uf870-\uf87f\uf882\uf884-\uf89f\uf8b8\uf8c1-\uf8d6"

# bmpNumerals.js + astralNumerals.js: all decimal digits (Regex.java HASHTAG_NUMERALS).
NUMERALS = r"\p{Nd}"

# hashtagSpecialChars.js
HASHTAG_SPECIAL_CHARS = (
    "_"  # underscore
    r"\u200c"  # ZERO WIDTH NON-JOINER (ZWNJ)
    r"\u200d"  # ZERO WIDTH JOINER (ZWJ)
    r"\ua67e"  # CYRILLIC KAVYKA
    r"\u05be"  # HEBREW PUNCTUATION MAQAF
    r"\u05f3"  # HEBREW PUNCTUATION GERESH
    r"\u05f4"  # HEBREW PUNCTUATION GERSHAYIM
    r"\uff5e"  # FULLWIDTH TILDE
    r"\u301c"  # WAVE DASH
    r"\u309b"  # KATAKANA-HIRAGANA VOICED SOUND MARK
    r"\u309c"  # KATAKANA-HIRAGANA SEMI-VOICED SOUND MARK
    r"\u30a0"  # KATAKANA-HIRAGANA DOUBLE HYPHEN
    r"\u30fb"  # KATAKANA MIDDLE DOT
    r"\u3003"  # DITTO MARK
    r"\u0f0b"  # TIBETAN MARK INTERSYLLABIC TSHEG
    r"\u0f0c"  # TIBETAN MARK DELIMITER TSHEG BSTAR
    r"\xb7"  # MIDDLE DOT
)

# hashtagAlpha.js: a hashtag must contain at least one letter or mark.
HASHTAG_ALPHA = f"[{LETTERS_AND_MARKS}]"

# hashtagAlphaNumeric.js
HASHTAG_ALPHA_NUMERIC = f"[{LETTERS_AND_MARKS}{NUMERALS}{HASHTAG_SPECIAL_CHARS}]"

# codePoint.js
CODE_POINT = r"[^\ud800-\udfff]"

# hashtagBoundary.js
HASHTAG_BOUNDARY = rf"(?:^|\ufe0e|\ufe0f|\Z|(?!{HASHTAG_ALPHA_NUMERIC}|&){CODE_POINT})"

# validHashtag.js (flags gi): $1 before, $2 hash sign, $3 hashtag text.
VALID_HASHTAG = regex.compile(
    rf"({HASHTAG_BOUNDARY})({HASH_SIGNS})(?!\ufe0f|\u20e3)"
    rf"({HASHTAG_ALPHA_NUMERIC}*{HASHTAG_ALPHA}{HASHTAG_ALPHA_NUMERIC}*)",
    regex.IGNORECASE,
)

# endHashtagMatch.js: a match followed by these is not a hashtag (`^` is where the match ended).
END_HASHTAG_MATCH = regex.compile(rf"(?:{HASH_SIGNS}|://)")

# validMentionPrecedingChars.js
VALID_MENTION_PRECEDING_CHARS = r"(?:^|[^a-zA-Z0-9_!#$%&*@＠]|(?:^|[^a-zA-Z0-9_+~.-])(?:rt|RT|rT|Rt):?)"

# validMentionOrList.js (flag g): $1 before, $2 at sign, $3 screen name, $4 "/list-slug" (optional).
VALID_MENTION_OR_LIST = regex.compile(
    rf"({VALID_MENTION_PRECEDING_CHARS})"
    rf"({AT_SIGNS})"
    r"([a-zA-Z0-9_]{1,20})"
    r"(/[a-zA-Z][a-zA-Z0-9_\-]{0,24})?"
)

# endMentionMatch.js: a match followed by these is not a mention (`^` is where the match ended).
END_MENTION_MATCH = regex.compile(rf"(?:{AT_SIGNS}|[{LATIN_ACCENT_CHARS}]|://)")

# validReply.js: $1 screen name.
VALID_REPLY = regex.compile(rf"{SPACES}*{AT_SIGNS}([a-zA-Z0-9_]{{1,20}})")


# --- js/src ----------------------------------------------------------------------------------------


def _remove_overlapping_entities(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """removeOverlappingEntities.js: sorted by start, each entity starting inside the one kept before
    it is dropped (so a hashtag inside a URL goes, the URL stays)."""
    kept: list[dict[str, Any]] = []
    for entity in sorted(entities, key=lambda e: e["indices"][0]):
        if kept and kept[-1]["indices"][1] > entity["indices"][0]:
            continue
        kept.append(entity)
    return kept


def extract_hashtags_with_indices(text: str, *, check_url_overlap: bool = True) -> list[dict[str, Any]]:
    """extractHashtagsWithIndices: [{"hashtag": "tag", "indices": [start, end]}], the start at the
    hash sign. Hashtags overlapping a URL (twitter-text-parser's, as twitter-text's) are dropped unless
    check_url_overlap is False (twitter-text's option of that name)."""
    if not text or ("#" not in text and "＃" not in text):
        return []

    tags: list[dict[str, Any]] = []
    for match in VALID_HASHTAG.finditer(text):
        if END_HASHTAG_MATCH.match(text, match.end()):
            continue
        tags.append({"hashtag": match.group(3), "indices": [match.start(2), match.end(3)]})

    if check_url_overlap and tags:
        from twitter_text import extract_urls_with_indices  # on first use: importing it takes a second

        urls = extract_urls_with_indices(text)
        if urls:
            entities = _remove_overlapping_entities(tags + urls)
            tags = [entity for entity in entities if "hashtag" in entity]

    return tags


def extract_hashtags(text: str) -> list[str]:
    """extractHashtags: the hashtags' text, without the hash sign."""
    return [tag["hashtag"] for tag in extract_hashtags_with_indices(text)]


def extract_mentions_or_lists_with_indices(text: str) -> list[dict[str, Any]]:
    """extractMentionsOrListsWithIndices: [{"screen_name", "list_slug", "indices"}], list_slug being
    "/slug" for @user/slug and "" for a plain mention, the start at the at sign.

    As in twitter-text, mentions are not checked against URLs here: only its extractEntitiesWithIndices
    drops a mention inside a URL (such as http://example.com/@user)."""
    if not text or ("@" not in text and "＠" not in text):
        return []

    found: list[dict[str, Any]] = []
    for match in VALID_MENTION_OR_LIST.finditer(text):
        if END_MENTION_MATCH.match(text, match.end()):
            continue
        found.append(
            {
                "screen_name": match.group(3),
                "list_slug": match.group(4) or "",
                "indices": [match.start(2), match.end()],
            }
        )
    return found


def extract_mentions_with_indices(text: str) -> list[dict[str, Any]]:
    """extractMentionsWithIndices: [{"screen_name", "indices"}] for the mentions that are not lists."""
    return [
        {"screen_name": found["screen_name"], "indices": found["indices"]}
        for found in extract_mentions_or_lists_with_indices(text)
        if found["list_slug"] == ""
    ]


def extract_mentions(text: str) -> list[str]:
    """extractMentions: the mentioned screen names (not lists), without the at sign."""
    return [mention["screen_name"] for mention in extract_mentions_with_indices(text)]


def extract_reply_screenname(text: str) -> str | None:
    """extractReplies: the screen name a tweet replies to (an @mention with only spaces before it),
    or None."""
    if not text:
        return None
    match = VALID_REPLY.match(text)
    if match is None or END_MENTION_MATCH.match(text, match.end()):
        return None
    return match.group(1)
