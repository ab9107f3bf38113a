"""`scheduler feeds`: the RSS and Atom feeds whose new items become posts."""

from __future__ import annotations

import click

from scheduler import db, newsroom
from scheduler.articles import ArticleError
from scheduler.cli import main
from scheduler.cli.common import ask_first, database, excerpt, fail, print_table
from scheduler.config import get_settings
from scheduler.models import utcnow
from scheduler.newsroom.feeds import (
    add_feed,
    check_campaign,
    check_feed,
    fetch_policy,
    find_feed,
    list_feeds,
    pause_feed,
    remove_feed,
    resume_feed,
)
from scheduler.newsroom.polling import poll_feed
from scheduler.planning.wallclock import format_local, zone


@main.group()
def feeds() -> None:
    """Feeds polled by the beat; each new item is scheduled for the feed's accounts."""


@feeds.command("add")
@click.argument("url")
@click.option("--accounts", "accounts", required=True, metavar="A,B", help="accounts to post new items to")
@click.option("--campaign", help="the campaign to plan for each new item (templates/campaigns/NAME.yml)")
@click.option("--every", "every", type=click.FloatRange(min=1), help="minutes between polls [default: 5]")
@click.option("--no-check", is_flag=True, help="follow the feed without fetching it first")
def feeds_add(url: str, accounts: str, campaign: str | None, every: float | None, no_check: bool) -> None:
    """Follow a feed: checked now (fetched and parsed), then polled by the beat."""
    settings = get_settings()
    title = None
    try:
        check_campaign(campaign)
    except newsroom.NewsroomError as error:
        fail(str(error))
    if not no_check:
        try:
            title = check_feed(url, policy=fetch_policy(settings))
        except ArticleError as error:
            fail(f"{error} (nothing saved; --no-check follows it anyway)")
    with database() as session:
        feed = add_feed(
            session,
            url,
            accounts.split(","),
            campaign=campaign,
            poll_seconds=every * 60 if every is not None else None,
            title=title,
        )
        names = ", ".join(a.name for a in feed.accounts)
        click.echo(
            f"following feed {feed.id} {title or url!r} for {names}, every {feed.poll_seconds / 60:g} min"
        )


@feeds.command("list")
def feeds_list() -> None:
    """The feeds followed, when each was last polled and what went wrong."""
    with database() as session:
        rows = [
            (
                str(feed.id),
                excerpt(feed.title or "", 30),
                feed.url,
                ",".join(a.name for a in feed.accounts),
                feed.campaign or "",
                f"{feed.poll_seconds / 60:g} min",
                "paused"
                if feed.paused_at
                else format_local(feed.last_polled_at, zone("UTC"))
                if feed.last_polled_at
                else "never",
                str(items),
                excerpt(feed.last_error or "", 50),
            )
            for feed, items in list_feeds(session)
        ]
    print_table(("id", "title", "url", "accounts", "campaign", "every", "polled", "items", "error"), rows)


@feeds.command("remove")
@click.argument("feed", metavar="ID|URL")
@click.option("--yes", is_flag=True, help="do not ask first (for scripts)")
def feeds_remove(feed: str, yes: bool) -> None:
    """Stop following a feed; the articles and posts it brought stay."""
    if not yes:  # asked with no transaction open: an answer can take minutes
        with database() as session:
            found = find_feed(session, feed)
            question = f"Stop following feed {found.id} ({found.url})?"
        ask_first(question, yes=yes)
    with database() as session:
        removed = remove_feed(session, feed)
        click.echo(f"stopped following feed {removed.id} ({removed.url})")


@feeds.command("poll")
@click.argument("feed", metavar="ID|URL", required=False)
def feeds_poll(feed: str | None) -> None:
    """Poll one feed, or every feed, now (the beat does this on its own)."""
    with database() as session:
        ids = [find_feed(session, feed).id] if feed else [f.id for f, _ in list_feeds(session)]
    if not ids:
        fail("no feeds are followed yet: `scheduler feeds add URL --accounts NAME`")
    failed = False
    for feed_id in ids:
        report = poll_feed(db.session_scope, feed_id)
        if report.error:
            failed = True
            click.echo(f"feed {feed_id}: {report.error}", err=True)
        elif report.not_modified:
            click.echo(f"feed {feed_id}: not modified since the last poll")
        else:
            seen = (
                ", ".join(f"{n} {outcome}" for outcome, n in sorted(report.items.items())) or "no new items"
            )
            later = f", {report.retry_later} to retry" if report.retry_later else ""
            later += f", {report.deferred} left for the next poll" if report.deferred else ""
            click.echo(f"feed {feed_id}: {seen}{later}")
    if failed:
        raise SystemExit(1)


@feeds.command("pause")
@click.argument("feed", metavar="ID|URL")
def feeds_pause(feed: str) -> None:
    """Stop polling a feed until it is resumed (its items wait in the feed)."""
    with database() as session:
        paused = pause_feed(session, feed, now=utcnow())
        click.echo(f"feed {paused.id} paused: not polled until `scheduler feeds resume {paused.id}`")


@feeds.command("resume")
@click.argument("feed", metavar="ID|URL")
def feeds_resume(feed: str) -> None:
    """Poll a paused feed again (the beat polls it at once)."""
    with database() as session:
        resumed = resume_feed(session, feed, now=utcnow())
        click.echo(f"feed {resumed.id} resumed: the beat polls it now")
