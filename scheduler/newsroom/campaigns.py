"""Planning a campaign: every step of one article (or of many, for a bulk import) for each chosen account,
in the caller's transaction.

Each account's steps are placed one after the other on its calendar (planning.steps, on a
planning.calendar: the slots not held by another post, within the account's budget, not on a local
day the article already has there).
The slots chosen are then checked against the database, for posts added elsewhere since a kept
calendar was read: that account's calendar is read again and its steps placed again. campaign_posts
renders and inserts the posts.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from scheduler.db import is_postgresql
from scheduler.models import Account, Article, Post, Quote, UTCDateTime
from scheduler.newsroom import NewsroomError
from scheduler.newsroom.campaign_posts import (
    BackgroundInserts,
    PlannedPost,
    TemplateLookups,
    load_posts,
    make_posts,
    planned_posts,
    post_rows,
)
from scheduler.planning.account_calendar import HOLDING_STATES
from scheduler.planning.calendar import TICK, Calendar, forget_calendars, kept_calendars, read_taken
from scheduler.planning.campaigns import Campaign, load_campaign
from scheduler.planning.steps import AccountPlan, SkippedStep

# Rounds of "check the chosen slots, read again what changed": past them, the last plan stands.
CHECK_ROUNDS = 3


@dataclass(frozen=True)
class CampaignPlan:
    """What planning made: the first post of every step for every account, and the steps left out."""

    posts: list[PlannedPost]
    skipped: list[SkippedStep]


def campaign_start(article: Article, now: datetime) -> datetime:
    """Now, or later when the article is published later or held by an embargo until later."""
    return max(t for t in (now, article.published_at, article.embargo_until) if t is not None)


def plan_campaign(
    session: Session,
    article: Article,
    accounts: Sequence[Account],
    campaign_name: str,
    *,
    templates_dir: Path,
    now: datetime,
) -> list[Post]:
    """Plan every step of the campaign for every account; the first post of each, by account and step."""
    campaign = load_campaign(templates_dir, campaign_name)
    return load_posts(
        session, plan(session, article, accounts, campaign, templates_dir=templates_dir, now=now).posts
    )


def plan(
    session: Session,
    article: Article,
    accounts: Sequence[Account],
    campaign: Campaign,
    *,
    templates_dir: Path,
    now: datetime,
) -> CampaignPlan:
    """Plan every step of the campaign for every account in the caller's transaction: the posts made
    (the first part of each, by account and step) and the steps left out (a quote step with no quote
    left). Each step goes after the one before; none lands on a local day the article already has on
    the account unless the step says same_day."""
    begin = _beginning(session, article, accounts, campaign, now)
    kept = kept_calendars(session, begin.accounts)
    plans = {account.id: begin(account, kept[account.id]) for account in begin.accounts}
    pending = list(plans.values())
    for _ in range(CHECK_ROUNDS):
        _place_steps(session, pending)
        stale = _taken_meanwhile(session, pending)
        if not stale:
            break
        renewed = kept_calendars(session, [plans[i].account for i in stale], renew=stale)
        pending = [begin(plans[i].account, renewed[i]) for i in stale]
        plans.update((plan.account.id, plan) for plan in pending)
    else:
        _place_steps(session, pending)
    posts = make_posts(session, article, list(plans.values()), campaign, templates_dir)
    return CampaignPlan(posts, [s for p in plans.values() for s in p.skipped])


# plan_many places this many articles, then checks and inserts them together.
PLAN_MANY_GROUP = 50


def plan_many(
    session: Session,
    requests: Sequence[tuple[Article, Sequence[Account]]],
    campaign: Campaign,
    *,
    templates_dir: Path,
    now: datetime,
) -> list[CampaignPlan]:
    """Plan the campaign for each article onto its accounts, in the caller's one transaction: as `plan`
    does for each in turn, with the database asked once per group of articles whether a chosen slot was
    taken meanwhile, and the group's posts inserted in one statement (a bulk import's way). On
    PostgreSQL a group's insert runs in a thread of its own while the next group is rendered
    (campaign_posts.BackgroundInserts); every insert is done before this returns or raises.

    When a post was added elsewhere meanwhile, the groups before are written, and the group's articles
    are planned again one by one with `plan`, from calendars read anew: nothing of it was written yet."""
    repeated = [i for i, count in Counter(article.id for article, _ in requests).items() if count > 1]
    if repeated:  # its second plan would not see the posts of its first, which are not written yet
        raise NewsroomError(
            f"article {repeated[0]} is asked for twice: give each article once, with all its accounts"
        )
    done: list[CampaignPlan] = []
    with _cycle_collector_paused(), BackgroundInserts(session) as inserts:
        writing: _Writing | None = None  # the group before, being inserted
        # Each account's calendar, taken once for the whole plan: one renewed halfway (kept_calendars
        # renews those past their age) would not know the posts of the group being inserted.
        calendars: dict[int, Calendar] = {}
        templates: TemplateLookups = {}
        for start in range(0, len(requests), PLAN_MANY_GROUP):
            group = requests[start : start + PLAN_MANY_GROUP]
            placed = _place_group(session, group, campaign, now, calendars)
            if placed is None:
                # A post was added elsewhere meanwhile: the groups before are written first, then this
                # one is planned again article by article from calendars read anew.
                if writing is not None:
                    done.extend(writing.finish(inserts))
                    writing = None
                forget_calendars()  # they hold this group's slots, which are not written
                calendars.clear()
                done.extend(
                    plan(session, article, accounts, campaign, templates_dir=templates_dir, now=now)
                    for article, accounts in group
                )
                continue
            # The group before goes to the server only now that this one is placed (placing reads the
            # database): while the server writes it, this thread renders this group's posts.
            if writing is not None:
                writing.start(inserts)
            threads = [
                post_rows(article, plans, campaign, templates_dir, templates) for article, plans in placed
            ]
            if writing is not None:
                done.extend(writing.finish(inserts))
            writing = _Writing(placed, threads)
        if writing is not None:
            done.extend(writing.finish(inserts))
    return done


def _place_group(
    session: Session,
    group: Sequence[tuple[Article, Sequence[Account]]],
    campaign: Campaign,
    now: datetime,
    calendars: dict[int, Calendar],
) -> list[tuple[Article, list[AccountPlan]]] | None:
    """The steps of a group of articles placed on the calendars (the kept ones, for accounts not in
    `calendars` yet); None when a slot chosen was taken in the database meanwhile."""
    placed: list[tuple[Article, list[AccountPlan]]] = []
    existing = _existing_posts(session, [article for article, _ in group])
    for article, accounts in group:
        begin = _beginning(session, article, accounts, campaign, now, existing[article.id])
        new = [account for account in begin.accounts if account.id not in calendars]
        if new:
            calendars.update(kept_calendars(session, new))
        plans = [begin(account, calendars[account.id]) for account in begin.accounts]
        _place_steps(session, plans)
        placed.append((article, plans))
    if _taken_meanwhile(session, [plan for _, plans in placed for plan in plans]):
        return None
    return placed


@dataclass
class _Writing:
    """A group of articles placed and rendered: its posts' rows, then their insert."""

    placed: list[tuple[Article, list[AccountPlan]]]
    threads: list[list[list[dict[str, Any]]]]  # by article: its posts, each a thread of rows
    inserting: Future[list[int]] | None = None

    def start(self, inserts: BackgroundInserts) -> None:
        self.inserting = inserts.submit([thread for threads in self.threads for thread in threads])

    def finish(self, inserts: BackgroundInserts) -> list[CampaignPlan]:
        """Each article's plan, once its posts are in (inserted now, when not started before)."""
        if self.inserting is None:
            self.start(inserts)
        assert self.inserting is not None
        first_ids = iter(self.inserting.result())
        done = []
        for (_, plans), threads in zip(self.placed, self.threads, strict=True):
            ids = [next(first_ids) for _ in threads]
            skipped = [s for p in plans for s in p.skipped]
            done.append(CampaignPlan(planned_posts(plans, threads, ids), skipped))
        return done


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Python's cycle collector off for a bulk plan. Planning makes no reference cycles, yet the
    200,000 rows of 1,000 articles set off full collections over all the process holds: a tenth of
    the time (bench/scale.py). Left off only by the caller that turned it off, so that two plans at
    once in two threads cannot leave it off."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass(frozen=True)
class _Beginning:
    """An article's campaign about to be placed: its accounts, and a fresh AccountPlan for each."""

    article: Article
    accounts: list[Account]
    campaign: Campaign
    start: datetime
    quotes: list[Quote]
    existing: list[Any]

    def __call__(self, account: Account, calendar: Calendar) -> AccountPlan:
        plan = AccountPlan(account, calendar, self.campaign, self.start, self.quotes)
        for row in self.existing:
            if row.account_id == account.id:
                plan.used_days.add(calendar.day(row.scheduled_for))
                if row.quote_id is not None:
                    plan.used_quotes.add(row.quote_id)
        return plan


def _beginning(
    session: Session,
    article: Article,
    accounts: Sequence[Account],
    campaign: Campaign,
    now: datetime,
    existing: list[Any] | None = None,
) -> _Beginning:
    """The article's plan about to be placed; `existing`: its posts, when read already with others'."""
    if not accounts:
        raise NewsroomError(f"campaign {campaign.name!r}: say which accounts to plan it for")
    if article.withdrawn_at is not None:
        raise NewsroomError(
            f"article {article.id} was withdrawn ({article.withdraw_reason}); nothing to plan"
        )
    unique = list({account.id: account for account in accounts}.values())
    return _Beginning(
        article,
        unique,
        campaign,
        campaign_start(article, now),
        [q for q in article.quotes if q.speaker],
        _on_accounts(
            article,
            campaign,
            unique,
            existing if existing is not None else _existing_posts(session, [article])[article.id],
        ),
    )


def _place_steps(session: Session, plans: list[AccountPlan]) -> None:
    """Every step of every plan, reading what the calendars ask for in one query per round."""
    pending = plans
    while pending:
        needs = {p.account.id: need for p in pending if (need := p.advance()) is not None}
        read_taken(session, {p.account.id: p.calendar for p in pending}, needs)
        pending = [p for p in pending if p.account.id in needs]


def _taken_meanwhile(session: Session, plans: list[AccountPlan]) -> set[int]:
    """The accounts with a post in the database at a slot chosen for them, or within their budget's gap
    of it, that their calendar did not know of: posts added since it was read."""
    near = []
    for plan in plans:
        gap = max(plan.calendar.budget.min_gap, TICK)
        held = [placed.due for placed in plan.placed if placed.in_slot]
        near.extend((plan.account.id, due - gap + TICK, due + gap) for due in held)
    if not near:
        return set()
    if is_postgresql(session):
        # The slots as three arrays: a short statement, parsed once, whatever the number of slots.
        accounts, lows, highs = (list(column) for column in zip(*near, strict=True))
        found = session.connection().exec_driver_sql(
            "SELECT DISTINCT w.account_id FROM unnest(CAST(%(accounts)b AS integer[]), "
            "CAST(%(lows)b AS timestamptz[]), CAST(%(highs)b AS timestamptz[])) AS w(account_id, lo, hi) "
            "WHERE EXISTS (SELECT 1 FROM posts WHERE posts.account_id = w.account_id "
            "AND posts.scheduled_for >= w.lo AND posts.scheduled_for < w.hi "
            "AND posts.state = ANY(CAST(%(states)b AS text[])) LIMIT 1)",
            {"accounts": accounts, "lows": lows, "highs": highs, "states": [s.value for s in HOLDING_STATES]},
        )
        return set(found.scalars())
    # SQLite: the slots as a VALUES list in plain SQL, compiled by SQLite itself rather than by
    # SQLAlchemy each time; 300 at a time, within the 999 parameters older SQLite libraries take.
    stored = UTCDateTime().bind_processor(session.get_bind().dialect) or (lambda value: value)
    states = tuple(state.value for state in HOLDING_STATES)
    stale: set[int] = set()
    for start in range(0, len(near), 300):
        chunk = near[start : start + 300]
        found = session.connection().exec_driver_sql(
            "WITH wanted(account_id, lo, hi) AS (VALUES "
            + ", ".join(["(?, ?, ?)"] * len(chunk))
            + ") SELECT DISTINCT account_id FROM wanted WHERE EXISTS (SELECT 1 FROM posts "
            "WHERE posts.account_id = wanted.account_id AND posts.scheduled_for >= wanted.lo "
            "AND posts.scheduled_for < wanted.hi "
            f"AND posts.state IN ({', '.join(['?'] * len(states))}) LIMIT 1)",
            tuple(value for a, lo, hi in chunk for value in (a, stored(lo), stored(hi))) + states,
        )
        stale.update(found.scalars())
    return stale


# By article only: with the states in SQL, SQLite's planner walks ix_posts_state_due_at over every
# scheduled post instead (400 ms for 50 articles on 100,000 posts, against 1 ms).
_EXISTING_POSTS = select(
    Post.id, Post.article_id, Post.account_id, Post.scheduled_for, Post.quote_id, Post.campaign, Post.state
).where(Post.article_id.in_(bindparam("article_ids", expanding=True)), Post.thread_index == 0)

_HOLDING = {state.value for state in HOLDING_STATES}


def _existing_posts(session: Session, articles: Sequence[Article]) -> dict[int, list[Any]]:
    """The articles' posts that hold their slots, by article: one statement."""
    found: dict[int, list[Any]] = {article.id: [] for article in articles}
    for row in session.execute(_EXISTING_POSTS, {"article_ids": list(found)}):
        if row.state in _HOLDING:
            found[row.article_id].append(row)
    return found


def _on_accounts(
    article: Article, campaign: Campaign, accounts: Sequence[Account], rows: list[Any]
) -> list[Any]:
    """The article's posts on the accounts: their days and quotes are taken, and the campaign once."""
    names = {account.id: account.name for account in accounts}
    mine = [row for row in rows if row.account_id in names]
    for row in mine:
        if row.campaign == campaign.name:
            raise NewsroomError(
                f"article {article.id} has the campaign {campaign.name!r} on {names[row.account_id]!r} "
                f"already (post {row.id}); cancel its posts first to plan it again"
            )
    return mine
