"""Rendering: post text from editors' templates, fitted and counted as each network counts."""

from __future__ import annotations


class RenderError(ValueError):
    """A post that cannot be rendered; the message names the template and what went wrong.

    `template` and `line` say where, when it is known; `reason` is the message without the place.
    """

    def __init__(
        self, message: str, *, template: str | None = None, line: int | None = None, reason: str | None = None
    ) -> None:
        super().__init__(message)
        self.template = template
        self.line = line
        self.reason = reason or message
