"""Mastodon: the real Mastodon.py, through the adapter, against the fake Mastodon of tests/peers; and
through the real publishing state machine, with the account's token sealed in the database."""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from PIL import Image
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from scheduler import db, networks, publishing
from scheduler.config import Settings, get_settings
from scheduler.models import Account, Attempt, Post, PostState, utcnow
from scheduler.networks import AccountSettings, vault
from scheduler.networks.base import (
    AuthExpired,
    Media,
    OutcomeUnknown,
    OutgoingPost,
    Permanent,
    RateLimited,
    Transient,
)
from scheduler.networks.mastodon import MastodonNetwork, connect, html_to_text
from scheduler.newsroom import connections
from scheduler.newsroom.accounts import add_account
from scheduler.publishing import Outcome
from tests.peers.mastodon_server import TOKEN, MastodonServer

pytest_plugins = ["tests.peers.mastodon_fixtures"]  # the mastodon_server fixture

TIMEOUT = 0.5  # the client's timeout here: the fake's slow answers take longer
STATUSES = "/api/v1/statuses"
MEDIA = "/api/v2/media"


@pytest.fixture
def network(mastodon_server: MastodonServer) -> MastodonNetwork:
    return connect(desk(mastodon_server), Settings(network_timeout_seconds=TIMEOUT))


def desk(server: MastodonServer, token: str = TOKEN) -> AccountSettings:
    return AccountSettings("desk", "mastodon", {"instance": server.url}, {"access_token": token})


def outgoing(
    text: str = "A new article: https://example.com/articles/1",
    *,
    media: tuple[Media, ...] = (),
    reply_to: str | None = None,
    due_at: datetime | None = None,
) -> OutgoingPost:
    return OutgoingPost(
        post_id=1,
        key=uuid.uuid4().hex,
        account="desk",
        text=text,
        due_at=due_at or utcnow(),
        media=media,
        reply_to=reply_to,
    )


def image(folder: Path, name: str, *, noisy: bool = False) -> Path:
    """A PNG: a flat colour is a few hundred bytes, noise about 12 KB (the fake processes it late)."""
    path = folder / name
    if noisy:
        Image.frombytes("RGB", (64, 64), os.urandom(64 * 64 * 3)).save(path)
    else:
        Image.new("RGB", (64, 48), (200, 30, 90)).save(path)
    return path


def clean(error: BaseException) -> str:
    """The error's message, once it is known to hold no secret."""
    message = str(error)
    assert TOKEN not in message and TOKEN not in repr(error)
    return message


def calls(server: MastodonServer, method: str, prefix: str) -> int:
    return sum(1 for m, path, _ in server.requests if m == method and path.startswith(prefix))


# -- publishing through the adapter ------------------------------------------------------------------


def test_a_text_post_goes_out_with_its_key_as_the_idempotency_key(
    network: MastodonNetwork, mastodon_server: MastodonServer
) -> None:
    post = outgoing("Hello from the desk #news")
    receipt = network.publish(post)
    [status] = mastodon_server.posted("desk")
    assert status.text == "Hello from the desk #news" and status.in_reply_to_id is None and status.media == []
    assert receipt.external_id == status.id
    assert receipt.url == f"https://mastodon.test/@desk/{status.id}"
    [(_, _, headers)] = [r for r in mastodon_server.requests if r[0] == "POST" and r[1] == STATUSES]
    assert headers["idempotency-key"] == post.key and headers["authorization"] == f"Bearer {TOKEN}"
    assert "article-promotion-scheduler" in headers["user-agent"]


@pytest.mark.parametrize("count", [1, 4])
def test_images_go_with_their_alt_text_waiting_for_one_still_processing(
    network: MastodonNetwork, mastodon_server: MastodonServer, tmp_path: Path, count: int
) -> None:
    mastodon_server.async_media_over_bytes = 4_000  # the noisy image is answered 202, then 206 until done
    media = tuple(
        Media(str(image(tmp_path, f"card-{i}.png", noisy=i == count - 1)), f"Alt text {i}")
        for i in range(count)
    )
    started = time.monotonic()
    network.publish(outgoing("With images", media=media))
    [status] = mastodon_server.posted()
    assert [m["description"] for m in status.media] == [f"Alt text {i}" for i in range(count)]
    assert all(m["url"] for m in status.media) and len(mastodon_server.media) == count
    assert calls(mastodon_server, "POST", MEDIA) == count
    assert calls(mastodon_server, "GET", "/api/v1/media/") >= 1, "the 202 upload was polled until done"
    assert 0.3 <= time.monotonic() - started < 3


def test_media_processing_that_does_not_finish_in_time_is_transient_and_posts_nothing(
    network: MastodonNetwork, mastodon_server: MastodonServer, tmp_path: Path
) -> None:
    mastodon_server.async_media_over_bytes = 0
    mastodon_server.media_processing_seconds = 30
    network.media_wait_seconds = 0.6
    started = time.monotonic()
    with pytest.raises(Transient, match=r"still processing the image card\.png after 0\.6 s") as raised:
        network.publish(outgoing(media=(Media(str(image(tmp_path, "card.png")), "Alt"),)))
    assert time.monotonic() - started < 2 and mastodon_server.posted() == []
    clean(raised.value)


def test_a_thread_goes_out_as_replies(network: MastodonNetwork, mastodon_server: MastodonServer) -> None:
    first = network.publish(outgoing("1/2 The story"))
    second = network.publish(outgoing("2/2 The rest", reply_to=first.external_id))
    opening, reply = mastodon_server.posted()
    assert (opening.id, reply.id) == (first.external_id, second.external_id)
    assert reply.in_reply_to_id == opening.id


def test_the_same_idempotency_key_makes_no_second_status(
    network: MastodonNetwork, mastodon_server: MastodonServer
) -> None:
    post = outgoing()
    assert network.publish(post) == network.publish(post)
    assert len(mastodon_server.posted()) == 1


# -- failures, sorted once -----------------------------------------------------------------------------


def test_a_429_is_rate_limited_until_the_headers_reset(
    network: MastodonNetwork, mastodon_server: MastodonServer
) -> None:
    mastodon_server.fail("429", STATUSES, method="POST", reset_in=900)
    with pytest.raises(RateLimited) as raised:
        network.publish(outgoing())
    [(_, _, _, headers)] = mastodon_server.injected
    assert raised.value.reset_at == datetime.fromisoformat(headers["X-RateLimit-Reset"])
    assert raised.value.reset_at.utcoffset() == timedelta(0)
    assert "rate limit" in clean(raised.value) and mastodon_server.posted() == []


@pytest.mark.parametrize(("kind", "path"), [("500", STATUSES), ("503", STATUSES), ("503", MEDIA)])
def test_server_errors_are_transient(
    network: MastodonNetwork, mastodon_server: MastodonServer, tmp_path: Path, kind: str, path: str
) -> None:
    mastodon_server.fail(kind, path, method="POST")
    with pytest.raises(Transient, match=f"answered {kind}") as raised:
        network.publish(outgoing(media=(Media(str(image(tmp_path, "card.png")), "Alt"),)))
    clean(raised.value)
    assert mastodon_server.posted() == []


def test_a_refused_token_is_auth_expired(network: MastodonNetwork, mastodon_server: MastodonServer) -> None:
    mastodon_server.fail("401", STATUSES, method="POST")
    with pytest.raises(AuthExpired, match="The access token is invalid") as raised:
        network.publish(outgoing())
    clean(raised.value)


def test_a_text_over_the_instances_limit_is_permanent_with_mastodons_reason(
    network: MastodonNetwork, mastodon_server: MastodonServer
) -> None:
    with pytest.raises(Permanent, match="Text character limit of 500 exceeded") as raised:
        network.publish(outgoing("x" * 501))
    clean(raised.value)
    assert mastodon_server.posted() == []


def test_replying_to_a_deleted_status_is_permanent(network: MastodonNetwork) -> None:
    with pytest.raises(Permanent, match=r"Record not found \(the status it replies to, 404404, may have"):
        network.publish(outgoing(reply_to="404404"))


def test_a_missing_image_file_is_permanent(network: MastodonNetwork, tmp_path: Path) -> None:
    with pytest.raises(Permanent, match=r"the image gone\.png cannot be read"):
        network.publish(outgoing(media=(Media(str(tmp_path / "gone.png"), "Alt"),)))


def test_a_slow_answer_to_the_status_is_an_unknown_outcome_and_find_sees_the_post(
    network: MastodonNetwork, mastodon_server: MastodonServer
) -> None:
    mastodon_server.fail("slow", STATUSES, method="POST")
    post = outgoing()
    started = time.monotonic()
    with pytest.raises(OutcomeUnknown, match=f"no answer within {TIMEOUT:g} s") as raised:
        network.publish(post)
    assert TIMEOUT <= time.monotonic() - started < TIMEOUT + 0.5
    clean(raised.value)
    [status] = mastodon_server.posted()
    assert network.find(post).external_id == status.id


def test_a_connection_dropped_after_the_status_was_recorded_is_an_unknown_outcome(
    network: MastodonNetwork, mastodon_server: MastodonServer
) -> None:
    mastodon_server.fail("drop_after_record", STATUSES, method="POST")
    post = outgoing()
    with pytest.raises(OutcomeUnknown, match="connection closed without an answer") as raised:
        network.publish(post)
    clean(raised.value)
    [status] = mastodon_server.posted()
    found = network.find(post)
    assert found is not None and found.external_id == status.id
    # Sending it again with the same Idempotency-Key makes no second status either.
    assert network.publish(post) == found
    assert len(mastodon_server.posted()) == 1


def test_a_connection_dropped_before_anything_was_done_is_unknown_and_find_says_absent(
    network: MastodonNetwork, mastodon_server: MastodonServer
) -> None:
    mastodon_server.fail("drop", STATUSES, method="POST")
    post = outgoing()
    with pytest.raises(OutcomeUnknown):
        network.publish(post)
    assert network.find(post) is None and mastodon_server.posted() == []


def test_failures_before_the_status_is_sent_are_never_unknown(
    network: MastodonNetwork, mastodon_server: MastodonServer, tmp_path: Path
) -> None:
    media = (Media(str(image(tmp_path, "card.png")), "Alt"),)
    mastodon_server.fail("slow", MEDIA)
    with pytest.raises(Transient, match=f"gave no answer when asked to upload.*within {TIMEOUT:g} s"):
        network.publish(outgoing(media=media))
    mastodon_server.fail("429", MEDIA)
    with pytest.raises(RateLimited):
        network.publish(outgoing(media=media))
    assert mastodon_server.posted() == []


def test_an_instance_nobody_answers_for_is_transient() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    account = AccountSettings(
        "desk", "mastodon", {"instance": f"http://127.0.0.1:{port}"}, {"access_token": TOKEN}
    )
    with pytest.raises(Transient, match=r"could not reach .* connection refused") as raised:
        connect(account, Settings(network_timeout_seconds=TIMEOUT)).publish(outgoing())
    clean(raised.value)


def test_an_instance_answering_5xx_costs_one_request_not_a_storm(
    network: MastodonNetwork, mastodon_server: MastodonServer
) -> None:
    # Mastodon.py reading the version itself would retry, recursing, until a RecursionError.
    mastodon_server.fail("503", "/api/v1/instance", times=1000)
    with pytest.raises(Transient, match="answered 503 when asked to read the instance's version"):
        network.publish(outgoing())
    assert calls(mastodon_server, "GET", "/api/v1/instance") == 1 and len(mastodon_server.requests) == 1


def test_an_account_without_a_token_or_instance_needs_reconnecting(mastodon_server: MastodonServer) -> None:
    settings = Settings(network_timeout_seconds=TIMEOUT)
    with pytest.raises(AuthExpired, match="no Mastodon access token"):
        connect(desk(mastodon_server, token=""), settings)
    with pytest.raises(AuthExpired, match="names no Mastodon instance"):
        connect(AccountSettings("desk", "mastodon", {}, {"access_token": TOKEN}), settings)
    assert TOKEN not in repr(connect(desk(mastodon_server), settings))


# -- find -------------------------------------------------------------------------------------------


def test_find_reads_the_status_back_though_mastodon_renders_it_otherwise(
    network: MastodonNetwork, mastodon_server: MastodonServer
) -> None:
    plain = outgoing("Read it: https://example.com/a/rather/long/path/to/the/article?ref=feed #News")
    mentioning = outgoing("Thanks @editor@newsroom.example\n\nfor the tip &amp; <b>the</b> quote")
    receipts = [network.publish(plain), network.publish(mentioning)]
    sources = calls(mastodon_server, "GET", STATUSES)
    assert [network.find(plain), network.find(mentioning)] == receipts
    # The link and hashtag read back from the HTML; the remote mention shows only "@editor", so the
    # status's source text decides.
    assert calls(mastodon_server, "GET", STATUSES) - sources == 1, "one source read, for the mention"
    assert calls(mastodon_server, "POST", STATUSES) == 2, "find never posts"


def test_find_ignores_lookalikes(network: MastodonNetwork, mastodon_server: MastodonServer) -> None:
    parent = network.publish(outgoing("The parent"))
    network.publish(outgoing("Same words", reply_to=parent.external_id))  # a reply, ours is not
    old = network.publish(outgoing("Old words"))
    mastodon_server.posted()[-1].created_at -= timedelta(hours=2)  # long before our due time
    network.publish(outgoing("Same words but longer"))
    assert network.find(outgoing("Same words")) is None
    assert network.find(outgoing("Old words")) is None
    assert network.find(outgoing("Old words", due_at=utcnow() - timedelta(hours=2))) == old
    assert calls(mastodon_server, "POST", STATUSES) == 4


def test_find_looks_past_the_first_page(network: MastodonNetwork, mastodon_server: MastodonServer) -> None:
    target = outgoing("The one we look for")
    receipt = network.publish(target)
    for i in range(45):
        network.publish(outgoing(f"Later post {i}"))
    assert network.find(target) == receipt
    me = mastodon_server.accounts[TOKEN].id
    assert calls(mastodon_server, "GET", f"/api/v1/accounts/{me}/statuses") == 2


def test_html_to_text_keeps_paragraphs_breaks_and_whole_links() -> None:
    content = (
        '<p>One<br />two <a href="https://example.com/x"><span class="invisible">https://</span>'
        '<span class="ellipsis">example.com/</span><span class="invisible">x</span></a></p><p>&amp; three</p>'
    )
    assert html_to_text(content) == "One\ntwo https://example.com/x\n\n& three"


# -- check ------------------------------------------------------------------------------------------


def test_check_names_the_account_and_reads_the_instances_limit(
    network: MastodonNetwork, mastodon_server: MastodonServer
) -> None:
    mastodon_server.max_characters = 1000
    check = network.check()
    user_id = mastodon_server.accounts[TOKEN].id
    assert check.handle == "@desk@mastodon.test" and check.user_id == user_id
    assert check.options == {"max_characters": 1000, "user_id": user_id}


def test_check_with_a_revoked_token_is_auth_expired(
    network: MastodonNetwork, mastodon_server: MastodonServer
) -> None:
    mastodon_server.revoke(TOKEN)
    with pytest.raises(AuthExpired, match=r"refused the access token \(401\)") as raised:
        network.check()
    clean(raised.value)


# -- the fake itself ----------------------------------------------------------------------------------


def test_the_fake_forgets_idempotency_keys_after_its_window(
    network: MastodonNetwork, mastodon_server: MastodonServer
) -> None:
    mastodon_server.idempotency_seconds = 0.2
    post = outgoing()
    first = network.publish(post)
    time.sleep(0.3)
    assert network.publish(post) != first and len(mastodon_server.posted()) == 2


def test_the_fake_fails_at_random_as_seeded(mastodon_server: MastodonServer) -> None:
    outcomes = []
    for _ in range(2):
        mastodon_server.fail_randomly(0.5, kinds=("500", "503", "429"), seed=7, paths=[STATUSES])
        network = connect(desk(mastodon_server), Settings(network_timeout_seconds=TIMEOUT))
        run = []
        for _ in range(12):
            try:
                network.publish(outgoing())
                run.append("ok")
            except (Transient, RateLimited) as error:
                run.append(type(error).__name__)
        outcomes.append(run)
    assert outcomes[0] == outcomes[1] and {"ok", "Transient"} <= set(outcomes[0])
    mastodon_server.stop_failing()
    assert network.publish(outgoing())
    with pytest.raises(ValueError, match="kinds among"):
        mastodon_server.fail_randomly(0.2, kinds=("teapot",))


# -- through the publishing state machine --------------------------------------------------------------


Sessions = Callable[[], AbstractContextManager[Session]]


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, isolated_settings: Path) -> Iterator[Settings]:
    """The account's token sealed with a key of this test's; every network call times out quickly."""
    monkeypatch.setenv("SCHEDULER_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("SCHEDULER_NETWORK_TIMEOUT_SECONDS", str(TIMEOUT))
    get_settings.cache_clear()
    yield Settings(lease_seconds=60, retry_backoff_seconds=30, max_attempts=3)
    get_settings.cache_clear()


@pytest.fixture
def sessions(database_url: str, settings: Settings, mastodon_server: MastodonServer) -> Sessions:
    sessions = lambda: db.session_scope(database_url)  # noqa: E731
    with sessions() as session:
        account = add_account(
            session, "desk", "mastodon", "UTC", {"instance": mastodon_server.url, "max_characters": 500}
        )
        key = settings.secret_key.get_secret_value() if settings.secret_key else None
        account.secrets = vault.seal({"access_token": TOKEN}, key)
    return sessions


def queued(
    sessions: Sessions, text: str = "A new article", *, media: list[dict] | None = None, parent=None
) -> int:
    with sessions() as session:
        account = session.scalar(select(Account).where(Account.name == "desk"))
        now = utcnow()
        post = Post(
            account=account,
            text=text,
            media=media or [],
            thread_parent_id=parent,
            state=PostState.QUEUED,
            due_at=now,
            scheduled_for=now,
        )
        session.add(post)
        session.flush()
        return post.id


def load(sessions: Sessions, post_id: int) -> tuple[Post, list[Attempt], Account]:
    with sessions() as session:
        post = session.get(Post, post_id)
        attempts = list(
            session.scalars(select(Attempt).where(Attempt.post_id == post_id).order_by(Attempt.id))
        )
        account = session.scalar(select(Account).where(Account.name == "desk"))
        session.expunge_all()
        return post, attempts, account


def publish(sessions: Sessions, post_id: int, settings: Settings) -> publishing.Result:
    return publishing.publish(sessions, post_id, networks.for_account, settings=settings)


def no_secret_in(post: Post, attempts: list[Attempt], account: Account, logs: str) -> None:
    texts = [post.last_error, account.hold_reason, *(a.detail for a in attempts), logs]
    assert not [text for text in texts if text and TOKEN in text]


def test_a_post_with_an_image_is_published_and_recorded(
    sessions: Sessions, settings: Settings, mastodon_server: MastodonServer, tmp_path: Path
) -> None:
    card = image(tmp_path, "card.png")
    post_id = queued(sessions, "Read this", media=[{"path": str(card), "alt_text": "A quote card"}])
    assert publish(sessions, post_id, settings).outcome is Outcome.PUBLISHED
    post, attempts, _ = load(sessions, post_id)
    [status] = mastodon_server.posted()
    assert post.state == PostState.PUBLISHED and post.external_id == status.id
    assert post.external_url == f"https://mastodon.test/@desk/{status.id}"
    assert status.idempotency_key == post.key and status.media[0]["description"] == "A quote card"
    assert [(a.kind, a.outcome) for a in attempts] == [("publish", "published")]


def test_a_thread_is_published_as_replies(sessions: Sessions, settings: Settings, mastodon_server) -> None:
    first = queued(sessions, "1/2 The story")
    second = queued(sessions, "2/2 The rest", parent=first)
    assert publish(sessions, first, settings).outcome is Outcome.PUBLISHED
    assert publish(sessions, second, settings).outcome is Outcome.PUBLISHED
    opening, reply = mastodon_server.posted()
    assert reply.in_reply_to_id == opening.id == load(sessions, first)[0].external_id


def test_accounts_check_stores_the_instances_limit(
    sessions: Sessions, settings: Settings, mastodon_server: MastodonServer
) -> None:
    mastodon_server.max_characters = 5000
    with sessions() as session:
        check = connections.prove(connections.opened_account(session, "desk", settings))
        connections.record_check(session, "desk", check)
    _, _, account = load(sessions, queued(sessions))
    assert account.options["max_characters"] == 5000
    assert account.options["user_id"] == mastodon_server.accounts[TOKEN].id


def test_a_429_reschedules_the_post_and_holds_the_account_until_the_reset(
    sessions: Sessions, settings: Settings, mastodon_server: MastodonServer, caplog: pytest.LogCaptureFixture
) -> None:
    mastodon_server.fail("429", STATUSES, method="POST", reset_in=600)
    post_id = queued(sessions)
    result = publish(sessions, post_id, settings)
    post, attempts, account = load(sessions, post_id)
    [(_, _, _, headers)] = mastodon_server.injected
    reset = datetime.fromisoformat(headers["X-RateLimit-Reset"])
    assert result.outcome is Outcome.RETRY_SCHEDULED and post.state == PostState.SCHEDULED
    assert post.due_at == reset and account.held_until == reset
    assert [a.outcome for a in attempts] == ["rate_limited"]
    no_secret_in(post, attempts, account, caplog.text)


def test_a_5xx_retries_later(
    sessions: Sessions, settings: Settings, mastodon_server: MastodonServer, caplog: pytest.LogCaptureFixture
) -> None:
    mastodon_server.fail("503", STATUSES, method="POST")
    post_id = queued(sessions)
    before = utcnow()
    assert publish(sessions, post_id, settings).outcome is Outcome.RETRY_SCHEDULED
    post, attempts, account = load(sessions, post_id)
    assert post.state == PostState.SCHEDULED and post.due_at >= before + timedelta(seconds=15)
    assert "answered 503" in post.last_error and [a.outcome for a in attempts] == ["transient"]
    no_secret_in(post, attempts, account, caplog.text)
    assert mastodon_server.posted() == []


def test_a_refused_token_holds_the_account_for_reconnecting(
    sessions: Sessions, settings: Settings, mastodon_server: MastodonServer, caplog: pytest.LogCaptureFixture
) -> None:
    mastodon_server.revoke(TOKEN)
    post_id = queued(sessions)
    assert publish(sessions, post_id, settings).outcome is Outcome.RETRY_SCHEDULED
    post, attempts, account = load(sessions, post_id)
    assert post.state == PostState.SCHEDULED and "reconnect" in post.last_error
    assert account.status == "reconnect" and [a.outcome for a in attempts] == ["auth_expired"]
    no_secret_in(post, attempts, account, caplog.text)


def test_a_text_the_instance_refuses_fails_with_mastodons_reason(
    sessions: Sessions, settings: Settings, mastodon_server: MastodonServer, caplog: pytest.LogCaptureFixture
) -> None:
    with sessions() as session:  # the account was checked when its instance allowed more
        session.execute(
            update(Account).values(options={"instance": mastodon_server.url, "max_characters": 900})
        )
    post_id = queued(sessions, "x" * 600)
    assert publish(sessions, post_id, settings).outcome is Outcome.FAILED
    post, attempts, account = load(sessions, post_id)
    assert post.state == PostState.FAILED and "Text character limit of 500 exceeded" in post.last_error
    assert [a.outcome for a in attempts] == ["permanent"]
    no_secret_in(post, attempts, account, caplog.text)


@pytest.mark.parametrize("kind", ["drop_after_record", "slow"])
def test_an_unknown_outcome_is_reconciled_to_exactly_one_status(
    sessions: Sessions,
    settings: Settings,
    mastodon_server: MastodonServer,
    caplog: pytest.LogCaptureFixture,
    kind: str,
) -> None:
    mastodon_server.fail(kind, STATUSES, method="POST")
    post_id = queued(sessions)
    assert publish(sessions, post_id, settings).outcome is Outcome.UNKNOWN
    post, _, _ = load(sessions, post_id)
    assert post.state == PostState.PUBLISHING and "OutcomeUnknown" in post.last_error
    assert publishing.reconcile(sessions, post_id, networks.for_account, settings=settings).outcome is (
        Outcome.FOUND
    )
    post, attempts, account = load(sessions, post_id)
    [status] = mastodon_server.posted()
    assert post.state == PostState.PUBLISHED and post.external_id == status.id
    assert [(a.kind, a.outcome) for a in attempts] == [("publish", "unknown"), ("find", "found")]
    # Another send with the post's key (a duplicate task) is answered with the same status.
    with sessions() as session:
        again = networks.for_account(connections.opened_account(session, "desk", settings))
    assert (
        again.publish(OutgoingPost(post_id, post.key, "desk", post.text, post.due_at)).external_id
        == status.id
    )
    assert len(mastodon_server.posted()) == 1
    no_secret_in(post, attempts, account, caplog.text)


def test_a_post_that_never_arrived_is_found_absent_and_sent_again_once(
    sessions: Sessions, settings: Settings, mastodon_server: MastodonServer
) -> None:
    mastodon_server.fail("drop", STATUSES, method="POST")
    post_id = queued(sessions)
    assert publish(sessions, post_id, settings).outcome is Outcome.UNKNOWN
    assert publishing.reconcile(sessions, post_id, networks.for_account, settings=settings).outcome is (
        Outcome.NOT_FOUND
    )
    with sessions() as session:  # the dispatcher's claim
        session.execute(update(Post).where(Post.id == post_id).values(state=PostState.QUEUED))
    assert publish(sessions, post_id, settings).outcome is Outcome.PUBLISHED
    post, attempts, _ = load(sessions, post_id)
    [status] = mastodon_server.posted()
    assert post.external_id == status.id
    assert [a.outcome for a in attempts] == ["unknown", "not_found", "published"]
