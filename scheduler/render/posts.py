"""A post as each network will take it: the step's template rendered, split into a thread, fitted and counted.

What the preview shows is what is scheduled and what is published: every part is counted exactly as
its network counts, and a part that cannot be brought within the limit is an error here, at
scheduling time, never at 9 a.m. with nobody watching.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from scheduler.render import RenderError
from scheduler.render.fit import fit_post, split_thread, strip_marks
from scheduler.render.length import Count, count
from scheduler.render.text import AccountView, ArticleView, QuoteView, render_template_text

# The networks whose counting rules we know; the outbox has no limit.
COUNTED_NETWORKS = ("x", "mastodon", "bluesky")
STEPS = ("announce", "quote", "reshare")


@dataclass(frozen=True)
class RenderedPost:
    """The parts of a post (one, or several for a thread), each fitted, with its count."""

    template: str
    parts: tuple[str, ...]
    counts: tuple[Count, ...]


def measure_for(network: str, max_characters: int | None) -> tuple[Callable[[str], int], int | None]:
    """A length for fitting, comparable with the limit: over the limit by as much as the network says."""
    limit = count(network, "", max_characters=max_characters).limit

    def measure(text: str) -> int:
        counted = count(network, text, max_characters=max_characters)
        return counted.length if counted.fits or limit is None else limit + max(counted.over, 1)

    return measure, limit


def fit_parts(
    parts: list[str], *, network: str, max_characters: int | None, where: str
) -> tuple[tuple[str, ...], tuple[Count, ...]]:
    """Each part fitted on its own and counted; RenderError for a part that cannot fit."""
    measure, limit = measure_for(network, max_characters)
    fitted = []
    for index, part in enumerate(parts, start=1):
        label = where if len(parts) == 1 else f"{where} (part {index} of {len(parts)})"
        if limit is None:
            text = strip_marks(part)
        else:
            text = fit_post(part, measure=measure, limit=limit, where=label, network=network)
        fitted.append(text)
    counts = tuple(count(network, text, max_characters=max_characters) for text in fitted)
    for index, counted in enumerate(counts, start=1):
        if not counted.fits:  # fit_post guarantees this; a guard, as over-limit text must never be scheduled
            raise RenderError(f"{where}: part {index} is {counted.over} over the {network} limit")
    return tuple(fitted), counts


def render_post(
    templates_dir: Path,
    article: ArticleView,
    account: AccountView,
    step: str,
    *,
    quote: QuoteView | None = None,
    max_characters: int | None = None,
) -> RenderedPost:
    """The step's template for the account's network, rendered, split at `---` lines, fitted and counted."""
    name, raw = render_template_text(templates_dir, article, account, step, quote=quote)
    parts = split_thread(raw)
    if not parts:
        raise RenderError(f"{name} rendered no text for {account.network}; check the template")
    fitted, counts = fit_parts(parts, network=account.network, max_characters=max_characters, where=name)
    return RenderedPost(name, fitted, counts)


def own_text(text: str, *, network: str, max_characters: int | None = None) -> RenderedPost:
    """An editor's own post text (a thread when it has `---` lines), counted; never shortened."""
    parts = split_thread(text)
    if not parts:
        raise RenderError("the post text given is empty; leave it out to use the template")
    counts = tuple(count(network, part, max_characters=max_characters) for part in parts)
    for index, counted in enumerate(counts, start=1):
        if not counted.fits:
            which = "the text" if len(parts) == 1 else f"part {index} of the text"
            raise RenderError(
                f"{which} is {counted.over} over the {counted.limit} limit for {network}; shorten it"
            )
    return RenderedPost("(the editor's text)", tuple(parts), counts)
