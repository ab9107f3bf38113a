"""The posts a planned campaign makes: each step rendered once per kind of account, fitted and counted, and
every post inserted in one statement (planning 1,000 articles onto 50 accounts makes 200,000 rows).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import jinja2
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from scheduler.db import is_postgresql
from scheduler.models import Account, Article, CardState, Post, PostState, Quote, new_post_key, utcnow
from scheduler.newsroom import NewsroomError
from scheduler.newsroom.accounts import account_view
from scheduler.newsroom.articles import article_view, quote_view
from scheduler.planning.campaigns import Campaign, CampaignStep
from scheduler.planning.steps import PlannedStep
from scheduler.publishing import post_cards
from scheduler.render import RenderError
from scheduler.render.cards import CardSize
from scheduler.render.fit import split_thread
from scheduler.render.posts import RenderedPost, fit_parts
from scheduler.render.templates import post_template
from scheduler.render.text import AccountView, ArticleView, QuoteView, render_template_text


class PlacedSteps(Protocol):
    """An account's steps placed by the planner (planning.steps.AccountPlan)."""

    account: Account
    placed: list[PlannedStep]


# A name no account has: a render for it that equals one for a real account does not use the name.
_PROBE_NAME = "\x00campaign-probe"


@dataclass(frozen=True)
class PlannedPost:
    """A post planning made (the first part, for a thread), as inserted: no ORM object is loaded for it."""

    id: int
    account: Account
    step: str
    campaign_step: int
    due_at: datetime
    state: str
    text: str
    card_template: str | None


def load_posts(session: Session, planned: Sequence[PlannedPost]) -> list[Post]:
    """The posts as ORM objects, in the same order (for callers that go on to work with them)."""
    if not planned:
        return []
    ids = [post.id for post in planned]
    # The ids are (nearly always) one run: a range, not a list of two hundred parameters.
    loaded = {
        post.id: post
        for post in session.scalars(
            select(Post).where(Post.id.between(min(ids), max(ids)), Post.thread_index == 0)
        )
    }
    return [loaded[post_id] for post_id in ids]


def initial_state(account: Account) -> PostState:
    """A draft for an account whose posts need an editor's approval (controls.set_approval)."""
    return PostState.DRAFT if account.options.get("needs_approval") else PostState.SCHEDULED


# Each step's template by (network, step), looked up once for a whole plan: each lookup asks the file
# system whether the template changed.
TemplateLookups = dict[tuple[str, str], jinja2.Template]


class _Renders:
    """Each step's text for each account, fitted and counted once per text, network and limit.

    Accounts of one network, hashtags and limit get the same text unless the template uses the
    account's name: the first of them is rendered under its name and under one no account has, and
    when both agree the others take that text without a render of their own.
    """

    def __init__(
        self, templates_dir: Path, article: ArticleView, campaign: str, templates: TemplateLookups
    ) -> None:
        self.templates_dir = templates_dir
        self.article = article
        self.campaign = campaign
        self.shared: dict[tuple[object, ...], tuple[str, str] | None] = {}
        self.fitted: dict[tuple[object, ...], RenderedPost] = {}
        self.accounts: dict[int, tuple[AccountView, int | None]] = {}
        self.quotes: dict[int, QuoteView] = {}
        self.templates = templates

    def render(self, account: Account, step: str, quote: Quote | None) -> RenderedPost:
        if account.id not in self.accounts:
            self.accounts[account.id] = (account_view(account), account.options.get("max_characters"))
        view, limit = self.accounts[account.id]
        shown = self.quotes.get(quote.id) if quote is not None else None
        if quote is not None and shown is None:
            shown = self.quotes[quote.id] = quote_view(quote)
        kind = (view.network, view.hashtags, limit, step, quote.id if quote is not None else None)
        if kind not in self.shared:
            name, raw = self._text(view, step, shown)
            probe = self._text(AccountView(_PROBE_NAME, view.network, hashtags=view.hashtags), step, shown)
            self.shared[kind] = (name, raw) if probe[1] == raw else None
        else:
            name, raw = self.shared[kind] or self._text(view, step, shown)
        key = (name, raw, view.network, limit)
        if key not in self.fitted:
            # As render.posts.render_post does: split at `---` lines, fit and count each part.
            parts = split_thread(raw)
            if not parts:
                raise RenderError(f"{name} rendered no text for {view.network}; check the template")
            fitted, counts = fit_parts(parts, network=view.network, max_characters=limit, where=name)
            self.fitted[key] = RenderedPost(name, fitted, counts)
        return self.fitted[key]

    def _text(self, view: AccountView, step: str, quote: QuoteView | None) -> tuple[str, str]:
        if (view.network, step) not in self.templates:
            self.templates[view.network, step] = post_template(self.templates_dir, view.network, step)
        return render_template_text(
            self.templates_dir,
            self.article,
            view,
            step,
            quote=quote,
            campaign=self.campaign,
            template=self.templates[view.network, step],
        )


def make_posts(
    session: Session,
    article: Article,
    plans: Sequence[PlacedSteps],
    campaign: Campaign,
    templates_dir: Path,
) -> list[PlannedPost]:
    """Insert every planned post in one statement or a few; the first part of each as planned."""
    threads = post_rows(article, plans, campaign, templates_dir)
    return planned_posts(plans, threads, insert_posts(session, threads)) if threads else []


def post_rows(
    article: Article,
    plans: Sequence[PlacedSteps],
    campaign: Campaign,
    templates_dir: Path,
    templates: TemplateLookups | None = None,
) -> list[list[dict[str, Any]]]:
    """The rows of every planned post: each a thread of one part or more, in order, by account.
    `templates`: the lookups of the plan so far, for a plan of many articles."""
    lookups = {} if templates is None else templates
    renders = _Renders(templates_dir, article_view(article), campaign.name, lookups)
    sizes: dict[int, CardSize] = {}
    created = utcnow()
    threads: list[list[dict[str, Any]]] = []
    for plan in sorted(plans, key=lambda p: p.account.name):
        state = initial_state(plan.account)
        for placed in plan.placed:
            step = placed.step
            card: dict[str, Any] = dict.fromkeys(("card_template", "card_size", "card_state"))
            if step.card is not None:
                if step.number not in sizes:
                    sizes[step.number] = _card_size(templates_dir, step)
                # As post_cards.ask_for_card: the beat tick sends it to the cards queue.
                card = {
                    "card_template": step.card,
                    "card_size": sizes[step.number].name,
                    "card_state": CardState.PENDING.value,
                }
            rendered = renders.render(plan.account, step.step, placed.quote)
            threads.append(
                [
                    {
                        "key": new_post_key(),
                        "article_id": article.id,
                        "account_id": plan.account.id,
                        "step": step.step,
                        "quote_id": placed.quote.id if placed.quote is not None else None,
                        "thread_parent_id": None,
                        "thread_index": index,
                        "campaign": campaign.name,
                        "campaign_step": step.number,
                        "text": part,
                        "media": [],
                        **(card if index == 0 else dict.fromkeys(card)),
                        "state": state.value,
                        "due_at": placed.due,
                        "scheduled_for": placed.due,
                        "attempt_count": 0,
                        "created_at": created,
                        "updated_at": created,
                    }
                    for index, part in enumerate(rendered.parts)
                ]
            )
    return threads


def planned_posts(
    plans: Sequence[PlacedSteps], threads: list[list[dict[str, Any]]], first_ids: Sequence[int]
) -> list[PlannedPost]:
    accounts = {plan.account.id: plan.account for plan in plans}
    return [
        PlannedPost(
            post_id,
            accounts[parts[0]["account_id"]],
            parts[0]["step"],
            parts[0]["campaign_step"],
            parts[0]["due_at"],
            parts[0]["state"],
            parts[0]["text"],
            parts[0]["card_template"],
        )
        for post_id, parts in zip(first_ids, threads, strict=True)
    ]


def insert_posts(session: Session, threads: list[list[dict[str, Any]]]) -> list[int]:
    """Insert the posts (each a thread of one part or more); the ids of their first parts, in order.

    Core statements, not the unit of work: planning 1,000 articles onto 50 accounts makes 200,000
    rows. On PostgreSQL one INSERT … SELECT FROM unnest(arrays): without threads it returns each row's
    id by its key; with threads the ids come from the sequence first, so that a reply can name the part
    before it. On SQLite the ids follow the highest one (every transaction there begins IMMEDIATE,
    holding the only write lock), then one executemany.
    """
    if not threads:
        return []
    if is_postgresql(session):
        connection = session.connection()
        return _insert_postgresql(connection.exec_driver_sql, connection.dialect, threads)
    rows = [row for parts in threads for row in parts]
    highest = session.scalar(select(func.max(Post.id))) or 0
    _number(threads, range(highest + 1, highest + 1 + len(rows)))
    session.execute(insert(Post.__table__), rows)
    return [parts[0]["id"] for parts in threads]


class BackgroundInserts:
    """Inserts of planned posts that run while the caller goes on planning (plan_many's way).

    On PostgreSQL each batch is written by one thread of its own, on the session's connection, as plain
    psycopg statements: the server writes a batch (a fifth of a bulk plan's time) while this thread
    renders the next. psycopg lets one statement at a time run on a connection, so a statement of this
    thread waits for the insert under way instead of mixing with it. Elsewhere a batch is inserted at
    once. Leaving the `with` block waits for every insert; an insert's error comes out of `result`.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._pool = ThreadPoolExecutor(1, "post-inserts") if is_postgresql(session) else None

    def __enter__(self) -> BackgroundInserts:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def submit(self, threads: list[list[dict[str, Any]]]) -> Future[list[int]]:
        """Start inserting the posts; the future gives the ids of their first parts, in order."""
        if self._pool is None or not threads:
            done: Future[list[int]] = Future()
            done.set_result(insert_posts(self.session, threads))
            return done
        connection = self.session.connection()
        raw = connection.connection.dbapi_connection
        assert raw is not None

        def execute(statement: str, params: dict[str, Any]) -> list[Any]:
            with raw.cursor() as cursor:
                cursor.execute(statement, params)
                return cursor.fetchall() if cursor.description else []

        return self._pool.submit(_insert_postgresql, execute, connection.dialect, threads)


Execute = Callable[[str, dict[str, Any]], Iterable[Any]]


def _insert_postgresql(execute: Execute, dialect: Dialect, threads: list[list[dict[str, Any]]]) -> list[int]:
    rows = [row for parts in threads for row in parts]
    if len(rows) == len(threads):
        # No replies to link: the sequence numbers the rows as they go in, and each comes back by key.
        returned = execute(*_unnest_insert(dialect, rows, returning=True))
        ids_by_key = {key: post_id for key, post_id in returned}
        return [ids_by_key[parts[0]["key"]] for parts in threads]
    found = execute(
        "SELECT nextval(pg_get_serial_sequence('posts', 'id')) FROM generate_series(1, %(n)s)",
        {"n": len(rows)},
    )
    _number(threads, [post_id for (post_id,) in found])
    execute(*_unnest_insert(dialect, rows))
    return [parts[0]["id"] for parts in threads]


def _number(threads: list[list[dict[str, Any]]], ids: Iterable[int]) -> None:
    """Give the rows their ids, and each reply the id of the part before it."""
    for row, post_id in zip((row for parts in threads for row in parts), ids, strict=True):
        row["id"] = post_id
    for parts in threads:
        for parent, reply in itertools.pairwise(parts):
            reply["thread_parent_id"] = parent["id"]


def _unnest_insert(
    dialect: Dialect, rows: list[dict[str, Any]], *, returning: bool = False
) -> tuple[str, dict[str, Any]]:
    """One INSERT for all rows: a column that varies goes as one array, one that does not as one value;
    binary parameters (psycopg's %b), as text arrays cost a regular expression per element."""
    quote = dialect.identifier_preparer.quote
    columns = Post.__table__.c
    names = list(rows[0])
    varying = [
        name for name in names if name in ("id", "key") or any(row[name] != rows[0][name] for row in rows)
    ]
    params: dict[str, Any] = {name: [row[name] for row in rows] for name in varying}
    params.update((name, rows[0][name]) for name in names if name not in varying)
    if "media" in params:  # JSON: sent as text, cast on the server
        media = params["media"]
        params["media"] = [json.dumps(m) for m in media] if "media" in varying else json.dumps(media)
    arrays = ", ".join(f"CAST(%({name})b AS {columns[name].type.compile(dialect)}[])" for name in varying)
    chosen = ", ".join(
        f"u.{quote(name)}"
        if name in varying
        else f"CAST(%({name})b AS {columns[name].type.compile(dialect)})"
        for name in names
    )
    statement = (
        f"INSERT INTO posts ({', '.join(map(quote, names))}) SELECT {chosen} "
        f"FROM unnest({arrays}) AS u({', '.join(map(quote, varying))})"
        + (" RETURNING key, id" if returning else "")
    )
    return statement, params


def _card_size(templates_dir: Path, step: CampaignStep) -> CardSize:
    assert step.card is not None
    try:
        return post_cards.check_card(templates_dir, step.card, step.card_size)
    except post_cards.CardRequestError as error:
        raise NewsroomError(f"step {step.number}: {error}") from None
