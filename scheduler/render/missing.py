"""Editors' templates never print "None": a field without a value (an article with no URL, a quote with
no speaker's role) is missing, not the Python value None.

A missing field is false in `{% if article.url %}`, takes `| default(...)`, and is `none`; printed,
joined to a string or given to a filter, it fails at the template's line with what to do ("this
template needs the article's url, and this article has none"). Jinja's StrictUndefined already does
this for a field that does not exist; here it also covers a field that exists and is empty.
"""

from __future__ import annotations

from dataclasses import is_dataclass
from typing import Any

import jinja2

from scheduler.render.sandbox import BoundedSandbox

NEEDS = "this template needs"


class MissingValue(jinja2.StrictUndefined):
    """A field whose value is None: false and `none`, an error wherever it would be printed."""

    __slots__ = ()

    def __bool__(self) -> bool:
        return False

    def __eq__(self, other: object) -> bool:
        return other is None or isinstance(other, MissingValue)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = jinja2.Undefined.__hash__


def missing(owner: Any, name: str) -> MissingValue:
    if is_dataclass(owner):
        label = type(owner).__name__.removesuffix("View").lower()  # ArticleView: "article"
        hint = f"{NEEDS} the {label}'s {name}, and this {label} has none"
        guard = f"{label}.{name}"
    else:
        hint, guard = f"{NEEDS} a value for {name!r}, and this one has none", name
    return MissingValue(
        hint=f"{hint}: put it inside {{% if {guard} %}}…{{% endif %}} or give it a default, "
        f"{{{{ {guard} | default('…') }}}}",
        obj=owner,
        name=name,
    )


class EditorSandbox(BoundedSandbox):
    """The bounded sandbox in which a field without a value is a MissingValue."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tests["none"] = lambda value: value is None or isinstance(value, MissingValue)

    def getattr(self, obj: Any, attribute: str) -> Any:
        value = super().getattr(obj, attribute)
        return missing(obj, attribute) if value is None and _is_data(obj) else value

    def getitem(self, obj: Any, argument: Any) -> Any:
        value = super().getitem(obj, argument)
        return missing(obj, str(argument)) if value is None and _is_data(obj) else value


def _is_data(obj: Any) -> bool:
    return isinstance(obj, dict) or (is_dataclass(obj) and not isinstance(obj, type))
