"""Direct quotations in an article, who said them, and which make the best pull quotes.

Each paragraph's quotation marks are paired (quote_marks), the people in it are read in order
(speakers), and each quotation takes its speaker from the attribution around it: `X said:` before,
`, said X.` or `, she added.` after, `according to X`. A quotation that continues after its own
attribution joins the first part; a paragraph that is only a quotation continues the previous
speaker. Quoted words inside the writer's own sentence are fragments, never pull quotes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from scheduler.articles.quote_marks import Span, find_spans, mask_spans
from scheduler.articles.quote_scoring import ABBREVIATION, best_run, speaker_mentions
from scheduler.articles.speaker_words import PARTICIPLES, word_set
from scheduler.articles.speakers import VERBS, People, Person, Reference

SENTENCE_END = re.compile(r"[.!?]+[”’\"')\]]*\s+(?=[“‘\"'(A-Z0-9])")
VERB = re.compile(rf"\b(?:{VERBS})\b")
ACCORDING_TO = re.compile(r"\b[Aa]ccording to\s+")
# Full stops of abbreviations do not end the words before the verb: "Dr. Amir Patel, of St. Mary’s, said".
ABBREVIATED = r"(?:(?<=\bDr)|(?<=\bMr)|(?<=\bMrs)|(?<=\bMs)|(?<=\bSt)|(?<=\bJr)|(?<=\bProf)|(?<=\b[A-Z]))\."
AFTER = re.compile(
    rf"[\s,—–-]*(?P<pre>(?:[^.!?;:“”\"]|{ABBREVIATED}){{0,80}}?)\b(?P<verb>{VERBS}|according to)\b"
)
TRAILING_WORD = re.compile(r"\b([a-z]+)\s*$")
# Words between a speaker and the verb: "she later said", "Smith has previously written".
IN_BETWEEN = word_set("also later then once again has had have would will was is since even first")
CLAUSE_BREAK = re.compile(r"[,;:—–(]|\b(?:and|but|while|as|when|after|before|because|so|then|who|which)\b")
PREPOSITION_PHRASE = re.compile(r"(?:\s+(?:of|for|at|from|in|with)\s+[^,]*)?\s*")
# What may stand before the speaker's name right after a quotation: "the elder Bellini", "chief executive".
MODIFIERS = re.compile(r"\s*(?:[\w’'-]+\s+){0,4}")
# Words between `said` and the name: "lead author", "Acme Corp chief executive"; not "on Monday that".
ROLE_WORDS = re.compile(
    r"\s*(?:(?!(?:that|it|on|in|at|to|was|were|is|are|would|will|had|has|have|they|we|and|but|for|of|with|"
    r"by|from|about|after|before|during|while)\b)[\w’'-]+\s+){0,4}"
)
NAME_IN_APPOSITION = re.compile(r"(?:\s+[a-z][\w-]*){0,3},\s+")
SAID_LAST = re.compile(rf"\b(?:{VERBS})\s*$")
# "She said that…", "told CNBC on Thursday that…": reported speech, in the writer's own words.
REPORTED = re.compile(rf"\b(?:{VERBS})(?:\s+[\w’'-]+){{0,3}}\s+that\b")
THAT_WAS = re.compile(r"\s*(?:That|This|Those|These|Such)\s+(?:was|were|is|are)\b")
# A quotation followed by one of these is the subject of the writer's sentence, not speech.
IS_ABOUT = re.compile(r"\s+(?:is|was|are|were|has|had|became|becomes|remains|remained|means|meant)\b")
LEAD_OPEN = re.compile(r"[:,—–(-]\s*$")
WORD = re.compile(r"[\w’'-]+")
TERMINAL = re.compile(r"[.!?…]\W*$")

# Attribution confidence for a quotation that takes its speaker from the quotation before it.
CONTINUED = 0.85


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


@dataclass(frozen=True)
class _Attribution:
    """A verb of speech (or "according to") next to a quotation, and who it names if anyone."""

    reference: Reference | None


def find_quotations(paragraphs: Sequence[str], *, title: str = "") -> list[Quotation]:
    """Every direct quotation in the paragraphs, in order, with its speaker when the article says."""
    people = People()
    found: list[Quotation] = []
    carried: int | None = None  # index in found of a quotation left open at the end of a paragraph
    for index, text in enumerate(paragraphs):
        spans = find_spans(text)
        masked = mask_spans(text, spans)
        references = people.read(index, masked)
        last: tuple[int, Span, Person | None] | None = None  # the latest quotation of speech here
        floor = 0  # fragments stay part of the writer's sentence, so they do not move the floor
        for number, span in enumerate(spans):
            ceiling = spans[number + 1].start if number + 1 < len(spans) else len(text)
            lead_start = _sentence_start(masked, floor, span.start)
            lead = masked[lead_start : span.start]
            words = span.inner(text)
            fragment = _is_fragment(lead, words, masked[span.end + 1 : span.end + 20])
            attribution = _before(masked, references, lead_start, span.start, strict=not fragment)
            if attribution is None and span.closed:
                attribution = _after(masked, references, span.end + 1, ceiling)
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
                if person in (None, last[2]) and _only_attribution(between):
                    found[last[0]] = replace(earlier, text=_join(earlier.text, between, words))
                    last, floor = (last[0], span, last[2]), span.end + 1
                    continue
                if attribution is None:
                    quotation = _continuing(quotation, earlier)
            elif attribution is None and not lead.strip() and found:
                if carried is not None:  # a quotation running on from the paragraph before
                    found[carried] = replace(found[carried], text=f"{found[carried].text} {words}")
                    last, floor = (carried, span, None), span.end + 1
                    continue
                before = [q for q in found if q.paragraph == index - 1 and not q.fragment]
                if before:
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
    return rank_pull_quotes(find_quotations(paragraphs, title=title), paragraphs=paragraphs, title=title)


def _sentence_start(masked: str, floor: int, position: int) -> int:
    """Where the sentence holding `position` starts, not before `floor`."""
    start = floor
    for match in SENTENCE_END.finditer(masked, floor, position + 1):
        if not ABBREVIATION.search(masked, max(0, match.start() - 6), match.start() + 1):
            start = match.end()
    return start


def _is_fragment(lead: str, words: str, after: str) -> bool:
    """Quoted words inside the writer's own sentence: `described the plan as “reckless.”`, or a
    title or motto the sentence is about: `“Go big or go home” is the motto`."""
    stripped = lead.strip()
    count = len(WORD.findall(words))
    if not stripped:
        unfinished = not TERMINAL.search(words) and not words.endswith(",")
        return unfinished and (count <= 3 or bool(IS_ABOUT.match(after)))
    if LEAD_OPEN.search(stripped):
        if stripped.endswith(":") or ACCORDING_TO.search(stripped):
            return False
        if verbs := list(VERB.finditer(stripped)):
            # "told Mic, “…”" introduces speech; "added that the views would come in April, ‘…’" is the
            # writer's own sentence quoting a few words.
            return bool(REPORTED.search(stripped, verbs[-1].start()))
        return count <= 5
    last = TRAILING_WORD.search(stripped)
    said_last = bool(last and VERB.fullmatch(last.group(1)))
    return not (said_last and count >= 6 and words[:1].isupper())


def _before(
    masked: str, references: list[Reference], start: int, end: int, *, strict: bool
) -> _Attribution | None:
    """`X said:`, `X told Mic,`, `according to X,` in the sentence before the quotation."""
    lead = masked[start:end]
    if according := list(ACCORDING_TO.finditer(lead)):
        return _Attribution(_named_after(masked, references, start + according[-1].end()))
    if strict and not (LEAD_OPEN.search(lead.rstrip() or ".") or SAID_LAST.search(lead)):
        return None
    verbs = list(VERB.finditer(lead))
    for verb in reversed(verbs):
        if verb.group() in PARTICIPLES:  # "…, telling Times Radio:" goes on with the sentence's subject
            reference = next(
                (r for r in references if start <= r.start < start + verb.start() and r.subject), None
            )
        else:
            reference = _subject(masked, references, start, start + verb.start())
        if reference is not None:
            return _Attribution(reference)
    if not verbs and lead.rstrip().endswith(":"):  # "Professor Duarte opened the session: “…”"
        subjects = [r for r in references if start <= r.start < end and r.subject and r.name]
        main_clause = masked.rfind(",", start, end)
        subject = next((r for r in subjects if r.start > main_clause), subjects[0] if subjects else None)
        return _Attribution(subject) if subject else None
    return _Attribution(None) if verbs else None


def _after(masked: str, references: list[Reference], start: int, ceiling: int) -> _Attribution | None:
    """`, she said.`, `, said X.`, `, the senator told reporters.` right after the quotation."""
    if that_was := THAT_WAS.match(masked, start, ceiling):  # “…” That was the verdict of Frank Delgado.
        sentence_end = masked.find(".", that_was.end(), ceiling)
        stop = ceiling if sentence_end < 0 else sentence_end
        named = [r for r in references if that_was.end() <= r.start < stop and r.kind in ("name", "partial")]
        return _Attribution(named[0]) if named else None
    match = AFTER.match(masked, start, ceiling)
    if match is None:
        return None
    verb_end = match.end("verb")
    if match.group("pre").strip():
        reference = _subject(masked, references, match.start("pre"), match.start("verb"), whole=True)
        if reference is None and len(match.group("pre").split()) > 4:
            return None  # a sentence of the writer's that happens to hold a verb of speech
    else:
        reference = _named_after(masked, references, verb_end)
    return _Attribution(reference)


def _named_after(masked: str, references: list[Reference], position: int) -> Reference | None:
    """The mention right after `said` or `according to`, past a few role words ("lead author"), or the
    name that follows it in apposition: "shouted a neighbour, Mike Dunn,"."""
    following = [reference for reference in references if reference.start >= position]
    if not following or not ROLE_WORDS.fullmatch(masked, position, following[0].start):
        return None
    first = following[0]
    if (
        len(following) > 1
        and following[1].kind in ("name", "partial")
        and NAME_IN_APPOSITION.fullmatch(masked, first.end, following[1].start)
    ):
        return following[1]
    return first


def _subject(
    masked: str, references: list[Reference], start: int, end: int, *, whole: bool = False
) -> Reference | None:
    """The speaker named just before a verb, after appositives and adverbs are set aside.

    With `whole`, the words must be nothing but that mention (right after a quotation).
    """
    while (word := TRAILING_WORD.search(masked, start, end)) and (
        word.group(1) in IN_BETWEEN or word.group(1).endswith("ly")
    ):
        end = word.start()
    end = start + len(masked[start:end].rstrip())
    if masked[start:end].endswith(")") and "(" in masked[start:end]:  # "Senator Ruth Adler (D-Ore.) said"
        end = start + len(masked[start : masked.rindex("(", start, end)].rstrip())
    if masked[start:end].endswith(","):  # "Jane Doe, the mayor of Springfield, said"
        comma = masked.rfind(",", start, end - 1)
        if comma < 0:
            return None
        inner = [r for r in references if comma < r.start and r.end <= end and r.kind in ("name", "partial")]
        if inner and not masked[inner[-1].end : end - 1].strip():
            return inner[-1]  # "The film’s star, Marta Lopes, wrote"
        end = comma
    if not whole:
        breaks = list(CLAUSE_BREAK.finditer(masked, start, end))
        start = breaks[-1].end() if breaks else start
    inside = [r for r in references if start <= r.start and r.end <= end]
    if not inside:
        return None
    first = inside[0]
    if not masked[start : first.start].strip() and PREPOSITION_PHRASE.fullmatch(masked, first.end, end):
        return first  # "the mayor of Springfield", "Raj Patel of Essex Police", "a spokesperson for…"
    last = inside[-1]
    if masked[last.end : end].strip():
        return None
    if whole and not MODIFIERS.fullmatch(masked, start, last.start):
        return None
    return last


def _only_attribution(between: str) -> bool:
    """True when the words between two quotations only say who spoke: `, she said. `."""
    sentences = [part for part in re.split(r"[.!?]\s+", between) if WORD.search(part)]
    return len(sentences) <= 2 and all(
        VERB.search(sentence) and len(WORD.findall(sentence)) <= 12 and not REPORTED.search(sentence)
        for sentence in sentences
    )


def _join(first: str, between: str, second: str) -> str:
    """A split quotation as one: a full stop goes where a sentence ended between the parts."""
    if between.rstrip().endswith((".", "!", "?")) and second[:1].isupper():
        first = first[:-1] + "." if first.endswith(",") else first if TERMINAL.search(first) else first + "."
    return f"{first} {second}"


def _continuing(quotation: Quotation, earlier: Quotation) -> Quotation:
    """A quotation with no attribution of its own goes on in the voice of the one before."""
    if earlier.speaker is None:
        return quotation
    return replace(quotation, speaker=earlier.speaker, confidence=round(earlier.confidence * CONTINUED, 3))
