"""Newsroom controls on both databases: pause and resume (stale posts skipped, the rest spaced by the
budget), corrections, withdrawal and embargo; each checked in the database and through the CLI."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from scheduler import db, networks, newsroom, publishing
from scheduler.articles.text import parse_text, read_text_file
from scheduler.config import PROJECT_ROOT, Settings
from scheduler.demo.data import REFERENCE_ARTICLE, REFERENCE_URL
from scheduler.models import Account, Article, CardState, Post, PostState, utcnow
from scheduler.networks.base import OutgoingPost, Receipt, Transient
from scheduler.newsroom import controls, corrections
from scheduler.newsroom.accounts import add_account
from scheduler.newsroom.articles import store_article
from scheduler.newsroom.posts import schedule_post, thread_of
from scheduler.publishing import Outcome
from tests.command import run

Sessions = Callable[[], AbstractContextManager[Session]]
TEMPLATES = PROJECT_ROOT / "templates"
PUBLISHING = Settings(lease_seconds=60, retry_backoff_seconds=30, max_attempts=3)
GAP = timedelta(minutes=15)


@pytest.fixture
def sessions(database_url: str) -> Sessions:
    return lambda: db.session_scope(database_url)


def desk(session: Session, name: str = "desk", outbox: Path | None = None, **options: object) -> Account:
    found = session.scalar(select(Account).where(Account.name == name))
    if found is not None:
        return found
    folder = {"folder": str(outbox)} if outbox else {}
    return add_account(session, name, "outbox", "Europe/London", {**folder, **options})


def reference(session: Session, **changes: object) -> Article:
    parsed = parse_text(read_text_file(REFERENCE_ARTICLE, max_bytes=1_000_000), canonical_url=REFERENCE_URL)
    return store_article(session, replace(parsed, **changes))


def plain_post(
    session: Session,
    account: Account,
    due: datetime,
    *,
    state: PostState = PostState.SCHEDULED,
    article: Article | None = None,
    parent: Post | None = None,
) -> Post:
    post = Post(
        account=account,
        article=article,
        text=f"due {due:%H:%M}",
        state=state,
        due_at=due,
        scheduled_for=due,
        thread_parent_id=parent.id if parent else None,
        thread_index=1 if parent else 0,
    )
    session.add(post)
    session.flush()
    return post


def load(sessions: Sessions, post_id: int) -> Post:
    with sessions() as session:
        post = session.get_one(Post, post_id)
        session.expunge(post)
        return post


def dispatch(sessions: Sessions, now: datetime | None = None) -> list[int]:
    """The posts one dispatcher tick claims (not the queued ones it sends again as lost)."""
    with sessions() as session:
        queued = set(session.scalars(select(Post.id).where(Post.state == PostState.QUEUED)))
        ticked = publishing.dispatch_due(session, now=now or utcnow(), settings=PUBLISHING)
        return [d.post_id for d in ticked if d.post_id not in queued]


# --- pause and resume ------------------------------------------------------------------------------


def test_a_paused_account_keeps_its_posts_scheduled_and_nothing_of_it_is_dispatched(sessions) -> None:
    now = utcnow()
    with sessions() as session:
        paused, other = desk(session), desk(session, "other")
        held = plain_post(session, paused, now).id
        goes = plain_post(session, other, now).id
        [result] = controls.pause(session, controls.choose_accounts(session, ["desk"], every=False), now=now)
        assert result.account == "desk" and not result.already
    assert dispatch(sessions) == [goes]
    assert dispatch(sessions, now + timedelta(days=2)) == []
    assert load(sessions, held).state == PostState.SCHEDULED
    with sessions() as session:
        [again] = controls.pause(session, [desk(session)], now=now + timedelta(minutes=5))
        assert again.already and again.since == now  # pausing twice keeps the first time


def test_pause_all_stops_every_account_and_resume_all_starts_them_again(sessions) -> None:
    now = utcnow()
    with sessions() as session:
        ids = [plain_post(session, desk(session, name), now + timedelta(seconds=1)).id for name in "abc"]
        accounts = controls.choose_accounts(session, [], every=True)
        assert [a.name for a in accounts] == ["a", "b", "c"]
        controls.pause(session, accounts, now=now)
    assert dispatch(sessions) == []
    with sessions() as session:
        resumed = controls.resume(session, controls.choose_accounts(session, [], every=True), now=utcnow())
        assert [r.account for r in resumed if r.paused_at is not None] == ["a", "b", "c"]
    assert sorted(dispatch(sessions)) == ids


def test_resume_skips_stale_posts_with_their_replies_and_spaces_the_rest_by_the_budget(sessions) -> None:
    now = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    with sessions() as session:
        account = desk(session, budget={"min_gap_minutes": 15})
        controls.pause(session, [account], now=now - timedelta(hours=5))
        stale = plain_post(session, account, now - timedelta(hours=4))
        stale_reply = plain_post(session, account, now - timedelta(hours=4), parent=stale)
        first = plain_post(session, account, now - timedelta(minutes=90))
        first_reply = plain_post(session, account, now - timedelta(minutes=90), parent=first)
        second = plain_post(session, account, now - timedelta(minutes=30))
        third = plain_post(session, account, now - timedelta(minutes=30))
        later = plain_post(session, account, now + timedelta(hours=1))
        draft = plain_post(session, account, now - timedelta(minutes=10), state=PostState.DRAFT)
        ids = [p.id for p in (stale, stale_reply, first, first_reply, second, third, later, draft)]
        [resumed] = controls.resume(session, [account], now=now, stale_after=timedelta(minutes=120))
        assert account.paused_at is None
    stale, stale_reply, first, first_reply, second, third, later, draft = (load(sessions, i) for i in ids)
    reason = (
        "skipped: due 2026-07-01 09:00:00 BST (Europe/London) while the account was paused; "
        "240 min late when it resumed"
    )
    assert (stale.state, stale.last_error) == (PostState.SKIPPED, reason)
    assert stale_reply.state == PostState.SKIPPED and f"post {stale.id}, which it replies to" in (
        stale_reply.last_error or ""
    )
    assert [(p.state, p.due_at) for p in (first, second, third)] == [
        (PostState.SCHEDULED, now),
        (PostState.SCHEDULED, now + GAP),
        (PostState.SCHEDULED, now + 2 * GAP),
    ]
    assert first_reply.due_at == now  # a reply follows the part it replies to
    assert first.scheduled_for == now - timedelta(minutes=90)  # what the editor asked stays on record
    assert (later.due_at, later.state) == (now + timedelta(hours=1), PostState.SCHEDULED)
    assert (draft.due_at, draft.state) == (now - timedelta(minutes=10), PostState.DRAFT)
    assert resumed.sent == [(first.id, now), (second.id, now + GAP), (third.id, now + 2 * GAP)]
    assert [post_id for post_id, _ in resumed.skipped] == [stale.id, stale_reply.id]
    assert dispatch(sessions, now) == [first.id]
    assert dispatch(sessions, now + GAP) == [second.id]


def test_resume_keeps_a_budget_gap_after_the_last_post_that_went_out(sessions) -> None:
    now = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    with sessions() as session:
        account = desk(session, budget={"min_gap_minutes": 15})
        out = plain_post(session, account, now - timedelta(minutes=20), state=PostState.PUBLISHED)
        out.published_at = now - timedelta(minutes=10)
        controls.pause(session, [account], now=now - timedelta(minutes=9))
        waiting = plain_post(session, account, now - timedelta(minutes=5)).id
        controls.resume(session, [account], now=now)
    assert load(sessions, waiting).due_at == now + timedelta(minutes=5)


def test_a_post_already_queued_when_its_account_is_paused_goes_back_to_wait(sessions, tmp_path) -> None:
    with sessions() as session:
        account = desk(session, outbox=tmp_path / "outbox")
        post_id = plain_post(session, account, utcnow()).id
    assert dispatch(sessions) == [post_id]
    with sessions() as session:
        controls.pause(session, [desk(session)], now=utcnow())
    result = publishing.publish(sessions, post_id, networks.for_account, settings=PUBLISHING)
    assert result.outcome is Outcome.NOT_CLAIMED and load(sessions, post_id).state == PostState.SCHEDULED


# --- embargo --------------------------------------------------------------------------------------


def test_an_embargo_holds_every_post_of_the_article_then_releases_them(sessions) -> None:
    now = utcnow()
    lifts = now + timedelta(hours=1)
    with sessions() as session:
        account = desk(session)
        article = reference(session)
        other = reference(session, title="Another story")
        early = plain_post(session, account, now, article=article).id
        late = plain_post(session, account, now + timedelta(hours=2), article=article).id
        free = plain_post(session, account, now, article=other).id
        done = controls.embargo(session, article.id, lifts, now=now)
        assert done.held == [early, late] and done.stopped == []
    assert dispatch(sessions, now) == [free]
    assert dispatch(sessions, lifts - timedelta(seconds=11)) == []
    assert load(sessions, early).state == PostState.SCHEDULED
    # Due before the embargo lifted: it goes out right after.
    assert dispatch(sessions, lifts + timedelta(seconds=1)) == [early]
    assert dispatch(sessions, now + timedelta(hours=2)) == [late]


def test_an_embargo_takes_back_queued_posts_and_lift_releases_at_once(sessions, tmp_path) -> None:
    with sessions() as session:
        article_id = reference(session).id
        post_id = plain_post(
            session, desk(session, outbox=tmp_path), utcnow(), article=session.get(Article, article_id)
        ).id
    assert dispatch(sessions) == [post_id]
    with sessions() as session:
        done = controls.embargo(session, article_id, utcnow() + timedelta(days=1), now=utcnow())
        assert done.stopped == [post_id] and done.held == [post_id]
    assert load(sessions, post_id).state == PostState.SCHEDULED
    assert dispatch(sessions) == []
    with sessions() as session:
        assert controls.lift_embargo(session, article_id, now=utcnow()).due_now == [post_id]
    assert dispatch(sessions) == [post_id]


def test_embargo_times_are_read_with_their_offset_or_in_utc_and_must_be_ahead(sessions) -> None:
    assert controls.parse_embargo("2030-01-01 09:00") == datetime(2030, 1, 1, 9, tzinfo=UTC)
    assert controls.parse_embargo("2030-01-01T09:00+02:00") == datetime(2030, 1, 1, 7, tzinfo=UTC)
    assert controls.parse_embargo("2030-01-01T09:00Z") == datetime(2030, 1, 1, 9, tzinfo=UTC)
    with pytest.raises(newsroom.NewsroomError, match="cannot read the time"):
        controls.parse_embargo("tomorrow")
    with sessions() as session, pytest.raises(newsroom.NewsroomError, match="already passed"):
        controls.embargo(session, reference(session).id, utcnow() - timedelta(minutes=1), now=utcnow())
    with sessions() as session, pytest.raises(newsroom.NewsroomError, match="there is no article 999"):
        controls.embargo(session, 999, utcnow() + timedelta(days=1), now=utcnow())


# --- withdrawal -----------------------------------------------------------------------------------


def test_withdrawal_cancels_what_is_not_out_with_the_reason_and_leaves_published_posts(
    sessions, tmp_path
) -> None:
    now = utcnow()
    with sessions() as session:
        account = desk(session, outbox=tmp_path)
        article = reference(session)
        states = (
            PostState.DRAFT,
            PostState.SCHEDULED,
            PostState.QUEUED,
            PostState.PUBLISHING,
            PostState.PUBLISHED,
            PostState.FAILED,
        )
        ids = {state: plain_post(session, account, now, state=state, article=article).id for state in states}
        session.execute(
            update(Post).where(Post.id == ids[PostState.PUBLISHED]).values(external_url="https://x/1")
        )
        done = controls.withdraw(session, article.id, "  legal   asked us to ", now=now)
        assert done.stopped == [ids[PostState.DRAFT], ids[PostState.SCHEDULED], ids[PostState.QUEUED]]
        assert done.published == [(ids[PostState.PUBLISHED], "https://x/1")]
        assert done.publishing == [ids[PostState.PUBLISHING]]
    for state in (PostState.DRAFT, PostState.SCHEDULED, PostState.QUEUED):
        post = load(sessions, ids[state])
        assert (post.state, post.last_error) == (PostState.CANCELED, "withdrawn: legal asked us to")
    assert load(sessions, ids[PostState.PUBLISHED]).state == PostState.PUBLISHED
    assert load(sessions, ids[PostState.FAILED]).state == PostState.FAILED
    # The task already sent for the queued post finds it canceled, and sends nothing.
    result = publishing.publish(sessions, ids[PostState.QUEUED], networks.for_account, settings=PUBLISHING)
    assert result.outcome is Outcome.NOT_CLAIMED and not list(tmp_path.glob("*.json"))
    with sessions() as session:
        article = session.get_one(Article, done.article.id)
        assert article.withdrawn_at == now and article.withdraw_reason == "legal asked us to"
        with pytest.raises(newsroom.NewsroomError, match="say why"):
            controls.withdraw(session, article.id, " ", now=now)


class WithdrawnWhileSending:
    """A network that is down while an editor withdraws the article of the post being sent."""

    def __init__(self, sessions: Sessions, article_id: int) -> None:
        self.sessions, self.article_id = sessions, article_id

    def publish(self, post: OutgoingPost) -> Receipt:
        with self.sessions() as session:
            assert controls.withdraw(session, self.article_id, "legal", now=utcnow()).publishing
        raise Transient("503 from the network")


def test_a_post_of_a_withdrawn_article_back_from_a_retry_is_not_sent(sessions, tmp_path) -> None:
    with sessions() as session:
        article_id = reference(session).id
        account = desk(session, outbox=tmp_path)
        post_id = plain_post(session, account, utcnow(), article=session.get(Article, article_id)).id
    assert dispatch(sessions) == [post_id]
    network = WithdrawnWhileSending(sessions, article_id)
    result = publishing.publish(sessions, post_id, lambda _: network, settings=PUBLISHING)
    assert result.outcome is Outcome.RETRY_SCHEDULED
    assert dispatch(sessions, utcnow() + timedelta(hours=1)) == []


# --- corrections ----------------------------------------------------------------------------------


def scheduled(session: Session, article: Article, account: Account, **kwargs: object) -> Post:
    return schedule_post(
        session, article, account, due_at=utcnow() + timedelta(days=1), templates_dir=TEMPLATES, **kwargs
    )


def test_a_correction_renders_unsent_posts_again_and_asks_for_their_cards_again(sessions) -> None:
    with sessions() as session:
        account = desk(session)
        article = reference(session)
        announce = scheduled(session, article, account)
        card = scheduled(session, article, account, step="announce", card="headline")
        session.execute(
            update(Post)
            .where(Post.id == card.id)
            .values(card_state=CardState.READY, card_requested_at=utcnow(), media=[{"path": "old.png"}])
        )
        own = scheduled(session, article, account, text="Our own words on the story")
        queued = scheduled(session, article, account)
        out = scheduled(session, article, account)
        for post, state in ((queued, PostState.QUEUED), (out, PostState.PUBLISHED)):
            session.execute(update(Post).where(Post.id == post.id).values(state=state))
        ids = [p.id for p in (announce, card, own, queued, out)]
        old_text = announce.text
        done = corrections.correct_article(
            session, article.id, templates_dir=TEMPLATES, title="Kim Kardashian meets Trump on prison reform"
        )
        assert done.changed == ["title"]
        assert [(r.post_id, r.what) for r in done.posts] == [
            (ids[0], "re-rendered"),
            (ids[1], "re-rendered; card made again"),
            (ids[2], "own text (not its template's): not re-rendered, check it"),
        ]
        assert [post_id for post_id, _ in done.left] == [ids[3]]
    announce, card, own, queued, out = (load(sessions, i) for i in ids)
    assert announce.text.startswith("Kim Kardashian meets Trump on prison reform\n")
    assert announce.text.replace("Kim Kardashian meets Trump on prison reform", "") == old_text.replace(
        "‘Optimistic’ Kim Kardashian meets with Donald Trump to discuss prison reform", ""
    )
    assert card.text == announce.text
    assert (card.card_state, card.card_requested_at, card.media) == (CardState.PENDING, None, [])
    assert own.text == "Our own words on the story"
    assert queued.text == out.text == old_text  # on its way or out: left as it was
    with sessions() as session:
        article = session.get_one(Article, card.article_id)
        same = corrections.correct_article(
            session, article.id, templates_dir=TEMPLATES, summary=article.summary
        )
        assert same.changed == [] and same.posts == []


def test_a_correction_read_from_a_file_keeps_the_id_and_gives_quote_posts_the_corrected_quote(
    sessions, tmp_path
) -> None:
    with sessions() as session:
        account = desk(session)
        article = reference(session)
        quote_post = scheduled(session, article, account, step="quote")
        first_quote = quote_post.quote
        assert first_quote is not None and first_quote.text in quote_post.text
        article_id, post_id, old_quote = article.id, quote_post.id, first_quote.text
    corrected = REFERENCE_ARTICLE.read_text().replace("We are optimistic", "We remain optimistic")
    assert corrected != REFERENCE_ARTICLE.read_text() and "We are optimistic" in old_quote
    (tmp_path / "corrected.txt").write_text(corrected)
    parsed = parse_text(corrected, source=str(tmp_path / "corrected.txt"))
    with sessions() as session:
        done = corrections.correct_article(
            session, article_id, templates_dir=TEMPLATES, parsed=parsed, source="corrected.txt"
        )
        assert "paragraphs" in done.changed and "quotes" in done.changed
        assert [(r.post_id, r.what) for r in done.posts] == [(post_id, "re-rendered")]
        article = session.get_one(Article, article_id)
        assert article.canonical_url == REFERENCE_URL  # the text file carries none: the URL is kept
        assert session.scalar(select(Article.id).where(Article.id != article_id)) is None
    post = load(sessions, post_id)
    assert "We remain optimistic" in post.text and "We are optimistic" not in post.text
    assert REFERENCE_URL in post.text
    assert post.quote_id is not None and post.state == PostState.SCHEDULED


def test_a_correction_that_changes_a_threads_length_adds_or_cancels_its_later_parts(
    sessions, tmp_path
) -> None:
    templates = tmp_path / "templates"
    (templates / "posts" / "default").mkdir(parents=True)
    # A thread when the title is long: the corrected post has more (or fewer) parts than the scheduled one.
    (templates / "posts" / "default" / "announce.txt.j2").write_text(
        "{{ article.title }}\n{% if article.title | length > 20 %}---\nmore: {{ article.title }}\n{% endif %}"
    )
    with sessions() as session:
        account = desk(session, needs_approval=True)
        article = reference(session, title="Short title")
        due = utcnow() + timedelta(days=1)
        head = schedule_post(session, article, account, due_at=due, templates_dir=templates)
        assert thread_texts(session, head) == ["Short title"]
        long_title = "A title much longer than before"
        corrections.correct_article(session, article.id, templates_dir=templates, title=long_title)
        session.expire_all()
        longer = thread_of(session, head)
        assert [p.text for p in longer] == [long_title, f"more: {long_title}"]
        reply = longer[1]
        assert (reply.state, reply.due_at, reply.thread_index) == (PostState.DRAFT, due, 1)
        done = corrections.correct_article(session, article.id, templates_dir=templates, title="Short again")
        assert [(r.post_id, r.what) for r in done.posts] == [
            (head.id, "re-rendered (2 part(s) before, 1 now)")
        ]
        session.expire_all()
        assert session.get_one(Post, head.id).text == "Short again"
        assert (reply.state, reply.last_error) == (
            PostState.CANCELED,
            "canceled: the corrected post is a shorter thread",
        )


def thread_texts(session: Session, head: Post) -> list[str]:
    return [post.text for post in thread_of(session, head)]


def test_a_correction_of_an_unknown_article_or_with_an_empty_title_is_refused(sessions) -> None:
    with sessions() as session, pytest.raises(newsroom.NewsroomError, match="there is no article 42"):
        corrections.correct_article(session, 42, templates_dir=TEMPLATES, title="x")
    with sessions() as session, pytest.raises(newsroom.NewsroomError, match="cannot be empty"):
        corrections.correct_article(session, reference(session).id, templates_dir=TEMPLATES, title=" ")


# --- the CLI --------------------------------------------------------------------------------------


@pytest.fixture
def cli(isolated_settings: Path) -> str:
    """The default database (SQLite under the var folder) after `scheduler init`; the domain tests above
    run on PostgreSQL too."""
    assert run("init").returncode == 0
    return f"sqlite:///{isolated_settings / 'scheduler.db'}"


def one_line_error(args: list[str], message: str) -> None:
    result = run(*args)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1, (args, result.stderr)
    assert lines[0].startswith("error: ") and message in lines[0], (args, result.stderr)
    assert "Traceback" not in result.stderr


def test_cli_pause_and_resume(cli: str) -> None:
    added = run("add", str(REFERENCE_ARTICLE), "--at", "2030-01-01 09:00")
    assert added.returncode == 0, added.stderr
    paused = run("pause", "outbox")
    assert paused.returncode == 0 and paused.stdout.startswith("outbox: paused at ")
    assert "already paused since" in run("pause", "--all").stdout
    with db.session_scope(cli) as session:
        assert session.scalars(select(Account.paused_at)).one() is not None
        # Make the post fall due long ago, while the account was paused.
        session.execute(update(Post).values(due_at=utcnow() - timedelta(hours=3)))
        session.execute(update(Account).values(paused_at=utcnow() - timedelta(hours=4)))
    resumed = run("resume", "--all", "--stale-after", "60")
    assert resumed.returncode == 0, resumed.stderr
    assert "outbox: resumed; 0 post(s) due meanwhile go out, 1 skipped as stale" in resumed.stdout
    assert "while the account was paused; 180 min late when it resumed" in resumed.stdout
    assert run("resume", "outbox").stdout.strip() == "outbox: not paused"
    with db.session_scope(cli) as session:
        assert session.scalars(select(Post.state)).one() == PostState.SKIPPED
    one_line_error(["pause", "nobody"], "no account named 'nobody'")
    one_line_error(["resume", "nobody"], "no account named 'nobody'")
    one_line_error(["pause"], "say which accounts")
    one_line_error(["pause", "--all", "outbox"], "not both")


def test_cli_articles_update_withdraw_and_embargo(cli: str) -> None:
    assert run("add", str(REFERENCE_ARTICLE), "--at", "2030-01-01 09:00").returncode == 0
    updated = run("articles", "update", "1", "--title", "Kim Kardashian at the White House")
    assert updated.returncode == 0, updated.stderr
    assert "changed: title" in updated.stdout and "post 1 (outbox, scheduled): re-rendered" in updated.stdout
    held = run("articles", "embargo", "1", "--until", "2029-12-31T10:00+01:00")
    assert held.returncode == 0, held.stderr
    assert "held until 2029-12-31 09:00 UTC" in held.stdout and "held: post 1" in held.stdout
    lifted = run("articles", "embargo", "1", "--lift")
    assert lifted.returncode == 0 and "embargo lifted" in lifted.stdout
    kept = run("articles", "withdraw", "1", "--reason", "wrong date", input="n\n")
    assert kept.returncode == 1 and "This cannot be undone." in kept.stderr
    assert "nothing done (answer y to go ahead, or give --yes)" in kept.stderr
    with db.session_scope(cli) as session:
        assert session.scalars(select(Post)).one().state == PostState.SCHEDULED
    assert run("articles", "withdraw", "1", "--reason", "x").returncode == 1, "no answer is no"
    withdrawn = run("articles", "withdraw", "1", "--reason", "wrong date", input="y\n")
    assert withdrawn.returncode == 0, withdrawn.stderr
    assert "article 1 withdrawn: wrong date" in withdrawn.stdout and "canceled: post 1" in withdrawn.stdout
    with db.session_scope(cli) as session:
        post = session.scalars(select(Post)).one()
        assert post.text.startswith("Kim Kardashian at the White House")
        assert (post.state, post.last_error) == (PostState.CANCELED, "withdrawn: wrong date")
    for args in (
        ["articles", "update", "7", "--title", "x"],
        ["articles", "withdraw", "7", "--reason", "x"],
        ["articles", "embargo", "7", "--until", "2031-01-01 09:00"],
    ):
        one_line_error(args, "there is no article 7")
    one_line_error(["articles", "embargo", "1", "--until", "2001-01-01 09:00"], "already passed")
    one_line_error(["articles", "embargo", "1", "--until", "noon"], "cannot read the time 'noon'")
    assert run("articles", "embargo", "1").returncode == 2  # neither --until nor --lift: usage


def test_cli_add_with_an_embargo_holds_the_post_and_a_campaign_starts_after_it(cli: str) -> None:
    until = utcnow().replace(microsecond=0) + timedelta(days=3)
    stamp = until.strftime("%Y-%m-%d %H:%M")
    one = run("add", str(REFERENCE_ARTICLE), "--now", "--embargo", stamp)
    assert one.returncode == 0, one.stderr
    assert f"embargo: no post of the article goes out before {stamp} UTC" in one.stdout
    assert run("accounts", "slots", "outbox", "--set", "mon-sun 09:00,15:00").returncode == 0
    campaign = run("add", str(REFERENCE_ARTICLE), "--url", "https://news.example/embargoed-campaign",
                   "--campaign", "default", "--embargo", until.isoformat())  # fmt: skip
    assert campaign.returncode == 0, campaign.stderr
    with db.session_scope(cli) as session:
        articles = list(session.scalars(select(Article).order_by(Article.id)))
        assert [a.embargo_until.replace(second=0) for a in articles] == [until.replace(second=0)] * 2
        single = session.scalars(select(Post).where(Post.article_id == articles[0].id)).one()
        assert single.state == PostState.SCHEDULED and single.due_at < until  # held by the embargo
        planned = list(session.scalars(select(Post).where(Post.article_id == articles[1].id)))
        assert len(planned) >= 3 and min(p.due_at for p in planned) >= until
    assert dispatch_ids(cli, utcnow()) == []
    bad = run("add", str(REFERENCE_ARTICLE), "--now", "--embargo", "tomorrow-ish")
    assert bad.returncode == 1 and "--embargo: cannot read the time 'tomorrow-ish'" in bad.stderr
    assert "Traceback" not in bad.stderr


def dispatch_ids(url: str, now: datetime) -> list[int]:
    with db.session_scope(url) as session:
        return [d.post_id for d in publishing.dispatch_due(session, now=now)]
