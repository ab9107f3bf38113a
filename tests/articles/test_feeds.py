from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from scheduler.articles import ArticleError
from scheduler.articles.feeds import FeedEntry, ParsedFeed, entry_has_full_text, parse_feed

DATA = Path(__file__).parents[1] / "data"
RSS_URL = "https://news.example.com/local/feed.xml"
ATOM_URL = "https://gazette.example.org/feed.atom"


@pytest.fixture(scope="module")
def rss() -> ParsedFeed:
    return parse_feed((DATA / "feeds" / "rss.xml").read_bytes(), url=RSS_URL)


@pytest.fixture(scope="module")
def atom() -> ParsedFeed:
    return parse_feed((DATA / "feeds" / "atom.xml").read_bytes(), url=ATOM_URL)


def test_rss_feed_and_its_full_text_item(rss: ParsedFeed) -> None:
    assert rss.title == "Example News – Local"
    assert [entry.title for entry in rss.entries] == [
        "Harbour ferry service returns after 40 years",
        "Three schools to close in autumn",
        "Shipyard wins two new orders",
    ]
    ferry = rss.entries[0]
    assert ferry.guid == "news.example.com/article/48213"  # isPermaLink="false": kept as given
    assert ferry.url == "https://news.example.com/local/2024/03/harbour-ferry-returns"
    assert ferry.published_at == datetime(2024, 3, 14, 7, 30, tzinfo=UTC)  # +0100 in the feed
    assert ferry.author == "Marta Lindqvist"  # dc:creator
    assert ferry.tags == ("Transport", "Ferries")
    assert ferry.summary == (
        "A two-year trial of a passenger ferry between the old harbour and Northpoint starts in June."
    )
    assert ferry.content_html is not None
    assert ferry.content_html.count("<p>") == 5
    # relative links inside the content are made absolute
    assert 'href="https://news.example.com/local/2023/09/bay-bridge-traffic-survey"' in ferry.content_html
    assert entry_has_full_text(ferry)


def test_rss_summary_only_items(rss: ParsedFeed) -> None:
    schools, shipyard = rss.entries[1:]
    assert schools.content_html is None and not entry_has_full_text(schools)
    assert schools.summary == (
        "The education board will close three small village schools & move their pupils to the new "
        "campus in Eastvale."
    )
    assert schools.author == "Tomas Reuter"  # from "desk@news.example.com (Tomas Reuter)"
    assert schools.published_at == datetime(2024, 3, 13, 17, 45, tzinfo=UTC)
    assert schools.guid == schools.url == "https://news.example.com/local/2024/03/school-closures"
    # no guid: the link stands in, made absolute against the feed's URL
    assert shipyard.guid == shipyard.url == "https://news.example.com/business/2024/03/shipyard-orders"
    assert shipyard.author is None and shipyard.tags == ()


def test_atom_feed(atom: ParsedFeed) -> None:
    assert atom.title == "Riverside Gazette"
    library, regatta = atom.entries
    assert library.guid == "tag:gazette.example.org,2024:entry-1207"
    assert library.url == "https://gazette.example.org/news/2024/03/library-sunday-opening"  # xml:base
    assert library.published_at == datetime(2024, 3, 15, 5, 15, tzinfo=UTC)  # published, not updated
    assert library.author == "Tomas Reuter"  # the name, not the e-mail
    assert library.tags == ("Library", "culture")  # label when there is one, else term
    assert library.summary == "The central library will open on Sundays from next month."
    assert library.content_html is not None and library.content_html.startswith("<p>The central library")
    assert entry_has_full_text(library)

    assert regatta.title == "River festival & regatta moved to August"  # type="html" title decoded
    assert regatta.published_at == datetime(2024, 3, 14, 16, 20, tzinfo=UTC)  # only <updated>
    assert regatta.summary == "The organisers moved the river festival to avoid the spring floods."
    assert regatta.content_html is None and not entry_has_full_text(regatta)


def test_malformed_feed_without_entries() -> None:
    url = "https://news.example.com/business/feed.xml"
    with pytest.raises(ArticleError) as raised:
        parse_feed((DATA / "feeds" / "malformed.xml").read_bytes(), url=url)
    assert str(raised.value) == (
        f"{url}: the feed is malformed (unclosed token at line 7) and no entry could be read; "
        "check the feed in a validator, or tell the site"
    )


def test_recoverable_fault_with_entries_is_accepted() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        b"<item><guid>a-1</guid><link>https://x.example/a</link><title>Caf&eacute;&nbsp;opens</title>"
        b"</item></channel></rss>"
    )
    [entry] = parse_feed(body, url="https://x.example/feed").entries
    assert entry.title == "Café opens"


def test_a_web_page_is_not_a_feed_and_its_feed_link_is_named() -> None:
    url = "https://news.example.com/local/2024/03/harbour-ferry-returns"
    with pytest.raises(ArticleError) as raised:
        parse_feed((DATA / "pages" / "article.html").read_bytes(), url=url)
    assert str(raised.value) == (
        f"{url}: not a feed but a web page; the page names its feed: https://news.example.com/local/feed.xml"
    )
    with pytest.raises(ArticleError, match=r"^https://x\.example/login: not a feed but a web page; give"):
        parse_feed((DATA / "pages" / "login.html").read_bytes(), url="https://x.example/login")


def test_not_xml_at_all() -> None:
    with pytest.raises(ArticleError, match=r"^https://x\.example/t\.pdf: not an RSS or Atom feed \(.+\)"):
        parse_feed((DATA / "pages" / "timetable.pdf").read_bytes(), url="https://x.example/t.pdf")


def test_an_empty_feed_is_a_feed() -> None:
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title></channel></rss>'
    assert parse_feed(body, url="https://x.example/feed") == ParsedFeed(title="Quiet", entries=())


def test_entries_with_neither_id_nor_link_are_skipped() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        b"<item><title>Nowhere</title><description>No link, no guid.</description></item>"
        b"<item><title>Here</title><link>https://x.example/here</link></item></channel></rss>"
    )
    assert [entry.title for entry in parse_feed(body, url="https://x.example/feed").entries] == ["Here"]


def test_content_only_item_gets_its_first_paragraph_as_summary() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        b"<channel><title>T</title><item><guid>g</guid><title>A</title>"
        b"<content:encoded><![CDATA[<p>First paragraph.</p><p>Second one.</p>]]></content:encoded>"
        b"</item></channel></rss>"
    )
    [entry] = parse_feed(body, url="https://x.example/feed").entries
    assert entry.summary == "First paragraph."
    assert entry.content_html == "<p>First paragraph.</p><p>Second one.</p>"


def entry(content_html: str | None) -> FeedEntry:
    return FeedEntry(guid="g", url="https://x.example/a", title="A", content_html=content_html)


@pytest.mark.parametrize(
    ("content_html", "full"),
    [
        (None, False),
        ("<p>Teaser.</p><p>Read more.</p><p>Subscribe.</p>", False),  # three paragraphs, but a teaser
        ("<p>" + "A long paragraph of reporting. " * 40 + "</p>", True),  # over 1,000 characters
        ("".join(f"<p>Paragraph {n} says something worth reading in full.</p>" for n in range(7)), True),
        ("<p>" + "Two long paragraphs. " * 20 + "</p><p>" + "And more. " * 10 + "</p>", False),
    ],
)
def test_entry_has_full_text(content_html: str | None, full: bool) -> None:
    assert entry_has_full_text(entry(content_html)) is full


def test_an_item_link_that_is_not_a_web_address_is_dropped() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        b"<item><title>x</title><link>javascript:alert(document.cookie)</link><guid>g1</guid></item>"
        b"<item><title>y</title><link>https://news.example/y</link><guid>g2</guid></item></channel></rss>"
    )
    first, second = parse_feed(body, url="https://news.example/feed.xml").entries
    assert first.guid.endswith("g1") and first.url is None
    assert second.url == "https://news.example/y"
