"""A tiny HTTP proxy in front of a real server (the local PDS) that plays the failures the server will
not produce on demand: a 429 with its rate-limit headers, a 5xx, a slow answer, and a connection
dropped after the request went through.

Every request is forwarded as it is, unless a fault is queued for its path (an XRPC method name):
then the next fault for that method is played once.
"""

from __future__ import annotations

import http.client
import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host"}


@dataclass(frozen=True)
class RateLimit:
    """429 Too Many Requests with the headers a PDS sends, the window ending at `reset` (epoch seconds)."""

    reset: int
    limit: int = 30
    policy: str = "30;w=300"


@dataclass(frozen=True)
class Status:
    """An answer with this status instead of the server's: the request is not forwarded."""

    status: int = 503
    error: str = "ServiceUnavailable"


@dataclass(frozen=True)
class Slow:
    """Forward the request (it lands), then wait this long before answering."""

    seconds: float


@dataclass(frozen=True)
class Drop:
    """Forward the request (it lands), then close the connection without an answer."""


Fault = RateLimit | Status | Slow | Drop


@dataclass
class FaultProxy:
    upstream: str
    url: str = ""
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    # (method, XRPC method name, fault played or None) for every request, in order.
    seen: list[tuple[str, str, Fault | None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, nsid: str, *faults: Fault) -> None:
        """Play these faults, one a request, on the next requests for `nsid`."""
        with self.lock:
            self.faults.setdefault(nsid, []).extend(faults)

    def calls(self, nsid: str) -> int:
        return sum(1 for _, name, _ in self.seen if name == nsid)

    def _next(self, method: str, nsid: str) -> Fault | None:
        with self.lock:
            queued = self.faults.get(nsid)
            fault = queued.pop(0) if queued else None
            self.seen.append((method, nsid, fault))
            return fault


@contextmanager
def fault_proxy(upstream: str) -> Iterator[FaultProxy]:
    """A proxy for `upstream` on a free port of 127.0.0.1, running until the block ends."""
    proxy = FaultProxy(upstream.rstrip("/"))
    target = urlsplit(proxy.upstream)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self._handle()

        def do_POST(self) -> None:
            self._handle()

        def _handle(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            nsid = urlsplit(self.path).path.removeprefix("/xrpc/")
            fault = proxy._next(self.command, nsid)
            if isinstance(fault, RateLimit):
                headers = {
                    "ratelimit-limit": str(fault.limit),
                    "ratelimit-remaining": "0",
                    "ratelimit-reset": str(fault.reset),
                    "ratelimit-policy": fault.policy,
                }
                return self._answer(429, _error("RateLimitExceeded", "Rate Limit Exceeded"), headers)
            if isinstance(fault, Status):
                return self._answer(fault.status, _error(fault.error, "injected by the test proxy"), {})
            status, headers, answer = self._forward(body)
            if isinstance(fault, Drop):
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return None
            if isinstance(fault, Slow):
                time.sleep(fault.seconds)
            return self._answer(status, answer, headers)

        def _forward(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
            upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
            try:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                upstream.request(self.command, self.path, body=body or None, headers=headers)
                response = upstream.getresponse()
                answer = response.read()
                kept = {
                    k: v
                    for k, v in response.getheaders()
                    if k.lower() not in HOP_BY_HOP and k.lower() != "content-length"
                }
                return response.status, kept, answer
            finally:
                upstream.close()

        def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if not any(name.lower() == "content-type" for name in headers):
                    self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up waiting (a Slow answer)

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: object, client_address: object) -> None:
            if not isinstance(sys.exc_info()[1], ConnectionError):
                super().handle_error(request, client_address)  # type: ignore[arg-type]

    server = Server(("127.0.0.1", 0), Handler)
    proxy.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()


def _error(name: str, message: str) -> bytes:
    return json.dumps({"error": name, "message": message}).encode()
