"""Asking before what cannot be undone, and offering to undo what can.

Asking: a form's first submission answers with a page that says what will happen and asks again; only
the second, carrying `confirmed=yes`, acts. Server-side, so it holds without JavaScript. Undoing: the
page after a change that can be reversed (disabling a user, pausing an account) carries a button that
reverses it, drawn by `_undo.html`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from fastapi import Request
from fastapi.responses import Response

from scheduler.web.auth import Viewer
from scheduler.web.i18n import Said
from scheduler.web.pages import page

CONFIRMED = "confirmed"


@dataclass(frozen=True)
class Undo:
    """The form that reverses a change just made: where it posts, and its button's words."""

    action: str
    label: Said
    fields: Mapping[str, str] = field(default_factory=dict)  # sent with it (what to give back)


def ask_first(
    request: Request,
    viewer: Viewer,
    *,
    question: Said,
    consequence: Said,
    yes: Said,
    back: str,
    fields: Mapping[str, str] | None = None,
) -> Response:
    """The page that asks `question`, says the `consequence`, and sends the same form again (its
    `fields` and confirmed=yes) to the same address on `yes`; `back` leaves without doing anything."""
    return page(
        request,
        "confirm.html",
        viewer,
        question=question,
        consequence=consequence,
        yes=yes,
        back=back,
        action=request.url.path,
        fields=dict(fields or {}),
        confirmed_field=CONFIRMED,
    )
