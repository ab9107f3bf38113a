"""Planning a campaign: every step of one article for each chosen account, in the caller's transaction.

The choosing is pure: a Calendar holds an account's taken instants over the ranges read so far and
says which slot is free (not held by another post, within the account's budget, not on a local day
the article already has there). The session side reads what the calendars ask for (all accounts in
one query per round), checks the slots chosen against the database, renders each step once per kind
of account, and inserts the posts in one statement.

Calendars are kept in the process between transactions, as a hint: a queue weeks deep is read once,
not for every article. A kept calendar can only miss posts added elsewhere since it was read, and the
check before the insert finds any post at or near a chosen slot: that account's calendar is read again
and its steps planned again. Posts removed elsewhere only make a kept calendar pass over a free slot
until it expires (CALENDAR_TTL_S).
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
from bisect import bisect_left, bisect_right, insort
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, insert, literal, select, text, union_all
from sqlalchemy.orm import Session

from scheduler import post_cards
from scheduler.budgets import Budget, account_budget
from scheduler.campaigns import Campaign, CampaignStep, load_campaign
from scheduler.models import Account, Article, CardState, Post, PostState, Quote, UTCDateTime, utcnow
from scheduler.newsroom import HOLDING_STATES, NewsroomError, account_view, article_view, quote_view
from scheduler.planning import (
    DEFAULT_SLOTS,
    PlanningError,
    WeeklySlots,
    format_local,
    local_to_utc,
    parse_slots,
    zone,
)
from scheduler.render import RenderError
from scheduler.render.cards import CardSize
from scheduler.render.fit import split_thread
from scheduler.render.posts import RenderedPost, fit_parts
from scheduler.render.text import AccountView, ArticleView, QuoteView, render_template_text

# How far a step may look for a free slot, as newsroom.next_slot does.
HORIZON = timedelta(days=90)
# The first read for a search covers this much; each further read for it twice the one before.
FIRST_READ = timedelta(days=2)
_TICK = timedelta(microseconds=1)
# A name no account has: a render for it that equals one for a real account does not use the name.
_PROBE_NAME = "\x00campaign-probe"


@dataclass(frozen=True)
class Need:
    """A calendar must read [lo, hi) before it can answer."""

    lo: datetime
    hi: datetime


@dataclass
class Calendar:
    """One account's posting slots, its budget and the instants its posts hold, over the ranges read.

    A calendar only ever learns of more posts (one removed elsewhere stays in it until it expires, see
    `kept_calendars`), so a slot found not free stays so, and a local day found full is passed over.
    """

    slots: WeeklySlots
    tz: ZoneInfo
    budget: Budget
    taken: list[datetime] = field(default_factory=list)  # sorted; an instant repeats for each post at it
    known: list[tuple[datetime, datetime]] = field(default_factory=list)  # sorted, disjoint [lo, hi)
    _bounds: dict[date, tuple[datetime, datetime]] = field(default_factory=dict)
    _slots: dict[date, tuple[datetime, ...]] = field(default_factory=dict)
    _slot_links: dict[date, list[int]] = field(default_factory=dict)  # per day: slot → next not refused
    _day_links: dict[date, date] = field(default_factory=dict)  # a full day → the day after it
    _read_days: set[date] = field(default_factory=set)

    @classmethod
    def for_account(cls, account: Account) -> Calendar:
        slots = parse_slots(account.options.get("slots") or DEFAULT_SLOTS)
        return cls(slots, zone(account.timezone), account_budget(account.network, account.options))

    def day(self, instant: datetime) -> date:
        return instant.astimezone(self.tz).date()

    def day_bounds(self, day: date) -> tuple[datetime, datetime]:
        """The local day as UTC instants [start, end): 23 or 25 hours long on a daylight-saving change."""
        if day not in self._bounds:
            self._bounds[day] = (
                local_to_utc(datetime.combine(day, time()), self.tz),
                local_to_utc(datetime.combine(day + timedelta(days=1), time()), self.tz),
            )
        return self._bounds[day]

    def day_slots(self, day: date) -> tuple[datetime, ...]:
        """The day's slots as UTC instants, in order (two in a skipped hour are one)."""
        if day not in self._slots:
            self._slots[day] = tuple(
                sorted(
                    {
                        local_to_utc(datetime.combine(day, clock), self.tz)
                        for clock in self.slots.local_times(day)
                    }
                )
            )
        return self._slots[day]

    def missing(self, lo: datetime, hi: datetime) -> list[tuple[datetime, datetime]]:
        """The parts of [lo, hi) not read yet."""
        gaps = []
        for known_lo, known_hi in self.known:
            if known_hi <= lo:
                continue
            if known_lo >= hi:
                break
            if known_lo > lo:
                gaps.append((lo, known_lo))
            lo = max(lo, known_hi)
            if lo >= hi:
                return gaps
        if lo < hi:
            gaps.append((lo, hi))
        return gaps

    def learn(self, lo: datetime, hi: datetime, instants: Iterable[datetime]) -> None:
        """What was read for [lo, hi), a range not read before."""
        for instant in instants:
            insort(self.taken, instant)
        ranges = sorted([*self.known, (lo, hi)])
        merged = [ranges[0]]
        for range_lo, range_hi in ranges[1:]:
            if range_lo <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], range_hi))
            else:
                merged.append((range_lo, range_hi))
        self.known = merged

    def hold(self, instant: datetime) -> None:
        """A post planned here now holds `instant`."""
        insort(self.taken, instant)

    def _needs(self, day: date) -> Need | None:
        """What must be read to judge the day's slots: the day, and the budget's gap around its slots."""
        if day in self._read_days:
            return None
        start, end = self.day_bounds(day)
        instants = self.day_slots(day)
        gap = self.budget.min_gap
        lo = min(start, instants[0] - gap) if instants else start
        hi = max(end, instants[-1] + gap + _TICK) if instants else end
        if self.missing(lo, hi):
            return Need(lo, hi)
        self._read_days.add(day)  # what was read stays read
        return None

    def _day_full(self, day: date) -> bool:
        start, end = self.day_bounds(day)
        return bisect_left(self.taken, end) - bisect_left(self.taken, start) >= self.budget.max_per_day

    def _slot_free(self, instant: datetime) -> bool:
        gap = self.budget.min_gap
        at = bisect_left(self.taken, instant)
        if at < len(self.taken) and self.taken[at] - instant < max(gap, _TICK):
            return False
        return not (at > 0 and instant - self.taken[at - 1] < gap)

    def free(self, instant: datetime) -> bool | Need:
        """Whether a post may take `instant`: none there or within the budget's gap, its day not full."""
        day = self.day(instant)
        need = self._needs(day)
        if need is not None:
            gap = self.budget.min_gap
            return Need(min(need.lo, instant - gap), max(need.hi, instant + gap + _TICK))
        return not self._day_full(day) and self._slot_free(instant)

    def first_free(
        self, *, after: datetime, until: datetime, avoid_days: Sequence[date] | set[date] = ()
    ) -> datetime | Need | None:
        """The first free slot after `after` and not later than `until`, on none of `avoid_days`;
        a Need when more must be read first, None when there is none."""
        day, last = self._open_day(self.day(after)), self.day(until)
        while day <= last:
            instants = self.day_slots(day)
            if day not in avoid_days and instants and instants[-1] > after:
                need = self._needs(day)
                if need is not None:
                    return need
                if self._day_full(day):
                    self._full(day)
                    day = self._open_day(day)
                    continue
                # Slots found not free stay so (posts are only added meanwhile): each links to the next.
                links = self._slot_links.setdefault(day, list(range(len(instants) + 1)))
                index = _next_open(links, bisect_right(instants, after))
                while index < len(instants):
                    if instants[index] > until:
                        return None
                    if self._slot_free(instants[index]):
                        return instants[index]
                    links[index] = index + 1
                    index = _next_open(links, index + 1)
                if _next_open(links, 0) == len(instants):
                    self._full(day)
            day = self._open_day(day + timedelta(days=1))
        return None

    def _full(self, day: date) -> None:
        """No slot of the day is free: searches pass over it (and every full day after it) at once."""
        self._day_links[day] = day + timedelta(days=1)

    def _open_day(self, day: date) -> date:
        """The first day from `day` on not known to be full (links halved on the way)."""
        links = self._day_links
        while day in links:
            following = links[day]
            if following in links:
                links[day] = links[following]
            day = following
        return day


def _next_open(links: list[int], index: int) -> int:
    """The first slot at or after `index` not known to be refused (links halved on the way)."""
    while links[index] != index:
        links[index] = links[links[index]]
        index = links[index]
    return index


# Kept calendars: dropped after this many seconds, and all of them past this many accounts.
CALENDAR_TTL_S = 300.0
MAX_KEPT_CALENDARS = 5000
# Rounds of "check the chosen slots, read again what changed": past them, the last plan stands.
CHECK_ROUNDS = 3
_kept: dict[tuple[Any, ...], tuple[float, Calendar]] = {}
_kept_lock = threading.Lock()


def kept_calendars(
    session: Session, accounts: Iterable[Account], *, renew: Collection[int] = ()
) -> dict[int, Calendar]:
    """The accounts' calendars kept in this process (new ones for `renew`, for changed settings, and
    for those older than CALENDAR_TTL_S): a hint that `plan` checks against the database."""
    database = session.get_bind().url.render_as_string(hide_password=True)
    now = monotonic()
    found = {}
    with _kept_lock:
        if len(_kept) > MAX_KEPT_CALENDARS:
            _kept.clear()
        for account in accounts:
            key = (
                database,
                account.id,
                account.created_at,
                account.timezone,
                account.options.get("slots"),
                account_budget(account.network, account.options),
            )
            entry = _kept.get(key)
            if entry is None or account.id in renew or now - entry[0] > CALENDAR_TTL_S:
                entry = _kept[key] = (now, Calendar.for_account(account))
            found[account.id] = entry[1]
    return found


def forget_calendars() -> None:
    """Drop every kept calendar (tests; a database replaced under a running process)."""
    with _kept_lock:
        _kept.clear()


@dataclass(frozen=True)
class PlannedStep:
    """One step placed for one account: what the session side makes a post of."""

    step: CampaignStep
    due: datetime
    quote: Quote | None
    in_slot: bool  # a slot the calendar chose (checked before the insert), not an exact time


@dataclass(frozen=True)
class SkippedStep:
    account: str
    step: CampaignStep
    reason: str


@dataclass
class AccountPlan:
    """Placing a campaign's steps for one account, one after the other (each after the one before)."""

    account: Account
    calendar: Calendar
    campaign: Campaign
    start: datetime
    quotes: list[Quote]  # those with a known speaker, best first
    used_quotes: set[int] = field(default_factory=set)
    used_days: set[date] = field(default_factory=set)
    placed: list[PlannedStep] = field(default_factory=list)
    skipped: list[SkippedStep] = field(default_factory=list)
    index: int = 0
    # The search in progress for the current step: where it has got to, its limit and its next read.
    search_after: datetime | None = None
    search_until: datetime | None = None
    search_quote: Quote | None = None
    read: timedelta = FIRST_READ

    @property
    def done(self) -> bool:
        return self.index >= len(self.campaign.steps)

    def advance(self) -> Need | None:
        """Place steps until all are placed (None) or the calendar needs a read (the Need)."""
        while not self.done:
            step = self.campaign.steps[self.index]
            if self.search_after is None and not self._begin(step):
                continue  # placed at an exact time, or skipped
            assert self.search_after is not None and self.search_until is not None
            avoid = () if step.same_day else self.used_days
            found = self.calendar.first_free(
                after=self.search_after, until=self.search_until, avoid_days=avoid
            )
            if isinstance(found, Need):
                # Everything before the slot that asked was refused already: go on from there.
                self.search_after = max(self.search_after, found.lo - _TICK)
                hi = max(found.hi, found.lo + self.read)
                self.read *= 2
                return Need(found.lo, hi)
            if found is None:
                tz = self.calendar.tz.key
                raise PlanningError(
                    f"campaign {self.campaign.name!r}, step {step.number} ({step.step}): every posting slot "
                    f"of {self.account.name!r} from {format_local(self.search_after, self.calendar.tz)} "
                    f"for {HORIZON.days} days is taken or over its budget ({tz}); "
                    "add slots or raise the budget"
                )
            self._place(step, found, self.search_quote, in_slot=True)
        return None

    def _begin(self, step: CampaignStep) -> bool:
        """Start the step: True when a slot must be searched, False when it was placed or skipped."""
        quote = None
        if step.step == "quote" or step.card == "quote":
            quote = self._quote(step)
            if quote is None:
                self._skip(step, "no pull quote with a known speaker left for it")
                return False
        previous = self.placed[-1].due if self.placed else None
        tz = self.calendar.tz
        when = step.when
        local_start = self.start.astimezone(tz).replace(tzinfo=None)
        if when.kind == "at":
            assert when.clock is not None
            day = local_start.date() + timedelta(days=when.calendar_days)
            floor = previous or self.start
            while True:
                due = local_to_utc(datetime.combine(day, when.clock), tz)
                if due >= floor and (due != previous) and (step.same_day or day not in self.used_days):
                    break
                day += timedelta(days=1)
            self._place(step, due, quote, in_slot=False)
            return False
        if when.kind == "publish":
            due = max(self.start, previous) if previous else self.start
            if step.same_day or self.calendar.day(due) not in self.used_days:
                self._place(step, due, quote, in_slot=False)
                return False
            after = due  # its day has a post of the article already: the first free slot of a later day
        elif when.calendar_days:
            after = local_to_utc(local_start + timedelta(days=when.calendar_days), tz)
        else:
            after = self.start + when.offset
        if previous is not None:
            after = max(after, previous)
        self.search_after, self.search_until, self.search_quote = after, after + HORIZON, quote
        self.read = FIRST_READ
        return True

    def _quote(self, step: CampaignStep) -> Quote | None:
        """The step's quote: the rank it names, else the best not used yet on the account."""
        if step.quote is not None and step.quote <= len(self.quotes):
            return self.quotes[step.quote - 1]
        return next((q for q in self.quotes if q.id not in self.used_quotes), None)

    def _place(self, step: CampaignStep, due: datetime, quote: Quote | None, *, in_slot: bool) -> None:
        self.placed.append(PlannedStep(step, due, quote, in_slot))
        self.calendar.hold(due)
        self.used_days.add(self.calendar.day(due))
        if quote is not None:
            self.used_quotes.add(quote.id)
        self._next()

    def _skip(self, step: CampaignStep, reason: str) -> None:
        self.skipped.append(SkippedStep(self.account.name, step, reason))
        self._next()

    def _next(self) -> None:
        self.index += 1
        self.search_after = self.search_until = self.search_quote = None


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
    if not accounts:
        raise NewsroomError(f"campaign {campaign.name!r}: say which accounts to plan it for")
    if article.withdrawn_at is not None:
        raise NewsroomError(
            f"article {article.id} was withdrawn ({article.withdraw_reason}); nothing to plan"
        )
    accounts = list({account.id: account for account in accounts}.values())
    start = campaign_start(article, now)
    quotes = [q for q in article.quotes if q.speaker]
    existing = _existing_posts(session, article, campaign, accounts)

    def begin(account: Account, calendar: Calendar) -> AccountPlan:
        plan = AccountPlan(account, calendar, campaign, start, quotes)
        for row in existing:
            if row.account_id == account.id:
                plan.used_days.add(calendar.day(row.scheduled_for))
                if row.quote_id is not None:
                    plan.used_quotes.add(row.quote_id)
        return plan

    kept = kept_calendars(session, accounts)
    plans = {account.id: begin(account, kept[account.id]) for account in accounts}
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
        gap = max(plan.calendar.budget.min_gap, _TICK)
        held = [placed.due for placed in plan.placed if placed.in_slot]
        near.extend((plan.account.id, due - gap + _TICK, due + gap) for due in held)
    if not near:
        return set()
    if _postgresql(session):
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


_EXISTING_POSTS = select(Post.id, Post.account_id, Post.scheduled_for, Post.quote_id, Post.campaign).where(
    Post.article_id == bindparam("article_id"), Post.state.in_(HOLDING_STATES), Post.thread_index == 0
)


def _existing_posts(
    session: Session, article: Article, campaign: Campaign, accounts: Sequence[Account]
) -> list[Any]:
    """The article's posts on the accounts already: their days and quotes are taken, the campaign once."""
    # By article only (its index), the accounts picked here: one statement whatever the accounts.
    names = {account.id: account.name for account in accounts}
    rows = [
        row for row in session.execute(_EXISTING_POSTS, {"article_id": article.id}) if row.account_id in names
    ]
    for row in rows:
        if row.campaign == campaign.name:
            raise NewsroomError(
                f"article {article.id} has the campaign {campaign.name!r} on {names[row.account_id]!r} "
                f"already (post {row.id}); cancel its posts first to plan it again"
            )
    return list(rows)


def read_taken(session: Session, calendars: dict[int, Calendar], needs: dict[int, Need]) -> None:
    """One query for what every calendar asks: the instants held by the account's posts in its ranges."""
    ranges = [
        (account_id, lo, hi)
        for account_id, need in needs.items()
        for lo, hi in calendars[account_id].missing(need.lo, need.hi)
    ]
    found: dict[tuple[int, datetime, datetime], list[datetime]] = {}
    # One branch per range: each an index range scan on (account_id, scheduled_for), whatever the
    # statistics say (an OR of them, or a join with a VALUES list, can make PostgreSQL read every post).
    for start in range(0, len(ranges), 400):  # SQLite allows 500 branches in a compound SELECT
        chunk = ranges[start : start + 400]
        branches = [
            select(literal(index), Post.scheduled_for).where(
                Post.account_id == account_id,
                Post.scheduled_for >= lo,
                Post.scheduled_for < hi,
                Post.state.in_(HOLDING_STATES),
                # A thread counts once against the budget; its later parts share its first part's time.
                Post.thread_parent_id.is_(None),
            )
            for index, (account_id, lo, hi) in enumerate(chunk)
        ]
        for index, instant in session.execute(union_all(*branches)):
            found.setdefault(chunk[index], []).append(instant)
    for account_id, lo, hi in ranges:
        calendars[account_id].learn(lo, hi, found.get((account_id, lo, hi), ()))


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

    def render(self, account: Account, step: str, quote: Quote | None) -> RenderedPost:
        view = account_view(account)
        limit = account.options.get("max_characters")
        shown = quote_view(quote) if quote is not None else None
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
    plans: Sequence[AccountPlan],
    campaign: Campaign,
    templates_dir: Path,
) -> list[PlannedPost]:
    """Insert every planned post in one statement or a few; the first part of each as planned."""
    renders = _Renders(templates_dir, article_view(article), campaign.name)
    sizes: dict[int, CardSize] = {}
    created = utcnow()
    threads: list[list[dict[str, Any]]] = []  # every part of each post, in order
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
                        "key": secrets.token_hex(16),
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
    if not threads:
        return []
    first_ids = _insert(session, threads)
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


def _insert(session: Session, threads: list[list[dict[str, Any]]]) -> list[int]:
    """Insert the posts (each a thread of one part or more); the ids of their first parts, in order.

    Core statements, not the unit of work: planning 1,000 articles onto 50 accounts makes 200,000
    rows. The ids are known first, so a reply can name the part before it and all rows go in at once:
    on PostgreSQL from the sequence, then one INSERT … SELECT FROM unnest(arrays); on SQLite after the
    highest id (every transaction there begins IMMEDIATE, holding the only write lock), then one
    executemany.
    """
    rows = [row for parts in threads for row in parts]
    if _postgresql(session):
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
    if _postgresql(session):
        _insert_unnest(session, rows)
    else:
        session.execute(insert(Post.__table__), rows)
    return [parts[0]["id"] for parts in threads]


def _insert_unnest(session: Session, rows: list[dict[str, Any]]) -> None:
    """One INSERT for all rows: a column that varies goes as one array, one that does not as one value;
    binary parameters (psycopg's %b), as text arrays cost a regular expression per element."""
    dialect = session.get_bind().dialect
    quote = dialect.identifier_preparer.quote
    columns = Post.__table__.c
    names = list(rows[0])
    varying = [name for name in names if name == "id" or any(row[name] != rows[0][name] for row in rows)]
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
    session.connection().exec_driver_sql(
        f"INSERT INTO posts ({', '.join(map(quote, names))}) SELECT {chosen} "
        f"FROM unnest({arrays}) AS u({', '.join(map(quote, varying))})",
        params,
    )


def _postgresql(session: Session) -> bool:
    """PostgreSQL, through psycopg 3 (the driver the project depends on): arrays as parameters, binary
    ones with %b; otherwise SQLite."""
    return session.get_bind().dialect.name == "postgresql"


def _card_size(templates_dir: Path, step: CampaignStep) -> CardSize:
    assert step.card is not None
    try:
        return post_cards.check_card(templates_dir, step.card, step.card_size)
    except post_cards.CardRequestError as error:
        raise NewsroomError(f"step {step.number}: {error}") from None
