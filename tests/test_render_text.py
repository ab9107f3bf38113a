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


def test_undefined_names_fail_instead_of_rendering_blank(tmp_path: Path) -> None:
    write(tmp_path, "posts/default/announce.txt.j2", "{{ article.headline }}")
    with pytest.raises(RenderError, match="headline"):
        render_post_text(tmp_path, ARTICLE, OUTBOX, "announce")


def test_templates_cannot_reach_python_internals(tmp_path: Path) -> None:
    write(tmp_path, "posts/default/announce.txt.j2", "{{ article.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(RenderError):
        render_post_text(tmp_path, ARTICLE, OUTBOX, "announce")


def test_syntax_errors_name_the_template_and_line(tmp_path: Path) -> None:
    write(tmp_path, "posts/default/announce.txt.j2", "ok\n{% if %}")
    with pytest.raises(RenderError, match=r"announce\.txt\.j2, line 2"):
        render_post_text(tmp_path, ARTICLE, OUTBOX, "announce")


def test_blank_output_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "posts/default/announce.txt.j2", "{% if false %}x{% endif %}\n")
    with pytest.raises(RenderError, match="rendered no text"):
        render_post_text(tmp_path, ARTICLE, OUTBOX, "announce")
