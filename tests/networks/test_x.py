"""The X adapter, with the real tweepy, against the fake X API of tests/peers (OAuth 1.0a signatures
checked, X's response shapes, faults injected the way X fails)."""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from scheduler.config import get_settings
from scheduler.networks import AccountSettings, for_account
from scheduler.networks.base import (
    AuthExpired,
    Media,
    OutcomeUnknown,
    OutgoingPost,
    Permanent,
    RateLimited,
    Transient,
)
from scheduler.networks.x import XNetwork, XSession, connect, shape
from scheduler.networks.x_media import ALT_TEXT_LIMIT
from tests.peers.x_fixtures import x_server  # noqa: F401  (pytest fixture)
from tests.peers.x_server import XServer

TIMEOUT = 0.5  # seconds: the network timeout in these tests
SLOW = 1.2  # seconds before the "slow" fault answers


@pytest.fixture(autouse=True)
def short_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEDULER_NETWORK_TIMEOUT_SECONDS", str(TIMEOUT))
    get_settings.cache_clear()


@pytest.fixture
def account(x_server: XServer) -> AccountSettings:  # noqa: F811
    """An X account as `accounts add` leaves it: its secrets, and who it is (as `check` said)."""
    options = {"user_id": x_server.user.id, "username": x_server.user.username}
    return AccountSettings("desk", "x", options, x_server.secrets_for())


@pytest.fixture
def network(account: AccountSettings) -> XNetwork:
    return connect(account, get_settings())


def images(folder: Path, count: int) -> tuple[Media, ...]:
    media = []
    for n in range(1, count + 1):
        path = folder / f"card-{n}.png"
        Image.new("RGB", (12, 8), (20 * n, 40, 60)).save(path)
        media.append(Media(str(path), alt_text=f"Card {n}: a quote from the article, in white on blue"))
    return tuple(media)


def outgoing(text: str = "A new article: what the numbers say", **fields: object) -> OutgoingPost:
    values: dict[str, object] = {
        "post_id": 1,
        "key": "k1",
        "account": "desk",
        "text": text,
        "due_at": datetime.now(UTC),
    }
    values.update(fields)
    return OutgoingPost(**values)  # type: ignore[arg-type]


def test_a_text_post_goes_out_once_and_find_sees_it(account: AccountSettings, x_server: XServer) -> None:  # noqa: F811
    network = connect(replace(account, options={}), get_settings())
    post = outgoing()
    receipt = network.publish(post)
    [tweet] = x_server.tweets_by()
    assert receipt.external_id == tweet.id and tweet.sent_text == post.text
    assert receipt.url == f"https://x.com/i/status/{tweet.id}"  # no username known yet: x.com/i works
    # find asks X who the account is (no user_id in the options): its receipt names the account.
    found = network.find(post)
    assert found is not None and found.external_id == tweet.id
    assert found.url == f"https://x.com/{x_server.user.username}/status/{tweet.id}"
    assert network.find(outgoing("Another text")) is None


@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_images_go_up_with_their_alt_text(
    network: XNetwork,
    x_server: XServer,  # noqa: F811
    tmp_path: Path,
    count: int,
) -> None:
    post = outgoing(media=images(tmp_path, count))
    receipt = network.publish(post)
    [tweet] = x_server.tweets_by()
    assert tweet.id == receipt.external_id
    assert [m.content_type for m in tweet.media] == ["image/png"] * count
    assert tweet.alt_texts == [m.alt_text for m in post.media]
    # X ends the text of a post with media with the media's t.co link: find still knows it.
    assert tweet.text.startswith(post.text + " https://t.co/")
    assert network.find(post) == receipt


def test_five_images_are_refused_before_anything_is_sent(
    network: XNetwork,
    x_server: XServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    with pytest.raises(Permanent, match="at most 4 images"):
        network.publish(outgoing(media=images(tmp_path, 5)))
    assert x_server.requests == []


def test_alt_text_longer_than_x_takes_is_cut_at_a_word(
    network: XNetwork,
    x_server: XServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    [image] = images(tmp_path, 1)
    network.publish(outgoing(media=(replace(image, alt_text="word " * 400),)))
    [alt] = x_server.tweets_by()[0].alt_texts
    assert alt is not None and len(alt) <= ALT_TEXT_LIMIT and alt.endswith("word…")


def test_an_image_that_is_not_there_fails_the_post(network: XNetwork, tmp_path: Path) -> None:
    with pytest.raises(Permanent, match=r"gone\.png cannot be read"):
        network.publish(outgoing(media=(Media(str(tmp_path / "gone.png"), "alt"),)))


def test_a_thread_part_replies_to_the_part_before(network: XNetwork, x_server: XServer) -> None:  # noqa: F811
    first = network.publish(outgoing("1/2 The short version"))
    second_post = outgoing("2/2 The long version", reply_to=first.external_id)
    second = network.publish(second_post)
    assert [(t.id, t.reply_to) for t in x_server.tweets_by()] == [
        (first.external_id, None),
        (second.external_id, first.external_id),
    ]
    assert network.find(second_post) == second
    # The same words, not in reply to that post, are not this post.
    assert network.find(replace(second_post, reply_to=None)) is None


def test_check_proves_the_credentials_and_names_the_account(
    account: AccountSettings,
    x_server: XServer,  # noqa: F811
) -> None:
    check = connect(replace(account, options={}), get_settings()).check()
    user = x_server.user
    assert check.handle == f"@{user.username}" and check.user_id == user.id
    assert check.options == {"user_id": user.id, "username": user.username}
    # With what check learnt stored in the options, receipts name the account and find reads no profile.
    network = connect(replace(account, options=check.options), get_settings())
    receipt = network.publish(outgoing())
    assert receipt.url == f"https://x.com/{user.username}/status/{receipt.external_id}"
    before = len(x_server.requests)
    assert network.find(outgoing()) == receipt
    assert [route for route, _ in x_server.requests[before:]] == ["GET /2/users/:id/tweets"]


def test_credentials_x_does_not_accept_are_auth_expired(
    account: AccountSettings,
    x_server: XServer,  # noqa: F811
) -> None:
    wrong = {**account.secrets, "access_token_secret": "not-the-secret"}
    network = connect(replace(account, secrets=wrong), get_settings())
    with pytest.raises(AuthExpired, match="401 Unauthorized"):
        network.check()
    with pytest.raises(AuthExpired):
        network.publish(outgoing())
    assert x_server.tweets == []


def test_an_account_without_credentials_says_how_to_add_them(account: AccountSettings) -> None:
    with pytest.raises(AuthExpired, match=r"no access_token_secret.*scheduler accounts add x desk"):
        for_account(replace(account, secrets={**account.secrets, "access_token_secret": ""}))


def test_links_are_found_after_x_wraps_them_in_tco(network: XNetwork, x_server: XServer) -> None:  # noqa: F811
    post = outgoing("Fish & chips <3: https://example.com/a?b=1 and example.org/menu — read on")
    receipt = network.publish(post)
    [tweet] = x_server.tweets_by()
    assert "example" not in tweet.text and "&amp;" in tweet.text and tweet.text.count("https://t.co/") == 2
    assert network.find(post) == receipt
    # The same words with another link are another post: X's entities say where each t.co leads.
    other = outgoing("Fish & chips <3: https://example.com/a?b=2 and example.org/menu — read on")
    assert network.find(other) is None
    assert network.publish(other) != receipt and network.find(other) != receipt


def test_texts_are_compared_as_x_shows_them() -> None:
    sent = shape("Read  it:\nhttps://Example.net/z/ now")
    assert sent.matches(shape("Read it: https://t.co/Ab12 now", {}))  # no entity: any link will do
    told = {"https://t.co/Ab12": {"url": "https://t.co/Ab12", "expanded_url": "https://example.net/z"}}
    assert sent.matches(shape("Read it: https://t.co/Ab12 now", told))
    elsewhere = {"https://t.co/Ab12": {"url": "https://t.co/Ab12", "expanded_url": "https://example.net/y"}}
    assert not sent.matches(shape("Read it: https://t.co/Ab12 now", elsewhere))
    assert not sent.matches(shape("Read it: now"))


def test_find_looks_only_after_the_due_time_less_its_slack(network: XNetwork, x_server: XServer) -> None:  # noqa: F811
    post = outgoing()
    x_server.seed_tweet(post.text, created_at=datetime.now(UTC) - timedelta(hours=4))
    assert network.find(post) is None
    assert network.find(replace(post, due_at=datetime.now(UTC) - timedelta(hours=6))) is not None


def test_rate_limit_gives_the_reset_time_x_sent(network: XNetwork, x_server: XServer) -> None:  # noqa: F811
    x_server.fail("POST /2/tweets", "rate_limit", reset_in=120)
    expected = datetime.now(UTC) + timedelta(seconds=120)
    with pytest.raises(RateLimited, match="429 Too Many Requests") as limited:
        network.publish(outgoing())
    assert abs((limited.value.reset_at - expected).total_seconds()) <= 2
    assert x_server.tweets == []


def test_the_daily_post_cap_waits_for_its_own_reset(network: XNetwork, x_server: XServer) -> None:  # noqa: F811
    x_server.fail("POST /2/tweets", "rate_limit", reset_in=6 * 3600, daily=True)
    with pytest.raises(RateLimited) as limited:
        network.publish(outgoing())
    assert limited.value.reset_at > datetime.now(UTC) + timedelta(hours=5)


@pytest.mark.parametrize("kind", ["server_error", "unavailable"])
def test_server_errors_are_transient(network: XNetwork, x_server: XServer, kind: str) -> None:  # noqa: F811
    x_server.fail("POST /2/tweets", kind)
    with pytest.raises(Transient, match=r"X refused the post \(50[03]"):
        network.publish(outgoing())
    assert x_server.tweets == []


def test_a_failed_upload_is_transient_and_sends_no_post(
    network: XNetwork,
    x_server: XServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    x_server.fail("POST /2/media/upload", "drop")
    with pytest.raises(Transient, match="uploading image 1 of 2"):
        network.publish(outgoing(media=images(tmp_path, 2)))
    assert x_server.tweets == []


def test_x_refusing_the_token_is_auth_expired(network: XNetwork, x_server: XServer) -> None:  # noqa: F811
    x_server.fail("POST /2/tweets", "unauthorized")
    with pytest.raises(AuthExpired, match="401"):
        network.publish(outgoing())


def test_a_text_too_long_is_refused_with_xs_reason(network: XNetwork) -> None:
    with pytest.raises(Permanent, match="Your Tweet text is too long"):
        network.publish(outgoing("word " * 60))


def test_a_slow_answer_is_an_unknown_outcome_and_find_settles_it(
    network: XNetwork,
    x_server: XServer,  # noqa: F811
) -> None:
    x_server.fail("POST /2/tweets", "slow", delay=SLOW)
    post = outgoing()
    started = time.monotonic()
    with pytest.raises(OutcomeUnknown, match="no answer within the timeout"):
        network.publish(post)
    assert time.monotonic() - started < SLOW
    assert x_server.idle()  # X finishes the work after the client gave up
    [tweet] = x_server.tweets_by()
    assert network.find(post).external_id == tweet.id  # type: ignore[union-attr]


def test_a_connection_dropped_after_the_post_landed_is_unknown_and_found(
    network: XNetwork,
    x_server: XServer,  # noqa: F811
) -> None:
    x_server.fail("POST /2/tweets", "drop")
    post = outgoing()
    with pytest.raises(OutcomeUnknown, match="connection dropped"):
        network.publish(post)
    [tweet] = x_server.tweets_by()
    assert network.find(post).external_id == tweet.id  # type: ignore[union-attr]


def test_a_connection_dropped_before_anything_happened_is_unknown_and_not_found(
    network: XNetwork,
    x_server: XServer,  # noqa: F811
) -> None:
    x_server.fail("POST /2/tweets", "drop_before")
    post = outgoing()
    with pytest.raises(OutcomeUnknown):
        network.publish(post)
    assert x_server.tweets == [] and network.find(post) is None


def test_no_connection_at_all_is_transient(account: AccountSettings, x_server: XServer) -> None:  # noqa: F811
    network = connect(account, get_settings())
    x_server.stop()
    with pytest.raises(Transient, match="could not connect"):
        network.publish(outgoing())


def test_a_duplicate_of_this_very_post_is_its_receipt(network: XNetwork, x_server: XServer) -> None:  # noqa: F811
    post = outgoing()
    first = network.publish(post)
    assert network.publish(post) == first  # X: 403 duplicate content; find: it is ours
    assert len(x_server.tweets_by()) == 1


def test_a_duplicate_of_an_older_post_is_permanent(network: XNetwork, x_server: XServer) -> None:  # noqa: F811
    posted_by_hand = x_server.seed_tweet(outgoing().text, created_at=datetime.now(UTC) - timedelta(days=1))
    with pytest.raises(Permanent, match="X refuses identical text"):
        network.publish(outgoing())
    assert x_server.tweets_by() == [posted_by_hand]
    x_server.fail("POST /2/tweets", "duplicate")
    with pytest.raises(Permanent, match="X refuses identical text"):
        network.publish(outgoing("Words X says it has seen"))
    assert x_server.tweets_by() == [posted_by_hand]


def test_a_duplicate_that_cannot_be_looked_up_is_unknown(network: XNetwork, x_server: XServer) -> None:  # noqa: F811
    x_server.fail("POST /2/tweets", "duplicate")
    x_server.fail("GET /2/users/:id/tweets", "unavailable")
    with pytest.raises(OutcomeUnknown, match=r"duplicate.*looking it up failed"):
        network.publish(outgoing())


def test_hosts_are_rewritten_to_the_configured_api() -> None:
    session = XSession("http://127.0.0.1:9/base", 1.0)
    assert session.rewrite("https://api.twitter.com/2/tweets?a=1") == "http://127.0.0.1:9/base/2/tweets?a=1"
    assert session.rewrite("https://upload.twitter.com/1.1/x") == "http://127.0.0.1:9/base/1.1/x"
    assert session.rewrite("https://example.com/2/tweets") == "https://example.com/2/tweets"


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    yield caplog


def test_no_secret_reaches_an_error_message_an_answer_or_the_logs(
    network: XNetwork,
    x_server: XServer,  # noqa: F811
    tmp_path: Path,
    debug_logs: pytest.LogCaptureFixture,
) -> None:
    secrets = list(x_server.secrets_for().values())
    told: list[str] = []
    for n, kind in enumerate(["rate_limit", "server_error", "unauthorized", "slow", "drop", "drop_before"]):
        x_server.fail("POST /2/tweets", kind, delay=SLOW)
        with pytest.raises((RateLimited, Transient, AuthExpired, OutcomeUnknown)) as raised:
            network.publish(outgoing(f"Post {n}", media=images(tmp_path, 1)))
        told.append("".join(traceback.format_exception(raised.value)))
    x_server.fail("GET /2/users/me", "unauthorized")
    with pytest.raises(AuthExpired) as refused:
        network.check()
    told.append("".join(traceback.format_exception(refused.value)))
    x_server.idle()
    network.publish(outgoing("The one that goes out", media=images(tmp_path, 2)))
    answers = [body.decode() for _, body in x_server.answers]
    records = [record.getMessage() for record in debug_logs.records]
    assert any("Making API request" in record for record in records)  # tweepy's debug log was on
    for secret in secrets:
        assert not [text for text in told + answers + records if secret in text], "a secret leaked"
