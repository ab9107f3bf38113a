"""Cards for posts, on both databases: a card post waits for its card, is rendered and attached once, and
goes out with it; a card that cannot be made fails the post; an editor's change drops a stale render."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler import db, networks, newsroom, publishing
from scheduler.articles.text import parse_text, read_text_file
from scheduler.config import PROJECT_ROOT, Settings
from scheduler.demo.data import REFERENCE_ARTICLE, REFERENCE_URL
from scheduler.models import Account, Article, CardState, Post, PostState, Quote, utcnow
from scheduler.newsroom.accounts import add_account
from scheduler.newsroom.articles import store_article
from scheduler.newsroom.posts import schedule_post
from scheduler.newsroom.quotes import pick_quote
from scheduler.publishing import Outcome, post_cards
from scheduler.render.browser import CardRenderer, RenderedCard
from scheduler.render.cards import ALT_TEXT_LIMITS, DEFAULT_SIZE, CardPage
from tests.httpserver import LocalServer
from tests.scripted_network import published_files

Sessions = Callable[[], AbstractContextManager[Session]]
TEMPLATES = PROJECT_ROOT / "templates"
PUBLISHING = Settings(lease_seconds=60, retry_backoff_seconds=30, max_attempts=3)
RETRY = timedelta(minutes=2)
MISSING_CHROMIUM = Path("/nonexistent/chromium")
# A statement far longer than any quote card holds, even at its smallest font size.
TOO_LONG = "We will keep fighting for every family that is still waiting for a second chance. " * 30


@pytest.fixture(scope="module")
def renderer() -> Iterator[CardRenderer]:
    """One warm Chromium for the module: starting it costs about a second."""
    with CardRenderer() as card_renderer:
        yield card_renderer


@pytest.fixture
def sessions(database_url: str) -> Sessions:
    return lambda: db.session_scope(database_url)


@pytest.fixture
def settings(isolated_settings: Path) -> Settings:
    """The test's own media folder, and lead images from the local test server allowed."""
    return Settings(var_dir=isolated_settings, allow_private_urls=True)


def store_reference(session: Session, image_url: str | None = None) -> Article:
    parsed = parse_text(read_text_file(REFERENCE_ARTICLE, max_bytes=1_000_000), canonical_url=REFERENCE_URL)
    return store_article(session, replace(parsed, image_url=image_url))


def card_post(
    sessions: Sessions,
    outbox: Path,
    *,
    account: str = "desk",
    card: str = "quote",
    step: str = "quote",
    text: str | None = None,
    image_url: str | None = None,
) -> int:
    """The reference article's post for an outbox account, due now, carrying `card`."""
    with sessions() as session:
        desk = session.scalar(select(Account).where(Account.name == account))
        if desk is None:
            desk = add_account(session, account, "outbox", "UTC", {"folder": str(outbox)})
        article = store_reference(session, image_url)
        post = schedule_post(
            session, article, desk, due_at=utcnow(), templates_dir=TEMPLATES, step=step, text=text, card=card
        )
        return post.id


def load(sessions: Sessions, post_id: int) -> Post:
    with sessions() as session:
        post = session.get(Post, post_id)
        assert post is not None
        session.expunge(post)
        return post


def quote_of(sessions: Sessions, post_id: int) -> Quote:
    with sessions() as session:
        quote = session.scalar(select(Quote).join(Post, Post.quote_id == Quote.id).where(Post.id == post_id))
        assert quote is not None
        session.expunge(quote)
        return quote


def claim_cards(sessions: Sessions, now: datetime | None = None) -> list[int]:
    with sessions() as session:
        return post_cards.claim_card_jobs(session, now=now or utcnow(), retry_after=RETRY)


def dispatch(sessions: Sessions) -> list[int]:
    with sessions() as session:
        return [d.post_id for d in publishing.dispatch_due(session, now=utcnow(), settings=PUBLISHING)]


def reference_alt(quote: Quote) -> str:
    # The reference article names no site: the card credits its URL's host without `www.`.
    return f"Quote card: “{quote.text}” — {quote.speaker}, example.com."


def test_a_card_post_waits_for_its_card_and_is_dispatched_once_it_is_attached(
    sessions: Sessions, settings: Settings, renderer: CardRenderer, tmp_path: Path
) -> None:
    post_id = card_post(sessions, tmp_path / "outbox")
    post = load(sessions, post_id)
    assert (post.state, post.card_state, post.card_template, post.card_size) == (
        PostState.SCHEDULED,
        CardState.PENDING,
        "quote",
        "1200x675",
    )
    assert post.media == [] and post.card_requested_at is None
    assert dispatch(sessions) == []  # due, but its card is not there yet
    assert load(sessions, post_id).state == PostState.SCHEDULED

    asked = utcnow()
    assert claim_cards(sessions, asked) == [post_id]
    assert load(sessions, post_id).card_requested_at == asked
    assert claim_cards(sessions, asked + RETRY / 2) == []  # its render is on its way
    assert claim_cards(sessions, asked + RETRY + timedelta(seconds=1)) == [post_id]  # that one was lost

    assert post_cards.render_post_card(sessions, post_id, renderer, settings) == "ready"
    post = load(sessions, post_id)
    quote = quote_of(sessions, post_id)
    assert (post.state, post.card_state, post.last_error) == (PostState.SCHEDULED, CardState.READY, None)
    [media] = post.media
    path = Path(media["path"])
    assert path.is_file() and path.is_relative_to(settings.resolved_media_dir / "cards")
    assert Image.open(path).size == (1200, 675)
    assert (media["width"], media["height"], media["template"]) == (1200, 675, "quote")
    assert quote.speaker == "Kim Kardashian" and quote.rank == 1
    assert media["alt_text"] == reference_alt(quote)
    assert len(media["alt_text"]) <= ALT_TEXT_LIMITS["outbox"]

    assert claim_cards(sessions, asked + 2 * RETRY) == []  # ready: nothing more to render
    assert dispatch(sessions) == [post_id]
    assert load(sessions, post_id).state == PostState.QUEUED


def test_a_post_with_its_card_lands_in_the_outbox_with_the_png_and_its_alt_text(
    sessions: Sessions, settings: Settings, renderer: CardRenderer, tmp_path: Path
) -> None:
    outbox = tmp_path / "outbox"
    post_id = card_post(sessions, outbox)
    assert post_cards.render_post_card(sessions, post_id, renderer, settings) == "ready"
    assert dispatch(sessions) == [post_id]
    result = publishing.publish(sessions, post_id, networks.for_account, settings=PUBLISHING)
    assert result.outcome is Outcome.PUBLISHED

    [card] = load(sessions, post_id).media
    [landed] = published_files(outbox, post_id)
    document = json.loads(landed.read_text(encoding="utf-8"))
    [sent] = document["media"]
    assert sent["alt_text"] == card["alt_text"] == reference_alt(quote_of(sessions, post_id))
    assert (outbox / sent["file"]).read_bytes() == Path(card["path"]).read_bytes()
    assert load(sessions, post_id).state == PostState.PUBLISHED


def test_a_quote_too_long_for_the_card_fails_the_post_and_its_thread_with_the_reason(
    sessions: Sessions, settings: Settings, renderer: CardRenderer, tmp_path: Path
) -> None:
    first = card_post(sessions, tmp_path / "outbox", text="The first part.\n---\nThe second part.")
    with sessions() as session:
        post = session.get(Post, first)
        assert post is not None and post.quote is not None
        post.quote.text = TOO_LONG
        [reply] = session.scalars(select(Post.id).where(Post.thread_parent_id == first))
    assert load(sessions, reply).card_state is None  # only the first part carries the card
    assert claim_cards(sessions) == [first]

    assert post_cards.render_post_card(sessions, first, renderer, settings) == "failed"
    post = load(sessions, first)
    assert (post.state, post.card_state, post.media) == (PostState.FAILED, CardState.FAILED, [])
    assert post.last_error is not None and post.last_error.startswith("card: the quote (")
    assert "choose a shorter quote" in post.last_error
    replying = load(sessions, reply)
    assert replying.state == PostState.FAILED
    assert replying.last_error == f"the post it replies to ({first}) failed: {post.last_error}"
    assert dispatch(sessions) == [] and claim_cards(sessions) == []


def test_a_post_failed_by_its_card_goes_back_to_scheduled_when_another_quote_is_picked(
    sessions: Sessions, settings: Settings, renderer: CardRenderer, tmp_path: Path
) -> None:
    post_id = card_post(sessions, tmp_path / "outbox")
    with sessions() as session:
        post = session.get(Post, post_id)
        assert post is not None and post.quote is not None
        post.quote.text = TOO_LONG
        first_rank = post.quote.rank
    claim_cards(sessions)
    assert post_cards.render_post_card(sessions, post_id, renderer, settings) == "failed"

    with sessions() as session:
        post = session.get(Post, post_id)
        assert post is not None and post.article is not None
        other = next(q.rank for q in post.article.quotes if q.rank != first_rank and q.speaker)
        pick_quote(session, post_id, other, templates_dir=TEMPLATES)
    revived = load(sessions, post_id)
    assert (revived.state, revived.card_state, revived.last_error) == (
        PostState.SCHEDULED,
        CardState.PENDING,
        None,
    )
    assert claim_cards(sessions) == [post_id]
    assert post_cards.render_post_card(sessions, post_id, renderer, settings) == "ready"
    assert dispatch(sessions) == [post_id]


class EditorMeanwhile(CardRenderer):
    """The shared renderer, and an editor who acts while the card is in the browser.

    Only a change made during the render can overtake it: a render reads its job when it starts.
    """

    def __init__(self, inner: CardRenderer, editor: Callable[[], None]) -> None:
        super().__init__()
        self.inner = inner
        self.editor = editor

    def render(self, card: CardPage, *, check_glyphs: bool = False) -> RenderedCard:
        rendered = self.inner.render(card, check_glyphs=check_glyphs)
        self.editor()
        return rendered


def test_a_render_overtaken_by_another_quote_is_dropped_and_the_next_shows_the_new_quote(
    sessions: Sessions, settings: Settings, renderer: CardRenderer, tmp_path: Path
) -> None:
    post_id = card_post(sessions, tmp_path / "outbox")
    old = quote_of(sessions, post_id)
    assert claim_cards(sessions) == [post_id]

    def pick_second_quote() -> None:
        with sessions() as session:
            pick_quote(session, post_id, 2, templates_dir=TEMPLATES)

    overtaken = EditorMeanwhile(renderer, pick_second_quote)
    assert post_cards.render_post_card(sessions, post_id, overtaken, settings) == "skipped"
    post = load(sessions, post_id)
    new = quote_of(sessions, post_id)
    assert new.rank == 2 and new.text != old.text
    assert (post.state, post.card_state, post.media) == (PostState.SCHEDULED, CardState.PENDING, [])
    assert post.card_requested_at is None
    assert dispatch(sessions) == []

    assert claim_cards(sessions) == [post_id]
    assert post_cards.render_post_card(sessions, post_id, renderer, settings) == "ready"
    [media] = load(sessions, post_id).media
    assert media["alt_text"] == reference_alt(new)
    assert dispatch(sessions) == [post_id]


def test_without_chromium_the_card_waits_and_says_how_to_install_it(
    sessions: Sessions, settings: Settings, renderer: CardRenderer, tmp_path: Path
) -> None:
    post_id = card_post(sessions, tmp_path / "outbox")
    claim_cards(sessions)
    assert (
        post_cards.render_post_card(sessions, post_id, CardRenderer(MISSING_CHROMIUM), settings) == "waiting"
    )
    post = load(sessions, post_id)
    assert (post.state, post.card_state, post.media) == (PostState.SCHEDULED, CardState.PENDING, [])
    assert post.last_error is not None and post.last_error.startswith("waiting for its card: ")
    assert "apt-get install chromium" in post.last_error
    assert dispatch(sessions) == []

    # A cards worker with Chromium takes it from there.
    assert post_cards.render_post_card(sessions, post_id, renderer, settings) == "ready"
    post = load(sessions, post_id)
    assert (post.card_state, post.last_error) == (CardState.READY, None)


def lead_photo() -> bytes:
    image = Image.new("RGB", (800, 500), (200, 40, 40))
    image.paste((40, 160, 220), (0, 200, 800, 260))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_a_headline_card_shows_the_lead_image_fetched_once_and_does_without_one_that_is_gone(
    sessions: Sessions, settings: Settings, renderer: CardRenderer, tmp_path: Path, http_server: LocalServer
) -> None:
    photo = lead_photo()
    http_server.route("/lead.png", photo, content_type="image/png")
    outbox = tmp_path / "outbox"
    first = card_post(
        sessions, outbox, card="headline", step="announce", image_url=http_server.url("/lead.png")
    )
    second = card_post(sessions, outbox, account="desk2", card="headline", step="announce")

    assert post_cards.render_post_card(sessions, first, renderer, settings) == "ready"
    assert post_cards.render_post_card(sessions, second, renderer, settings) == "ready"
    [with_photo] = load(sessions, first).media
    assert load(sessions, second).media == [with_photo]  # same article, same card
    [kept] = (settings.resolved_media_dir / "images").iterdir()
    assert kept.read_bytes() == photo
    assert [path for _, path, _ in http_server.requests] == ["/lead.png"]

    # The photo is taken down: the card is made again, without it.
    with sessions() as session:
        article = session.scalars(select(Article)).one()
        article.image_url = http_server.url("/gone.png")
        post = session.get(Post, second)
        assert post is not None
        post_cards.ask_for_card(post, "headline", DEFAULT_SIZE)
    assert post_cards.render_post_card(sessions, second, renderer, settings) == "ready"
    [without_photo] = load(sessions, second).media
    assert without_photo["key"] != with_photo["key"]
    assert Path(without_photo["path"]).read_bytes() != Path(with_photo["path"]).read_bytes()
    assert Image.open(without_photo["path"]).size == (1200, 675)
    assert [path for _, path, _ in http_server.requests] == ["/lead.png", "/gone.png"]
    assert list((settings.resolved_media_dir / "images").iterdir()) == [kept]


def test_a_card_that_cannot_be_asked_for_is_refused_when_scheduling(
    sessions: Sessions, tmp_path: Path
) -> None:
    with sessions() as session:
        desk = add_account(session, "desk", "outbox", "UTC", {"folder": str(tmp_path / "outbox")})
        article = store_reference(session)
        quoteless = store_article(
            session,
            parse_text(
                "Council meets on the budget\n\nThe council met on Tuesday to discuss next year's budget, "
                "and will vote on it next month after a public consultation."
            ),
        )

        def schedule(on: Article, **card: str) -> None:
            schedule_post(session, on, desk, due_at=utcnow(), templates_dir=TEMPLATES, **card)

        with pytest.raises(
            newsroom.NewsroomError, match="no card template 'nope': use one of breaking, headline, quote"
        ):
            schedule(article, card="nope")
        with pytest.raises(
            newsroom.NewsroomError, match=r"card size 'huge' is not WIDTHxHEIGHT \(such as 1080x1080\)"
        ):
            schedule(article, card="quote", card_size="huge")
        with pytest.raises(newsroom.NewsroomError, match="each side must be between 200 and 4096 pixels"):
            schedule(article, card="quote", card_size="12x12")
        with pytest.raises(
            newsroom.NewsroomError,
            match=r"no pull quote with a known speaker for a quote card; use the headline card \(--card",
        ):
            schedule(quoteless, card="quote")
        assert session.scalar(select(func.count(Post.id))) == 0
        headline = schedule_post(
            session,
            quoteless,
            desk,
            due_at=utcnow(),
            templates_dir=TEMPLATES,
            card="headline",
            card_size="square",
        )
        assert (headline.card_template, headline.card_size) == ("headline", "1080x1080")


def test_the_same_card_for_two_posts_is_rendered_once(
    sessions: Sessions, settings: Settings, renderer: CardRenderer, tmp_path: Path
) -> None:
    outbox = tmp_path / "outbox"
    first = card_post(sessions, outbox, account="desk1")
    second = card_post(sessions, outbox, account="desk2")
    assert sorted(claim_cards(sessions)) == sorted([first, second])

    assert post_cards.render_post_card(sessions, first, renderer, settings) == "ready"
    # No browser at all for the second: its card is read from the store.
    assert post_cards.render_post_card(sessions, second, CardRenderer(MISSING_CHROMIUM), settings) == "ready"
    [one] = load(sessions, first).media
    [two] = load(sessions, second).media
    assert one == two
    assert [Path(one["path"])] == list((settings.resolved_media_dir / "cards").rglob("*.png"))
    assert sorted(dispatch(sessions)) == sorted([first, second])


def test_a_theme_that_no_longer_reads_fails_the_post_with_the_reason(
    sessions: Sessions, settings: Settings, renderer: CardRenderer, tmp_path: Path
) -> None:
    outbox, gone = tmp_path / "outbox", tmp_path / "gone.png"
    with sessions() as session:
        add_account(session, "desk", "outbox", "UTC", {"folder": str(outbox), "theme": {"logo": str(gone)}})
    post_id = card_post(sessions, outbox)
    assert claim_cards(sessions) == [post_id]

    assert post_cards.render_post_card(sessions, post_id, renderer, settings) == "failed"
    post = load(sessions, post_id)
    assert (post.state, post.card_state) == (PostState.FAILED, CardState.FAILED)
    assert post.last_error == f"card: theme logo {gone} does not exist"


def test_a_lead_image_left_half_written_is_fetched_again_not_used(
    sessions: Sessions, settings: Settings, renderer: CardRenderer, tmp_path: Path, http_server: LocalServer
) -> None:
    photo = lead_photo()
    http_server.route("/lead.png", photo, content_type="image/png")
    url = http_server.url("/lead.png")
    # What a worker that died while saving the image leaves (or another one still writing it).
    images = settings.resolved_media_dir / "images"
    images.mkdir(parents=True)
    (images / f"{hashlib.sha256(url.encode()).hexdigest()}.tmp").write_bytes(photo[:100])
    post_id = card_post(sessions, tmp_path / "outbox", card="headline", step="announce", image_url=url)

    assert post_cards.render_post_card(sessions, post_id, renderer, settings) == "ready"
    assert [path for _, path, _ in http_server.requests] == ["/lead.png"]
    assert (images / f"{hashlib.sha256(url.encode()).hexdigest()}.png").read_bytes() == photo
