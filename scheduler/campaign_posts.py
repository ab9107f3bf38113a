"""The posts a planned campaign makes: each step rendered once per kind of account, fitted and counted, and
every post inserted in one statement (planning 1,000 articles onto 50 accounts makes 200,000 rows)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from scheduler import post_cards
from scheduler.campaigns import Campaign, CampaignStep
from scheduler.db import is_postgresql
from scheduler.models import Account, Article, CardState, Post, PostState, Quote, new_post_key, utcnow
from scheduler.newsroom import NewsroomError, account_view, article_view, quote_view
from scheduler.render import RenderError
from scheduler.render.cards import CardSize
from scheduler.render.fit import split_thread
from scheduler.render.posts import RenderedPost, fit_parts
from scheduler.render.text import AccountView, ArticleView, QuoteView, render_template_text


@dataclass(frozen=True)
class PlannedStep:
    """One step placed for one account: what the session side makes a post of."""

    step: CampaignStep
    due: datetime
    quote: Quote | None
    in_slot: bool  # a slot the calendar chose (checked before the insert), not an exact time


class PlacedSteps(Protocol):
    """An account's steps placed by the planner (campaign_planner.AccountPlan)."""

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


class _Renders:
    """Each step's text for each account, fitted and counted once per text, network and limit.

    Accounts of one network, hashtags and limit get the same text unless the template uses the
    account's name: the first of them is rendered under its name and under one no account has, and
    when both agree the others take that text without a render of their own.
    """

    def __init__(self, templates_dir: Path, article: ArticleView, campaign: str) -> None:
        self.templates_dir = templates_dir
        self.article = article
        self.campaign = campaign
        self.shared: dict[tuple[object, ...], tuple[str, str] | None] = {}
        self.fitted: dict[tuple[object, ...], RenderedPost] = {}
        self.accounts: dict[int, tuple[AccountView, int | None]] = {}
        self.quotes: dict[int, QuoteView] = {}

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
        return render_template_text(
            self.templates_dir, self.article, view, step, quote=quote, campaign=self.campaign
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
    article: Article, plans: Sequence[PlacedSteps], campaign: Campaign, templates_dir: Path
) -> list[list[dict[str, Any]]]:
    """The rows of every planned post: each a thread of one part or more, in order, by account."""
    renders = _Renders(templates_dir, article_view(article), campaign.name)
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
    rows = [row for parts in threads for row in parts]
    if is_postgresql(session) and len(rows) == len(threads):
        # No replies to link: the sequence numbers the rows as they go in, and each comes back by key.
        ids_by_key = dict(_insert_unnest(session, rows, returning=True))
        return [ids_by_key[parts[0]["key"]] for parts in threads]
    if is_postgresql(session):
        ids = list(
            session.scalars(
                text("SELECT nextval(pg_get_serial_sequence('posts', 'id')) FROM generate_series(1, :n)"),
                {"n": len(rows)},
            )
        )
    else:
        highest = session.scalar(select(func.max(Post.id))) or 0
        ids = list(range(highest + 1, highest + 1 + len(rows)))
    for row, post_id in zip(rows, ids, strict=True):
        row["id"] = post_id
    for parts in threads:
        for parent, reply in itertools.pairwise(parts):
            reply["thread_parent_id"] = parent["id"]
    if is_postgresql(session):
        _insert_unnest(session, rows)
    else:
        session.execute(insert(Post.__table__), rows)
    return [parts[0]["id"] for parts in threads]


def _insert_unnest(
    session: Session, rows: list[dict[str, Any]], *, returning: bool = False
) -> list[tuple[str, int]]:
    """One INSERT for all rows: a column that varies goes as one array, one that does not as one value;
    binary parameters (psycopg's %b), as text arrays cost a regular expression per element."""
    dialect = session.get_bind().dialect
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
    result = session.connection().exec_driver_sql(
        f"INSERT INTO posts ({', '.join(map(quote, names))}) SELECT {chosen} "
        f"FROM unnest({arrays}) AS u({', '.join(map(quote, varying))})"
        + (" RETURNING key, id" if returning else ""),
        params,
    )
    return [(key, post_id) for key, post_id in result] if returning else []


def _card_size(templates_dir: Path, step: CampaignStep) -> CardSize:
    assert step.card is not None
    try:
        return post_cards.check_card(templates_dir, step.card, step.card_size)
    except post_cards.CardRequestError as error:
        raise NewsroomError(f"step {step.number}: {error}") from None
