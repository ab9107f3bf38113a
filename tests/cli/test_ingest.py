"""`scheduler add URL|page.html`, `scheduler quotes`, picking a quote: through the real command."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from scheduler import db
from scheduler.config import PROJECT_ROOT
from scheduler.models import Article, Post, utcnow
from tests.cli.test_cli import counts
from tests.command import run
from tests.conftest import REFERENCE_ARTICLE
from tests.httpserver import LocalServer
from tests.newsroom.test_polling import article_html

PAGES = Path(__file__).parents[1] / "data" / "pages"


@pytest.fixture
def initialised(isolated_settings: Path) -> str:
    result = run("init")
    assert result.returncode == 0, result.stderr
    return f"sqlite:///{isolated_settings / 'scheduler.db'}"


def test_add_a_url_fetches_the_page_and_stores_its_fields_and_quotes(
    initialised: str, http_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    http_server.route("/news/council-vote", (PAGES / "article.html").read_bytes())
    url = http_server.url("/news/council-vote")

    refused = run("add", url, "--at", "2030-01-01 09:00")
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1
    assert "127.0.0.1" in refused.stderr and "SCHEDULER_ALLOW_PRIVATE_URLS" in refused.stderr
    assert counts(initialised) == (0, 0)

    monkeypatch.setenv("SCHEDULER_ALLOW_PRIVATE_URLS", "1")
    added = run("add", url, "--at", "2030-01-01 09:00")
    assert added.returncode == 0, added.stderr
    with db.session_scope(initialised) as session:
        article = session.scalars(select(Article)).one()
        assert article.title and article.paragraphs and article.source == url
        assert article.canonical_url and article.canonical_url.startswith("http")
        assert article.summary and article.site_name
        post = session.scalars(select(Post)).one()
        assert article.canonical_url in post.text


def test_add_an_html_file_and_a_quote_post_then_pick_another_quote(initialised: str, tmp_path: Path) -> None:
    page = tmp_path / "council.html"
    page.write_text(article_html("Council approves the ring road plan", speaker="Ana Ruiz"))
    added = run("add", str(page), "--url", "https://news.example/ring-road", "--step", "quote", "--queue")
    assert added.returncode == 0, added.stderr
    with db.session_scope(initialised) as session:
        post = session.scalars(select(Post)).one()
        assert post.quote is not None and post.quote.rank == 1 and post.quote.speaker == "Ana Ruiz"
        assert post.quote.text in post.text and "https://news.example/ring-road" in post.text
        post_id, second = post.id, post.article.quotes[1]

    picked = run("post", str(post_id), "--quote", "2")
    assert picked.returncode == 0, picked.stderr
    assert "* 2" in picked.stdout
    with db.session_scope(initialised) as session:
        post = session.get(Post, post_id)
        assert post is not None and post.quote_id == second.id and second.text in post.text

    beyond = run("post", str(post_id), "--quote", "9")
    assert beyond.returncode == 1 and "pick a rank from 1 to 2" in beyond.stderr


def test_a_quote_post_for_an_article_without_quotes_is_refused_and_saves_nothing(
    initialised: str, tmp_path: Path
) -> None:
    text = tmp_path / "plain.txt"
    text.write_text(
        "Bridge closes for repairs\n\nBy: Sam Lee\n\n"
        "The old bridge will close for six weeks from Monday while engineers replace its deck.\n"
    )
    refused = run("add", str(text), "--step", "quote", "--now")
    assert refused.returncode == 1 and "no pull quote with a known speaker" in refused.stderr
    assert counts(initialised) == (0, 0)


def test_quotes_json_on_the_reference_article(initialised: str) -> None:
    result = run("quotes", str(REFERENCE_ARTICLE), "--json")
    assert result.returncode == 0, result.stderr
    quotes = json.loads(result.stdout)
    assert {"text", "speaker", "score", "confidence"} <= set(quotes[0])
    assert [q["score"] for q in quotes] == sorted((q["score"] for q in quotes), reverse=True)
    assert quotes[0]["speaker"] == "Kim Kardashian"
    assert not any(q["text"].strip('“”". ').lower() == "optimistic" for q in quotes)
    readable = run("quotes", str(REFERENCE_ARTICLE))
    assert readable.returncode == 0 and "— Kim Kardashian" in readable.stdout


@pytest.mark.parametrize(
    ("route", "expected"),
    [
        ({"body": b"%PDF-1.4", "content_type": "application/pdf"}, "application/pdf"),
        ({"body": b"gone", "status": 404, "content_type": "text/plain"}, "404"),
        ({"body": b"<html>" + b"x" * 6_000_000, "content_type": "text/html"}, "limit"),
    ],
)
def test_add_a_url_that_is_not_an_article_says_why_in_one_line(
    initialised: str, http_server: LocalServer, monkeypatch: pytest.MonkeyPatch, route: dict, expected: str
) -> None:
    monkeypatch.setenv("SCHEDULER_ALLOW_PRIVATE_URLS", "1")
    http_server.route("/thing", **route)
    result = run("add", http_server.url("/thing"), "--now")
    assert result.returncode == 1 and expected in result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert counts(initialised) == (0, 0)


def test_feeds_add_list_poll_and_remove_through_the_command(
    initialised: str, http_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.newsroom.test_polling import Item, rss

    now = utcnow()
    items = [Item("one", "https://news.example/one", "Ring road lanes", timedelta(hours=1), True)]
    http_server.route("/feed.xml", rss(items, now=now), content_type="application/rss+xml", etag='"1"')
    http_server.route("/page", article_html("Not a feed"))
    assert run("accounts", "add", "outbox", "metro").returncode == 0

    refused = run("feeds", "add", http_server.url("/feed.xml"), "--accounts", "outbox")
    assert refused.returncode == 1 and "SCHEDULER_ALLOW_PRIVATE_URLS" in refused.stderr
    monkeypatch.setenv("SCHEDULER_ALLOW_PRIVATE_URLS", "1")
    not_a_feed = run("feeds", "add", http_server.url("/page"), "--accounts", "outbox")
    assert not_a_feed.returncode == 1 and "not a feed" in not_a_feed.stderr
    unknown = run("feeds", "add", http_server.url("/feed.xml"), "--accounts", "outbox,nobody")
    assert unknown.returncode == 1 and "no account named 'nobody'" in unknown.stderr
    assert "(none)" in run("feeds", "list").stdout

    added = run("feeds", "add", http_server.url("/feed.xml"), "--accounts", "outbox,metro", "--every", "10")
    assert added.returncode == 0, added.stderr
    assert "City Desk" in added.stdout and "every 10 min" in added.stdout
    polled = run("feeds", "poll")
    assert polled.returncode == 0 and "1 scheduled" in polled.stdout
    assert "not modified" in run("feeds", "poll", "1").stdout
    listing = run("feeds", "list").stdout
    assert "metro,outbox" in listing and "10 min" in listing
    assert counts(initialised) == (1, 2)
    paused = run("feeds", "pause", "1")
    assert (
        paused.returncode == 0
        and "feed 1 paused" in paused.stdout
        and "paused" in run("feeds", "list").stdout
    )
    assert "feed 1 resumed" in run("feeds", "resume", "1").stdout

    asked = run("feeds", "remove", http_server.url("/feed.xml"))
    assert asked.returncode == 1 and "Stop following feed 1 (" in asked.stderr, "asked; no answer is no"
    removed = run("feeds", "remove", http_server.url("/feed.xml"), "--yes")
    assert removed.returncode == 0 and "stopped following feed 1" in removed.stdout
    assert run("feeds", "remove", "1", "--yes").returncode == 1
    assert counts(initialised) == (1, 2)


def test_add_a_url_with_its_canonical_url_given_and_an_unknown_campaign_refused_before_any_fetch(
    initialised: str, http_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCHEDULER_ALLOW_PRIVATE_URLS", "1")
    http_server.route("/story", article_html("Ring road plan approved"))
    added = run("add", http_server.url("/story"), "--url", "https://news.example/ring-road", "--now")
    assert added.returncode == 0, added.stderr
    with db.session_scope(initialised) as session:
        assert session.scalars(select(Article.canonical_url)).one() == "https://news.example/ring-road"

    seen = len(http_server.requests)
    refused = run("feeds", "add", http_server.url("/feed.xml"), "--accounts", "outbox", "--campaign", "nope")
    assert refused.returncode == 1 and "nope" in refused.stderr and "Traceback" not in refused.stderr
    assert len(http_server.requests) == seen  # the campaign is checked before the feed is fetched


def test_picking_a_quote_never_re_renders_a_post_into_none(
    initialised: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An article without a URL, then a quote template that prints it unguarded: the pick is refused
    with what to do, and the post keeps its text."""
    page = tmp_path / "council.html"
    page.write_text(article_html("Council approves the ring road plan", speaker="Ana Ruiz"))
    assert run("add", str(page), "--step", "quote", "--queue").returncode == 0
    with db.session_scope(initialised) as session:
        post = session.scalars(select(Post)).one()
        assert post.article.canonical_url is None, "an article without an address"
        post_id, before = post.id, post.text
    templates = tmp_path / "templates"
    shutil.copytree(PROJECT_ROOT / "templates", templates)
    (templates / "posts" / "default" / "quote.txt.j2").write_text("“{{ quote.text }}”\n{{ article.url }}\n")
    monkeypatch.setenv("SCHEDULER_TEMPLATES_DIR", str(templates))

    picked = run("post", str(post_id), "--quote", "2")
    assert picked.returncode == 1
    assert "posts/default/quote.txt.j2, line 2: this template needs the article's url" in picked.stderr
    with db.session_scope(initialised) as session:
        post = session.get(Post, post_id)
        assert post is not None and post.text == before and "None" not in post.text


def test_a_time_the_clocks_skip_is_scheduled_at_the_first_minute_after_and_the_editor_told(
    initialised: str, tmp_path: Path
) -> None:
    assert run("accounts", "add", "outbox", "london", "--timezone", "Europe/London").returncode == 0
    page = tmp_path / "council.html"
    page.write_text(article_html("Council approves the ring road plan", speaker="Ana Ruiz"))
    added = run("add", str(page), "--account", "london", "--at", "2031-03-30 01:30")
    assert added.returncode == 0, added.stderr
    assert "scheduled at 2031-03-30 02:00:00 BST" in added.stdout
    assert (
        "note: --at 2031-03-30 01:30 does not exist in Europe/London (the clocks go forward then): "
        "it became 02:00 BST, the first minute after"
    ) in added.stdout
    with db.session_scope(initialised) as session:
        post_id = session.scalars(select(Post.id)).one()
    moved = run("posts", "reschedule", str(post_id), "--at", "2031-10-26 01:30")
    assert moved.returncode == 0, moved.stderr
    assert (
        "happens twice in Europe/London (the clocks go back then): it is the first, 01:30 BST" in moved.stdout
    )
