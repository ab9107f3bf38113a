"""`scheduler posts reschedule | cancel | retry`: an editor's hand on one post (scheduler.editing)."""

from __future__ import annotations

import sys

import click

from scheduler.cli.common import database
from scheduler.cli.controls import posts
from scheduler.models import utcnow
from scheduler.newsroom import NewsroomError, editing
from scheduler.newsroom.posts import next_slot
from scheduler.planning import PlanningError
from scheduler.planning.wallclock import format_local, parse_time, time_note, zone


def _report(changed: editing.Changed, done: str) -> bool:
    if changed.done:
        thread = f" (a thread of {changed.parts})" if changed.parts > 1 else ""
        click.echo(f"post {changed.post_id}{thread} {done}")
    else:
        click.echo(f"post {changed.post_id} {changed.why_not}: left as it is", err=True)
    return changed.done


@posts.command("reschedule")
@click.argument("post_id", type=int)
@click.option("--at", "at_text", help="a time in the account's zone (or with an offset)")
@click.option("--queue", is_flag=True, help="the account's next free posting slot")
def posts_reschedule(post_id: int, at_text: str | None, queue: bool) -> None:
    """Move a draft or scheduled post (a thread as a whole) to another time, within the budget."""
    if bool(at_text) == queue:
        raise click.UsageError("give one of --at TIME or --queue")
    now = utcnow()
    with database() as session:
        head = editing.first_part(session, post_id)
        tz = zone(head.account.timezone)
        if queue:
            at = next_slot(session, head.account, after=now)
        else:
            try:
                at = parse_time(at_text or "", tz)
            except PlanningError as error:
                raise NewsroomError(str(error)) from None
        changed = editing.reschedule(session, post_id, at, now=now)
        ok = _report(changed, f"moved to {format_local(at, tz)} ({tz.key})")
        if ok and at_text and (note := time_note(at_text, tz)):
            click.echo(f"note: --at {note}")
    sys.exit(0 if ok else 1)


@posts.command("cancel")
@click.argument("post_ids", type=int, nargs=-1, required=True, metavar="ID…")
@click.option("--reason", default="", help="kept with the post, shown in `scheduler post ID`")
def posts_cancel(post_ids: tuple[int, ...], reason: str) -> None:
    """Cancel posts not out yet (each thread as a whole)."""
    with database() as session:
        results = [editing.cancel(session, post_id, reason=reason) for post_id in dict.fromkeys(post_ids)]
        ok = all([_report(changed, "canceled") for changed in results])
    sys.exit(0 if ok else 1)


@posts.command("retry")
@click.argument("post_id", type=int)
@click.option(
    "--checked-not-sent",
    is_flag=True,
    help="for a post whose outcome was unknown: you looked at the account and it is not there",
)
def posts_retry(post_id: int, checked_not_sent: bool) -> None:
    """Send a failed or skipped post again, now (a thread as a whole)."""
    with database() as session:
        changed = editing.retry(session, post_id, now=utcnow(), checked_not_sent=checked_not_sent)
        ok = _report(changed, "is scheduled again: it goes out now")
    sys.exit(0 if ok else 1)
