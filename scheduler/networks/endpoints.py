"""Where credentials may be sent: over HTTPS only. Plain HTTP is taken for a loopback address alone, and
only when `allow_plain_http_loopback` says so (the tests' fake servers on 127.0.0.1)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from scheduler.config import Settings
from scheduler.networks.base import AuthExpired


class InsecureEndpoint(ValueError):
    """An address that would carry an account's token in clear, or is no web address at all."""


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint(url: str, *, what: str, allow_plain_http_loopback: bool) -> str:
    """`url` itself when an account's credentials may be sent to it; InsecureEndpoint naming `what` else."""
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return url
    if parts.scheme == "http" and host:
        if is_loopback(host) and allow_plain_http_loopback:
            return url
        raise InsecureEndpoint(
            f"{what} {url} is plain HTTP: the account's token would travel unencrypted; "
            f"give its https:// address (https://{parts.netloc}{parts.path})"
        )
    raise InsecureEndpoint(f"{what} {url!r} is not a web address: give its https:// address")


def account_endpoint(url: str, *, what: str, account: str, settings: Settings) -> str:
    """check_endpoint for an adapter about to send an account's credentials: AuthExpired (the account is
    held for a reconnect, the reason on its posts) instead of InsecureEndpoint."""
    try:
        return check_endpoint(url, what=what, allow_plain_http_loopback=settings.allow_plain_http_loopback)
    except InsecureEndpoint as error:
        raise AuthExpired(f"account {account!r}: {error}; add it again with its https:// address") from None
