"""The Network protocol every adapter implements, what goes in and out, and the errors adapters raise.

Adapters sort every failure into one of the errors below, once; the publishing state machine
decides what each means. Adapters never sleep or retry on their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Media:
    path: str
    alt_text: str = ""


@dataclass(frozen=True)
class LinkCard:
    """The article a post links to, for networks that show a link card (Bluesky's external embed)."""

    url: str
    title: str
    description: str = ""
    # The article's lead image as a local file, for the card's thumbnail.
    image_path: str | None = None


@dataclass(frozen=True)
class AccountCheck:
    """What `accounts check` learns when the credentials work: who they are and facts to keep."""

    handle: str
    user_id: str | None = None
    # Non-secret facts stored in the account's options (Mastodon: max_characters; X: user_id).
    options: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class OutgoingPost:
    """What an adapter needs to publish one post, and to find it again."""

    post_id: int
    key: str  # unique across databases: the idempotency key, and how `find` knows the post
    account: str
    text: str
    due_at: datetime
    media: tuple[Media, ...] = field(default=())
    # In a thread: the network's id of the post this one replies to.
    reply_to: str | None = None
    # In a thread on Bluesky a reply names its thread's root too: the root's network id.
    thread_root: str | None = None
    link: LinkCard | None = None


@dataclass(frozen=True)
class Receipt:
    """What a network tells us after a post goes out."""

    external_id: str
    url: str


class NetworkError(Exception):
    """A failure the network reported, sorted by what should happen next."""

    outcome = "error"


class RateLimited(NetworkError):
    outcome = "rate_limited"

    def __init__(self, message: str, reset_at: datetime) -> None:
        super().__init__(message)
        self.reset_at = reset_at


class Transient(NetworkError):
    """Worth another try later: a timeout before sending, a 5xx, a dropped connection."""

    outcome = "transient"


class Permanent(NetworkError):
    """The network refused this post for good; the message is the reason editors see."""

    outcome = "permanent"


class AuthExpired(NetworkError):
    """The account's credentials no longer work: an editor must reconnect it."""

    outcome = "auth_expired"


class OutcomeUnknown(Exception):
    """The request may have reached the network and we cannot tell whether the post went out (a read
    timeout, a connection dropped after sending). Not a NetworkError: nothing may be sent again until
    the reconciler has looked the post up with `find`."""


class Network(Protocol):
    name: str

    def publish(self, post: OutgoingPost) -> Receipt: ...

    def find(self, post: OutgoingPost) -> Receipt | None:
        """Look the post up on the network; None if it is not there."""
        ...

    def check(self) -> AccountCheck:
        """Prove the account's credentials work (AuthExpired when they do not)."""
        ...
