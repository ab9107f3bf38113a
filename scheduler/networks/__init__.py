"""Where posts go: one adapter per network behind the Network protocol."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scheduler.config import get_settings
from scheduler.networks.base import Network
from scheduler.networks.outbox import OutboxNetwork

NETWORKS = ("outbox", "x", "mastodon", "bluesky")
# What `accounts add` asks for, per network: the secrets (read from standard input or the environment).
SECRET_FIELDS: dict[str, tuple[str, ...]] = {
    "outbox": (),
    "x": ("api_key", "api_secret", "access_token", "access_token_secret"),
    "mastodon": ("access_token",),
    "bluesky": ("app_password",),
}


@dataclass(frozen=True)
class AccountSettings:
    """What an adapter needs to know of an account; `secrets` are decrypted and never printed."""

    name: str
    network: str
    options: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict, repr=False)


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
    if account.network == "x":
        from scheduler.networks.x import connect as connect_x

        return connect_x(account, get_settings())
    if account.network == "mastodon":
        from scheduler.networks.mastodon import connect as connect_mastodon

        return connect_mastodon(account, get_settings())
    if account.network == "bluesky":
        from scheduler.networks.bluesky import connect as connect_bluesky

        return connect_bluesky(account, get_settings())
    raise ValueError(f"account {account.name!r} uses network {account.network!r}, which is not supported")
