"""A small real HTTP server on 127.0.0.1 for tests: routes set per test, every request recorded."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

TRICKLE_PAUSE = 0.05  # seconds between the bytes of a trickling body


@dataclass(frozen=True)
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0
    trickle: bool = False
    content_length: bool = True


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        # A client that gave up (a fetch timing out, a size cap) resets the connection: expected here.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class LocalServer:
    """ThreadingHTTPServer on a random port of 127.0.0.1, in a thread.

    `requests` holds (method, path, headers) for every request, header names in lower case.
    """

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.stopping = threading.Event()
        self._server = _QuietServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="test http server", daemon=True
        )

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(
        self,
        path: str,
        body: bytes | str = b"",
        status: int = 200,
        content_type: str | None = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        delay: float = 0.0,
        trickle: bool = False,
        content_length: bool = True,
    ) -> None:
        """Answer GET path; delay waits before the headers, trickle sends the body a byte at a time
        (TRICKLE_PAUSE apart), content_length=False sends it chunked with no Content-Length."""
        self.routes[path] = Route(
            body=body.encode() if isinstance(body, str) else body,
            status=status,
            content_type=content_type,
            headers=dict(headers or {}),
            etag=etag,
            last_modified=last_modified,
            delay=delay,
            trickle=trickle,
            content_length=content_length,
        )

    def redirect(self, path: str, to: str, status: int = 302) -> None:
        self.route(path, status=status, content_type=None, headers={"Location": to})

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _handler(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            headers = {name.lower(): value for name, value in self.headers.items()}
            server.requests.append(("GET", self.path, headers))
            route = server.routes.get(self.path)
            if route is None:
                route = Route(body=b"not found", status=404, content_type="text/plain")
            if route.delay and server.stopping.wait(route.delay):
                return
            try:
                if _not_modified(route, headers):
                    self.send_response(304)
                    self._validators(route)
                    self.end_headers()
                    return
                self._send(route)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def _send(self, route: Route) -> None:
            self.send_response(route.status)
            if route.content_type:
                self.send_header("Content-Type", route.content_type)
            for name, value in route.headers.items():
                self.send_header(name, value)
            self._validators(route)
            if route.content_length:
                self.send_header("Content-Length", str(len(route.body)))
            else:
                self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            step = 1 if route.trickle else 16_384
            for start in range(0, len(route.body), step):
                if route.trickle and server.stopping.wait(TRICKLE_PAUSE):
                    self.close_connection = True
                    return
                piece = route.body[start : start + step]
                self.wfile.write(piece if route.content_length else b"%x\r\n%b\r\n" % (len(piece), piece))
                self.wfile.flush()
            if not route.content_length:
                self.wfile.write(b"0\r\n\r\n")

        def _validators(self, route: Route) -> None:
            if route.etag:
                self.send_header("ETag", route.etag)
            if route.last_modified:
                self.send_header("Last-Modified", route.last_modified)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def _not_modified(route: Route, headers: dict[str, str]) -> bool:
    if "if-none-match" in headers:  # when both are sent, the ETag decides (RFC 9110)
        tags = [tag.strip() for tag in headers["if-none-match"].split(",")]
        return route.etag is not None and (route.etag in tags or "*" in tags)
    return route.last_modified is not None and headers.get("if-modified-since") == route.last_modified


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    server = LocalServer()
    server.start()
    yield server
    server.stop()
