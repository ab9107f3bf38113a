"""`scheduler templates check`: every post template compiled, and rendered for every network it serves;
every card template's HTML made at every size."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import jinja2

from scheduler.render import RenderError
from scheduler.render.cards import SIZES, CardContent, Theme, card_page, card_template_names
from scheduler.render.posts import COUNTED_NETWORKS, render_post
from scheduler.render.templates import environment
from scheduler.render.text import AccountView, ArticleView

NETWORKS = (*COUNTED_NETWORKS, "outbox")


@dataclass(frozen=True)
class TemplateProblem:
    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line or 1}: {self.message}"


@dataclass(frozen=True)
class CheckReport:
    templates: int
    renders: int
    problems: tuple[TemplateProblem, ...]


def check_templates(templates_dir: Path, article: ArticleView) -> CheckReport:
    """Compile every `posts/**/*.txt.j2`; render each for each network that would use it, on `article`."""
    posts = templates_dir / "posts"
    paths = sorted(posts.glob("*/*.txt.j2"))
    if not paths:
        problem = TemplateProblem(posts, None, "no post templates here: check SCHEDULER_TEMPLATES_DIR")
        return CheckReport(0, 0, (problem,))
    problems: list[TemplateProblem] = []
    env = environment(templates_dir)
    compiled: set[Path] = set()
    for path in paths:
        name = path.relative_to(templates_dir).as_posix()
        try:
            env.get_template(name)
            compiled.add(path)
        except jinja2.TemplateSyntaxError as error:
            problems.append(TemplateProblem(path, error.lineno, error.message or "syntax error"))
    renders = 0
    for path in sorted(compiled):
        folder, step = path.parent.name, path.name.removesuffix(".txt.j2")
        name = path.relative_to(templates_dir).as_posix()
        served = _served_networks(posts, folder, step)
        # The same problem for several networks is one problem: "for x, mastodon and bluesky: …".
        failed: dict[tuple[int | None, str], list[str]] = {}
        for network in served:
            renders += 1
            try:
                render_post(templates_dir, article, AccountView(f"check-{network}", network), step)
            except RenderError as error:
                line = error.line if error.template == name else None
                failed.setdefault((line, error.reason or str(error)), []).append(network)
        for (line, reason), networks in failed.items():
            problems.append(TemplateProblem(path, line, f"for {_listed(networks)}: {reason}"))
        if served and not any(p.path == path for p in problems):
            # The same template for an article that lacks every field it may lack (pasted text has no
            # URL): a field it prints unguarded would fail there, or else print nothing of it.
            renders += 1
            try:
                render_post(templates_dir, sparse_article(article), AccountView("check", served[0]), step)
            except RenderError as error:
                line = error.line if error.template == name else None
                problems.append(TemplateProblem(path, line, f"for an article {SPARSE}: {error.reason}"))
    cards = check_card_templates(templates_dir, article)
    return CheckReport(len(paths) + cards.templates, renders + cards.renders, (*problems, *cards.problems))


SPARSE = "with no URL, author, site or image"


def sparse_article(article: ArticleView) -> ArticleView:
    """`article` without the fields an article may lack."""
    return replace(article, url=None, author=None, site=None, image=None)


def check_card_templates(templates_dir: Path, article: ArticleView) -> CheckReport:
    """Every card template's HTML made at every named size for `article` (the browser's fit is not run)."""
    content = sample_card_content(article)
    names = card_template_names(templates_dir)
    problems: list[TemplateProblem] = []
    renders = 0
    for name in names:
        for size in SIZES.values():
            renders += 1
            try:
                card_page(templates_dir, name, content, Theme(), size)
            except RenderError as error:
                where = templates_dir / (error.template or f"cards/{name}.html.j2")
                problems.append(TemplateProblem(where, error.line, f"at {size.name}: {error.reason}"))
                break
    return CheckReport(len(names), renders, tuple(problems))


def sample_card_content(article: ArticleView) -> CardContent:
    """What a card shows for `article` when templates are checked: its best attributed quote, or a
    stand-in when it has none."""
    quote = next((q for q in article.quotes if q.speaker), None)
    return CardContent(
        title=article.title,
        quote=quote.text if quote else "A quote to check the card with.",
        speaker=(quote.speaker or "") if quote else "A. Speaker",
        site=article.site or "Example News",
    )


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _served_networks(posts: Path, folder: str, step: str) -> list[str]:
    """A network's own template serves it; a default one serves the networks without their own."""
    if folder != "default":
        return [folder]
    return [n for n in NETWORKS if not (posts / n / f"{step}.txt.j2").exists()]
