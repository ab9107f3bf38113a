"""Errors in the words of the face the user is in.

The domain writes what a user must do once, naming each option or command of the CLI between « »:
`give a later time, or «--now» to post at once`. Plain str() reads them as the CLI spells them (the
CLI, logs); the web pages and the API each give their own words for them (`worded`): a form's field,
a JSON member. An option a face has no words for reads as the CLI's.
"""

from __future__ import annotations

import re
from collections.abc import Callable

MARK = re.compile(r"«([^«»]+)»")


def plain(message: str) -> str:
    """The message as the CLI reads it: its marked options as the CLI spells them."""
    return MARK.sub(r"\1", message)


def worded(error: BaseException | str, words: Callable[[str], str]) -> str:
    """The error's message with each marked option in a face's `words` (web.words.page_words, say)."""
    message = error if isinstance(error, str) else marked(error)
    return MARK.sub(lambda found: words(found[1]), message)


def marked(error: BaseException) -> str:
    """The error's message as the domain wrote it, marks and all."""
    first = error.args[0] if error.args else ""
    return first if isinstance(first, str) else str(error)


class Worded:
    """A mixin for the domain's errors: str() gives the CLI's words, `marked` keeps the marks."""

    def __str__(self) -> str:
        return plain(marked(self))  # type: ignore[arg-type]
