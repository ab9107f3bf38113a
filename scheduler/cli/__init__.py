"""The `scheduler` command."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from sqlalchemy.exc import OperationalError, ProgrammingError

from scheduler import db, newsroom
from scheduler.articles import ArticleError
from scheduler.articles.text import parse_text, read_text_file
from scheduler.config import get_settings
from scheduler.models import PostState
from scheduler.planning import PlanningError, format_local, zone
from scheduler.render import RenderError

USER_ERRORS = (ArticleError, newsroom.NewsroomError, PlanningError, RenderError)


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
    """A transaction on an initialised database; user errors become a one-line message and exit 1."""
    require_database()
    try:
        with db.session_scope() as session:
            yield session
    except USER_ERRORS as error:
        fail(str(error))
    except (OperationalError, ProgrammingError) as error:
        fail(f"database error, nothing was saved: {error.orig}")


@click.group()
def main() -> None:
    """Turn articles into social posts and publish them once, on time."""


@main.command()
def init() -> None:
    """Create or upgrade the database, and the outbox account on a new one."""
    settings = get_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    settings.resolved_outbox_dir.mkdir(parents=True, exist_ok=True)
    settings.resolved_media_dir.mkdir(parents=True, exist_ok=True)
    try:
        db.upgrade_schema()
    except OperationalError as error:
        fail(f"cannot open the database {settings.resolved_database_url}: {error.orig}")
    with db.session_scope() as session:
        created = newsroom.ensure_default_account(session)
    click.echo(f"database ready: {settings.resolved_database_url}")
    if created:
        click.echo(f"created the outbox account {created.name!r}: posts go to {settings.resolved_outbox_dir}")


@main.group()
def accounts() -> None:
    """Social accounts that posts go to."""


@accounts.command("list")
def accounts_list() -> None:
    with database() as session:
        rows = [(a.name, a.network, a.timezone) for a in newsroom.list_accounts(session)]
    print_table(("name", "network", "time zone"), rows)


@accounts.command("add")
@click.argument("network", type=click.Choice(["outbox"]))
@click.argument("name")
@click.option(
    "--timezone", "timezone_name", default="UTC", show_default=True, help="IANA zone, e.g. Europe/London"
)
@click.option(
    "--folder", type=click.Path(file_okay=False, path_type=Path), help="outbox: where posts are written"
)
def accounts_add(network: str, name: str, timezone_name: str, folder: Path | None) -> None:
    """Add an account; for now the outbox network, which writes posts to a folder."""
    options = {"folder": str(folder.resolve())} if folder else {}
    with database() as session:
        account = newsroom.add_account(session, name, network, timezone_name, options)
        click.echo(f"added {account.network} account {account.name!r} ({account.timezone})")


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--url", help="the article's canonical URL, used in the post")
@click.option("--account", "account_name", help="the account to post to (default: the only one)")
@click.option(
    "--at", "at", metavar="TIME", help="YYYY-MM-DD HH:MM in the account's zone, or ISO 8601 with offset"
)
@click.option("--now", "now", is_flag=True, help="post at once")
def add(file: Path, url: str | None, account_name: str | None, at: str | None, now: bool) -> None:
    """Add an article from a text file and schedule its post."""
    settings = get_settings()
    try:
        parsed = parse_text(
            read_text_file(file, max_bytes=settings.max_article_bytes), canonical_url=url, source=str(file)
        )
    except ArticleError as error:
        fail(str(error))
    with database() as session:
        post = newsroom.add_and_schedule(
            session,
            parsed,
            account_name=account_name,
            when=newsroom.When(at=at, now=now),
            templates_dir=settings.templates_dir,
            source=str(file),
        )
        tz = zone(post.account.timezone)
        click.echo(
            f"post {post.id} for {post.account.name!r} scheduled at {format_local(post.due_at, tz)}: "
            f"{excerpt(post.text, 60)}"
        )


@main.command()
@click.option("--state", type=click.Choice([s.value for s in PostState]), help="only posts in this state")
@click.option(
    "--limit", type=click.IntRange(min=1), default=200, show_default=True, help="show at most this many"
)
def posts(state: str | None, limit: int) -> None:
    """The posts, by due time, in each account's time zone."""
    with database() as session:
        found, total = newsroom.list_posts(session, state=state, limit=limit)
        rows = [
            (
                str(p.id),
                p.account.name,
                format_local(p.due_at, zone(p.account.timezone)),
                p.state,
                excerpt(p.text, 40),
                p.external_url or (f"({p.last_error})" if p.last_error else ""),
            )
            for p in found
        ]
    print_table(("id", "account", "due", "state", "text", "receipt"), rows)
    if total > len(rows):
        click.echo(f"(the first {len(rows)} of {total}; --limit shows more)")


@main.command()
@click.argument("post_id", type=int)
def post(post_id: int) -> None:
    """One post and its history: every call to the network and what came of it."""
    with database() as session:
        found = newsroom.get_post(session, post_id)
        tz = zone(found.account.timezone)
        fields = [
            ("post", str(found.id)),
            ("account", f"{found.account.name} ({found.account.network}, {found.account.timezone})"),
            ("state", found.state),
            ("due", format_local(found.due_at, tz)),
        ]
        if found.scheduled_for != found.due_at:
            fields.append(("asked for", format_local(found.scheduled_for, tz)))
        if found.published_at:
            fields.append(("published", format_local(found.published_at, tz)))
        if found.external_url:
            fields.append(("receipt", found.external_url))
        if found.last_error:
            fields.append(("why", found.last_error))
        attempts = [
            (
                a.kind,
                format_local(a.started_at, tz),
                a.outcome or "(running)",
                excerpt(a.detail or "", 60),
                a.worker or "",
            )
            for a in found.attempts
        ]
        text = found.text
    for name, value in fields:
        click.echo(f"{name + ':':<11}{value}")
    click.echo("text:")
    click.echo("\n".join(f"    {line}".rstrip() for line in text.splitlines()))
    click.echo("attempts:")
    print_table(("kind", "started", "outcome", "detail", "worker"), attempts)


@main.command(context_settings={"ignore_unknown_options": True})
@click.option("--concurrency", "-c", type=int, default=None, help="worker processes (default: one per CPU)")
@click.option("--beat/--no-beat", default=True, show_default=True, help="embed the beat (one per deployment)")
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def worker(concurrency: int | None, beat: bool, celery_args: tuple[str, ...]) -> None:
    """Run a Celery worker for every queue, with the beat embedded: everything for one machine."""
    from scheduler.celery_app import WORKER_QUEUES, celery_app

    require_database()
    settings = get_settings()
    argv = ["worker", "-Q", WORKER_QUEUES, "--loglevel", "INFO"]
    if beat:
        argv += ["--beat", "--schedule", str(settings.var_dir / "celerybeat-schedule")]
    if concurrency:
        argv += ["--concurrency", str(concurrency)]
    celery_app.worker_main([*argv, *celery_args])


@main.command()
@click.option("--timeout", type=float, default=45.0, show_default=True, help="seconds to wait for the post")
def demo(timeout: float) -> None:
    """Publish the reference article end to end on the outbox account; no credentials needed."""
    from scheduler.demo import run_demo

    try:
        code = run_demo(timeout=timeout)
    except (RuntimeError, OperationalError, *USER_ERRORS) as error:  # no Redis can run, no database, …
        fail(str(error))
    sys.exit(code)


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


if __name__ == "__main__":
    main()
