"""The quote extractor on hostile pages: the work is bounded, so a page cannot stall feed polling.

Each input once took from 10 seconds to minutes (the text before every quotation was read from the
start of its sentence or paragraph). Now the attribution window, the quotations read per article and
the characters read per article are capped; the time bound is loose (each input takes about 0.1 s) and
only there to catch a return to quadratic work.
"""

from __future__ import annotations

import itertools
import string
import time

import pytest

from scheduler.articles import quotes
from scheduler.articles.quote_attribution import Attribution
from scheduler.articles.quotes import MAX_CHARACTERS, MAX_QUOTATIONS, WINDOW, find_quotations, pull_quotes
from scheduler.articles.speakers import Reference

SECONDS = 2.0


def _people(count: int) -> list[str]:
    """`count` different names: Emma Zaaaa, James Zaaab…"""
    firsts = ["Emma", "James", "Olivia", "David"]
    surnames = ("Z" + "".join(letters) for letters in itertools.product(string.ascii_lowercase, repeat=4))
    return [
        f"{firsts[number % 4]} {surname}" for number, surname in zip(range(count), surnames, strict=False)
    ]


HOSTILE = {
    "straight quotes": ['"a" ' * 20_000],
    "opening marks": ["“" * 50_000],
    "single quotes": ["‘x’ " * 20_000],
    "unclosed quotes": ["“no closing mark " * 5_000],
    "no punctuation": ["word " * 40_000],
    "a quote a paragraph": [
        f"“This is quotation {n}, and we stand by every word,” said Ann Bray." for n in range(2_000)
    ],
    "unclosed single quotes": ["‘abc " * 20_000],
    "short sentences": ["“" + "Yes. " * 20_000 + "” said Ann Bray."],
    "punctuation run": ["“" + "!" * 100_000 + "x” said Ann Bray."],
    "split quotation": ["“I am proud of what we built,” he said, " * 5_000],
    "adverbs": [("Ann " + "also " * 100 + "said: “I am proud.” ") * 400],
    "people": ["".join(f"{name} spoke. " for name in _people(5_000))],
    "pronouns": ["Tom Bray spoke.", *["He said it. She said it. Her plan."] * 5_000],
}


@pytest.mark.parametrize("paragraphs", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_does_bounded_work(paragraphs: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    leads: list[int] = []
    attribution_before = quotes.attribution_before

    def counting(
        masked: str, references: list[Reference], start: int, end: int, *, strict: bool
    ) -> Attribution | None:
        leads.append(end - start)
        return attribution_before(masked, references, start, end, strict=strict)

    monkeypatch.setattr(quotes, "attribution_before", counting)
    started = time.perf_counter()
    candidates = pull_quotes(paragraphs)
    elapsed = time.perf_counter() - started
    assert len(leads) <= MAX_QUOTATIONS  # each quotation, or part of one, is read once
    assert all(lead <= WINDOW for lead in leads)
    assert len(candidates) <= MAX_QUOTATIONS
    assert elapsed < SECONDS, f"{elapsed:.2f} s"


def test_quotations_past_the_limit_are_not_read() -> None:
    found = find_quotations(HOSTILE["a quote a paragraph"])
    assert len(found) == MAX_QUOTATIONS
    assert [q.paragraph for q in found] == list(range(MAX_QUOTATIONS))
    assert all(q.speaker == "Ann Bray" for q in found)


def test_text_past_the_limit_is_not_read() -> None:
    quotation = "“We got this badly wrong and I am sorry for it,” said Ann Bray."
    assert find_quotations(["word " * (MAX_CHARACTERS // 5 - 100), quotation])
    assert find_quotations(["word " * (MAX_CHARACTERS // 5), quotation]) == []


def test_a_long_sentence_before_a_quotation_still_names_the_speaker() -> None:
    aside = (
        "head of the University of Westmoor, which cut 180 jobs in March after a review that found the "
        "school had overspent on new buildings for six years in a row and had failed to tell its "
        "governors, who learned of the losses from a local newspaper in the spring"
    )
    paragraph = f"Prof Ann Bray, {aside}, told reporters: “We got this badly wrong and I am sorry for it.”"
    (quotation,) = find_quotations([paragraph])
    assert quotation.speaker == "Ann Bray"


def test_the_latest_of_many_people_is_still_known_by_surname() -> None:
    names = _people(500)
    paragraphs = [f"{name} spoke." for name in names]
    paragraphs.append(f"“We will be back next year, stronger,” {names[-1].split()[-1]} said.")
    assert find_quotations(paragraphs)[-1].speaker == names[-1]
