from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from scheduler.config import PROJECT_ROOT
from scheduler.render import RenderError
from scheduler.render.entities import extract_hashtags
from scheduler.render.filters import hashtag, hashtags, utm
from scheduler.render.fit import CLOSE, OPEN, strip_marks
from scheduler.render.posts import render_post
from scheduler.render.templates import environment
from scheduler.render.text import AccountView, ArticleView, render_post_text

ARTICLE = ArticleView(
    title="A title",
    url="https://example.com/news/a?id=7&q=caf%C3%A9+au+lait&utm_term=kept#section-2",
    author="A. Writer",
    summary="First.",
    tags=("prison reform", "Kim-Kardashian", "2018"),
)
ACCOUNT = AccountView(name="newsroom", network="mastodon", hashtags=("News", "prisonreform"))


def write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_utm_adds_ours_after_the_urls_own_query_and_keeps_the_fragment() -> None:
    tagged = utm(ARTICLE.url, network="x", campaign="spring launch", content="announce")
    assert tagged == (
        "https://example.com/news/a?id=7&q=caf%C3%A9+au+lait&utm_term=kept"
        "&utm_source=x&utm_medium=social&utm_campaign=spring%20launch&utm_content=announce#section-2"
    )
    assert parse_qsl(urlsplit(tagged).query)[:3] == [("id", "7"), ("q", "café au lait"), ("utm_term", "kept")]


def test_utm_on_a_url_without_query_or_fragment() -> None:
    assert utm("https://example.com/a", network="bluesky", campaign="c", content="quote") == (
        "https://example.com/a?utm_source=bluesky&utm_medium=social&utm_campaign=c&utm_content=quote"
    )


def test_utm_twice_replaces_instead_of_doubling() -> None:
    once = utm(ARTICLE.url, network="x", campaign="first", content="announce")
    twice = utm(once, network="mastodon", campaign="second", content="quote")
    query = parse_qsl(urlsplit(twice).query)
    keys = [key for key, _ in query]
    assert sorted(keys) == sorted(set(keys)), "no parameter appears twice"
    assert dict(query)["utm_source"] == "mastodon"
    assert dict(query)["utm_campaign"] == "second"
    assert twice == utm(ARTICLE.url, network="mastodon", campaign="second", content="quote")
    assert twice.endswith("#section-2")


def test_utm_replaces_an_encoded_key_of_ours_and_drops_empty_pieces() -> None:
    tagged = utm("https://e.com/?utm%5Fsource=old&&a=1&", network="x", campaign="c", content="s")
    assert tagged == "https://e.com/?a=1&utm_source=x&utm_medium=social&utm_campaign=c&utm_content=s"


@pytest.mark.parametrize("url", [None, ""])
def test_utm_leaves_a_missing_url_alone(url: str | None) -> None:
    assert utm(url, network="x", campaign="c", content="s") == url


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("prison reform", "#PrisonReform"),
        ("kim-kardashian", "#KimKardashian"),
        ("Kim Kardashian", "#KimKardashian"),
        ("iPhone", "#iPhone"),
        ("#already", "#already"),
        ("rock'n'roll", "#rocknroll"),
        ("U.S. politics", "#USPolitics"),
        ("café crème", "#CaféCrème"),
        ("cafe\u0301", "#café"),  # decomposed accent composed
        ("東京 オリンピック", "#東京オリンピック"),
        ("covid_19", "#covid_19"),
        ("G7 summit", "#G7Summit"),
        ("2018", ""),
        ("2018 – 2019", ""),
        ("🎉!!", ""),
        ("", ""),
    ],
)
def test_hashtag(tag: str, expected: str) -> None:
    assert hashtag(tag) == expected


def test_hashtags_dedupe_ignoring_case_with_the_first_spelling_and_defaults_last() -> None:
    text = hashtags(
        ["prison reform", "Kim Kardashian", "PRISON-REFORM", "2018"], ["News", "prisonreform", "news"]
    )
    assert text == "#PrisonReform #KimKardashian #News"


def test_hashtags_limit_and_nothing() -> None:
    assert hashtags(["a b", "c", "d"], ["e"], limit=2) == "#AB #c"
    assert hashtags((), ()) == ""
    assert hashtags(["1", "!!"]) == ""


def test_hashtags_take_a_lone_string_as_one_tag() -> None:
    assert hashtags("prison reform", "news") == "#PrisonReform #news"


def test_filters_from_a_sandboxed_template(tmp_path: Path) -> None:
    write(
        tmp_path,
        "posts/default/announce.txt.j2",
        "{{ article.title }}\n{{ article.url | utm }}\n{{ article.tags | hashtags }}\n"
        "{{ article.tags | hashtags(limit=1) }}\n{{ article.url | utm(campaign='launch', content='c1') }}",
    )
    lines = render_post_text(tmp_path, ARTICLE, ACCOUNT, "announce").split("\n")
    assert lines[0] == "A title"
    assert lines[1] == (
        "https://example.com/news/a?id=7&q=caf%C3%A9+au+lait&utm_term=kept"
        "&utm_source=mastodon&utm_medium=social&utm_campaign=promotion&utm_content=announce#section-2"
    )
    assert lines[2] == "#PrisonReform #KimKardashian #News"
    assert lines[3] == "#PrisonReform"
    assert "utm_campaign=launch&utm_content=c1#" in lines[4]


def test_hashtags_filter_without_account_defaults(tmp_path: Path) -> None:
    write(tmp_path, "posts/default/announce.txt.j2", "{{ article.tags | hashtags }}")
    plain = AccountView(name="newsroom", network="outbox")
    assert render_post_text(tmp_path, ARTICLE, plain, "announce") == "#PrisonReform #KimKardashian"


def test_fit_filter_marks_the_text_and_strips_marks_already_in_it(tmp_path: Path) -> None:
    sneaky = ArticleView(title=f"Title{CLOSE} with{OPEN} marks", url=None, author=None, summary="")
    write(
        tmp_path, "posts/default/announce.txt.j2", "{{ article.title | fit }} / {{ article.title | fit(0) }}"
    )
    text = render_post_text(tmp_path, sneaky, ACCOUNT, "announce")
    assert text.count(OPEN) == 2
    assert text.count(CLOSE) == 2
    assert strip_marks(text) == "Title with marks / Title with marks"


@pytest.mark.parametrize("argument", ["-1", "256", "'high'", "1.5"])
def test_fit_filter_rejects_a_bad_priority(tmp_path: Path, argument: str) -> None:
    write(tmp_path, "posts/default/announce.txt.j2", f"{{{{ article.title | fit({argument}) }}}}")
    with pytest.raises(RenderError, match=r"announce\.txt\.j2, line 1: fit takes a priority from 0 to 255"):
        render_post_text(tmp_path, ARTICLE, ACCOUNT, "announce")


def test_every_hashtag_the_filter_makes_is_one_hashtag_to_x() -> None:
    from scheduler.render.filters import hashtags

    tags = (
        "prison reform",
        "Kim Kardashian",
        "état de droit",
        "2018",
        "COVID-19",
        "東京 オリンピック",
        "a/b test",
    )
    made = hashtags(tags).split()
    assert extract_hashtags(" ".join(made)) == [tag.removeprefix("#") for tag in made]
    assert made[:2] == ["#PrisonReform", "#KimKardashian"]


@pytest.mark.parametrize(
    ("call", "said"),
    [
        ("{{ 5 | hashtags }}", "hashtags takes the article's tags or one tag, not a number (5)"),
        ("{{ article | hashtags }}", "hashtags takes the article's tags or one tag, not an article"),
        ("{{ article.tags | hashtags(1, 2) }}", "hashtags is not written that way"),
        ("{{ article.tags | hashtags(nope=1) }}", "hashtags is not written that way"),
        ("{{ article.url | utm(1, 2, 3) }}", "utm is not written that way"),
        ("{{ article.title | fit(1, 2) }}", "fit is not written that way"),
    ],
)
def test_a_filter_called_wrongly_says_how_it_is_written_never_typeerror(
    tmp_path: Path, call: str, said: str
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(PROJECT_ROOT / "templates", templates)
    (templates / "posts" / "default" / "announce.txt.j2").write_text("A title\n" + call)
    environment.cache_clear()
    article = ArticleView(title="T", url="https://e.com/a", author=None, summary="S", tags=("city",))
    with pytest.raises(RenderError) as raised:
        render_post(templates, article, AccountView("desk", "mastodon"), "announce")
    message = str(raised.value)
    assert message.startswith(f"posts/default/announce.txt.j2, line 2: {said}")
    assert "TypeError" not in message and "write {{" in message
