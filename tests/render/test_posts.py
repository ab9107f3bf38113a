"""Posts as each network takes them: shipped templates on the reference article, fitted, threaded, counted."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import db, networks, publishing
from scheduler.articles.text import parse_text
from scheduler.config import PROJECT_ROOT, Settings
from scheduler.models import Post, PostState, utcnow
from scheduler.networks import AccountSettings
from scheduler.newsroom.accounts import add_account
from scheduler.newsroom.articles import preview_article, store_article
from scheduler.newsroom.posts import When, add_and_schedule, schedule_post, thread_of
from scheduler.publishing import Outcome
from scheduler.publishing.send import over_limit
from scheduler.render import RenderError
from scheduler.render.length import count
from scheduler.render.posts import own_text, render_post
from scheduler.render.text import AccountView, ArticleView
from tests.conftest import REFERENCE_ARTICLE

TEMPLATES = PROJECT_ROOT / "templates"
URL = "https://www.example.com/news/kim-kardashian-white-house-prison-reform"
TAGS = ("prison reform", "Kim Kardashian")


def reference(tags: tuple[str, ...] = TAGS) -> ArticleView:
    """The reference article as templates see it, with tags (the text format carries none)."""
    parsed = parse_text(REFERENCE_ARTICLE.read_text(), canonical_url=URL)
    return preview_article(replace(parsed, tags=tags))


def tracked(network: str, step: str) -> str:
    return f"{URL}?utm_source={network}&utm_medium=social&utm_campaign=promotion&utm_content={step}"


@pytest.mark.parametrize("network", ["x", "mastodon", "bluesky"])
@pytest.mark.parametrize("step", ["announce", "quote", "reshare"])
def test_every_shipped_step_fits_every_network_with_its_link_and_hashtags_whole(
    network: str, step: str
) -> None:
    rendered = render_post(TEMPLATES, reference(), AccountView("desk", network), step)
    [text] = rendered.parts
    assert tracked(network, step) in text
    if step != "quote":
        assert text.endswith("#PrisonReform #KimKardashian")
    counted = count(network, text)
    assert counted.fits and rendered.counts == (counted,)
    assert "\ue000" not in text and "\ue001" not in text


def test_on_x_the_announcement_is_cut_at_a_word_to_exactly_fit_280() -> None:
    [text] = render_post(TEMPLATES, reference(), AccountView("desk", "x"), "announce").parts
    title = "‘Optimistic’ Kim Kardashian meets with Donald Trump to discuss prison reform"
    assert text.startswith(title + "\n\nKim Kardashian has been making it a priority")
    summary = text.split("\n\n")[1]
    assert summary.endswith("…") and not summary.endswith(" …")
    first_paragraph = reference().summary
    assert first_paragraph.startswith(summary[:-1])  # a prefix of the real text, cut between words
    assert first_paragraph[len(summary) - 1] == " "
    # One more word would not have fitted.
    assert 280 - 15 < count("x", text).length <= 280


def test_a_tiny_limit_keeps_the_link_and_hashtags_and_shortens_the_article_text(tmp_path: Path) -> None:
    shutil.copytree(TEMPLATES, tmp_path / "templates")
    [text] = render_post(
        tmp_path / "templates", reference(), AccountView("desk", "mastodon"), "announce", max_characters=80
    ).parts
    assert text.endswith(f"\n\n{tracked('mastodon', 'announce')}\n#PrisonReform #KimKardashian")
    assert count("mastodon", text, max_characters=80).length <= 80
    assert "…" in text


def test_when_nothing_can_fit_the_error_names_the_template_network_and_overflow() -> None:
    with pytest.raises(RenderError) as raised:
        render_post(TEMPLATES, reference(), AccountView("desk", "mastodon"), "announce", max_characters=40)
    message = str(raised.value)
    assert message.startswith("posts/default/announce.txt.j2")
    assert "mastodon" in message and re.search(r"\b\d+ over the 40 limit", message), message


def test_a_template_with_dashes_renders_a_thread_each_part_fitted_on_its_own(tmp_path: Path) -> None:
    (tmp_path / "posts" / "x").mkdir(parents=True)
    (tmp_path / "posts" / "x" / "announce.txt.j2").write_text(
        "{{ article.title | fit }}\n{{ article.url }}\n---\n{% for p in article.quotes %}"
        "“{{ p.text | fit }}” — {{ p.speaker }}\n{% endfor %}---\n"
        "{{ article.summary | fit }} #PrisonReform\n"
    )
    rendered = render_post(tmp_path, reference(), AccountView("desk", "x"), "announce")
    assert len(rendered.parts) == 3
    assert all(c.fits for c in rendered.counts)
    assert rendered.parts[0].endswith(URL) and rendered.parts[2].endswith("#PrisonReform")
    assert "— Kim Kardashian" in rendered.parts[1]


Sessions = Callable[[], AbstractContextManager[Session]]


@pytest.fixture
def sessions(database_url: str) -> Sessions:
    return lambda: db.session_scope(database_url)


def test_scheduling_a_thread_makes_a_chain_of_posts(sessions: Sessions, tmp_path: Path) -> None:
    (tmp_path / "posts" / "default").mkdir(parents=True)
    (tmp_path / "posts" / "default" / "announce.txt.j2").write_text(
        "One {{ article.title }}\n---\nTwo\n---\nThree"
    )
    with sessions() as session:
        account = add_account(session, "desk", "outbox", "UTC", {"folder": str(tmp_path / "out")})
        article = store_article(session, parse_text(REFERENCE_ARTICLE.read_text()))
        first = schedule_post(session, article, account, due_at=utcnow(), templates_dir=tmp_path)
        chain = thread_of(session, first)
        assert [p.text.split()[0] for p in chain] == ["One", "Two", "Three"]
        assert [p.thread_parent_id for p in chain] == [None, chain[0].id, chain[1].id]
        assert [p.thread_index for p in chain] == [0, 1, 2]


def test_an_editors_own_text_over_the_limit_is_refused_and_nothing_is_saved(sessions: Sessions) -> None:
    with sessions() as session:
        add_account(session, "desk", "outbox", "UTC", {"max_characters": 50})
    parsed = parse_text(REFERENCE_ARTICLE.read_text())
    # The outbox has no limit; an X-counted account would refuse it: the rule lives in one place.
    with pytest.raises(RenderError, match="1 over the 280 limit for x"):
        own_text("a" * 281, network="x")
    with pytest.raises(RenderError, match="part 2 of the text is 1 over the 280 limit for x"):
        own_text("fine\n---\n" + "a" * 281, network="x")
    assert own_text("a" * 280, network="x").parts == ("a" * 280,)
    with sessions() as session:
        post = add_and_schedule(
            session,
            parsed,
            account_name="desk",
            when=When(now=True),
            templates_dir=TEMPLATES,
            text="first part\n---\nsecond part",
        )
        assert [p.text for p in thread_of(session, post)] == ["first part", "second part"]


def test_text_over_the_limit_at_publish_time_is_not_sent(sessions: Sessions, tmp_path: Path) -> None:
    """A post edited in the database past its network's limit fails without a call to the network."""
    assert over_limit(AccountSettings("desk", "x", {}), "a" * 281) is not None
    assert over_limit(AccountSettings("desk", "x", {}), "a" * 280) is None
    assert over_limit(AccountSettings("desk", "outbox", {}), "a" * 10_000) is None

    with sessions() as session:
        account = add_account(session, "desk", "outbox", "UTC", {"folder": str(tmp_path / "out")})
        post = Post(
            account=account, text="short", state=PostState.QUEUED, due_at=utcnow(), scheduled_for=utcnow()
        )
        session.add(post)
        session.flush()
        post_id = post.id
    result = publishing.publish(sessions, post_id, networks.for_account, settings=Settings())
    assert result.outcome is Outcome.PUBLISHED
    with sessions() as session:
        assert session.scalar(select(Post.state).where(Post.id == post_id)) == PostState.PUBLISHED
