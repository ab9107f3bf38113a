"""A campaign's steps placed on one account's calendar, one after the other: exact times, the first
free slot after an offset, never two on a local day the article already has unless a step says
same_day. Pure: the calendar says when it needs another read of the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from scheduler.models import Account, Quote
from scheduler.planning import PlanningError
from scheduler.planning.calendar import TICK, Calendar, Need
from scheduler.planning.campaigns import Campaign, CampaignStep
from scheduler.planning.wallclock import format_local, local_to_utc

# How far a step may look for a free slot, as newsroom.posts.next_slot does.
HORIZON = timedelta(days=90)

# The first read for a search covers this much; each further read for it twice the one before.
FIRST_READ = timedelta(days=2)


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
                self.search_after = max(self.search_after, found.lo - TICK)
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
class PlannedStep:
    """One step placed for one account: what the session side makes a post of."""

    step: CampaignStep
    due: datetime
    quote: Quote | None
    in_slot: bool  # a slot the calendar chose (checked before the insert), not an exact time
