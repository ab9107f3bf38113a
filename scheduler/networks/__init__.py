"""Where posts go: one adapter per network behind the Network protocol."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scheduler.config import get_settings
from scheduler.networks.base import Network
from scheduler.networks.outbox import OutboxNetwork

NETWORKS = ("outbox",)


@dataclass(frozen=True)
class AccountSettings:
    """What an adapter needs to know of an account."""

    name: str
    network: str
    options: dict[str, Any] = field(default_factory=dict)


def for_account(account: AccountSettings) -> Network:
    """The adapter that publishes for `account`."""
    if account.network == "outbox":
        options = account.options or {}
        folder = Path(options.get("folder") or get_settings().resolved_outbox_dir)
        return OutboxNetwork(
            folder=folder,
            delay_before=float(options.get("delay_before", 0.0)),
            delay_after=float(options.get("delay_after", 0.0)),
        )
    raise ValueError(f"account {account.name!r} uses network {account.network!r}, which is not supported")
