"""The `scheduler` command."""

from __future__ import annotations

import sys

import click
from sqlalchemy.exc import OperationalError

from scheduler import db
from scheduler.cli.common import USER_ERRORS, database, excerpt, fail, print_table, require_database
from scheduler.config import get_settings
from scheduler.models import Post, PostState
from scheduler.newsroom import connections
from scheduler.newsroom.accounts import ensure_default_account, list_accounts
from scheduler.newsroom.posts import get_post, list_posts
from scheduler.newsroom.quotes import pick_quote
from scheduler.planning.wallclock import format_local, zone


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
        created = ensure_default_account(session)
    click.echo(f"database ready: {settings.resolved_database_url}")
    if created:
        click.echo(f"created the outbox account {created.name!r}: posts go to {settings.resolved_outbox_dir}")


@main.group()
def accounts() -> None:
    """Social accounts that posts go to."""


@accounts.command("list")
def accounts_list() -> None:
    with database() as session:
        rows = [(a.name, a.network, a.timezone) for a in list_accounts(session)]
    print_table(("name", "network", "time zone"), rows)


@main.command()
@click.option("--state", type=click.Choice([s.value for s in PostState]), help="only posts in this state")
@click.option(
    "--limit", type=click.IntRange(min=1), default=200, show_default=True, help="show at most this many"
)
def posts(state: str | None, limit: int) -> None:
    """The posts, by due time, in each account's time zone."""
    with database() as session:
        found, total = list_posts(session, state=state, limit=limit)
        rows = [
            (
                str(p.id),
                p.account.name,
                format_local(p.due_at, zone(p.account.timezone)),
                p.state,
                f"{p.campaign} {p.campaign_step}: {p.step}" if p.campaign else p.step,
                excerpt(p.text, 40),
                p.external_url or (f"({p.last_error})" if p.last_error else ""),
            )
            for p in found
        ]
    print_table(("id", "account", "due", "state", "step", "text", "receipt"), rows)
    if total > len(rows):
        click.echo(f"(the first {len(rows)} of {total}; --limit shows more)")


@main.command()
@click.argument("post_id", type=int)
@click.option(
    "--quote",
    "quote_rank",
    type=click.IntRange(min=1),
    help="carry the article's quote of this rank instead, and render the post again",
)
def post(post_id: int, quote_rank: int | None) -> None:
    """One post and its history: every call to the network and what came of it."""
    settings = get_settings()
    with database() as session:
        if quote_rank is not None:
            pick_quote(session, post_id, quote_rank, templates_dir=settings.templates_dir)
        found = get_post(session, post_id)
        tz = zone(found.account.timezone)
        fields = [
            ("post", str(found.id)),
            ("account", f"{found.account.name} ({found.account.network}, {found.account.timezone})"),
            ("state", found.state),
            ("step", found.step),
            ("due", format_local(found.due_at, tz)),
        ]
        if found.article is not None:
            fields.append(("article", f"{found.article.id}: {excerpt(found.article.title, 60)}"))
        if found.scheduled_for != found.due_at:
            fields.append(("asked for", format_local(found.scheduled_for, tz)))
        if found.published_at:
            fields.append(("published", format_local(found.published_at, tz)))
        if found.external_url:
            fields.append(("receipt", found.external_url))
        if found.card_template:
            fields.append(("card", _card_line(found)))
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
        quotes = [
            (
                ("* " if q.id == found.quote_id else "  ") + str(q.rank),
                excerpt(q.text, 70),
                q.speaker or "(unknown)",
                f"{q.score:.2f}",
            )
            for q in (found.article.quotes if found.article else [])
        ]
        text = found.text
    for name, value in fields:
        click.echo(f"{name + ':':<11}{value}")
    click.echo("text:")
    click.echo("\n".join(f"    {line}".rstrip() for line in text.splitlines()))
    if quotes:
        click.echo("quotes (* this post's; --quote RANK picks another):")
        print_table(("rank", "quote", "speaker", "score"), quotes)
    click.echo("attempts:")
    print_table(("kind", "started", "outcome", "detail", "worker"), attempts)


def _card_line(post: Post) -> str:
    what = f"{post.card_template} {post.card_size} ({post.card_state})"
    for item in post.media:
        what += f"\n{'':<11}{item['path']}\n{'':<11}alt: {item.get('alt_text') or '(none)'}"
    return what


@main.command(context_settings={"ignore_unknown_options": True})
@click.option("--concurrency", "-c", type=int, default=None, help="worker processes (default: one per CPU)")
@click.option("--beat/--no-beat", default=True, show_default=True, help="embed the beat (one per deployment)")
@click.option(
    "--queues",
    "-Q",
    help="only these queues, comma-separated (publish, render, cards, feeds, default) [all]; "
    "`-Q cards` makes a cards worker, `-Q publish,render,feeds,default` a worker without a browser",
)
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def worker(concurrency: int | None, beat: bool, queues: str | None, celery_args: tuple[str, ...]) -> None:
    """Run a Celery worker for every queue, with the beat embedded: everything for one machine."""
    from scheduler.celery_app import WORKER_QUEUES, celery_app

    require_database()
    settings = get_settings()
    with database() as session:
        connections.check_key_for_accounts(session, settings)
    known = WORKER_QUEUES.split(",")
    chosen = [name.strip() for name in (queues or WORKER_QUEUES).split(",") if name.strip()]
    unknown = [name for name in chosen if name not in known]
    if unknown or not chosen:
        fail(f"unknown queue(s) {', '.join(unknown) or '(none given)'}: choose from {', '.join(known)}")
    argv = ["worker", "-Q", ",".join(chosen), "--loglevel", "INFO"]
    if beat:
        argv += ["--beat", "--schedule", str(settings.var_dir / "celerybeat-schedule")]
    if concurrency:
        argv += ["--concurrency", str(concurrency)]
    celery_app.worker_main([*argv, *celery_args])


@main.command()
@click.option("--timeout", type=float, default=45.0, show_default=True, help="seconds to wait for the post")
def demo(timeout: float) -> None:
    """Publish the reference article end to end on the outbox account; no credentials needed."""
    from scheduler.demo.run import run_demo

    try:
        code = run_demo(timeout=timeout)
    except (RuntimeError, OperationalError, *USER_ERRORS) as error:  # no Redis can run, no database, …
        fail(str(error))
    sys.exit(code)


from scheduler.cli import articles as _articles  # noqa: E402
from scheduler.cli import campaigns as _campaigns  # noqa: E402
from scheduler.cli import cards as _cards  # noqa: E402
from scheduler.cli import connect as _connect  # noqa: E402  (registers its commands)
from scheduler.cli import controls as _controls  # noqa: E402
from scheduler.cli import doctor as _doctor  # noqa: E402
from scheduler.cli import editing as _editing  # noqa: E402  (after controls: adds to its `posts` group)
from scheduler.cli import feeds as _feeds  # noqa: E402
from scheduler.cli import render as _render  # noqa: E402
from scheduler.cli import schedule as _schedule  # noqa: E402
from scheduler.cli import users as _users  # noqa: E402

_ = (
    _articles,
    _campaigns,
    _cards,
    _connect,
    _controls,
    _doctor,
    _editing,
    _feeds,
    _render,
    _schedule,
    _users,
)
