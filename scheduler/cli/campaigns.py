"""`scheduler campaigns`, `scheduler accounts evergreen` and `scheduler evergreen`."""

from __future__ import annotations

import click

from scheduler.cli import accounts, main
from scheduler.cli.common import database, excerpt, fail, print_table
from scheduler.config import get_settings
from scheduler.models import utcnow
from scheduler.newsroom import evergreen as evergreen_fill
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


@main.command()
@click.option(
    "--days", type=click.IntRange(min=1, max=14), default=1, show_default=True, help="how far ahead"
)
def evergreen(days: int) -> None:
    """Fill the free slots of evergreen accounts now, as the hourly beat does."""
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
