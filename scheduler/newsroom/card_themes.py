"""An account's card theme as an editor changes it: colours, fonts and label checked before they are kept,
and a logo kept in the media folder under its hash."""

from __future__ import annotations

import hashlib
from pathlib import Path

from scheduler.models import Account
from scheduler.render import RenderError
from scheduler.render.cards import Theme, ThemeError, check_theme, image_data_uri


def change_theme(account: Account, changes: dict[str, str | None], *, remove_logo: bool = False) -> Theme:
    """Change some of the account's theme (None: keep); ThemeError (or RenderError for a logo that is
    not an image) when the result cannot go into a card, and then nothing changes."""
    current = dict(account.options.get("theme") or {})
    updated = {**current, **{name: value for name, value in changes.items() if value is not None}}
    if remove_logo:
        updated.pop("logo", None)
    try:
        theme = check_theme(Theme(**updated))
    except TypeError as error:
        raise ThemeError(f"unknown theme setting: {error}") from None
    if updated != current:
        account.options = {**account.options, "theme": updated}
    return theme


def keep_logo(data: bytes, suffix: str, media_dir: Path) -> str:
    """A copy of a logo in the media folder, named by its hash: cards keep working if the original moves.
    RenderError when it is not a PNG, JPEG or GIF image (and then nothing is kept)."""
    folder = media_dir / "logos"
    folder.mkdir(parents=True, exist_ok=True)
    suffix = suffix.lower() if suffix.lower() in (".png", ".jpg", ".jpeg", ".gif") else ".png"
    kept = folder / f"{hashlib.sha256(data).hexdigest()}{suffix}"
    if not kept.exists():
        temporary = kept.with_name(f".{kept.name}.tmp")
        temporary.write_bytes(data)
        try:
            image_data_uri(temporary, what="logo")
        except RenderError:
            temporary.unlink(missing_ok=True)
            raise
        temporary.replace(kept)
    return str(kept)
