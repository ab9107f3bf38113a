"""The people in an article and what each mention of one refers to.

Reading the paragraphs in order, every name, title ("the senator"), pronoun ("she"), description
("the 37-year-old") and unnamed person ("a spokesperson") outside quotations becomes a Reference, so
an attribution can ask who the words before "said" mean. Surnames, first names, any run of a full
name's words (Vietnamese "Thanh Nha", "De la Cruz" at a sentence start) and titles resolve to the
full name as first introduced; pronouns and descriptions to the latest subject that fits. Names are
not all English: any Latin letters, particles (de la, van der, ap, bin, al-), Irish Ó/Ní, Korean
Ji-sung; titles (Cllr, Det Insp, Rt Hon) and letters after a name (MP, Jr) are not part of it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import takewhile

from scheduler.articles import speaker_words as words
from scheduler.articles.names import (
    FIRST_NAMES,
    LOWER,
    UPPER,
    attributes_after,
    clause_starts,
    first_name_gender,
    gender_after,
    gender_of,
    is_role_word,
    peel,
    roles_after,
    roles_before,
    said_before,
    same_role,
    word_before,
)

ABBREVIATED_TITLE = rf"(?:{'|'.join(sorted(words.ABBREVIATED_TITLES))})\."
WORD_TAIL = rf"[{LOWER}]*(?:[{UPPER}][{LOWER}]+)?(?:[-’'][{UPPER}][{LOWER}]+)*"
# A word of a name, with a lower-case article it may start with: al-Assad, el-Sayed, d’Estaing.
NAME_WORD = (
    rf"{ABBREVIATED_TITLE}|[{UPPER}]\."
    rf"|(?:(?:{'|'.join(words.ARTICLE_PREFIXES)})-|d[’'])?[{UPPER}]{WORD_TAIL}"
)
# A later word of a name may end in a small syllable (Moon Jae-in); a first one not ("Labour-run").
TOKEN = rf"(?:(?:{NAME_WORD})(?:-[{LOWER}]{{2,4}}(?![\w-]))?)"
PARTICLE = rf"(?:{'|'.join(sorted(words.NAME_PARTICLES, key=len, reverse=True))})"
VERBS = "|".join(sorted(words.SPEECH_VERBS, key=len, reverse=True))

REFERENCE = re.compile(
    r"(?<![\w’'-])(?:"
    r"(?P<pronoun>[Hh]e|[Ss]he|[Hh]im|[Hh]is|[Hh]er|[Hh]imself|[Hh]erself)\b"
    r"|(?P<the>[Tt]he)\s"
    r"|(?P<some>[Aa]n?|[Oo]ne|[Aa]nother)\b"
    rf"|(?P<name>(?:{NAME_WORD})(?:\s(?:{PARTICLE}\s)*{TOKEN})*)(?!\w))"
)
SUFFIX_AFTER = re.compile(rf"\s+({'|'.join(sorted(words.NAME_SUFFIXES))})(?![\w’'-])")
NEXT_WORD = re.compile(r"\s*([\w-]+)")
SENTENCE_END = re.compile(r"[.!?][”’\"')]*\s+(?=[“‘\"'A-Z0-9])")
# "Jane Doe, 45, said", "Det Insp Ray Cole of Westmoor Police said", "Ann Bray quickly added".
SAID_AFTER = re.compile(
    rf"(?:\s*,[^,.]{{1,80}},|\s+(?:of|from|at|for)\s+(?:the\s+)?(?:[{UPPER}][\w’'&-]*\s?){{1,5}})?"
    rf"\s+(?:[a-z]+ly\s+)?(?:{VERBS})\b"
)
# A subject is followed by its verb (or an appositive), not by a preposition or "and".
# "Ann Bray and actor Rui Sola have separated": both are the subject.
FOLLOWED_AS_SUBJECT = re.compile(
    r"\s*(?:,|\s(?!(?:in|on|at|of|for|with|to|from|by|and|or|as|who|whose|than|like|about)\b)[a-z]"
    rf"|\s+and\s+(?:[a-z]+\s+){{0,2}}[{UPPER}][\w’'-]*\s+(?:[{UPPER}][\w’'-]*\s+)*(?:have|are|were|had)\b)"
)
# "Tom Price said Jack Hale had been unlucky": Jack Hale is who the reported words are about.
REPORTED_SUBJECT = re.compile(
    r"\s+(?:had|has|have|was|were|is|are|would|will|could|should|might|must|may|did|does|can|[a-z]+ed)\b"
)
POSSESSIVE = re.compile(r"(?:[’']s\b|(?<=s)[’'](?=\s))")
RELATION_AFTER = re.compile(r"(?:[’']s|[’'])\s+([\w-]+)")
COMPLEMENT = re.compile(r"\s+(?:of|for|at|from|with)\s")

# How sure an attribution is, by the kind of mention that names the speaker.
CONFIDENCE = {"name": 0.95, "partial": 0.9, "role": 0.75, "pronoun": 0.7, "epithet": 0.5}
# The most people kept in mind: past this, whoever was mentioned least recently is forgotten, so that a
# page naming thousands of people costs no more per mention than a real article (which names a few dozen).
MAX_PEOPLE = 100


@dataclass(eq=False)
class Person:
    """Someone in the article: the name as first introduced, without a title ("" when unnamed)."""

    name: str
    gender: str | None = None  # "f" or "m" when the article or a common first name says
    roles: set[str] = field(default_factory=set)
    attributes: set[str] = field(default_factory=set)  # capitalised words said of them: Oregon, Democrat

    @property
    def first(self) -> str:
        return self.name.split()[0] if self.name else ""

    @property
    def last(self) -> str:
        return self.name.split()[-1] if self.name else ""


@dataclass(frozen=True)
class Reference:
    """A stretch of a paragraph that refers to someone."""

    start: int
    end: int
    person: Person | None  # None when it cannot be told who
    kind: str  # name, partial, role, pronoun, epithet
    subject: bool

    @property
    def name(self) -> str | None:
        """The speaker's full name, or None for someone unnamed ("a spokesperson") or unknown."""
        return self.person.name or None if self.person else None

    @property
    def confidence(self) -> float:
        return CONFIDENCE[self.kind] if self.name else 0.0


class People:
    """Everyone mentioned so far; read the paragraphs in order, with quotations blanked out."""

    def __init__(self, title: str = "") -> None:
        self._title_words = set(title.split())  # the people in the headline are who the story is about
        self._not_people: set[str] = set()  # first words of organisations seen: Orbit (Labs)
        self._name_words: set[str] = set()  # first names and surnames of the people so far
        self._recent: list[Person] = []  # people by their latest mention, latest first
        self._subjects: list[Person] = []  # people by their latest mention as a subject, latest first
        self._paragraph: dict[Person, int] = {}  # where each one was last mentioned
        self._subject_paragraph: dict[Person, int] = {}  # …and last mentioned as a subject

    def read(self, index: int, text: str) -> list[Reference]:
        """The references in one paragraph, resolved as they come."""
        references: list[Reference] = []
        starts = [0, *(match.end() for match in SENTENCE_END.finditer(text))]
        sentence_start = -1  # the start of the sentence that already has a person in it
        for match in REFERENCE.finditer(text):
            start, kind = match.start(), match.lastgroup
            if kind == "pronoun":
                reference = self._pronoun(index, match)
            elif kind == "the":
                reference = self._description(index, text, start, match.end())
            elif kind == "some":
                if references and references[-1].name and not text[references[-1].end : start].strip(" ,("):
                    continue  # "Ann Bray, a researcher at…" says who Ann Bray is; nobody new
                reference = self._someone(text, start, match.end())
            else:
                first_in_sentence = starts[bisect_right(starts, start) - 1] > sentence_start
                reference = self._name(index, text, start, match.end(), first_in_sentence)
            if reference is None:
                continue
            sentence_start = starts[bisect_right(starts, start) - 1]
            references.append(reference)
            if reference.person is not None:
                self._mention(index, reference.person, reference.subject)
        return references

    def _pronoun(self, index: int, match: re.Match[str]) -> Reference:
        word = match.group("pronoun").lower()
        gender = "m" if word in ("he", "him", "his", "himself") else "f"
        person = self._antecedent(index, gender)
        if person is not None and person.gender is None and word in ("he", "she"):
            person.gender = gender  # not "his"/"her": a possessive often means someone else
        return Reference(match.start(), match.end(), person, "pronoun", word in ("he", "she"))

    def _antecedent(
        self,
        index: int,
        gender: str | None,
        exclude: Person | None = None,
        unlike: str | None = None,
        epithet: bool = False,
    ) -> Person | None:
        """The latest subject that fits here or in the paragraph before, then any mention, then anywhere.

        With `unlike` (an epithet such as "singer"), people with some other job come last; for an
        `epithet` ("the Grammy winner") opening a paragraph, someone in the headline comes first."""

        def fits(person: Person, other_jobs: bool) -> bool:
            if person is exclude or (gender is not None and person.gender not in (None, gender)):
                return False
            return other_jobs or not person.roles & words.ROLES - {unlike}

        # Each person once, by their latest mention (as a subject): the same order as every mention,
        # latest first, without going through every mention again.
        subjects = (self._subjects, self._subject_paragraph)
        for other_jobs in (False, True) if unlike else (True,):
            here = bool(self._subjects) and self._subject_paragraph[self._subjects[0]] == index
            if epithet and not here:
                headline = (p for p in self._since(index - 1, *subjects) if self._in_title(p))
                if chosen := next((p for p in headline if fits(p, other_jobs)), None):
                    return chosen
            for recent_only in (True, False):
                for people, paragraphs in (subjects, (self._recent, self._paragraph)):
                    candidates = self._since(index - 1, people, paragraphs) if recent_only else people
                    if chosen := next((p for p in candidates if fits(p, other_jobs)), None):
                        return chosen
        return None

    @staticmethod
    def _since(index: int, people: list[Person], paragraphs: dict[Person, int]) -> Iterator[Person]:
        """The people (latest first) last mentioned in paragraph `index` or after."""
        return takewhile(lambda person: paragraphs[person] >= index, people)

    def _in_title(self, person: Person) -> bool:
        return bool(person.name) and not self._title_words.isdisjoint(person.name.split())

    def _description(self, index: int, text: str, start: int, position: int) -> Reference | None:
        """`the senator`, `the Oregon senator`, `the reality star`: who holds the role, or the subject."""
        head = None
        modifiers: list[str] = []  # words before the role: "the Oregon senator", "the council leader"
        for _ in range(4):
            word = NEXT_WORD.match(text, position)
            if word is None:
                break
            lowered = word.group(1).lower()
            if (
                is_role_word(lowered)
                or (head is None and word.group(1) in words.NATIONALITIES)
                or any(lowered in person.roles for person in self._recent)
            ):
                head, position = lowered, word.end()
                continue
            if head is not None:
                break
            modifiers.append(word.group(1))
            position = word.end()
        if head is None or text.startswith(("’s", "'s"), position):
            return None
        subject = clause_starts(text, start)
        holders = [person for person in self._by_recency() if same_role(head, person.roles)]
        named = {word for word in modifiers if word[:1].isupper()}
        qualified = {f"{word.lower()} {head}" for word in modifiers}
        fitting = [person for person in holders if qualified & person.roles] or [
            person for person in holders if named <= person.attributes
        ]
        if fitting or holders:
            return Reference(start, position, (fitting or holders)[0], "role", subject)
        if head in words.ROLES and COMPLEMENT.match(text, position):
            return self._unnamed(start, position, head, subject)  # the owner of a bakery
        if not subject:
            return Reference(start, position, None, "role", subject)
        gender = gender_of(head)
        # "the singer" is not someone the article has given another job ("striker Kayode Bello").
        unlike = head if head in words.EPITHETS and head not in words.ROLES else None
        person = self._antecedent(index, gender, unlike=unlike, epithet=True)
        return Reference(start, position, person, "epithet", subject)

    def _someone(self, text: str, start: int, position: int) -> Reference | None:
        """`a spokesperson`, `one resident`, `Another,`: someone unnamed, so a later `she` is not guessed."""
        if not clause_starts(text, start):
            return None
        if text[start].isupper() and text.startswith((",", " of "), position):
            return self._unnamed(start, position, "", True)
        for _ in range(4):
            word = NEXT_WORD.match(text, position)
            if word is None:
                return None
            position = word.end()
            lowered = word.group(1).lower()
            if is_role_word(lowered) or lowered in words.PEOPLE:
                return self._unnamed(start, position, lowered, True)
        return None

    def _unnamed(self, start: int, end: int, role: str, subject: bool) -> Reference:
        person = Person("", gender=gender_of(role), roles={role} if role else set())
        return Reference(start, end, person, "role", subject)

    def _name(self, index: int, text: str, start: int, end: int, first_in_sentence: bool) -> Reference | None:
        tokens = text[start:end].split()
        peeled = peel(tokens, self._name_words)
        if peeled is None and len(tokens) > 1 and any(token in words.SURNAME_LIKE for token in tokens):
            # Right next to a verb of speech, "Ada Park" is a person even though parks are places.
            speaking = bool(SAID_AFTER.match(text, end) or said_before(text, start))
            peeled = peel(tokens, self._name_words, speaking=speaking)
        if peeled is None:
            if len(tokens) > 1:
                self._not_people.add(next((t for t in tokens if t not in words.NOT_NAMES), tokens[0]))
            return None
        name, roles, gender, skipped = peeled
        if skipped:
            start = text.index(tokens[skipped], start + len(" ".join(tokens[:skipped])))
        name_start = text.index(name[0], start)
        end = text.index(name[-1], name_start) + len(name[-1])
        if suffix := SUFFIX_AFTER.match(text, end):  # "Jane Hollis MP", "Martin Jenkins Jr"
            roles = roles | ({suffix.group(1).lower()} & words.ROLES)
            end = suffix.end()
        person = self._lookup(name)
        if person is None:
            if not self._could_be_person(text, start, end, name, titled=bool(roles) or gender is not None):
                return None
            person = Person(" ".join(name), gender=gender or first_name_gender(name[0]))
            self._name_words |= {person.first, person.last}
        kind = "name" if person.name == " ".join(name) else "partial"
        person.gender = person.gender or gender or gender_after(text, end)
        role_start, before_roles = roles_before(text, start)
        person.roles |= roles | before_roles | roles_after(text, end)
        person.attributes |= attributes_after(text, end)
        relation = RELATION_AFTER.match(text, end)
        if relation and relation.group(1).lower() in words.RELATIONS:
            # "Kanye West’s wife": the wife is the one meant, someone other than Kanye West.
            self._mention(index, person, False)
            subject = clause_starts(text, start)
            gender = gender_of(relation.group(1).lower())
            meant = self._antecedent(index, gender, exclude=person) if subject else None
            return Reference(start, relation.end(), meant, "epithet", subject)
        after_said = said_before(text, role_start)
        reported = after_said and bool(REPORTED_SUBJECT.match(text, end))
        subject = (
            not POSSESSIVE.match(text, end)
            and not reported
            and (
                after_said
                or (
                    (first_in_sentence or clause_starts(text, role_start))
                    and bool(FOLLOWED_AS_SUBJECT.match(text, end) or SAID_AFTER.match(text, end))
                )
            )
        )
        return Reference(start, end, person, kind, subject)

    def _lookup(self, tokens: list[str]) -> Person | None:
        """The person these name words mean: the full name, a surname or first name, a longer form, or
        any run of the full name's words when only one person has it ("Thanh Nha", "De la Cruz")."""
        full = " ".join(tokens)
        named = [person for person in self._by_recency() if person.name]
        for person in named:
            if person.name == full:
                return person
        if len(tokens) == 1:
            for person in named:
                if full in (person.last, person.first):
                    return person
        else:
            for person in named:
                if (" " in person.name and full.startswith(person.name + " ")) or (
                    tokens[0] == person.first and tokens[-1] == person.last and " " in person.name
                ):
                    return person
        part = [token.casefold() for token in tokens]
        holders = [person for person in named if _holds(person.name.casefold().split(), part)]
        if len(holders) == 1:
            return holders[0]
        if len(tokens) == 1:
            return None
        for person in named:
            if " " not in person.name and person.name in (tokens[0], tokens[-1]):
                person.name = full  # met as "Luca", now introduced in full as "Luca Bellini"
                self._name_words |= set(tokens)
                return person
        return None

    def _could_be_person(self, text: str, start: int, end: int, tokens: list[str], *, titled: bool) -> bool:
        if titled:
            return True
        before = word_before(text, start)
        if before and before[0].lower() in ("the", "a", "an"):
            return False  # the White House, a Springfield resident
        if before and before[0] in words.PLACE_PREPOSITIONS:
            return False  # in Oregon, of Essex Police
        if len(tokens) > 1:
            return True
        # One unknown capitalised word is a person only as a common first name ("Emma"); "Greenpeace
        # said" is an organisation.
        return tokens[0] in FIRST_NAMES and tokens[0] not in self._not_people

    def _mention(self, index: int, person: Person, subject: bool) -> None:
        _to_front(self._recent, person)
        self._paragraph[person] = index
        if subject:
            _to_front(self._subjects, person)
            self._subject_paragraph[person] = index
        for forgotten in self._recent[MAX_PEOPLE:]:
            del self._paragraph[forgotten]
            if self._subject_paragraph.pop(forgotten, None) is not None:
                self._subjects.remove(forgotten)
        del self._recent[MAX_PEOPLE:]

    def _by_recency(self) -> list[Person]:
        """Everyone kept in mind, the latest mentioned first (everyone is mentioned as they are met)."""
        return self._recent


def _to_front(people: list[Person], person: Person) -> None:
    if person in people:
        people.remove(person)
    people.insert(0, person)


def _holds(name: list[str], part: list[str]) -> bool:
    """True when `part` is a run of the words of `name`, more than a lone particle: "thanh nha"."""
    if len(part) >= len(name) or (len(part) == 1 and part[0] in words.NAME_PARTICLES):
        return False
    return any(name[i : i + len(part)] == part for i in range(len(name) - len(part) + 1))
