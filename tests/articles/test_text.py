from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.articles import ArticleError
from scheduler.articles.text import parse_text, read_text_file
from tests.conftest import REFERENCE_ARTICLE

TITLE = "‘Optimistic’ Kim Kardashian meets with Donald Trump to discuss prison reform"
MIC_LINK = (
    "https://mic.com/articles/189162/exclusive-kardashian-west-in-talks-with-white-house-about-"
    "pardoning-nonviolent-drug-offender#.iZLVfbGW6"
)


@pytest.fixture
def reference() -> str:
    return read_text_file(REFERENCE_ARTICLE, max_bytes=1_000_000)


def test_reference_article_title_author_and_links(reference: str) -> None:
    article = parse_text(reference, canonical_url="https://example.com/kim")
    assert article.title == TITLE
    assert article.author == "Meaghan Wray"
    assert article.links == (MIC_LINK,)
    assert article.canonical_url == "https://example.com/kim"


def test_reference_article_body_is_clean(reference: str) -> None:
    article = parse_text(reference)
    body = "\n".join(article.paragraphs)
    assert len(article.paragraphs) == 6
    assert article.paragraphs[0].startswith("Kim Kardashian has been making it a priority")
    assert article.paragraphs[-1].endswith("sentenced to life in prison at the age of 16.")
    assert TITLE not in body  # the repeated title is dropped
    assert "Photo:" not in body and "MANDEL NGAN" not in body
    assert "LINK:" not in body
    assert "son-in-law Jared Kushner. Falling on" in body
    assert "Related news" not in body
    assert "Alice Marie Johnson, a woman" in body  # no stray space before the comma


def test_related_news_block_and_everything_after_it_is_dropped() -> None:
    text = "Title\n\nBy: A Writer\n\nFirst paragraph.\n\nRelated news\n\nOther story one\n\nOther story two\n"
    article = parse_text(text)
    assert article.paragraphs == ("First paragraph.",)


def test_article_without_byline_and_with_wrapped_lines() -> None:
    article = parse_text(
        "A title\n\nA paragraph that\nwraps over lines.\n\nAnother (LINK: https://a.example/x)."
    )
    assert article.author is None
    assert article.paragraphs == ("A paragraph that wraps over lines.", "Another.")
    assert article.links == ("https://a.example/x",)


def test_long_paragraph_mentioning_photo_is_kept() -> None:
    long_paragraph = "The museum said the exhibit's label reads Photo: unknown artist. " + "More words. " * 40
    article = parse_text(f"Title\n\n{long_paragraph}")
    assert article.paragraphs == (long_paragraph.strip(),)


def test_same_text_gives_same_hash_and_different_text_does_not(reference: str) -> None:
    assert parse_text(reference).content_hash == parse_text(reference).content_hash
    assert (
        parse_text(reference).content_hash != parse_text(reference.replace("Rihanna", "Beyoncé")).content_hash
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("\n\n  \n", "no text found"),
        ("Only a title\n", "no body text"),
        ("Title\n\nBy: Someone\n\nTitle\n\nRelated news\n\nElsewhere", "no body text"),
    ],
)
def test_text_without_an_article_is_refused(text: str, message: str) -> None:
    with pytest.raises(ArticleError, match=message):
        parse_text(text)


def test_canonical_url_must_be_http() -> None:
    with pytest.raises(ArticleError, match="not an http"):
        parse_text("Title\n\nBody.", canonical_url="javascript:alert(1)")


def test_unreadable_files_are_refused_with_the_reason(tmp_path: Path) -> None:
    cases = {
        "missing.txt": None,
        "empty.txt": b"",
        "binary.bin": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "latin1.txt": "Caf\xe9 news\n\nBody".encode("latin-1"),
        "big.txt": b"x" * 2001,
    }
    for name, data in cases.items():
        if data is not None:
            (tmp_path / name).write_bytes(data)
    expected = {
        "missing.txt": "no such file",
        "empty.txt": "empty",
        "binary.bin": "binary file",
        "latin1.txt": "not UTF-8",
        "big.txt": "over the",
    }
    for name, message in expected.items():
        with pytest.raises(ArticleError, match=message):
            read_text_file(tmp_path / name, max_bytes=2000)
    with pytest.raises(ArticleError, match="not a file"):
        read_text_file(tmp_path, max_bytes=2000)
