"""Where credentials may be sent: over HTTPS only. Plain HTTP is taken for a loopback address alone, and
only when `allow_plain_http_loopback` says so (the tests' fake servers on 127.0.0.1)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


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
