"""Words of the pages' templates that are not marked for translation: the text between tags, and the
attributes a reader sees or hears (title, placeholder, aria-label, alt, label, a button's value).

A template's source is lexed by Jinja: its expressions, statements and {% trans %} blocks become a
placeholder, and what is left is read as HTML. Run as a script, it lists what is left to mark.
"""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path

from jinja2 import Environment

TEMPLATES = Path(__file__).parents[2] / "scheduler" / "web" / "templates"
SEEN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "label", "aria-description"}
# Names that are the same in every language (and the scheme of an example address).
KEPT = {
    "Mastodon",
    "Bluesky",
    "X",
    "Scheduler",
    "UTC",
    "ISO",
    "CSV",
    "API",
    "IANA",
    "JSON",
    "YAML",
    "PNG",
    "https",
}
WORD = re.compile(r"[^\W\d_]{2,}")
HOLE = "\x00"
# Attributes a macro writes into its caller's tag (` aria-invalid="true"`): not text.
ATTRIBUTES = re.compile(r'(?:\s*[a-z-]+(?:="[^"]*")?)+\s*')
GETTEXT = {"_", "gettext", "ngettext", "pgettext", "npgettext"}


def _literal_texts(tokens: list[tuple[int, str, str]]) -> list[tuple[int, str]]:
    """String literals in expressions that read as words (a macro's title, a default) and are not
    an argument of a gettext call."""
    found = []
    calls: list[bool] = []  # for each open parenthesis: is it a gettext call's
    for index, (line, kind, value) in enumerate(tokens):
        if kind == "operator" and value == "(":
            before = tokens[index - 1] if index else (0, "", "")
            calls.append(before[1] == "name" and before[2] in GETTEXT)
        elif kind == "operator" and value == ")" and calls:
            calls.pop()
        elif kind == "string" and " " in value[1:-1].strip() and WORD.search(value) and not any(calls):
            following = next((t for t in tokens[index + 1 :] if t[1] != "whitespace"), (0, "", ""))
            if following[1:] == ("operator", ":"):
                continue  # a key of a mapping (the scripts' words, keyed by their English), not shown
            found.append((line, value))
    return found


def _marked_out(source: str, env: Environment) -> str:
    """The source with every Jinja part (and every {% trans %} block) replaced by a placeholder."""
    out: list[str] = []
    in_trans = 0
    tokens = list(env.lex(source))
    previous = ""  # the kind of the last token that is not whitespace
    for _, kind, value in tokens:
        if kind == "name" and previous == "block_begin":
            if value == "trans":
                in_trans += 1
            elif value == "endtrans":
                in_trans -= 1
        if kind == "data" and not in_trans:
            out.append(value)
        elif not out or out[-1] != f" {HOLE} ":
            out.append(f" {HOLE} ")  # spaced: `<tr{% if … %} class="x"{% endif %}>` still reads as a tag
        if kind != "whitespace":
            previous = kind
    return "".join(out)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._skip = 0

    def _check(self, text: str) -> None:
        words = [w for w in WORD.findall(text.replace(HOLE, " ")) if w not in KEPT]
        if words and not ("=" in text and ATTRIBUTES.fullmatch(text.replace(HOLE, "x"))):
            self.found.append((self.getpos()[0], text.replace(HOLE, "…").strip()))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        kind = dict(attrs).get("type")
        for name, value in attrs:
            shown = name == "value" and tag == "input" and kind in ("submit", "button", "reset")
            if value and (name in SEEN_ATTRIBUTES or shown):
                self._check(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._check(data)


def untranslated(path: Path, env: Environment) -> list[tuple[int, str]]:
    source = path.read_text(encoding="utf-8")
    reader = _Reader()
    reader.feed(_marked_out(source, env))
    reader.close()
    return sorted(reader.found + _literal_texts(list(env.lex(source))))


def all_untranslated(env: Environment) -> dict[str, list[tuple[int, str]]]:
    found = {p.name: untranslated(p, env) for p in sorted(TEMPLATES.glob("*.html"))}
    return {name: words for name, words in found.items() if words}


if __name__ == "__main__":
    from scheduler.web.pages import templates

    left = all_untranslated(templates.env)
    for name, words in left.items():
        for line, text in words:
            print(f"{name}:{line}: {' '.join(text.split())[:100]}")
    print(f"{sum(map(len, left.values()))} texts left in {len(left)} templates", file=sys.stderr)
