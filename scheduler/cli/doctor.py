"""`scheduler doctor`: what a running deployment needs, checked and named: the database, this process's
key against every account's secrets, and each worker's keys against the keys those secrets need (a
worker started before `scheduler secrets rotate` is flagged, with what to do)."""

from __future__ import annotations

import sys

import click
import redis

from scheduler.cli import main
from scheduler.cli.common import database, require_database
from scheduler.config import get_settings
from scheduler.networks.vault import key_fingerprints
from scheduler.newsroom import NewsroomError, connections


@main.command()
def doctor() -> None:
    """Check the database, this process's key and every worker's key; exit 1 when something is wrong."""
    from scheduler.celery_app import celery_app, registered_workers

    require_database()
    settings = get_settings()
    problems: list[str] = []
    mine = key_fingerprints(connections.secret_key(settings))
    with database() as session:
        needed = connections.keys_needed(session)
        try:
            connections.check_key_for_accounts(session, settings)
        except NewsroomError as error:
            problems.append(f"this process: {error}")
    click.echo(f"database: {settings.resolved_database_url.split('://', 1)[0]}, schema current")
    click.echo(f"this process's keys: {', '.join(mine) or '(none: SCHEDULER_SECRET_KEY is not set)'}")
    for fingerprint, accounts in sorted(needed.items()):
        click.echo(f"key {fingerprint or '(sealed before fingerprints)'} opens: {', '.join(accounts)}")
    try:
        # This process's settings, not the ones Celery read when it was imported.
        workers = registered_workers(settings.redis_url)
        with celery_app.connection_for_write(settings.redis_url) as connection:
            replies = celery_app.control.ping(timeout=2.0, connection=connection)
        answering = {name for reply in replies for name in reply}
    except (redis.RedisError, OSError) as error:
        problems.append(f"Redis at {settings.redis_url} does not answer ({error}): no worker can be checked")
        workers, answering = {}, set()
    if not workers and not problems:
        click.echo("workers: none running")
    for name, keys in sorted(workers.items()):
        lacking = [fp for fp in needed if fp and fp not in keys]
        state = "answering" if name in answering else "not answering (stopped without saying so?)"
        click.echo(f"worker {name}: keys {', '.join(keys) or '(none)'}; {state}")
        for fingerprint in lacking:
            problems.append(
                f"worker {name} lacks key {fingerprint}, which {', '.join(needed[fingerprint])} need(s): "
                "restart it with the SCHEDULER_SECRET_KEY in use now"
            )
    for problem in problems:
        click.echo(f"problem: {problem}", err=True)
    click.echo("ok" if not problems else f"{len(problems)} problem(s)")
    sys.exit(1 if problems else 0)
