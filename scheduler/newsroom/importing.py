"""Bulk import from CSV: every row is checked first; then all rows go in one transaction, or none.

Checking reads every article (fetching URLs, parsing files) and every account and time, so that an
import that starts writing does not stop halfway: a file with a bad row imports nothing and names
the row, unless the editor asks to skip bad rows.

With a campaign, each row's article is planned with every step of the campaign for the row's account
(or the accounts given for the whole file), all articles in one go (campaigns.plan_many).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import newsroom
from scheduler.articles import ArticleError, ParsedArticle
from scheduler.articles.csv import CsvRow, read_rows, sent_rows
from scheduler.articles.fetch import FetchPolicy
from scheduler.articles.quotes import PullQuote, pull_quotes
from scheduler.articles.sources import is_url, read_article
from scheduler.config import Settings
from scheduler.models import Account, Post, utcnow
from scheduler.newsroom import campaigns
from scheduler.newsroom.accounts import find_account
from scheduler.newsroom.articles import store_article
from scheduler.newsroom.campaigns import CampaignPlan
from scheduler.newsroom.posts import check_budget, next_slot, schedule_post, thread_of
from scheduler.planning import PlanningError
from scheduler.planning.campaigns import Campaign
from scheduler.planning.wallclock import parse_time, zone
from scheduler.render import RenderError
from scheduler.render.posts import own_text
from scheduler.wording import marked, plain

Progress = Callable[[int], None]
# Pages are fetched this many at a time: fast for a long file, gentle on one newsroom's server.
FETCH_THREADS = 8


@dataclass(frozen=True)
class RowError:
    line: int
    message: str  # as the domain wrote it, its options marked (scheduler.wording)

    def __str__(self) -> str:
        return f"line {self.line}: {plain(self.message)}"


@dataclass(frozen=True)
class AccountInfo:
    """What checking a row needs of its account, read in a short transaction before any fetching."""

    timezone: str
    network: str
    max_characters: int | None = None


@dataclass(frozen=True)
class CheckedRow:
    row: CsvRow
    article: ParsedArticle
    quotes: tuple[PullQuote, ...]  # found while checking, so the import's transaction only writes
    source: str
    account: str
    due_at: datetime | None  # None: the account's next free slot
    accounts: tuple[str, ...] = ()  # with a campaign: every account its article is planned for


@dataclass
class ImportPlan:
    """The outcome of checking a file: the rows ready to import and the errors of the others."""

    rows: list[CheckedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class ImportRejected(newsroom.NewsroomError):
    """Rows are bad and the editor did not ask to skip them: nothing was imported."""

    def __init__(self, path: Path, errors: list[RowError]) -> None:
        self.errors = errors
        first = f"{path}, {errors[0]}" if len(errors) == 1 else f"{path}: {len(errors)} bad rows"
        super().__init__(f"{first}; nothing imported (fix the file«, or give --skip-bad to import the rest»)")


def account_infos(session: Session) -> dict[str, AccountInfo]:
    """Each account by name, with what checking rows needs of it."""
    return {
        account.name: AccountInfo(account.timezone, account.network, account.options.get("max_characters"))
        for account in session.scalars(select(Account))
    }


def check_file(
    path: Path,
    *,
    accounts: dict[str, AccountInfo],
    policy: FetchPolicy,
    max_bytes: int,
    progress: Progress | None = None,
    campaign: bool = False,
    campaign_accounts: tuple[str, ...] = (),
    addresses_only: bool = False,
) -> ImportPlan:
    """Read and check every row: fetches and parses articles, outside any database transaction.

    With `campaign`, a row gives no time and no text (the campaign plans both), and its article goes
    to the row's account, else to `campaign_accounts`, else to the only account. With `addresses_only`
    (a file uploaded to the web app), a row's article must be an address: a path would read the
    server's own files."""
    return _check_rows(
        read_rows(path, max_bytes=max_bytes),
        None if addresses_only else path.parent,
        accounts=accounts,
        policy=policy,
        max_bytes=max_bytes,
        progress=progress,
        campaign=campaign,
        campaign_accounts=campaign_accounts,
    )


def check_text(
    text: str,
    *,
    name: str,
    accounts: dict[str, AccountInfo],
    policy: FetchPolicy,
    max_bytes: int,
    campaign: bool = False,
    campaign_accounts: tuple[str, ...] = (),
) -> ImportPlan:
    """Read and check every row of a file's text sent over the web (`name` names it in the messages),
    as `check_file` does with `addresses_only`: a row's article must be an address."""
    return _check_rows(
        sent_rows(text, name=name, max_bytes=max_bytes),
        None,
        accounts=accounts,
        policy=policy,
        max_bytes=max_bytes,
        campaign=campaign,
        campaign_accounts=campaign_accounts,
    )


def _check_rows(
    rows: list[CsvRow],
    folder: Path | None,
    *,
    accounts: dict[str, AccountInfo],
    policy: FetchPolicy,
    max_bytes: int,
    progress: Progress | None = None,
    campaign: bool,
    campaign_accounts: tuple[str, ...],
) -> ImportPlan:
    """The rows checked; a row's article that is no address is a path under `folder` (None: it must be
    an address)."""
    now = utcnow()
    not_addresses = {row.line for row in rows if folder is None and row.article and not is_url(row.article)}
    sources = {
        row.line: _source(row, folder) for row in rows if row.article and row.line not in not_addresses
    }
    articles = _read_all(sources, rows, policy=policy, max_bytes=max_bytes, progress=progress)
    plan = ImportPlan()
    for row in rows:
        if row.line in not_addresses:
            plan.errors.append(
                RowError(row.line, f"{row.article!r} is not an address: give the article's https:// address")
            )
            continue
        try:
            if campaign:
                checked = _check_campaign_row(
                    row, sources.get(row.line), accounts, articles, campaign_accounts
                )
            else:
                checked = _check_row(row, sources.get(row.line), accounts, articles, now)
            plan.rows.append(checked)
        except (ArticleError, newsroom.NewsroomError, PlanningError, RenderError) as error:
            plan.errors.append(RowError(row.line, marked(error)))
    return plan


def _source(row: CsvRow, folder: Path | None) -> str:
    if is_url(row.article) or folder is None:
        return row.article
    return str((folder / row.article).resolve())


@dataclass(frozen=True)
class RowCheck:
    """One row as checking found it: ready (its article, account and time) or what is wrong with it."""

    line: int
    title: str | None  # the article's, None for a row with a problem
    account: str | None
    accounts: tuple[str, ...]  # with a campaign: every account its article is planned for
    due_at: datetime | None  # None: the account's next free slot (or the campaign's times)
    problem: str | None  # as the domain wrote it, its options marked


def rows_checked(plan: ImportPlan) -> list[RowCheck]:
    """Every row of the plan, ready or not, in the file's order (a row that failed as it was imported
    shows its problem only)."""
    bad = {error.line for error in plan.errors}
    rows = [
        RowCheck(c.row.line, c.article.title, c.account, c.accounts or (c.account,), c.due_at, None)
        for c in plan.rows
        if c.row.line not in bad
    ]
    rows += [RowCheck(e.line, None, None, (), None, e.message) for e in plan.errors]
    return sorted(rows, key=lambda row: row.line)


def made_by(session: Session, post_ids: list[int], user_id: int) -> list[Post]:
    """The posts a user's import made (every part of their threads) are theirs, as a post they schedule
    on a page is; the first parts, in order."""
    posts = [post for post_id in post_ids if (post := session.get(Post, post_id)) is not None]
    for post in posts:
        for part in thread_of(session, post):
            part.created_by_id = user_id
    return posts


def _read_all(
    sources: dict[int, str],
    rows: list[CsvRow],
    *,
    policy: FetchPolicy,
    max_bytes: int,
    progress: Progress | None,
) -> dict[str, tuple[ParsedArticle, tuple[PullQuote, ...]] | ArticleError]:
    """Each distinct article once (rows often share one, an article per account), URLs fetched in parallel."""
    uses = Counter(sources.values())
    if progress:
        progress(len(rows) - len(sources))  # rows without an article: nothing to read

    def read(source: str) -> tuple[ParsedArticle, tuple[PullQuote, ...]] | ArticleError:
        try:
            parsed = read_article(source, policy=policy, max_bytes=max_bytes)
        except ArticleError as error:
            return error
        return parsed, tuple(pull_quotes(parsed.paragraphs, title=parsed.title))

    articles: dict[str, tuple[ParsedArticle, tuple[PullQuote, ...]] | ArticleError] = {}
    with ThreadPoolExecutor(max_workers=FETCH_THREADS) as pool:
        futures = {pool.submit(read, source): source for source in uses}
        for future in as_completed(futures):
            source = futures[future]
            articles[source] = future.result()
            if progress:
                progress(uses[source])
    return articles


def _check_row(
    row: CsvRow,
    source: str | None,
    accounts: dict[str, AccountInfo],
    articles: dict[str, tuple[ParsedArticle, tuple[PullQuote, ...]] | ArticleError],
    now: datetime,
) -> CheckedRow:
    if source is None:
        raise ArticleError("no article: give a URL or the path of an article file")
    account = _account(row.account, accounts)
    due_at = None
    if row.time:
        timezone = accounts[account].timezone
        due_at = parse_time(row.time, zone(timezone))
        if due_at < now:
            raise newsroom.NewsroomError(f"{row.time} ({timezone}) has already passed")
    if row.text is not None:  # the editor's own text: counted now, as the account's network counts it
        info = accounts[account]
        own_text(row.text, network=info.network, max_characters=info.max_characters)
    article = articles[source]
    if isinstance(article, ArticleError):
        raise article
    parsed, quotes = article
    return CheckedRow(row, parsed, quotes, source, account, due_at)


def _check_campaign_row(
    row: CsvRow,
    source: str | None,
    accounts: dict[str, AccountInfo],
    articles: dict[str, tuple[ParsedArticle, tuple[PullQuote, ...]] | ArticleError],
    campaign_accounts: tuple[str, ...],
) -> CheckedRow:
    if source is None:
        raise ArticleError("no article: give a URL or the path of an article file")
    given = [column for column, value in (("time", row.time), ("text", row.text)) if value]
    if given:
        raise newsroom.NewsroomError(
            f"the campaign plans each step's time and text: leave the {' and '.join(given)} column empty"
        )
    if row.account is not None:
        names: tuple[str, ...] = (_account(row.account, accounts),)
    elif campaign_accounts:
        names = tuple(_account(name, accounts) for name in campaign_accounts)
    else:
        names = (_account(None, accounts),)
    article = articles[source]
    if isinstance(article, ArticleError):
        raise article
    parsed, quotes = article
    return CheckedRow(row, parsed, quotes, source, names[0], None, names)


def import_campaign(
    session: Session,
    plan: ImportPlan,
    campaign: Campaign,
    *,
    settings: Settings,
    progress: Progress | None = None,
) -> list[CampaignPlan]:
    """Store the checked rows' articles and plan the campaign for each onto its accounts, in the
    caller's one transaction (rows that name one article share it, their accounts joined)."""
    by_source: dict[str, tuple[CheckedRow, list[str]]] = {}
    for checked in plan.rows:
        _, names = by_source.setdefault(checked.source, (checked, []))
        names.extend(name for name in checked.accounts if name not in names)
    found = {account.name: account for account in session.scalars(select(Account))}
    requests = []
    for checked, names in by_source.values():
        article = store_article(session, checked.article, source=checked.source, quotes=checked.quotes)
        requests.append((article, [found[name] for name in names]))
    planned = campaigns.plan_many(
        session, requests, campaign, templates_dir=settings.templates_dir, now=utcnow()
    )
    if progress:
        progress(len(plan.rows))
    return planned


def _account(name: str | None, accounts: dict[str, AccountInfo]) -> str:
    if name is None:
        if len(accounts) == 1:
            return next(iter(accounts))
        raise newsroom.NewsroomError(f"no account: say which one of {', '.join(sorted(accounts))}")
    if name not in accounts:
        known = ", ".join(sorted(accounts)) or "none yet"
        raise newsroom.NewsroomError(f"no account named {name!r} (accounts: {known})")
    return name


def import_rows(
    session: Session,
    path: Path,
    plan: ImportPlan,
    *,
    settings: Settings,
    skip_bad: bool = False,
    progress: Progress | None = None,
) -> list[int]:
    """Store the checked rows' articles and schedule their posts, in the caller's one transaction.

    A row can still fail here (its template over the limit, no free slot left): the whole import
    fails naming it, or with `skip_bad` that row alone is rolled back and added to `plan.errors`.
    """
    post_ids = []
    for checked in plan.rows:
        savepoint = session.begin_nested() if skip_bad else None
        try:
            post_ids.append(_import_row(session, checked, settings).id)
        except (RenderError, newsroom.NewsroomError, PlanningError) as error:
            if savepoint is None:
                raise ImportRejected(path, [RowError(checked.row.line, marked(error))]) from None
            savepoint.rollback()
            plan.errors.append(RowError(checked.row.line, marked(error)))
        else:
            if savepoint is not None:
                savepoint.commit()
        if progress:
            progress(1)
    return post_ids


def _import_row(session: Session, checked: CheckedRow, settings: Settings) -> Post:
    account = find_account(session, checked.account)
    article = store_article(session, checked.article, source=checked.source, quotes=checked.quotes)
    if checked.due_at is not None:
        # Checked here, in the import's transaction, so the rows before this one count too.
        check_budget(session, account, checked.due_at)
        due_at = checked.due_at
    else:
        due_at = next_slot(session, account, after=utcnow())
    return schedule_post(
        session, article, account, due_at=due_at, templates_dir=settings.templates_dir, text=checked.row.text
    )
