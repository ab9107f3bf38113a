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
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

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
