"""`scheduler length`, `scheduler templates check` and `scheduler preview`, through the real command."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scheduler.config import PROJECT_ROOT
from tests.command import run
from tests.conftest import REFERENCE_ARTICLE


@pytest.mark.parametrize(
    ("network", "text", "expected", "code"),
    [
        ("x", "a" * 280, "280/280 (fits)", 0),
        ("x", "a" * 281, "281/280 (1 over)", 1),
        ("x", "see https://example.com/" + "x" * 100, "27/280 (fits)", 0),
        ("x", "日本語", "6/280 (fits)", 0),
        ("mastodon", "hi @anna@example.social", "8/500 (fits)", 0),  # counted as "hi @anna"
        ("bluesky", "👩🏽‍💻" * 300, "300/300, 4500/3000 bytes (1500 over)", 1),
    ],
)
def test_length_counts_as_the_network_does(network: str, text: str, expected: str, code: int) -> None:
    result = run("length", "--network", network, text)
    assert result.returncode == code and result.stdout.strip() == expected, result.stdout + result.stderr


def test_length_with_a_mastodon_servers_own_limit() -> None:
    result = run("length", "--network", "mastodon", "--max-characters", "1000", "a" * 600)
    assert result.returncode == 0 and result.stdout.strip() == "600/1000 (fits)"


@pytest.fixture
def templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "templates"
    shutil.copytree(PROJECT_ROOT / "templates", folder)
    monkeypatch.setenv("SCHEDULER_TEMPLATES_DIR", str(folder))
    return folder


def test_templates_check_passes_on_the_shipped_templates(templates: Path) -> None:
    result = run("templates", "check")
    assert result.returncode == 0, result.stderr
    # 3 post templates for 4 networks and once for an article without its optional fields; 3 card
    # templates at 4 sizes.
    assert result.stdout.startswith("ok: 6 templates, 27 renders")


def test_templates_check_names_file_and_line_of_an_undefined_name_and_a_syntax_error(templates: Path) -> None:
    announce = templates / "posts" / "default" / "announce.txt.j2"
    announce.write_text(announce.read_text() + "{{ article.nope }}\n")
    quote_x = templates / "posts" / "x" / "quote.txt.j2"
    quote_x.parent.mkdir()
    quote_x.write_text("“{{ quote.text }}”\n{% if quote.speaker %}\n— {{ quote.speaker }\n")
    result = run("templates", "check")
    assert result.returncode == 1
    lines = result.stderr.strip().split("\n")
    undefined_line = len(announce.read_text().splitlines())
    assert f"{quote_x}:3: unexpected '}}'" in lines
    # The networks the default template serves share one line: the problem is said once.
    [said] = [line for line in lines if line.startswith(f"{announce}:{undefined_line}: ")]
    assert said.startswith(
        f"{announce}:{undefined_line}: for x, mastodon, bluesky and outbox: article has no field 'nope'; "
        "it has title, url,"
    ), said
    # Before, one line per network: four lines for the one mistake. x's own quote no longer compiles.
    assert lines[-1] == "error: 2 problem(s) in 7 templates, 25 renders"


@pytest.mark.parametrize(
    ("mistake", "expected"),
    [
        ("{{ card.quote }", "unexpected '}'"),
        ("{{ card.nope.deeper }}", "no field 'nope': card has title, quote, speaker, site, image, label;"),
    ],
)
def test_templates_check_names_file_and_line_of_a_card_template_error(
    templates: Path, mistake: str, expected: str
) -> None:
    card = templates / "cards" / "breaking.html.j2"
    lines = card.read_text().splitlines()
    where = next(i for i, line in enumerate(lines, start=1) if "{{ card.title }}" in line)
    card.write_text(card.read_text().replace("{{ card.title }}", mistake))
    result = run("templates", "check")
    assert result.returncode == 1
    assert f"{card}:{where}: at 1200x675: {expected}" in result.stderr, result.stderr


def test_preview_shows_each_network_and_step_with_its_length(templates: Path) -> None:
    result = run("preview", str(REFERENCE_ARTICLE), "--url", "https://example.com/kim", "--json")
    assert result.returncode == 0, result.stderr
    entries = json.loads(result.stdout)
    assert {(e["network"], e["step"]) for e in entries} == {
        (n, s) for n in ("x", "mastodon", "bluesky", "outbox") for s in ("announce", "quote", "reshare")
    }
    x_quote = next(e for e in entries if (e["network"], e["step"]) == ("x", "quote"))
    [part] = x_quote["parts"]
    assert part["limit"] == 280 and part["fits"] and part["length"] <= 280
    assert "— Kim Kardashian" in part["text"] and "utm_source=x" in part["text"]
    bluesky = next(e for e in entries if (e["network"], e["step"]) == ("bluesky", "announce"))
    [shown] = bluesky["parts"]
    assert "utm_medium" not in shown["text"] and "example.com/kim" in shown["text"]  # the link, shortened
    [link] = [f for f in shown["facets"] if f["features"][0]["$type"] == "app.bsky.richtext.facet#link"]
    assert link["features"][0]["uri"].startswith("https://example.com/kim?utm_source=bluesky")
    start, end = link["index"]["byteStart"], link["index"]["byteEnd"]
    assert shown["text"].encode()[start:end].decode().startswith("example.com/kim")
    readable = run("preview", str(REFERENCE_ARTICLE), "--network", "bluesky", "--step", "announce")
    assert (
        readable.returncode == 0 and "== bluesky / announce" in readable.stdout and "/300]" in readable.stdout
    )


def test_templates_check_fails_when_there_are_no_templates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCHEDULER_TEMPLATES_DIR", str(tmp_path / "nowhere"))
    result = run("templates", "check")
    assert result.returncode == 1 and "no post templates here" in result.stderr


def test_templates_check_refuses_a_field_an_article_may_lack_printed_unguarded(templates: Path) -> None:
    reshare = templates / "posts" / "default" / "reshare.txt.j2"
    reshare.write_text("Again: {{ article.title }}\nby {{ article.author }}\n")
    result = run("templates", "check")
    assert result.returncode == 1
    assert (
        f"{reshare}:2: for an article with no URL, author, site or image: this template needs the "
        "article's author, and this article has none: put it inside {% if article.author %}…{% endif %}"
    ) in result.stderr
    assert "None" not in result.stdout + result.stderr
