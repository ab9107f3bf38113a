from __future__ import annotations

import gzip
import socket
import time
from ipaddress import ip_address
from typing import Any

import pytest

from scheduler.articles import ArticleError
from scheduler.articles.addresses import Refused, blocked_reason, check_address
from scheduler.articles.fetch import FEED_TYPES, PAGE_TYPES, FetchError, FetchPolicy, FetchUnavailable, fetch
from scheduler.config import get_settings
from tests.httpserver import LocalServer

PAGE = "<!doctype html><html><head><title>A</title></head><body><p>Ferry returns.</p></body></html>"
LOCAL = FetchPolicy(
    timeout_s=5, max_bytes=10_000, max_redirects=3, allow_private=True, user_agent="test-agent/1"
)
PUBLIC_ONLY = FetchPolicy(timeout_s=5, max_bytes=10_000, max_redirects=3, allow_private=False)


def fetch_error(url: str, policy: FetchPolicy = LOCAL, accept: tuple[str, ...] = PAGE_TYPES) -> str:
    with pytest.raises(FetchError) as raised:
        fetch(url, policy=policy, accept=accept)
    message = str(raised.value)
    assert "\n" not in message
    assert isinstance(raised.value, ArticleError)
    return message


def test_page_with_its_type_charset_and_validators(http_server: LocalServer) -> None:
    http_server.route(
        "/story",
        PAGE,
        content_type="text/html; charset=ISO-8859-1",
        etag='"v7"',
        last_modified="Wed, 13 Mar 2024 10:00:00 GMT",
    )
    fetched = fetch(http_server.url("/story"), policy=LOCAL, accept=PAGE_TYPES)
    assert fetched.status == 200 and not fetched.not_modified
    assert fetched.body == PAGE.encode()
    assert fetched.url == http_server.url("/story")
    assert (fetched.content_type, fetched.charset) == ("text/html", "iso-8859-1")
    assert (fetched.etag, fetched.last_modified) == ('"v7"', "Wed, 13 Mar 2024 10:00:00 GMT")
    [(method, path, headers)] = http_server.requests
    assert (method, path) == ("GET", "/story")
    assert headers["user-agent"] == "test-agent/1"
    assert headers["accept"].startswith("text/html, application/xhtml+xml")
    assert "if-none-match" not in headers and "if-modified-since" not in headers


def test_a_compressed_body_arrives_decoded(http_server: LocalServer) -> None:
    http_server.route("/gz", gzip.compress(PAGE.encode()), headers={"Content-Encoding": "gzip"})
    assert fetch(http_server.url("/gz"), policy=LOCAL, accept=PAGE_TYPES).body == PAGE.encode()


def test_conditional_get_with_etag_is_not_modified(http_server: LocalServer) -> None:
    http_server.route("/feed", "<rss/>", content_type="application/rss+xml", etag='"abc"')
    fetched = fetch(http_server.url("/feed"), policy=LOCAL, accept=FEED_TYPES, etag='"abc"')
    assert fetched.not_modified and fetched.status == 304
    assert fetched.body == b""
    assert fetched.etag == '"abc"'
    assert http_server.requests[-1][2]["if-none-match"] == '"abc"'

    changed = fetch(http_server.url("/feed"), policy=LOCAL, accept=FEED_TYPES, etag='"old"')
    assert not changed.not_modified and changed.body == b"<rss/>"


def test_conditional_get_with_last_modified_is_not_modified(http_server: LocalServer) -> None:
    stamp = "Thu, 14 Mar 2024 07:30:00 GMT"
    http_server.route("/feed", "<rss/>", content_type="application/rss+xml", last_modified=stamp)
    fetched = fetch(http_server.url("/feed"), policy=LOCAL, accept=FEED_TYPES, last_modified=stamp)
    assert fetched.not_modified and fetched.body == b""
    assert fetched.last_modified == stamp
    assert http_server.requests[-1][2]["if-modified-since"] == stamp


def test_redirects_are_followed_hop_by_hop(http_server: LocalServer) -> None:
    http_server.redirect("/old", "/middle", status=301)
    http_server.redirect("/middle", http_server.url("/story"), status=307)
    http_server.route("/story", PAGE)
    fetched = fetch(http_server.url("/old"), policy=LOCAL, accept=PAGE_TYPES)
    assert fetched.url == http_server.url("/story")
    assert fetched.body == PAGE.encode()
    assert [path for _, path, _ in http_server.requests] == ["/old", "/middle", "/story"]


def test_too_many_redirects(http_server: LocalServer) -> None:
    http_server.redirect("/a", "/b")
    http_server.redirect("/b", "/a")
    message = fetch_error(http_server.url("/a"))
    assert message.startswith(http_server.url("/a") + ": too many redirects (more than 3")
    assert "SCHEDULER_MAX_REDIRECTS" in message
    assert len(http_server.requests) == 4  # the first request and three redirects, no more


def test_no_redirects_allowed_means_none_followed(http_server: LocalServer) -> None:
    http_server.redirect("/a", "/story")
    http_server.route("/story", PAGE)
    policy = FetchPolicy(max_redirects=0, allow_private=True)
    assert "too many redirects" in fetch_error(http_server.url("/a"), policy)
    assert [path for _, path, _ in http_server.requests] == ["/a"]


@pytest.mark.parametrize("target", ["ftp://files.example.com/story.html", "file:///etc/passwd"])
def test_redirect_to_another_scheme_is_refused(http_server: LocalServer, target: str) -> None:
    http_server.redirect("/a", target)
    message = fetch_error(http_server.url("/a"))
    scheme = target.split(":")[0]
    assert message == (
        f"{http_server.url('/a')} (redirected to {target}): refused: {scheme}: addresses are not fetched; "
        "give an http:// or https:// address"
    )


def test_each_redirect_hop_has_its_address_checked(http_server: LocalServer) -> None:
    http_server.redirect("/a", "http://169.254.169.254/latest/meta-data/")
    message = fetch_error(http_server.url("/a"))
    assert "(redirected to http://169.254.169.254/latest/meta-data/): refused" in message
    assert "169.254.169.254 is a cloud metadata service" in message


def test_page_too_large_by_content_length_is_refused_before_reading(http_server: LocalServer) -> None:
    # A trickled body would take 50 s to read: the refusal comes from the header alone.
    http_server.route("/big", b"x" * 1_000, trickle=True)
    policy = FetchPolicy(timeout_s=5, max_bytes=999, allow_private=True)
    started = time.monotonic()
    message = fetch_error(http_server.url("/big"), policy)
    assert time.monotonic() - started < 2
    assert message == (
        f"{http_server.url('/big')}: the web page is over the 999 bytes limit (SCHEDULER_MAX_PAGE_BYTES)"
    )


def test_page_growing_past_the_limit_without_content_length_is_aborted(http_server: LocalServer) -> None:
    http_server.route("/big", b"x" * 300_000, content_length=False)
    policy = FetchPolicy(max_bytes=200_000, allow_private=True)
    message = fetch_error(http_server.url("/big"), policy)
    assert message.endswith("the web page is over the 0.2 MB limit (SCHEDULER_MAX_PAGE_BYTES)")


def test_page_exactly_at_the_limit_is_accepted(http_server: LocalServer) -> None:
    http_server.route("/fits", b"x" * 10_000, content_length=False)
    assert len(fetch(http_server.url("/fits"), policy=LOCAL, accept=PAGE_TYPES).body) == 10_000


def test_content_type_outside_accept_is_refused(http_server: LocalServer) -> None:
    http_server.route("/timetable", b"%PDF-1.4", content_type="application/pdf")
    message = fetch_error(http_server.url("/timetable"))
    assert message == (
        f"{http_server.url('/timetable')}: not a web page (content type application/pdf); "
        "give the address of the article"
    )
    http_server.route("/page", PAGE)
    assert "not a feed (content type text/html)" in fetch_error(http_server.url("/page"), accept=FEED_TYPES)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (404, "the server answered 404 Not Found; check the address"),
        (403, "the server answered 403 Forbidden; the page is not public"),
        (503, "the server answered 503 Service Unavailable; the site is busy or failing, try again later"),
    ],
)
def test_error_statuses(http_server: LocalServer, status: int, expected: str) -> None:
    http_server.route("/story", "no", status=status)
    assert fetch_error(http_server.url("/story")).startswith(f"{http_server.url('/story')}: {expected}")


def test_a_server_that_does_not_answer_times_out(http_server: LocalServer) -> None:
    http_server.route("/slow", PAGE, delay=3)
    started = time.monotonic()
    message = fetch_error(http_server.url("/slow"), FetchPolicy(timeout_s=0.3, allow_private=True))
    assert time.monotonic() - started < 1.5
    assert message.startswith(f"{http_server.url('/slow')}: no answer within 0.3 s")


def test_a_trickling_server_cannot_hold_us_past_the_timeout(http_server: LocalServer) -> None:
    # Every byte comes well within a read timeout; only a deadline on the whole fetch stops this.
    http_server.route("/trickle", b"x" * 200, trickle=True)
    started = time.monotonic()
    message = fetch_error(http_server.url("/trickle"), FetchPolicy(timeout_s=0.5, allow_private=True))
    assert time.monotonic() - started < 1.5
    assert "the web page did not arrive within 0.5 s" in message


@pytest.mark.parametrize(
    ("host", "address", "reason"),
    [
        ("127.0.0.1", "127.0.0.1", "loopback"),
        ("localhost", "127.0.0.1", "loopback"),
        ("[::1]", "::1", "loopback"),
        ("0.0.0.0", "0.0.0.0", "unspecified"),
        ("10.0.0.1", "10.0.0.1", "private"),
        ("192.168.1.20", "192.168.1.20", "private"),
        ("100.64.0.1", "100.64.0.1", "shared address space (carrier-grade NAT)"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1", "loopback (IPv4 127.0.0.1 inside IPv6)"),
        ("[fe80::1]", "fe80::1", "link-local"),
        ("224.0.0.1", "224.0.0.1", "multicast"),
    ],
)
def test_private_addresses_are_refused(
    http_server: LocalServer, host: str, address: str, reason: str
) -> None:
    url = f"http://{host}:{http_server.port}/story"
    http_server.route("/story", PAGE)
    message = fetch_error(url, PUBLIC_ONLY)
    assert message == (
        f"{url}: refused: the address {address} is {reason}; "
        "set SCHEDULER_ALLOW_PRIVATE_URLS=1 to fetch from private addresses"
    )
    assert http_server.requests == []  # refused before connecting


@pytest.mark.parametrize("host", ["169.254.169.254", "[fd00:ec2::254]", "[::ffff:169.254.169.254]"])
def test_cloud_metadata_is_refused_even_when_private_addresses_are_allowed(host: str) -> None:
    message = fetch_error(f"http://{host}/latest/meta-data/", LOCAL)
    assert "is a cloud metadata service, which is never fetched" in message


def test_private_addresses_are_fetched_when_allowed(http_server: LocalServer) -> None:
    http_server.route("/story", PAGE)
    assert fetch(f"http://localhost:{http_server.port}/story", policy=LOCAL, accept=PAGE_TYPES).status == 200


def test_the_address_checked_is_the_address_connected_to(
    http_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name that resolves to 127.0.0.1 is refused, and when allowed it is that address we reach."""
    real_getaddrinfo = socket.getaddrinfo
    lookups: list[str] = []

    def getaddrinfo(host: str, *args: Any, **kwargs: Any) -> Any:
        lookups.append(host)
        if host == "news.example.test":
            return real_getaddrinfo("127.0.0.1", *args, **kwargs)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    http_server.route("/story", PAGE)
    url = f"http://news.example.test:{http_server.port}/story"
    assert "refused: the address 127.0.0.1 is loopback" in fetch_error(url, PUBLIC_ONLY)
    assert http_server.requests == []

    lookups.clear()
    assert fetch(url, policy=LOCAL, accept=PAGE_TYPES).body == PAGE.encode()
    # One lookup of the name; the connection went to the vetted address (a numeric lookup, no DNS).
    assert lookups == ["news.example.test", "127.0.0.1"]
    assert http_server.requests[0][2]["host"] == f"news.example.test:{http_server.port}"


def test_unknown_host(monkeypatch: pytest.MonkeyPatch) -> None:
    def getaddrinfo(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    message = fetch_error("https://no-such-newsroom.example.test/story", PUBLIC_ONLY)
    assert message == (
        "https://no-such-newsroom.example.test/story: could not find the host no-such-newsroom.example.test "
        "(Name or service not known); check the address"
    )


def test_nothing_listening(http_server: LocalServer) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    message = fetch_error(f"http://127.0.0.1:{port}/story")
    assert message.startswith(f"http://127.0.0.1:{port}/story: could not connect (")


@pytest.mark.parametrize("url", ["ftp://files.example.com/story.html", "file:///etc/passwd"])
def test_other_schemes_are_refused(url: str) -> None:
    message = fetch_error(url, PUBLIC_ONLY)
    assert message.startswith(f"{url}: refused: {url.split(':')[0]}: addresses are not fetched")


def test_policy_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEDULER_ALLOW_PRIVATE_URLS", "1")
    monkeypatch.setenv("SCHEDULER_MAX_PAGE_BYTES", "1234")
    get_settings.cache_clear()
    policy = FetchPolicy.from_settings(get_settings())
    assert policy.allow_private is True
    assert policy.max_bytes == 1234
    assert policy.timeout_s == get_settings().fetch_timeout_seconds
    assert policy.user_agent == get_settings().user_agent


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://xn--zz.com/a", "not a valid address"),
        ("http://a..b.com/", "not a valid host name"),
        ("http://" + "a" * 70 + ".com/", "not a valid host name"),
    ],
)
def test_host_names_no_resolver_can_take_are_one_line_errors(url: str, message: str) -> None:
    with pytest.raises(FetchError, match=message) as raised:
        fetch(url, policy=FetchPolicy(timeout_s=3), accept=("text/html",))
    assert not isinstance(raised.value, FetchUnavailable)  # no point in trying again


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("64:ff9b::808:808", None),  # 8.8.8.8 through NAT64: public, as on an IPv6-only host with DNS64
        ("::ffff:8.8.8.8", None),
        ("2002:808:808::1", None),
        ("64:ff9b::a00:1", "private (IPv4 10.0.0.1 inside IPv6)"),
        ("64:ff9b::7f00:1", "loopback (IPv4 127.0.0.1 inside IPv6)"),
        ("fec0::1", "site-local"),
        ("fd12:3456::1", "private"),
    ],
)
def test_the_ipv4_inside_an_ipv6_address_decides(address: str, reason: str | None) -> None:
    assert blocked_reason(ip_address(address)) == reason


@pytest.mark.parametrize("address", ["64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::", "::ffff:169.254.169.254"])
def test_metadata_inside_ipv6_is_refused_even_when_private_addresses_are_allowed(address: str) -> None:
    with pytest.raises(Refused, match="cloud metadata"):
        check_address(ip_address(address), allow_private=True)
