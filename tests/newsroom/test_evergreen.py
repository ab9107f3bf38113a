"""Evergreen: free slots of the coming day filled with reshares of older articles, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import db, newsroom
from scheduler.articles.text import parse_text
from scheduler.models import Account, Article, Post, PostState
from scheduler.newsroom import evergreen
from scheduler.newsroom.accounts import add_account
from scheduler.newsroom.articles import store_article
from scheduler.newsroom.posts import schedule_post
from tests.command import run
from tests.conftest import REFERENCE_ARTICLE

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
NOW = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)  # Thursday, 10:00 in London
SLOTS = "mon-sun 09:00,13:00,18:00"
NO_QUOTES = (
    "{title}\n\nThe council voted on Tuesday to approve the plan after a debate that ran past midnight.\n\n"
    "The plan will be funded from the capital budget over three years, officials said."
)


def story(session: Session, title: str, *, quotes: bool = True) -> Article:
    text = REFERENCE_ARTICLE.read_text() if quotes else NO_QUOTES.format(title=title)
    parsed = parse_text(text, canonical_url=f"https://news.example/{title.lower().replace(' ', '-')}")
    parsed = type(parsed)(**{**parsed.__dict__, "title": title})
    return store_article(session, parsed)


def shared(
    session: Session,
    article: Article,
    account: Account,
    days_ago: float,
    *,
    state: PostState = PostState.PUBLISHED,
    quote_rank: int | None = None,
) -> Post:
    at = NOW - timedelta(days=days_ago)
    quote = next(q for q in article.quotes if q.rank == quote_rank) if quote_rank else None
    post = Post(
        article=article,
        account=account,
        step="quote" if quote else "announce",
        quote=quote,
        text=f"{article.title} ({days_ago:g} days ago)",
        state=state,
        due_at=at,
        scheduled_for=at,
        published_at=at if state == PostState.PUBLISHED else None,
    )
    session.add(post)
    session.flush()
    return post


def london(post: Post) -> datetime:
    return post.due_at.astimezone(ZoneInfo("Europe/London")).replace(tzinfo=None)


def test_free_slots_get_the_oldest_shared_articles_with_another_quote(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        city = add_account(session, "city", "outbox", "Europe/London", {"slots": SLOTS})
        metro = add_account(session, "metro", "outbox", "Europe/London", {"slots": SLOTS})
        evergreen.set_evergreen(session, "city", 30, card="quote", templates_dir=TEMPLATES)

        oldest = story(session, "Quiet story without quotes", quotes=False)
        shared(session, oldest, city, 55)
        quoted = story(session, "Story last shared with its best quote")
        shared(session, quoted, city, 60)
        shared(session, quoted, city, 50, quote_rank=1)
        later = story(session, "Story shared 45 days ago")
        shared(session, later, city, 45)
        recent = story(session, "Story shared ten days ago")
        shared(session, recent, city, 10)
        withdrawn = story(session, "Withdrawn story")
        shared(session, withdrawn, city, 90)
        withdrawn.withdrawn_at, withdrawn.withdraw_reason = NOW - timedelta(days=1), "legal"
        embargoed = story(session, "Embargoed story")
        shared(session, embargoed, city, 80)
        embargoed.embargo_until = NOW + timedelta(days=3)
        pending = story(session, "Story with a post still to go")
        shared(session, pending, city, 100)
        shared(session, pending, city, -7, state=PostState.SCHEDULED)
        elsewhere = story(session, "Story shared on another account only")
        shared(session, elsewhere, metro, 70)
        # Thursday 18:00 is held already: of the three slots to Friday 10:00, two are free.
        busy = story(session, "Today's story")
        schedule_post(
            session, busy, city, due_at=datetime(2026, 3, 5, 18, 0, tzinfo=UTC), templates_dir=TEMPLATES
        )
        ids = {a.title: a.id for a in (oldest, quoted, later)}

        made = evergreen.fill_free_slots(session, NOW, TEMPLATES)

        assert [(london(p), p.article_id) for p in made] == [
            (datetime(2026, 3, 5, 13, 0), ids["Quiet story without quotes"]),
            (datetime(2026, 3, 6, 9, 0), ids["Story last shared with its best quote"]),
        ]
        plain, with_quote = made
        assert (plain.step, plain.quote_id, plain.card_template) == ("reshare", None, None)
        assert with_quote.step == "quote" and with_quote.quote is not None and with_quote.quote.rank == 2
        assert with_quote.quote.text[:40] in with_quote.text and with_quote.card_template == "quote"
        assert {(p.campaign, p.state) for p in made} == {("evergreen", PostState.SCHEDULED)}
        assert [p.campaign_step for p in made] == [2, 1]
        assert all(p.account_id == city.id and p.due_at == p.scheduled_for for p in made)

        # Filled: another run finds no free slot.
        assert evergreen.fill_free_slots(session, NOW + timedelta(minutes=30), TEMPLATES) == []

    with db.session_scope(database_url) as session:
        # A day later, the articles just reshared are recent: only the one shared 45 days ago goes, with its
        # best quote (its last share carried none); the slots after it stay free.
        made = evergreen.fill_free_slots(session, NOW + timedelta(days=1), TEMPLATES)
        assert [(london(p), p.article_id, p.quote.rank if p.quote else None) for p in made] == [
            (datetime(2026, 3, 6, 13, 0), ids["Story shared 45 days ago"], 1)
        ]
        assert not session.scalars(
            select(Post).where(Post.account_id == metro.id, Post.campaign.is_not(None))
        ).all()


def test_paused_accounts_and_accounts_without_evergreen_are_left_alone(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        city = add_account(session, "city", "outbox", "Europe/London", {"slots": SLOTS})
        add_account(session, "metro", "outbox", "Europe/London", {"slots": SLOTS})
        old = story(session, "Old story")
        shared(session, old, city, 60)
        evergreen.set_evergreen(session, "city", 30, card=None, templates_dir=TEMPLATES)
        city.paused_at = NOW - timedelta(hours=1)
        assert evergreen.fill_free_slots(session, NOW, TEMPLATES) == []
        city.paused_at = None
        assert len(evergreen.fill_free_slots(session, NOW, TEMPLATES)) == 1
        evergreen.set_evergreen(session, "city", None, card=None, templates_dir=TEMPLATES)
        assert "evergreen" not in city.options
        with pytest.raises(newsroom.NewsroomError, match="no card template 'poster'"):
            evergreen.set_evergreen(session, "city", 30, card="poster", templates_dir=TEMPLATES)
        with pytest.raises(newsroom.NewsroomError, match="--after-days is a number of days"):
            evergreen.set_evergreen(session, "city", 0, card=None, templates_dir=TEMPLATES)


def test_the_evergreen_commands_and_the_hourly_beat_task(isolated_settings: Path) -> None:
    url = f"sqlite:///{isolated_settings / 'scheduler.db'}"
    assert run("init").returncode == 0
    on = run("accounts", "evergreen", "outbox", "--after-days", "30", "--card", "headline")
    assert on.returncode == 0, on.stderr
    assert "evergreen on for 'outbox'" in on.stdout and "30 days" in on.stdout
    with db.session_scope(url) as session:
        account = session.scalars(select(Account)).one()
        assert account.options["evergreen"] == {"after_days": 30, "card": "headline"}
    neither = run("accounts", "evergreen", "outbox")
    assert neither.returncode == 1 and "give --after-days N to turn evergreen on, or --off" in neither.stderr
    filled = run("evergreen")
    assert filled.returncode == 0 and filled.stdout.strip() == "(none)"  # nothing was ever shared
    with db.session_scope(url) as session:
        account = session.scalars(select(Account)).one()
        article = story(session, "A dated story", quotes=False)
        shared(session, article, account, 10)
        article_id = article.id
    eligible = run("evergreen", "--eligible")
    assert eligible.returncode == 0 and "A dated story" in eligible.stdout
    assert "kept out" not in eligible.stdout
    kept = run("articles", "evergreen", str(article_id), "--off")
    assert kept.returncode == 0 and "kept out of evergreen reshares" in kept.stdout, kept.stderr
    assert "kept out" in run("evergreen", "--eligible").stdout
    unsaid = run("articles", "evergreen", str(article_id))
    assert unsaid.returncode == 2 and "give --on" in unsaid.stderr
    back = run("articles", "evergreen", str(article_id), "--on")
    assert back.returncode == 0 and "may reshare it again" in back.stdout
    missing = run("articles", "evergreen", "999999", "--off")
    assert missing.returncode == 1 and "there is no article 999999" in missing.stderr
    off = run("accounts", "evergreen", "outbox", "--off")
    assert off.returncode == 0 and "evergreen off" in off.stdout
    with db.session_scope(url) as session:
        assert "evergreen" not in session.scalars(select(Account)).one().options

    import celeryconfig
    from scheduler import tasks

    assert celeryconfig.beat_schedule["evergreen"]["task"] == tasks.fill_evergreen.name
    assert celeryconfig.beat_schedule["evergreen"]["schedule"] == 3600.0


def test_an_article_kept_out_of_evergreen_is_listed_as_such_and_never_reshared(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        city = add_account(session, "city", "outbox", "Europe/London", {"slots": SLOTS})
        add_account(session, "metro", "outbox", "Europe/London", {"slots": SLOTS})
        evergreen.set_evergreen(session, "city", 30, card=None, templates_dir=TEMPLATES)
        obituary = story(session, "An obituary", quotes=False)
        shared(session, obituary, city, 90)
        later = story(session, "A feature", quotes=False)
        shared(session, later, city, 40)
        recent = story(session, "Yesterday's story", quotes=False)
        shared(session, recent, city, 1)

        kept = evergreen.set_article_evergreen(session, obituary.id, on=False, now=NOW)
        assert kept.evergreen_off_at == NOW
        # Turned off twice: the first time is kept.
        evergreen.set_article_evergreen(session, obituary.id, on=False, now=NOW + timedelta(hours=1))
        assert obituary.evergreen_off_at == NOW
        listed = evergreen.candidates(session, city, NOW)
        assert [(c.title, c.kept_out, c.again_from - c.last_shared) for c in listed] == [
            ("An obituary", True, timedelta(days=30)),
            ("A feature", False, timedelta(days=30)),
            ("Yesterday's story", False, timedelta(days=30)),
        ]
        assert (
            evergreen.candidates(session, session.scalars(select(Account).filter_by(name="metro")).one(), NOW)
            == []
        )

        made = evergreen.fill_free_slots(session, NOW, TEMPLATES)
        assert [p.article_id for p in made] == [later.id]  # the obituary, older, is passed over

        evergreen.set_article_evergreen(session, obituary.id, on=True, now=NOW)
        assert obituary.evergreen_off_at is None
        assert [p.article_id for p in evergreen.fill_free_slots(session, NOW, TEMPLATES)] == [obituary.id]
        with pytest.raises(newsroom.NewsroomError, match="there is no article 999999"):
            evergreen.set_article_evergreen(session, 999999, on=False, now=NOW)
