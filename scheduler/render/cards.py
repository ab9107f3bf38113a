"""Quote cards as HTML: what a card shows, its sizes, the account's theme, its alt text and its key.

Designers own the look: `templates/cards/<name>.html.j2`, rendered in Jinja2's sandbox with HTML
autoescaping. This module knows nothing of the browser that turns the HTML into a PNG (browser.py).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from scheduler.render import RenderError
from scheduler.render.missing import NEEDS, EditorSandbox
from scheduler.render.sandbox import render_bounded
from scheduler.render.templates import located_error

CARD_TEMPLATES = ("quote", "headline", "breaking")


@dataclass(frozen=True)
class CardSize:
    width: int
    height: int

    @property
    def name(self) -> str:
        return f"{self.width}x{self.height}"

    @property
    def orientation(self) -> str:
        if self.width == self.height:
            return "square"
        return "landscape" if self.width > self.height else "portrait"


# What the networks show best: 1200×675 (16:9) in X, Bluesky and Mastodon timelines; square and 4:5 portrait
# for feeds that favour tall images; 1200×630 for link previews (Open Graph).
SIZES: dict[str, CardSize] = {
    "landscape": CardSize(1200, 675),
    "square": CardSize(1080, 1080),
    "portrait": CardSize(1080, 1350),
    "link": CardSize(1200, 630),
}
DEFAULT_SIZE = SIZES["landscape"]
# Past these, Chromium's screenshot and the networks' upload limits both suffer.
MAX_SIDE = 4096
MIN_SIDE = 200

# Alt text limits in characters: X 1,000 (media metadata), Mastodon 1,500 (media description),
# Bluesky 2,000 (the app's limit; the lexicon sets none).
ALT_TEXT_LIMITS = {"x": 1000, "mastodon": 1500, "bluesky": 2000, "outbox": 1500}

# Images a card may embed, by their first bytes; anything else is refused before the browser sees it.
IMAGE_TYPES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}
MAX_IMAGE_BYTES = 10_000_000

HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
FONT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 \-]{0,62}")
# After the theme's own font: fonts that cover Latin, Arabic, Hebrew, CJK and emoji, all local (Debian's
# fonts-inter, fonts-noto-core, fonts-noto-cjk, fonts-noto-color-emoji).
FALLBACK_FONTS = (
    "Inter",
    "Noto Sans",
    "Noto Sans Arabic",
    "Noto Sans Hebrew",
    "Noto Sans CJK SC",
    "Noto Sans Symbols",
    "Noto Sans Symbols 2",
    "Noto Color Emoji",
)


def parse_size(text: str) -> CardSize:
    """`1080x1080` or a named size (`landscape`, `square`, `portrait`, `link`)."""
    text = text.strip().lower()
    if text in SIZES:
        return SIZES[text]
    match = re.fullmatch(r"(\d{2,5})\s*[x×]\s*(\d{2,5})", text)
    if not match:
        names = ", ".join(f"{name} ({size.name})" for name, size in SIZES.items())
        raise RenderError(f"card size {text!r} is not WIDTHxHEIGHT (such as 1080x1080) nor one of {names}")
    size = CardSize(int(match[1]), int(match[2]))
    if not (MIN_SIDE <= size.width <= MAX_SIDE and MIN_SIDE <= size.height <= MAX_SIDE):
        raise RenderError(
            f"card size {size.name}: each side must be between {MIN_SIDE} and {MAX_SIDE} pixels"
        )
    return size


class ThemeError(ValueError):
    """A theme value that cannot go into a card; the message says which and what is accepted, and
    `field` names the setting ("background", "font_family", "logo"), when it is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Theme:
    """An account's look, read by card templates. Colours are CSS hex; the logo is a local image file."""

    background: str = "#0f172a"
    foreground: str = "#f8fafc"
    accent: str = "#f59e0b"
    font_family: str = "Inter"
    logo: str | None = None

    @classmethod
    def from_options(cls, options: dict[str, Any] | None) -> Theme:
        values = dict(options or {})
        unknown = set(values) - {f for f in cls.__dataclass_fields__}
        if unknown:
            raise ThemeError(f"unknown theme setting(s) {', '.join(sorted(unknown))}")
        return check_theme(cls(**values))

    def font_stack(self) -> str:
        names = [self.font_family, *(f for f in FALLBACK_FONTS if f != self.font_family)]
        return ", ".join(f"'{name}'" for name in names) + ", sans-serif"


def check_theme(theme: Theme) -> Theme:
    for name in ("background", "foreground", "accent"):
        value = getattr(theme, name)
        if not isinstance(value, str) or not HEX_COLOUR.fullmatch(value):
            raise ThemeError(f"theme {name} {value!r} is not a colour like #1a2b3c or #abc", field=name)
    if not isinstance(theme.font_family, str) or not FONT_NAME.fullmatch(theme.font_family):
        raise ThemeError(
            f"theme font {theme.font_family!r} is not a font family name (letters, digits, spaces, hyphens)",
            field="font_family",
        )
    if theme.logo is not None:
        image_data_uri(Path(theme.logo), what="theme logo")
    return theme


@dataclass(frozen=True)
class CardContent:
    """What one card shows. `image` is a local file (the article's lead image, fetched beforehand)."""

    title: str = ""
    quote: str = ""
    speaker: str = ""
    site: str = ""
    image: str | None = None
    label: str = "Breaking"


@dataclass(frozen=True)
class CardPage:
    """A card ready for the browser: its HTML, its size and the key its PNG is stored under."""

    template: str
    html: str
    size: CardSize
    key: str
    content: CardContent = field(repr=False)


def alt_text(template: str, content: CardContent, limit: int) -> str:
    """The card described in words, within `limit` characters: the quote is shortened first, at a word."""
    credit = ", ".join(part for part in (content.speaker, content.site) if part)
    if template == "quote":
        head, body, tail = "Quote card: “", content.quote, f"”{' — ' + credit if credit else ''}."
    elif template == "breaking":
        head, body, tail = f"{content.label or 'Breaking'} news card: ", content.title, _site_tail(content)
    else:
        head, body, tail = "Headline card: ", content.title, _site_tail(content)
    room = limit - len(head) - len(tail)
    if room < 20:
        tail = "."
        room = limit - len(head) - len(tail)
    return head + _shorten(body.strip(), room) + tail


def _site_tail(content: CardContent) -> str:
    return f" — {content.site}." if content.site else "."


def _shorten(text: str, room: int) -> str:
    text = " ".join(text.split())
    if len(text) <= room:
        return text
    cut = text[: room - 1]
    if " " in cut[room // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:—-") + "…"


@lru_cache(maxsize=8)
def card_environment(templates_dir: Path) -> EditorSandbox:
    """The sandbox post templates use, with HTML autoescaping: article text can never become markup."""
    return EditorSandbox(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def card_template_names(templates_dir: Path) -> list[str]:
    """Every card template designers have added (`cards/<name>.html.j2`; `_`-prefixed files are parts)."""
    folder = templates_dir / "cards"
    return sorted(p.name.removesuffix(".html.j2") for p in folder.glob("[!_]*.html.j2"))


def card_page(
    templates_dir: Path, template: str, content: CardContent, theme: Theme, size: CardSize
) -> CardPage:
    """The card's HTML from its template; RenderError names the file and line of a template problem."""
    env = card_environment(templates_dir)
    name = f"cards/{template}.html.j2"
    try:
        compiled = env.get_template(name)
    except jinja2.TemplateNotFound as error:
        known = ", ".join(card_template_names(templates_dir)) or "none"
        if error.name != name:
            raise RenderError(f"{name}: includes {error.name}, which does not exist", template=name) from None
        raise RenderError(
            f"no card template {template!r}: add {name} under {templates_dir} (cards there: {known})"
        ) from None
    except jinja2.TemplateSyntaxError as error:
        where = error.name or name
        raise RenderError(
            f"{where}, line {error.lineno}: {error.message}",
            template=error.name or name,
            line=error.lineno,
            reason=error.message,
        ) from None
    context = {
        "card": {**asdict(content), "image": _optional_image(content.image, "lead image")},
        "theme": {
            **asdict(theme),
            "font_stack": Markup(theme.font_stack()),
            "logo": _optional_image(theme.logo, "logo"),
        },
        "size": {
            "width": size.width,
            "height": size.height,
            "name": size.name,
            "orientation": size.orientation,
        },
        "template": template,
    }
    try:
        html = render_bounded(compiled, context)
    except jinja2.UndefinedError as error:
        raise located_error(compiled, error, _undefined_reason(error.message or "", context)) from None
    except Exception as error:  # the designer's template, not our code: say where
        raise located_error(compiled, error) from None
    return CardPage(template, html, size, card_key(templates_dir, template, content, theme, size), content)


MISSING_KEY = re.compile(r"has no attribute '(?P<field>\w+)'|'(?P<name>\w+)' is undefined")


def _undefined_reason(message: str, context: dict[str, Any]) -> str:
    """Name what a card template can use, not Jinja's "'dict object' has no attribute"."""
    if message.startswith(NEEDS):  # a field without a value: the message says what to do
        return message
    match = MISSING_KEY.search(message)
    fields = "; ".join(
        f"{name} has {', '.join(value)}" for name, value in context.items() if isinstance(value, dict)
    )
    if match and match["field"]:
        return f"no field {match['field']!r}: {fields}"
    if match and match["name"]:
        return f"{match['name']!r} is not known to card templates: they see card, theme, size ({fields})"
    return f"{message}; check the names the template uses"


def card_key(templates_dir: Path, template: str, content: CardContent, theme: Theme, size: CardSize) -> str:
    """The hash a card's PNG is stored under: every template file, the data, the theme, the size.

    A correction to the quote, a new logo or an edited template each make a new key, so a new file.
    """
    digest = hashlib.sha256()
    digest.update(RENDERER_VERSION.encode())
    for path in sorted((templates_dir / "cards").glob("*.j2")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    data = {"template": template, "content": asdict(content), "theme": asdict(theme), "size": size.name}
    for label, path in (("image", content.image), ("logo", theme.logo)):
        if path:
            data[f"{label}_sha256"] = _file_hash(Path(path))
    digest.update(json.dumps(data, sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()


# Bumped when the fitting script or screenshot settings change what a card looks like.
RENDERER_VERSION = "cards-1"


def _optional_image(path: str | None, what: str) -> str | None:
    return image_data_uri(Path(path), what=what) if path else None


def image_data_uri(path: Path, *, what: str = "image") -> str:
    """A local PNG, JPEG or GIF as a data: URI, so the page loads nothing from anywhere."""
    stat = _stat(path, what)
    return _data_uri(str(path), stat.st_mtime_ns, stat.st_size, what)


@lru_cache(maxsize=64)
def _data_uri(path: str, _mtime: int, size: int, what: str) -> str:
    if size > MAX_IMAGE_BYTES:
        raise RenderError(f"{what} {path} is {size:,} bytes; at most {MAX_IMAGE_BYTES:,} are accepted")
    data = Path(path).read_bytes()
    mime = next((m for magic, m in IMAGE_TYPES.items() if data.startswith(magic)), None)
    if mime is None:
        raise RenderError(f"{what} {path} is not a PNG, JPEG or GIF image")
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def _file_hash(path: Path) -> str:
    _stat(path, "image")
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _stat(path: Path, what: str) -> Any:
    try:
        stat = path.stat()
    except OSError:
        raise RenderError(f"{what} {path} does not exist") from None
    if not path.is_file():
        raise RenderError(f"{what} {path} is not a file")
    return stat
