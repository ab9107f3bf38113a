"""Bounded requests: a body over the cap answers 413 before it is read (by its Content-Length, or as a
streamed body passes the cap), and an API call with a body is refused 401 before its body is parsed
unless its token is valid. Before, the API read and validated any body first, without a cap."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

from cryptography.fernet import Fernet
from fastapi.testclient import TestClient

from scheduler.config import get_settings
from scheduler.web.auth import CSRF_FIELD
from tests.command import run
from tests.system.web_stack import serve_web_process
from tests.web.test_auth import csrf_of, sign_in

CAP = get_settings().max_request_bytes


def chunks(total: int, size: int = 1 << 20) -> Iterator[bytes]:
    """A streamed body (no Content-Length: chunked transfer) of `total` bytes."""
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        sent += piece
        yield b" " * piece


def test_a_malformed_body_without_a_token_is_refused_for_the_token_not_parsed(api: TestClient) -> None:
    answer = api.post("/api/v1/articles", content=b"{not json", headers={"content-type": "application/json"})
    assert answer.status_code == 401 and "Authorization: Bearer" in answer.json()["detail"]
    forged = api.post(
        "/api/v1/articles",
        content=b"{not json",
        headers={"content-type": "application/json", "authorization": "Bearer aps_forged"},
    )
    assert forged.status_code == 401 and forged.json()["detail"] == "this API token is unknown or revoked"


def test_a_declared_body_over_the_cap_is_refused_before_it_is_read(
    api: TestClient, editor: dict[str, str]
) -> None:
    answer = api.post(
        "/api/v1/articles",
        content=b'{"text": "' + b"x" * (CAP + 10) + b'"}',
        headers={**editor, "content-type": "application/json"},
    )
    assert answer.status_code == 413
    assert answer.json()["detail"].startswith(f"the request body is over the limit of {CAP / 1e6:.1f} MB")


def test_a_streamed_body_is_cut_off_as_it_passes_the_cap(api: TestClient, editor: dict[str, str]) -> None:
    answer = api.post(
        "/api/v1/articles",
        content=chunks(CAP + 3_000_000),
        headers={**editor, "content-type": "application/json"},
    )
    assert answer.status_code == 413 and "over the limit" in answer.json()["detail"]
    # Under the cap, the same kind of body is read as usual.
    small = api.post(
        "/api/v1/articles",
        content=iter([b'{"text": "A title\\n\\nA body."}']),
        headers={**editor, "content-type": "application/json"},
    )
    assert small.status_code == 201, small.text


def test_a_page_form_over_the_cap_is_refused(site: TestClient) -> None:
    sign_in(site, "editor")
    form = site.get("/articles")
    answer = site.post("/articles", data={"text": "x" * (CAP + 10), CSRF_FIELD: csrf_of(form.text)})
    assert answer.status_code == 413


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):  # the peak resident set, in kB
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM in /proc status")


def _send_big_body_without_a_token(site: str, megabytes: int, outcome: list[str]) -> None:
    host, port = site.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(
            f"POST /api/v1/articles HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\n"
            f"content-length: {megabytes << 20}\r\n\r\n".encode()
        )
        block = b"x" * (1 << 20)
        try:
            for _ in range(megabytes):
                connection.sendall(block)
        except OSError:  # the server answered and closed: the rest is never read
            pass
        outcome.append(connection.recv(200).decode("latin-1").split("\r\n", 1)[0])


def test_three_clients_sending_200_mb_without_a_token_leave_the_web_process_small(
    isolated_settings: Path,
) -> None:
    assert run("init").returncode == 0
    env = {**os.environ, "SCHEDULER_SECRET_KEY": Fernet.generate_key().decode()}
    with serve_web_process(env) as (site, process):
        before = _peak_rss_mb(process.pid)
        outcomes: list[str] = []
        clients = [
            threading.Thread(target=_send_big_body_without_a_token, args=(site, 200, outcomes))
            for _ in range(3)
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join(timeout=60)
        peak = _peak_rss_mb(process.pid)
    print(
        f"web process peak RSS: {before:.0f} MB before, {peak:.0f} MB after 3 x 200 MB bodies without a token"
    )
    assert outcomes == ["HTTP/1.1 413 Request Entity Too Large"] * 3 or all(" 413 " in o for o in outcomes), (
        outcomes
    )
    assert peak < 300, f"the web process grew to {peak:.0f} MB"
