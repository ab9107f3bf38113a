"""Showing what a change would do before it is made: the change runs in a savepoint, what it did is read
off as plain values, then everything is rolled back. The preview is the real function's own result
(a campaign's timeline, a correction's new texts), not a second implementation that could drift."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.models import Account, Post
from scheduler.newsroom import campaigns, corrections
from scheduler.newsroom.controls import get_article
from scheduler.planning.calendar import forget_calendars
from scheduler.planning.campaigns import load_campaign

T = TypeVar("T")


def rehearse(session: Session, work: Callable[[], T]) -> T:
    """`work`'s result (plain values: nothing it returns may be read after), its changes undone."""
    session.flush()
    savepoint = session.begin_nested()
    try:
        return work()
    finally:
        savepoint.rollback()
        session.expire_all()
        # The planner keeps calendars between transactions: the posts rolled back must not stay in them.
        forget_calendars()


@dataclass(frozen=True)
class Step:
    account: str
    timezone: str
    step: str
    number: int
    at: datetime
    text: str
    card: str | None
    draft: bool


@dataclass(frozen=True)
class Timeline:
    steps: list[Step]  # by time
    skipped: list[str]  # steps left out, and why


def campaign_timeline(
    session: Session,
    article_id: int,
    accounts: list[Account],
    campaign_name: str,
    *,
    templates_dir: Path,
    now: datetime,
) -> Timeline:
    """When each step of the campaign would go out on each account, were it planned now."""
    campaign = load_campaign(templates_dir, campaign_name)

    def plan() -> Timeline:
        article = get_article(session, article_id)
        planned = campaigns.plan(session, article, accounts, campaign, templates_dir=templates_dir, now=now)
        steps = [
            Step(
                p.account.name,
                p.account.timezone,
                p.step,
                p.campaign_step,
                p.due_at,
                p.text,
                p.card_template,
                p.state == "draft",
            )
            for p in planned.posts
        ]
        skipped = [f"{s.account}: step {s.step.step}, {s.reason}" for s in planned.skipped]
        return Timeline(sorted(steps, key=lambda s: (s.at, s.account)), skipped)

    return rehearse(session, plan)


@dataclass(frozen=True)
class Rewritten:
    post_id: int
    account: str
    before: str
    after: str


@dataclass(frozen=True)
class CorrectionPreview:
    changed: list[str]  # the article's fields that change
    rewritten: list[Rewritten]  # posts not out yet whose text changes
    left: list[tuple[int, str]]  # posts left as they are, and why


def correction_preview(
    session: Session, article_id: int, *, title: str | None, summary: str | None, templates_dir: Path
) -> CorrectionPreview:
    """What correcting the article's title and summary would change in its posts not out yet."""

    def correct() -> CorrectionPreview:
        before = dict(session.execute(select(Post.id, Post.text).where(Post.article_id == article_id)).all())
        done = corrections.correct_article(
            session, article_id, templates_dir=templates_dir, title=title, summary=summary
        )
        rewritten = [
            Rewritten(r.post_id, r.account, before.get(r.post_id, ""), r.text)
            for r in done.posts
            if r.text and r.text != before.get(r.post_id)
        ]
        return CorrectionPreview(list(done.changed), rewritten, list(done.left))

    return rehearse(session, correct)
