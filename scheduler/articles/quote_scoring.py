"""How good a quotation is on a card: whole sentences, a readable length, words that stand alone.

A card wants 60 to 250 characters of complete sentences that need no context, in the speaker's own
voice; a long quotation is trimmed to its best run of consecutive sentences.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from scheduler.articles.speaker_words import ABBREVIATED_TITLES, word_set

SENTENCE_END = re.compile(r"(?<=[.!?…])[”’\"')\]]*\s+(?=[“‘\"'(]?[A-Z0-9])")
# A full stop after these is not the end of a sentence: "Ms. Johnson", "Oct. 2017", "J. K. Rowling".
ABBREVIATION = re.compile(
    r"(?:\b(?:{}|St|Jr|Sr|Gen|vs|No|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Inc|Ltd|Co|Corp)"
    r"|\b[A-Z])\.$".format("|".join(sorted(ABBREVIATED_TITLES)))
)
CONTEXT_OPENER = re.compile(
    r"[“‘\"']?(?:This|That|It|He|She|They|These|Those|Him|Her|His|Their|Them|There|But|And|So|Or|Which|"
    r"Also|Then|Yes|No|Such|Both|Neither|Either)\b"
)
COURTESY = re.compile(
    r"[“‘\"']?(?:(?:I|We)\s+(?:would|[’']d|also|just)?\s*(?:like|want|wish)\s+to\s+(?:thank|congratulate)|"
    r"(?:I|We)\s+(?:am|are|[’'](?:m|re))\s+(?:so\s+|very\s+|deeply\s+|truly\s+)?(?:grateful|thankful)|"
    r"Thank\s+you|Thanks\b|Congratulations\b|Many\s+thanks|Special\s+thanks)",
    re.IGNORECASE,
)
HANDLE_OR_LINK = re.compile(r"(?<!\w)[@#]\w|https?://|www\.|\b\w+\.(?:com|org|net|co|io)\b")
FIRST_PERSON = re.compile(
    r"\bI\b|\b(?:I[’'](?:m|ve|d|ll)|me|my|mine|myself|we|we[’'](?:re|ve|d|ll)|our|ours|us)\b", re.IGNORECASE
)
# Words of judgement and feeling: a quote that has some says more than a statement of fact.
EVALUATIVE = word_set(
    """
    hope hopeful hoping optimistic proud love loved hate believe believed important great terrible wrong
    right fight fighting never always must thrilled excited devastated heartbroken incredible amazing
    best worst deserve deserves deserved unfair fair honoured honored honour honor shame outrage outraged
    disgrace failure brilliant beautiful awful horrible dangerous reckless vital crucial urgent
    determined confident worried concerned afraid scared angry furious happy sad delighted disappointed
    frustrated committed passionate inspiring remarkable extraordinary historic unacceptable ridiculous
    absurd shocking tragic dream dreams dreaming heart proudest truly deeply chance future matter matters
    changed change willing glad grateful lucky perfect sorry
    """
)
WORDS = re.compile(r"[a-z]+")
TERMINAL = re.compile(r"[.!?…][”’\"')\]]*$")
NAME_WORD = re.compile(r"[^\W\d_][\w-]*")

MIN_LENGTH, IDEAL_LOW, IDEAL_HIGH, MAX_LENGTH = 40, 60, 250, 280
# The most sentences in a run: more than this in MAX_LENGTH characters is a string of fragments ("Yes. Yes.
# Yes."), not a card, and trying every such run of a quotation thousands of sentences long costs seconds.
MAX_RUN_SENTENCES = 12


def best_run(text: str) -> tuple[str, float] | None:
    """The best run of whole consecutive sentences for a card and its quality (0..1); None if none fits."""
    sentences = split_sentences(text)
    # What run_quality reads, read once a sentence: a run of sentences is what its sentences say
    # together, so a quotation of thousands of short sentences costs no regex work per run.
    read = [_Sentence.read(sentence) if len(sentence) <= MAX_LENGTH else None for sentence in sentences]
    best: tuple[int, int, float] | None = None
    for first, opening in enumerate(read):
        if opening is None:
            continue  # longer than a card on its own
        length, first_person, evaluative, link = -1, False, 0, False
        for last in range(first, min(first + MAX_RUN_SENTENCES, len(sentences))):
            length += 1 + len(sentences[last])
            if length > MAX_LENGTH:
                break
            sentence = read[last]
            if sentence is None:  # cannot be: no longer than the run
                break
            first_person = first_person or sentence.first_person
            evaluative += sentence.evaluative
            link = link or sentence.link
            if length < MIN_LENGTH:
                continue
            quality = _quality(
                length,
                first_person=first_person,
                evaluative=evaluative,
                context=opening.context,
                courtesy=opening.courtesy,
                link=link,
                lower=opening.lower,
                terminal=sentence.terminal,
            )
            if best is None or quality > best[2]:
                best = (first, last, quality)
    return None if best is None else (" ".join(sentences[best[0] : best[1] + 1]), best[2])


def split_sentences(text: str) -> list[str]:
    sentences: list[str] = []
    start = 0
    for match in SENTENCE_END.finditer(text):
        if ABBREVIATION.search(text, max(0, match.start() - 6), match.start()):
            continue
        sentences.append(text[start : match.start()].strip())
        start = match.end()
    sentences.append(text[start:].strip())
    return [sentence for sentence in sentences if sentence]


def run_quality(run: str) -> float:
    """0..1: the length fit times what the words are like (own voice, judgement, no context needed)."""
    read = _Sentence.read(run)
    return _quality(
        len(run),
        first_person=read.first_person,
        evaluative=read.evaluative,
        context=read.context,
        courtesy=read.courtesy,
        link=read.link,
        lower=read.lower,
        terminal=read.terminal,
    )


@dataclass(frozen=True)
class _Sentence:
    """What run_quality reads in a text. Run together with others (one space between), the words
    (first person, judgement, a link) add up, the opening is the first one's, the ending the last one's:
    no mark matched here runs across the end of a sentence."""

    first_person: bool
    evaluative: int
    link: bool
    context: bool  # opens with a word that needs context: "This", "But"…
    courtesy: bool  # opens with thanks
    lower: bool  # starts mid-sentence
    terminal: bool  # ends a sentence

    @classmethod
    def read(cls, text: str) -> _Sentence:
        return cls(
            first_person=bool(FIRST_PERSON.search(text)),
            evaluative=sum(word in EVALUATIVE for word in WORDS.findall(text.lower())),
            link=bool(HANDLE_OR_LINK.search(text)),
            context=bool(CONTEXT_OPENER.match(text)),
            courtesy=bool(COURTESY.match(text)),
            lower=text[:1].islower(),
            terminal=bool(TERMINAL.search(text)),
        )


def _quality(
    length: int,
    *,
    first_person: bool,
    evaluative: int,
    context: bool,
    courtesy: bool,
    link: bool,
    lower: bool,
    terminal: bool,
) -> float:
    if 80 <= length <= 200:
        fit = 1.0
    elif IDEAL_LOW <= length <= IDEAL_HIGH:
        fit = 0.9
    elif length < IDEAL_LOW:
        fit = 0.5 + 0.4 * (length - MIN_LENGTH) / (IDEAL_LOW - MIN_LENGTH)
    else:
        fit = 0.9 - 0.4 * (length - IDEAL_HIGH) / (MAX_LENGTH - IDEAL_HIGH)
    words = 0.55 + (0.25 if first_person else 0.0) + 0.1 * min(evaluative, 2)
    if context:
        words *= 0.55
    if courtesy:
        words *= 0.4
    if link:
        words *= 0.3
    if lower:
        words *= 0.7  # starts mid-sentence
    if not terminal:
        words *= 0.85
    return round(fit * min(words, 1.0), 4)


def speaker_mentions(speakers: Iterable[str], paragraphs: Sequence[str], title: str) -> dict[str, int]:
    """How often each speaker's first or last name appears; the title counts three times.

    A name part two speakers share ("Carver" for the prime minister and her mother) counts for the
    one the article introduced first.
    """
    body = "\n".join(paragraphs)
    counts = Counter(NAME_WORD.findall(body))
    in_title = Counter(NAME_WORD.findall(title))

    def first_seen(speaker: str) -> tuple[int, str]:
        position = body.find(speaker)
        return (position if position >= 0 else len(body), speaker)

    introduced = sorted(speakers, key=first_seen)
    owner: dict[str, str] = {}
    for speaker in introduced:
        for part in (speaker.split()[0], speaker.split()[-1]):
            owner.setdefault(part, speaker)
    found = dict.fromkeys(introduced, 0)
    for part, speaker in owner.items():
        found[speaker] += counts[part] + 3 * in_title[part]
    return found
