"""Editing templates from the web app: which files may be edited, trying an edit on an article before it
is kept, and keeping it whole or not at all.

An edit is tried on a copy of the templates folder with the edited file in place, so that includes,
`extends` and a network's own template falling back to the default one work exactly as they will after
saving; the copy renders in the same sandbox as every other render.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from scheduler.render import RenderError
from scheduler.render.atomic import write_atomically
from scheduler.render.cards import DEFAULT_SIZE, CardPage, Theme, card_page
from scheduler.render.checks import NETWORKS, check_templates, sample_card_content
from scheduler.render.posts import STEPS, RenderedPost, render_post
from scheduler.render.sandbox import trial_budget
from scheduler.render.text import AccountView, ArticleView

# posts/<network or default>/<step>.txt.j2 and cards/<name>.html.j2 (a `_` name is a part others include).
EDITABLE = re.compile(
    r"posts/(?P<folder>default|" + "|".join(NETWORKS) + r")/(?P<step>" + "|".join(STEPS) + r")\.txt\.j2"
    r"|cards/(?P<card>_?[a-z0-9][a-z0-9_-]{0,40})\.html\.j2"
)
MAX_TEMPLATE_BYTES = 64_000


class TemplateFileError(ValueError):
    """A template path or text that cannot be kept; the message says why."""


def editable_templates(templates_dir: Path) -> list[str]:
    """The template files there are, as paths under the templates folder."""
    found = [p.relative_to(templates_dir).as_posix() for p in templates_dir.glob("posts/*/*.txt.j2")]
    found += [p.relative_to(templates_dir).as_posix() for p in templates_dir.glob("cards/*.html.j2")]
    return sorted(name for name in found if EDITABLE.fullmatch(name))


def check_path(name: str) -> str:
    if not EDITABLE.fullmatch(name):
        raise TemplateFileError(
            f"{name!r} is not a template this page edits: posts/<network or default>/<step>.txt.j2 "
            f"(steps: {', '.join(STEPS)}; networks: {', '.join(NETWORKS)}) or cards/<name>.html.j2"
        )
    return name


def read_template(templates_dir: Path, name: str) -> str | None:
    path = templates_dir / check_path(name)
    return path.read_text(encoding="utf-8") if path.is_file() else None


@dataclass(frozen=True)
class PostPreview:
    network: str
    rendered: RenderedPost | None
    problem: str | None


@dataclass(frozen=True)
class Tried:
    """An edit tried on an article: its problems (none: it may be kept), and what it made."""

    problems: tuple[str, ...]
    posts: tuple[PostPreview, ...]
    card: CardPage | None

    @property
    def ok(self) -> bool:
        return not self.problems


def try_template(templates_dir: Path, name: str, text: str, article: ArticleView) -> Tried:
    """Render the edited template (and every template it affects) for `article` in the sandbox."""
    _check_text(text)
    with _copy_with(templates_dir, check_path(name), text) as trial, trial_budget():
        report = check_templates(trial, article)
        problems = tuple(
            f"{p.path.relative_to(trial).as_posix()}, line {p.line or 1}: {p.message}"
            for p in report.problems
        )
        match = EDITABLE.fullmatch(name)
        assert match is not None
        posts: list[PostPreview] = []
        card = None
        if match["step"]:
            served = NETWORKS if match["folder"] == "default" else (match["folder"],)
            for network in served:
                try:
                    rendered = render_post(
                        trial, article, AccountView(f"preview-{network}", network), match["step"]
                    )
                    posts.append(PostPreview(network, rendered, None))
                except RenderError as error:
                    # Said once, in the checks above the previews, when it is the same problem.
                    told = any(error.reason and error.reason in problem for problem in problems)
                    posts.append(
                        PostPreview(network, None, "not made: see the checks above" if told else str(error))
                    )
        elif match["card"] and not match["card"].startswith("_"):
            try:
                card = card_page(trial, match["card"], sample_card_content(article), Theme(), DEFAULT_SIZE)
            except RenderError:
                card = None  # its problem is in the report
    return Tried(problems, tuple(posts), card)


def save_template(templates_dir: Path, name: str, text: str) -> Path:
    """Keep the template: written whole (a temporary file in its folder, synced, renamed) or not at all."""
    _check_text(text)
    return write_atomically(templates_dir / check_path(name), text.encode("utf-8"))


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise TemplateFileError("the template holds a NUL character; remove it")
    if len(text.encode("utf-8")) > MAX_TEMPLATE_BYTES:
        raise TemplateFileError(f"the template is over {MAX_TEMPLATE_BYTES:,} bytes; templates are short")


@contextmanager
def _copy_with(templates_dir: Path, name: str, text: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="template-trial-") as folder:
        trial = Path(folder) / "templates"
        shutil.copytree(templates_dir, trial, ignore=shutil.ignore_patterns(".*"))
        target = trial / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        yield trial
