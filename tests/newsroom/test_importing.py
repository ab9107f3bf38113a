"""`scheduler import FILE.csv`: every row checked first, then all in one transaction or nothing."""

from __future__ import annotations

import csv
from datetime import time
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text

from scheduler import db
from scheduler.articles.csv import read_rows
from scheduler.config import get_settings
from scheduler.models import Post, utcnow
from scheduler.newsroom import importing
from scheduler.newsroom.accounts import add_account
from scheduler.newsroom.feeds import fetch_policy
from tests.cli.test_cli import counts
from tests.clock import weekly_slots_ahead
from tests.command import run
from tests.httpserver import LocalServer
from tests.newsroom.test_polling import article_html

ROWS = 1000


def write_articles(folder: Path, count: int) -> list[Path]:
    paths = []
    for n in range(count):
        path = folder / f"story-{n}.txt"
        path.write_text(
            f"Story number {n} about the city\n\nBy: Desk Writer\n\n"
            f"The council met for the {n}th time this year to discuss the budget and the roads.\n\n"
            f"“I am proud of what this city has built together over the past year,” said Ana Ruiz {n}.\n"
        )
        paths.append(path)
    return paths


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["article", "account", "time", "text"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def thousand_rows(folder: Path) -> list[dict[str, str]]:
    articles = write_articles(folder, 50)
    rows = []
    for n in range(ROWS):
        rows.append(
            {
                "article": articles[n % 50].name,  # relative to the CSV file's folder
                "account": "outbox" if n % 2 else "london",
                "time": f"2031-0{1 + n % 9}-{1 + n % 28:02d} {n % 24:02d}:{n % 60:02d}" if n % 3 else "",
                "text": f"Custom text for row {n}" if n % 10 == 0 else "",
            }
        )
    return rows


@pytest.fixture
def initialised(isolated_settings: Path) -> str:
    assert run("init").returncode == 0
    assert run("accounts", "add", "outbox", "london", "--timezone", "Europe/London").returncode == 0
    return f"sqlite:///{isolated_settings / 'scheduler.db'}"


def test_a_thousand_rows_import_in_one_transaction(database_url: str, tmp_path: Path) -> None:
    with db.session_scope(database_url) as session:
        add_account(session, "outbox", "outbox")
        add_account(session, "london", "outbox", "Europe/London")
        zones = importing.account_infos(session)
    path = write_csv(tmp_path / "bulk.csv", thousand_rows(tmp_path))
    settings = get_settings()
    plan = importing.check_file(path, accounts=zones, policy=fetch_policy(settings), max_bytes=2_000_000)
    assert plan.errors == [] and len(plan.rows) == ROWS

    commits: list[object] = []

    def count_commit(connection: object) -> None:
        commits.append(connection)

    engine = db.get_engine(database_url)
    event.listen(engine, "commit", count_commit)
    try:
        with db.session_scope(database_url) as session:
            post_ids = importing.import_rows(session, path, plan, settings=settings)
    finally:
        event.remove(engine, "commit", count_commit)
    assert len(post_ids) == ROWS and len(commits) == 1
    with db.session_scope(database_url) as session:
        posts = list(session.scalars(select(Post)))
        assert len(posts) == ROWS
        assert sum(p.text.startswith("Custom text for row") for p in posts) == ROWS // 10
        # Rows without a time took their account's free slots: in the future, never one slot twice.
        slotted = [(p.account_id, p.due_at) for p in posts if p.due_at.year != 2031]
        assert len(slotted) == len(set(slotted)) and all(due > utcnow() for _, due in slotted)


def test_the_command_imports_a_thousand_rows_with_a_progress_bar(initialised: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bulk.csv", thousand_rows(tmp_path))
    result = run("import", str(path))
    assert result.returncode == 0, result.stderr
    assert f"imported {ROWS} post(s)" in result.stdout and "checking rows" in result.stderr
    assert counts(initialised) == (50, ROWS)


def test_one_bad_row_imports_nothing_and_names_the_row(initialised: str, tmp_path: Path) -> None:
    rows = thousand_rows(tmp_path)[:20]
    rows[11]["account"] = "nobody"
    path = write_csv(tmp_path / "bulk.csv", rows)
    result = run("import", str(path))
    assert result.returncode == 1, result.stdout
    assert "line 13" in result.stderr and "no account named 'nobody'" in result.stderr
    assert "nothing imported" in result.stderr and "Traceback" not in result.stderr
    assert counts(initialised) == (0, 0)

    skipped = run("import", str(path), "--skip-bad")
    assert skipped.returncode == 0 and "skipped 1 bad row(s)" in skipped.stdout
    assert counts(initialised)[1] == 19


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"article": "missing.txt"}, "no such file"),
        ({"article": "story-0.txt", "time": "2001-01-01 09:00"}, "has already passed"),
        ({"article": "story-0.txt", "time": "next tuesday"}, "cannot read the time"),
        ({"article": ""}, "no article"),
        ({"article": "ftp://example.com/a"}, "ftp"),
    ],
)
def test_each_kind_of_bad_row_is_reported_by_line(
    initialised: str, tmp_path: Path, row: dict[str, str], message: str
) -> None:
    good = thousand_rows(tmp_path)[:3]
    path = write_csv(tmp_path / "bulk.csv", [*good, {"account": "london", "time": "", "text": "", **row}])
    result = run("import", str(path))
    assert result.returncode == 1 and "line 5" in result.stderr and message in result.stderr
    assert counts(initialised) == (0, 0)


def test_a_file_that_is_not_an_import_says_why(initialised: str, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("link,accnt\nhttps://example.com/a,outbox\n")
    result = run("import", str(wrong))
    assert result.returncode == 1 and "unknown column 'link'" in result.stderr


def test_urls_in_rows_are_fetched_once_each(
    initialised: str, tmp_path: Path, http_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCHEDULER_ALLOW_PRIVATE_URLS", "1")
    http_server.route("/a", article_html("Ring road plan approved"))
    url = http_server.url("/a")
    path = write_csv(
        tmp_path / "urls.csv",
        [{"article": url, "account": name, "time": "", "text": ""} for name in ("outbox", "london")],
    )
    result = run("import", str(path))
    assert result.returncode == 0, result.stderr
    assert [p for _, p, _ in http_server.requests] == ["/a"]
    assert counts(initialised) == (1, 2)
    with db.session_scope(initialised) as session:
        assert session.scalar(select(func.count(Post.id)).where(Post.text.contains(url))) == 2


def test_a_line_separator_inside_a_cell_stays_in_the_cell(tmp_path: Path) -> None:
    write_articles(tmp_path, 1)
    path = tmp_path / "odd.csv"
    path.write_text("article,account,text\nstory-0.txt,outbox,Hello\u2028world\n", encoding="utf-8")
    [row] = read_rows(path, max_bytes=1_000_000)
    assert row.text == "Hello\u2028world" and row.line == 2


def test_skip_bad_also_skips_a_row_that_fails_as_it_is_imported(
    initialised: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = thousand_rows(tmp_path)[:6]
    for row in rows:
        row["time"] = ""
    # One Monday slot a week for 90 days: 12 or 13 slots (by the day and hour), so the last rows find none.
    assert run("accounts", "add", "outbox", "weekly").returncode == 0
    with db.session_scope(initialised) as session:
        session.execute(
            text("UPDATE accounts SET options = :o WHERE name = 'weekly'"), {"o": '{"slots": "mon 09:00"}'}
        )
    rows = [{**rows[n % 6], "account": "weekly"} for n in range(20)]
    path = write_csv(tmp_path / "slots.csv", rows)
    mondays = weekly_slots_ahead(utcnow(), 0, time(9))
    refused = run("import", str(path))
    # The header is line 1: the first row without a slot is line mondays + 2.
    first_without = f"line {mondays + 2}"
    assert refused.returncode == 1 and first_without in refused.stderr
    assert "every posting slot" in refused.stderr
    assert counts(initialised) == (0, 0)
    skipped = run("import", str(path), "--skip-bad")
    assert skipped.returncode == 0, skipped.stderr
    assert f"imported {mondays} post(s)" in skipped.stdout
    assert f"skipped {20 - mondays} bad row(s)" in skipped.stdout
    assert counts(initialised)[1] == mondays


def test_a_rows_own_text_is_counted_while_checking(initialised: str, tmp_path: Path) -> None:
    rows = thousand_rows(tmp_path)[:2]
    rows[1]["text"] = "---"
    result = run("import", str(write_csv(tmp_path / "t.csv", rows)))
    assert result.returncode == 1 and "line 3" in result.stderr and "empty" in result.stderr


def test_exact_times_that_break_the_budget_are_refused_by_line(initialised: str, tmp_path: Path) -> None:
    """Rows count against each other: the second post 10 minutes after the first, with a 20-minute gap."""
    assert run("accounts", "budget", "london", "--min-gap", "20", "--max-per-day", "2").returncode == 0
    story = write_articles(tmp_path, 1)[0].name
    rows = [
        {"article": story, "account": "london", "time": "2031-03-03 09:00", "text": "first"},
        {"article": story, "account": "london", "time": "2031-03-03 09:10", "text": "too soon"},
        {"article": story, "account": "london", "time": "2031-03-03 12:00", "text": "fine"},
        {"article": story, "account": "london", "time": "2031-03-03 15:00", "text": "third that day"},
    ]
    path = write_csv(tmp_path / "budget.csv", rows)
    refused = run("import", str(path))
    assert refused.returncode == 1 and "line 3" in refused.stderr, refused.stderr
    assert "is 10 min after post 1 at 09:00; this account posts at least 20 min apart" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert counts(initialised) == (0, 0)
    skipped = run("import", str(path), "--skip-bad")
    assert skipped.returncode == 0 and "skipped 2 bad row(s)" in skipped.stdout, skipped.stdout
    with db.session_scope(initialised) as session:
        assert sorted(session.scalars(select(Post.text))) == ["fine", "first"]


def test_import_with_a_campaign_plans_every_step_for_each_rows_article(
    initialised: str, tmp_path: Path
) -> None:
    stories = [path.name for path in write_articles(tmp_path, 3)]
    rows = [
        {"article": stories[0], "account": "", "time": "", "text": ""},
        {"article": stories[1], "account": "london", "time": "", "text": ""},
        {"article": stories[2], "account": "", "time": "", "text": ""},
        {"article": stories[0], "account": "outbox", "time": "", "text": ""},  # the same article again
    ]
    path = write_csv(tmp_path / "campaign.csv", rows)
    result = run("import", str(path), "--campaign", "default", "--account", "outbox,london")
    assert result.returncode == 0, result.stderr
    # Each story quotes one named speaker: announce, its quote and the reshare; the second quote is left out.
    assert "imported 3 article(s)" in result.stdout and "15 post(s) planned" in result.stdout
    assert "5 step(s) left out: no pull quote with a known speaker left for it" in result.stdout
    with db.session_scope(initialised) as session:
        posts = list(session.scalars(select(Post)))
        assert {p.campaign for p in posts} == {"default"}
        by_article: dict[int, set[tuple[int, int | None]]] = {}
        for post in posts:
            by_article.setdefault(post.article_id, set()).add((post.account_id, post.campaign_step))
        assert sorted(len(steps) for steps in by_article.values()) == [3, 6, 6]
        # The rows without an account went to both --account ones; the second story's only to london.
        names = {p.article.source.rsplit("/", 1)[-1]: set() for p in posts}
        for post in posts:
            names[post.article.source.rsplit("/", 1)[-1]].add(post.account.name)
        assert names == {
            stories[0]: {"outbox", "london"},
            stories[1]: {"london"},
            stories[2]: {"outbox", "london"},
        }
        days = {(p.article_id, p.account_id, p.due_at.date()) for p in posts}
        assert len(days) == len(posts)  # no two posts of one article on one account on one day
    assert counts(initialised) == (3, 15)

    timed_row = {"article": stories[0], "account": "", "time": "2031-01-01 09:00", "text": ""}
    timed = write_csv(tmp_path / "timed.csv", [timed_row])
    refused = run("import", str(timed), "--campaign", "default")
    assert (
        refused.returncode == 1 and "line 2: the campaign plans each step's time and text" in refused.stderr
    )
    assert "leave the time column empty" in refused.stderr
    alone = run("import", str(path), "--account", "outbox")
    assert alone.returncode == 1 and "--account goes with --campaign" in alone.stderr
    unknown = run("import", str(path), "--campaign", "default", "--account", "nobody")
    assert unknown.returncode == 1 and "no account named 'nobody'" in unknown.stderr
    again = run("import", str(path), "--campaign", "default", "--account", "outbox,london")
    assert (
        again.returncode == 1
        and "has the campaign 'default'" in again.stderr
        and "Traceback" not in again.stderr
    )
    assert counts(initialised) == (3, 15)
