"""Post text from the command line: `length`, `templates check` and `preview`."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import click

from scheduler.cli import main
from scheduler.cli.articles import load_article
from scheduler.cli.common import fail
from scheduler.config import get_settings
from scheduler.demo.data import REFERENCE_ARTICLE, REFERENCE_URL
from scheduler.newsroom.articles import preview_article
from scheduler.publishing.post_cards import media_entry
from scheduler.render import RenderError
from scheduler.render.browser import CardRenderer
from scheduler.render.card_store import CardStore, render_card
from scheduler.render.cards import ALT_TEXT_LIMITS, DEFAULT_SIZE, CardContent, Theme, alt_text, card_page
from scheduler.render.checks import NETWORKS, check_templates
from scheduler.render.facets import bluesky_text
from scheduler.render.length import Count, count
from scheduler.render.posts import COUNTED_NETWORKS, STEPS, render_post
from scheduler.render.text import AccountView, ArticleView


@main.command()
@click.option("--network", type=click.Choice(COUNTED_NETWORKS), required=True)
@click.option("--max-characters", type=click.IntRange(min=1), help="Mastodon: the instance's limit [500]")
@click.argument("text")
def length(network: str, max_characters: int | None, text: str) -> None:
    """Count TEXT as the network counts it, and show the limit."""
    counted = count(network, text.replace("\\n", "\n"), max_characters=max_characters)
    extra = f", {counted.byte_length}/{counted.byte_limit} bytes" if counted.byte_limit else ""
    verdict = "fits" if counted.fits else f"{counted.over} over"
    click.echo(f"{counted.length}/{counted.limit}{extra} ({verdict})")
    if not counted.fits:
        raise SystemExit(1)


@main.group()
def templates() -> None:
    """Editors' post templates."""


@templates.command("check")
def templates_check() -> None:
    """Compile every post template and render it for every network it serves, on the reference article."""
    settings = get_settings()
    article = preview_article(load_article(str(REFERENCE_ARTICLE), REFERENCE_URL))
    report = check_templates(settings.templates_dir, article)
    for problem in report.problems:
        click.echo(str(problem), err=True)
    summary = f"{report.templates} templates, {report.renders} renders"
    if report.problems:
        fail(f"{len(report.problems)} problem(s) in {summary}")
    click.echo(f"ok: {summary} on the reference article")


@main.command()
@click.argument("source", metavar="FILE|URL")
@click.option("--url", help="the article's canonical URL, when the file does not carry it")
@click.option("--json", "as_json", is_flag=True, help="a JSON list, for other programs")
@click.option("--network", "networks", multiple=True, type=click.Choice(NETWORKS), help="[all]")
@click.option("--step", "steps", multiple=True, help="[announce, quote, reshare]")
@click.option("--cards/--no-cards", default=True, show_default=True, help="render the quote step's card")
def preview(
    source: str,
    url: str | None,
    as_json: bool,
    networks: tuple[str, ...],
    steps: tuple[str, ...],
    cards: bool,
) -> None:
    """What each network would get for each step: the text, its counted length and limit, and the card."""
    settings = get_settings()
    article = preview_article(load_article(source, url))
    results = []
    with CardRenderer(settings.chromium_path) as renderer:
        for network in networks or NETWORKS:
            for step in steps or STEPS:
                entry: dict[str, object] = {"network": network, "step": step, "card": None}
                try:
                    rendered = render_post(
                        settings.templates_dir, article, AccountView("preview", network), step
                    )
                except RenderError as error:
                    entry["error"] = str(error)
                else:
                    entry["template"] = rendered.template
                    entry["parts"] = [
                        _part(network, text, c)
                        for text, c in zip(rendered.parts, rendered.counts, strict=True)
                    ]
                    if cards and step in CARD_STEPS:
                        entry["card"] = _card(renderer, article, network, CARD_STEPS[step])
                results.append(entry)
    if as_json:
        click.echo(json.dumps(results, ensure_ascii=False, indent=2))
        return
    for entry in results:
        click.echo(f"== {entry['network']} / {entry['step']}")
        if "error" in entry:
            click.echo(f"   cannot render: {entry['error']}")
            continue
        parts = entry["parts"]
        assert isinstance(parts, list)
        for index, part in enumerate(parts, start=1):
            limit = f"/{part['limit']}" if part["limit"] else " (no limit)"
            label = f"part {index}, " if len(parts) > 1 else ""
            click.echo(f"   [{label}{part['length']}{limit}]")
            click.echo("\n".join(f"   | {line}" for line in str(part["text"]).splitlines()))
        shown = entry["card"]
        if isinstance(shown, dict) and "error" in shown:
            click.echo(f"   card: cannot render: {shown['error']}")
        elif isinstance(shown, dict):
            click.echo(f"   card: {shown['path']} ({shown['template']}, {shown['width']}x{shown['height']})")
            click.echo(f"   alt:  {shown['alt_text']}")


# The card a step's post carries in the preview; the others carry one only when asked (`add --card`).
CARD_STEPS = {"quote": "quote"}


def _card(renderer: CardRenderer, article: ArticleView, network: str, template: str) -> dict[str, object]:
    """The step's card for the article, rendered (or found in the media store) with its alt text."""
    settings = get_settings()
    quote = next((q for q in article.quotes if q.speaker), None)
    content = CardContent(
        title=article.title,
        quote=quote.text if quote else "",
        speaker=(quote.speaker or "") if quote else "",
        site=article.site or (urlsplit(article.url or "").hostname or "").removeprefix("www."),
    )
    try:
        page = card_page(settings.templates_dir, template, content, Theme(), DEFAULT_SIZE)
        stored = render_card(renderer, CardStore(settings.resolved_media_dir), page)
    except RenderError as error:
        return {"template": template, "error": str(error)}
    alt = alt_text(template, content, ALT_TEXT_LIMITS.get(network, min(ALT_TEXT_LIMITS.values())))
    return {**media_entry(stored, alt)}


def _part(network: str, text: str, counted: Count) -> dict[str, object]:
    part: dict[str, object] = {
        "text": text,
        "length": counted.length,
        "limit": counted.limit,
        "fits": counted.fits,
    }
    if network == "bluesky":
        # Bluesky shows long links shortened; the full address rides in a facet.
        shown = bluesky_text(text)
        part.update(
            text=shown.text, facets=shown.facets, bytes=counted.byte_length, byte_limit=counted.byte_limit
        )
    return part
