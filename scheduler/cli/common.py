"""What every `scheduler` command shares: one-line errors, the database check, tables."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout

import click
from sqlalchemy.exc import OperationalError, ProgrammingError

from scheduler import db, newsroom
from scheduler.articles import ArticleError
from scheduler.config import get_settings
from scheduler.networks.vault import VaultError
from scheduler.planning import PlanningError
from scheduler.render import RenderError
from scheduler.render.cards import ThemeError

USER_ERRORS = (ArticleError, newsroom.NewsroomError, PlanningError, RenderError, VaultError, ThemeError)


def fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def require_database() -> None:
    """Exit with what to do unless the database exists and has the newest schema."""
    url = get_settings().resolved_database_url
    if db.sqlite_file_missing(url):
        fail(f"the database {url} does not exist yet: run `scheduler init`")
    try:
        current = db.schema_is_current()
    except OperationalError as error:
        fail(f"cannot open the database {url}: {error.orig}")
    if not current:
        fail(f"the database {url} is not initialised or is out of date: run `scheduler init`")


@contextmanager
def database() -> Iterator[db.Session]:
    """A transaction on an initialised database; user errors become a one-line message and exit 1.

    What the block prints is held back until the transaction has committed: "post 7 scheduled" is
    never printed for a post that a later failure (a full disk, a closed pipe, a lost connection)
    leaves unsaved. Errors and progress go to standard error at once.
    """
    require_database()
    told = io.StringIO()
    try:
        with redirect_stdout(told), db.session_scope() as session:
            yield session
    except USER_ERRORS as error:
        fail(str(error))
    except (OperationalError, ProgrammingError) as error:
        fail(f"database error, nothing was saved: {error.orig}")
    tell(told.getvalue())


def tell(text: str) -> None:
    """Print what has already been saved; a reader that went away is told of on standard error."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
        fail("the output was cut short (whatever read it stopped reading); what it reports is saved")


def _quiet_stdout() -> None:
    """Point the closed standard output at /dev/null, so that Python's last flush at exit stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):  # not a real file (a test runner's buffer)
        pass


def ask_first(question: str, *, yes: bool) -> None:
    """Ask before what cannot be undone (a y/N question on standard input); `--yes` answers it for a
    script. No answer, or no, and nothing is done."""
    if yes:
        return
    try:
        agreed = click.confirm(f"{question} This cannot be undone.", default=False, err=True)
    except click.Abort:
        agreed = False
    if not agreed:
        fail("nothing done (answer y to go ahead, or give --yes)")


def excerpt(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def print_table(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    if not rows:
        click.echo("(none)")
        return
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    for row in (headers, *rows):
        click.echo(
            "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
