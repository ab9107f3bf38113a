"""Post text: an article, an account and a campaign step through the step's template."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from scheduler.render import RenderError
from scheduler.render.templates import post_template


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


def render_post_text(
    templates_dir: Path,
    article: ArticleView,
    account: AccountView,
    step: str,
    *,
    quote: QuoteView | None = None,
) -> str:
    template = post_template(templates_dir, account.network, step)
    quote = quote or next(iter(article.quotes), None)
    context: dict[str, Any] = {"article": article, "account": account, "step": step}
    if quote is not None:
        context["quote"] = quote
    try:
        text = template.render(context)
    except jinja2.UndefinedError as error:
        if "quote" not in context and "'quote'" in (error.message or ""):
            raise RenderError(
                f"{template.name} needs a pull quote and the article has none with a known speaker; "
                "use another step, such as announce"
            ) from None
        raise RenderError(f"{template.name}: {error.message}; check the names the template uses") from None
    except jinja2.exceptions.SecurityError as error:
        raise RenderError(f"{template.name}: not allowed in a template: {error}") from None
    except jinja2.TemplateError as error:
        raise RenderError(f"{template.name}: {error}") from None
    text = "\n".join(line.rstrip() for line in text.strip().splitlines())
    if not text:
        raise RenderError(f"{template.name} rendered no text for {account.network}; check the template")
    return text
