"""What a capitalised phrase and the words around it say about a person.

`Former Health Secretary Dr James Fairley, 61,` is the name James Fairley with the roles secretary and
doctor; "Susan Park" is a name where "Central Park" is a place; a clause starts after "and" or a comma.
"""

from __future__ import annotations

import re

from scheduler.articles import speaker_words as words

# Letters of the Latin alphabets (Ł, Ș, Đ, ơ, ạ…): names are not all English.
_LATIN = [chr(code) for code in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00))]
UPPER = "A-Z" + "".join(char for char in _LATIN if char.isupper())
LOWER = "a-z" + "".join(char for char in _LATIN if char.islower())
# After these verbs comes whom it was said to, not who said it: "told Mic", "asked the mayor".
TO_WHOM = frozenset({"told", "tells", "telling", "asked", "asks", "asking", "texted", "emailed", "messaged"})
AGE = re.compile(r"\d{1,3}-year-old")
CLAUSE_MARKS = ".!?:;,—–(”’\"'"
APPOSITIVE = re.compile(r",\s+(?:(?:a|an|the|his|her|their|its)\s+)?([^,.;:“”\"]{1,80}?)(?=[,.;:]|$)")
APPOSITIVE_AGE = re.compile(r",\s+(\d{1,3}),")
OF_PLACE = re.compile(rf"\s+(?:of|from)\s+((?:[{UPPER}][\w’'-]*\s?)+)")
FIRST_NAMES = words.FEMALE_NAMES | words.MALE_NAMES
GIVEN_SYLLABLES = re.compile(rf"[{UPPER}][{LOWER}]{{1,4}}-[{LOWER}]{{2,4}}")  # Ji-sung, Jae-in
# "the new landlord," before a name and ", the new landlord," after it: a role the article gives.
THE_NOUN = re.compile(r"\b(?:[Tt]he|[Ii]ts|[Tt]heir|[Oo]ur)\s+(?:[a-z][\w-]*\s+){0,2}[a-z][\w-]*,$")
THE_NOUN_AFTER = re.compile(
    r",\s+the\s+(?:[a-z][\w’'-]*\s+){0,2}?([a-z][\w-]*)(?=\s*[,.;:]|\s+(?:of|at|for|from|in|who|whose)\b)"
)


def peel(
    tokens: list[str], known: set[str], *, speaking: bool = False
) -> tuple[list[str], set[str], str | None, int] | None:
    """Split `Former Health Secretary Dr James Fairley` into the name, the roles and gender its titles
    give, and how many leading sentence words (The, On…) are not part of the mention at all.

    Words in `known` (names of people already met) are names even if they could name a place: Park.
    """
    skipped = 0
    while skipped < len(tokens) and tokens[skipped] in words.NOT_NAMES:
        skipped += 1
    rest = tokens[skipped:]
    last_title = -1
    for position, token in enumerate(rest[:-1]):
        if is_title(token):
            last_title = position
    # "Headteacher Ann Cole", "Tenant Kayleigh Brennan": a word for a person opens the name.
    if last_title < 0 and len(rest) > 2 and _opens_with_a_role(rest):
        last_title = 0
    roles: set[str] = set()
    gender = None
    for token in rest[: last_title + 1]:
        word = token.rstrip(".").lower()
        role = words.TITLES.get(word, word if is_role_word(word) else "")
        if role:
            roles |= {role, role.split()[-1]}
        gender = gender or gender_of(word)
    name = rest[last_title + 1 :]
    while name and (name[-1] in words.NOT_NAMES or name[-1] in words.NAME_SUFFIXES):
        name = name[:-1]
    if not name or (not (len(name) == 1 and name[0] in known) and not_a_name(name, speaking=speaking)):
        return None
    return name, roles, gender, skipped


def _opens_with_a_role(tokens: list[str]) -> bool:
    return tokens[0] not in FIRST_NAMES and (tokens[1] in FIRST_NAMES or tokens[0].lower() in words.PEOPLE)


def not_a_name(name: list[str], *, speaking: bool) -> bool:
    # A given name such as "Ji-sung" makes "Park Ji-sung" a name, as a known first name does "Ada Park".
    given = name[0] in FIRST_NAMES or any(GIVEN_SYLLABLES.fullmatch(token) for token in name)
    known_first = (speaking or given) and len(name) > 1
    for number, token in enumerate(name):
        if token in words.NOT_PERSON_WORDS and not (known_first and token in words.SURNAME_LIKE):
            return True
        if token in words.NOT_NAMES or (number == 0 and token in words.PLACE_STARTS):
            return True
        letters = token.rstrip(".")
        if token in words.IRISH_PARTICLES and number < len(name) - 1:
            continue  # Seán Ó Briain
        if (len(letters) == 1 and not token.endswith(".")) or (len(letters) > 1 and letters.isupper()):
            return True
    return False


def is_title(token: str) -> bool:
    word = token.rstrip(".").lower()
    return word in words.TITLES or is_role_word(word) or token in words.DESCRIPTORS


def is_role_word(word: str) -> bool:
    return word in words.ROLES or word in words.EPITHETS or bool(AGE.fullmatch(word))


def same_role(head: str, roles: set[str]) -> bool:
    """True when these roles include `head` under some word: the Transport Secretary is "the minister"."""
    group = words.ROLE_SYNONYMS.get(head)
    return head in roles or (group is not None and bool(group & roles))


def gender_of(word: str) -> str | None:
    return "f" if word in words.FEMALE_WORDS else "m" if word in words.MALE_WORDS else None


def first_name_gender(first: str) -> str | None:
    if first in words.UNISEX_NAMES:
        return None
    return "f" if first in words.FEMALE_NAMES else "m" if first in words.MALE_NAMES else None


def clause_starts(text: str, position: int) -> bool:
    """True when a clause begins at `position`: after punctuation, a conjunction or a verb of speech."""
    before = text[max(0, position - 30) : position].rstrip()
    if not before:
        return position < 30 or not text[:position].strip()
    if before[-1] in CLAUSE_MARKS:
        return True
    word = word_before(before, len(before), spaced=False)
    return word is not None and (
        word[0] in words.CLAUSE_WORDS
        or (word[0] in words.SPEECH_VERBS and word[0] not in TO_WHOM)
        or before.lower().endswith("according to")
    )


def said_before(text: str, position: int) -> bool:
    """True right after `said` or `according to`: "said Jane Doe"; not "told Jane Doe", the listener."""
    before = text[max(0, position - 20) : position].rstrip()
    word = word_before(before, len(before), spaced=False)
    if word is None:
        return False
    return (word[0] in words.SPEECH_VERBS and word[0] not in TO_WHOM) or before.lower().endswith(
        "according to"
    )


def roles_before(text: str, start: int) -> tuple[int, set[str]]:
    """Role words just before a name ("Hornets general manager Rachel Stone"), and where they begin;
    a role with the word that qualifies it counts too ("Council leader" -> "council leader")."""
    roles: set[str] = set()
    head = ""
    position = start
    for _ in range(3):
        word = word_before(text, position)
        if word is None or not (is_role_word(word[0].lower()) or word[0].lower() in words.TITLES):
            break
        head = head or word[0].lower()
        roles.add(word[0].lower())
        position = word[1]
    if roles:  # and whatever qualifies the role: "Race director", "AWU general secretary"
        for number in range(2):
            word = word_before(text, position)
            if word is None or word[0].lower() in ("the", "a", "an", "and", "with", "by"):
                break
            if clause_starts(text, position):
                break
            if number == 0 and word[0] not in words.NOT_NAMES:
                roles.add(f"{word[0].lower()} {head}")
            position = word[1]
    before = text[max(0, start - 40) : start].rstrip()
    if before.endswith(","):
        comma = word_before(before, len(before) - 1, spaced=False)
        noun = THE_NOUN.search(before)
        opening = text[: max(0, start - 40) + noun.start()].rstrip() if noun else ""
        given = noun is not None and (not opening or opening[-1] in '.!?:;”"')  # a sentence opens
        if comma and comma[0].islower() and (is_role_word(comma[0]) or given):
            roles.add(comma[0])  # "The park’s owner, Martin Coombe", "The new landlord, Tariq Khan"
    return position, roles


def word_before(text: str, position: int, *, spaced: bool = True) -> tuple[str, int] | None:
    """The word ending just before `position` (past spaces, one at least when `spaced`), and its start."""
    end = position
    while end > 0 and text[end - 1].isspace():
        end -= 1
    if spaced and end == position:
        return None
    start = end
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "-_"):
        start -= 1
    return (text[start:end], start) if start < end else None


def roles_after(text: str, end: int) -> set[str]:
    """Roles in the appositive after a name: "Jane Doe, the mayor of…", "Doe, 45,", "Tariq Khan, the
    new landlord," (whatever "the" noun the article gives, so that "the landlord" finds him later)."""
    roles: set[str] = set()
    if noun := THE_NOUN_AFTER.match(text, end):
        roles.add(noun.group(1))
    if age := APPOSITIVE_AGE.match(text, end):
        roles.add(f"{age.group(1)}-year-old")
    if appositive := APPOSITIVE.match(text, end):
        for word in appositive.group(1).lower().split():
            if is_role_word(word):
                roles.add(word)
    return roles


def attributes_after(text: str, end: int) -> set[str]:
    """Capitalised words said of someone: "Kessler, a Democrat from Oregon," -> {Democrat, Oregon}."""
    found: set[str] = set()
    if appositive := APPOSITIVE.match(text, end):
        found |= {word for word in appositive.group(1).split() if word[:1].isupper()}
    if place := OF_PLACE.match(text, end):
        found |= set(place.group(1).split())
    return found


def gender_after(text: str, end: int) -> str | None:
    """A gender word in the appositive right after a name: "Alice Johnson, a woman who…"."""
    if appositive := APPOSITIVE.match(text, end):
        for word in appositive.group(1).lower().split():
            if gender := gender_of(word):
                return gender
    return None
