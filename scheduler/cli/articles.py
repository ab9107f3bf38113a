"""Getting articles in from the command line: `add`, `quotes` and `import`."""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import click

from scheduler.articles import ArticleError, ParsedArticle
from scheduler.articles.quotes import pull_quotes
from scheduler.articles.sources import read_article
from scheduler.cli import main
from scheduler.cli.common import database, excerpt, fail, print_table
from scheduler.config import get_settings
from scheduler.models import PostState, utcnow
from scheduler.newsroom import NewsroomError, campaigns, controls, importing
from scheduler.newsroom.accounts import find_account
from scheduler.newsroom.articles import store_article
from scheduler.newsroom.feeds import fetch_policy
from scheduler.newsroom.posts import When, add_and_schedule
from scheduler.planning.campaigns import Campaign, CampaignError, load_campaign
from scheduler.planning.wallclock import format_local, time_note, zone

STEPS_HELP = "the post step: its template is templates/posts/<network>/<step>.txt.j2"


def load_article(source: str, url: str | None = None) -> ParsedArticle:
    """The article at a URL or in a file, or exit with one line saying why not."""
    settings = get_settings()
    try:
        return read_article(
            source, policy=fetch_policy(settings), max_bytes=settings.max_article_bytes, canonical_url=url
        )
    except ArticleError as error:
        fail(str(error))
        raise  # unreachable: fail exits


@main.command()
@click.argument("source", metavar="FILE|URL")
@click.option("--url", help="the article's canonical URL, when the file does not carry it")
@click.option(
    "--account",
    "account_names",
    multiple=True,
    metavar="NAME[,NAME…]",
    help="the accounts to post to, comma-separated or repeated (default: the only one)",
)
@click.option(
    "--at", "at", metavar="TIME", help="YYYY-MM-DD HH:MM in the account's zone, or ISO 8601 with offset"
)
@click.option("--now", "now", is_flag=True, help="post at once")
@click.option("--queue", "queue", is_flag=True, help="post at the account's next free slot")
@click.option(
    "--campaign",
    metavar="NAME",
    help="plan every step of a campaign (templates/campaigns/NAME.yml) instead of one post",
)
@click.option("--step", default="announce", show_default=True, help=STEPS_HELP)
@click.option("--text", help="the post's text, instead of the step's template")
@click.option("--card", "card", metavar="TEMPLATE", help="carry a card: quote, headline or breaking")
@click.option("--card-size", metavar="WxH", help="the card's size [1200x675]; or square, portrait, link")
@click.option(
    "--embargo",
    metavar="TIME",
    help="hold every post of the article until then: ISO 8601 with an offset, or YYYY-MM-DD HH:MM in UTC",
)
def add(
    source: str,
    url: str | None,
    account_names: tuple[str, ...],
    at: str | None,
    now: bool,
    queue: bool,
    campaign: str | None,
    step: str,
    text: str | None,
    card: str | None,
    card_size: str | None,
    embargo: str | None,
) -> None:
    """Add an article (a web page's URL, an HTML file or a text file) and schedule its post, or its
    campaign's posts, for each account."""
    settings = get_settings()
    names = list(dict.fromkeys(n.strip() for joined in account_names for n in joined.split(",") if n.strip()))
    chosen = None
    if campaign is not None:
        given = {"--at": at, "--now": now, "--queue": queue, "--text": text, "--card": card}
        given.update({"--card-size": card_size, "--step": step != "announce"})
        chosen = _campaign(campaign, [flag for flag, value in given.items() if value])
    embargo_until = None
    if embargo is not None:
        try:
            embargo_until = controls.parse_embargo(embargo)
        except NewsroomError as error:
            fail(f"--embargo: {error}")
    parsed = load_article(source, url)
    if chosen is not None:
        _add_campaign(parsed, source, names, chosen, embargo_until)
        return
    with database() as session:
        posts = [
            add_and_schedule(
                session,
                parsed,
                account_name=name,
                when=When(at=at, now=now, queue=queue),
                templates_dir=settings.templates_dir,
                source=source,
                step=step,
                text=text,
                card=card,
                card_size=card_size,
            )
            for name in names or [None]
        ]
        if embargo_until is not None and posts[0].article_id is not None:
            controls.embargo(session, posts[0].article_id, embargo_until, now=utcnow())
        for post in posts:
            tz = zone(post.account.timezone)
            if post.state == PostState.DRAFT:
                what = f"saved as a draft for approval (scheduler posts approve {post.id}), for"
            else:
                what = "scheduled at"
            click.echo(
                f"post {post.id} for {post.account.name!r} {what} {format_local(post.due_at, tz)}: "
                f"{excerpt(post.text, 60)}"
            )
            if at and (note := time_note(at, tz)):
                click.echo(f"note: --at {note}")
        post = posts[0]
        quotes = len(post.article.quotes) if post.article else 0
        click.echo(f"article {post.article_id}: {excerpt(parsed.title, 60)} ({quotes} pull quotes)")
        if embargo_until is not None:
            click.echo(f"embargo: no post of the article goes out before {_utc(embargo_until)}")
        for post in posts:
            if post.card_template:
                click.echo(
                    f"card: {post.card_template} at {post.card_size}, rendered by a worker on the cards "
                    f"queue before the post is due (`scheduler post {post.id}` shows it)"
                )


def _campaign(name: str, mixed: list[str]) -> Campaign:
    """The campaign, checked before the article is fetched; a campaign plans its own times and cards."""
    if mixed:
        fail(f"--campaign plans each step's time, text and card itself: leave out {', '.join(mixed)}")
    try:
        return load_campaign(get_settings().templates_dir, name)
    except CampaignError as error:
        fail(str(error))
        raise  # unreachable: fail exits


def _utc(instant: datetime) -> str:
    return f"{instant.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _add_campaign(
    parsed: ParsedArticle, source: str, names: list[str], campaign: Campaign, embargo_until: datetime | None
) -> None:
    """Store the article and plan every step of the campaign for every account, in one transaction
    (after the embargo, when there is one)."""
    settings = get_settings()
    with database() as session:
        accounts = [find_account(session, name) for name in names or [None]]
        article = store_article(session, parsed, source=source)
        if embargo_until is not None:
            controls.embargo(session, article.id, embargo_until, now=utcnow())
        planned = campaigns.plan(
            session, article, accounts, campaign, templates_dir=settings.templates_dir, now=utcnow()
        )
        rows = [
            (
                str(post.id),
                post.account.name,
                f"{post.campaign_step} {post.step}" + (" (draft)" if post.state == PostState.DRAFT else ""),
                format_local(post.due_at, zone(post.account.timezone)),
                post.card_template or "",
                excerpt(post.text, 50),
            )
            for post in planned.posts
        ]
        click.echo(f"article {article.id}: {excerpt(article.title, 60)} ({len(article.quotes)} pull quotes)")
        click.echo(
            f"campaign {campaign.name!r}: {len(rows)} post(s) planned for "
            f"{', '.join(a.name for a in accounts)}"
        )
        if embargo_until is not None:
            click.echo(f"embargo: no post of the article goes out before {_utc(embargo_until)}")
        if any(post.state == PostState.DRAFT for post in planned.posts):
            click.echo("drafts wait for approval: scheduler posts approve ID…")
        print_table(("post", "account", "step", "due", "card", "text"), rows)
        for skipped in planned.skipped:
            step = f"{skipped.step.number} ({skipped.step.step})"
            click.echo(f"skipped step {step} for {skipped.account!r}: {skipped.reason}")


@main.command()
@click.argument("source", metavar="FILE|URL")
@click.option("--json", "as_json", is_flag=True, help="a JSON list, for other programs")
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True)
def quotes(source: str, as_json: bool, limit: int) -> None:
    """The article's pull-quote candidates with their speakers, best first."""
    parsed = load_article(source)
    candidates = pull_quotes(parsed.paragraphs, title=parsed.title)[:limit]
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "rank": rank,
                        "text": q.text,
                        "speaker": q.speaker,
                        "score": round(q.score, 4),
                        "confidence": round(q.confidence, 4),
                        "paragraph": q.paragraph,
                    }
                    for rank, q in enumerate(candidates, start=1)
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if not candidates:
        click.echo("(no pull-quote candidates: the article quotes nobody in whole sentences)")
    for rank, q in enumerate(candidates, start=1):
        click.echo(f"{rank}. “{q.text}”")
        click.echo(
            f"   — {q.speaker or '(speaker unknown)'}  score {q.score:.2f}, confidence {q.confidence:.2f}"
        )


@main.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--skip-bad", is_flag=True, help="import the good rows even when some are bad")
@click.option(
    "--campaign",
    metavar="NAME",
    help="plan every step of a campaign (templates/campaigns/NAME.yml) for each row's article",
)
@click.option(
    "--account",
    "account_names",
    multiple=True,
    metavar="NAME[,NAME…]",
    help="with --campaign: the accounts for rows that name none (default: the only one)",
)
def import_csv(file: Path, skip_bad: bool, campaign: str | None, account_names: tuple[str, ...]) -> None:
    """Import many articles from a CSV file: columns article (URL or file), account, time, text.

    Every row is checked first (articles read, accounts and times checked); then all rows are
    imported in one transaction. A row without a time takes the account's next free slot. With
    --campaign, each row's article gets every step of the campaign (rows give no time or text).
    """
    settings = get_settings()
    names = tuple(
        dict.fromkeys(n.strip() for joined in account_names for n in joined.split(",") if n.strip())
    )
    if names and campaign is None:
        fail("--account goes with --campaign; without it, each row names its account")
    chosen = _campaign(campaign, []) if campaign is not None else None
    with database() as session:
        accounts = importing.account_infos(session)
    try:
        total = len(importing.read_rows(file, max_bytes=settings.max_article_bytes))
    except ArticleError as error:
        fail(str(error))
    with click.progressbar(length=total, label="checking rows", file=sys.stderr) as bar:
        try:
            plan = importing.check_file(
                file,
                accounts=accounts,
                policy=fetch_policy(settings),
                max_bytes=settings.max_article_bytes,
                progress=bar.update,
                campaign=chosen is not None,
                campaign_accounts=names,
            )
        except ArticleError as error:
            fail(str(error))
    if len(plan.errors) > 1 or (plan.errors and skip_bad):
        for error in plan.errors:
            click.echo(f"{file}, {error}", err=True)
    if plan.errors and not skip_bad:
        fail(str(importing.ImportRejected(file, plan.errors)))
    if not plan.rows:
        fail(f"{file}: no good rows to import")
    if chosen is not None:
        _import_campaign(file, plan, chosen)
        return
    found_while_checking = len(plan.errors)
    with (
        database() as session,
        click.progressbar(length=len(plan.rows), label="importing", file=sys.stderr) as bar,
    ):
        post_ids = importing.import_rows(
            session, file, plan, settings=settings, skip_bad=skip_bad, progress=bar.update
        )
    for error in plan.errors[found_while_checking:]:  # rows that failed as they were imported
        click.echo(f"{file}, {error}", err=True)
    skipped = f", skipped {len(plan.errors)} bad row(s)" if plan.errors else ""
    click.echo(f"imported {len(post_ids)} post(s) from {file}{skipped}")


def _import_campaign(file: Path, plan: importing.ImportPlan, campaign: Campaign) -> None:
    """The checked rows' articles stored and their campaign planned, all in one transaction."""
    settings = get_settings()
    with (
        database() as session,
        click.progressbar(length=len(plan.rows), label="planning", file=sys.stderr) as bar,
    ):
        planned = importing.import_campaign(session, plan, campaign, settings=settings, progress=bar.update)
    posts = sum(len(article.posts) for article in planned)
    skipped_rows = f", skipped {len(plan.errors)} bad row(s)" if plan.errors else ""
    click.echo(
        f"imported {len(planned)} article(s) from {file}: campaign {campaign.name!r}, {posts} post(s) "
        f"planned{skipped_rows}"
    )
    reasons = Counter(step.reason for article in planned for step in article.skipped)
    for reason, count in sorted(reasons.items()):
        click.echo(f"{count} step(s) left out: {reason}")
    if any(post.state == PostState.DRAFT for article in planned for post in article.posts):
        click.echo("drafts wait for approval: scheduler posts approve ID…")
