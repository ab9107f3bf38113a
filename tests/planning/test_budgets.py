"""Posting budgets: the least gap between an account's posts and the most in its local day, kept when
posts are scheduled (--queue takes a slot that keeps them, --at and --now that break them are refused)
and again by the worker before a post goes out."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import db, networks, newsroom, publishing
from scheduler.articles.text import parse_text
from scheduler.config import Settings, get_settings
from scheduler.models import Account, Attempt, Post, PostState, utcnow
from scheduler.newsroom import accounts, posts
from scheduler.newsroom.posts import When, add_and_schedule, due_time
from scheduler.planning import PlanningError
from scheduler.planning.budgets import (
    DEFAULT_BUDGETS,
    Budget,
    BudgetError,
    Ledger,
    account_budget,
    budget_options,
    first_slot,
    sent_at,
)
from scheduler.planning.wallclock import local_to_utc, parse_slots, zone
from scheduler.publishing import Outcome
from tests.conftest import REFERENCE_ARTICLE
from tests.scripted_network import published_files

SETTINGS = Settings(lease_seconds=60, retry_backoff_seconds=30, max_attempts=3, requeue_after_seconds=30)
MIN = timedelta(minutes=1)
LONDON = zone("Europe/London")

Sessions = Callable[[], AbstractContextManager[Session]]


def at(text: str, tz_name: str = "Europe/London") -> datetime:
    return local_to_utc(datetime.fromisoformat(text), zone(tz_name))


# -- defaults and settings ---------------------------------------------------------------------------


def test_each_network_has_a_default_budget_within_its_documented_limits() -> None:
    for network in ("x", "mastodon", "bluesky", "outbox"):
        assert account_budget(network, {}) == DEFAULT_BUDGETS[network]
    # X Free tier: 17 posts per 24 hours per user.
    assert account_budget("x", None) == Budget(timedelta(minutes=20), 17)
    # Mastodon: 300 statuses per 3 hours; Bluesky: 11,666 creations a day. Both far above 48 a day.
    assert account_budget("mastodon", {}).max_per_day * 3 / 24 <= 300
    assert account_budget("bluesky", {}).max_per_day <= 11_666
    assert account_budget("outbox", {}).min_gap == timedelta(0)


def test_an_accounts_own_budget_overrides_only_what_it_sets() -> None:
    assert account_budget("x", {"budget": {"min_gap_minutes": 45}}) == Budget(timedelta(minutes=45), 17)
    assert account_budget("mastodon", {"budget": {"max_per_day": 5}}) == Budget(timedelta(minutes=10), 5)
    assert account_budget("nonesuch", {}) == DEFAULT_BUDGETS["outbox"]
    assert budget_options(30, None) == {"min_gap_minutes": 30}
    with pytest.raises(BudgetError, match="between 0 and 1440"):
        budget_options(-1, None)
    with pytest.raises(BudgetError, match="between 1 and 10000"):
        budget_options(None, 0)
    # Budget errors are planning errors: every face shows them as it shows a time it cannot use.
    assert issubclass(BudgetError, PlanningError)


# -- the rules, without a database ---------------------------------------------------------------------


def test_a_time_too_close_to_a_post_before_or_after_breaks_the_gap() -> None:
    ledger = Ledger(Budget(timedelta(minutes=20), 10), LONDON, [(at("2026-12-01 09:00"), 12)])
    assert ledger.breach(at("2026-12-01 09:20")) is None
    assert ledger.breach(at("2026-12-01 08:40")) is None
    after = ledger.breach(at("2026-12-01 09:05"))
    assert after is not None and after.other_id == 12 and after.short() == "5 min after post 12"
    before = ledger.breach(at("2026-12-01 08:45"))
    assert before is not None and before.short() == "15 min before post 12"
    assert ledger.breach(at("2026-12-01 09:00")).short() == "at the same time as post 12"
    # With no gap, posts may share a minute.
    assert (
        Ledger(Budget(timedelta(0), 10), LONDON, [(at("2026-12-01 09:00"), 1)]).breach(at("2026-12-01 09:00"))
        is None
    )


def test_the_most_a_day_counts_the_accounts_local_day_not_utcs() -> None:
    # Sydney, December (UTC+11): 23:00 and 23:30 local on the 1st are 12:00 and 12:30 UTC on the 1st;
    # 00:30 local on the 2nd is 13:30 UTC on the 1st, still UTC's same day but a new local day.
    ledger = Ledger(
        Budget(timedelta(0), 2),
        zone("Australia/Sydney"),
        [(at("2026-12-01 23:00", "Australia/Sydney"), 1), (at("2026-12-01 23:30", "Australia/Sydney"), 2)],
    )
    assert (
        ledger.breach(at("2026-12-01 09:00", "Australia/Sydney")).short()
        == "2 posts that day already (at most 2)"
    )
    assert ledger.breach(at("2026-12-02 00:30", "Australia/Sydney")) is None
    utc_day = Ledger(
        Budget(timedelta(0), 2),
        zone("UTC"),
        [(at("2026-12-01 23:00", "Australia/Sydney"), 1), (at("2026-12-01 23:30", "Australia/Sydney"), 2)],
    )
    assert utc_day.breach(at("2026-12-02 00:30", "Australia/Sydney")) is not None


def test_earliest_waits_out_the_gap_past_a_run_of_posts_and_a_full_day_until_local_midnight() -> None:
    gap = Budget(timedelta(minutes=20), 10)
    run = Ledger(
        gap, LONDON, [(at("2026-12-01 09:00"), 1), (at("2026-12-01 09:15"), 2), (at("2026-12-01 09:40"), 3)]
    )
    assert run.earliest(at("2026-12-01 09:05")) == at("2026-12-01 10:00")
    assert run.earliest(at("2026-12-01 10:30")) == at("2026-12-01 10:30")
    # New York, 7 March 2026: the day is full; the next one starts at local midnight (05:00 UTC).
    full = Ledger(
        Budget(timedelta(0), 2),
        zone("America/New_York"),
        [(at("2026-03-07 20:00", "America/New_York"), 1), (at("2026-03-07 21:00", "America/New_York"), 2)],
    )
    assert full.earliest(at("2026-03-07 22:00", "America/New_York")) == datetime(2026, 3, 8, 5, 0, tzinfo=UTC)


def test_first_slot_skips_slots_the_budget_rules_out() -> None:
    ledger = Ledger(Budget(timedelta(minutes=20), 3), LONDON, [(at("2026-12-01 09:00"), 1)])
    slots = parse_slots("mon-sun 09:00,09:10,09:30,10:00,11:00")
    after = at("2026-12-01 00:00")
    assert first_slot(slots, ledger, after=after, days=1, taken={at("2026-12-01 09:00")}) == at(
        "2026-12-01 09:30"
    )
    ledger.add(at("2026-12-01 09:30"), 2)
    ledger.add(at("2026-12-01 10:00"), 3)
    # The day is full: 11:00 is ruled out, the next day's first slot is not.
    assert first_slot(slots, ledger, after=after, days=1) == at("2026-12-02 09:00")


def test_a_post_that_went_out_on_time_counts_at_its_due_time_a_late_one_when_it_went() -> None:
    due = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert sent_at(due, due + timedelta(seconds=3)) == due
    assert sent_at(due, due + timedelta(hours=2)) == due + timedelta(hours=2)


# -- when posts are scheduled ------------------------------------------------------------------------


def add_account(
    url: str, name: str = "desk", network: str = "x", tz: str = "Europe/London", **options: Any
) -> int:
    with db.session_scope(url) as session:
        return accounts.add_account(session, name, network, tz, options).id


def add_post(
    url: str, account_id: int, due: datetime, state: str = PostState.SCHEDULED, **values: Any
) -> int:
    with db.session_scope(url) as session:
        post = Post(account_id=account_id, text="x", state=state, due_at=due, scheduled_for=due, **values)
        session.add(post)
        session.flush()
        return post.id


def next_slot(url: str, account_id: int, after: datetime) -> datetime:
    with db.session_scope(url) as session:
        return posts.next_slot(session, session.get(Account, account_id), after=after)


def test_queue_takes_the_first_free_slot_that_keeps_the_gap_to_posts_before_and_after(
    database_url: str,
) -> None:
    # X's default: at least 20 minutes apart.
    desk = add_account(database_url, slots="mon-sun 09:00,09:10,09:30,09:50,10:30")
    after = at("2030-12-02 00:00")
    add_post(database_url, desk, at("2030-12-02 09:00"))
    assert next_slot(database_url, desk, after) == at("2030-12-02 09:30")
    add_post(database_url, desk, at("2030-12-02 09:30"))
    add_post(
        database_url, desk, at("2030-12-02 10:05")
    )  # an exact time, not on a slot: 09:50 is 15 min before
    assert next_slot(database_url, desk, after) == at("2030-12-02 10:30")
    # A canceled post holds nothing; a draft holds its time.
    add_post(database_url, desk, at("2030-12-02 10:20"), PostState.CANCELED)
    assert next_slot(database_url, desk, after) == at("2030-12-02 10:30")
    add_post(database_url, desk, at("2030-12-02 10:25"), PostState.DRAFT)
    assert next_slot(database_url, desk, after) == at("2030-12-03 09:00")


def test_queue_keeps_the_most_a_day_across_local_midnight(database_url: str) -> None:
    # New York in December is UTC-5: 20:00 and 21:00 local are 01:00 and 02:00 UTC the next day.
    ny = "America/New_York"
    desk = add_account(
        database_url,
        network="outbox",
        tz=ny,
        slots="mon-sun 09:00,20:00,21:00,22:00",
        budget={"max_per_day": 3},
    )
    for local in ("2030-12-02 09:00", "2030-12-02 20:00", "2030-12-02 21:00"):
        add_post(database_url, desk, at(local, ny))
    # 22:00 local would be the fourth post of Monday in New York (though only the second of Tuesday in UTC).
    assert next_slot(database_url, desk, at("2030-12-02 00:00", ny)) == at("2030-12-03 09:00", ny)


def test_a_thread_counts_once(database_url: str) -> None:
    desk = add_account(database_url, network="outbox", slots="mon-sun 09:00,10:00", budget={"max_per_day": 2})
    head = add_post(database_url, desk, at("2030-12-02 09:00"))
    for index in (1, 2):
        add_post(database_url, desk, at("2030-12-02 09:00"), thread_parent_id=head, thread_index=index)
    assert next_slot(database_url, desk, at("2030-12-02 00:00")) == at("2030-12-02 10:00")


def when_refused(url: str, account_id: int, when: When, now: datetime) -> str:
    with db.session_scope(url) as session, pytest.raises(newsroom.NewsroomError) as refused:
        due_time(session, when, session.get(Account, account_id), now=now)
    return str(refused.value)


def test_an_exact_time_that_breaks_the_budget_is_refused_naming_the_post_and_the_budget(
    database_url: str,
) -> None:
    desk = add_account(database_url)
    post_id = add_post(database_url, desk, at("2030-12-02 09:00"))
    now = at("2030-12-01 12:00")
    assert when_refused(database_url, desk, When(at="2030-12-02 09:05"), now) == (
        f"2030-12-02 09:05 (Europe/London) is 5 min after post {post_id} at 09:00; "
        "this account posts at least 20 min apart — "
        "choose another time or change the budget with `scheduler accounts budget desk`"
    )
    assert f"is 10 min before post {post_id} at 09:00;" in when_refused(
        database_url, desk, When(at="2030-12-02 08:50"), now
    )
    with db.session_scope(database_url) as session:
        account = session.get(Account, desk)
        assert due_time(session, When(at="2030-12-02 09:20"), account, now=now) == at("2030-12-02 09:20")


def test_a_full_day_refuses_another_exact_time_and_now(database_url: str) -> None:
    desk = add_account(database_url, network="outbox", budget={"max_per_day": 2, "min_gap_minutes": 30})
    for local in ("2030-12-02 08:00", "2030-12-02 10:00"):
        add_post(database_url, desk, at(local))
    message = when_refused(database_url, desk, When(at="2030-12-02 23:59"), at("2030-12-01 12:00"))
    assert message.startswith(
        "2030-12-02 23:59 (Europe/London): the account already has 2 posts on Mon 2030-12-02"
    )
    assert "choose another day or change the budget with `scheduler accounts budget desk`" in message
    # --now is checked too: at 07:45, a quarter of an hour before the first post.
    now_message = when_refused(database_url, desk, When(now=True), at("2030-12-02 07:45"))
    assert "is 15 min before post" in now_message and "at least 30 min apart" in now_message


def test_add_that_breaks_the_budget_stores_nothing(database_url: str) -> None:
    desk = add_account(database_url, network="outbox", budget={"min_gap_minutes": 60})
    add_post(database_url, desk, at("2030-12-02 09:00"))
    parsed = parse_text(REFERENCE_ARTICLE.read_text())
    with (
        pytest.raises(newsroom.NewsroomError, match="at least 60 min apart"),
        db.session_scope(database_url) as session,
    ):
        add_and_schedule(
            session,
            parsed,
            account_name="desk",
            when=When(at="2030-12-02 09:30"),
            templates_dir=get_settings().templates_dir,
        )
    with db.session_scope(database_url) as session:
        assert len(session.scalars(select(Post)).all()) == 1


# -- again at dispatch ---------------------------------------------------------------------------------


@pytest.fixture
def sessions(database_url: str) -> Sessions:
    return lambda: db.session_scope(database_url)


def daytime_zone(now: datetime) -> str:
    """A zone where `now` is well inside the local day, so that posts a few minutes old are on it."""
    for name in ("Europe/London", "Asia/Tokyo", "America/New_York", "Pacific/Auckland"):
        if 2 <= now.astimezone(zone(name)).hour <= 21:
            return name
    raise AssertionError("unreachable: those zones cover every hour")


def sent_post(url: str, account_id: int, due: datetime, went: datetime | None = None, **values: Any) -> int:
    return add_post(url, account_id, due, PostState.PUBLISHED, published_at=went or due, **values)


def load(url: str, post_id: int) -> tuple[Post, list[Attempt]]:
    with db.session_scope(url) as session:
        post = session.get(Post, post_id)
        attempts = list(session.scalars(select(Attempt).where(Attempt.post_id == post_id)))
        session.expunge_all()
        return post, attempts


def assert_held(url: str, post_id: int, until: datetime, why: str) -> None:
    post, attempts = load(url, post_id)
    assert post.state == PostState.SCHEDULED
    assert post.due_at == until
    assert post.attempt_count == 0 and attempts == [] and post.lease_token is None
    assert why in post.last_error


def test_dispatch_holds_a_post_too_soon_after_the_last_one_that_went_out(
    database_url: str, sessions: Sessions, tmp_path: Path
) -> None:
    outbox = tmp_path / "outbox"
    desk = add_account(database_url, network="outbox", folder=str(outbox), budget={"min_gap_minutes": 20})
    now = utcnow()
    last = sent_post(database_url, desk, now - 5 * MIN)
    queued = add_post(database_url, desk, now, PostState.QUEUED)
    result = publishing.publish(sessions, queued, networks.for_account, settings=SETTINGS)
    assert result.outcome is Outcome.NOT_CLAIMED and result.due_at == now + 15 * MIN
    assert_held(
        database_url,
        queued,
        now + 15 * MIN,
        f"at least 20 min apart, at most 1000 a day): 5 min after post {last}",
    )
    assert published_files(outbox) == []
    # The dispatcher leaves it until then, and claims it when it is due.
    with sessions() as session:
        assert publishing.dispatch_due(session, now=utcnow(), settings=SETTINGS) == []
    with sessions() as session:
        [claimed] = publishing.dispatch_due(session, now=now + 15 * MIN, settings=SETTINGS)
    assert claimed.post_id == queued and claimed.due_at == now + 15 * MIN


def test_dispatch_measures_a_late_post_from_when_it_went_out(
    database_url: str, sessions: Sessions, tmp_path: Path
) -> None:
    desk = add_account(database_url, network="outbox", folder=str(tmp_path), budget={"min_gap_minutes": 20})
    now = utcnow()
    # Due three hours ago, out two minutes ago (after a pause, say): the gap runs from when it went.
    sent_post(database_url, desk, now - 3 * 60 * MIN, went=now - 2 * MIN)
    queued = add_post(database_url, desk, now - 60 * MIN, PostState.QUEUED)
    publishing.publish(sessions, queued, networks.for_account, settings=SETTINGS)
    assert_held(database_url, queued, now + 18 * MIN, "2 min after post")


def test_dispatch_holds_a_post_on_a_full_local_day_until_the_next_one(
    database_url: str, sessions: Sessions, tmp_path: Path
) -> None:
    now = utcnow()
    tz_name = daytime_zone(now)
    desk = add_account(
        database_url, network="outbox", tz=tz_name, folder=str(tmp_path), budget={"max_per_day": 2}
    )
    for minutes in (60, 30):
        sent_post(database_url, desk, now - minutes * MIN)
    queued = add_post(database_url, desk, now, PostState.QUEUED)
    publishing.publish(sessions, queued, networks.for_account, settings=SETTINGS)
    tomorrow: date = now.astimezone(zone(tz_name)).date() + timedelta(days=1)
    assert_held(
        database_url,
        queued,
        local_to_utc(datetime.combine(tomorrow, time(0)), zone(tz_name)),
        "2 posts that day already (at most 2)",
    )


def test_dispatch_sends_a_post_that_keeps_the_budget_and_never_holds_a_threads_later_part(
    database_url: str, sessions: Sessions, tmp_path: Path
) -> None:
    outbox = tmp_path / "outbox"
    desk = add_account(database_url, network="outbox", folder=str(outbox), budget={"min_gap_minutes": 20})
    now = utcnow()
    sent_post(database_url, desk, now - 25 * MIN)
    head = add_post(database_url, desk, now, PostState.QUEUED)
    assert (
        publishing.publish(sessions, head, networks.for_account, settings=SETTINGS).outcome
        is Outcome.PUBLISHED
    )
    reply = add_post(database_url, desk, now, PostState.QUEUED, thread_parent_id=head, thread_index=1)
    assert (
        publishing.publish(sessions, reply, networks.for_account, settings=SETTINGS).outcome
        is Outcome.PUBLISHED
    )
    assert len(published_files(outbox)) == 2


def test_two_workers_with_two_posts_of_one_account_send_one_and_hold_the_other(
    database_url: str, sessions: Sessions, tmp_path: Path
) -> None:
    outbox = tmp_path / "outbox"
    desk = add_account(
        database_url, network="outbox", folder=str(outbox), delay_before=0.5, budget={"min_gap_minutes": 20}
    )
    now = utcnow()
    posts = [add_post(database_url, desk, now, PostState.QUEUED) for _ in range(2)]
    outcomes: dict[int, Outcome] = {}
    workers = [
        threading.Thread(
            target=lambda p=p: outcomes.__setitem__(
                p, publishing.publish(sessions, p, networks.for_account, settings=SETTINGS).outcome
            )
        )
        for p in posts
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(outcomes.values()) == sorted([Outcome.PUBLISHED, Outcome.NOT_CLAIMED])
    [sent] = [p for p, outcome in outcomes.items() if outcome is Outcome.PUBLISHED]
    [held] = [p for p in posts if p != sent]
    assert_held(database_url, held, now + 20 * MIN, f"at the same time as post {sent}")
    assert len(published_files(outbox)) == 1
