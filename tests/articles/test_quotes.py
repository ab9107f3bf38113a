from __future__ import annotations

import pytest

from scheduler.articles.quotes import PullQuote, Quotation, find_quotations, pull_quotes, rank_pull_quotes
from scheduler.articles.text import parse_text, read_text_file
from tests.conftest import REFERENCE_ARTICLE


def quotations(*paragraphs: str, title: str = "") -> list[Quotation]:
    return find_quotations(paragraphs, title=title)


def only(*paragraphs: str) -> Quotation:
    """The one quotation of speech (not a fragment) in the paragraphs."""
    found = [quotation for quotation in quotations(*paragraphs) if not quotation.fragment]
    assert len(found) == 1, found
    return found[0]


# The reference article


@pytest.fixture(scope="module")
def reference() -> tuple[list[Quotation], list[PullQuote]]:
    article = parse_text(read_text_file(REFERENCE_ARTICLE, max_bytes=1_000_000))
    found = find_quotations(article.paragraphs, title=article.title)
    return found, pull_quotes(article.paragraphs, title=article.title)


def test_reference_statement_and_interview_are_kim_kardashians_best_quotes(reference) -> None:
    _, candidates = reference
    top = candidates[:2]
    assert top[0].speaker == "Kim Kardashian"
    assert top[0].text.endswith("hopeful that she – and so many like her – will get a second chance at life.")
    assert not top[0].text.startswith("I would like to thank")  # trimmed past the courtesy opener
    assert top[1].speaker == "Kim Kardashian"
    assert top[1].text.startswith("I’ve been fighting very hard and am willing to do what it takes")


def test_reference_tweet_is_donald_trumps_and_ranks_below_kims_quotes(reference) -> None:
    _, candidates = reference
    texts = [candidate.text for candidate in candidates]
    tweet = next(c for c in candidates if c.text.startswith("Great meeting with @KimKardashian today"))
    assert tweet.speaker == "Donald Trump"
    assert texts.index(tweet.text) > 1
    assert tweet.score < candidates[1].score


def test_reference_optimistic_is_a_fragment_and_never_a_candidate(reference) -> None:
    found, candidates = reference
    optimistic = next(q for q in found if q.text == "optimistic.")
    assert optimistic.fragment
    assert all(candidate.text != "optimistic." for candidate in candidates)
    assert all(not candidate.text.startswith("optimistic") for candidate in candidates)


def test_reference_scores_are_ranked_and_bounded(reference) -> None:
    _, candidates = reference
    scores = [candidate.score for candidate in candidates]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= candidate.score <= 1 and 0 <= candidate.confidence <= 1 for candidate in candidates)
    assert candidates[0].confidence > 0.8  # "Kim said:" names her right there


# Quote marks


def test_curly_double_quotes_with_said_x() -> None:
    quotation = only("“We will rebuild the pier before summer,” said Mayor Jane Okafor.")
    assert quotation.text == "We will rebuild the pier before summer,"
    assert quotation.speaker == "Jane Okafor"


def test_straight_double_quotes_with_x_said() -> None:
    quotation = only('"The water is safe to drink again," Tom Reddy said on Monday.')
    assert quotation.text == "The water is safe to drink again,"
    assert quotation.speaker == "Tom Reddy"


def test_british_single_quotes_keep_apostrophes_and_possessives_inside() -> None:
    quotation = only("‘The students’ union hasn’t been asked, and that’s wrong,’ said Tom Barker, 52.")
    assert quotation.text == "The students’ union hasn’t been asked, and that’s wrong,"
    assert quotation.speaker == "Tom Barker"


def test_straight_single_quotes() -> None:
    quotation = only("'We don't know who left the gate open,' farmer Ruth Ellis said.")
    assert quotation.text == "We don't know who left the gate open,"
    assert quotation.speaker == "Ruth Ellis"


def test_apostrophes_alone_are_not_quotations() -> None:
    paragraph = (
        "Alice’s bakery, a ’90s favourite, still plays rock ’n’ roll, and the students’ union meets "
        "there on Fridays. Don't expect the owners' dog to move; it's been there since '98."
    )
    assert quotations(paragraph) == []


def test_closing_single_quote_after_a_word_ending_in_s() -> None:
    paragraph = "Head keeper Jo Marsh said the team had been ‘on tenterhooks’ for weeks."
    assert [q.text for q in quotations(paragraph)] == ["on tenterhooks"]


# Attribution patterns


def test_split_attribution_is_one_quotation() -> None:
    found = quotations(
        "Maria Lopez runs the harbour ferry.",
        "“We are ready,” she said. “The town has waited long enough for this.”",
    )
    assert [(q.text, q.speaker) for q in found] == [
        ("We are ready. The town has waited long enough for this.", "Maria Lopez")
    ]


def test_split_attribution_mid_sentence_keeps_the_comma() -> None:
    quotation = only("“If the rain holds off,” said coach Dan Reyes, “we will play on Saturday.”")
    assert quotation.text == "If the rain holds off, we will play on Saturday."
    assert quotation.speaker == "Dan Reyes"


def test_multi_sentence_quotation_after_a_colon() -> None:
    quotation = only(
        "Council leader Priya Shah told reporters: “The vote was close. We respect it. Now we build.”"
    )
    assert quotation.text == "The vote was close. We respect it. Now we build."
    assert quotation.speaker == "Priya Shah"


def test_according_to_after_and_before() -> None:
    after = only("“Prices will rise again in spring,” according to economist Daniel Hart.")
    assert after.speaker == "Daniel Hart"
    before = quotations(
        "Economist Daniel Hart studies rents.",
        "According to Hart, “nothing in the data suggests a fall before 2027.”",
    )
    assert [(q.text, q.speaker) for q in before] == [
        ("nothing in the data suggests a fall before 2027.", "Daniel Hart")
    ]


def test_wrote_on_social_media() -> None:
    quotation = only("Singer Mara Quinn wrote on Instagram: “Twenty years, and I loved every night of it.”")
    assert quotation.speaker == "Mara Quinn"


def test_told_an_outlet_is_not_the_speaker() -> None:
    found = quotations(
        "Mara Quinn announced her retirement on Friday.",
        "Quinn told Pitchfork, “I never planned to stop, but my voice did.”",
    )
    assert [q.speaker for q in found] == ["Mara Quinn"]


def test_surname_first_name_and_title_resolve_to_the_full_name() -> None:
    found = quotations(
        "Senator Alan Whitby and his rival, Joan Pryce, met in Tulsa on Monday.",
        "“We agree on more than people think,” Whitby said.",
        "“I doubt that very much,” Joan replied.",
        "“The bill will pass this month,” the senator added.",
    )
    assert [q.speaker for q in found] == ["Alan Whitby", "Joan Pryce", "Alan Whitby"]
    assert found[0].confidence > found[2].confidence  # a name beats a title


def test_pronoun_resolves_to_the_latest_subject_of_that_gender() -> None:
    found = quotations(
        "Rachel Kim, the festival's director, thanked volunteer Peter Olsen for his work.",
        "“Without him there would be no festival this year,” she said.",
        "Olsen shrugged it off. “Somebody had to carry the chairs,” he said.",
    )
    assert [q.speaker for q in found] == ["Rachel Kim", "Peter Olsen"]


def test_unnamed_speakers_stay_unknown() -> None:
    found = quotations(
        "Residents of Ashby Road were divided over the plan.",
        "“It was chaos from the first night,” said one neighbour, who did not give her name.",
        "A council spokesperson said the scheme was under review. “We are listening,” the spokesperson said.",
        "Another resident, who has lived there since 1970, was blunt. “They never asked us,” she said.",
    )
    assert [q.speaker for q in found] == [None, None, None]


def test_an_organisation_is_not_taken_for_a_person() -> None:
    found = quotations("“We are reviewing the report carefully,” the White House said on Tuesday.")
    assert [q.speaker for q in found] == [None]


def test_paragraph_that_is_only_a_quotation_continues_the_speaker() -> None:
    found = quotations(
        "“We lost the final, but not our nerve,” coach Lena Brandt said after the match.",
        "“Next year we come back stronger.”",
    )
    assert [q.speaker for q in found] == ["Lena Brandt", "Lena Brandt"]
    assert found[1].confidence < found[0].confidence


def test_quotation_running_over_paragraphs_is_one() -> None:
    found = quotations(
        "Professor Ines Duarte opened the session: “The river has changed more in ten years than in a "
        "century.",
        "“We measured it every month, and the numbers only go one way.”",
    )
    assert len(found) == 1
    assert found[0].speaker == "Ines Duarte"
    assert found[0].text.endswith("the numbers only go one way.")


def test_verdict_named_after_the_quotation() -> None:
    quotation = only(
        "“It will be a long, hard winter for the valley.” That was the warning of "
        "forecaster Owen Pryde on Friday."
    )
    assert quotation.speaker == "Owen Pryde"


# Fragments


@pytest.mark.parametrize(
    "paragraph",
    [
        "Councillor Amy Ross described the plan as “reckless.”",
        "Ross, who spoke after the vote, said she was feeling “optimistic.”",
        "Her second novel, “Small Hours,” won the prize on Thursday.",
        "The so-called “wealth tax” was dropped from the bill.",
        "“Go big or go home” is the motto painted on the gym wall.",
    ],
)
def test_fragments_are_marked_and_never_pull_quotes(paragraph: str) -> None:
    found = quotations(paragraph)
    assert len(found) == 1 and found[0].fragment
    assert pull_quotes([paragraph]) == []


# Ranking


def pull(
    *items: tuple[str, str | None], title: str = "", paragraphs: tuple[str, ...] = ()
) -> list[PullQuote]:
    found = [
        Quotation(text, speaker, 0.95 if speaker else 0.0, n, False)
        for n, (text, speaker) in enumerate(items)
    ]
    return rank_pull_quotes(found, paragraphs=paragraphs or tuple(text for text, _ in items), title=title)


def test_too_short_and_too_long_quotations_are_dropped() -> None:
    long_sentence = "We will " + "keep building homes and schools and clinics, " * 7 + "whatever it takes."
    ranked = pull(("Yes, absolutely,", "Ana Silva"), (long_sentence, "Ben Okoro"))
    assert len(long_sentence) > 280
    assert ranked == []


def test_long_quotation_is_trimmed_to_its_best_whole_sentences() -> None:
    text = (
        "Thank you all for coming tonight. "
        "It was a long campaign, and there were many nights when I doubted we would get here. "
        "I believe this town deserves a council that listens, and I am proud we proved it can. "
        "We start work on Monday morning with the budget, the buses and the bins, in that order. "
        "Now go home and get some sleep."
    )
    [candidate] = pull((text, "Ana Silva"))
    assert 40 <= len(candidate.text) <= 280
    assert candidate.text in text and candidate.text.endswith(".")
    assert candidate.text.startswith("I believe this town deserves")


def test_context_opener_ranks_below_a_self_contained_quote() -> None:
    ranked = pull(
        ("That is why we cannot wait another year to fix the roads in this county.", "Ana Silva"),
        ("The roads in this county are a disgrace, and we cannot wait another year.", "Ben Okoro"),
    )
    assert [c.speaker for c in ranked] == ["Ben Okoro", "Ana Silva"]


def test_courtesy_opener_ranks_low() -> None:
    ranked = pull(
        ("I would like to thank everyone who voted for us and everyone who knocked on doors.", "Ana Silva"),
        ("I ran because this town deserves better than boarded-up shops.", "Ben Okoro"),
    )
    assert [c.speaker for c in ranked] == ["Ben Okoro", "Ana Silva"]


def test_handles_urls_and_hashtags_rank_low() -> None:
    ranked = pull(
        ("Huge night for the team! Tickets for the final at https://example.com #GoCity", "Ana Silva"),
        ("We played with our hearts tonight and I am proud of every one of them.", "Ben Okoro"),
    )
    assert [c.speaker for c in ranked] == ["Ben Okoro", "Ana Silva"]
    assert ranked[1].score < ranked[0].score / 2


def test_first_person_and_evaluative_words_rank_high() -> None:
    ranked = pull(
        ("The meeting began at seven and the agenda had four items on it this week.", "Ana Silva"),
        ("I am proud of this town, and I believe its best years are ahead.", "Ben Okoro"),
    )
    assert ranked[0].speaker == "Ben Okoro"


def test_one_quote_per_speaker_before_a_second_from_the_same_speaker() -> None:
    ranked = pull(
        ("I am proud of every volunteer who gave up a weekend for this campaign.", "Ana Silva"),
        ("We believe the library must stay open, and we will fight to keep it open.", "Ana Silva"),
        ("The budget has a hole in it and everyone in this room knows that.", "Ben Okoro"),
    )
    assert [c.speaker for c in ranked] == ["Ana Silva", "Ben Okoro", "Ana Silva"]


def test_main_person_first() -> None:
    text = "We have worked for this for ten years, and I am proud of every person here."
    paragraphs = ("Ana Silva won the mayoral race on Sunday.", "Silva thanked Ben Okoro.", text, text)
    ranked = pull((text, "Ben Okoro"), (text, "Ana Silva"), title="Silva wins", paragraphs=paragraphs)
    assert [c.speaker for c in ranked] == ["Ana Silva", "Ben Okoro"]


def test_unknown_speaker_ranks_below_a_known_one() -> None:
    text = "We have worked for this for ten years, and I am proud of every person here."
    ranked = pull((text, None), (text, "Ben Okoro"))
    assert [c.speaker for c in ranked] == ["Ben Okoro", None]


def test_title_and_appositive_with_abbreviations_before_the_verb() -> None:
    quotation = only(
        "“The valve was the problem,” Dr. Amir Patel, a cardiologist at St. Mary’s Hospital, said on Friday."
    )
    assert quotation.speaker == "Amir Patel"


def test_name_in_apposition_after_the_verb() -> None:
    quotation = only("“Get out now!” shouted a neighbour, Mike Dunn, as the flames spread.")
    assert quotation.speaker == "Mike Dunn"


def test_a_single_unknown_capitalised_word_is_not_a_speaker() -> None:
    quotation = only("Greenpeace said: “This is a dark day for the oceans and for the fishermen.”")
    assert quotation.speaker is None


def test_reported_speech_that_ends_in_a_quotation_is_a_fragment() -> None:
    found = quotations(
        "‘Comets do exactly what they want,’ said Professor Tunde Okafor. The professor added that the best "
        "views would come in April, ‘if the weather is kind to us, which is a big if’."
    )
    assert [(q.text, q.speaker, q.fragment) for q in found] == [
        ("Comets do exactly what they want,", "Tunde Okafor", False),
        ("if the weather is kind to us, which is a big if", "Tunde Okafor", True),
    ]


def test_card_text_ends_a_sentence_where_the_attribution_took_the_comma() -> None:
    [candidate] = pull_quotes(
        ["“We built this bridge for the next hundred years, not the next ten,” said Ana Silva."]
    )
    assert candidate.text == "We built this bridge for the next hundred years, not the next ten."
    assert candidate.speaker == "Ana Silva"


def test_a_fragment_that_ends_the_sentence_does_not_swallow_the_next_quotation() -> None:
    found = quotations(
        "Sen. Bob Harlan, R-Texas, called the deal “a betrayal.” “I will vote no, and I will urge every "
        "colleague to do the same,” Harlan said in a floor speech."
    )
    assert [(q.speaker, q.fragment) for q in found] == [(None, True), ("Bob Harlan", False)]


# Names beyond English habits, and attribution without a verb of speech. One case a line: paragraphs
# split by " ¶ ", then " => " and the speakers of the quotations (not fragments) split by "; " ("-": none).

NAMES = """
Cllr Ines Mallory-Dunn said: “The library stays open.” => Ines Mallory-Dunn
Det Insp Femi Adeyinka of Kelso Police said: “We need witnesses.” => Femi Adeyinka
“Extra patrols start tonight,” said Ch Supt. Halina Wrobel. => Halina Wrobel
Baroness Ottoline Vance told peers: “This bill is a charter for cowboys.” => Ottoline Vance
“They must answer,” said the Rt Hon Priya Ghosal MP. ¶ Ghosal added: “Now.” => Priya Ghosal; Priya Ghosal
Fergus Lindqvist MSP said: “Rail links matter.” => Fergus Lindqvist
“We build,” said Rosa de la Vega. ¶ De la Vega added: “And we wait.” => Rosa de la Vega; Rosa de la Vega
Gwyn ap Huw said: “We tried.” ¶ “No more,” Ap Huw said. => Gwyn ap Huw; Gwyn ap Huw
Hisham el-Sayed said: “The canal is open.” ¶ “Always,” el-Sayed said. => Hisham el-Sayed; Hisham el-Sayed
Eoin Ó Briain said: “We will appeal.” ¶ “It was wrong,” Ó Briain added. => Eoin Ó Briain; Eoin Ó Briain
Wojciech Łukasiewicz said: “The mine will close.” => Wojciech Łukasiewicz
Carla dos Reis said: “A great day.” ¶ “At last,” Dos Reis said. => Carla dos Reis; Carla dos Reis
Tran Thi Kim Lan scored twice. ¶ “I felt free,” Kim Lan said. => Tran Thi Kim Lan
Lucía Fernández Ortega won. ¶ “I write at dawn,” Fernández Ortega said. => Lucía Fernández Ortega
South Korea's Park Ji-sung spoke to fans. ¶ “Football gave me everything,” Park said. => Park Ji-sung
"""
PEOPLE = """
Tenant Kayleigh Brennan said: “Nobody listened.” => Kayleigh Brennan
His daughter, Ada Eze, spoke. ¶ Ada said the wake would honour his life. “No quiet one,” she said. => Ada Eze
Resident Jordan Ellery, who runs the food bank, spoke. “We ran out by noon,” she said. => Jordan Ellery
Tom Price said Jack Hale had been unlucky. ¶ “He deserved a goal,” he said. => Tom Price
Maria Ruiz told her sister Ana Ruiz about the prize. She said: “I could not believe it.” => Maria Ruiz
Prof Ilona Varga, a researcher at Kell University, spoke. “They always are,” she said. => Ilona Varga
Det Insp Ray Cole of Fenmoor Police said he hoped for news. “Call us,” he said. => Ray Cole
Prof Ada Ruiz, head of Kell University, which cut 90 jobs, told us: “Something has to give.” => Ada Ruiz
Rovers manager Ola Ade did not hide his frustration. “We switched off for ten minutes.” => Ola Ade
“A scandal,” said Lena Dorn. Her colleague, Rui Sola, agreed. “It cannot stand.” => Lena Dorn; Rui Sola
Police are hunting for Darren Cole, 34. “He should not be approached by anyone.” => None
Ella Grant, 12, was rescued by firefighter Sam Ode. “She was so brave and calm.” => None
The new landlord, Tariq Khan, opened the doors. “No foam here,” the landlord said. => Tariq Khan
Council leader Cllr Ann Bray met opposition leader Cllr Ed Moss. ¶ The council leader said: “No.” => Ann Bray
Singer Lia Mota wed striker Kofi Bello. ¶ Bello said: “Yes.” ¶ “Oh,” the singer said. => Kofi Bello; Lia Mota
Ada Eze ran the club. ¶ Ada Eze said the wake would be at the club, “with a band, obviously”. => -
Ada Eze ran the club. ¶ He came to Leeds with, he says, “two shirts and a wrong idea of food”. => -
"""


def cases(block: str) -> list:
    split = [line.split(" => ") for line in block.strip().splitlines()]
    return [
        pytest.param(
            text.split(" ¶ "),
            [] if who == "-" else [None if n == "None" else n for n in who.split("; ")],
            id=text,
        )
        for text, who in split
    ]


def speakers(*paragraphs: str, title: str = "") -> list[str | None]:
    return [quotation.speaker for quotation in quotations(*paragraphs, title=title) if not quotation.fragment]


@pytest.mark.parametrize(("paragraphs", "expected"), cases(NAMES) + cases(PEOPLE))
def test_names_pronouns_roles_and_the_sentence_before(
    paragraphs: list[str], expected: list[str | None]
) -> None:
    """NAMES: titles are not names, particles are, a later mention is any run of the full name's words.
    PEOPLE: pronouns, asides and reported subjects; with no verb of speech the subject of the sentence
    before speaks (not an object or a passive one); roles the article gives; lower-case fragments."""
    assert speakers(*paragraphs) == expected


def test_an_epithet_opening_a_paragraph_is_the_person_in_the_headline() -> None:
    paragraphs = (
        "Pop star Mara Quinn and actor Dev Oyelaran have split.",
        "The Grammy winner posted: “Bye.”",
    )
    assert speakers(*paragraphs, title="Mara Quinn splits from actor") == ["Mara Quinn"]


def test_split_quotation_with_a_long_attribution_and_abbreviation_is_one() -> None:
    paragraph = '"Stop," said state Sen. Ada Obi, a Democrat who sponsored the bill. "We know the pipes."'
    assert [(q.text, q.speaker) for q in quotations(paragraph)] == [("Stop. We know the pipes.", "Ada Obi")]
