from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from scheduler.demo import redis_server

pytestmark = pytest.mark.integration
SCHEDULER = str(Path(sys.executable).parent / "scheduler")


def run_demo(var: Path, redis_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SCHEDULER_VAR_DIR": str(var), "SCHEDULER_REDIS_URL": redis_url}
    return subprocess.run([SCHEDULER, "demo"], capture_output=True, text=True, timeout=90, env=env)


def demo_processes() -> list[psutil.Process]:
    mine = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if "celery" in cmdline and "--hostname demo-" in cmdline:
            mine.append(process)
    return mine


def assert_published_reference_article(result: subprocess.CompletedProcess[str], var: Path) -> None:
    assert result.returncode == 0, result.stdout + result.stderr
    assert "published post 1" in result.stdout and "published post 2" in result.stdout
    landed = {json.loads(path.read_text())["post_id"]: path for path in (var / "outbox").glob("post-*.json")}
    assert sorted(landed) == [1, 2]
    announce, quote = (json.loads(landed[n].read_text()) for n in (1, 2))
    assert announce["text"].startswith("‘Optimistic’ Kim Kardashian meets with Donald Trump")
    assert "will get a second chance at life." in quote["text"]
    assert "— Kim Kardashian" in quote["text"]
    for document in (announce, quote):
        assert document["published_at"] >= document["due_at"]
    assert all(str(path) in result.stdout for path in landed.values())
    assert demo_processes() == [], "the demo stops the worker it started"


def test_demo_publishes_the_reference_article_with_the_running_redis(
    isolated_settings: Path, redis_url: str
) -> None:
    assert_published_reference_article(run_demo(isolated_settings, redis_url), isolated_settings)


def test_demo_starts_and_stops_a_private_redis_when_none_answers(isolated_settings: Path) -> None:
    silent = f"redis://127.0.0.1:{redis_server.free_port()}/0"
    result = run_demo(isolated_settings, silent)
    assert "started a private one" in result.stdout
    assert_published_reference_article(result, isolated_settings)
    private_url = result.stdout.split("started a private one at ")[1].split()[0]
    assert not redis_server.answers(private_url), "the private Redis is stopped"
