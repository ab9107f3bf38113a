"""Card HTML to PNG in headless Chromium (Debian's package, driven by Playwright), one warm browser reused.

Starting Chromium costs most of a second; a card in a warm page costs tens of milliseconds. So a
process keeps one browser and one page, started on first use (after a Celery worker forks) and closed
at exit. The page has JavaScript off (templates cannot run scripts) and may load nothing but the
data: URIs the card HTML carries; our own fitting script runs through the DevTools protocol.
"""

from __future__ import annotations

import atexit
import base64
import os
import re
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scheduler.render import RenderError
from scheduler.render.cards import CardPage, CardSize

INSTALL_COMMAND = (
    "sudo apt-get install chromium fonts-inter fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji"
)
# Keep Chromium off the network and quiet: no update checks, no sync, no first-run work.
CHROMIUM_FLAGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-extensions",
    "--mute-audio",
    "--no-default-browser-check",
    "--disable-domain-reliability",
    "--disable-breakpad",
    "--font-render-hinting=none",
)
PAGE_TIMEOUT_MS = 15_000
REFRESH = re.compile(r"""http-equiv\s*=\s*["']?\s*refresh""", re.IGNORECASE)

FIT_SCRIPT = (Path(__file__).parent / "card_fit.js").read_text(encoding="utf-8")
GLYPH_SCRIPT = (Path(__file__).parent / "card_glyphs.js").read_text(encoding="utf-8")


class ChromiumMissing(RenderError):
    """No Chromium where we look: the message carries the command that installs it."""


class CardOverflow(RenderError):
    """Text that does not fit its box even at the template's smallest font size."""


@dataclass(frozen=True)
class Overflow:
    box: str
    text: str  # its first 200 characters
    length: int  # in characters as people count them (graphemes)
    overflow_px: float
    min_px: float | None


@dataclass(frozen=True)
class PageReport:
    """What the fitting script measured: each fitted box's font size, and every box that overflows."""

    font_sizes: dict[str, float]
    overflows: tuple[Overflow, ...]
    # Filled when glyphs are checked: graphemes drawn with no glyph (an empty box or nothing).
    missing_glyphs: tuple[str, ...] = ()
    fonts: tuple[str, ...] = ()


@dataclass(frozen=True)
class RenderedCard:
    png: bytes
    size: CardSize
    report: PageReport = field(repr=False)


def chromium_path(configured: Path | None) -> Path:
    """The Chromium binary: SCHEDULER_CHROMIUM_PATH, else Debian's /usr/bin/chromium, else one on PATH."""
    if configured is not None:
        candidates = [configured]
    else:
        found = shutil.which("chromium") or shutil.which("chromium-browser")
        candidates = [Path("/usr/bin/chromium"), *([Path(found)] if found else [])]
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return path
    where = f"at {configured} (SCHEDULER_CHROMIUM_PATH)" if configured else "at /usr/bin/chromium nor on PATH"
    raise ChromiumMissing(
        f"cards need Chromium and it is not {where}: install it with `{INSTALL_COMMAND}` "
        "(or `make install`), or set SCHEDULER_CHROMIUM_PATH to its binary"
    )


class CardRenderer:
    """One headless Chromium and one page, reused for every card this process renders."""

    def __init__(self, chromium: Path | None = None) -> None:
        self._configured = chromium
        self._lock = threading.Lock()
        self._playwright: Any = None
        self._browser: Any = None
        self._page: Any = None
        self._cdp: Any = None
        self._size: CardSize | None = None
        self._blocked: list[str] = []
        self._pid = 0

    def __enter__(self) -> CardRenderer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def started(self) -> bool:
        return self._browser is not None and self._pid == os.getpid()

    def start(self) -> None:
        if self.started:
            return
        binary = chromium_path(self._configured)
        from playwright.sync_api import Error, sync_playwright

        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=str(binary), headless=True, args=list(CHROMIUM_FLAGS), timeout=PAGE_TIMEOUT_MS
            )
        except Error as error:
            self._playwright.stop()
            self._playwright = None
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else "no reason given"
            raise ChromiumMissing(
                f"Chromium at {binary} did not start ({first_line}); reinstall it with `{INSTALL_COMMAND}`"
            ) from None
        self._pid = os.getpid()
        self._new_page()

    def _new_page(self) -> None:
        context = self._browser.new_context(
            java_script_enabled=False, device_scale_factor=1, viewport={"width": 1200, "height": 675}
        )
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        context.route("**/*", self._refuse)
        self._page = context.new_page()
        self._cdp = context.new_cdp_session(self._page)
        self._size = None

    def _refuse(self, route: Any) -> None:
        # data: URIs never reach here; anything that does would leave the machine or read its files.
        self._blocked.append(route.request.url)
        route.abort("blockedbyclient")

    def close(self) -> None:
        if self._playwright is not None and self._pid == os.getpid():
            try:
                self._browser.close()
            finally:
                self._playwright.stop()
        self._playwright = self._browser = self._page = self._cdp = None

    def render(self, card: CardPage, *, check_glyphs: bool = False) -> RenderedCard:
        """The card as a PNG of exactly its size, its text fitted; CardOverflow when text cannot fit."""
        with self._lock:
            self.start()
            try:
                return self._render(card, check_glyphs)
            except RenderError:
                raise
            except Exception as error:  # a crashed or hung page: start afresh next time, say what happened
                self._restart()
                raise RenderError(
                    f"{card.template} card at {card.size.name}: Chromium failed: {error}"
                ) from None

    def _render(self, card: CardPage, check_glyphs: bool) -> RenderedCard:
        page = self._page
        if self._size != card.size:
            page.set_viewport_size({"width": card.size.width, "height": card.size.height})
            self._size = card.size
        if REFRESH.search(card.html):
            raise RenderError(
                f"cards/{card.template}.html.j2 refreshes the page (meta http-equiv=refresh): "
                "a card is one still page; remove it"
            )
        if page.url != "about:blank":  # a previous card navigated away after all: start clean
            self._restart_page()
            page = self._page
        self._blocked.clear()
        page.set_content(card.html, wait_until="load")
        if self._blocked:
            raise RenderError(
                f"cards/{card.template}.html.j2 loads {self._blocked[0]}: a card may only show what it is "
                "given (card.image, theme.logo) and the fonts installed on this machine"
            )
        report = self._evaluate(FIT_SCRIPT)
        fitted = _page_report(report)
        if check_glyphs:
            glyphs = self._evaluate(GLYPH_SCRIPT)
            fitted = PageReport(
                fitted.font_sizes, fitted.overflows, tuple(glyphs["missing"]), tuple(self._fonts_used())
            )
        if fitted.overflows:
            raise CardOverflow(_overflow_message(card, fitted.overflows))
        shot = self._cdp.send(
            "Page.captureScreenshot",
            {
                "format": "png",
                "clip": {"x": 0, "y": 0, "width": card.size.width, "height": card.size.height, "scale": 1},
                "optimizeForSpeed": True,
                "captureBeyondViewport": False,
            },
        )
        if self._blocked or page.url != "about:blank":
            where = self._blocked[0] if self._blocked else page.url
            self._restart_page()
            raise RenderError(
                f"cards/{card.template}.html.j2 leaves the card for {where}: a card may only show what it "
                "is given (card.image, theme.logo) and the fonts installed on this machine"
            )
        return RenderedCard(base64.b64decode(shot["data"]), card.size, fitted)

    def _evaluate(self, script: str) -> Any:
        # Runtime.evaluate works with the page's own JavaScript switched off.
        result = self._cdp.send(
            "Runtime.evaluate", {"expression": script, "awaitPromise": True, "returnByValue": True}
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            message = details.get("exception", {}).get("description") or details.get("text")
            raise RenderError(f"measuring the card failed: {message}")
        return result["result"]["value"]

    def _fonts_used(self) -> list[str]:
        """The font files Chromium drew the card's text with (DevTools' CSS.getPlatformFontsForNode)."""
        cdp = self._cdp
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": -1})["root"]
        nodes = cdp.send("DOM.querySelectorAll", {"nodeId": root["nodeId"], "selector": "body *"})["nodeIds"]
        fonts: set[str] = set()
        for node in nodes:
            for font in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]:
                fonts.add(font["familyName"])
        cdp.send("CSS.disable")
        cdp.send("DOM.disable")
        return sorted(fonts)

    def _restart_page(self) -> None:
        self._page.context.close()
        self._new_page()

    def _restart(self) -> None:
        try:
            self.close()
        except Exception:  # already gone: nothing to close
            self._playwright = self._browser = self._page = self._cdp = None


def _page_report(value: dict[str, Any]) -> PageReport:
    overflows = tuple(
        Overflow(item["box"], item["text"], int(item["length"]), float(item["overflow"]), item.get("min"))
        for item in value["overflows"]
    )
    return PageReport({k: float(v) for k, v in value["sizes"].items()}, overflows)


def _overflow_message(card: CardPage, overflows: tuple[Overflow, ...]) -> str:
    first = overflows[0]
    floor = f" even at its smallest font size ({first.min_px:g} px)" if first.min_px else ""
    plural = "" if first.length == 1 else "s"
    what = f"the {first.box} ({first.length} character{plural})" if first.length else f"the {first.box}"
    advice = "choose a shorter quote" if first.box == "quote" else f"shorten the {first.box}"
    if card.size.height < 1350:
        advice += " or a taller card size (such as 1080x1350)"
    return (
        f"{what} does not fit the {card.template} card at {card.size.name}{floor} "
        f"({first.overflow_px:.0f} px over): {advice}"
    )


_shared: CardRenderer | None = None
_shared_lock = threading.Lock()


def shared_renderer(chromium: Path | None = None) -> CardRenderer:
    """This process's warm renderer (a Celery worker process keeps one for its life)."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared._pid not in (0, os.getpid()):
            _shared = CardRenderer(chromium)
            atexit.register(_shared.close)
        return _shared
