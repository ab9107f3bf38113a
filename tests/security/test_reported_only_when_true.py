"""A command prints an outcome only once the transaction that makes it true has committed. Before,
`scheduler add … | head -1` printed "post N … scheduled" for posts that the closed pipe then rolled back."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.cli.test_cli import counts
from tests.command import SCHEDULER, run
from tests.conftest import REFERENCE_ARTICLE


def test_a_reader_gone_before_the_report_leaves_the_post_saved_and_says_so(isolated_settings: Path) -> None:
    assert run("init").returncode == 0
    url = f"sqlite:///{isolated_settings / 'scheduler.db'}"
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader (`head -1` after its line) has gone before the command reports
    try:
        added = subprocess.run(
            [SCHEDULER, "add", str(REFERENCE_ARTICLE), "--account", "outbox", "--at", "2031-01-02 09:00"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            env=os.environ.copy(),
        )
    finally:
        os.close(write_end)
    assert counts(url) == (1, 1), added.stderr
    assert added.returncode == 1 and "Traceback" not in added.stderr
    assert "the output was cut short" in added.stderr and "what it reports is saved" in added.stderr


def test_a_refused_command_prints_no_outcome_on_standard_output(isolated_settings: Path) -> None:
    assert run("init").returncode == 0
    refused = run("add", str(REFERENCE_ARTICLE), "--account", "outbox", "--at", "2020-01-01 09:00")
    assert refused.returncode == 1 and "has already passed" in refused.stderr
    assert refused.stdout == ""  # no "article 1 …" line for an article the refusal rolled back
    assert counts(f"sqlite:///{isolated_settings / 'scheduler.db'}") == (0, 0)
