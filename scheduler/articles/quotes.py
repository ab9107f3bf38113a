"""Direct quotations in an article, who said them, and which make the best pull quotes.

Each paragraph's quotation marks are paired (quote_marks), the people in it are read in order
(speakers), and each quotation takes its speaker from the attribution around it: `X said:` before,
`, said X.` or `, she added.` after, `according to X`. A quotation that continues after its own
attribution joins the first part; a paragraph that is only a quotation continues the previous
speaker; a quotation with no attribution at all takes the subject of the sentence just before it
("Bankole did not hide his frustration. “…”"). Quoted words inside the writer's own sentence are
fragments, never pull quotes. Who an attribution names is read in quote_attribution.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, replace

from scheduler.articles.names import clause_starts, is_role_word
from scheduler.articles.quote_attribution import (
    ACCORDING_TO,
    IS_ABOUT,
    LEAD_OPEN,
    REPORTED,
    TRAILING_WORD,
    VERB,
    attribution_after,
    attribution_before,
)
from scheduler.articles.quote_marks import Span, find_spans, mask_spans
from scheduler.articles.quote_scoring import ABBREVIATION, best_run, speaker_mentions
from scheduler.articles.speakers import People, Person, Reference

SENTENCE_END = re.compile(r"[.!?]+[”’\"')\]]*\s+(?=[“‘\"'(A-Z0-9])")
WORD = re.compile(r"[\w’'-]+")
# A text that ends a sentence: its last run of non-word characters holds a full stop, ! or ?. Matched on
# the text reversed, as `[.!?…]\W*$` searched forwards is quadratic on a long run of punctuation.
TERMINAL_REVERSED = re.compile(r"\W*?[.!?…]")
BETWEEN_SENTENCES = re.compile(r"[.!?]\s+")
# The most words an attribution between two parts of one quotation takes ("said X, role of Y").
ATTRIBUTION_WORDS = 16
# The most words a sentence takes to introduce speech after a comma: "Quinn told Pitchfork on Friday,".
LEAD_WORDS = 8

# Attribution confidence for a quotation that takes its speaker from the quotation before it.
CONTINUED = 0.85
# …and for one that takes it from the subject of the sentence before it (no verb of speech).
PRIOR = 0.8
PASSIVE = re.compile(r"\b(?:was|were|is|are|been|being)\s+(?:\w+ly\s+)?\w+(?:ed|en|wn)\s+(?:\w+\s+)?by\b")

# Hostile pages (tens of thousands of quote marks in one paragraph) must not stall feed polling, so the
# work per quotation is bounded. An attribution is read from at most this many characters before a
# quotation (the sentence it is in, then the one before that) and the words just after it; no real
# attribution is longer.
WINDOW = 500
# The most quotations (counting each part of a split one and each fragment) read in one article; a
# real article has a few dozen at most.
MAX_QUOTATIONS = 200
# The most characters of an article read for quotations: a long read runs to 60,000; a hostile page can
# run to megabytes, and even linear work on all of it would stall a worker.
MAX_CHARACTERS = 200_000


@dataclass(frozen=True)
class Quotation:
    """A direct quotation found in the article, with who said it."""

    text: str  # the quoted words, parts of a split quote joined with a space, no marks
    speaker: str | None  # full name as introduced in the article; None when unknown
    confidence: float  # 0..1, how sure the attribution is
    paragraph: int  # index of the paragraph it starts in
    fragment: bool  # True for a fragment/scare quote inside the writer's own sentence


@dataclass(frozen=True)
class PullQuote:
    """A quotation as a card shows it: whole sentences, ranked."""

    text: str
    speaker: str | None
    score: float  # rank score, higher is better (0..1)
    confidence: float  # attribution confidence (0..1)
    paragraph: int


def find_quotations(paragraphs: Sequence[str], *, title: str = "") -> list[Quotation]:
    """Every direct quotation in the paragraphs, in order, with its speaker when the article says."""
    paragraphs = _opening(paragraphs)
    people = People(title)
    found: list[Quotation] = []
    carried: int | None = None  # index in found of a quotation left open at the end of a paragraph
    budget = MAX_QUOTATIONS
    for index, text in enumerate(paragraphs):
        if budget <= 0:
            break
        spans = find_spans(text)
        masked = mask_spans(text, spans)
        all_references = people.read(index, masked)
        starts = [reference.start for reference in all_references]
        last: tuple[int, Span, Person | None] | None = None  # the latest quotation of speech here
        floor = 0  # fragments stay part of the writer's sentence, so they do not move the floor
        for number, span in enumerate(spans[:budget]):
            budget -= 1
            ceiling = spans[number + 1].start if number + 1 < len(spans) else len(text)
            # Only the people mentioned near the quotation can be its speaker (the window before it
            # covers this sentence and the one before; after it, the attribution that follows).
            references = all_references[
                bisect_left(starts, span.start - 2 * WINDOW - 1) : bisect_left(starts, span.end + 1 + WINDOW)
            ]
            lead_start = _sentence_start(masked, floor, span.start)
            lead = masked[lead_start : span.start]
            words = span.inner(text)
            split = last is not None and lead_start == floor
            fragment = _is_fragment(lead, words, masked[span.end + 1 : span.end + 20], split=split)
            attribution = attribution_before(masked, references, lead_start, span.start, strict=not fragment)
            if attribution is None and span.closed:
                attribution = attribution_after(masked, references, span.end + 1, ceiling)
            reference = attribution.reference if attribution else None
            person = reference.person if reference else None
            speaker = reference.name if reference else None
            confidence = reference.confidence if reference else 0.0
            quotation = Quotation(words, speaker, confidence, index, fragment)
            if fragment:
                found.append(quotation)
                continue
            if last is not None:
                earlier = found[last[0]]
                between = masked[last[1].end + 1 : span.start]
                # "“…,” said Ann Bray. Her colleague, Rui Sola, agreed. “…”": Sola speaks now.
                prior = None
                if attribution is None and not lead.strip():
                    prior = _prior_subject(masked, references, floor, lead_start)
                    prior = prior if prior is not None and prior.person is not last[2] else None
                if prior is None and person in (None, last[2]) and _only_attribution(between):
                    found[last[0]] = replace(earlier, text=_join(earlier.text, between, words))
                    last, floor = (last[0], span, last[2]), span.end + 1
                    continue
                if prior is not None:
                    quotation, person = _from_prior(quotation, prior), prior.person
                elif attribution is None:
                    quotation = _continuing(quotation, earlier)
            elif attribution is None and not lead.strip():
                if carried is not None:  # a quotation running on from the paragraph before
                    found[carried] = replace(found[carried], text=f"{found[carried].text} {words}")
                    last, floor = (carried, span, None), span.end + 1
                    continue
                before = [q for q in found if q.paragraph == index - 1 and not q.fragment]
                if prior := _prior_subject(masked, references, 0, lead_start):
                    quotation, person = _from_prior(quotation, prior), prior.person
                elif before:
                    quotation = _continuing(quotation, before[-1])
            found.append(quotation)
            last, floor = (len(found) - 1, span, person), span.end + 1
        carried = last[0] if last is not None and not last[1].closed else None
    return found


def rank_pull_quotes(
    quotations: Sequence[Quotation], *, paragraphs: Sequence[str], title: str = ""
) -> list[PullQuote]:
    """The quotations worth a card, best first: trimmed to whole sentences, one per speaker first."""
    mentions = speaker_mentions({q.speaker for q in quotations if q.speaker}, paragraphs, title)
    main = max(mentions, key=lambda name: mentions[name], default=None)
    candidates: list[PullQuote] = []
    for quotation in quotations:
        if quotation.fragment:
            continue
        # “…,” she said: the comma belongs to the attribution; on a card the sentence ends.
        words = quotation.text[:-1] + "." if quotation.text.endswith(",") else quotation.text
        run = best_run(words)
        if run is None:
            continue
        text, quality = run
        if quotation.speaker is None:
            quality *= 0.4
        else:
            quality *= 0.75 + 0.25 * quotation.confidence
            if quotation.speaker == main:
                quality = min(1.0, quality * 1.15)
        candidates.append(
            PullQuote(text, quotation.speaker, quality, quotation.confidence, quotation.paragraph)
        )
    ranked: list[PullQuote] = []
    used: dict[str, int] = {}
    while candidates:
        # A second quote from the same speaker waits behind everyone's first (halved per earlier pick).
        scores = [c.score * 0.5 ** used.get(c.speaker or "", 0) for c in candidates]
        best = max(range(len(candidates)), key=scores.__getitem__)
        pick = candidates.pop(best)
        ranked.append(replace(pick, score=round(scores[best], 4)))
        if pick.speaker is not None:
            used[pick.speaker] = used.get(pick.speaker, 0) + 1
    return ranked


def pull_quotes(paragraphs: Sequence[str], *, title: str = "") -> list[PullQuote]:
    """find + rank: the candidates, best first."""
    paragraphs = _opening(paragraphs)
    return rank_pull_quotes(find_quotations(paragraphs, title=title), paragraphs=paragraphs, title=title)


def _opening(paragraphs: Sequence[str]) -> list[str]:
    """The paragraphs in the first MAX_CHARACTERS characters, the last one cut there."""
    kept: list[str] = []
    room = MAX_CHARACTERS
    for paragraph in paragraphs:
        if room <= 0:
            break
        kept.append(paragraph[:room])
        room -= len(paragraph)
    return kept


def _sentence_start(masked: str, floor: int, position: int) -> int:
    """Where the sentence holding `position` starts, not before `floor` nor more than WINDOW before."""
    start = max(floor, position - WINDOW)
    for match in SENTENCE_END.finditer(masked, start, position + 1):
        if not ABBREVIATION.search(masked, max(0, match.start() - 6), match.start() + 1):
            start = match.end()
    return start


def _is_fragment(lead: str, words: str, after: str, *, split: bool) -> bool:
    """Quoted words inside the writer's own sentence: `described the plan as “reckless.”`, or a
    title or motto the sentence is about: `“Go big or go home” is the motto`.

    `split` says the lead runs on from a quotation just before (`“…,” she said, “…”`)."""
    stripped = lead.strip()
    count = len(WORD.findall(words))
    unfinished = not _ends_sentence(words) and not words.endswith(",")
    if not stripped:
        return unfinished and (count <= 3 or bool(IS_ABOUT.match(after)))
    if LEAD_OPEN.search(stripped):
        if stripped.endswith(":") or ACCORDING_TO.search(stripped):
            return False
        if words[:1].islower() and not split and (unfinished or len(WORD.findall(stripped)) > LEAD_WORDS):
            # Speech after "X said," starts a sentence; lower-case words finish the writer's own:
            # "He came with, he says, “two shirts and a plan”." "…, “with a band, obviously”."
            return True
        if verbs := list(VERB.finditer(stripped)):
            # "told Mic, “…”" introduces speech; "added that the views would come in April, ‘…’" is the
            # writer's own sentence quoting a few words.
            return bool(REPORTED.search(stripped, verbs[-1].start()))
        return count <= 5
    last = TRAILING_WORD.search(stripped)
    said_last = bool(last and VERB.fullmatch(last.group(1)))
    return not (said_last and count >= 6 and words[:1].isupper())


def _prior_subject(masked: str, references: list[Reference], floor: int, start: int) -> Reference | None:
    """Who the sentence before a quotation (after `floor`) is about, when the quotation has no
    attribution of its own: "Wexley manager Ola Ade did not hide his frustration. “We switched off.”"."""
    if start <= floor:
        return None
    sentence = _sentence_start(masked, floor, start - 1)
    if floor and sentence == floor:
        return None  # the words after the quotation before: its own attribution
    if PASSIVE.search(masked, sentence, start):
        return None  # "Ella Grant was pulled out by a firefighter." Who speaks next is anyone's guess.
    # The subject that opens its clause ("Her colleague, Rui Sola, agreed"), after a role at most
    # ("Wexley manager Ola Ade"); not "Police are hunting for Dan Cole, 34."
    for reference in references:
        if sentence <= reference.start < start and reference.subject:
            opening = masked[sentence : reference.start]
            if clause_starts(masked, reference.start) or all(
                word[:1].isupper() or is_role_word(word.lower()) for word in WORD.findall(opening)
            ):
                return reference if reference.name else None
    return None


def _from_prior(quotation: Quotation, prior: Reference) -> Quotation:
    return replace(quotation, speaker=prior.name, confidence=round(prior.confidence * PRIOR, 3))


def _only_attribution(between: str) -> bool:
    """True when the words between two quotations only say who spoke: `, she said. `, `, said Sen.
    Ann Bray, a Democrat who sponsored the bill. `."""
    cuts = [
        match.end()
        for match in BETWEEN_SENTENCES.finditer(between)
        if not ABBREVIATION.search(between, max(0, match.start() - 6), match.start() + 1)
    ]
    parts = [between[start:end] for start, end in zip([0, *cuts], [*cuts, len(between)], strict=True)]
    sentences = [part for part in parts if WORD.search(part)]
    return len(sentences) <= 2 and all(
        VERB.search(sentence)
        and len(WORD.findall(sentence)) <= ATTRIBUTION_WORDS
        and not REPORTED.search(sentence)
        for sentence in sentences
    )


def _join(first: str, between: str, second: str) -> str:
    """A split quotation as one: a full stop goes where a sentence ended between the parts."""
    if between.rstrip().endswith((".", "!", "?")) and second[:1].isupper():
        first = first[:-1] + "." if first.endswith(",") else first if _ends_sentence(first) else first + "."
    return f"{first} {second}"


def _ends_sentence(text: str) -> bool:
    """True when the text ends a sentence: "…a plan.", "…really?!”"."""
    return bool(TERMINAL_REVERSED.match(text[::-1]))


def _continuing(quotation: Quotation, earlier: Quotation) -> Quotation:
    """A quotation with no attribution of its own goes on in the voice of the one before."""
    if earlier.speaker is None:
        return quotation
    return replace(quotation, speaker=earlier.speaker, confidence=round(earlier.confidence * CONTINUED, 3))
