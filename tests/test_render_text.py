from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.config import PROJECT_ROOT
from scheduler.render import RenderError
from scheduler.render.text import AccountView, ArticleView, render_post_text

ARTICLE = ArticleView(title="A title", url="https://example.com/a", author="A. Writer", summary="First.")
OUTBOX = AccountView(name="newsroom", network="outbox")


def write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_shipped_announce_template_gives_title_and_url() -> None:
    text = render_post_text(PROJECT_ROOT / "templates", ARTICLE, OUTBOX, "announce")
    assert text == "A title\n\nhttps://example.com/a"


def test_shipped_announce_template_without_url_gives_title_only() -> None:
    no_url = ArticleView(title="A title", url=None, author=None, summary="")
    assert render_post_text(PROJECT_ROOT / "templates", no_url, OUTBOX, "announce") == "A title"


def test_network_template_wins_over_default(tmp_path: Path) -> None:
    write(tmp_path, "posts/default/announce.txt.j2", "default {{ article.title }}")
    write(tmp_path, "posts/outbox/announce.txt.j2", "outbox {{ article.title }} for {{ account.name }}")
    assert render_post_text(tmp_path, ARTICLE, OUTBOX, "announce") == "outbox A title for newsroom"
    other = AccountView(name="x1", network="mastodon")
    assert render_post_text(tmp_path, ARTICLE, other, "announce") == "default A title"


def test_missing_template_names_where_to_put_it(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match=r"posts/default/quote\.txt\.j2"):
        render_post_text(tmp_path, ARTICLE, OUTBOX, "quote")


@pytest.mark.parametrize(
    ("template", "message"),
    [
        pytest.param(
            "{{ article.headline }}", "headline", id="undefined names fail instead of rendering blank"
        ),
        pytest.param(
            "{{ article.__class__.__mro__[1].__subclasses__() }}",
            "announce",
            id="templates cannot reach python internals",
        ),
        pytest.param(
            "ok\n{% if %}", r"announce\.txt\.j2, line 2", id="syntax errors name the template and line"
        ),
        pytest.param("{% if false %}x{% endif %}\n", "rendered no text", id="blank output is an error"),
    ],
)
def test_bad_templates_fail_with_a_reason(tmp_path: Path, template: str, message: str) -> None:
    write(tmp_path, "posts/default/announce.txt.j2", template)
    with pytest.raises(RenderError, match=message):
        render_post_text(tmp_path, ARTICLE, OUTBOX, "announce")
