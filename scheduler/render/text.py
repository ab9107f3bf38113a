"""Post text: an article, an account and a campaign step through the step's template."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import jinja2

from scheduler.render import RenderError
from scheduler.render.fit import strip_marks
from scheduler.render.missing import NEEDS
from scheduler.render.sandbox import render_bounded
from scheduler.render.templates import cannot_be_done, located_error, post_template


@dataclass(frozen=True)
class QuoteView:
    """What templates see of a pull quote."""

    text: str
    speaker: str | None
    rank: int


@dataclass(frozen=True)
class ArticleView:
    """What templates see of an article."""

    title: str
    url: str | None
    author: str | None
    summary: str
    links: tuple[str, ...] = ()
    site: str | None = None
    image: str | None = None
    tags: tuple[str, ...] = ()
    # Ranked best first; `quote` in a template is the post's own pick, else the best.
    quotes: tuple[QuoteView, ...] = ()


@dataclass(frozen=True)
class AccountView:
    """What templates see of an account."""

    name: str
    network: str
    # Added after the article's own tags by the `hashtags` filter.
    hashtags: tuple[str, ...] = ()


def render_post_text(
    templates_dir: Path,
    article: ArticleView,
    account: AccountView,
    step: str,
    *,
    quote: QuoteView | None = None,
) -> str:
    """The step's template rendered, with `fit` marks still in: render.posts fits and counts it."""
    return render_template_text(templates_dir, article, account, step, quote=quote)[1]


def render_template_text(
    templates_dir: Path,
    article: ArticleView,
    account: AccountView,
    step: str,
    *,
    quote: QuoteView | None = None,
    campaign: str | None = None,
    template: jinja2.Template | None = None,
) -> tuple[str, str]:
    """(the template's name, its rendered text); RenderError names the template and line of a problem.
    `template`: the step's template for the network, when the caller looked it up already."""
    if template is None:
        template = post_template(templates_dir, account.network, step)
    # The post's own pick, else the best quote whose speaker is known: as a quote post would choose.
    quote = quote or next((q for q in article.quotes if q.speaker), None)
    context: dict[str, Any] = {"article": article, "account": account, "step": step}
    if campaign:
        context["campaign"] = campaign
    if quote is not None:
        context["quote"] = quote
    try:
        text = render_bounded(template, context)
    except jinja2.UndefinedError as error:
        if "quote" not in context and "'quote'" in (error.message or ""):
            reason = "needs a pull quote and the article has none with a known speaker; use another step"
        else:
            reason = _undefined_reason(error.message or "")
        raise located_error(template, error, reason) from None
    except jinja2.exceptions.SecurityError as error:  # TemplateTooCostly: "does too much work"
        raise located_error(template, error) from None
    except jinja2.TemplateError as error:
        raise located_error(template, error, str(error)) from None
    except RecursionError as error:
        raise located_error(template, error, "the template includes itself without end") from None
    except Exception as error:  # 1/0, a filter given the wrong type: the editor's template, not our code
        raise located_error(template, error, cannot_be_done(error)) from None
    text = "\n".join(line.rstrip() for line in text.strip().splitlines())
    if not strip_marks(text).strip():
        raise RenderError(
            f"{template.name} rendered no text for {account.network}; check the template",
            template=template.name,
            reason=f"rendered no text for {account.network}",
        )
    return template.name or step, text


MISSING_FIELD = re.compile(r"'(?:[\w.]+\.)?(?P<view>\w+) object' has no attribute '(?P<field>\w+)'")


def _undefined_reason(message: str) -> str:
    """Say "article has no field 'nope'" and what it has, not Jinja's Python class names."""
    if message.startswith(NEEDS):  # a field without a value: the message says what to do
        return message
    views: dict[str, tuple[str, Any]] = {
        "ArticleView": ("article", ArticleView),
        "QuoteView": ("quote", QuoteView),
        "AccountView": ("account", AccountView),
    }
    match = MISSING_FIELD.search(message)
    if match and match["view"] in views:
        label, view = views[match["view"]]
        known = ", ".join(f.name for f in fields(view))
        return f"{label} has no field {match['field']!r}; it has {known}"
    return f"{message}; check the names the template uses"
