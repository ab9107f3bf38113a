"""A refused form comes back as the editor sent it: every field filled in, each problem beside its
field, a summary at the top of the page linking to each, and the browser taken to the first.

A handler runs each part of its work `about` the field it concerns; a refusal inside becomes a
FieldProblem for that field (or the one the domain named, NewsroomError.field). The page's template
draws the form with the macros of `_form.html` from a FormState: the values sent, the problems found.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from scheduler.articles import ArticleError
from scheduler.newsroom import NewsroomError
from scheduler.newsroom.users import UserError
from scheduler.planning import PlanningError
from scheduler.render import RenderError
from scheduler.render.cards import ThemeError
from scheduler.web.words import page_words
from scheduler.wording import worded

REFUSALS: tuple[type[Exception], ...] = (
    NewsroomError,
    PlanningError,
    RenderError,
    ArticleError,
    UserError,
    ThemeError,
)


class FieldProblem(Exception):
    """What was wrong with one field of a form."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name, self.message = name, message


@contextmanager
def about(
    name: str,
    *,
    fields: Mapping[str, str] | None = None,
    refusals: tuple[type[Exception], ...] = REFUSALS,
) -> Iterator[None]:
    """A refusal raised inside is about the field `name`, unless the domain named another field
    (`fields` maps the domain's names to the form's)."""
    try:
        yield
    except refusals as error:
        named = getattr(error, "field", None)
        chosen = (fields or {}).get(named, named) if named else None
        raise FieldProblem(chosen or name, worded(error, page_words)) from None


@dataclass
class FormState:
    """A form as the editor sent it (`values`), with the problems found in it, by field."""

    id: str
    values: Mapping[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def refused(cls, id: str, values: Mapping[str, str], problem: FieldProblem) -> FormState:
        return cls(id, dict(values), {problem.name: problem.message})

    def value(self, name: str, default: str = "") -> str:
        return str(self.values.get(name, default))

    def error(self, name: str) -> str | None:
        return self.errors.get(name)

    @property
    def first_invalid(self) -> str | None:
        return next(iter(self.errors), None)
