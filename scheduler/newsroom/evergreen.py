"""Evergreen: an account's free slots of the coming day filled with reshares of its older articles.

Per account, options["evergreen"] = {"after_days": N, "card": NAME or absent}: an article the account
shared (a post of it went out there) and has not shared for N days is shared again, oldest-shared
first, carrying another of its quotes than the last time when it has one (a quote post), else as a
reshare. Never an article withdrawn or under embargo, never one an editor kept out of evergreen
(`set_article_evergreen`), never one with a post still to go out there.
The beat calls `fill_free_slots` hourly; a slot taken meanwhile is simply not free the next time.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from scheduler.models import Account, Article, Post, PostState, Quote
from scheduler.newsroom import NewsroomError
from scheduler.newsroom.accounts import find_account
from scheduler.newsroom.campaign_posts import load_posts, make_posts
from scheduler.newsroom.controls import get_article
from scheduler.planning.account_calendar import HOLDING_STATES
from scheduler.planning.calendar import Calendar, Need, read_taken
from scheduler.planning.campaigns import EVERGREEN, Campaign, CampaignStep, When
from scheduler.planning.steps import AccountPlan, PlannedStep
from scheduler.planning.wallclock import slot_instants
from scheduler.publishing import post_cards
from scheduler.wording import marked

MAX_AFTER_DAYS = 3650
# The evergreen "campaign" posts are recorded under: step 1 a quote post, step 2 a plain reshare.
QUOTE_STEP = CampaignStep(1, "quote", When("slot", text="evergreen"))
RESHARE_STEP = CampaignStep(2, "reshare", When("slot", text="evergreen"))
CAMPAIGN = Campaign(EVERGREEN, "Free slots filled with older articles", (QUOTE_STEP, RESHARE_STEP), Path("-"))


@dataclass(frozen=True)
class Evergreen:
    """An account's evergreen setting."""

    after_days: int
    card: str | None = None

    @classmethod
    def of(cls, account: Account) -> Evergreen | None:
        raw = account.options.get("evergreen")
        if not isinstance(raw, dict) or not raw.get("after_days"):
            return None
        return cls(int(raw["after_days"]), raw.get("card") or None)

    def option(self) -> dict[str, Any]:
        return {"after_days": self.after_days, **({"card": self.card} if self.card else {})}


def set_evergreen(
    session: Session, name: str, after_days: int | None, *, card: str | None, templates_dir: Path
) -> Account:
    """Turn evergreen on for an account (reshare what it has not shared for `after_days`), or off (None)."""
    account = find_account(session, name)
    options = dict(account.options)
    if after_days is None:
        options.pop("evergreen", None)
    else:
        if not 1 <= after_days <= MAX_AFTER_DAYS:
            raise NewsroomError(f"--after-days is a number of days from 1 to {MAX_AFTER_DAYS}")
        if card is not None:
            try:
                post_cards.check_card(templates_dir, card, None)
            except post_cards.CardRequestError as error:
                raise NewsroomError(marked(error)) from None
        options["evergreen"] = Evergreen(after_days, card).option()
    account.options = options  # a new dict: the JSON column sees the change
    return account


@dataclass(frozen=True)
class Candidate:
    """An article an evergreen account may reshare: when it last went there and when it may again."""

    article_id: int
    title: str
    last_shared: datetime
    again_from: datetime
    kept_out: bool  # an editor turned evergreen off for the article


def set_article_evergreen(session: Session, article_id: int, *, on: bool, now: datetime) -> Article:
    """Let evergreen accounts reshare the article again (on), or keep it out of evergreen (off)."""
    article = get_article(session, article_id)
    if on:
        article.evergreen_off_at = None
    elif article.evergreen_off_at is None:
        article.evergreen_off_at = now
    return article


def candidates(session: Session, account: Account, now: datetime) -> list[Candidate]:
    """What evergreen would reshare on the account, soonest first, and what editors kept out of it.
    Empty when evergreen is off there."""
    setting = Evergreen.of(account)
    if setting is None:
        return []
    wait = timedelta(days=setting.after_days)
    rows = _candidates(session, account, latest=None, now=now, kept_out_too=True)
    about = {
        article_id: (title, off_at)
        for article_id, title, off_at in session.execute(
            select(Article.id, Article.title, Article.evergreen_off_at).where(
                Article.id.in_([article_id for article_id, _ in rows])
            )
        )
    }
    return [
        Candidate(article_id, about[article_id][0], shared, shared + wait, about[article_id][1] is not None)
        for article_id, shared in rows
    ]


def fill_free_slots(
    session: Session, now: datetime, templates_dir: Path, horizon_days: int = 1
) -> list[Post]:
    """Every evergreen account's free slots from now to `horizon_days` ahead, each given a reshare."""
    posts: list[Post] = []
    for account in session.scalars(select(Account).order_by(Account.id)):
        setting = Evergreen.of(account)
        if setting is None or account.paused_at is not None:
            continue
        posts.extend(_fill(session, account, setting, now, now + timedelta(days=horizon_days), templates_dir))
    return posts


def free_slots(
    session: Session, account: Account, calendar: Calendar, now: datetime, until: datetime
) -> list[datetime]:
    """The account's slots in (now, until] that no post holds and its budget allows, read exactly."""
    start = calendar.day_bounds(calendar.day(now))[0] - calendar.budget.min_gap
    end = calendar.day_bounds(calendar.day(until))[1] + calendar.budget.min_gap
    read_taken(session, {account.id: calendar}, {account.id: Need(start, end)})
    days = (until - now).days + 1
    return [
        slot
        for slot in slot_instants(calendar.slots, calendar.tz, after=now, days=days)
        if slot <= until and calendar.free(slot) is True
    ]


def _fill(
    session: Session,
    account: Account,
    setting: Evergreen,
    now: datetime,
    until: datetime,
    templates_dir: Path,
) -> list[Post]:
    calendar = Calendar.for_account(account)
    slots = free_slots(session, account, calendar, now, until)
    if not slots:
        return []
    candidates = _candidates(session, account, latest=until - timedelta(days=setting.after_days), now=now)
    made: list[Post] = []
    for slot in slots:
        if calendar.free(slot) is not True:  # a reshare placed just before is within the budget's gap
            continue
        cutoff = slot - timedelta(days=setting.after_days)
        chosen = next((c for c in candidates if c[1] <= cutoff), None)
        if chosen is None:
            break  # oldest-shared first: if none was shared long enough ago, no later one was either
        candidates.remove(chosen)
        article = session.scalars(
            select(Article).where(Article.id == chosen[0]).options(selectinload(Article.quotes))
        ).one()
        quote = _another_quote(session, article, account)
        step = QUOTE_STEP if quote is not None else RESHARE_STEP
        card = setting.card if quote is not None or setting.card != "quote" else None
        plan = AccountPlan(account, calendar, CAMPAIGN, now, [])
        plan.placed.append(PlannedStep(dataclasses.replace(step, card=card), slot, quote, in_slot=True))
        calendar.hold(slot)
        made.extend(load_posts(session, make_posts(session, article, [plan], CAMPAIGN, templates_dir)))
    return made


def _candidates(
    session: Session,
    account: Account,
    *,
    latest: datetime | None,
    now: datetime,
    kept_out_too: bool = False,
) -> list[tuple[int, datetime]]:
    """Articles the account shared, last shared no later than `latest` (any time: None) and with nothing
    of theirs still to go out there, neither withdrawn nor under embargo nor kept out of evergreen
    (unless `kept_out_too`): (id, last shared), oldest-shared first."""
    last = func.max(Post.scheduled_for)
    went_out = func.sum(case((Post.state == PostState.PUBLISHED, 1), else_=0))
    kept_out = () if kept_out_too else (Article.evergreen_off_at.is_(None),)
    recent_enough = () if latest is None else (last <= latest,)
    rows = session.execute(
        select(Post.article_id, last)
        .join(Article, Article.id == Post.article_id)
        .where(
            Post.account_id == account.id,
            Post.state.in_(HOLDING_STATES),
            Post.thread_parent_id.is_(None),
            Article.withdrawn_at.is_(None),
            or_(Article.embargo_until.is_(None), Article.embargo_until <= now),
            *kept_out,
        )
        .group_by(Post.article_id)
        .having(went_out > 0, *recent_enough)
        .order_by(last, Post.article_id)
    )
    return [(article_id, shared) for article_id, shared in rows]


def _another_quote(session: Session, article: Article, account: Account) -> Quote | None:
    """A quote with a known speaker for the reshare: one the account has not carried yet, best first;
    else the best that is not the one its last post of the article carried; None when there is none."""
    attributed = [q for q in article.quotes if q.speaker]
    if not attributed:
        return None
    shared = session.execute(
        select(Post.quote_id)
        .where(
            Post.article_id == article.id,
            Post.account_id == account.id,
            Post.state.in_(HOLDING_STATES),
            Post.thread_parent_id.is_(None),
        )
        .order_by(Post.scheduled_for.desc(), Post.id.desc())
    ).scalars()
    carried = list(shared)
    last = carried[0] if carried else None
    return next((q for q in attributed if q.id not in carried), None) or next(
        (q for q in attributed if q.id != last), None
    )
