"""What is planned across accounts (newsroom.agenda), on a real database: the filters, threads counted
once, free slots that no post holds and the budget allows, and the refusals that name the filter."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy.orm import Session

from scheduler import db
from scheduler.models import Account, Post, PostState
from scheduler.newsroom import NewsroomError
from scheduler.newsroom.accounts import add_account
from scheduler.newsroom.agenda import Filters, agenda, on_a_slot
from scheduler.planning.wallclock import local_to_utc, zone
from tests.newsroom.test_editing import NOW, post_at, thread


def accounts(session: Session) -> tuple[Account, Account, Account]:
    """Three accounts on two networks; London's slots at 09:00 and 17:00 every day, 30 minutes apart."""
    london = add_account(
        session,
        "london",
        "outbox",
        "Europe/London",
        {"slots": "mon-sun 09:00,17:00", "budget": {"min_gap_minutes": 30, "max_per_day": 10}},
    )
    york = add_account(session, "york", "mastodon", "America/New_York", {"slots": "mon-sun 12:00"})
    paris = add_account(session, "paris", "outbox", "Europe/Paris")
    return london, york, paris


def test_posts_of_every_account_in_the_range_by_time_with_threads_counted_once(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        london, york, paris = accounts(session)
        first = post_at(session, york, 5, campaign="breaking")
        chain = thread(session, london, 2, parts=3)
        post_at(session, paris, 30, state=PostState.PUBLISHED)
        post_at(session, paris, 24 * 60)  # far outside the range
        found = agenda(session, start=NOW, end=NOW + timedelta(days=2), now=NOW)
        assert [(p.id, p.account, p.parts) for p in found.posts] == [
            (chain[0].id, "london", 3),
            (first.id, "york", 1),
            (found.posts[2].id, "paris", 1),
        ]
        assert found.posts[1].campaign == "breaking" and found.posts[1].network == "mastodon"
        assert found.free == []  # not asked for


def test_the_filters_keep_accounts_networks_campaigns_and_states(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        london, york, paris = accounts(session)
        a = post_at(session, london, 2, campaign="breaking")
        b = post_at(session, york, 3, campaign="evergreen")
        c = post_at(session, paris, 4, state=PostState.DRAFT)

        def ids(filters: Filters) -> list[int]:
            found = agenda(session, start=NOW, end=NOW + timedelta(days=1), filters=filters, now=NOW)
            return [p.id for p in found.posts]

        assert ids(Filters(accounts=("york",))) == [b.id]
        assert ids(Filters(networks=("outbox",))) == [a.id, c.id]
        assert ids(Filters(campaigns=("breaking", "evergreen"))) == [a.id, b.id]
        assert ids(Filters(states=("draft",))) == [c.id]
        assert ids(Filters(networks=("outbox",), states=("scheduled",))) == [a.id]


def test_a_filter_naming_what_does_not_exist_is_refused_by_name(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        accounts(session)
        end = NOW + timedelta(days=1)
        with pytest.raises(NewsroomError, match="no account named 'leeds'") as refused:
            agenda(session, start=NOW, end=end, filters=Filters(accounts=("leeds",)), now=NOW)
        assert refused.value.field == "account"
        with pytest.raises(NewsroomError, match="network 'myspace'"):
            agenda(session, start=NOW, end=end, filters=Filters(networks=("myspace",)), now=NOW)
        with pytest.raises(NewsroomError, match=r"unknown state 'sent'.*scheduled"):
            agenda(session, start=NOW, end=end, filters=Filters(states=("sent",)), now=NOW)
        with pytest.raises(NewsroomError, match="at most 45 days"):
            agenda(session, start=NOW, end=NOW + timedelta(days=90), now=NOW)
        with pytest.raises(NewsroomError, match="comes before its start"):
            agenda(session, start=end, end=NOW, now=NOW)


def test_free_slots_are_those_no_post_holds_and_the_budget_allows(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        london, _, _ = accounts(session)
        tz = zone("Europe/London")
        tomorrow = NOW.astimezone(tz).date() + timedelta(days=1)
        start, nine, five = (local_to_utc(datetime.combine(tomorrow, time(h)), tz) for h in (0, 9, 17))
        only_london = Filters(accounts=("london",))

        def free() -> list[tuple[str, datetime]]:
            found = agenda(
                session,
                start=start,
                end=start + timedelta(days=1),
                filters=only_london,
                now=NOW,
                free_slots=True,
            )
            return [(slot.account, slot.at) for slot in found.free]

        assert free() == [("london", nine), ("london", five)]
        # A post at 09:00 holds that slot; one at 16:45 puts 17:00 within the 30-minute gap.
        for at in (nine, five - timedelta(minutes=15)):
            session.add(
                Post(account=london, text="x", due_at=at, scheduled_for=at, state=PostState.SCHEDULED)
            )
        session.flush()
        assert free() == []
        assert on_a_slot(london, nine) and not on_a_slot(london, five - timedelta(minutes=15))


def test_no_slot_before_now_is_free(database_url: str) -> None:
    with db.session_scope(database_url) as session:
        accounts(session)
        found = agenda(
            session,
            start=NOW - timedelta(days=3),
            end=NOW,
            filters=Filters(accounts=("york",)),
            now=NOW,
            free_slots=True,
        )
        assert found.free == []
