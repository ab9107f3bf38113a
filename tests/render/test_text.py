from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.config import PROJECT_ROOT
from scheduler.render import RenderError
from scheduler.render.posts import render_post
from scheduler.render.text import AccountView, ArticleView, QuoteView, render_post_text

ARTICLE = ArticleView(title="A title", url="https://example.com/a", author="A. Writer", summary="First.")
OUTBOX = AccountView(name="newsroom", network="outbox")


def write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_shipped_announce_template_gives_title_summary_and_tracked_url() -> None:
    [text] = render_post(PROJECT_ROOT / "templates", ARTICLE, OUTBOX, "announce").parts
    tracking = "utm_source=outbox&utm_medium=social&utm_campaign=promotion&utm_content=announce"
    assert text == f"A title\n\nFirst.\n\nhttps://example.com/a?{tracking}"


def test_shipped_announce_template_without_url_gives_title_only() -> None:
    no_url = ArticleView(title="A title", url=None, author=None, summary="")
    assert render_post(PROJECT_ROOT / "templates", no_url, OUTBOX, "announce").parts == ("A title",)


def test_shipped_templates_cover_every_step_with_hashtags_and_the_quote() -> None:
    article = ArticleView(
        title="A title",
        url="https://example.com/a",
        author=None,
        summary="First.",
        tags=("prison reform",),
        quotes=(QuoteView("We will keep going.", "Ana Ruiz", 1),),
    )
    templates = PROJECT_ROOT / "templates"
    x = AccountView(name="desk", network="x", hashtags=("news",))
    assert render_post(templates, article, x, "announce").parts[0].endswith("#PrisonReform #news")
    [quote] = render_post(templates, article, x, "quote").parts
    assert quote.startswith("“We will keep going.” — Ana Ruiz\n\nhttps://example.com/a?utm_source=x")
    [reshare] = render_post(templates, article, x, "reshare").parts
    assert reshare.startswith("In case you missed it: A title") and "utm_content=reshare" in reshare


@pytest.mark.parametrize(
    "payload",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ joiner.__init__.__globals__.os.popen('id').read() }}",
        "{{ lipsum.__globals__['os'].system('id') }}",
        "{{ namespace.__init__.__globals__ }}",
        "{{ config }}",
        "{{ config.items() }}",
        "{{ self._TemplateReference__context }}",
        "{{ request.application.__globals__ }}",
        "{{ article.__class__.__init__.__globals__['os'] }}",
        "{{ (article|attr('__class__')) }}",
        "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
        "{{ range.__self__ }}",
        "{{ article.title.format.__globals__ }}",
        "{{ '{0.__class__}'.format(article) }}",
    ],
)
def test_template_injection_payloads_fail_safely_with_a_clear_error(tmp_path: Path, payload: str) -> None:
    write(tmp_path, "posts/default/announce.txt.j2", f"Title {{{{ article.title }}}}\n{payload}")
    with pytest.raises(RenderError) as raised:
        render_post(tmp_path, ARTICLE, OUTBOX, "announce")
    message = str(raised.value)
    assert message.startswith("posts/default/announce.txt.j2, line 2: "), message
    assert "Traceback" not in message and "<class" not in message and "posix" not in message


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


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("ok\n{{ 1 / 0 }}", r"line 2: this cannot be worked out \(division by zero\)"),
        ("ok\n{{ article.title | round }}", r"line 2: this cannot be worked out \(type str"),
        ('{% include "posts/default/announce.txt.j2" %}', "includes itself"),
    ],
)
def test_runtime_errors_in_a_template_are_render_errors_with_the_line(
    tmp_path: Path, template: str, message: str
) -> None:
    write(tmp_path, "posts/default/announce.txt.j2", template)
    with pytest.raises(RenderError, match=message):
        render_post_text(tmp_path, ARTICLE, OUTBOX, "announce")
