"""Rendered cards on disk, named by their key (the hash of template, data, theme and size).

The same card asked for twice is read from disk without starting a browser; a corrected quote or an
edited template has a new key, so a new file, and the old one stays for posts that already use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scheduler.render.atomic import write_atomically
from scheduler.render.browser import CardRenderer
from scheduler.render.cards import CardPage

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class StoredCard:
    path: Path
    key: str
    template: str
    width: int
    height: int
    # False when the file was already there and no browser was needed.
    rendered: bool


class CardStore:
    def __init__(self, media_dir: Path) -> None:
        self.root = media_dir / "cards"

    def path_for(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.png"

    def find(self, key: str) -> Path | None:
        path = self.path_for(key)
        try:
            with path.open("rb") as handle:
                return path if handle.read(8) == PNG_SIGNATURE else None
        except OSError:
            return None

    def save(self, key: str, png: bytes) -> Path:
        return write_atomically(self.path_for(key), png)


def render_card(renderer: CardRenderer, store: CardStore, page: CardPage) -> StoredCard:
    """The card's PNG from the store, rendered and saved first when it is not there yet."""
    found = store.find(page.key)
    if found is not None:
        return StoredCard(found, page.key, page.template, page.size.width, page.size.height, rendered=False)
    card = renderer.render(page)
    path = store.save(page.key, card.png)
    return StoredCard(path, page.key, page.template, page.size.width, page.size.height, rendered=True)
