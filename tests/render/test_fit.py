from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import twitter_text

from scheduler.articles.quotes import pull_quotes
from scheduler.articles.text import parse_text
from scheduler.render import RenderError
from scheduler.render.fit import CLOSE, OPEN, fit_post, mark, split_thread, strip_marks
from scheduler.render.text import AccountView, ArticleView, QuoteView, render_post_text
from tests.conftest import REFERENCE_ARTICLE

TEMPLATE = "posts/default/announce.txt.j2"
URL = "https://www.hellomagazine.com/celebrities/2018053148732/kim-kardashian-white-house/"
X = AccountView(name="newsroom", network="x", hashtags=("News",))


def weighted(text: str) -> int:
    return twitter_text.parse_tweet(text).weightedLength


MEASURES = [pytest.param(len, id="len"), pytest.param(weighted, id="x-weighted")]


@pytest.fixture
def article() -> ArticleView:
    parsed = parse_text(REFERENCE_ARTICLE.read_text(), canonical_url=URL)
    quotes = pull_quotes(parsed.paragraphs, title=parsed.title)
    return ArticleView(
        title=parsed.title,
        url=parsed.canonical_url,
        author=parsed.author,
        summary=parsed.paragraphs[0],
        tags=("Kim Kardashian", "prison reform"),
        quotes=tuple(QuoteView(q.text, q.speaker, rank) for rank, q in enumerate(quotes, start=1)),
    )


def render(tmp_path: Path, article: ArticleView, template: str, account: AccountView = X) -> str:
    path = tmp_path / TEMPLATE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(template)
    return render_post_text(tmp_path, article, account, "announce")


FULL = """\
{{ article.title | fit }}

{{ article.summary | fit(2) }}

{{ ("“" ~ quote.text ~ "”") | fit(2) }} — {{ quote.speaker }}

{{ article.url | utm }}
{{ article.tags | hashtags }}
"""


def words(*texts: str) -> set[str]:
    return {word for text in texts for word in text.split()}


@pytest.mark.parametrize("measure", MEASURES)
def test_reference_article_fits_280_with_link_and_hashtags_whole(
    tmp_path: Path, article: ArticleView, measure: Callable[[str], int]
) -> None:
    rendered = render(tmp_path, article, FULL)
    link, tags = strip_marks(rendered).split("\n")[-2:]
    assert link.startswith(URL + "?utm_source=x&")
    assert tags == "#KimKardashian #PrisonReform #News"
    assert measure(strip_marks(rendered)) > 280, "the test needs a post that is too long"

    post = fit_post(rendered, measure=measure, limit=280, where=TEMPLATE, network="x")

    assert OPEN not in post and CLOSE not in post
    assert post.endswith(f"\n\n{link}\n{tags}")
    assert "— Kim Kardashian" in post
    assert "…" in post
    assert measure(post) <= 280
    # As close to the limit as whole words allow: less than one word and an ellipsis left over.
    longest = max(len(word) for word in words(article.title, article.summary, article.quotes[0].text))
    assert measure(post) > 280 - (longest + 3)
    original = words(strip_marks(rendered))
    for word in post.split():
        cut = word.removesuffix("”")
        assert word in original or (cut.endswith("…") and any(w.startswith(cut[:-1]) for w in original))


def test_reference_article_under_x_counting_keeps_the_title_and_shortens_summary_and_quote(
    tmp_path: Path, article: ArticleView
) -> None:
    post = fit_post(render(tmp_path, article, FULL), measure=weighted, limit=280, where=TEMPLATE, network="x")
    title, _, summary, _, quote = post.split("\n")[:5]
    assert title == article.title
    assert summary.endswith("…") and article.summary.startswith(summary[:-1])
    assert quote.startswith("“") and quote.endswith("…” — Kim Kardashian")
    assert article.quotes[0].text.startswith(quote[1 : quote.index("…")])


@pytest.mark.parametrize("measure", MEASURES)
def test_tiny_limit_still_keeps_link_and_hashtags_whole(
    tmp_path: Path, article: ArticleView, measure: Callable[[str], int]
) -> None:
    short = ArticleView(
        title=article.title, url="https://hel.lo/k", author=None, summary=article.summary, tags=article.tags
    )
    template = (
        "{{ article.title | fit }}\n\n{{ article.summary | fit(2) }}\n\n"
        "{{ article.url }}\n{{ article.tags | hashtags(limit=2) }}"
    )
    post = fit_post(render(tmp_path, short, template), measure=measure, limit=62, where=TEMPLATE, network="x")
    assert measure(post) <= 62
    assert post.endswith("\n\nhttps://hel.lo/k\n#KimKardashian #PrisonReform")
    # The summary went first, and its line with it; the title is shortened at a word.
    assert post == "‘Optimistic’…\n\nhttps://hel.lo/k\n#KimKardashian #PrisonReform"


def test_a_template_too_long_on_its_own_fails_naming_template_network_and_overflow(
    tmp_path: Path, article: ArticleView
) -> None:
    own = "Read this. " * 28 + "Now"  # 311 characters of the template's own
    rendered = render(tmp_path, article, own + " {{ article.title | fit }} {{ article.url }}")
    with pytest.raises(RenderError) as raised:
        fit_post(rendered, measure=weighted, limit=280, where=TEMPLATE, network="x")
    message = str(raised.value)
    assert message == (
        f"{TEMPLATE}: the post is 56 over the 280 limit for x even with the article text shortened "
        "to nothing; shorten the template's own text"
    )


def test_nothing_marked_and_too_long_says_so() -> None:
    with pytest.raises(
        RenderError, match=r"^t\.j2: the post is 5 over the 10 limit for bluesky and has no text marked"
    ):
        fit_post("fifteen letters", measure=len, limit=10, where="t.j2", network="bluesky")


def test_text_that_fits_comes_back_without_marks_after_one_measure() -> None:
    calls: list[str] = []

    def measure(text: str) -> int:
        calls.append(text)
        return len(text)

    text = f"Title: {mark('The whole title')} https://e.com"
    assert (
        fit_post(text, measure=measure, limit=100, where="t", network="x")
        == "Title: The whole title https://e.com"
    )
    assert calls == ["Title: The whole title https://e.com"]


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("one two three four", 17, "one two three…"),
        ("one two three four", 13, "one two…"),
        ("one two three four", 4, "one…"),
        ("one two three four", 3, ""),
        ("Hello, world; again", 18, "Hello, world…"),
        ("She came – and went", 15, "She came – and…"),
        ("She came – and went", 14, "She came…"),
        ("Johnson’s future and hopeful", 20, "Johnson’s future…"),
        ("“It is our hope that the President will”", 20, "“It is our hope…”"),
        ("“It is our hope that the President will”", 5, "“It…”"),
        ("“It is our hope that the President will”", 4, ""),
        ("東京は晴れ。大阪は雨。", 8, "東京は晴れ…"),
    ],
)
def test_cut_at_a_word_with_an_ellipsis(text: str, limit: int, expected: str) -> None:
    assert fit_post(mark(text), measure=len, limit=limit, where="t", network="x") == expected


def test_never_cut_inside_or_right_after_a_link_mention_or_hashtag() -> None:
    summary = (
        "Read the statement at https://example.com/statement/2018?full=1, then follow "
        "@KimKardashian and #PrisonReform for news on www.example.org/case today and tomorrow"
    )
    tokens = summary.split()
    protected = {
        "https://example.com/statement/2018?full=1,",
        "@KimKardashian",
        "#PrisonReform",
        "www.example.org/case",
    }
    seen = set()
    for limit in range(1, len(summary) + 1):
        post = fit_post(mark(summary), measure=len, limit=limit, where="t", network="x")
        assert len(post) <= limit
        kept = post.split()
        if kept:
            assert kept[:-1] == tokens[: len(kept) - 1]
            assert kept[-1] in tokens or kept[-1].endswith("…")
            assert tokens[len(kept) - 1] not in protected or kept[-1] == tokens[len(kept) - 1], post
        seen.add(post)
    assert "Read the statement…" in seen
    assert "Read the statement at https://example.com/statement/2018?full=1, then…" in seen


def test_template_text_outside_the_marks_is_never_touched() -> None:
    text = f"Title\n\n“{mark('a quote long enough to need cutting')}” — Speaker\n@desk #tag https://e.com/x"
    post = fit_post(text, measure=len, limit=46, where="t", network="x")
    assert post == "Title\n\n“” — Speaker\n@desk #tag https://e.com/x"
    post = fit_post(text, measure=len, limit=60, where="t", network="x")
    assert post == "Title\n\n“a quote long…” — Speaker\n@desk #tag https://e.com/x"


def test_a_mark_dropped_from_its_own_line_takes_the_line_and_one_blank_line() -> None:
    summary = mark("A summary that will not fit at all")
    middle = f"Title\n\n{summary}\n\nhttps://e.com"
    assert fit_post(middle, measure=len, limit=22, where="t", network="x") == "Title\n\nhttps://e.com"
    first = f"{summary}\n\nhttps://e.com"
    assert fit_post(first, measure=len, limit=15, where="t", network="x") == "https://e.com"
    last = f"https://e.com\n\n{summary}"
    assert fit_post(last, measure=len, limit=15, where="t", network="x") == "https://e.com"


def test_higher_priority_number_shrinks_first_and_to_nothing_before_the_next() -> None:
    title = mark("Kim Kardashian meets Donald Trump")  # priority 1
    summary = mark("She is optimistic after the meeting about prison reform", 2)
    text = f"{title}\n{summary}"
    post = fit_post(text, measure=len, limit=60, where="t", network="x")
    assert post == "Kim Kardashian meets Donald Trump\nShe is optimistic after…"
    post = fit_post(text, measure=len, limit=30, where="t", network="x")
    assert post == "Kim Kardashian meets Donald…"
    last = mark("Kim Kardashian meets Donald Trump", 0)
    post = fit_post(
        f"{last}\n{mark('She is optimistic after the meeting')}",
        measure=len,
        limit=40,
        where="t",
        network="x",
    )
    assert post == "Kim Kardashian meets Donald Trump\nShe…"


def test_marks_of_one_priority_shrink_longest_first() -> None:
    short = mark("A short title")
    long = mark("A much longer summary that goes on and on about the meeting and what came of it")
    text = f"{short} | {long}"
    post = fit_post(text, measure=len, limit=50, where="t", network="x")
    assert post == "A short title | A much longer summary that goes…"
    # Squeezed harder, both are held to the same number of characters (and each cut at a word within it).
    post = fit_post(text, measure=len, limit=18, where="t", network="x")
    assert post == "A short… | A much…"


def test_binary_search_measures_far_fewer_times_than_there_are_words(
    tmp_path: Path, article: ArticleView
) -> None:
    calls = 0

    def measure(text: str) -> int:
        nonlocal calls
        calls += 1
        return weighted(text)

    rendered = render(tmp_path, article, FULL)
    fit_post(rendered, measure=measure, limit=200, where=TEMPLATE, network="x")
    assert calls <= 20 < len(words(article.summary, article.title, article.quotes[0].text))


def test_mark_strips_mark_characters_from_its_input() -> None:
    marked = mark(f"a{OPEN}\ue105b{CLOSE}c\ue002")
    assert strip_marks(marked) == "abc"
    assert marked.count(OPEN) == 1 and marked.count(CLOSE) == 1
    assert fit_post(marked, measure=len, limit=10, where="t", network="x") == "abc"
    assert mark(None) == OPEN + "\ue101" + CLOSE
    with pytest.raises(ValueError, match="priority"):
        mark("x", 256)


def test_stray_mark_characters_are_removed_from_the_post() -> None:
    assert (
        fit_post(f"{CLOSE}Hello{OPEN} world\ue000", measure=len, limit=20, where="t", network="x")
        == "Hello world"
    )


def test_split_thread() -> None:
    assert split_thread("one\n---\ntwo\n  ---  \n\n---\n\nthree\n") == ["one", "two", "three"]
    assert split_thread("a\n----\nb\n— \nc") == ["a\n----\nb\n— \nc"]
    assert split_thread("---\nonly\n---") == ["only"]
    assert split_thread("") == []


def test_split_thread_ignores_rules_inside_article_text_and_drops_empty_marked_parts() -> None:
    sneaky = mark("First paragraph\n---\nsecond paragraph")
    parts = split_thread(f"Intro {sneaky}\n---\nMore\n---\n{mark('')}")
    assert [strip_marks(part) for part in parts] == ["Intro First paragraph\n---\nsecond paragraph", "More"]
    assert parts[0].count(OPEN) == 1
    assert fit_post(parts[0], measure=len, limit=30, where="t", network="x") == "Intro First paragraph…"


def test_reference_thread_parts_fit_on_their_own(tmp_path: Path, article: ArticleView) -> None:
    template = FULL.replace("\n\n{{ (", "\n---\n{{ (", 1)
    parts = split_thread(render(tmp_path, article, template))
    assert len(parts) == 2
    posts = [fit_post(part, measure=weighted, limit=140, where=TEMPLATE, network="x") for part in parts]
    assert all(weighted(post) <= 140 for post in posts)
    assert posts[0].startswith(article.title[:20])
    assert posts[1].endswith("#KimKardashian #PrisonReform #News")
