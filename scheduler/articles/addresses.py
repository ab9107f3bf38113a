"""Which addresses a fetch may connect to, and an httpcore network backend that connects only to those.

The backend resolves the host itself, vets every address and connects to a vetted one, so the address
checked is the address connected to: no second lookup that DNS rebinding could answer differently.
Its streams never wait past the fetch's deadline.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from typing import Any

import httpcore

IPAddress = IPv4Address | IPv6Address

# Cloud instance metadata services: never fetched, whatever the policy says.
METADATA_ADDRESSES = frozenset(
    ip_address(address)
    for address in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "168.63.129.16",  # Azure WireServer
        "192.0.0.192",  # Oracle Cloud (legacy)
    )
)
SHARED_ADDRESS_SPACE = IPv4Network("100.64.0.0/10")  # carrier-grade NAT, RFC 6598
NAT64_PREFIX = IPv6Network("64:ff9b::/96")
IPV4_COMPATIBLE = IPv6Network("::/96")  # deprecated ::a.b.c.d; :: and ::1 are caught as such first


def embedded_ipv4(address: IPAddress) -> IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, NAT64, IPv4-compatible), if any."""
    if not isinstance(address, IPv6Address):
        return None
    if address.ipv4_mapped or address.sixtofour:
        return address.ipv4_mapped or address.sixtofour
    if address in NAT64_PREFIX or address in IPV4_COMPATIBLE:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def blocked_reason(address: IPAddress) -> str | None:
    """Why an address is not public (loopback, private, …), or None for a public address."""
    if (embedded := embedded_ipv4(address)) is not None and not address.is_loopback:
        # The IPv4 address inside decides: 64:ff9b::808:808 is 8.8.8.8 through NAT64, public.
        reason = blocked_reason(embedded)
        return f"{reason} (IPv4 {embedded} inside IPv6)" if reason else None
    if isinstance(address, IPv6Address) and address.is_site_local:
        return "site-local"
    if address.is_loopback:
        return "loopback"
    if address.is_unspecified:
        return "unspecified"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if isinstance(address, IPv4Address) and address in SHARED_ADDRESS_SPACE:
        return "shared address space (carrier-grade NAT)"
    if address.is_private:
        return "private"
    if address.is_reserved:
        return "reserved"
    if not address.is_global:
        return "not a public address"
    return None


class Refused(Exception):
    """An address we will not connect to; the message says which and why."""


def check_address(address: IPAddress, *, allow_private: bool) -> None:
    if address in METADATA_ADDRESSES or embedded_ipv4(address) in METADATA_ADDRESSES:
        raise Refused(f"the address {address} is a cloud metadata service, which is never fetched")
    if not allow_private and (reason := blocked_reason(address)):
        raise Refused(
            f"the address {address} is {reason}; "
            "set SCHEDULER_ALLOW_PRIVATE_URLS=1 to fetch from private addresses"
        )


def resolve(host: str, port: int, timeout: float) -> list[IPAddress]:
    """The host's addresses, looked up in a thread so that a stuck resolver cannot outlast the timeout."""
    try:
        return [ip_address(host)]
    except ValueError:
        pass
    result: list[Any] = []

    def lookup() -> None:
        try:
            result.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except OSError as error:
            result.append(error)
        except UnicodeError:  # a label that is empty or over 63 characters: no such host can exist
            result.append(socket.gaierror(socket.EAI_NONAME, f"{host!r} is not a valid host name"))

    thread = threading.Thread(target=lookup, name=f"resolve {host}", daemon=True)
    thread.start()
    thread.join(timeout)
    if not result:
        raise httpcore.ConnectTimeout(f"looking up {host} took longer than {timeout:.1f} s")
    if isinstance(result[0], OSError):
        raise result[0]
    addresses = [ip_address(info[4][0].split("%")[0]) for info in result[0]]
    return list(dict.fromkeys(addresses))


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's network backend that connects only to vetted addresses, and never past the deadline."""

    def __init__(self, *, allow_private: bool, deadline: float) -> None:
        self._allow_private = allow_private
        self._deadline = deadline
        self._plain = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = resolve(host, port, clamp(timeout, self._deadline))
        refusal: Refused | None = None
        vetted: list[IPAddress] = []
        for address in addresses:
            try:
                check_address(address, allow_private=self._allow_private)
                vetted.append(address)
            except Refused as error:
                refusal = refusal or error
        if not vetted:
            raise refusal or Refused(f"the host {host} has no address")
        failure: Exception | None = None
        for address in vetted:  # the vetted address itself: no second lookup
            try:
                stream = self._plain.connect_tcp(
                    str(address),
                    port,
                    timeout=clamp(timeout, self._deadline),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
                continue
            return DeadlineStream(stream, self._deadline)
        assert failure is not None
        raise failure

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class DeadlineStream(httpcore.NetworkStream):
    """A stream whose reads and writes wait no longer than the fetch's deadline."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: float) -> None:
        self._stream = stream
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, clamp(timeout, self._deadline, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, clamp(timeout, self._deadline, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        # server_hostname is the URL's host, so the certificate is checked against the name, not the IP.
        stream = self._stream.start_tls(ssl_context, server_hostname, clamp(timeout, self._deadline))
        return DeadlineStream(stream, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


def clamp(
    timeout: float | None, deadline: float, expired: type[Exception] = httpcore.ConnectTimeout
) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise expired("the fetch's deadline has passed")
    return remaining if timeout is None else min(timeout, remaining)
