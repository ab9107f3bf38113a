"""Campaign files: `templates/campaigns/<name>.yml`, the steps one article becomes over days or weeks.

A campaign lists post steps, each with when it goes out and whether it carries a card:

    name: default
    description: Announce, two quotes with cards, a reshare a month later.
    steps:
      - step: announce
        when: next slot
        card: false
      - step: quote
        when: +2 days next slot
        card: quote

`when` is one of: `on publish` (at once, or at the article's publish time when that is later),
`next slot`, `+N hours|days|weeks next slot` (the first free slot after that long from the
campaign's start) or `+N days|weeks at HH:MM` (that local time, N days after the start). Pure: files
in, checked steps out; the session side is scheduler.newsroom.campaigns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from scheduler.planning import PlanningError
from scheduler.render.cards import card_template_names, parse_size
from scheduler.render.posts import STEPS

CAMPAIGN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
# The campaign that evergreen reshares are recorded under; not a file.
EVERGREEN = "evergreen"
STEP_KEYS = ("step", "when", "card", "card_size", "quote", "same_day")
MAX_STEPS = 50
MAX_FILE_BYTES = 100_000

_OFFSET = r"\+\s*(?P<count>\d{1,4})\s*(?P<unit>hours?|days?|weeks?)"
WHEN_NEXT_SLOT = re.compile(rf"^(?:{_OFFSET}\s+)?next\s+slot$", re.IGNORECASE)
WHEN_AT = re.compile(rf"^{_OFFSET}\s+at\s+(?P<clock>\d{{1,2}}:\d{{2}})$", re.IGNORECASE)
WHEN_ON_PUBLISH = re.compile(r"^on\s+publish$", re.IGNORECASE)
WHEN_GRAMMAR = "'on publish', 'next slot', '+N days next slot' (or hours, weeks) or '+N days at HH:MM'"


class CampaignError(PlanningError):
    """A campaign that cannot be used; the message names the file, the step and what is wrong."""


@dataclass(frozen=True)
class When:
    """When a step goes out, from the campaign's start.

    kind: "publish" (the start itself), "slot" (the first free slot after start + offset) or "at"
    (local wall-clock `clock` on the start's local date + offset days).
    """

    kind: str
    offset: timedelta = timedelta(0)
    # Offsets in days and weeks count local calendar days, so "+7 days" keeps its wall-clock time
    # across a daylight-saving change; hours are exact.
    calendar_days: int = 0
    clock: time | None = None
    text: str = ""


@dataclass(frozen=True)
class CampaignStep:
    number: int  # 1-based, as editors count: stored on each post as campaign_step
    step: str
    when: When
    card: str | None = None
    card_size: str | None = None
    quote: int | None = None  # which attributed quote: 1 the best, 2 the second…; None the next unused
    same_day: bool = False


@dataclass(frozen=True)
class Campaign:
    name: str
    description: str
    steps: tuple[CampaignStep, ...]
    path: Path


def campaigns_dir(templates_dir: Path) -> Path:
    return templates_dir / "campaigns"


def campaign_names(templates_dir: Path) -> list[str]:
    return sorted(p.stem for p in campaigns_dir(templates_dir).glob("*.yml") if CAMPAIGN_NAME.match(p.stem))


def post_steps(templates_dir: Path) -> list[str]:
    """The steps there are templates for: the built-in ones and any a designer added under posts/."""
    added = {p.name.removesuffix(".txt.j2") for p in (templates_dir / "posts").glob("*/*.txt.j2")}
    return sorted(set(STEPS) | added)


def load_campaign(templates_dir: Path, name: str) -> Campaign:
    """The checked campaign `templates/campaigns/<name>.yml`; CampaignError says what is wrong."""
    if not CAMPAIGN_NAME.match(name or ""):
        raise CampaignError(
            f"campaign name {name!r}: use letters, digits, '_' or '-' (the file templates/campaigns/NAME.yml)"
        )
    path = campaigns_dir(templates_dir) / f"{name}.yml"
    if not path.is_file():
        known = ", ".join(campaign_names(templates_dir)) or "none yet"
        raise CampaignError(f"no campaign {name!r}: add {path} (campaigns: {known})")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise CampaignError(f"{path}: over {MAX_FILE_BYTES // 1000} kB; a campaign is a short list of steps")
    return _parsed(
        path.read_text(encoding="utf-8"),
        name,
        path,
        tuple(card_template_names(templates_dir)),
        tuple(post_steps(templates_dir)),
    )


@lru_cache(maxsize=64)
def _parsed(
    text: str, name: str, path: Path, card_templates: tuple[str, ...], steps: tuple[str, ...]
) -> Campaign:
    # Planning reads the file for every article: a feed's burst, an import of a thousand.
    return parse_campaign(text, name=name, path=path, card_templates=list(card_templates), steps=list(steps))


def parse_campaign(
    text: str, *, name: str, path: Path, card_templates: list[str], steps: list[str]
) -> Campaign:
    where = str(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise CampaignError(f"{where}{line}: not valid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise CampaignError(f"{where}: write a mapping with `name`, `description` and `steps`")
    unknown = sorted(set(map(str, data)) - {"name", "description", "steps"})
    if unknown:
        raise CampaignError(f"{where}: unknown key(s) {', '.join(unknown)}; use name, description, steps")
    own_name = data.get("name", name)
    if own_name != name:
        raise CampaignError(
            f"{where}: name {own_name!r} differs from the file's name {name!r}; make them one"
        )
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise CampaignError(f"{where}: `steps` must be a list of at least one step")
    if len(raw_steps) > MAX_STEPS:
        raise CampaignError(f"{where}: {len(raw_steps)} steps; at most {MAX_STEPS}")
    parsed = tuple(
        _parse_step(raw, number, where, card_templates, steps)
        for number, raw in enumerate(raw_steps, start=1)
    )
    description = data.get("description") or ""
    if not isinstance(description, str):
        raise CampaignError(f"{where}: `description` must be text")
    return Campaign(name=name, description=description.strip(), steps=parsed, path=path)


def _parse_step(
    raw: Any, number: int, where: str, card_templates: list[str], steps: list[str]
) -> CampaignStep:
    at = f"{where}, step {number}"
    if not isinstance(raw, dict):
        raise CampaignError(f"{at}: write the step as a mapping with `step`, `when` and `card`")
    unknown = sorted(set(map(str, raw)) - set(STEP_KEYS))
    if unknown:
        raise CampaignError(f"{at}: unknown key(s) {', '.join(unknown)}; a step has {', '.join(STEP_KEYS)}")
    step = raw.get("step")
    if step not in steps:
        raise CampaignError(
            f"{at}: unknown step {step!r}; use one of {', '.join(steps)} "
            "(templates/posts/<network>/<step>.txt.j2)"
        )
    if "when" not in raw:
        raise CampaignError(f"{at}: say when with `when:` {WHEN_GRAMMAR}")
    when = parse_when(raw["when"], at)
    card = raw.get("card", False)
    if card is False or card is None:
        card = None
    elif not isinstance(card, str) or card not in card_templates:
        raise CampaignError(
            f"{at}: unknown card template {card!r}; use false or one of {', '.join(card_templates)} "
            "(templates/cards/<name>.html.j2)"
        )
    card_size = raw.get("card_size")
    if card_size is not None:
        if card is None:
            raise CampaignError(f"{at}: card_size without a card; add `card: quote` (or another) or drop it")
        try:
            parse_size(str(card_size))
        except ValueError as error:
            raise CampaignError(f"{at}: {error}") from None
        card_size = str(card_size)
    quote = raw.get("quote")
    if quote is not None and (isinstance(quote, bool) or not isinstance(quote, int) or quote < 1):
        raise CampaignError(f"{at}: `quote` is the quote's rank among those with a speaker: 1, 2, 3…")
    same_day = raw.get("same_day", False)
    if not isinstance(same_day, bool):
        raise CampaignError(f"{at}: `same_day` is true or false")
    return CampaignStep(
        number=number, step=step, when=when, card=card, card_size=card_size, quote=quote, same_day=same_day
    )


def parse_when(value: Any, at: str = "when") -> When:
    """Read a step's `when`; CampaignError says what is accepted."""
    if not isinstance(value, str):
        # YAML reads a bare `on` as true: say what to write instead.
        raise CampaignError(f"{at}: cannot read when {value!r}; write {WHEN_GRAMMAR}")
    text = " ".join(value.split())
    if WHEN_ON_PUBLISH.match(text):
        return When("publish", text=text)
    if match := WHEN_NEXT_SLOT.match(text):
        offset, days = _offset(match, at)
        return When("slot", offset=offset, calendar_days=days, text=text)
    if match := WHEN_AT.match(text):
        if match["unit"].startswith("hour"):
            raise CampaignError(f"{at}: when {value!r}: 'at HH:MM' goes with days or weeks, not hours")
        try:
            clock = time.fromisoformat(match["clock"].zfill(5))
        except ValueError:
            raise CampaignError(f"{at}: when {value!r}: {match['clock']!r} is not a time of day") from None
        offset, days = _offset(match, at)
        return When("at", offset=offset, calendar_days=days, clock=clock, text=text)
    raise CampaignError(f"{at}: cannot read when {value!r}; write {WHEN_GRAMMAR}")


def _offset(match: re.Match[str], at: str) -> tuple[timedelta, int]:
    if not match["count"]:
        return timedelta(0), 0
    count = int(match["count"])
    unit = match["unit"].lower()
    if unit.startswith("hour"):
        return timedelta(hours=count), 0
    days = count * 7 if unit.startswith("week") else count
    if days > 3660:
        raise CampaignError(f"{at}: +{count} {unit} is too far; at most ten years")
    return timedelta(days=days), days
