"""Campaigns: campaign files, planning every step of an article onto accounts, on both databases."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler import db, newsroom
from scheduler.articles.text import parse_text
from scheduler.config import get_settings
from scheduler.demo.data import REFERENCE_URL
from scheduler.models import Account, Article, CardState, FeedItem, Post, PostState, utcnow
from scheduler.newsroom import campaigns
from scheduler.newsroom.accounts import add_account
from scheduler.newsroom.articles import store_article
from scheduler.newsroom.campaigns import plan_campaign
from scheduler.newsroom.feeds import add_feed
from scheduler.newsroom.polling import poll_feed
from scheduler.newsroom.posts import schedule_post
from scheduler.planning import calendar
from scheduler.planning.campaigns import CampaignError, load_campaign, parse_when
from scheduler.render import RenderError
from tests.command import run
from tests.conftest import REFERENCE_ARTICLE
from tests.httpserver import LocalServer
from tests.newsroom.test_polling import Item, Sessions, serve_feed, sessions  # noqa: F401  (a fixture)

REPO_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
LONDON_SLOTS = "mon-sun 09:00,12:30,17:30"
NEW_YORK_SLOTS = "mon-fri 08:30,12:15,17:45; sat,sun 10:00"
# A Thursday: +7 days passes the US change to daylight time (8 March), +30 days the UK's (29 March).
NOW = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fresh_calendars() -> Iterator[None]:
    calendar.forget_calendars()
    yield
    calendar.forget_calendars()


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    """A copy of the repository's templates, for campaigns of a test's own."""
    copy = tmp_path / "templates"
    shutil.copytree(REPO_TEMPLATES, copy)
    return copy


def campaign_file(templates: Path, name: str, text: str) -> Path:
    path = templates / "campaigns" / f"{name}.yml"
    path.write_text(text)
    return path


def reference(session: Session, title: str | None = None) -> Article:
    parsed = parse_text(REFERENCE_ARTICLE.read_text(), canonical_url=REFERENCE_URL)
    if title is not None:
        parsed = type(parsed)(
            **{**parsed.__dict__, "title": title, "canonical_url": f"{REFERENCE_URL}/{title}"}
        )
    return store_article(session, parsed)


def local(post: Post) -> datetime:
    return post.due_at.astimezone(ZoneInfo(post.account.timezone)).replace(tzinfo=None)


def test_the_default_campaign_on_the_reference_article_for_two_accounts_in_two_zones(
    database_url: str,
) -> None:
    with db.session_scope(database_url) as session:
        london = add_account(session, "london", "outbox", "Europe/London", {"slots": LONDON_SLOTS})
        new_york = add_account(session, "newyork", "x", "America/New_York", {"slots": NEW_YORK_SLOTS})
        article = reference(session)
        returned = plan_campaign(
            session, article, [london, new_york], "default", templates_dir=REPO_TEMPLATES, now=NOW
        )
        assert [(p.account.name, p.campaign_step) for p in returned] == [
            ("london", 1),
            ("london", 2),
            ("london", 3),
            ("london", 4),
            ("newyork", 1),
            ("newyork", 2),
            ("newyork", 3),
            ("newyork", 4),
        ]
        article_id = article.id

    with db.session_scope(database_url) as session:
        posts = list(session.scalars(select(Post).order_by(Post.account_id, Post.campaign_step)))
        assert len(posts) == 8  # one part each: no threads
        by_account = {name: [p for p in posts if p.account.name == name] for name in ("london", "newyork")}
        for name, expected in {
            # The first free slot after now, after now + 2 days, + 7 days and + 30 days (local calendar days),
            # as wall-clock times in the account's zone.
            "london": [
                datetime(2026, 3, 5, 12, 30),
                datetime(2026, 3, 7, 12, 30),
                datetime(2026, 3, 12, 12, 30),
                datetime(2026, 4, 4, 12, 30),  # BST by then: 11:30 UTC
            ],
            "newyork": [
                datetime(2026, 3, 5, 8, 30),
                datetime(2026, 3, 7, 10, 0),  # a Saturday: its one slot
                datetime(2026, 3, 12, 8, 30),  # EDT by then: 12:30 UTC
                datetime(2026, 4, 4, 10, 0),
            ],
        }.items():
            mine = by_account[name]
            assert [local(p) for p in mine] == expected, name
            assert [p.step for p in mine] == ["announce", "quote", "quote", "reshare"]
            assert {p.campaign for p in mine} == {"default"} and [p.campaign_step for p in mine] == [
                1,
                2,
                3,
                4,
            ]
            assert {p.state for p in mine} == {PostState.SCHEDULED}
            assert all(p.due_at == p.scheduled_for and p.article_id == article_id for p in mine)
            # Cards on the quote steps only, waiting for the cards queue.
            assert [(p.card_template, p.card_state) for p in mine] == [
                (None, None),
                ("quote", CardState.PENDING),
                ("quote", CardState.PENDING),
                (None, None),
            ]
            assert all(p.card_size == "1200x675" for p in mine[1:3])
            # The best quote, then the next best with a known speaker: two different quotes.
            first, second = mine[1].quote, mine[2].quote
            assert first is not None and second is not None
            assert (first.rank, second.rank) == (1, 2) and first.speaker and second.speaker
            assert first.text[:40] in mine[1].text and second.text[:40] in mine[2].text
            assert mine[0].quote_id is None and mine[3].quote_id is None
            assert len({local(p).date() for p in mine}) == 4  # never two on one local day
        assert by_account["newyork"][2].due_at == datetime(2026, 3, 12, 12, 30, tzinfo=UTC)
        assert by_account["london"][3].due_at == datetime(2026, 4, 4, 11, 30, tzinfo=UTC)
        assert REFERENCE_URL in by_account["london"][0].text and "utm_campaign=default" in posts[0].text


def test_taken_slots_budgets_and_the_article_s_own_days_push_steps_later(
    database_url: str, templates: Path
) -> None:
    campaign_file(
        templates,
        "twice",
        "steps:\n"
        "  - {step: announce, when: next slot, card: false}\n"
        "  - {step: quote, when: +1 hours next slot, card: headline}\n"
        "  - {step: reshare, when: +1 hours next slot, card: false, same_day: true}\n",
    )
    with db.session_scope(database_url) as session:
        city = add_account(
            session,
            "city",
            "outbox",
            "Europe/London",
            {"slots": "mon-sun 09:00,09:30,12:30,17:30", "budget": {"min_gap_minutes": 60, "max_per_day": 3}},
        )
        other = reference(session, "Another story")
        # 12:30 is held; 17:30 is not a slot's neighbour, but a post at 17:10 keeps 17:30 out of the gap.
        for hour, minute in ((12, 30), (17, 10)):
            at = datetime(2026, 3, 5, hour, minute, tzinfo=UTC)
            schedule_post(session, other, city, due_at=at, templates_dir=templates)
        article = reference(session)
        posts = plan_campaign(session, article, [city], "twice", templates_dir=templates, now=NOW)
        times = [local(p) for p in posts]
        # Thursday: 12:30 held, 17:30 within 60 min of 17:10 → Friday 09:00 for the announce. The quote
        # may not share Friday with it: Saturday 09:00. The reshare may (same_day), but not within the
        # 60-minute gap of the quote: Saturday 12:30.
        assert times == [datetime(2026, 3, 6, 9, 0), datetime(2026, 3, 7, 9, 0), datetime(2026, 3, 7, 12, 30)]
        assert [p.card_template for p in posts] == [None, "headline", None]

        # A day's limit: three posts on Saturday already, so the next plan's announce skips it.
        third = reference(session, "Third story")
        schedule_post(
            session, third, city, due_at=datetime(2026, 3, 7, 17, 30, tzinfo=UTC), templates_dir=templates
        )
        fourth = reference(session, "Fourth story")
        later = plan_campaign(
            session, fourth, [city], "twice", templates_dir=templates, now=datetime(2026, 3, 7, 8, tzinfo=UTC)
        )
        assert local(later[0]) == datetime(2026, 3, 8, 9, 0)
        taken = session.execute(select(Post.account_id, Post.scheduled_for)).all()
        assert len(taken) == len(set(taken))


def test_a_step_needing_a_quote_is_skipped_when_none_is_left_and_a_campaign_is_planned_once(
    database_url: str,
) -> None:
    text = (
        "Council approves the ring road plan\n\n"
        "The council voted on Tuesday to approve the plan after a long debate.\n\n"
        "“We have waited a decade for this and I am proud that we finally listened,” said Ana Ruiz, "
        "the council leader.\n\n"
        "The plan will be funded from the capital budget over three years."
    )
    with db.session_scope(database_url) as session:
        city = add_account(session, "city", "outbox", "Europe/London", {"slots": LONDON_SLOTS})
        article = store_article(session, parse_text(text, canonical_url="https://news.example/ring"))
        assert len([q for q in article.quotes if q.speaker]) == 1
        planned = campaigns.plan(
            session,
            article,
            [city],
            load_campaign(REPO_TEMPLATES, "default"),
            templates_dir=REPO_TEMPLATES,
            now=NOW,
        )
        assert [p.step for p in planned.posts] == ["announce", "quote", "reshare"]
        assert [(s.account, s.step.number, s.step.step) for s in planned.skipped] == [("city", 3, "quote")]
        assert "no pull quote with a known speaker" in planned.skipped[0].reason
        with pytest.raises(newsroom.NewsroomError, match="has the campaign 'default' on 'city' already"):
            plan_campaign(session, article, [city], "default", templates_dir=REPO_TEMPLATES, now=NOW)


def test_a_kept_calendar_sees_posts_added_elsewhere_before_it_chooses(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        city = add_account(session, "city", "outbox", "Europe/London", {"slots": LONDON_SLOTS})
        first = reference(session, "First story")
        plan_campaign(session, first, [city], "default", templates_dir=REPO_TEMPLATES, now=NOW)
        second = reference(session, "Second story")
    # Another process takes the slot the kept calendar would give next (Thursday 17:30), and the one after.
    with db.session_scope(database_url) as session:
        city = session.scalars(select(Account).where(Account.name == "city")).one()
        for at in (datetime(2026, 3, 5, 17, 30, tzinfo=UTC), datetime(2026, 3, 6, 9, 0, tzinfo=UTC)):
            schedule_post(session, second, city, due_at=at, templates_dir=REPO_TEMPLATES)
    with db.session_scope(database_url) as session:
        city = session.scalars(select(Account).where(Account.name == "city")).one()
        third = reference(session, "Third story")
        posts = plan_campaign(session, third, [city], "default", templates_dir=REPO_TEMPLATES, now=NOW)
        assert local(posts[0]) == datetime(2026, 3, 6, 12, 30)
        held = session.execute(
            select(Post.scheduled_for, func.count())
            .where(Post.account_id == city.id)
            .group_by(Post.scheduled_for)
        ).all()
        assert all(count == 1 for _, count in held)


def test_an_article_published_later_or_under_embargo_starts_its_campaign_then(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        city = add_account(session, "city", "outbox", "Europe/London", {"slots": LONDON_SLOTS})
        article = reference(session)
        article.embargo_until = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
        posts = plan_campaign(session, article, [city], "default", templates_dir=REPO_TEMPLATES, now=NOW)
        assert [local(p).date() for p in posts] == [
            date(2026, 3, 9),
            date(2026, 3, 11),
            date(2026, 3, 16),
            date(2026, 4, 8),
        ]


def test_on_publish_and_exact_times(templates: Path, database_url: str) -> None:
    campaign_file(
        templates,
        "launch",
        "name: launch\n"
        "description: At publication, then the next evening.\n"
        "steps:\n"
        "  - step: announce\n    when: on publish\n    card: false\n"
        "  - step: quote\n    when: +1 days at 19:15\n    card: quote\n    quote: 2\n",
    )
    with db.session_scope(database_url) as session:
        city = add_account(session, "city", "outbox", "America/New_York", {"slots": NEW_YORK_SLOTS})
        article = reference(session)
        article.published_at = datetime(2026, 3, 7, 23, 0, tzinfo=UTC)  # 18:00 EST on Saturday
        posts = plan_campaign(session, article, [city], "launch", templates_dir=templates, now=NOW)
        assert posts[0].due_at == datetime(2026, 3, 7, 23, 0, tzinfo=UTC)
        # Sunday 8 March, the day clocks go forward: 19:15 EDT.
        assert local(posts[1]) == datetime(2026, 3, 8, 19, 15)
        assert posts[1].quote is not None and posts[1].quote.rank == 2


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("steps: [{step: tweet, when: next slot, card: false}]", "step 1: unknown step 'tweet'; use one of"),
        ("steps: [{step: announce, when: soonish, card: false}]", "step 1: cannot read when 'soonish'"),
        ("steps: [{step: announce, when: on, card: false}]", "step 1: cannot read when True"),
        (
            "steps:\n  - {step: announce, when: next slot}\n"
            "  - {step: quote, when: +2 days next slot, card: poster}",
            "step 2: unknown card template 'poster'; use false or one of breaking, headline, quote",
        ),
        ("steps: [{step: announce, when: next slot, cards: quote}]", "step 1: unknown key(s) cards"),
        ("steps: [{step: quote, when: next slot, quote: first}]", "step 1: `quote` is the quote's rank"),
        ("steps: [{step: quote, when: next slot, same_day: maybe}]", "step 1: `same_day` is true or false"),
        ("steps: [{step: quote, when: next slot, card_size: square}]", "step 1: card_size without a card"),
        ("steps: [{step: quote, when: +3 hours at 09:00}]", "'at HH:MM' goes with days or weeks"),
        ("steps: [{step: quote, when: +1 days at 25:00}]", "'25:00' is not a time of day"),
        ("steps: [{step: announce, card: false}]", "step 1: say when with `when:`"),
        ("steps: []", "`steps` must be a list of at least one step"),
        (
            "name: other\nsteps: [{step: announce, when: next slot}]",
            "name 'other' differs from the file's name",
        ),
        ("steps: [{step: announce, when: next slot}\n", "line 2: not valid YAML"),
        ("- just a list", "write a mapping with `name`, `description` and `steps`"),
    ],
)
def test_campaign_file_errors_name_the_file_the_step_and_the_problem(
    templates: Path, text: str, problem: str
) -> None:
    path = campaign_file(templates, "broken", text)
    with pytest.raises(CampaignError) as raised:
        load_campaign(templates, "broken")
    assert str(raised.value).startswith(str(path)) and problem in str(raised.value)


def test_campaign_names_and_missing_files(templates: Path) -> None:
    with pytest.raises(CampaignError, match=r"no campaign 'nope': add .*nope\.yml \(campaigns: default\)"):
        load_campaign(templates, "nope")
    with pytest.raises(CampaignError, match=r"campaign name '\.\./default'"):
        load_campaign(templates, "../default")


def test_when_grammar() -> None:
    assert parse_when("on publish").kind == "publish"
    assert parse_when("Next  Slot").kind == "slot" and parse_when("next slot").offset == timedelta(0)
    assert parse_when("+2 days next slot").calendar_days == 2
    assert parse_when("+1 week next slot").calendar_days == 7
    hours = parse_when("+6 hours next slot")
    assert (hours.offset, hours.calendar_days) == (timedelta(hours=6), 0)
    at = parse_when("+2 weeks at 7:45")
    assert (at.kind, at.calendar_days, at.clock and at.clock.isoformat()) == ("at", 14, "07:45:00")


def test_the_default_campaign_file_is_what_the_issue_asks_for() -> None:
    campaign = load_campaign(REPO_TEMPLATES, "default")
    assert [(s.step, s.when.text, s.card) for s in campaign.steps] == [
        ("announce", "next slot", None),
        ("quote", "+2 days next slot", "quote"),
        ("quote", "+7 days next slot", "quote"),
        ("reshare", "+30 days next slot", None),
    ]


def test_add_with_a_campaign_through_the_cli_plans_every_step_for_every_account(
    isolated_settings: Path,
) -> None:
    url = f"sqlite:///{isolated_settings / 'scheduler.db'}"
    assert run("init").returncode == 0
    for name, zone in (("london", "Europe/London"), ("newyork", "America/New_York")):
        added = run("accounts", "add", "outbox", name, "--timezone", zone)
        assert added.returncode == 0, added.stderr

    article = str(REFERENCE_ARTICLE)
    planned = run(
        "add", article, "--url", REFERENCE_URL, "--campaign", "default", "--account", "london,newyork"
    )
    assert planned.returncode == 0, planned.stderr
    assert "campaign 'default': 8 post(s) planned for london, newyork" in planned.stdout
    rows = [line.split() for line in planned.stdout.splitlines() if line[:1].isdigit()]
    assert [(row[1], row[2], row[3]) for row in rows] == [
        (name, str(step), kind)
        for name in ("london", "newyork")
        for step, kind in enumerate(("announce", "quote", "quote", "reshare"), start=1)
    ]
    with db.session_scope(url) as session:
        posts = list(session.scalars(select(Post).order_by(Post.id)))
        assert len(posts) == 8 and {p.campaign for p in posts} == {"default"}
        assert session.scalar(select(func.count(Article.id))) == 1

    listing = run("posts")
    assert listing.returncode == 0 and len(listing.stdout.strip().splitlines()) == 9
    for step, kind in enumerate(("announce", "quote", "quote", "reshare"), start=1):
        assert listing.stdout.count(f"default {step}: {kind}") == 2, listing.stdout

    again = run("add", article, "--url", REFERENCE_URL, "--campaign", "default", "--account", "london")
    assert again.returncode == 1 and "has the campaign 'default' on 'london' already" in again.stderr
    mixed = run("add", article, "--campaign", "default", "--now", "--card", "quote")
    assert mixed.returncode == 1 and "leave out --now, --card" in mixed.stderr
    unknown = run("add", article, "--campaign", "nope")
    assert unknown.returncode == 1 and "no campaign 'nope'" in unknown.stderr
    with db.session_scope(url) as session:
        assert session.scalar(select(func.count(Post.id))) == 8

    # Several accounts without a campaign: one post each, from --account given twice.
    both = run("add", article, "--account", "london", "--account", "newyork", "--at", "2030-01-01 09:00")
    assert both.returncode == 0, both.stderr
    assert "for 'london' scheduled at 2030-01-01 09:00:00 GMT" in both.stdout
    assert "for 'newyork' scheduled at 2030-01-01 09:00:00 EST" in both.stdout

    # A feed checks its campaign before anything is fetched.
    feed = run("feeds", "add", "https://news.example/feed.xml", "--accounts", "london", "--campaign", "nope")
    assert feed.returncode == 1 and "no campaign 'nope'" in feed.stderr

    shown = run("campaigns", "show", "default")
    assert shown.returncode == 0 and "+7 days next slot" in shown.stdout


def test_feeds_accept_an_existing_campaign_and_refuse_an_unknown_one(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", database_url)
    get_settings.cache_clear()
    with db.session_scope(database_url) as session:
        add_account(session, "city", "outbox", "Europe/London")
        feed = add_feed(session, "https://news.example/feed.xml", ["city"], campaign="default")
        assert feed.campaign == "default"
        with pytest.raises(newsroom.NewsroomError, match="no campaign 'weekly'"):
            add_feed(session, "https://news.example/other.xml", ["city"], campaign="weekly")


def test_a_feed_with_a_campaign_plans_it_for_each_new_item(
    sessions: Sessions,  # noqa: F811  (the feed tests' fixture: two London accounts)
    http_server: LocalServer,
) -> None:
    now = utcnow()
    items = [
        Item("a", "https://news.example/a", "New cycle lanes for the ring road", timedelta(hours=2), True)
    ]
    url = serve_feed(http_server, items, etag='"v1"', now=now)
    with sessions() as session:
        feed_id = add_feed(session, url, ["city", "metro"], campaign="default").id

    report = poll_feed(sessions, feed_id, now=now)

    assert report.error is None and report.items == {"scheduled": 1}
    with sessions() as session:
        posts = list(session.scalars(select(Post).order_by(Post.account_id, Post.campaign_step)))
        assert sorted(report.post_ids) == sorted(p.id for p in posts)
        for name in ("city", "metro"):
            mine = [p for p in posts if p.account.name == name]
            assert [(p.campaign, p.campaign_step, p.step) for p in mine] == [
                ("default", 1, "announce"),
                ("default", 2, "quote"),
                ("default", 3, "quote"),
                ("default", 4, "reshare"),
            ]
            assert mine[0].due_at > now and mine[1].due_at - now >= timedelta(days=2)
            assert mine[3].due_at - now >= timedelta(days=30)
            assert len({p.due_at.astimezone(ZoneInfo("Europe/London")).date() for p in mine}) == 4
        item = session.scalars(select(FeedItem)).one()
        assert (item.outcome, item.detail) == ("scheduled", "8 post(s)")


def test_a_step_whose_template_makes_a_thread_is_planned_as_one_linked_thread(
    templates: Path, database_url: str
) -> None:
    """The insert numbers the parts first when a step is a thread, so each reply names the part before."""
    (templates / "posts" / "outbox").mkdir(exist_ok=True)
    (templates / "posts" / "outbox" / "announce.txt.j2").write_text(
        "{{ article.title }}\n---\nMore in the story.\n---\n{{ article.url }}\n"
    )
    with db.session_scope(database_url) as session:
        city = add_account(session, "city", "outbox", "Europe/London", {"slots": LONDON_SLOTS})
        desk = add_account(session, "desk", "outbox", "Europe/London", {"slots": LONDON_SLOTS})
        article = reference(session)
        planned = campaigns.plan(
            session,
            article,
            [city, desk],
            load_campaign(templates, "default"),
            templates_dir=templates,
            now=NOW,
        )
        announces = [p for p in planned.posts if p.step == "announce"]
        assert len(announces) == 2
        for first in announces:
            parts = [session.get(Post, first.id)]
            while reply := session.scalars(select(Post).where(Post.thread_parent_id == parts[-1].id)).first():
                parts.append(reply)
            assert [p.thread_index for p in parts] == [0, 1, 2]
            assert parts[1].text == "More in the story." and parts[0].text == first.text
            assert {p.due_at for p in parts} == {first.due_at} and {p.account_id for p in parts} == {
                first.account.id
            }
        others = [p for p in planned.posts if p.step != "announce"]
        assert others and all(session.get(Post, p.id).thread_index == 0 for p in others)


def plan_titles(url: str, titles: list[str], *, many: bool) -> list[tuple[str, str, int, datetime]]:
    """Plan the default campaign for each title on two accounts, with plan_many or with plan one by one;
    (title, account, step, due) of every post."""
    calendar.forget_calendars()
    with db.session_scope(url) as session:
        slots = {"slots": "mon-sun 08:00,10:00,12:00,14:00,16:00,18:00,20:00"}
        city = add_account(session, "city", "outbox", "Europe/London", slots)
        desk = add_account(session, "desk", "outbox", "America/New_York", slots)
        articles = [reference(session, title) for title in titles]
        campaign = load_campaign(REPO_TEMPLATES, "default")
        if many:
            plans = campaigns.plan_many(
                session,
                [(a, [city, desk]) for a in articles],
                campaign,
                templates_dir=REPO_TEMPLATES,
                now=NOW,
            )
        else:
            plans = [
                campaigns.plan(session, a, [city, desk], campaign, templates_dir=REPO_TEMPLATES, now=NOW)
                for a in articles
            ]
        titles_by_id = {a.id: a.title for a in articles}
        placed = []
        for plan in plans:
            for planned in plan.posts:
                post = session.get(Post, planned.id)
                assert post is not None and post.text == planned.text and post.due_at == planned.due_at
                placed.append(
                    (titles_by_id[post.article_id], post.account.name, planned.campaign_step, post.due_at)
                )
        return placed


def test_plan_many_places_what_plan_places_one_article_after_another(
    database_url: str, tmp_path: Path
) -> None:
    titles = [f"story {n}" for n in range(campaigns.PLAN_MANY_GROUP + 7)]  # two groups
    many = plan_titles(database_url, titles, many=True)
    other = f"sqlite:///{tmp_path / 'one-by-one.db'}"
    db.upgrade_schema(other)
    one_by_one = plan_titles(other, titles, many=False)
    assert len(many) == len(titles) * 2 * 4
    assert many == one_by_one


def test_plan_many_plans_again_around_a_post_added_elsewhere_meanwhile(database_url: str) -> None:
    """A kept calendar misses a post another process added: the check finds it, and the group is planned
    again from calendars read anew, so no two posts share the slot."""
    calendar.forget_calendars()
    with db.session_scope(database_url) as session:
        city = add_account(session, "city", "outbox", "Europe/London", {"slots": LONDON_SLOTS})
        campaign = load_campaign(REPO_TEMPLATES, "default")
        first = reference(session, "first")
        campaigns.plan(session, first, [city], campaign, templates_dir=REPO_TEMPLATES, now=NOW)
        taken = {p.due_at for p in session.scalars(select(Post))}
        # The next free slot after NOW, as the kept calendar sees it: another process takes it.
        elsewhere = calendar.kept_calendars(session, [city])[city.id].first_free(
            after=NOW, until=NOW + timedelta(days=30)
        )
        assert isinstance(elsewhere, datetime) and elsewhere not in taken
        session.add(Post(account=city, text="by hand", due_at=elsewhere, scheduled_for=elsewhere))
        session.flush()
        second = reference(session, "second")
        [planned] = campaigns.plan_many(
            session, [(second, [city])], campaign, templates_dir=REPO_TEMPLATES, now=NOW
        )
        assert planned.posts and elsewhere not in {p.due_at for p in planned.posts}
        assert planned.posts[0].due_at > elsewhere
        dues = list(session.scalars(select(Post.due_at)))
        assert len(dues) == len(set(dues))


def test_plan_many_leaves_nothing_written_when_a_later_group_fails(
    templates: Path, database_url: str
) -> None:
    """The second group's render fails while the first group's insert is under way (on PostgreSQL, in
    its own thread): the error comes out whole, and rolling back leaves no post behind."""
    failing = f"story {campaigns.PLAN_MANY_GROUP + 3}"
    announce = templates / "posts" / "default" / "announce.txt.j2"
    announce.write_text(
        f'{{% if article.title == "{failing}" %}}{{{{ 1 / 0 }}}}{{% endif %}}' + announce.read_text()
    )
    titles = [f"story {n}" for n in range(campaigns.PLAN_MANY_GROUP + 7)]
    with db.session_scope(database_url) as session:
        city = add_account(session, "city", "outbox", "Europe/London", {"slots": LONDON_SLOTS})
        articles = [reference(session, title) for title in titles]
    failed = r"announce\.txt\.j2, line 1: this cannot be worked out \(division by zero\)"
    with pytest.raises(RenderError, match=failed), db.session_scope(database_url) as session:
        campaigns.plan_many(
            session,
            [(session.get_one(Article, a.id), [session.get_one(Account, city.id)]) for a in articles],
            load_campaign(templates, "default"),
            templates_dir=templates,
            now=NOW,
        )
    with db.session_scope(database_url) as session:
        assert session.scalar(select(func.count(Post.id))) == 0
        # The connection the failed plan used works on.
        assert session.scalar(select(func.count(Article.id))) == len(titles)


def test_plan_many_refuses_an_article_asked_for_twice(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        city = add_account(session, "city", "outbox", "Europe/London", {"slots": LONDON_SLOTS})
        article = reference(session)
        campaign = load_campaign(REPO_TEMPLATES, "default")
        with pytest.raises(newsroom.NewsroomError, match=f"article {article.id} is asked for twice"):
            campaigns.plan_many(
                session,
                [(article, [city]), (article, [city])],
                campaign,
                templates_dir=REPO_TEMPLATES,
                now=NOW,
            )
        assert session.scalar(select(func.count(Post.id))) == 0
