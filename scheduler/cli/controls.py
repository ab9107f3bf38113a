"""Newsroom controls from the command line: `pause`, `resume`, `articles update | withdraw | embargo`,
`accounts approval` and `posts approve`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import click

from scheduler.articles.quotes import pull_quotes
from scheduler.cli import accounts, main
from scheduler.cli.articles import load_article
from scheduler.cli.common import ask_first, database, excerpt
from scheduler.config import get_settings
from scheduler.models import Post, utcnow
from scheduler.newsroom import controls, corrections
from scheduler.newsroom.accounts import find_account
from scheduler.planning.wallclock import format_local, zone

EMBARGO_HELP = "ISO 8601 with an offset (2026-12-01T09:00+01:00, or Z), or YYYY-MM-DD HH:MM in UTC"


def _group(name: str, help_text: str) -> click.Group:
    """The top-level group `name`, made here unless another module made it first."""
    existing = main.commands.get(name)
    if isinstance(existing, click.Group):
        return existing
    group = click.Group(name, help=help_text)
    main.add_command(group)
    return group


def _posts_group() -> click.Group:
    """`posts` lists posts; with `approve` it becomes a group that still lists when given no command.

    Transitional: once `posts` in scheduler/cli/__init__.py is a group itself, this only adds to it.
    """
    listing = main.commands["posts"]
    if isinstance(listing, click.Group):
        return listing
    assert listing.callback is not None

    @click.pass_context
    def list_unless_a_command(ctx: click.Context, **options: Any) -> None:
        if ctx.invoked_subcommand is None:
            listing.callback(**options)  # type: ignore[misc]

    group = click.Group(
        "posts",
        params=listing.params,
        callback=list_unless_a_command,
        invoke_without_command=True,
        help=listing.help,
    )
    main.add_command(group)
    return group


articles = _group("articles", "Stored articles: correct, withdraw or embargo one.")
posts = _posts_group()


def _stale_after(minutes: int | None) -> timedelta:
    if minutes is not None:
        return timedelta(minutes=minutes)
    return timedelta(minutes=get_settings().stale_after_minutes)  # SCHEDULER_STALE_AFTER_MINUTES


def _local(instant: datetime, timezone_name: str) -> str:
    return format_local(instant, zone(timezone_name))


@main.command()
@click.argument("names", nargs=-1, metavar="NAME…")
@click.option("--all", "every", is_flag=True, help="every account")
def pause(names: tuple[str, ...], every: bool) -> None:
    """Stop sending the accounts' posts: they stay scheduled until `scheduler resume`."""
    with database() as session:
        paused = controls.pause(session, controls.choose_accounts(session, names, every=every), now=utcnow())
    for item in paused:
        since = f"{item.since.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
        click.echo(f"{item.account}: {'already paused since' if item.already else 'paused at'} {since}")
        if item.publishing:
            ids = ", ".join(map(str, item.publishing))
            click.echo(f"  being sent right now, may still go out: post(s) {ids}")


@main.command()
@click.argument("names", nargs=-1, metavar="NAME…")
@click.option("--all", "every", is_flag=True, help="every paused account")
@click.option(
    "--stale-after",
    type=click.IntRange(min=0),
    metavar="MINUTES",
    help="skip posts later than this [SCHEDULER_STALE_AFTER_MINUTES, 120]",
)
def resume(names: tuple[str, ...], every: bool, stale_after: int | None) -> None:
    """Send the accounts' posts again: stale ones are skipped, the rest go out spaced by the budget."""
    lines: list[str] = []
    with database() as session:
        chosen = controls.choose_accounts(session, names, every=every)
        if every:
            chosen = [account for account in chosen if account.paused_at is not None]
        results = controls.resume(session, chosen, now=utcnow(), stale_after=_stale_after(stale_after))
        zones = {account.name: account.timezone for account in chosen}
        for item in results:
            if item.paused_at is None:
                lines.append(f"{item.account}: not paused")
                continue
            lines.append(
                f"{item.account}: resumed; {len(item.sent)} post(s) due meanwhile go out, "
                f"{len(item.skipped)} skipped as stale"
            )
            lines += [f"  post {i} goes out at {_local(due, zones[item.account])}" for i, due in item.sent]
            lines += [f"  post {i} {why}" for i, why in item.skipped]
    if not lines:
        lines.append("no account is paused")
    click.echo("\n".join(lines))


@articles.command("update")
@click.argument("article_id", type=int, metavar="ID")
@click.option("--title", help="the corrected title")
@click.option("--summary", help="the corrected summary")
@click.option("--from", "source", metavar="FILE|URL", help="read the whole article again from here")
def articles_update(article_id: int, title: str | None, summary: str | None, source: str | None) -> None:
    """Correct an article and render its posts that have not gone out again (text and cards)."""
    if title is None and summary is None and source is None:
        raise click.UsageError("say what to correct: --title, --summary or --from FILE|URL")
    parsed = load_article(source) if source else None  # read before the transaction, never inside it
    found = pull_quotes(parsed.paragraphs, title=parsed.title) if parsed else None
    with database() as session:
        done = corrections.correct_article(
            session,
            article_id,
            templates_dir=get_settings().templates_dir,
            title=title,
            summary=summary,
            parsed=parsed,
            source=source,
            quotes=found,
        )
        lines = [
            f"article {article_id}: {excerpt(done.article.title, 60)}",
            f"changed: {', '.join(done.changed)}"
            if done.changed
            else "nothing changed; posts left as they are",
        ]
        for item in done.posts:
            lines.append(f"post {item.post_id} ({item.account}, {item.state}): {item.what}")
            if item.text:
                lines.append(f"    {excerpt(item.text, 100)}")
        lines += [f"post {post_id}: {why}" for post_id, why in done.left]
    click.echo("\n".join(lines))


@articles.command("withdraw")
@click.argument("article_id", type=int, metavar="ID")
@click.option("--reason", required=True, help="why: editors see it on every canceled post")
@click.option("--yes", is_flag=True, help="do not ask first (for scripts)")
def articles_withdraw(article_id: int, reason: str, yes: bool) -> None:
    """Withdraw an article: every post of it not out yet is canceled, with the reason."""
    if not yes:  # asked with no transaction open: an answer can take minutes
        with database() as session:
            article = controls.get_article(session, article_id)
            title = excerpt(article.title, 50)
            question = f"Withdraw article {article_id} ({title}) and cancel its posts not out yet?"
        ask_first(question, yes=yes)
    with database() as session:
        done = controls.withdraw(session, article_id, reason, now=utcnow())
        lines = [f"article {article_id} withdrawn: {done.article.withdraw_reason}"]
        lines.append(f"canceled: {_ids(done.stopped)}")
        lines += _out_already(done)
    click.echo("\n".join(lines))


@articles.command("embargo")
@click.argument("article_id", type=int, metavar="ID")
@click.option("--until", "until", metavar="TIME", help=EMBARGO_HELP)
@click.option("--lift", is_flag=True, help="end the embargo now: posts due meanwhile go out at once")
def articles_embargo(article_id: int, until: str | None, lift: bool) -> None:
    """Hold every post of an article until a time; posts due before then go out right after it."""
    if (until is None) == (not lift):
        raise click.UsageError("give one of --until TIME or --lift")
    with database() as session:
        now = utcnow()
        if lift:
            done = controls.lift_embargo(session, article_id, now=now)
            lines = [
                f"article {article_id}: embargo lifted",
                f"due already, go out now: {_ids(done.due_now)}",
            ]
        else:
            done = controls.embargo(session, article_id, controls.parse_embargo(until or ""), now=now)
            held_until = done.article.embargo_until
            assert held_until is not None
            lines = [f"article {article_id}: held until {held_until:%Y-%m-%d %H:%M} UTC"]
            lines += [f"taken back from the queue: {_ids(done.stopped)}"] if done.stopped else []
            lines.append(f"held: {_ids(done.held)}")
            for post_id in done.held:
                post = session.get_one(Post, post_id)
                due = _local(post.due_at, post.account.timezone)
                late = " (goes out when the embargo lifts)" if post.due_at < held_until else ""
                lines.append(f"  post {post_id} ({post.account.name}) due {due}{late}")
        lines += _out_already(done)
    click.echo("\n".join(lines))


def _ids(ids: list[int]) -> str:
    return ", ".join(f"post {i}" for i in ids) if ids else "(none)"


def _out_already(done: controls.ArticlePosts) -> list[str]:
    lines = []
    if done.publishing:
        lines.append(f"being sent right now, may still go out: {_ids(done.publishing)}")
    lines += [f"already out (not deleted): post {i} {url}".rstrip() for i, url in done.published]
    return lines


@accounts.command("approval")
@click.argument("name")
@click.option("--on/--off", "needed", default=None, help="posts wait as drafts for an editor's approval")
def accounts_approval(name: str, needed: bool | None) -> None:
    """Show or set whether the account's new posts wait as drafts for `scheduler posts approve`."""
    with database() as session:
        if needed is None:
            account = find_account(session, name)
            needed = bool(account.options.get("needs_approval"))
            drafts = None
        else:
            account, drafts = controls.set_approval(session, name, needed)
    state = (
        "needs approval: new posts are drafts" if needed else "no approval needed: new posts are scheduled"
    )
    click.echo(f"{name}: {state}")
    if drafts:
        click.echo(f"{drafts} draft(s) wait for approval: `scheduler posts --state draft` lists them")


@posts.command("approve")
@click.argument("post_ids", type=int, nargs=-1, required=True, metavar="ID…")
def posts_approve(post_ids: tuple[int, ...]) -> None:
    """Approve drafts: they are scheduled (a thread as a whole); one whose time has passed goes out now."""
    lines = []
    with database() as session:
        for item in controls.approve(session, post_ids, now=utcnow()):
            post = session.get_one(Post, item.post_id)
            if not item.approved:
                lines.append(f"post {item.post_id} {item.why_not}: not approved")
                continue
            when = _local(item.due_at, post.account.timezone)
            thread = f" (a thread of {item.parts})" if item.parts > 1 else ""
            lines.append(
                f"post {item.post_id}{thread} approved: its time had passed, it goes out now"
                if item.overdue
                else f"post {item.post_id}{thread} approved: scheduled at {when}"
            )
    click.echo("\n".join(lines))
