"""`scheduler accounts slots | budget | timezone` and `scheduler queue`, run as editors run them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from scheduler import db
from scheduler.models import Account, Post
from scheduler.newsroom.accounts import add_account
from scheduler.planning.wallclock import zone
from tests.command import run
from tests.conftest import REFERENCE_ARTICLE

SCHEDULE = "mon-fri 08:30,12:15,17:45; sat,sun 10:00"


# Each command costs a process start: most tests run on SQLite only, those that read and write posts
# through the new queries on PostgreSQL too.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """`scheduler init` done on the test's database; the CLI's database is that one."""
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", database_url)
    assert run("init").returncode == 0
    return database_url


def options(url: str, name: str) -> dict[str, object]:
    with db.session_scope(url) as session:
        return dict(session.scalar(select(Account.options).where(Account.name == name)))


def add(*args: str) -> str:
    added = run("add", str(REFERENCE_ARTICLE), *args)
    assert added.returncode == 0, added.stderr
    return added.stdout.split()[1]  # "post 3 for …"


@SQLITE_ONLY
def test_accounts_slots_shows_the_default_sets_a_schedule_and_refuses_a_bad_one(cli: str) -> None:
    shown = run("accounts", "slots", "outbox")
    assert shown.returncode == 0
    assert "outbox posts at these times in UTC: mon-sun 09:00,12:30,17:30" in shown.stdout
    assert "(the default" in shown.stdout

    changed = run("accounts", "slots", "outbox", "--set", SCHEDULE)
    assert changed.returncode == 0, changed.stderr
    assert options(cli, "outbox")["slots"] == SCHEDULE
    again = run("accounts", "slots", "outbox").stdout.splitlines()
    assert again[0] == f"outbox posts at these times in UTC: {SCHEDULE}"
    assert again[1:] == [
        "  mon  08:30 12:15 17:45",
        "  tue  08:30 12:15 17:45",
        "  wed  08:30 12:15 17:45",
        "  thu  08:30 12:15 17:45",
        "  fri  08:30 12:15 17:45",
        "  sat  10:00",
        "  sun  10:00",
    ]

    bad = run("accounts", "slots", "outbox", "--set", "mon-fry 09:00")
    assert bad.returncode == 1 and "cannot read the days 'mon-fry'" in bad.stderr
    assert options(cli, "outbox")["slots"] == SCHEDULE
    assert run("accounts", "slots", "outbox", "--default").returncode == 0
    assert "slots" not in options(cli, "outbox")
    unknown = run("accounts", "slots", "nobody")
    assert unknown.returncode == 1 and "no account named 'nobody'" in unknown.stderr


def test_accounts_budget_shows_the_network_default_until_set(cli: str) -> None:
    with db.session_scope(cli) as session:
        add_account(session, "desk-x", "x", "America/New_York")
    shown = run("accounts", "budget", "desk-x")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines() == [
        "desk-x (x): at least 20 min apart, at most 17 a day",
        "  min gap:      20 min  (x default)",
        "  max per day:  17  (x default)  (a day in America/New_York)",
    ]
    changed = run("accounts", "budget", "desk-x", "--min-gap", "45")
    assert changed.returncode == 0, changed.stderr
    assert changed.stdout.splitlines()[1:] == [
        "  min gap:      45 min",
        "  max per day:  17  (x default)  (a day in America/New_York)",
    ]
    assert run("accounts", "budget", "desk-x", "--max-per-day", "5").returncode == 0
    assert options(cli, "desk-x")["budget"] == {"min_gap_minutes": 45, "max_per_day": 5}
    bad = run("accounts", "budget", "desk-x", "--max-per-day", "0")
    assert bad.returncode == 1 and "between 1 and 10000" in bad.stderr
    assert options(cli, "desk-x")["budget"] == {"min_gap_minutes": 45, "max_per_day": 5}
    reset = run("accounts", "budget", "desk-x", "--default")
    assert reset.stdout.splitlines()[0] == "desk-x (x): at least 20 min apart, at most 17 a day"
    assert "budget" not in options(cli, "desk-x")
    outbox = run("accounts", "budget", "outbox").stdout.splitlines()
    assert outbox[:2] == [
        "outbox (outbox): no least gap, at most 1000 a day",
        "  min gap:      none  (outbox default)",
    ]


@SQLITE_ONLY
def test_accounts_timezone_moves_the_account_and_checks_the_zone(cli: str) -> None:
    moved = run("accounts", "timezone", "outbox", "Australia/Sydney")
    assert moved.returncode == 0 and "outbox now posts in Australia/Sydney" in moved.stdout
    assert run("accounts", "list").stdout.splitlines()[1].split() == ["outbox", "outbox", "Australia/Sydney"]
    bad = run("accounts", "timezone", "outbox", "Sydney")
    assert bad.returncode == 1 and "did you mean Australia/Sydney" in bad.stderr


def test_queue_lists_slots_with_their_posts_free_ones_and_ruled_out_ones_in_the_accounts_zone(
    cli: str,
) -> None:
    assert run("accounts", "add", "outbox", "ny", "--timezone", "America/New_York").returncode == 0
    assert run("accounts", "slots", "ny", "--set", SCHEDULE).returncode == 0
    assert run("accounts", "budget", "ny", "--min-gap", "60").returncode == 0
    # Friday 5 July 2030: one post on the 12:15 slot, one at an exact time 45 min before the 17:45 slot.
    on_slot = add("--account", "ny", "--at", "2030-07-05 12:15")
    off_slot = add("--account", "ny", "--at", "2030-07-05 17:00")
    weekend = add("--account", "ny", "--at", "2030-07-06 10:00")
    refused = run("add", str(REFERENCE_ARTICLE), "--account", "ny", "--at", "2030-07-05 12:45")
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        f"error: 2030-07-05 12:45 (America/New_York) is 30 min after post {on_slot} at 12:15; "
        "this account posts at least 60 min apart — "
        "choose another time or change the budget with `scheduler accounts budget ny`"
    )

    listed = run("queue", "ny", "--days", "3", "--from", "2030-07-05")
    assert listed.returncode == 0, listed.stderr
    lines = [line.rstrip() for line in listed.stdout.splitlines()]
    assert (
        lines[0]
        == f"ny (outbox, America/New_York): slots {SCHEDULE}; at least 60 min apart, at most 1000 a day"
    )
    text = "‘Optimistic’ Kim Kardashian meets with Donald Tru…"
    assert [" ".join(line.split()) for line in lines[1:]] == [
        "Fri 2030-07-05",
        "08:30 EDT slot free",
        f"12:15 EDT slot post {on_slot} announce scheduled {text}",
        f"17:00 EDT at post {off_slot} announce scheduled {text}",
        f"17:45 EDT slot ruled out by the budget: 45 min after post {off_slot}",
        "Sat 2030-07-06",
        f"10:00 EDT slot post {weekend} announce scheduled {text}",
        "Sun 2030-07-07",
        "10:00 EDT slot free",
    ]


@SQLITE_ONLY
def test_queue_without_a_start_lists_the_coming_days_with_a_queued_post(cli: str) -> None:
    assert run("accounts", "add", "outbox", "akl", "--timezone", "Pacific/Auckland").returncode == 0
    queued = add("--account", "akl", "--queue")
    with db.session_scope(cli) as session:
        due = session.get(Post, int(queued)).due_at
    listed = run("queue", "akl", "--days", "3")
    assert listed.returncode == 0, listed.stderr
    local = due.astimezone(zone("Pacific/Auckland"))
    [line] = [line for line in listed.stdout.splitlines() if f"post {queued} " in line]
    assert line.split()[:5] == [f"{local:%H:%M}", f"{local:%Z}", "slot", "post", queued]
    assert f"{local:%a %Y-%m-%d}" in listed.stdout
    # The default schedule has three slots a day: over the next 72 hours the others are free.
    assert listed.stdout.count("slot  free") >= 3 * 3 - 2


@SQLITE_ONLY
def test_queue_across_daylight_saving_changes_shows_each_slot_once_at_its_local_time(cli: str) -> None:
    assert run("accounts", "add", "outbox", "ldn", "--timezone", "Europe/London").returncode == 0
    assert run("accounts", "slots", "ldn", "--set", "mon-sun 01:30,09:00").returncode == 0
    spring = run("queue", "ldn", "--days", "2", "--from", "2026-03-28").stdout.splitlines()
    assert [" ".join(line.split()) for line in spring[1:]] == [
        "Sat 2026-03-28",
        "01:30 GMT slot free",
        "09:00 GMT slot free",
        "Sun 2026-03-29",
        "02:00 BST slot free",  # 01:30 does not exist that night: the first valid minute after it
        "09:00 BST slot free",
    ]
    fall = run("queue", "ldn", "--days", "2", "--from", "2026-10-25").stdout.splitlines()
    assert [" ".join(line.split()) for line in fall[1:]] == [
        "Sun 2026-10-25",
        "01:30 BST slot free",  # happens twice that night: the first time, once
        "09:00 GMT slot free",
        "Mon 2026-10-26",
        "01:30 GMT slot free",
        "09:00 GMT slot free",
    ]


@SQLITE_ONLY
def test_queue_of_an_unknown_account_says_which_there_are(cli: str) -> None:
    missing = run("queue", "nobody")
    assert missing.returncode == 1 and "no account named 'nobody' (accounts: outbox)" in missing.stderr


@SQLITE_ONLY
def test_a_budget_that_changes_shows_in_the_queue_at_once(cli: str) -> None:
    assert run("accounts", "slots", "outbox", "--set", "mon-sun 09:00,10:00,11:00").returncode == 0
    post = add("--account", "outbox", "--at", "2030-07-01 09:00")
    assert run("accounts", "budget", "outbox", "--max-per-day", "1").returncode == 0
    lines = [
        " ".join(line.split())
        for line in run("queue", "outbox", "--days", "1", "--from", "2030-07-01").stdout.splitlines()
    ]
    assert lines[1:] == [
        "Mon 2030-07-01",
        f"09:00 UTC slot post {post} announce scheduled ‘Optimistic’ Kim Kardashian meets with Donald Tru…",
        "10:00 UTC slot ruled out by the budget: 1 post that day already (at most 1)",
        "11:00 UTC slot ruled out by the budget: 1 post that day already (at most 1)",
    ]
