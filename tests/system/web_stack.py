"""`scheduler web` as a real process for the browser tests, and what those tests share: signing in
through the page, and screenshots kept in var/screenshots/ (not committed) for a reviewer to open."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from tests.conftest import REPO

SCREENSHOTS = REPO / "var" / "screenshots"
PASSWORD = "a long enough password"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve_web(env: dict[str, str]) -> Iterator[str]:
    """`scheduler web` on a free port of 127.0.0.1 with `env`; its address once it answers."""
    with serve_web_process(env) as (site, _):
        yield site


@contextmanager
def serve_web_process(env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """serve_web, with the process itself (to read its memory, say)."""
    port = free_port()
    web = subprocess.Popen(
        [str(Path(sys.executable).parent / "scheduler"), "web", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        site = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{site}/sign-in", timeout=2)
                break
            except httpx.TransportError:
                assert web.poll() is None and time.monotonic() < deadline, "the web app did not start"
                time.sleep(0.2)
        yield site, web
    finally:
        web.terminate()
        web.wait(timeout=15)


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, site: str, name: str) -> None:
    page.goto(f"{site}/sign-in")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
