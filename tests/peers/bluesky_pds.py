"""A real Bluesky PDS for tests: starts tests/peers/pds.mjs (PDS + in-memory PLC on 127.0.0.1), makes
accounts with app passwords, reads records back, and stops it.

Install it with `npm ci --prefix tests/peers` (`make install` does).
"""

from __future__ import annotations

import json
import queue
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

PEERS = Path(__file__).resolve().parent
LAUNCHER = PEERS / "pds.mjs"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0


@dataclass(frozen=True)
class PdsAccount:
    handle: str
    did: str
    password: str  # the account's own password, for the test's calls
    app_password: str  # what the scheduler is given


class LocalPds:
    """A running PDS: its URL, and the calls tests make to set it up and to check what it holds."""

    def __init__(self, url: str, plc_url: str, process: subprocess.Popen[bytes], started_in: float) -> None:
        self.url = url
        self.plc_url = plc_url
        self.process = process
        self.started_in = started_in  # seconds from launch to answering
        self.http = httpx.Client(base_url=f"{url}/xrpc", timeout=30)

    def call(self, nsid: str, *, token: str | None = None, body: Any = None, **params: Any) -> Any:
        """A query (GET) with params, or a procedure (POST) with a JSON body; the JSON answer."""
        headers = {"authorization": f"Bearer {token}"} if token else {}
        if body is None:
            response = self.http.get(nsid, params=params, headers=headers)
        else:
            response = self.http.post(nsid, json=body, headers=headers)
        response.raise_for_status()
        return response.json() if response.content else None

    def create_account(self, name: str | None = None) -> PdsAccount:
        """A new account `<name>.test` with an app password."""
        handle = f"{name or 'user' + secrets.token_hex(4)}.test"
        password = secrets.token_urlsafe(12)
        created = self.call(
            "com.atproto.server.createAccount",
            body={"handle": handle, "email": f"{handle}@example.test", "password": password},
        )
        app = self.call(
            "com.atproto.server.createAppPassword", token=created["accessJwt"], body={"name": "scheduler"}
        )
        return PdsAccount(handle, created["did"], password, app["password"])

    def get_record(self, uri: str) -> dict[str, Any]:
        repo, collection, rkey = uri.removeprefix("at://").split("/")
        return self.call("com.atproto.repo.getRecord", repo=repo, collection=collection, rkey=rkey)

    def list_records(self, did: str, collection: str = "app.bsky.feed.post") -> list[dict[str, Any]]:
        return self.call("com.atproto.repo.listRecords", repo=did, collection=collection, limit=100)[
            "records"
        ]

    def stop(self) -> None:
        self.http.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()


@contextmanager
def running_pds() -> Iterator[LocalPds]:
    """Start the PDS, wait for its ready line, and stop it afterwards (its data goes with it)."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("the Bluesky tests need Node.js 20 (`node`) on PATH")
    if not (PEERS / "node_modules" / "@atproto" / "pds").is_dir():
        raise RuntimeError("the local PDS is not installed: run `make install` (npm ci --prefix tests/peers)")
    with tempfile.TemporaryFile() as stderr:
        started = time.monotonic()
        process = subprocess.Popen(
            [node, str(LAUNCHER)], cwd=PEERS, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr
        )
        try:
            ready = _ready_line(process)
        except BaseException:
            process.kill()
            process.wait()
            stderr.seek(0)
            said = stderr.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"the PDS did not start: {said}") from None
        pds = LocalPds(ready["pds"], ready["plc"], process, time.monotonic() - started)
        try:
            yield pds
        finally:
            pds.stop()


def _ready_line(process: subprocess.Popen[bytes]) -> dict[str, Any]:
    lines: queue.Queue[bytes] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:  # read to the end, so the launcher never blocks on a full pipe
            lines.put(line)
        lines.put(b"")

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        line = lines.get(timeout=max(deadline - time.monotonic(), 0.001))
        if not line:
            raise RuntimeError(f"the PDS launcher exited with {process.wait()}")
        try:
            ready = json.loads(line)
        except ValueError:
            continue
        if isinstance(ready, dict) and "pds" in ready:
            return ready
