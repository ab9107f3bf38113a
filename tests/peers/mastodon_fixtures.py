"""Pytest fixtures for the fake Mastodon: a running server with one account, `desk`, whose token is
tests.peers.mastodon_server.TOKEN.

A test module uses them with `pytest_plugins = ["tests.peers.mastodon_fixtures"]`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.peers.mastodon_server import TOKEN, MastodonServer


@pytest.fixture
def mastodon_server() -> Iterator[MastodonServer]:
    with MastodonServer(media_processing_seconds=0.3, slow_seconds=1.5) as server:
        server.add_account("desk", TOKEN)
        yield server
