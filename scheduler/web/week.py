"""Which day a week begins on, as the reader's locale has it (CLDR's data, through Babel): Sunday in the
United States, Saturday in much of the Middle East, Monday in most of Europe. The browser says the
locale (Accept-Language); Monday when it says none we know."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta

from babel import Locale, UnknownLocaleError
from babel.core import get_global

MONDAY = 0


def first_weekday(accept_language: str | None) -> int:
    """0 (Monday) to 6 (Sunday), for the first language in the header that names a known locale."""
    ranked = []
    for order, piece in enumerate((accept_language or "").split(",")[:10]):
        tag, _, params = piece.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and tag != "*":
            ranked.append((-quality, order, tag))
    for _, _, tag in sorted(ranked):
        try:
            locale = Locale.parse(tag.replace("_", "-"), sep="-")
        except (UnknownLocaleError, ValueError, TypeError):
            continue
        if locale.territory is None:
            # A language alone ("en") says nothing of the week; its most likely region does (en: US).
            likely = get_global("likely_subtags").get(locale.language)
            with contextlib.suppress(UnknownLocaleError, ValueError):
                locale = Locale.parse(likely) if likely else locale
        return int(locale.first_week_day)
    return MONDAY


def week_start(day: date, first: int = MONDAY) -> date:
    """The first day of the week `day` is in, for weeks that begin on `first`."""
    return day - timedelta(days=(day.weekday() - first) % 7)
