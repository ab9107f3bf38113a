"""Editing campaign files from the web app: an edit is checked exactly as planning will read it (the
same parser, the same card templates and post steps), and kept whole or not at all."""

from __future__ import annotations

from pathlib import Path

from scheduler.planning.campaigns import (
    CAMPAIGN_NAME,
    MAX_FILE_BYTES,
    Campaign,
    CampaignError,
    campaigns_dir,
    parse_campaign,
    post_steps,
)
from scheduler.render.atomic import write_atomically
from scheduler.render.cards import card_template_names

STARTER = """\
# When each step goes out: "on publish", "next slot", "+N days next slot" (or hours, weeks),
# "+N days at HH:MM". card: false, or a card template (quote, headline, breaking).
name: {name}
description: Announce at the next slot, the best quote with a card two days later.
steps:
  - step: announce
    when: next slot
    card: false
  - step: quote
    when: +2 days next slot
    card: quote
"""


def check_name(name: str) -> str:
    if not CAMPAIGN_NAME.match(name or ""):
        raise CampaignError(
            f"campaign name {name!r}: use letters, digits, '_' or '-', starting with a letter or digit "
            "(at most 64)"
        )
    return name


def shown_path(name: str) -> Path:
    """How the file is named to an editor: under the templates folder, wherever that is."""
    return Path("campaigns") / f"{check_name(name)}.yml"


def read_campaign_text(templates_dir: Path, name: str) -> str | None:
    """The file's text, or None when there is no such campaign yet."""
    path = campaigns_dir(templates_dir) / f"{check_name(name)}.yml"
    return path.read_text(encoding="utf-8") if path.is_file() else None


def starter_text(name: str) -> str:
    return STARTER.format(name=check_name(name))


def try_campaign(templates_dir: Path, name: str, text: str) -> Campaign:
    """The campaign the text makes, checked as planning checks it; CampaignError says what is wrong."""
    if "\x00" in text:
        raise CampaignError(f"{shown_path(name)}: the text holds a NUL character; remove it")
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise CampaignError(
            f"{shown_path(name)}: over {MAX_FILE_BYTES // 1000} kB; a campaign is a short list of steps"
        )
    return parse_campaign(
        text,
        name=name,
        path=shown_path(name),
        card_templates=card_template_names(templates_dir),
        steps=post_steps(templates_dir),
    )


def save_campaign(templates_dir: Path, name: str, text: str) -> Campaign:
    """Keep the edit when it parses: written whole (a temporary file, synced, renamed) or not at all.
    Planning reads the new text from the next article on (posts already planned keep their times)."""
    campaign = try_campaign(templates_dir, name, text)
    write_atomically(campaigns_dir(templates_dir) / f"{name}.yml", text.encode("utf-8"))
    return campaign
