"""Stand-ins for a social network's failures, wrapped around the real outbox network.

They stand for the outside world (a network that times out, refuses, or answers after the post
went through), never for our own code: the state machine under test is the real one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from scheduler.networks.base import OutgoingPost, Receipt
from scheduler.networks.outbox import OutboxNetwork


@dataclass
class ScriptedNetwork:
    """Each publish call takes the next reaction: None publishes to the outbox, an exception is raised.

    `land_first` exceptions are raised after the post was written: the network got it, the answer was lost.
    """

    folder: Path
    script: list[BaseException | None] = field(default_factory=list)
    land_first: bool = False
    find_error: BaseException | None = None
    name: str = "scripted"
    calls: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def publish(self, post: OutgoingPost) -> Receipt:
        with self.lock:
            self.calls += 1
            reaction = self.script.pop(0) if self.script else None
        if reaction is None:
            return OutboxNetwork(self.folder).publish(post)
        if self.land_first:
            OutboxNetwork(self.folder).publish(post)
        raise reaction

    def find(self, post: OutgoingPost) -> Receipt | None:
        if self.find_error is not None:
            raise self.find_error
        return OutboxNetwork(self.folder).find(post)


def published_files(folder: Path, post_id: int | None = None) -> list[Path]:
    pattern = f"post-{post_id}-*.json" if post_id is not None else "post-*.json"
    return sorted(folder.glob(pattern))
