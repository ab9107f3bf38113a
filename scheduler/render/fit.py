"""Fitting a rendered post to its network's limit by shortening the article text it quotes, and only that.

A template marks what may be shortened with the `fit` filter: `{{ article.summary | fit }}`. The mark is
a pair of private-use characters around the text, with its priority in between, so the rendered text
still says which parts came from the article; `fit_post` then shortens those parts and removes the marks.

The rules, in order:
- Text outside the marks (the template's words, URLs, hashtags, mentions) is never changed.
- `fit(n)`: n is the priority for shortening, higher first; the default is 1, so with the title
  `| fit` and the summary `| fit(2)` the summary shrinks, down to nothing, before the title loses a word;
  `fit(0)` shrinks last.
- Marks of one priority shrink together, the longest first: each is cut to at most the same number of
  characters, the largest number that lets the post fit, so the longest is cut first and most.
- A cut falls between words (after whitespace, or after a full-width 。！？，、；： in text without
  spaces), drops trailing , ; : . and dashes, and ends in "…". It never falls right after a URL,
  hashtag or mention: the cut goes before it, so none is left ending in "…".
- A mark whose text is wrapped in a pair of quote marks or brackets (`“…”`, `"…"`, `(…)`, …) keeps
  them around the shortened words: `“It is our hope…”`. A mark that shrinks to nothing is dropped
  whole, with such quote marks and its own leading and trailing whitespace; the template's text
  around it stays. So write `{{ ("“" ~ quote.text ~ "”") | fit }}` for quote marks that go with the
  quote, and `“{{ quote.text | fit }}”` for marks that stay even when the quote cannot.
- A mark with no words (only whitespace) is never shortened.
- A mark dropped from a line of its own takes the line with it, and one blank line it leaves doubled
  (or at the start or end of the post): `title, blank, summary, blank, link` becomes
  `title, blank, link`. Nothing else of the template's text is changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scheduler.render import RenderError

OPEN = "\ue000"
CLOSE = "\ue001"
# The priority is stored as one character after OPEN: PRIORITY_BASE + priority.
PRIORITY_BASE = 0xE100
MAX_PRIORITY = 255
DEFAULT_PRIORITY = 1
ELLIPSIS = "…"
THREAD_BREAK = "---"
# Where a mark was dropped while fitting, until the lines around it are tidied.
DROPPED = "\ue002"

# Every character the marks use; stripped from text before it is marked, and from the final post.
MARK_CHARS = re.compile(f"[{OPEN}{CLOSE}{DROPPED}{chr(PRIORITY_BASE)}-{chr(PRIORITY_BASE + MAX_PRIORITY)}]")
MARKED = re.compile(
    f"{OPEN}([{chr(PRIORITY_BASE)}-{chr(PRIORITY_BASE + MAX_PRIORITY)}])(.*?){CLOSE}", re.DOTALL
)
FULL_WIDTH_STOPS = "。！？，、；："
# Where a cut may fall: where whitespace begins after a word, or after a full-width stop.
CUT_POINT = re.compile(f"(?<=\\S)(?=\\s)|(?<=[{FULL_WIDTH_STOPS}])(?=\\S)")
# What a cut drops from the end of the words it keeps, before the ellipsis.
TRAILING = frozenset(",;:.-–—" + FULL_WIDTH_STOPS) | frozenset(" \t\n\r\f\v\u00a0\u3000")
# A word that is a URL, a mention or a hashtag (once its surrounding punctuation is set aside).
LINK_LIKE = re.compile(
    r"""^[\W_]*(?:[#＃]\w|www\.)|@\w|\w://|^[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?:[/?#]\S*)?$""",
    re.IGNORECASE,
)
PAIRS = {"“": "”", '"': '"', "‘": "’", "'": "'", "«": "»", "‹": "›", "„": "“", "「": "」", "『": "』"}
PAIRS |= {"(": ")", "[": "]"}


def mark(value: Any, priority: int = DEFAULT_PRIORITY) -> str:
    """The text wrapped in fit marks; any mark characters already in it are removed first. None is ""."""
    if isinstance(priority, bool) or not isinstance(priority, int) or not 0 <= priority <= MAX_PRIORITY:
        raise ValueError(f"fit takes a priority from 0 to {MAX_PRIORITY}, not {priority!r}")
    text = "" if value is None else MARK_CHARS.sub("", str(value))
    return f"{OPEN}{chr(PRIORITY_BASE + priority)}{text}{CLOSE}"


def strip_marks(text: str) -> str:
    """The text as it reads, with every fit mark removed."""
    return MARK_CHARS.sub("", text)


def split_thread(text: str) -> list[str]:
    """The posts of a thread: parts separated by a line holding only `---`, stripped, empty ones dropped.

    A `---` line inside marked article text does not split: only the template decides the thread.
    Each part keeps its marks, to be fitted on its own.
    """
    parts: list[list[str]] = [[]]
    depth = 0
    for line in text.split("\n"):
        if depth == 0 and line.strip() == THREAD_BREAK:
            parts.append([])
            continue
        parts[-1].append(line)
        depth = max(0, depth + line.count(OPEN) - line.count(CLOSE))
    joined = ("\n".join(lines).strip() for lines in parts)
    return [part for part in joined if strip_marks(part).strip()]


def fit_post(rendered: str, *, measure: Callable[[str], int], limit: int, where: str, network: str) -> str:
    """The post, marks removed, shortened where marked until `measure` of it is within `limit`.

    `measure` is called with unmarked text, a few dozen times at most (a binary search per priority).
    RenderError naming `where` and `network` when even with all marked text gone the post is over.
    """
    pieces = _parse(rendered)
    shrinkable = [
        (index, piece) for index, piece in enumerate(pieces) if isinstance(piece, _Mark) and piece.options
    ]

    def render(choice: dict[int, str]) -> str:
        text = "".join(
            choice.get(index, piece.text) if isinstance(piece, _Mark) else piece
            for index, piece in enumerate(pieces)
        )
        return _close_gaps(text) if DROPPED in text else text

    whole = render({})
    length = measure(whole)
    if length <= limit:
        return whole
    if not shrinkable:
        reason = (
            f"the post is {length - limit} over the {limit} limit for {network} and has no text marked "
            "with `| fit` to shorten; shorten the template's own text or mark article text with `| fit`"
        )
        raise RenderError(f"{where}: {reason}", reason=reason)
    floor = measure(render(_capped({}, shrinkable, 0)))
    if floor > limit:
        reason = (
            f"the post is {floor - limit} over the {limit} limit for {network} even with the article "
            "text shortened to nothing; shorten the template's own text"
        )
        raise RenderError(f"{where}: {reason}", reason=reason)

    # Highest priority first: each level is dropped whole if the post still cannot fit without it;
    # otherwise the largest cap that fits is found by bisection and the lower levels stay whole.
    chosen: dict[int, str] = {}
    for priority in sorted({piece.priority for _, piece in shrinkable}, reverse=True):
        level = [(index, piece) for index, piece in shrinkable if piece.priority == priority]
        caps = sorted({0} | {size for _, piece in level for size, _ in piece.options})
        if measure(render(_capped(chosen, level, 0))) > limit:
            chosen = _capped(chosen, level, 0)
            continue
        # caps[0] fits; caps[-1] (this level and the lower ones whole) is known not to.
        low, high = 0, len(caps) - 1
        while high - low > 1:
            middle = (low + high) // 2
            if measure(render(_capped(chosen, level, caps[middle]))) <= limit:
                low = middle
            else:
                high = middle
        return render(_capped(chosen, level, caps[low]))
    return render(chosen)  # not reached: the floor fits, so the lowest level at the latest stops the loop


def _capped(chosen: dict[int, str], level: list[tuple[int, _Mark]], cap: int) -> dict[int, str]:
    """The choices so far, with each mark of the level at its longest form within `cap`."""
    return chosen | {index: piece.at_most(cap) for index, piece in level}


@dataclass(frozen=True)
class _Mark:
    """One marked piece of text and the shorter forms it may take, by length of the words kept."""

    text: str
    priority: int
    options: tuple[tuple[int, str], ...]  # (size, text), ascending; the last is the whole text

    def at_most(self, cap: int) -> str:
        """The longest form of at most `cap` characters of words; DROPPED when none is that short."""
        best = DROPPED
        for size, text in self.options:
            if size > cap:
                break
            best = text
        return best


def _parse(rendered: str) -> list[str | _Mark]:
    """The text as literal pieces and marks; stray mark characters are dropped from the literal pieces."""
    pieces: list[str | _Mark] = []
    position = 0
    for found in MARKED.finditer(rendered):
        pieces.append(strip_marks(rendered[position : found.start()]))
        priority = ord(found.group(1)) - PRIORITY_BASE
        pieces.append(_marked(found.group(2), priority))
        position = found.end()
    pieces.append(strip_marks(rendered[position:]))
    return [piece for piece in pieces if piece != ""]


def _marked(text: str, priority: int) -> _Mark:
    lead, core, trail = _frame(text)
    if not core:
        return _Mark(text, priority, ())
    options: list[tuple[int, str]] = []
    for cut in CUT_POINT.finditer(core):
        end = cut.start()
        word_start = end
        while word_start > 0 and not core[word_start - 1].isspace():
            word_start -= 1
        if LINK_LIKE.search(_bare(core[word_start:end])):
            continue
        while end > 0 and core[end - 1] in TRAILING:
            end -= 1
        if end > 0 and (not options or options[-1][0] < end + 1):
            options.append((end + 1, f"{lead}{core[:end]}{ELLIPSIS}{trail}"))
    options.append((len(core), text))
    return _Mark(text, priority, tuple(options))


def _frame(text: str) -> tuple[str, str, str]:
    """(lead, core, trail): whitespace, and a pair of quote marks or brackets wrapping the whole text."""
    core = text.strip()
    start = text.index(core) if core else len(text)
    lead, trail = text[:start], text[start + len(core) :]
    closer = PAIRS.get(core[:1])
    if closer and len(core) > 2 and core.endswith(closer):
        inner = core[1:-1]
        words = inner.strip()
        if words:
            offset = inner.index(words)
            lead += core[0] + inner[:offset]
            trail = inner[offset + len(words) :] + core[-1] + trail
            core = words
    return lead, core, trail


def _close_gaps(text: str) -> str:
    """Without the DROPPED places; a line left blank by them goes, and a blank line it separated."""
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        if DROPPED not in line or line.replace(DROPPED, "").strip():
            lines[index] = line.replace(DROPPED, "")
            index += 1
            continue
        del lines[index]
        above = lines[index - 1] if index > 0 else None
        below = lines[index] if index < len(lines) else None
        if below is not None and not below.strip() and (above is None or not above.strip()):
            del lines[index]
        elif below is None and above is not None and not above.strip():
            del lines[index - 1]
            index -= 1
    return "\n".join(lines)


def _bare(word: str) -> str:
    """The word without the punctuation that may close a sentence or a bracket after it."""
    return word.rstrip(".,;:!?)]}”’»›\"'" + FULL_WIDTH_STOPS)
