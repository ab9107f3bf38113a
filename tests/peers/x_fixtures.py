"""pytest fixtures for the fake X API: import them into a test module (or a conftest) to use them.

from tests.peers.x_fixtures import x_server  # noqa: F401  (pytest fixture)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scheduler.config import get_settings
from tests.peers.x_server import XServer


@pytest.fixture
def x_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[XServer]:
    """The fake X API, running, with SCHEDULER_X_API_URL pointed at it (the settings cache cleared)."""
    server = XServer().start()
    monkeypatch.setenv("SCHEDULER_X_API_URL", server.base_url)
    get_settings.cache_clear()
    yield server
    server.stop()
    get_settings.cache_clear()
