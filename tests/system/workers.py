"""Real Celery worker processes for integration tests, started with `scheduler worker`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Worker:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"worker {self.name} exited:\n{self.log.read_text()[-3000:]}")
            if " ready." in self.log.read_text(errors="replace"):
                return
            time.sleep(0.1)
        raise AssertionError(
            f"worker {self.name} not ready after {timeout} s:\n{self.log.read_text()[-3000:]}"
        )

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once: no warm shutdown, no cleanup."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        stop_all([self])


def stop_all(workers: list[Worker]) -> None:
    """A warm shutdown for each, all asked at once (each takes a second or two), killed after 20 s."""
    running = [worker for worker in workers if worker.process.poll() is None]
    for worker in running:
        os.killpg(worker.process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    for worker in running:
        try:
            worker.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            worker.kill()


def start_worker(
    name: str,
    env: dict[str, str],
    log_dir: Path,
    *,
    beat: bool,
    concurrency: int = 2,
    queues: str | None = None,
    loglevel: str | None = None,
) -> Worker:
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{name}.log"
    scheduler = str(Path(sys.executable).parent / "scheduler")
    command = [scheduler, "worker", "--concurrency", str(concurrency), "--beat" if beat else "--no-beat"]
    if queues:
        command += ["--queues", queues]
    if loglevel:
        command += ["--loglevel", loglevel]  # passed on to Celery, after the command's own INFO
    command += ["--hostname", f"{name}@%h"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Worker(name, process, log)
