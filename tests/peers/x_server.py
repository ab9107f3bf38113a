"""A fake X API v2 on 127.0.0.1 (a real HTTP server in a thread), with X's faults on demand.

The real tweepy is pointed at it: the adapter rewrites X's hosts to `SCHEDULER_X_API_URL`. What it
answers lives in tests/peers/x_api.py. Faults: `fail(route, kind, times=n)` for the next n calls of one
route, or `fail_randomly(p, ...)` for any call; routes are written as X's docs write them, e.g.
"POST /2/tweets", "GET /2/users/:id/tweets". `faults_served` lists every fault injected.
"""

from __future__ import annotations

import json
import random
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from tests.peers.x_api import DUPLICATE_DETAIL, ROUTES, Answer, XApi, problem, route_of

# What can go wrong, as X shows it. "drop" records first and closes the connection without answering;
# "drop_before" closes it before doing anything; "unavailable_after_record" records first, then answers
# 503 (X does this now and then); "slow" answers after `delay` seconds (having done the work).
FAULT_KINDS = (
    "rate_limit",
    "server_error",
    "unavailable",
    "slow",
    "unauthorized",
    "duplicate",
    "drop",
    "drop_before",
    "unavailable_after_record",
)


@dataclass(frozen=True)
class Fault:
    kind: str
    reset_in: float = 900.0  # rate_limit: seconds until x-rate-limit-reset
    daily: bool = False  # rate_limit: the account's 24-hour post cap rather than the 15-minute window
    delay: float = 2.0  # slow: seconds before answering


class XServer(XApi):
    """The fake X API served on a random port of 127.0.0.1; `base_url` is what SCHEDULER_X_API_URL takes."""

    def __init__(self, *, consumer_key: str = "", consumer_secret: str = "") -> None:
        super().__init__(consumer_key=consumer_key, consumer_secret=consumer_secret)
        self.requests: list[tuple[str, str]] = []  # (route, path with query), in arrival order
        self.faults_served: list[tuple[str, str]] = []  # (route, kind)
        self.answers: list[tuple[int, bytes]] = []  # (status, body) of every answer sent
        self.stopping = threading.Event()
        self._faults: dict[str, deque[Fault]] = {}
        self._random: tuple[float, tuple[str, ...], random.Random, frozenset[str], float] | None = None
        self._in_flight = 0
        self._idle = threading.Condition(self.lock)
        self._server = _QuietServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake X API", daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> XServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def fail(self, route: str, kind: str, *, times: int = 1, **options: Any) -> None:
        """The next `times` calls of `route` meet `kind` (see FAULT_KINDS; options: Fault's fields)."""
        if route not in ROUTES:
            raise ValueError(f"unknown route {route!r}: one of {ROUTES}")
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}: one of {FAULT_KINDS}")
        with self.lock:
            self._faults.setdefault(route, deque()).extend([Fault(kind, **options)] * times)

    def fail_randomly(
        self,
        p: float,
        *,
        kinds: tuple[str, ...] = FAULT_KINDS,
        seed: int | None = None,
        routes: tuple[str, ...] = ROUTES,
        delay: float = 2.0,
    ) -> None:
        """From now on each call of `routes` fails with probability p, with a kind chosen at random
        ("duplicate" only where it can happen: POST /2/tweets). `delay` is how long "slow" waits."""
        unknown = set(kinds) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}: choose from {FAULT_KINDS}")
        with self.lock:
            self._random = (p, tuple(kinds), random.Random(seed), frozenset(routes), delay)

    def stop_failing(self) -> None:
        with self.lock:
            self._faults.clear()
            self._random = None

    def idle(self, timeout: float = 10.0) -> bool:
        """Wait until no request is being handled (a slow answer finishing its work, say)."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def _next_fault(self, route: str) -> Fault | None:
        with self.lock:
            queued = self._faults.get(route)
            if queued:
                fault = queued.popleft()
            elif self._random is not None and route in self._random[3]:
                p, kinds, rng, _, delay = self._random
                if rng.random() >= p:
                    return None
                possible = [k for k in kinds if k != "duplicate" or route == "POST /2/tweets"]
                if not possible:
                    return None
                fault = Fault(rng.choice(possible), reset_in=rng.uniform(1, 5), delay=delay)
            else:
                return None
            self.faults_served.append((route, fault.kind))
            return fault


def _rate_headers(fault: Fault | None) -> dict[str, str]:
    now = int(time.time())
    if fault is None or fault.kind != "rate_limit":
        return {
            "x-rate-limit-limit": "100",
            "x-rate-limit-remaining": "99",
            "x-rate-limit-reset": f"{now + 900}",
        }
    reset = str(int(now + fault.reset_in))
    if fault.daily:
        return {
            "x-rate-limit-limit": "100",
            "x-rate-limit-remaining": "98",
            "x-rate-limit-reset": str(now + 900),
            "x-user-limit-24hour-limit": "17",
            "x-user-limit-24hour-remaining": "0",
            "x-user-limit-24hour-reset": reset,
        }
    return {"x-rate-limit-limit": "100", "x-rate-limit-remaining": "0", "x-rate-limit-reset": reset}


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that gave up (a timeout) resets the connection: expected here.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


_BEFORE = {
    "rate_limit": 429,
    "server_error": 500,
    "unavailable": 503,
    "unauthorized": 401,
    "duplicate": 403,
}


def _handler(server: XServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def _serve(self) -> None:
            with server.lock:
                server._in_flight += 1
            try:
                self._answer()
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
            finally:
                with server._idle:
                    server._in_flight -= 1
                    server._idle.notify_all()

        def _answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {name.lower(): value for name, value in self.headers.items()}
            route, _ = route_of(self.command, urlsplit(self.path).path)
            with server.lock:
                server.requests.append((route or "", self.path))
            fault = server._next_fault(route) if route else None
            kind = fault.kind if fault else None
            if kind == "drop_before":
                self.close_connection = True
                return
            if fault is not None and fault.kind in _BEFORE:
                detail = DUPLICATE_DETAIL if fault.kind == "duplicate" else None
                self._send(problem(_BEFORE[fault.kind], detail), fault)
                return
            if fault is not None and kind == "slow" and server.stopping.wait(fault.delay):
                return
            _, answer = server.handle(self.command, self.path, headers, body)
            if kind == "drop":
                self.close_connection = True
                return
            if kind == "unavailable_after_record" and answer.status < 300:
                answer = problem(503)
            self._send(answer, None)

        def _send(self, answer: Answer, fault: Fault | None) -> None:
            payload = json.dumps(answer.body).encode() if answer.body is not None else b""
            with server.lock:
                server.answers.append((answer.status, payload))
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in {**_rate_headers(fault), **answer.headers}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def wait_until(condition: Callable[[], object], timeout: float = 5.0) -> bool:
    """Poll `condition()` until it is true or `timeout` seconds pass (for work a slow answer finishes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return bool(condition())
