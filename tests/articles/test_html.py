from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from scheduler.articles import ArticleError, ParsedArticle
from scheduler.articles.html import parse_html, read_html_file

PAGES = Path(__file__).parents[1] / "data" / "pages"
ARTICLE_URL = "https://news.example.com/local/2024/03/harbour-ferry-returns?utm_source=feed"
BODY = """
<p>The council voted 31 to 14 for the trial, which will cost 4.2 million a year and run every 20
minutes at peak times, the transport committee said on Wednesday evening.</p>
<p>"People have been asking us for this since before I was elected," said councillor Anna Berglund,
who chairs the transport committee. "Today we stopped talking about it."</p>
"""


def page(head: str = "", body: str = BODY, title: str = "Ferry returns") -> str:
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>{head}</head>"
        f"<body><article><h1>{title}</h1>{body}</article></body></html>"
    )


@pytest.fixture(scope="module")
def article() -> ParsedArticle:
    return parse_html((PAGES / "article.html").read_bytes(), url=ARTICLE_URL)


def test_title_is_the_headline_without_the_site_name(article: ParsedArticle) -> None:
    assert article.title == "Harbour ferry service returns after 40 years"


def test_byline_summary_site_and_tags(article: ParsedArticle) -> None:
    assert article.author == "Marta Lindqvist"
    assert article.summary == (
        "A two-year trial of a passenger ferry between the old harbour and Northpoint starts in June."
    )
    assert article.site_name == "Example News"
    # article:tag metas first, then keywords; "Transport"/"transport" only once
    assert article.tags == ("Transport", "Ferries", "Harbour District")


def test_published_at_is_the_declared_time_in_utc(article: ParsedArticle) -> None:
    assert article.published_at == datetime(2024, 3, 14, 7, 30, tzinfo=UTC)
    assert article.published_at is not None and article.published_at.tzinfo is UTC


def test_urls_are_made_absolute(article: ParsedArticle) -> None:
    assert article.canonical_url == "https://news.example.com/local/2024/03/harbour-ferry-returns"
    assert article.image_url == "https://news.example.com/images/2024/03/ferry-at-dawn.jpg"
    assert article.links == (
        "https://news.example.com/local/2023/09/bay-bridge-traffic-survey",
        "https://news.example.com/local/2024/03/ferry-timetable.pdf",
    )


def test_paragraphs_are_the_story_only(article: ParsedArticle) -> None:
    assert len(article.paragraphs) == 8
    assert article.paragraphs[0].startswith("A passenger ferry will cross between the old harbour")
    assert article.paragraphs[-1] == (
        "The first crossing is planned for 3 June. The council has published the draft timetable "
        "and invites comments until the end of April."
    )
    assert '"Electric ferries are no longer an experiment," she said.' in article.paragraphs[4]
    body = "\n".join(article.paragraphs)
    for boilerplate in (
        "Harbour ferry service returns after 40 years",  # the headline, kept as the title
        "Most read",
        "Three schools to close",
        "morning briefing",
        "All rights reserved",
        "Photo: Jonas Berg",
        "Subscribe",
        "Privacy",
    ):
        assert boilerplate not in body


def test_a_footer_copyright_year_is_not_a_publication_date() -> None:
    article = parse_html((PAGES / "copyright-only.html").read_bytes(), url="https://gazette.example.org/x")
    assert article.published_at is None
    assert article.title == "Library extends weekend opening hours"
    assert article.author == "Tomas Reuter"
    assert len(article.paragraphs) == 5
    assert article.summary == "The central library will open on Sundays from next month."
    assert article.canonical_url is None and article.image_url is None and article.site_name is None


def test_a_page_without_article_text() -> None:
    with pytest.raises(ArticleError) as raised:
        parse_html((PAGES / "login.html").read_bytes(), url="https://news.example.com/login")
    assert str(raised.value) == (
        "https://news.example.com/login: no article text found; "
        "is this the article's page (not a login or index)?"
    )


def test_not_html() -> None:
    with pytest.raises(ArticleError, match=r"^timetable\.pdf: not an HTML page"):
        parse_html((PAGES / "timetable.pdf").read_bytes(), source="timetable.pdf")


def test_bytes_in_the_charset_the_page_declares() -> None:
    html = page(title="Malmö ferry", body=BODY.replace("Wednesday", "onsdag i Malmö, \u201cfinally\u201d"))
    data = html.replace("charset='utf-8'", "charset='windows-1252'").encode("cp1252")
    article = parse_html(data)
    assert article.title == "Malmö ferry"
    assert "onsdag i Malmö, \u201cfinally\u201d evening" in article.paragraphs[0]


def test_latin1_label_is_read_as_windows_1252_like_browsers_do() -> None:
    html = page(body=BODY.replace("Wednesday", "\u201cWednesday\u201d"))
    data = html.replace("charset='utf-8'", "charset='iso-8859-1'").encode("cp1252")
    assert "said on \u201cWednesday\u201d evening" in parse_html(data).paragraphs[0]


def test_the_servers_charset_wins_over_a_missing_declaration() -> None:
    html = page(title="Tromsø harbour").replace("<meta charset='utf-8'>", "")
    data = html.encode("iso-8859-1")
    assert parse_html(data, charset="iso-8859-1").title == "Tromsø harbour"
    assert parse_html(html.encode("utf-8")).title == "Tromsø harbour"  # undeclared UTF-8


@pytest.mark.parametrize(
    ("head", "body_extra", "expected"),
    [
        (
            '<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [{"@type": '
            '"WebPage"}, {"@type": "NewsArticle", "datePublished": "2024-03-14T09:00:00Z"}]}</script>',
            "",
            datetime(2024, 3, 14, 9, 0, tzinfo=UTC),
        ),
        (
            "",
            '<time datetime="2024-03-14T10:15:00-05:00">14 March</time>',
            datetime(2024, 3, 14, 15, 15, tzinfo=UTC),
        ),
        ('<meta itemprop="datePublished" content="2024-03-14">', "", datetime(2024, 3, 14, tzinfo=UTC)),
        ("", '<time datetime="2018">2018</time>', None),  # a year alone is no date
    ],
)
def test_published_at_from_json_ld_or_time(head: str, body_extra: str, expected: datetime | None) -> None:
    footer = "<footer><p>© 2018 Example News</p></footer>"
    assert parse_html(page(head=head, body=body_extra + BODY + footer)).published_at == expected


def test_site_suffix_is_dropped_from_a_plain_title() -> None:
    head = '<meta property="og:site_name" content="Example News">'
    html = page(head=head, title="Ferry returns after 40 years | Example News").replace(
        "<h1>Ferry returns after 40 years | Example News</h1>", ""
    )
    assert parse_html(html).title == "Ferry returns after 40 years"


def test_without_a_url_relative_links_are_left_out_and_absolute_ones_kept() -> None:
    head = (
        '<link rel="canonical" href="/local/ferry"><meta property="og:url" content="https://news.example.com/f">'
        '<meta property="og:image" content="/ferry.jpg">'
    )
    article = parse_html(page(head=head))
    assert article.canonical_url == "https://news.example.com/f"
    assert article.image_url is None


def test_read_html_file(tmp_path: Path) -> None:
    assert read_html_file(PAGES / "article.html", max_bytes=1_000_000).startswith(b"<!DOCTYPE html>")

    def error(path: Path, max_bytes: int = 1_000_000) -> str:
        with pytest.raises(ArticleError) as raised:
            read_html_file(path, max_bytes=max_bytes)
        return str(raised.value)

    assert error(tmp_path / "missing.html") == f"{tmp_path / 'missing.html'}: no such file; check the path"
    assert "not a file" in error(tmp_path)
    (tmp_path / "empty.html").write_bytes(b"")
    assert "the file is empty" in error(tmp_path / "empty.html")
    size = (PAGES / "article.html").stat().st_size
    assert f"the file is {size:,} bytes, over the 1,000 bytes limit" in error(
        PAGES / "article.html", max_bytes=1_000
    )
    assert error(PAGES / "timetable.pdf").endswith(
        "timetable.pdf: not an HTML page; save the article from the browser as a web page (.html)"
    )
    (tmp_path / "image.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert "image.html: a binary file" in error(tmp_path / "image.html")


def test_a_feed_entrys_content_fragment_has_no_title_of_its_own() -> None:
    fragment = (
        BODY + '<p>Read the <a href="/local/ferry-timetable">timetable</a> before the first crossing.</p>'
    )
    article = parse_html(fragment, url="https://news.example.com/local/ferry")
    assert article.title == ""  # the caller has it (the entry's title)
    assert len(article.paragraphs) == 3
    assert article.paragraphs[2] == "Read the timetable before the first crossing."
    assert article.links == ("https://news.example.com/local/ferry-timetable",)
    assert article.published_at is None and article.author is None


def test_a_whole_page_without_a_title() -> None:
    html = page().replace("<title>Ferry returns</title>", "").replace("<h1>Ferry returns</h1>", "")
    with pytest.raises(
        ArticleError, match=r"^page: the page has no title \(no <title>, og:title or headline\)"
    ):
        parse_html(html)


@pytest.mark.parametrize("label", ["base64", "idna", "undefined", "rot13", "no-such-charset"])
def test_a_charset_that_is_not_a_character_set_falls_back_to_utf8(label: str) -> None:
    page = (
        f'<html><head><meta charset="{label}"><title>Café</title></head><body><article>'
        "<p>Le café est ouvert depuis ce matin, a dit la maire, qui s’en réjouit pour tout le quartier.</p>"
        "<p>Les habitants attendaient cette réouverture depuis des mois, après de longs travaux.</p>"
        "</article></body></html>"
    ).encode()
    parsed = parse_html(page)
    assert parsed.title == "Café" and parsed.paragraphs[0].startswith("Le café est ouvert")
