"""`scheduler campaigns`, `scheduler accounts evergreen`, `scheduler articles evergreen` and
`scheduler evergreen`."""

from __future__ import annotations

import click

from scheduler.cli import accounts, main
from scheduler.cli.common import database, excerpt, fail, print_table
from scheduler.cli.controls import articles
from scheduler.config import get_settings
from scheduler.models import utcnow
from scheduler.newsroom import evergreen as evergreen_fill
from scheduler.newsroom.accounts import list_accounts
from scheduler.planning.campaigns import CampaignError, campaign_names, load_campaign
from scheduler.planning.wallclock import format_local, zone


@main.group()
def campaigns() -> None:
    """Campaigns: the posts one article becomes over days and weeks (templates/campaigns/NAME.yml)."""


@campaigns.command("list")
def campaigns_list() -> None:
    """Every campaign file, checked: its steps, or what is wrong with it."""
    templates_dir = get_settings().templates_dir
    rows = []
    for name in campaign_names(templates_dir):
        try:
            campaign = load_campaign(templates_dir, name)
        except CampaignError as error:
            rows.append((name, "(cannot be used)", excerpt(str(error), 80)))
            continue
        steps = ", ".join(step.step for step in campaign.steps)
        rows.append((name, f"{len(campaign.steps)}: {steps}", excerpt(campaign.description, 80)))
    print_table(("campaign", "steps", "description"), rows)


@campaigns.command("show")
@click.argument("name")
def campaigns_show(name: str) -> None:
    """A campaign's steps: when each goes out and the card it carries."""
    try:
        campaign = load_campaign(get_settings().templates_dir, name)
    except CampaignError as error:
        fail(str(error))
        raise  # unreachable: fail exits
    click.echo(f"{campaign.name}: {campaign.description}" if campaign.description else campaign.name)
    rows = [
        (
            str(step.number),
            step.step,
            step.when.text,
            step.card or "",
            str(step.quote or ""),
            "yes" if step.same_day else "",
        )
        for step in campaign.steps
    ]
    print_table(("#", "step", "when", "card", "quote", "same day"), rows)


@accounts.command("evergreen")
@click.argument("name")
@click.option(
    "--after-days",
    type=click.IntRange(min=1),
    metavar="N",
    help="reshare an article the account has not shared for N days in its free slots",
)
@click.option("--card", metavar="TEMPLATE", help="the card evergreen reshares carry (quote, headline…)")
@click.option("--off", is_flag=True, help="stop filling free slots")
def accounts_evergreen(name: str, after_days: int | None, card: str | None, off: bool) -> None:
    """Fill the account's free slots with reshares of older articles (the beat does it hourly)."""
    if off == (after_days is not None):
        fail("give --after-days N to turn evergreen on, or --off")
    if off and card is not None:
        fail("--card goes with --after-days")
    with database() as session:
        account = evergreen_fill.set_evergreen(
            session, name, after_days, card=card, templates_dir=get_settings().templates_dir
        )
        if off:
            click.echo(f"evergreen off for {account.name!r}")
        else:
            with_card = f", with a {card} card" if card else ""
            click.echo(
                f"evergreen on for {account.name!r}: its free slots of the coming day get reshares of "
                f"articles it has not shared for {after_days} days, oldest-shared first{with_card}"
            )


@articles.command("evergreen")
@click.argument("article_id", type=int, metavar="ID")
@click.option("--on/--off", "on", default=None, help="let evergreen reshare the article, or keep it out")
def articles_evergreen(article_id: int, on: bool | None) -> None:
    """Keep an article out of evergreen reshares (an obituary, a dated story), or let it back in."""
    if on is None:
        raise click.UsageError("give --on (evergreen may reshare it) or --off (keep it out)")
    with database() as session:
        article = evergreen_fill.set_article_evergreen(session, article_id, on=on, now=utcnow())
        title = excerpt(article.title, 60)
    if on:
        click.echo(f"article {article_id} ({title}): evergreen accounts may reshare it again")
    else:
        click.echo(f"article {article_id} ({title}): kept out of evergreen reshares")


@main.command()
@click.option(
    "--days", type=click.IntRange(min=1, max=14), default=1, show_default=True, help="how far ahead"
)
@click.option(
    "--eligible", is_flag=True, help="list what each evergreen account may reshare, and when; fill nothing"
)
def evergreen(days: int, eligible: bool) -> None:
    """Fill the free slots of evergreen accounts now, as the hourly beat does."""
    if eligible:
        _print_eligible()
        return
    with database() as session:
        posts = evergreen_fill.fill_free_slots(
            session, utcnow(), get_settings().templates_dir, horizon_days=days
        )
        rows = [
            (
                str(post.id),
                post.account.name,
                format_local(post.due_at, zone(post.account.timezone)),
                str(post.article_id),
                excerpt(post.text, 50),
            )
            for post in posts
        ]
    print_table(("post", "account", "due", "article", "text"), rows)


def _print_eligible() -> None:
    now = utcnow()
    rows = []
    with database() as session:
        for account in list_accounts(session):
            tz = zone(account.timezone)
            for candidate in evergreen_fill.candidates(session, account, now):
                when = "kept out" if candidate.kept_out else format_local(max(candidate.again_from, now), tz)
                rows.append(
                    (
                        account.name,
                        str(candidate.article_id),
                        excerpt(candidate.title, 40),
                        format_local(candidate.last_shared, tz),
                        when,
                    )
                )
    print_table(("account", "article", "title", "last shared", "may go again"), rows)
