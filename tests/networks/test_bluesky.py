"""The Bluesky adapter against a real PDS (tests/peers/pds.mjs), and through a fault-injecting proxy
for what the PDS will not do on demand (429, 503, a slow answer, a dropped connection).

Each test makes its own accounts on the one PDS of the session. The state-machine tests run the real
`publishing.publish` and `publishing.reconcile` with the real adapter; only the network misbehaves.
"""

from __future__ import annotations

import base64
import json
import re
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from atproto_client.client.session import Session as AtprotoSession
from cryptography.fernet import Fernet
from PIL import Image
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from scheduler import db, networks, publishing
from scheduler.config import Settings, get_settings
from scheduler.models import Account, Attempt, Post, PostState, utcnow
from scheduler.networks import AccountSettings, bluesky, vault
from scheduler.networks.base import (
    AccountCheck,
    AuthExpired,
    LinkCard,
    Media,
    OutcomeUnknown,
    OutgoingPost,
    Permanent,
    RateLimited,
    Receipt,
    Transient,
)
from scheduler.newsroom import accounts
from scheduler.publishing import Outcome
from tests.peers.bluesky_pds import LocalPds, PdsAccount
from tests.peers.fault_proxy import Drop, FaultProxy, RateLimit, Slow, Status, fault_proxy

CREATE = "com.atproto.repo.createRecord"
LOGIN = "com.atproto.server.createSession"
TID = re.compile(r"[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}")


# Calls that take longer count as timeouts. Signing in to the PDS (it hashes the app password) took
# over a second on a loaded 2-core machine: a "slow" answer is this plus a margin.
TIMEOUT = 3.0


@pytest.fixture(autouse=True)
def fresh_sessions() -> Iterator[None]:
    """Each test starts without the sessions earlier tests left in this process."""
    bluesky._sessions.clear()
    yield
    bluesky._sessions.clear()


@pytest.fixture
def alice(bluesky_pds: LocalPds) -> PdsAccount:
    return bluesky_pds.create_account(f"alice{uuid.uuid4().hex[:8]}")


@pytest.fixture
def proxy(bluesky_pds: LocalPds) -> Iterator[FaultProxy]:
    with fault_proxy(bluesky_pds.url) as running:
        yield running


def connect(service: str, account: PdsAccount, *, app_password: str | None = None, timeout: float = 10.0):
    settings = AccountSettings(
        "desk",
        "bluesky",
        {"handle": account.handle, "service": service},
        {"app_password": account.app_password if app_password is None else app_password},
    )
    return bluesky.connect(settings, Settings(network_timeout_seconds=timeout))


def outgoing(text: str, **fields: object) -> OutgoingPost:
    return OutgoingPost(post_id=1, key=uuid.uuid4().hex, account="desk", text=text, due_at=utcnow(), **fields)


def picture(path: Path, size: tuple[int, int], color: str = "teal") -> Path:
    Image.new("RGB", size, color).save(path)
    return path


def value(pds: LocalPds, receipt: Receipt) -> dict:
    return pds.get_record(receipt.external_id)["value"]


def untyped(data: dict) -> dict:
    """An object without its optional "$type" (atproto's client names the type of every object)."""
    return {k: v for k, v in data.items() if k != "$type"}


def strong_ref(pds: LocalPds, uri: str) -> dict:
    return {"uri": uri, "cid": pds.get_record(uri)["cid"]}


# What the PDS holds


def test_text_carries_link_mention_and_tag_facets_at_utf8_byte_offsets(
    bluesky_pds: LocalPds, alice: PdsAccount
) -> None:
    bob = bluesky_pds.create_account(f"bob{uuid.uuid4().hex[:8]}")
    url = "https://example.com/news/2026/11/the-long-headline-of-an-article?ref=feed"
    text = f"Café ☕ read {url} by @{bob.handle} and @nobody.test #Press #café"
    receipt = connect(bluesky_pds.url, alice).publish(outgoing(text))

    record = value(bluesky_pds, receipt)
    shown = record["text"].encode()
    assert (
        record["text"]
        == f"Café ☕ read example.com/news/2026/11/the-… by @{bob.handle} and @nobody.test #Press #café"
    )
    marked = [
        (shown[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(), f["features"])
        for f in record["facets"]
    ]
    assert marked == [
        ("example.com/news/2026/11/the-…", [{"$type": "app.bsky.richtext.facet#link", "uri": url}]),
        (f"@{bob.handle}", [{"$type": "app.bsky.richtext.facet#mention", "did": bob.did}]),
        ("#Press", [{"$type": "app.bsky.richtext.facet#tag", "tag": "Press"}]),
        ("#café", [{"$type": "app.bsky.richtext.facet#tag", "tag": "café"}]),
    ]  # @nobody.test does not resolve: it stays plain text
    rkey = receipt.external_id.rsplit("/", 1)[1]
    assert receipt.external_id == f"at://{alice.did}/app.bsky.feed.post/{rkey}"
    assert receipt.url == f"https://bsky.app/profile/{alice.handle}/post/{rkey}"


@pytest.mark.parametrize("count", [1, 4])
def test_images_go_up_as_blobs_with_their_alt_text_and_aspect_ratio(
    bluesky_pds: LocalPds, alice: PdsAccount, tmp_path: Path, count: int
) -> None:
    sizes = [(600, 400), (400, 600), (500, 500), (800, 450)][:count]
    media = tuple(
        Media(str(picture(tmp_path / f"card{i}.{'jpg' if i == 3 else 'png'}", size)), f"Card {i}: «quote» ✓")
        for i, size in enumerate(sizes)
    )
    receipt = connect(bluesky_pds.url, alice).publish(outgoing("Four cards", media=media))

    embed = value(bluesky_pds, receipt)["embed"]
    assert embed["$type"] == "app.bsky.embed.images"
    assert [image["alt"] for image in embed["images"]] == [m.alt_text for m in media]
    assert [untyped(image["aspectRatio"]) for image in embed["images"]] == [
        {"width": w, "height": h} for w, h in sizes
    ]
    kinds = [image["image"]["mimeType"] for image in embed["images"]]
    assert kinds == ["image/png", "image/png", "image/png", "image/jpeg"][:count]


def test_a_link_card_carries_title_description_and_thumbnail(
    bluesky_pds: LocalPds, alice: PdsAccount, tmp_path: Path
) -> None:
    lead = picture(tmp_path / "lead.jpg", (1200, 630), "navy")
    link = LinkCard("https://example.com/story", "The story", "What happened, in a line.", str(lead))
    receipt = connect(bluesky_pds.url, alice).publish(outgoing("New: https://example.com/story", link=link))

    embed = value(bluesky_pds, receipt)["embed"]
    assert embed["$type"] == "app.bsky.embed.external"
    external = embed["external"]
    assert (external["uri"], external["title"], external["description"]) == (
        "https://example.com/story",
        "The story",
        "What happened, in a line.",
    )
    assert external["thumb"]["mimeType"] == "image/jpeg" and external["thumb"]["size"] == lead.stat().st_size


def test_a_thread_names_its_root_and_parent_by_uri_and_cid(bluesky_pds: LocalPds, alice: PdsAccount) -> None:
    network = connect(bluesky_pds.url, alice)
    root = network.publish(outgoing("1/3 The story"))
    second = network.publish(outgoing("2/3 More", reply_to=root.external_id))
    third = network.publish(outgoing("3/3 The end", reply_to=second.external_id))

    root_ref, second_ref = (
        strong_ref(bluesky_pds, root.external_id),
        strong_ref(bluesky_pds, second.external_id),
    )
    assert "reply" not in value(bluesky_pds, root)
    assert replies_to(bluesky_pds, second) == {"root": root_ref, "parent": root_ref}
    assert replies_to(bluesky_pds, third) == {"root": root_ref, "parent": second_ref}


def replies_to(pds: LocalPds, receipt: Receipt) -> dict:
    reply = value(pds, receipt)["reply"]
    return {"root": untyped(reply["root"]), "parent": untyped(reply["parent"])}


def test_check_logs_in_and_names_the_account(bluesky_pds: LocalPds, alice: PdsAccount) -> None:
    assert connect(bluesky_pds.url, alice).check() == AccountCheck(
        handle=alice.handle, user_id=alice.did, options={"did": alice.did}
    )


def test_a_second_attempt_at_a_post_uses_the_same_record_key_and_leaves_one_record(
    bluesky_pds: LocalPds, alice: PdsAccount
) -> None:
    post = outgoing("Once only")
    first = connect(bluesky_pds.url, alice).publish(post)
    again = connect(bluesky_pds.url, alice).publish(post)  # another worker, same post

    assert again == first
    assert TID.fullmatch(bluesky.record_key(post.key)) and first.external_id.endswith(
        bluesky.record_key(post.key)
    )
    assert [r["uri"] for r in bluesky_pds.list_records(alice.did)] == [first.external_id]
    assert connect(bluesky_pds.url, alice).find(post) == first
    assert connect(bluesky_pds.url, alice).find(outgoing("Never sent")) is None


def test_record_keys_are_tids_that_differ_from_post_to_post() -> None:
    keys = {bluesky.record_key(uuid.uuid4().hex) for _ in range(2000)}
    assert len(keys) == 2000 and all(TID.fullmatch(key) for key in keys)
    assert bluesky.record_key("a" * 32) == bluesky.record_key("a" * 32)


# Refusals the PDS gives itself


def test_a_wrong_app_password_is_auth_expired_and_the_message_keeps_it_secret(
    bluesky_pds: LocalPds, alice: PdsAccount
) -> None:
    network = connect(bluesky_pds.url, alice, app_password="wrong-pass-word")
    with pytest.raises(AuthExpired) as checked:
        network.check()
    with pytest.raises(AuthExpired) as published:
        network.publish(outgoing("Hello"))
    for error in (checked.value, published.value):
        assert alice.handle in str(error) and "wrong-pass-word" not in str(error)
    assert bluesky_pds.list_records(alice.did) == []


def test_text_over_300_graphemes_is_refused_for_good(bluesky_pds: LocalPds, alice: PdsAccount) -> None:
    with pytest.raises(Permanent, match="300"):
        connect(bluesky_pds.url, alice).publish(outgoing("é" * 301))
    assert bluesky_pds.list_records(alice.did) == []


def test_a_missing_image_fails_before_anything_is_sent(
    bluesky_pds: LocalPds, alice: PdsAccount, tmp_path: Path
) -> None:
    with pytest.raises(Permanent, match=r"gone\.png cannot be read"):
        connect(bluesky_pds.url, alice).publish(outgoing("Hi", media=(Media(str(tmp_path / "gone.png")),)))
    assert bluesky_pds.list_records(alice.did) == []


# Sessions


def test_the_session_is_reused_across_adapters_in_a_process(proxy: FaultProxy, alice: PdsAccount) -> None:
    connect(proxy.url, alice).publish(outgoing("One"))
    connect(proxy.url, alice).publish(outgoing("Two"))
    connect(proxy.url, alice).find(outgoing("Three"))
    assert proxy.calls(LOGIN) == 1


def rewrite_access_tokens(change: Callable[[str], str]) -> None:
    """Change the access token of every session this process keeps (what time or the PDS did to it)."""
    for key, saved in bluesky._sessions.items():
        session = AtprotoSession.decode(saved)
        session.access_jwt = change(session.access_jwt)
        bluesky._sessions[key] = session.encode()


def expired(token: str) -> str:
    """The token with its expiry an hour ago (the client reads it to decide when to refresh)."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["exp"] = int(time.time()) - 3600
    encoded = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{header}.{encoded}.{signature}"


def test_an_expired_access_token_is_refreshed_without_logging_in_again(
    bluesky_pds: LocalPds, proxy: FaultProxy, alice: PdsAccount
) -> None:
    connect(proxy.url, alice).check()
    rewrite_access_tokens(expired)
    receipt = connect(proxy.url, alice).publish(outgoing("Fresh token"))
    assert proxy.calls("com.atproto.server.refreshSession") == 1 and proxy.calls(LOGIN) == 1
    assert [r["uri"] for r in bluesky_pds.list_records(alice.did)] == [receipt.external_id]


def test_a_session_the_pds_no_longer_accepts_is_replaced_by_a_fresh_login(
    bluesky_pds: LocalPds, proxy: FaultProxy, alice: PdsAccount
) -> None:
    connect(proxy.url, alice).check()
    rewrite_access_tokens(lambda token: token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"))
    receipt = connect(proxy.url, alice).publish(outgoing("Still here"))
    assert proxy.calls(LOGIN) == 2 and proxy.calls(CREATE) == 2  # refused once, sent again after the login
    assert [r["uri"] for r in bluesky_pds.list_records(alice.did)] == [receipt.external_id]


# Failures through the proxy


def test_a_429_is_rate_limited_until_the_reset_header(
    bluesky_pds: LocalPds, proxy: FaultProxy, alice: PdsAccount
) -> None:
    reset = int(time.time()) + 120
    proxy.fail(CREATE, RateLimit(reset=reset))
    with pytest.raises(RateLimited) as limited:
        connect(proxy.url, alice).publish(outgoing("Hello"))
    assert limited.value.reset_at == datetime.fromtimestamp(reset, UTC)
    assert bluesky_pds.list_records(alice.did) == []


def test_a_503_is_transient_and_the_next_attempt_publishes_once(
    bluesky_pds: LocalPds, proxy: FaultProxy, alice: PdsAccount
) -> None:
    post = outgoing("Hello")
    proxy.fail(CREATE, Status(503))
    with pytest.raises(Transient, match="503"):
        connect(proxy.url, alice).publish(post)
    receipt = connect(proxy.url, alice).publish(post)
    assert [r["uri"] for r in bluesky_pds.list_records(alice.did)] == [receipt.external_id]


def test_a_pds_that_does_not_answer_is_transient(alice: PdsAccount) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(Transient, match="could not reach"):
        connect(f"http://127.0.0.1:{port}", alice).publish(outgoing("Hello"))


@pytest.mark.parametrize("fault", [Drop(), Slow(TIMEOUT + 1.5)], ids=["dropped", "slow"])
def test_a_lost_answer_is_an_unknown_outcome_and_find_sees_the_post(
    bluesky_pds: LocalPds, proxy: FaultProxy, alice: PdsAccount, fault: Drop | Slow
) -> None:
    post = outgoing("Did it land?")
    network = connect(proxy.url, alice, timeout=TIMEOUT)
    network.check()
    proxy.fail(CREATE, fault)
    with pytest.raises(OutcomeUnknown):
        network.publish(post)
    found = connect(proxy.url, alice).find(post)
    assert found is not None and [r["uri"] for r in bluesky_pds.list_records(alice.did)] == [
        found.external_id
    ]


# Through the state machine


@pytest.fixture
def sessions(database_url: str) -> Callable[[], AbstractContextManager[Session]]:
    return lambda: db.session_scope(database_url)


@pytest.fixture
def secret_key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("SCHEDULER_SECRET_KEY", key)
    monkeypatch.setenv("SCHEDULER_NETWORK_TIMEOUT_SECONDS", str(TIMEOUT))
    get_settings.cache_clear()
    return key


def add_account(sessions, service: str, account: PdsAccount, secret_key: str) -> int:
    with sessions() as session:
        options = {"handle": account.handle, "service": service}
        row = accounts.add_account(session, "sky", "bluesky", "UTC", options)
        row.secrets = vault.seal({"app_password": account.app_password}, secret_key)
        session.flush()
        return row.id


def queued_post(sessions, account_id: int, text: str = "Hello", parent: int | None = None) -> int:
    with sessions() as session:
        now = utcnow()
        post = Post(
            account_id=account_id,
            text=text,
            state=PostState.QUEUED,
            due_at=now,
            scheduled_for=now,
            thread_parent_id=parent,
        )
        session.add(post)
        session.flush()
        return post.id


def history(sessions, post_id: int) -> tuple[Post, Account, list[tuple[str, str]]]:
    with sessions() as session:
        post = session.get(Post, post_id)
        account = session.get(Account, post.account_id)
        attempts = session.scalars(select(Attempt).where(Attempt.post_id == post_id).order_by(Attempt.id))
        kinds = [(a.kind, a.outcome) for a in attempts]
        session.expunge_all()
        return post, account, kinds


def requeue(sessions, post_id: int) -> None:
    """What the dispatcher does when the retry is due."""
    with sessions() as session:
        session.execute(
            update(Post).where(Post.id == post_id).values(state=PostState.QUEUED, due_at=utcnow())
        )


def publish(sessions, post_id: int) -> Outcome:
    return publishing.publish(sessions, post_id, networks.for_account).outcome


def test_a_thread_goes_out_part_by_part_each_replying_to_the_one_before(
    sessions, bluesky_pds: LocalPds, alice: PdsAccount, secret_key: str
) -> None:
    account_id = add_account(sessions, bluesky_pds.url, alice, secret_key)
    first = queued_post(sessions, account_id, "1/2 The story")
    assert publish(sessions, first) is Outcome.PUBLISHED
    second = queued_post(sessions, account_id, "2/2 The end", parent=first)
    assert publish(sessions, second) is Outcome.PUBLISHED

    (root, _, _), (reply, _, attempts) = history(sessions, first), history(sessions, second)
    root_ref = strong_ref(bluesky_pds, root.external_id)
    assert replies_to(bluesky_pds, Receipt(reply.external_id, reply.external_url)) == {
        "root": root_ref,
        "parent": root_ref,
    }
    assert attempts == [("publish", "published")] and reply.state == PostState.PUBLISHED
    assert len(bluesky_pds.list_records(alice.did)) == 2


@pytest.mark.parametrize("fault", [Drop(), Slow(TIMEOUT + 1.5)], ids=["dropped", "slow"])
def test_an_unknown_outcome_is_reconciled_and_the_post_is_published_once(
    sessions, bluesky_pds: LocalPds, proxy: FaultProxy, alice: PdsAccount, secret_key: str, fault: Drop | Slow
) -> None:
    post_id = queued_post(sessions, add_account(sessions, proxy.url, alice, secret_key))
    proxy.fail(CREATE, fault)
    assert publish(sessions, post_id) is Outcome.UNKNOWN
    assert publishing.reconcile(sessions, post_id, networks.for_account).outcome is Outcome.FOUND

    post, _, attempts = history(sessions, post_id)
    assert attempts == [("publish", "unknown"), ("find", "found")]
    assert post.state == PostState.PUBLISHED
    assert [r["uri"] for r in bluesky_pds.list_records(alice.did)] == [post.external_id]


def test_a_worker_that_died_after_the_post_landed_is_reconciled_without_a_second_post(
    sessions, bluesky_pds: LocalPds, alice: PdsAccount, secret_key: str
) -> None:
    post_id = queued_post(sessions, add_account(sessions, bluesky_pds.url, alice, secret_key))
    with sessions() as session:  # the worker claimed the post, sent it, and died before recording
        session.execute(
            update(Post)
            .where(Post.id == post_id)
            .values(
                state=PostState.PUBLISHING, lease_token="gone", lease_until=utcnow() - timedelta(seconds=1)
            )
        )
        key = session.scalar(select(Post.key).where(Post.id == post_id))
    connect(bluesky_pds.url, alice).publish(replace(outgoing("Hello"), post_id=post_id, key=key))

    assert publishing.reconcile(sessions, post_id, networks.for_account).outcome is Outcome.FOUND
    post, _, attempts = history(sessions, post_id)
    assert post.state == PostState.PUBLISHED and attempts == [("find", "found")]
    assert [r["uri"] for r in bluesky_pds.list_records(alice.did)] == [post.external_id]


def test_a_rate_limit_holds_the_account_and_reschedules_the_post_at_the_reset(
    sessions, bluesky_pds: LocalPds, proxy: FaultProxy, alice: PdsAccount, secret_key: str
) -> None:
    post_id = queued_post(sessions, add_account(sessions, proxy.url, alice, secret_key))
    reset = int(time.time()) + 300
    proxy.fail(CREATE, RateLimit(reset=reset))
    assert publish(sessions, post_id) is Outcome.RETRY_SCHEDULED

    post, account, attempts = history(sessions, post_id)
    assert attempts == [("publish", "rate_limited")]
    assert post.state == PostState.SCHEDULED and post.due_at == datetime.fromtimestamp(reset, UTC)
    assert account.held_until == datetime.fromtimestamp(reset, UTC)
    assert bluesky_pds.list_records(alice.did) == []


def test_a_5xx_retries_later_and_the_retry_publishes_once(
    sessions, bluesky_pds: LocalPds, proxy: FaultProxy, alice: PdsAccount, secret_key: str
) -> None:
    post_id = queued_post(sessions, add_account(sessions, proxy.url, alice, secret_key))
    proxy.fail(CREATE, Status(503))
    assert publish(sessions, post_id) is Outcome.RETRY_SCHEDULED
    requeue(sessions, post_id)
    assert publish(sessions, post_id) is Outcome.PUBLISHED

    post, _, attempts = history(sessions, post_id)
    assert attempts == [("publish", "transient"), ("publish", "published")]
    assert [r["uri"] for r in bluesky_pds.list_records(alice.did)] == [post.external_id]


def test_a_refused_app_password_holds_the_post_and_asks_for_reconnection(
    sessions, bluesky_pds: LocalPds, alice: PdsAccount, secret_key: str
) -> None:
    revoked = replace(alice, app_password="revoked-pass")
    post_id = queued_post(sessions, add_account(sessions, bluesky_pds.url, revoked, secret_key))
    assert publish(sessions, post_id) is Outcome.RETRY_SCHEDULED

    post, account, attempts = history(sessions, post_id)
    assert attempts == [("publish", "auth_expired")] and account.status == "reconnect"
    assert post.state == PostState.SCHEDULED and "reconnect" in post.last_error
    assert "revoked-pass" not in post.last_error + (account.hold_reason or "")
    assert bluesky_pds.list_records(alice.did) == []
