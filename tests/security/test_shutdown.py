"""SIGTERM stops the web process within its graceful-shutdown timeout, even with a request stuck in
flight (here a client that sent half a body and went quiet). Before, the process waited on it forever."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from cryptography.fernet import Fernet

from tests.command import run
from tests.system.web_stack import serve_web_process

SHUTDOWN_SECONDS = 1.5


def test_sigterm_stops_the_web_process_with_a_request_stuck_in_flight(isolated_settings: Path) -> None:
    assert run("init").returncode == 0
    env = {
        **os.environ,
        "SCHEDULER_SECRET_KEY": Fernet.generate_key().decode(),
        "SCHEDULER_WEB_SHUTDOWN_SECONDS": str(SHUTDOWN_SECONDS),
    }
    with serve_web_process(env) as (site, process):
        host, port = site.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=30) as stuck:
            stuck.sendall(
                f"POST /sign-in HTTP/1.1\r\nhost: {host}\r\n"
                "content-type: application/x-www-form-urlencoded\r\n"
                "content-length: 1000\r\n\r\nname=".encode()
            )
            time.sleep(0.5)  # the request is in flight: its body is being read
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=SHUTDOWN_SECONDS + 10)
            except subprocess.TimeoutExpired:
                raise AssertionError("the web process did not stop after SIGTERM") from None
            stopped_after = time.monotonic() - started
    print(f"stopped {stopped_after:.1f} s after SIGTERM (timeout {SHUTDOWN_SECONDS} s)")
    assert stopped_after < SHUTDOWN_SECONDS + 5
