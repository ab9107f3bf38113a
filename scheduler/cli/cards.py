"""Quote cards from the command line: `card`, and `accounts theme` for an account's look."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from scheduler.cli import accounts, main
from scheduler.cli.common import database, fail
from scheduler.config import get_settings
from scheduler.newsroom import card_themes
from scheduler.newsroom.accounts import find_account
from scheduler.render import RenderError
from scheduler.render.browser import CardRenderer
from scheduler.render.card_store import CardStore, render_card
from scheduler.render.cards import (
    ALT_TEXT_LIMITS,
    CardContent,
    Theme,
    ThemeError,
    alt_text,
    card_page,
    card_template_names,
    check_theme,
    parse_size,
)

SIZE_HELP = "WxH, or landscape (1200x675), square (1080x1080), portrait (1080x1350), link (1200x630)"


@main.command()
@click.option("--quote", help="the quote the card shows (quote template)")
@click.option("--speaker", default="", help="who said it")
@click.option("--site", default="", help="the site's name")
@click.option("--title", default="", help="the article's title (headline and breaking templates)")
@click.option("--template", default="quote", show_default=True, help="templates/cards/<name>.html.j2")
@click.option("--size", default="1200x675", show_default=True, help=SIZE_HELP)
@click.option("--account", "account_name", help="use this account's theme (colours, logo, font)")
@click.option("--image", type=click.Path(dir_okay=False, path_type=Path), help="a lead image file (headline)")
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="the PNG to write"
)
def card(
    quote: str | None,
    speaker: str,
    site: str,
    title: str,
    template: str,
    size: str,
    account_name: str | None,
    image: Path | None,
    out: Path,
) -> None:
    """Render one card to a PNG file, and print its alt text."""
    settings = get_settings()
    known = card_template_names(settings.templates_dir)
    if template not in known:
        fail(f"no card template {template!r}: use one of {', '.join(known)} (templates/cards/<name>.html.j2)")
    if template == "quote" and not (quote or "").strip():
        fail("the quote card needs --quote TEXT (and --speaker NAME)")
    if template != "quote" and not title.strip():
        fail(f"the {template} card needs --title TEXT")
    theme = Theme()
    if account_name:
        with database() as session:
            account = find_account(session, account_name)
            try:
                theme = Theme.from_options(account.options.get("theme"))
            except ThemeError as error:
                fail(f"account {account_name!r}: {error}")
    content = CardContent(
        title=title, quote=quote or "", speaker=speaker, site=site, image=str(image) if image else None
    )
    try:
        page = card_page(settings.templates_dir, template, content, theme, parse_size(size))
        with CardRenderer(settings.chromium_path) as renderer:
            stored = render_card(renderer, CardStore(settings.resolved_media_dir), page)
    except RenderError as error:
        fail(str(error))
        raise  # unreachable: fail exits
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(f".{out.name}.tmp")
    shutil.copyfile(stored.path, temporary)
    temporary.replace(out)
    click.echo(
        f"{out} ({stored.width}x{stored.height}, {template} card"
        f"{'' if stored.rendered else ', from the store'})"
    )
    click.echo(f"alt text: {alt_text(template, content, ALT_TEXT_LIMITS['x'])}")


@accounts.command("theme")
@click.argument("name")
@click.option("--background", help="a CSS hex colour, such as #0f172a")
@click.option("--foreground", help="the text colour")
@click.option("--accent", help="the accent colour (quote marks, bars, speaker)")
@click.option("--font", "font_family", help="a font family installed on the cards worker, such as Inter")
@click.option("--logo", type=click.Path(dir_okay=False, path_type=Path), help="a PNG, JPEG or GIF file")
@click.option("--no-logo", is_flag=True, help="remove the logo")
def accounts_theme(
    name: str,
    background: str | None,
    foreground: str | None,
    accent: str | None,
    font_family: str | None,
    logo: Path | None,
    no_logo: bool,
) -> None:
    """Show or change the account's card theme; later cards use it (a new theme makes new cards)."""
    changes = {
        "background": background,
        "foreground": foreground,
        "accent": accent,
        "font_family": font_family,
        "logo": str(logo) if logo else None,
    }
    with database() as session:
        account = find_account(session, name)
        current = dict(account.options.get("theme") or {})
        updated = {**current, **{key: value for key, value in changes.items() if value is not None}}
        if no_logo:
            updated.pop("logo", None)
        try:
            theme = check_theme(Theme(**updated))
        except (ThemeError, RenderError, TypeError) as error:
            fail(f"account {name!r}: {error}")
            raise  # unreachable: fail exits
        if logo:  # checked with the rest above; kept only once the whole theme is good
            updated["logo"] = _keep_logo(logo)
            theme = Theme(**updated)
        if updated != current:
            account.options = {**account.options, "theme": updated}
    for field, value in theme.__dict__.items():
        click.echo(f"{field + ':':<13}{value if value is not None else '(none)'}")


def _keep_logo(logo: Path) -> str:
    """A copy of the logo in the media folder, named by its hash: cards keep working if the file moves."""
    try:
        return card_themes.keep_logo(logo.read_bytes(), logo.suffix, get_settings().resolved_media_dir)
    except (RenderError, OSError) as error:
        fail(f"logo {logo}: {error}")
        raise  # unreachable: fail exits
