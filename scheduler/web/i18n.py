"""The pages' words in the reader's language: gettext catalogs kept as Babel's .po files under
scheduler/web/locale/<language>/LC_MESSAGES/messages.po (English is the source text itself).

A page is rendered in the signed-in user's language (their profile), else the best match for the
browser's Accept-Language, else English. The .po files are read directly (compiled in memory once per
process), so a fresh clone needs no compile step and a catalog cannot go stale beside its .mo.
`make translations` extracts the pages' text and updates every catalog.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Union

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup, escape

LOCALE_DIR = Path(__file__).parent / "locale"
SOURCE_LANGUAGE = "en"
# Each language the pages speak, by its own name (the profile's choices).
LANGUAGES = {"en": "English", "fr": "Français"}

_SOURCE = gettext.NullTranslations()
_current: ContextVar[gettext.NullTranslations | None] = ContextVar("translations", default=None)


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalog of `language` (the source text for English or a language without one)."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == SOURCE_LANGUAGE or language not in LANGUAGES or not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled)


def choose_language(chosen: str | None, accept_language: str | None) -> str:
    """The user's own choice when it is one we speak, else the browser's best match, else English."""
    if chosen in LANGUAGES:
        return chosen
    wanted = []
    for part in (accept_language or "").split(","):
        tag, _, quality = part.strip().partition(";q=")
        try:
            weight = float(quality) if quality else 1.0
        except ValueError:
            continue
        if tag and tag != "*" and weight > 0:
            wanted.append((weight, tag.replace("-", "_")))
    preferred = [tag for _, tag in sorted(wanted, key=lambda w: -w[0])]
    try:
        best = Locale.negotiate(preferred, list(LANGUAGES), sep="_") if preferred else None
    except (UnknownLocaleError, ValueError):
        best = None
    return best.language if best is not None and best.language in LANGUAGES else SOURCE_LANGUAGE


def weekday_names(language: str) -> list[str]:
    """Monday to Sunday in the language, as its own speakers write them in a list."""
    try:
        wide = Locale.parse(language).days["format"]["wide"]
    except (UnknownLocaleError, ValueError):
        wide = Locale.parse(SOURCE_LANGUAGE).days["format"]["wide"]
    return [str(wide[day]) for day in range(7)]  # Babel counts 0 as Monday, as we do


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Render what is inside in `language` (the pages' gettext calls read it)."""
    token = _current.set(translations(language))
    try:
        yield
    finally:
        _current.reset(token)


def _now() -> gettext.NullTranslations:
    return _current.get() or _SOURCE


def gettext_now(message: str) -> str:
    return _now().gettext(message)


def ngettext_now(singular: str, plural: str, count: int) -> str:
    return _now().ngettext(singular, plural, count)


def pgettext_now(context: str, message: str) -> str:
    return _now().pgettext(context, message)


def npgettext_now(context: str, singular: str, plural: str, count: int) -> str:
    return _now().npgettext(context, singular, plural, count)


# A value of Said: text, a number, other words (read in the same language), or a list of them ("; ").
Value = Union[str, int, "Said", list["Said"]]  # Union: `|` cannot join a forward reference


@dataclass(frozen=True)
class Said:
    """Words a page shows later than they are said (a notice kept across a redirect, a title handed to a
    template): kept in English with their values, read in the reader's language when the page is drawn.
    `make translations` finds them by the calls `said(…)` and `said_n(…)`."""

    message: str
    values: Mapping[str, Value] = field(default_factory=dict)
    plural: str | None = None
    count: int = 0

    def __str__(self) -> str:
        text = (
            ngettext_now(self.message, self.plural, self.count) if self.plural else gettext_now(self.message)
        )
        if not self.values and not self.plural:
            return text
        return text % {"num": self.count, **{name: _shown(value) for name, value in self.values.items()}}

    def __html__(self) -> str:
        return str(escape(str(self)))

    def kept(self) -> dict[str, object]:
        """As the session keeps it (JSON)."""
        values = {name: _kept(value) for name, value in self.values.items()}
        return {"said": self.message, "values": values, "plural": self.plural, "count": self.count}


def _shown(value: Value) -> str | int:
    if isinstance(value, list):
        return "; ".join(str(one) for one in value)
    return str(value) if isinstance(value, Said) else value


def _kept(value: Value) -> object:
    if isinstance(value, list):
        return [one.kept() for one in value]
    return value.kept() if isinstance(value, Said) else value


def said(message: str, **values: Value) -> Said:
    return Said(message, values)


def said_n(singular: str, plural: str, count: int, **values: Value) -> Said:
    """A plural: `%(num)s` is the count."""
    return Said(singular, values, plural, count)


def heard(kept: object) -> Said | str | None:
    """Words the session kept (`Said.kept()`), or plain text kept before there were languages."""
    if isinstance(kept, dict) and isinstance(kept.get("said"), str):
        raw = kept.get("values")
        values = (
            {str(name): _heard_value(value) for name, value in raw.items()} if isinstance(raw, dict) else {}
        )
        plural = kept.get("plural") if isinstance(kept.get("plural"), str) else None
        count = kept.get("count") if isinstance(kept.get("count"), int) else 0
        return Said(kept["said"], values, plural, count)
    return kept if isinstance(kept, str) else None


def _heard_value(value: object) -> Value:
    if isinstance(value, list):
        return [one for one in map(heard, value) if isinstance(one, Said)]
    if isinstance(value, dict):
        return heard(value) or ""
    return value if isinstance(value, str | int) else str(value)


# The pages' gettext, as Jinja's newstyle gettext behaves (the translation, made Markup where the page is
# escaped, always formatted with its named values), in one call. Jinja's own goes through three
# Context.call()s a word (`_` → `gettext` → ours): 40 µs a word, 180 ms on a month of 1,000 posts.
def _format(eval_ctx: EvalContext, text: str, values: dict[str, object]) -> str:
    if not eval_ctx.autoescape:
        return text % values
    # Each value escaped first, then one plain format: what Markup's own % does, without its per-value
    # helper objects (a number needs no escaping).
    escaped = {name: value if type(value) is int else escape(value) for name, value in values.items()}
    return Markup(text % escaped)


@pass_eval_context
def _page_gettext(eval_ctx: EvalContext, message: str, /, **values: object) -> str:
    return _format(eval_ctx, gettext_now(message), values)


@pass_eval_context
def _page_ngettext(eval_ctx: EvalContext, singular: str, plural: str, n: int, /, **values: object) -> str:
    values.setdefault("num", n)
    return _format(eval_ctx, ngettext_now(singular, plural, n), values)


@pass_eval_context
def _page_pgettext(eval_ctx: EvalContext, context: str, message: str, /, **values: object) -> str:
    values.setdefault("context", context)
    return _format(eval_ctx, pgettext_now(context, message), values)


@pass_eval_context
def _page_npgettext(
    eval_ctx: EvalContext, context: str, singular: str, plural: str, n: int, /, **values: object
) -> str:
    values.setdefault("context", context)
    values.setdefault("num", n)
    return _format(eval_ctx, npgettext_now(context, singular, plural, n), values)


def page_callables() -> dict[str, object]:
    """The globals a page's template calls for its words (in place of those of jinja2.ext.i18n)."""
    return {
        "_": _page_gettext,
        "gettext": _page_gettext,
        "ngettext": _page_ngettext,
        "pgettext": _page_pgettext,
        "npgettext": _page_npgettext,
    }
