"""Quote marks in a paragraph: which marks open and close a quotation, which are apostrophes.

Curly marks say which side they are on; straight marks are judged by position (an opening mark
follows the start, a space, a dash or a bracket; a closing one precedes a space, punctuation or the
end). A ’ or ' between letters, or before a letter after a space (’90s, ’n’), is an apostrophe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MARK = re.compile(r"[“”„«»‘’‚\"']")
DOUBLE_OPEN = "“„«"
DOUBLE_CLOSE = "”»"
SINGLE_OPEN = "‘‚"
BEFORE_OPENING = "([{—–-/"
AFTER_CLOSING = ".,;:!?)]}—–-…/"
# A single closing mark still to come: after a non-space, before a space, punctuation or the end.
LATER_SINGLE_CLOSE = {
    "’": re.compile(r"(?<=\S)’(?=[\s.,;:!?)\]}—–…\"”]|$)"),
    "'": re.compile(r"(?<=\S)'(?=[\s.,;:!?)\]}—–…\"”]|$)"),
}
LEADING_ELISION = re.compile(r"(?:\d\ds|n[’']|em\b|cause\b|til\b|tis\b|twas\b)", re.IGNORECASE)
# The s’ of a plural possessive is followed by the thing possessed (students’ union); a closing mark
# after a word ending in s is followed by the rest of the writer's sentence (‘on tenterhooks’ for weeks).
POSSESSIVE = re.compile(
    r"\s+(?!(?:a|an|and|are|as|at|but|by|for|from|had|has|he|in|into|is|it|of|on|or|over|she|since|so|"
    r"than|that|the|then|they|this|to|was|were|when|which|while|who|with|said|says|added|told)\b)[a-z]"
)
ELISION = re.compile(r"(?<=\s)[’']n[’'](?=\s)")  # rock ’n’ roll


@dataclass(frozen=True)
class Span:
    """A quotation between two marks: `start` is the opening mark, `end` the closing one.

    An unclosed quotation runs to the end of the paragraph (the next paragraph may continue it).
    """

    start: int
    end: int
    closed: bool

    def inner(self, text: str) -> str:
        return text[self.start + 1 : self.end].strip()


def find_spans(text: str) -> list[Span]:
    """The top-level quotations in a paragraph, in order; marks nested inside one are skipped."""
    spans: list[Span] = []
    double_at: int | None = None  # where the open double quotation starts
    single_at: int | None = None
    single_mark = ""
    elisions = {i for match in ELISION.finditer(text) for i in (match.start(), match.end() - 1)}
    # Where the last mark that could close a single quotation is, found once for each kind when first
    # needed (searching on from every opening mark is quadratic): a mark after it has nothing to close it.
    last_close: dict[str, int] = {}
    for match in MARK.finditer(text):
        i = match.start()
        if i in elisions:
            continue
        mark = match.group()
        before = text[i - 1] if i else ""
        after = text[i + 1] if i + 1 < len(text) else ""
        opening = (not before or before.isspace() or before in BEFORE_OPENING or _is_mark(before)) and bool(
            after and not after.isspace()
        )
        closing = bool(before and not before.isspace()) and (
            not after or after.isspace() or after in AFTER_CLOSING or _is_mark(after)
        )
        if mark in DOUBLE_OPEN or mark in DOUBLE_CLOSE or mark == '"':
            if single_at is not None:
                continue  # a double quotation nested in a single one
            if mark == '"':
                mark = "”" if double_at is not None and (closing or not opening) else "“"
                if mark == "“" and not opening:
                    continue
            if mark in DOUBLE_CLOSE:
                if double_at is not None:
                    spans.append(Span(double_at, i, True))
                    double_at = None
            else:
                if double_at is not None:
                    # A new quotation opens before the last one closed: the last one was left open.
                    spans.append(Span(double_at, i, False))
                double_at = i
            continue
        if double_at is not None:
            continue  # single marks nested in a double quotation
        if before.isalnum() and after.isalnum():
            continue  # don’t, Alice’s
        if single_at is None:
            if mark in SINGLE_OPEN or (mark == "'" and opening):
                if LEADING_ELISION.match(text, i + 1):
                    continue  # ’90s, ‘n’
                close_mark = "'" if mark == "'" else "’"
                if close_mark not in last_close:
                    last_close[close_mark] = _last_close(text, close_mark)
                if last_close[close_mark] >= i + 2:
                    single_at, single_mark = i, close_mark
            continue
        if mark == single_mark and closing:
            # last_close has single_mark: it was looked up when this quotation opened.
            if before in "sS" and POSSESSIVE.match(text, i + 1) and last_close[single_mark] >= i + 1:
                continue  # students’ union, with the real close still to come
            spans.append(Span(single_at, i, True))
            single_at = None
    if double_at is not None:
        spans.append(Span(double_at, len(text), False))
    return [span for span in spans if span.inner(text)]


def mask_spans(text: str, spans: list[Span]) -> str:
    """The paragraph with each quotation's words blanked out, offsets unchanged.

    The marks stay, and so does a full stop, question or exclamation mark just inside the closing mark:
    it still ends the writer's sentence (`called the deal “a betrayal.” “I will vote no,” he said`).
    """
    if not spans:
        return text
    parts: list[str] = []
    last = 0
    for span in spans:
        parts.append(text[last : span.start + 1])
        inner = span.end - span.start - 1
        if inner > 0 and span.closed and text[span.end - 1] in ".!?":
            parts.append(" " * (inner - 1) + text[span.end - 1])
        else:
            parts.append(" " * inner)
        last = span.end
    parts.append(text[last:])
    return "".join(parts)


def _last_close(text: str, mark: str) -> int:
    """Where the last `mark` that could close a single quotation is; -1 when none can."""
    position = text.rfind(mark)
    while position >= 0 and not LATER_SINGLE_CLOSE[mark].match(text, position):
        position = text.rfind(mark, 0, position)
    return position


def _is_mark(char: str) -> bool:
    return char in "“”„«»‘’‚\"'"
