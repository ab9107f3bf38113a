"""The pipeline with real worker processes, a real Redis and a real database, through failures."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from scheduler import db
from scheduler.articles.text import parse_text, read_text_file
from scheduler.config import get_settings
from scheduler.models import Attempt, Post, PostState, utcnow
from scheduler.newsroom.accounts import add_account
from scheduler.newsroom.articles import store_article
from scheduler.newsroom.feeds import add_feed
from scheduler.newsroom.posts import schedule_post
from tests.conftest import REFERENCE_ARTICLE
from tests.httpserver import LocalServer
from tests.scripted_network import published_files
from tests.system.workers import Worker, start_worker, stop_all

pytestmark = pytest.mark.integration


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    stop_all(started)


def worker_env(database_url: str, redis_url: str, var: Path, **settings: float) -> dict[str, str]:
    env = {
        "SCHEDULER_DATABASE_URL": database_url,
        "SCHEDULER_REDIS_URL": redis_url,
        "SCHEDULER_VAR_DIR": str(var),
    }
    env.update({f"SCHEDULER_{key.upper()}": str(value) for key, value in settings.items()})
    return env


def schedule(
    database_url: str,
    outbox: Path,
    *,
    posts: int,
    accounts: int,
    first_in: float,
    over: float,
    **options: float,
) -> list[int]:
    """The reference article's post for `posts` due times spread evenly over `over` seconds."""
    parsed = parse_text(
        read_text_file(REFERENCE_ARTICLE, max_bytes=1_000_000), canonical_url="https://e.com/kim"
    )
    start = utcnow() + timedelta(seconds=first_in)
    with db.session_scope(database_url) as session:
        desks = [
            add_account(session, f"desk{i}", "outbox", "Europe/London", {"folder": str(outbox), **options})
            for i in range(accounts)
        ]
        article = store_article(session, parsed)
        ids = [
            schedule_post(
                session,
                article,
                desks[i % accounts],
                due_at=start + timedelta(seconds=over * i / max(posts - 1, 1)),
                templates_dir=get_settings().templates_dir,
            ).id
            for i in range(posts)
        ]
    return ids


def wait_until(condition: Callable[[], bool], timeout: float, what: str, workers: list[Worker]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    logs = "\n".join(f"--- {w.name}\n{w.log.read_text(errors='replace')[-2000:]}" for w in workers)
    raise AssertionError(f"timed out waiting for {what}\n{logs}")


def states(database_url: str) -> Counter[str]:
    with db.session_scope(database_url) as session:
        return Counter(dict(session.execute(select(Post.state, func.count()).group_by(Post.state)).all()))


def all_published(database_url: str, count: int) -> Callable[[], bool]:
    return lambda: states(database_url)[PostState.PUBLISHED] == count


def assert_each_published_once_and_never_early(database_url: str, outbox: Path, ids: list[int]) -> None:
    files = published_files(outbox)
    per_post = Counter(json.loads(f.read_text())["post_id"] for f in files)
    assert sorted(per_post) == sorted(ids), "every post is in the outbox"
    assert max(per_post.values()) == 1, f"published twice: {[p for p, n in per_post.items() if n > 1]}"
    with db.session_scope(database_url) as session:
        for post in session.scalars(select(Post)):
            assert post.state == PostState.PUBLISHED
            assert post.published_at >= post.due_at
            landed = json.loads(Path(post.external_url.removeprefix("file://")).read_text())
            assert landed["post_id"] == post.id and landed["published_at"] >= post.due_at.isoformat()


def test_200_posts_over_10_seconds_on_5_accounts_publish_once_on_time(
    database_url: str, redis_url: str, isolated_settings: Path, workers: list[Worker]
) -> None:
    outbox = isolated_settings / "outbox"
    env = worker_env(database_url, redis_url, isolated_settings)
    workers.append(start_worker("beat-worker", env, isolated_settings / "logs", beat=True))
    workers.append(start_worker("worker2", env, isolated_settings / "logs", beat=False))
    for worker in workers:
        worker.wait_ready()

    ids = schedule(database_url, outbox, posts=200, accounts=5, first_in=2, over=10)
    wait_until(all_published(database_url, 200), 60, "200 posts published", workers)

    assert_each_published_once_and_never_early(database_url, outbox, ids)
    with db.session_scope(database_url) as session:
        attempts = session.execute(select(Attempt.post_id, Attempt.started_at, Post.due_at).join(Post)).all()
    assert Counter(post_id for post_id, _, _ in attempts) == Counter({post_id: 1 for post_id in ids})
    lateness = sorted((started - due).total_seconds() for _, started, due in attempts)
    assert lateness[0] >= 0
    # On time, with a bound loose enough for a shared CI machine; bench/dispatch.py measures the figures.
    assert lateness[len(lateness) // 2] < 1.0 and lateness[-1] < 5.0


def test_worker_killed_mid_publish_each_post_still_goes_out_once(
    database_url: str, redis_url: str, isolated_settings: Path, workers: list[Worker]
) -> None:
    outbox = isolated_settings / "outbox"
    env = worker_env(
        database_url,
        redis_url,
        isolated_settings,
        lease_seconds=6,
        reconcile_seconds=1,
        requeue_after_seconds=3,
    )
    logs = isolated_settings / "logs"
    first = start_worker("doomed", env, logs, beat=True, concurrency=4)
    workers.append(first)
    first.wait_ready()
    # A slow network: each post lands 1.5 s into the call and the answer comes 2 s after that.
    ids = schedule(
        database_url, outbox, posts=12, accounts=3, first_in=1, over=2, delay_before=1.5, delay_after=2.0
    )

    def landed_but_unrecorded() -> bool:
        with db.session_scope(database_url) as session:
            publishing = session.scalars(select(Post.id).where(Post.state == PostState.PUBLISHING)).all()
        return any(published_files(outbox, post_id) for post_id in publishing)

    wait_until(landed_but_unrecorded, 30, "a post that landed while its worker is still in the call", workers)
    first.kill()
    counts = states(database_url)
    assert counts[PostState.PUBLISHING] > 0, counts

    second = start_worker("rescuer", env, logs, beat=True, concurrency=4)
    workers.append(second)
    wait_until(all_published(database_url, len(ids)), 90, "every post published after the kill", workers)

    assert_each_published_once_and_never_early(database_url, outbox, ids)
    with db.session_scope(database_url) as session:
        found = session.scalars(
            select(Attempt.post_id).where(Attempt.kind == "find", Attempt.outcome == "found")
        )
        assert list(found), "the reconciler found the posts that went out before the kill"
        # A post that went out was never sent a second time.
        for post_id in found:
            assert len(published_files(outbox, post_id)) == 1


def test_the_beat_polls_a_feed_and_its_new_item_is_scheduled_for_every_account(
    database_url: str,
    redis_url: str,
    isolated_settings: Path,
    workers: list[Worker],
    http_server: LocalServer,
) -> None:
    from tests.newsroom.test_polling import Item, article_html, rss

    now = utcnow()
    http_server.route("/story", article_html("A new bridge opens"))
    items = [Item("fresh", http_server.url("/story"), "A new bridge opens", timedelta(minutes=20))]
    http_server.route("/feed.xml", rss(items, now=now), content_type="application/rss+xml", etag='"1"')
    with db.session_scope(database_url) as session:
        for name in ("city", "metro"):
            add_account(session, name, "outbox", "Europe/London")
        add_feed(session, http_server.url("/feed.xml"), ["city", "metro"])
    env = worker_env(database_url, redis_url, isolated_settings, feed_check_seconds=1, allow_private_urls=1)
    workers.append(start_worker("beat-worker", env, isolated_settings / "logs", beat=True))
    workers[0].wait_ready()

    wait_until(lambda: states(database_url)[PostState.SCHEDULED] == 2, 60, "the feed's posts", workers)
    with db.session_scope(database_url) as session:
        posts = list(session.scalars(select(Post)))
        assert {p.account.name for p in posts} == {"city", "metro"}
        assert all(p.article.title == "A new bridge opens" and p.due_at > now for p in posts)
    assert [path for _, path, _ in http_server.requests].count("/feed.xml") == 1  # one poll, not one per tick


def process_names(worker: Worker) -> list[str]:
    import psutil

    return [child.name() for child in psutil.Process(worker.process.pid).children(recursive=True)]


def test_a_post_with_a_card_waits_for_the_cards_worker_and_goes_out_with_it(
    database_url: str, redis_url: str, isolated_settings: Path, workers: list[Worker]
) -> None:
    """Publishing and cards on separate workers: only the cards worker starts Chromium."""
    outbox = isolated_settings / "outbox"
    parsed = parse_text(
        read_text_file(REFERENCE_ARTICLE, max_bytes=1_000_000), canonical_url="https://e.com/kim"
    )
    with db.session_scope(database_url) as session:
        desk = add_account(session, "desk", "outbox", "Europe/London", {"folder": str(outbox)})
        article = store_article(session, parsed)
        post_id = schedule_post(
            session,
            article,
            desk,
            due_at=utcnow() + timedelta(seconds=12),
            templates_dir=get_settings().templates_dir,
            step="quote",
            card="quote",
            card_size="square",
        ).id
    env = worker_env(database_url, redis_url, isolated_settings)
    publisher = start_worker(
        "publisher", env, isolated_settings / "logs", beat=True, queues="publish,default"
    )
    workers.append(publisher)
    publisher.wait_ready()
    # No cards worker yet: the post is due soon but waits, still scheduled, for its card.
    time.sleep(3)
    with db.session_scope(database_url) as session:
        post = session.get(Post, post_id)
        assert post is not None and post.card_state == "pending" and post.state == PostState.SCHEDULED
    cards = start_worker("cards", env, isolated_settings / "logs", beat=False, queues="cards", concurrency=1)
    workers.append(cards)
    cards.wait_ready()
    wait_until(all_published(database_url, 1), 60, "the post with its card", workers)

    with db.session_scope(database_url) as session:
        post = session.get(Post, post_id)
        assert post is not None and post.card_state == "ready"
        media = post.media[0]
        assert post.published_at is not None and post.published_at >= post.due_at
    landed = json.loads(Path(post.external_url.removeprefix("file://")).read_text())
    assert landed["media"][0]["alt_text"] == media["alt_text"]
    assert media["alt_text"].startswith("Quote card: “") and "— Kim Kardashian" in media["alt_text"]
    copied = outbox / landed["media"][0]["file"]
    assert copied.read_bytes() == Path(media["path"]).read_bytes()
    assert copied.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and (media["width"], media["height"]) == (
        1080,
        1080,
    )
    # The warm browser lives in the cards worker only.
    assert not any("chrom" in name for name in process_names(publisher))
    assert any("chrom" in name for name in process_names(cards))
