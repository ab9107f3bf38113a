"""An account's token never travels in clear: plain-HTTP instances and services are refused when the
account is added (in the CLI's words) and when a stored one posts (held for a reconnect, with why).
Plain HTTP to a loopback address is allowed only by SCHEDULER_ALLOW_PLAIN_HTTP_LOOPBACK (the tests)."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from scheduler.config import Settings, get_settings
from scheduler.networks import AccountSettings
from scheduler.networks.base import AuthExpired
from scheduler.networks.bluesky import connect as connect_bluesky
from scheduler.networks.endpoints import InsecureEndpoint, check_endpoint
from scheduler.networks.mastodon import connect as connect_mastodon
from tests.command import run


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://mastodon.social", True),
        ("http://mastodon.social", False),
        ("http://127.0.0.1:8080", True),
        ("http://[::1]:8080", True),
        ("http://localhost:3000", True),
        ("http://10.0.0.5", False),  # private is not loopback: the token would cross a network
        ("http://127.0.0.1.nip.io", False),
        ("ftp://mastodon.social", False),
        ("mastodon.social", False),
    ],
)
def test_only_https_or_loopback_when_allowed_may_carry_a_token(url: str, allowed: bool) -> None:
    if allowed:
        assert check_endpoint(url, what="the instance", allow_plain_http_loopback=True) == url
    else:
        with pytest.raises(InsecureEndpoint, match="https://"):
            check_endpoint(url, what="the instance", allow_plain_http_loopback=True)
    if url.startswith("http://"):
        with pytest.raises(
            InsecureEndpoint, match="plain HTTP: the account's token would travel unencrypted"
        ):
            check_endpoint(url, what="the instance", allow_plain_http_loopback=False)


def test_the_cli_refuses_a_plain_http_instance_and_saves_nothing(
    isolated_settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCHEDULER_SECRET_KEY", Fernet.generate_key().decode())
    assert run("init").returncode == 0
    refused = run(
        "accounts", "add", "mastodon", "desk", "--instance", "http://mastodon.example", "--no-check",
        input="access_token=tok-123456\n",
    )  # fmt: skip
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "the instance http://mastodon.example is plain HTTP" in refused.stderr
    assert "https://mastodon.example" in refused.stderr
    assert "desk" not in run("accounts", "list").stdout


def test_a_stored_plain_http_account_is_held_for_a_reconnect_not_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SCHEDULER_ALLOW_PLAIN_HTTP_LOOPBACK")
    get_settings.cache_clear()
    settings = Settings()
    assert settings.allow_plain_http_loopback is False
    mastodon = AccountSettings(
        "desk", "mastodon", {"instance": "http://127.0.0.1:9"}, {"access_token": "tok"}
    )
    with pytest.raises(
        AuthExpired, match=r"'desk': the Mastodon instance http://127\.0\.0\.1:9 is plain HTTP"
    ):
        connect_mastodon(mastodon, settings)
    sky = AccountSettings(
        "sky", "bluesky", {"handle": "a.test", "service": "http://pds.example"}, {"app_password": "p"}
    )
    with pytest.raises(AuthExpired, match=r"the Bluesky service http://pds\.example is plain HTTP"):
        connect_bluesky(sky, settings)
