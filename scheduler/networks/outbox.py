"""The outbox network: publishes by writing the post as JSON (and its media) into a folder.

It behaves like a network without idempotency keys: every publish call writes a new file, so a
post sent twice shows up twice, and `find` is how a lost outcome is recovered.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from scheduler.networks.base import AccountCheck, OutgoingPost, Permanent, Receipt


@dataclass
class OutboxNetwork:
    folder: Path
    # Simulated network latency before and after the post "lands", for tests of slow networks.
    delay_before: float = 0.0
    delay_after: float = 0.0
    name: str = "outbox"

    def publish(self, post: OutgoingPost) -> Receipt:
        if self.delay_before:
            time.sleep(self.delay_before)
        published_at = datetime.now(UTC)
        external_id = f"{post.post_id}-{uuid.uuid4().hex[:12]}"
        self.folder.mkdir(parents=True, exist_ok=True)
        media = [self._copy_media(external_id, index, item.path) for index, item in enumerate(post.media)]
        document = {
            "external_id": external_id,
            "post_id": post.post_id,
            "key": post.key,
            "account": post.account,
            "text": post.text,
            "in_reply_to": post.reply_to,
            "media": [
                {"file": name, "alt_text": item.alt_text}
                for name, item in zip(media, post.media, strict=True)
            ],
            "due_at": post.due_at.isoformat(),
            "published_at": published_at.isoformat(),
        }
        target = self.folder / f"post-{external_id}.json"
        temporary = target.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(temporary, target)  # a reader never sees half a post
        if self.delay_after:
            time.sleep(self.delay_after)
        return Receipt(external_id=external_id, url=target.as_uri())

    def find(self, post: OutgoingPost) -> Receipt | None:
        for path in sorted(self.folder.glob(f"post-{post.post_id}-*.json")):
            document = json.loads(path.read_text(encoding="utf-8"))
            if document.get("key") == post.key:  # not a post of the same id from an earlier database
                return Receipt(external_id=document["external_id"], url=path.as_uri())
        return None

    def check(self) -> AccountCheck:
        """The outbox has no credentials: it works when its folder can be written."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            probe = self.folder / f".check-{uuid.uuid4().hex}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as error:
            raise Permanent(f"the outbox folder {self.folder} cannot be written: {error.strerror}") from None
        return AccountCheck(handle=str(self.folder))

    def _copy_media(self, external_id: str, index: int, source: str) -> str:
        path = Path(source)
        if not path.is_file():
            raise Permanent(f"media file {source} is missing: render the card again")
        name = f"post-{external_id}-media{index}{path.suffix}"
        shutil.copyfile(path, self.folder / name)
        return name
