"""Running `scheduler …` from tests: in this process through click's runner, or as a real process.

`run` invokes the same click command the console script does, in this interpreter: a new
interpreter pays about two seconds of imports, and the suite runs several hundred commands.
`run_process` starts the installed console script, for what only a real process shows (the
entry point itself, what reaches the process's own stderr, signals, long-running servers).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import traceback
from collections.abc import Mapping
from pathlib import Path

from click.testing import CliRunner, Result

from scheduler import db
from scheduler.cli import main
from scheduler.config import get_settings

SCHEDULER = str(Path(sys.executable).parent / "scheduler")


def run(
    *args: str, input: str | None = None, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`scheduler ARGS…` with the environment as it is now (plus `env`), answered like a process."""
    get_settings.cache_clear()
    answers: list[Result] = []
    # A thread of its own: Playwright's sync API refuses to start in a thread that already runs one,
    # and this process may hold the session's shared card renderer.
    invocation = threading.Thread(
        target=lambda: answers.append(
            CliRunner().invoke(main, list(args), input=input, env=dict(env or {}), prog_name="scheduler")
        )
    )
    try:
        invocation.start()
        invocation.join()
    finally:
        # Each command reads the settings and opens the database afresh, as a new process would.
        get_settings.cache_clear()
        db.dispose_engines()
    (result,) = answers
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        # What the interpreter would have printed: tests that say "never a traceback" must see one.
        stderr += "".join(traceback.format_exception(result.exception))
    return subprocess.CompletedProcess([SCHEDULER, *args], result.exit_code, result.stdout, stderr)


def run_process(
    *args: str, input: str | None = None, env: Mapping[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`scheduler ARGS…` as a new process of the installed console script."""
    return subprocess.run(
        [SCHEDULER, *args],
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
