"""Fetching web pages and feeds, guarded: http(s) only, public addresses only, bounded in time and size.

The address check happens where the connection is made (addresses.GuardedBackend, under httpx), so a
name cannot resolve to a public address for the check and a private one for the connection (DNS
rebinding). Redirects are followed here, hop by hop, each hop's scheme checked here and its address
there. One deadline covers the whole fetch, redirects included: every socket read waits at most until
the deadline, so a server that trickles bytes cannot hold us past it.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol
from urllib.parse import urljoin

import httpcore
import httpx

from scheduler.articles import ArticleError
from scheduler.articles.addresses import GuardedBackend, Refused

PAGE_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
)


class FetchError(ArticleError):
    """A page or feed that could not be fetched; the message names the URL and what to do."""


class FetchUnavailable(FetchError):
    """A failure that may pass (no answer, a timeout, a 429 or 5xx): worth trying again later."""


class FetchSettings(Protocol):
    allow_private_urls: bool
    fetch_timeout_seconds: float
    max_page_bytes: int
    max_redirects: int
    user_agent: str


@dataclass(frozen=True)
class FetchPolicy:
    """The limits of one fetch."""

    timeout_s: float = 10.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    allow_private: bool = False
    user_agent: str = "article-promotion-scheduler/0.1"

    @classmethod
    def from_settings(cls, settings: FetchSettings) -> FetchPolicy:
        return cls(
            timeout_s=settings.fetch_timeout_seconds,
            max_bytes=settings.max_page_bytes,
            max_redirects=settings.max_redirects,
            allow_private=settings.allow_private_urls,
            user_agent=settings.user_agent,
        )


@dataclass(frozen=True)
class Fetched:
    """What the server sent for the final URL (after redirects); an empty body when not modified."""

    url: str
    status: int
    body: bytes
    content_type: str | None = None
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def fetch(
    url: str,
    *,
    policy: FetchPolicy,
    accept: Collection[str],
    etag: str | None = None,
    last_modified: str | None = None,
) -> Fetched:
    """GET the URL within the policy's limits; a 304 (when etag or last_modified is given) is not_modified."""
    accept = tuple(kind.lower() for kind in accept)
    headers = {"User-Agent": policy.user_agent, "Accept": ", ".join([*accept, "*/*;q=0.1"])}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    backend = GuardedBackend(allow_private=policy.allow_private, deadline=time.monotonic() + policy.timeout_s)
    with httpx.Client(
        transport=_GuardedTransport(backend),
        headers=headers,
        timeout=httpx.Timeout(policy.timeout_s),
        follow_redirects=False,
        trust_env=False,  # an environment proxy would connect for us, past the address check
    ) as client:
        hop = url
        for _ in range(policy.max_redirects + 1):
            where = url if hop == url else f"{url} (redirected to {hop})"
            _check_scheme(hop, where)
            try:
                next_hop = _get(client, hop, where, policy, accept)
            except (UnicodeError, ValueError) as error:  # idna: a host name no resolver can take
                if isinstance(error, FetchError):
                    raise
                raise FetchError(
                    f"{where}: not a valid host name ({_one_line(error)}); check the address"
                ) from None
            if isinstance(next_hop, Fetched):
                return next_hop
            hop = next_hop
    raise FetchError(
        f"{url}: too many redirects (more than {policy.max_redirects}, the last to {hop}); "
        "open the address in a browser to find where the page is now (SCHEDULER_MAX_REDIRECTS)"
    )


def _get(
    client: httpx.Client, hop: str, where: str, policy: FetchPolicy, accept: tuple[str, ...]
) -> Fetched | str:
    """One request: the Fetched result, or the URL a redirect points to."""
    noun = _noun(accept)
    receiving = False
    try:
        with client.stream("GET", hop) as response:
            if response.has_redirect_location:
                return urljoin(str(response.url), response.headers["location"].strip())
            if response.status_code == 304:
                return _fetched(response, b"")
            if not 200 <= response.status_code < 300:
                passing = response.status_code == 429 or response.status_code >= 500
                raise (FetchUnavailable if passing else FetchError)(f"{where}: {_status_problem(response)}")
            content_type, charset = _parse_content_type(response.headers.get("content-type"))
            # No Content-Type at all (or an empty accept): let the parser decide what the body is.
            if accept and content_type is not None and content_type not in accept:
                raise FetchError(
                    f"{where}: not a {noun} (content type {content_type}); "
                    f"give the address of {'the article' if noun == 'web page' else 'the feed'}"
                )
            too_big = f"{where}: the {noun} is over the {_size(policy.max_bytes)} limit "
            length = response.headers.get("content-length", "")
            if length.isdigit() and int(length) > policy.max_bytes:
                raise FetchError(too_big + "(SCHEDULER_MAX_PAGE_BYTES)")
            receiving = True
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > policy.max_bytes:
                    raise FetchError(too_big + "(SCHEDULER_MAX_PAGE_BYTES)")
            return _fetched(response, bytes(body), content_type, charset)
    except Refused as refused:
        raise FetchError(f"{where}: refused: {refused}") from None
    except socket.gaierror as error:
        host = httpx.URL(hop).host
        # No such name is an answer; a resolver that could not answer (EAI_AGAIN) may do better later.
        kind = FetchError if error.errno == socket.EAI_NONAME else FetchUnavailable
        raise kind(
            f"{where}: could not find the host {host} ({_one_line(error.strerror or error)}); "
            "check the address"
        ) from None
    except httpx.TimeoutException:
        if receiving:
            raise FetchUnavailable(
                f"{where}: the {noun} did not arrive within {policy.timeout_s:g} s; "
                "the site is too slow, try again later (SCHEDULER_FETCH_TIMEOUT_SECONDS)"
            ) from None
        raise FetchUnavailable(
            f"{where}: no answer within {policy.timeout_s:g} s; the site is slow or down, try again later"
        ) from None
    except httpx.ConnectError as error:
        message = _one_line(error)
        if "SSL" in message or "certificate" in message:
            raise FetchError(
                f"{where}: the secure connection failed ({message}); the site's certificate is not valid"
            ) from None
        raise FetchUnavailable(
            f"{where}: could not connect ({message}); check the address, or try again later if the site "
            "is down"
        ) from None
    except httpx.InvalidURL as error:
        raise FetchError(f"{where}: not a valid address ({_one_line(error)})") from None
    except (httpx.HTTPError, OSError) as error:
        raise FetchUnavailable(
            f"{where}: the fetch failed ({type(error).__name__}: {_one_line(error)}); try again later"
        ) from None


def _check_scheme(url: str, where: str) -> None:
    try:
        parsed = httpx.URL(url)
        host = parsed.host
    except (httpx.InvalidURL, UnicodeError, ValueError) as error:
        raise FetchError(f"{where}: not a valid address ({_one_line(error)})") from None
    if parsed.scheme not in ("http", "https"):
        what = f"{parsed.scheme}: addresses are not fetched" if parsed.scheme else "not a full address"
        raise FetchError(f"{where}: refused: {what}; give an http:// or https:// address")
    if not host:
        raise FetchError(f"{where}: the address has no host; give the full address, https://…")


def _fetched(
    response: httpx.Response,
    body: bytes,
    content_type: str | None = None,
    charset: str | None = None,
) -> Fetched:
    return Fetched(
        url=str(response.url),
        status=response.status_code,
        body=body,
        content_type=content_type,
        charset=charset,
        etag=response.headers.get("etag"),
        last_modified=response.headers.get("last-modified"),
    )


def _status_problem(response: httpx.Response) -> str:
    status = f"the server answered {response.status_code} {response.reason_phrase}".rstrip()
    if response.status_code in (404, 410):
        return f"{status}; check the address, the page may have moved or been removed"
    if response.status_code in (401, 403):
        return f"{status}; the page is not public (a paywall or a login?)"
    if response.status_code == 429 or response.status_code >= 500:
        return f"{status}; the site is busy or failing, try again later"
    if 300 <= response.status_code < 400:
        return f"{status} without a Location to go to; open the address in a browser"
    return f"{status}; check the address"


def _parse_content_type(value: str | None) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    kind, *params = value.split(";")
    charset = None
    for param in params:
        name, _, param_value = param.partition("=")
        if name.strip().lower() == "charset" and param_value.strip():
            charset = param_value.strip().strip("\"'").lower()
    return kind.strip().lower() or None, charset


def _noun(accept: tuple[str, ...]) -> str:
    if any("html" in kind for kind in accept):
        return "web page"
    if any("xml" in kind for kind in accept):
        return "feed"
    return "document"


def _size(count: int) -> str:
    return f"{count / 1_000_000:.1f} MB" if count >= 100_000 else f"{count:,} bytes"


def _one_line(error: object) -> str:
    return " ".join(str(error).split()) or type(error).__name__


@cache
def _ssl_context() -> Any:
    return httpx.create_ssl_context()


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over the guarded backend.

    httpx has no public setting for httpcore's network backend, so the pool it builds is replaced by
    one that has ours; the rest (request and response mapping, errors, decoding) stays httpx's.
    """

    def __init__(self, backend: GuardedBackend) -> None:
        context = _ssl_context()
        super().__init__(verify=context, trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=context, network_backend=backend, max_connections=4, retries=0
        )
