"""A field without a value never reaches a post as "None": printed unguarded it fails at its line with
what to do; guarded (`{% if %}`, `default`, `is none`) it renders as the editor meant."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scheduler.config import PROJECT_ROOT
from scheduler.render import RenderError
from scheduler.render.checks import check_templates
from scheduler.render.posts import render_post
from scheduler.render.templates import environment
from scheduler.render.text import AccountView, ArticleView, QuoteView

QUOTES = (QuoteView("We will build it, and they will come.", "A. Mayor", 1),)
PASTED = ArticleView(title="A headline", url=None, author=None, summary="A summary.", quotes=QUOTES)
WITH_URL = ArticleView(
    title="A headline", url="https://news.example.com/a", author="A. Writer", summary="S", quotes=QUOTES
)


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    shutil.copytree(PROJECT_ROOT / "templates", folder)
    return folder


def announce_with(templates: Path, text: str) -> Path:
    path = templates / "posts" / "default" / "announce.txt.j2"
    path.write_text(text)
    environment.cache_clear()
    return path


def rendered(templates: Path, article: ArticleView) -> str:
    return render_post(templates, article, AccountView("desk", "mastodon"), "announce").parts[0]


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("{{ article.title }}\n{{ article.url }}", "url"),
        ("{{ article.title }}\n{{ 'By ' ~ article.author }}", "author"),
        ("{{ article.title }}\n{{ article.url | utm }}", "url"),
        ("{{ article.title }}\n{{ article.author | fit }}", "author"),
        ("{{ article.title }}\n{{ article.url | upper }}", "url"),
    ],
)
def test_a_field_without_a_value_printed_unguarded_fails_at_its_line(
    templates: Path, text: str, field: str
) -> None:
    announce_with(templates, text)
    with pytest.raises(RenderError) as raised:
        rendered(templates, PASTED)
    assert str(raised.value).startswith(
        f"posts/default/announce.txt.j2, line 2: this template needs the article's {field}, "
        f"and this article has none: put it inside {{% if article.{field} %}}"
    )
    assert "None" not in rendered(templates, WITH_URL)


def test_a_guarded_field_renders_as_meant(templates: Path) -> None:
    announce_with(
        templates,
        "{{ article.title }}\n{% if article.url %}{{ article.url }}{% endif %}"
        "{{ article.author | default('Staff') }}|{% if article.url is none %}no link{% endif %}"
        "|{{ article.url is defined }}|{{ article.url == none }}",
    )
    assert rendered(templates, PASTED) == "A headline\nStaff|no link|False|True"
    assert rendered(templates, WITH_URL) == "A headline\nhttps://news.example.com/aA. Writer||True|False"


def test_the_checker_refuses_a_field_printed_without_a_guard_even_on_an_article_that_has_it(
    templates: Path,
) -> None:
    path = announce_with(templates, "{{ article.title }}\n{{ article.url }}\n")
    report = check_templates(templates, WITH_URL)
    [problem] = report.problems
    assert (problem.path, problem.line) == (path, 2)
    assert problem.message.startswith(
        "for an article with no URL, author, site or image: this template needs the article's url"
    )


def test_the_shipped_templates_pass_the_checker_on_an_article_without_its_optional_fields(
    templates: Path,
) -> None:
    assert check_templates(templates, PASTED).problems == ()
