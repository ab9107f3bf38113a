from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scheduler.networks.base import Media, OutgoingPost, Permanent
from scheduler.networks.outbox import OutboxNetwork

DUE = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def outgoing(post_id: int = 7, key: str = "k7", media: tuple[Media, ...] = ()) -> OutgoingPost:
    return OutgoingPost(
        post_id=post_id, key=key, account="desk", text="Héllo “world” 👋", due_at=DUE, media=media
    )


def test_publish_writes_the_post_and_its_media_and_returns_a_receipt(tmp_path: Path) -> None:
    card = tmp_path / "card.png"
    card.write_bytes(b"\x89PNG fake card")
    network = OutboxNetwork(tmp_path / "outbox")
    receipt = network.publish(outgoing(media=(Media(str(card), "Quote card: “Hello” — Kim"),)))
    [landed] = (tmp_path / "outbox").glob("*.json")
    assert receipt.url == landed.as_uri() and receipt.external_id in landed.name
    document = json.loads(landed.read_text(encoding="utf-8"))
    assert document["text"] == "Héllo “world” 👋" and document["key"] == "k7" and document["post_id"] == 7
    assert document["due_at"] == DUE.isoformat() and datetime.fromisoformat(document["published_at"]).tzinfo
    [media] = document["media"]
    assert media["alt_text"] == "Quote card: “Hello” — Kim"
    assert (tmp_path / "outbox" / media["file"]).read_bytes() == b"\x89PNG fake card"
    assert list((tmp_path / "outbox").glob("*.tmp")) == []


def test_every_publish_is_a_new_post_like_a_network_without_idempotency(tmp_path: Path) -> None:
    network = OutboxNetwork(tmp_path)
    first, second = network.publish(outgoing()), network.publish(outgoing())
    assert first.external_id != second.external_id
    assert len(list(tmp_path.glob("post-7-*.json"))) == 2


def test_find_knows_the_post_by_its_key_not_only_its_id(tmp_path: Path) -> None:
    network = OutboxNetwork(tmp_path)
    assert network.find(outgoing()) is None
    earlier_database = network.publish(outgoing(key="from-an-old-database"))
    assert network.find(outgoing()) is None
    mine = network.publish(outgoing())
    assert network.find(outgoing()) == mine != earlier_database


def test_missing_media_is_a_permanent_failure_and_nothing_lands(tmp_path: Path) -> None:
    network = OutboxNetwork(tmp_path / "outbox")
    with pytest.raises(Permanent, match=r"media file .* is missing"):
        network.publish(outgoing(media=(Media(str(tmp_path / "gone.png")),)))
    assert list((tmp_path / "outbox").glob("*.json")) == []
