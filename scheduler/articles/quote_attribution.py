"""Who said a quotation: the attribution before it (`X said:`, `X told Mic,`, `according to X,`) or
after it (`, she said.`, `, said X.`, `, the senator told reporters.`), read off the paragraph's
references (speakers) with the quotations blanked out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scheduler.articles.speaker_words import ABBREVIATED_TITLES, PARTICIPLES, word_set
from scheduler.articles.speakers import VERBS, Reference

VERB = re.compile(rf"\b(?:{VERBS})\b")
ACCORDING_TO = re.compile(r"\b[Aa]ccording to\s+")
# Full stops of abbreviations do not end the words before the verb: "Dr. Amir Patel, of St. Mary’s, said".
ABBREVIATED = "(?:{})\\.".format(
    "|".join(rf"(?<=\b{word})" for word in sorted(ABBREVIATED_TITLES | {"St", "Jr", "[A-Z]"}))
)
AFTER = re.compile(
    rf"[\s,—–-]*(?P<pre>(?:[^.!?;:“”\"]|{ABBREVIATED}){{0,80}}?)\b(?P<verb>{VERBS}|according to)\b"
)
TRAILING_WORD = re.compile(r"\b([a-z]+)\s*$")
# Words between a speaker and the verb: "she later said", "Smith has previously written".
IN_BETWEEN = word_set("also later then once again has had have would will was is since even first")
CLAUSE_BREAK = re.compile(r"[,;:—–(]|\b(?:and|but|while|as|when|after|before|because|so|then|who|which)\b")
CLAUSE_START = re.compile(r"[;:—–(]|\b(?:and|but|while|when|because|so|then)\b")
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


@dataclass(frozen=True)
class Attribution:
    """A verb of speech (or "according to") next to a quotation, and who it names if anyone."""

    reference: Reference | None


def attribution_before(
    masked: str, references: list[Reference], start: int, end: int, *, strict: bool
) -> Attribution | None:
    """`X said:`, `X told Mic,`, `according to X,` in the sentence before the quotation."""
    lead = masked[start:end]
    if according := list(ACCORDING_TO.finditer(lead)):
        return Attribution(_named_after(masked, references, start + according[-1].end()))
    if strict and not (LEAD_OPEN.search(lead.rstrip() or ".") or SAID_LAST.search(lead)):
        return None
    verbs = list(VERB.finditer(lead))
    for verb in reversed(verbs):
        if verb.group() in PARTICIPLES:  # "…, telling Times Radio:" goes on with the sentence's subject
            reference = next(
                (r for r in references if start <= r.start < start + verb.start() and r.subject), None
            )
        else:
            reference = _subject(masked, references, start, start + verb.start()) or _appositive_subject(
                masked, references, start, start + verb.start()
            )
        if reference is not None:
            return Attribution(reference)
    if not verbs and lead.rstrip().endswith(":"):  # "Professor Duarte opened the session: “…”"
        subjects = [r for r in references if start <= r.start < end and r.subject and r.name]
        main_clause = masked.rfind(",", start, end)
        subject = next((r for r in subjects if r.start > main_clause), subjects[0] if subjects else None)
        return Attribution(subject) if subject else None
    return Attribution(None) if verbs else None


def attribution_after(
    masked: str, references: list[Reference], start: int, ceiling: int
) -> Attribution | None:
    """`, she said.`, `, said X.`, `, the senator told reporters.` right after the quotation."""
    if that_was := THAT_WAS.match(masked, start, ceiling):  # “…” That was the verdict of Frank Delgado.
        sentence_end = masked.find(".", that_was.end(), ceiling)
        stop = ceiling if sentence_end < 0 else sentence_end
        named = [r for r in references if that_was.end() <= r.start < stop and r.kind in ("name", "partial")]
        return Attribution(named[0]) if named else None
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
    return Attribution(reference)


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


def _appositive_subject(masked: str, references: list[Reference], start: int, end: int) -> Reference | None:
    """The sentence's subject set off by commas however long what is said of it: "Prof Ann Bray,
    head of the University of X, which cut 180 jobs in March, told…"."""
    first = next((r for r in references if start <= r.start < end), None)
    if first is None or not first.subject or first.kind not in ("name", "partial", "role") or not first.name:
        return None
    aside = masked[first.end : end].strip()
    if not (aside.startswith(",") and aside.endswith(",")) or CLAUSE_START.search(masked, start, first.start):
        return None
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
