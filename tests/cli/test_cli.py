from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from scheduler import db
from scheduler.models import Article, Post, utcnow
from tests.command import run
from tests.conftest import REFERENCE_ARTICLE


@pytest.fixture
def initialised(isolated_settings: Path) -> str:
    """The default database (SQLite under the var folder) after `scheduler init`."""
    result = run("init")
    assert result.returncode == 0, result.stderr
    return f"sqlite:///{isolated_settings / 'scheduler.db'}"


def test_init_and_add_on_postgresql(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", database_url)
    assert run("init").returncode == 0
    result = run("add", str(REFERENCE_ARTICLE), "--at", "2030-01-01 09:00")
    assert result.returncode == 0, result.stderr
    unknown = run("add", str(REFERENCE_ARTICLE), "--account", "nobody", "--now")
    assert unknown.returncode == 1 and "no account named 'nobody'" in unknown.stderr
    assert counts(database_url) == (1, 1)


def counts(url: str) -> tuple[int, int]:
    with db.session_scope(url) as session:
        return session.scalar(select(func.count(Article.id))), session.scalar(select(func.count(Post.id)))


def test_init_creates_the_database_and_one_outbox_account(initialised: str) -> None:
    listing = run("accounts", "list")
    assert listing.returncode == 0
    assert listing.stdout.split("\n")[1].split() == ["outbox", "outbox", "UTC"]
    again = run("init")
    assert again.returncode == 0 and "created the outbox account" not in again.stdout


def test_accounts_add_validates_zone_and_name(initialised: str) -> None:
    assert run("accounts", "add", "outbox", "london-desk", "--timezone", "Europe/London").returncode == 0
    bad_zone = run("accounts", "add", "outbox", "desk2", "--timezone", "Europe/Londn")
    assert bad_zone.returncode == 1 and "unknown time zone 'Europe/Londn'" in bad_zone.stderr
    duplicate = run("accounts", "add", "outbox", "london-desk")
    assert duplicate.returncode == 1 and "exists already" in duplicate.stderr
    assert "london-desk" in run("accounts", "list").stdout


def test_add_schedules_the_reference_article_in_the_accounts_zone(initialised: str) -> None:
    assert run("accounts", "add", "outbox", "ny", "--timezone", "America/New_York").returncode == 0
    url = "https://example.com/kim"
    added = run("add", str(REFERENCE_ARTICLE), "--url", url, "--account", "ny", "--at", "2030-07-04 09:00")
    assert added.returncode == 0, added.stderr
    assert "scheduled at 2030-07-04 09:00:00 EDT" in added.stdout
    listing = run("posts", "--state", "scheduled")
    assert listing.returncode == 0
    [header, row] = listing.stdout.strip().split("\n")
    assert header.split()[:6] == ["id", "account", "due", "state", "step", "text"]
    assert (
        "ny" in row and "2030-07-04 09:00:00 EDT" in row and "scheduled" in row and "‘Optimistic’ Kim" in row
    )
    with db.session_scope(initialised) as session:
        post = session.scalars(select(Post)).one()
        assert f"\n\n{url}?utm_source=outbox&utm_medium=social" in post.text
        assert post.text.startswith("‘Optimistic’ Kim Kardashian")
        assert post.due_at.isoformat() == "2030-07-04T13:00:00+00:00"
        assert post.article.author == "Meaghan Wray" and len(post.article.links) == 1


def test_add_now_is_due_at_once(initialised: str) -> None:
    before = utcnow()
    assert run("add", str(REFERENCE_ARTICLE), "--now").returncode == 0
    with db.session_scope(initialised) as session:
        post = session.scalars(select(Post)).one()
    assert before <= post.due_at <= utcnow()


def bad_inputs(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with (tmp_path / "huge.txt").open("wb") as huge:
        huge.truncate(50 * 1024 * 1024)
    article = str(REFERENCE_ARTICLE)
    past = (utcnow() - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    return {
        "missing file": ([str(tmp_path / "nope.txt"), "--now"], "no such file"),
        "empty file": ([str(tmp_path / "empty.txt"), "--now"], "empty"),
        "binary file": ([str(tmp_path / "image.png"), "--now"], "binary file"),
        "50 MB file": ([str(tmp_path / "huge.txt"), "--now"], "52.43 MB, over the 2.00 MB limit"),
        "unknown account": ([article, "--account", "nobody", "--now"], "no account named 'nobody'"),
        "past time": ([article, "--at", past], "already passed; give a later time, or --now"),
        "unreadable time": ([article, "--at", "soonish"], "cannot read the time"),
        "no time": ([article], "say when to post"),
        "both times": ([article, "--now", "--at", "2030-01-01 09:00"], "not several"),
        "bad url": ([article, "--url", "ftp://x", "--now"], "not an http(s) URL"),
    }


def test_bad_input_gets_one_line_and_writes_nothing(initialised: str, tmp_path: Path) -> None:
    for case, (args, message) in bad_inputs(tmp_path).items():
        result = run("add", *args)
        assert result.returncode == 1, case
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], (
            case,
            result.stderr,
        )
        assert "Traceback" not in result.stderr
        assert counts(initialised) == (0, 0), case


def test_commands_before_init_say_to_run_init(isolated_settings: Path) -> None:
    for command in (["posts"], ["accounts", "list"], ["add", str(REFERENCE_ARTICLE), "--now"], ["worker"]):
        result = run(*command)
        assert result.returncode == 1, command
        assert "does not exist yet" in result.stderr and "scheduler init" in result.stderr
    assert not (isolated_settings / "scheduler.db").exists()


def test_posts_rejects_an_unknown_state(initialised: str) -> None:
    result = run("posts", "--state", "sent")
    assert result.returncode == 2 and "'sent' is not one of" in result.stderr


def test_posts_says_when_the_list_is_cut(initialised: str) -> None:
    for hour in ("09:00", "10:00", "11:00"):
        assert run("add", str(REFERENCE_ARTICLE), "--at", f"2030-01-01 {hour}").returncode == 0
    listing = run("posts", "--limit", "2").stdout.strip().splitlines()
    assert len(listing) == 4 and "2030-01-01 09:00" in listing[1] and "2030-01-01 10:00" in listing[2]
    assert listing[3] == "(the first 2 of 3; --limit shows more)"
    assert counts(initialised) == (1, 3)  # one article, three posts


def test_post_shows_its_history_and_why_it_failed(initialised: str, isolated_settings: Path) -> None:
    from scheduler import networks, publishing
    from scheduler.networks.base import Permanent
    from tests.scripted_network import ScriptedNetwork

    assert run("add", str(REFERENCE_ARTICLE), "--now").returncode == 0
    assert run("add", str(REFERENCE_ARTICLE), "--now").returncode == 0
    sessions = lambda: db.session_scope(initialised)  # noqa: E731
    with sessions() as session:
        assert [d.post_id for d in publishing.dispatch_due(session, now=utcnow())] == [1, 2]
    publishing.publish(sessions, 1, networks.for_account)
    refusing = ScriptedNetwork(isolated_settings / "outbox", [Permanent("403: this post is a duplicate")])
    publishing.publish(sessions, 2, lambda _: refusing)

    shown = run("post", "1")
    assert shown.returncode == 0, shown.stderr
    assert "state:     published" in shown.stdout
    [landed] = (isolated_settings / "outbox").glob("post-1-*.json")
    assert f"receipt:   {landed.as_uri()}" in shown.stdout
    assert "    ‘Optimistic’ Kim Kardashian" in shown.stdout
    [attempt] = [line for line in shown.stdout.splitlines() if line.startswith("publish ")]
    assert attempt.split()[4] == "published"

    failed = run("post", "2").stdout
    assert "state:     failed" in failed and "why:       403: this post is a duplicate" in failed
    assert any(line.startswith("publish ") and "permanent" in line for line in failed.splitlines())

    missing = run("post", "99")
    assert missing.returncode == 1 and "there is no post 99" in missing.stderr
