"""What changed: version diffs and story matching, on small texts written for these tests."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from bot.brief.changes import diff_versions, word_diff
from bot.brief.stories import (
    SAME_STORY_THRESHOLD,
    StoryIndex,
    find_same_story,
    story_novelty,
    story_similarity,
)
from bot.brief.text import SplitText, split_sentences
from bot.models import Change, ChangeKind, Quote, QuoteKind, StoryArticle, WordDiffPart, WordOp

OLD = (
    "Firefighters battled a blaze at a warehouse in Eastfield on Monday night. "
    "The fire started shortly after 9 p.m. in a storage unit at the back of the building. "
    '"We saw flames coming out of the roof," said neighbour Dana Price. '
    "Crews from three stations were called to the scene.\n\n"
    "The cause of the fire is not yet known. "
    "Nobody was inside the warehouse at the time, the fire service said."
)
STARTED = "The fire started shortly after 9 p.m. in"
OLD_QUOTES = [Quote("We saw flames coming out of the roof,", "Dana Price")]


def _diff(old_text: str, new_text: str, **kwargs: object) -> tuple[Change, ...]:
    old_quotes = kwargs.get("old_quotes", [])
    new_quotes = kwargs.get("new_quotes", [])
    assert isinstance(old_quotes, list) and isinstance(new_quotes, list)
    return diff_versions(None, old_text, old_quotes, None, new_text, new_quotes)


def _kinds(changes: tuple[Change, ...]) -> list[ChangeKind]:
    return [c.kind for c in changes]


def _rebuild(parts: tuple[WordDiffPart, ...], keep: WordOp) -> str:
    return "".join(p.text for p in parts if p.op in (WordOp.SAME, keep))


# --- the acceptance test ---------------------------------------------------------------


def test_one_added_one_edited_one_quote_removed_gives_exactly_those_three_changes() -> None:
    new = (
        "Firefighters battled a blaze at a warehouse in Eastfield on Monday night. "
        "The fire started shortly after 9 p.m. in an empty storage unit at the back of the building. "
        "Crews from three stations were called to the scene.\n\n"
        "The cause of the fire is not yet known. "
        "Police have closed the road outside the warehouse. "
        "Nobody was inside the warehouse at the time, the fire service said."
    )

    changes = diff_versions(None, OLD, OLD_QUOTES, None, new, [])

    assert changes == (
        Change(
            ChangeKind.SENTENCE_EDITED,
            before=f"{STARTED} a storage unit at the back of the building.",
            after=f"{STARTED} an empty storage unit at the back of the building.",
            words=(
                WordDiffPart(WordOp.SAME, f"{STARTED} "),
                WordDiffPart(WordOp.DELETED, "a "),
                WordDiffPart(WordOp.INSERTED, "an empty "),
                WordDiffPart(WordOp.SAME, "storage unit at the back of the building."),
            ),
        ),
        Change(ChangeKind.QUOTE_REMOVED, before="We saw flames coming out of the roof,"),
        Change(ChangeKind.SENTENCE_ADDED, after="Police have closed the road outside the warehouse."),
    )


# --- nothing changed ---------------------------------------------------------------------------


def test_identical_versions_have_no_changes() -> None:
    assert diff_versions("Warehouse fire", OLD, OLD_QUOTES, "Warehouse fire", OLD, OLD_QUOTES) == ()


def test_whitespace_quote_style_case_and_punctuation_alone_are_no_change() -> None:
    restyled = (
        "Firefighters  battled a blaze at a warehouse in Eastfield on Monday night. "
        "The fire started shortly after 9 p.m. in a storage unit at the back of the building. "
        "“We saw flames coming out of the roof”, said neighbour Dana Price. "
        "Crews from three stations were called to the scene.\n\n\n"
        "The cause of the fire is NOT yet known! "
        "Nobody was inside the warehouse at the time – the fire service said."
    )
    assert _diff(OLD, restyled) == ()


def test_moved_sentence_is_no_change() -> None:
    sentences = split_sentences(OLD)
    moved = [*sentences[1:5], sentences[0], sentences[5]]
    assert _diff(OLD, " ".join(moved)) == ()


def test_sentence_split_in_two_with_the_same_words_is_no_change() -> None:
    old = "The council met on Tuesday, and it voted to close the library. Residents were upset."
    new = "The council met on Tuesday. And it voted to close the library. Residents were upset."
    assert _diff(old, new) == ()
    assert _diff(new, old) == ()  # merged back: no change either


def test_sentence_split_with_an_edit_is_one_edit_of_the_whole() -> None:
    old = "The council met on Tuesday, and it voted to close the library. Residents were upset."
    new = "The council met on Tuesday. It voted narrowly to close the library. Residents were upset."

    changes = _diff(old, new)

    assert _kinds(changes) == [ChangeKind.SENTENCE_EDITED]
    assert changes[0].before == "The council met on Tuesday, and it voted to close the library."
    assert changes[0].after == "The council met on Tuesday. It voted narrowly to close the library."


# --- sentences ---------------------------------------------------------------------------------


def test_edited_sentence_is_one_change_not_a_removal_and_an_addition() -> None:
    old = "The bridge will close for repairs next week. Drivers should use the ring road."
    new = "The old bridge will close for urgent repairs next week. Drivers should use the ring road."

    changes = _diff(old, new)

    assert _kinds(changes) == [ChangeKind.SENTENCE_EDITED]
    words = changes[0].words
    assert [p for p in words if p.op is not WordOp.SAME] == [
        WordDiffPart(WordOp.INSERTED, "old "),
        WordDiffPart(WordOp.INSERTED, "urgent "),
    ]


def test_unrelated_replacement_is_a_removal_and_an_addition() -> None:
    old = "The bridge will close for repairs next week. Drivers should use the ring road."
    new = "The bridge will close for repairs next week. Cyclists can still cross on the footpath."

    assert _kinds(_diff(old, new)) == [ChangeKind.SENTENCE_REMOVED, ChangeKind.SENTENCE_ADDED]


def test_several_edits_far_apart_are_each_reported_once_in_document_order() -> None:
    sentences = [f"Paragraph {word} talks about topic {word} in some detail today." for word in "abcdefghij"]
    new = list(sentences)
    new[1] = "Paragraph b talks about topic b in great detail today."
    del new[5]
    new.insert(8, "A brand new finding was announced by the lab.")
    new[-1] = "Paragraph j talks about topic j in some detail tonight."

    changes = _diff(" ".join(sentences), " ".join(new))

    assert [(c.kind, c.before, c.after) for c in changes] == [
        (ChangeKind.SENTENCE_EDITED, sentences[1], new[1]),
        (ChangeKind.SENTENCE_REMOVED, sentences[5], None),
        (ChangeKind.SENTENCE_ADDED, None, "A brand new finding was announced by the lab."),
        (ChangeKind.SENTENCE_EDITED, sentences[9], new[-1]),
    ]


def test_moved_and_edited_sentence_is_one_edit() -> None:
    old = "Alpha team won the cup. Beta team came second. Gamma team was third overall."
    new = "Beta team came second. Gamma team was third overall. Alpha team easily won the cup."

    changes = _diff(old, new)

    assert [(c.kind, c.before, c.after) for c in changes] == [
        (ChangeKind.SENTENCE_EDITED, "Alpha team won the cup.", "Alpha team easily won the cup.")
    ]


def test_word_diff_rebuilds_both_sides() -> None:
    before = "Shares in Acme fell 4% on Friday, the lowest in “two years”."
    after = "Shares in Acme Corp fell sharply on Friday – the lowest in years."

    parts = word_diff(before, after)

    assert _rebuild(parts, WordOp.INSERTED) == after
    assert _rebuild(parts, WordOp.DELETED).replace(" ", "") == before.replace(" ", "")
    assert [(p.op, p.text) for p in parts if p.op is not WordOp.SAME] == [
        (WordOp.INSERTED, "Corp "),
        (WordOp.DELETED, "4% "),
        (WordOp.INSERTED, "sharply "),
        (WordOp.DELETED, ", "),
        (WordOp.INSERTED, "– "),
        (WordOp.DELETED, "“two "),
        (WordOp.DELETED, "”"),
    ]


# --- numbers -----------------------------------------------------------------------------------


def test_number_only_edit_is_number_changed_not_sentence_edited() -> None:
    old = "At least 12 people were injured. The road remains closed."
    new = "At least 15 people were injured. The road remains closed."

    assert _diff(old, new) == (Change(ChangeKind.NUMBER_CHANGED, before="12", after="15"),)


@pytest.mark.parametrize(
    ("before", "after"),
    [("$3.5 million", "$4.2 million"), ("12%", "15%"), ("1,200", "1,450"), ("£2bn", "£3bn")],
)
def test_number_keeps_its_currency_and_scale(before: str, after: str) -> None:
    old = f"The deal is worth {before} according to the filing."
    new = f"The deal is worth {after} according to the filing."

    assert _diff(old, new) == (Change(ChangeKind.NUMBER_CHANGED, before=before, after=after),)


def test_two_numbers_changed_in_one_sentence_are_two_changes() -> None:
    old = "The vote was 52 to 48 in favour."
    new = "The vote was 51 to 49 in favour."

    assert _diff(old, new) == (
        Change(ChangeKind.NUMBER_CHANGED, before="52", after="51"),
        Change(ChangeKind.NUMBER_CHANGED, before="48", after="49"),
    )


def test_number_and_word_edit_together_is_one_sentence_edit_and_the_number_change() -> None:
    old = "At least 12 people were injured in the crash."
    new = "At least 15 people were seriously injured in the crash."

    changes = _diff(old, new)

    assert _kinds(changes) == [ChangeKind.SENTENCE_EDITED, ChangeKind.NUMBER_CHANGED]
    assert WordDiffPart(WordOp.DELETED, "12 ") in changes[0].words
    assert WordDiffPart(WordOp.INSERTED, "15 ") in changes[0].words
    assert changes[1] == Change(ChangeKind.NUMBER_CHANGED, before="12", after="15")


def test_a_rewritten_sentence_still_names_its_changed_number_and_only_that_one() -> None:
    old = "The flood cut power to 3 villages and killed 12 people on Monday."
    new = "On Tuesday officials said the flood, which cut power to 3 villages, had killed 15 people."

    changes = _diff(old, new)

    assert _kinds(changes) == [ChangeKind.SENTENCE_EDITED, ChangeKind.NUMBER_CHANGED]
    assert changes[0].before == old and changes[0].after == new
    assert changes[1] == Change(ChangeKind.NUMBER_CHANGED, before="12", after="15")


def test_numbers_that_swap_places_are_two_number_changes() -> None:
    old = "The committee voted 5 to 3 against the new tram line."
    new = "The committee voted 3 to 5 against the new tram line."

    assert _diff(old, new) == (
        Change(ChangeKind.NUMBER_CHANGED, before="5", after="3"),
        Change(ChangeKind.NUMBER_CHANGED, before="3", after="5"),
    )


def test_an_edit_that_keeps_every_number_names_no_number() -> None:
    old = "The committee voted 5 to 3 against the tram line on 2 May."
    new = "The full committee voted 5 to 3 against the planned tram line on 2 May."

    assert _kinds(_diff(old, new)) == [ChangeKind.SENTENCE_EDITED]


def test_a_number_dropped_from_an_edited_sentence_is_no_number_change() -> None:
    old = "Two ferries were cancelled because of the high winds."
    new = "Ferries were cancelled because of the high winds and heavy rain."

    assert _kinds(_diff(old, new)) == [ChangeKind.SENTENCE_EDITED]


@pytest.mark.parametrize(
    ("old_number", "new_number"),
    [("two", "ten"), ("Nine", "Eight"), ("twenty-five", "thirty-one"), ("three", "four")],
)
def test_number_word_to_number_word_is_number_changed(old_number: str, new_number: str) -> None:
    old = f"The panel heard from {old_number} witnesses before the recess."
    new = f"The panel heard from {new_number} witnesses before the recess."

    assert _diff(old, new) == (Change(ChangeKind.NUMBER_CHANGED, before=old_number, after=new_number),)


def test_number_word_at_the_start_of_a_sentence_is_number_changed() -> None:
    old = "Nine days later the ferry service resumed. Tickets were refunded."
    new = "Eight days later the ferry service resumed. Tickets were refunded."

    assert _diff(old, new) == (Change(ChangeKind.NUMBER_CHANGED, before="Nine", after="Eight"),)


@pytest.mark.parametrize(
    ("old_number", "new_number"),
    [("nine", "11"), ("two", "20"), ("a hundred", "150"), ("1.2 million", "1.5 million")],
)
def test_number_words_to_digits_of_another_value_is_number_changed(old_number: str, new_number: str) -> None:
    old = f"Organisers expect {old_number} visitors at the harbour festival."
    new = f"Organisers expect {new_number} visitors at the harbour festival."

    assert _diff(old, new) == (Change(ChangeKind.NUMBER_CHANGED, before=old_number, after=new_number),)


@pytest.mark.parametrize(
    ("old_number", "new_number"), [("third", "fourth"), ("first", "second"), ("2nd", "twenty-first")]
)
def test_an_ordinal_change_is_number_changed(old_number: str, new_number: str) -> None:
    old = f"It is the {old_number} closure of the mountain pass this winter."
    new = f"It is the {new_number} closure of the mountain pass this winter."

    assert _diff(old, new) == (Change(ChangeKind.NUMBER_CHANGED, before=old_number, after=new_number),)


def test_an_edit_with_a_number_word_change_is_the_edit_and_the_number_change() -> None:
    old = "In the first three months of the year the bakery sold bread to two schools."
    new = "In the first four months of the year the small bakery sold bread to two schools."

    changes = _diff(old, new)

    assert _kinds(changes) == [ChangeKind.SENTENCE_EDITED, ChangeKind.NUMBER_CHANGED]
    assert changes[1] == Change(ChangeKind.NUMBER_CHANGED, before="three", after="four")


@pytest.mark.parametrize(
    ("old_number", "new_number"),
    [
        ("nine", "9"),
        ("twenty-five", "25"),
        ("first", "1st"),
        ("5%", "five percent"),
        ("12 per cent", "12%"),
        ("$4m", "$4 million"),
        ("1,200", "1200"),
        ("one hundred and five", "105"),
    ],
)
def test_the_same_value_written_another_way_is_no_change(old_number: str, new_number: str) -> None:
    old = f"The council counted {old_number} complaints about the new bins."
    new = f"The council counted {new_number} complaints about the new bins."

    assert _diff(old, new) == ()


def test_the_same_value_written_another_way_in_an_edit_is_the_edit_alone() -> None:
    old = "The council counted nine complaints about the new bins."
    new = "The council counted 9 complaints about the new recycling bins."

    assert _kinds(_diff(old, new)) == [ChangeKind.SENTENCE_EDITED]


def test_a_percent_and_a_plain_number_do_not_pair() -> None:
    old = "Turnout was 40 on the island."
    new = "Turnout was 40% on the island."

    assert _kinds(_diff(old, new)) == [ChangeKind.SENTENCE_EDITED]


# --- quotes ------------------------------------------------------------------------------------

QUOTED_OLD = 'The mayor visited the site. "We will rebuild," the mayor said. Repairs start in May.'
QUOTED_NEW_QUOTE = Quote("We will rebuild,", "the mayor")


def test_added_sentence_with_a_quote_is_quote_added_only() -> None:
    old = "The mayor visited the site. Repairs start in May."

    changes = _diff(old, QUOTED_OLD, new_quotes=[QUOTED_NEW_QUOTE])

    assert changes == (Change(ChangeKind.QUOTE_ADDED, after="We will rebuild,"),)


def test_quote_dropped_from_a_kept_sentence_is_quote_removed_only() -> None:
    old = 'The mayor, visibly upset, said "we will rebuild every home" before leaving the site.'
    new = "The mayor, visibly upset, said the town would recover before leaving the site."

    changes = _diff(old, new, old_quotes=[Quote("we will rebuild every home", "The mayor")])

    assert changes == (Change(ChangeKind.QUOTE_REMOVED, before="we will rebuild every home"),)


def test_edited_quote_is_a_sentence_edit_not_remove_and_add() -> None:
    new = 'The mayor visited the site. "We will rebuild quickly," the mayor said. Repairs start in May.'

    changes = _diff(
        QUOTED_OLD,
        new,
        old_quotes=[QUOTED_NEW_QUOTE],
        new_quotes=[Quote("We will rebuild quickly,", "the mayor")],
    )

    assert _kinds(changes) == [ChangeKind.SENTENCE_EDITED]
    assert changes[0].after == '"We will rebuild quickly," the mayor said.'


def test_quote_missing_from_the_new_list_but_still_in_the_text_is_no_change() -> None:
    # The quote extractor missed it this time; the article did not change.
    assert _diff(QUOTED_OLD, QUOTED_OLD, old_quotes=[QUOTED_NEW_QUOTE], new_quotes=[]) == ()


def test_quote_over_two_removed_sentences_is_one_quote_removed() -> None:
    old = (
        "The minister spoke briefly. "
        '"This is a dark day for the country. We will find the people responsible," she said. '
        "Parliament will sit on Monday."
    )
    new = "The minister spoke briefly. Parliament will sit on Monday."
    quote = Quote("This is a dark day for the country. We will find the people responsible,", "she")

    assert _diff(old, new, old_quotes=[quote]) == (Change(ChangeKind.QUOTE_REMOVED, before=quote.text),)


def test_without_quote_lists_a_removed_quoted_sentence_is_sentence_removed() -> None:
    changes = _diff(QUOTED_OLD, "The mayor visited the site. Repairs start in May.")

    assert changes == (Change(ChangeKind.SENTENCE_REMOVED, before='"We will rebuild," the mayor said.'),)


# --- headline ----------------------------------------------------------------------------------


def test_headline_change_has_a_word_diff_and_comes_first() -> None:
    changes = diff_versions(
        "Warehouse fire in Eastfield",
        OLD,
        [],
        "Warehouse fire in Eastfield kills two",
        OLD + " Two died.",
        [],
    )

    assert _kinds(changes) == [ChangeKind.HEADLINE_CHANGED, ChangeKind.SENTENCE_ADDED]
    assert [p.op for p in changes[0].words] == [WordOp.SAME, WordOp.INSERTED]
    assert changes[0].words[1].text.strip() == "kills two"
    assert _rebuild(changes[0].words, WordOp.INSERTED) == "Warehouse fire in Eastfield kills two"
    assert _rebuild(changes[0].words, WordOp.DELETED).strip() == "Warehouse fire in Eastfield"


@pytest.mark.parametrize(
    ("old_title", "new_title"),
    [(None, "Warehouse fire"), ("Warehouse fire", None), ("Warehouse fire", "  warehouse  FIRE ")],
)
def test_missing_or_restyled_headline_is_no_change(old_title: str | None, new_title: str | None) -> None:
    assert diff_versions(old_title, OLD, [], new_title, OLD, []) == ()


# --- stories -----------------------------------------------------------------------------------

FLOOD_A = (
    "Flooding forced the evacuation of 300 homes in Riverton on Tuesday after the Calder River burst its "
    "banks. Mayor Ellen Ward said emergency shelters had opened at Riverton High School. No injuries were "
    "reported, according to the county sheriff's office. The National Weather Service expects more rain "
    "through Thursday."
)
FLOOD_B = (  # the same event, another outlet's wording
    "Hundreds of Riverton residents fled their homes on Tuesday as the Calder River overflowed. About 300 "
    "households were evacuated, Mayor Ellen Ward told reporters, and shelters opened at Riverton High "
    "School. Forecasters warned that more rain is expected until Thursday. Officials said nobody had been "
    "hurt."
)
FLOOD_OTHER = (  # same broad topic, another event
    "Heavy rain caused flash flooding in Millbrook on Sunday, closing several roads. Firefighters rescued "
    "two drivers whose cars were stranded in high water on Route 9. The city council will discuss drainage "
    "improvements next month. Forecasters said the storm system would move east."
)
SEEN = datetime(2026, 11, 1, 12, 0)


def _story(article_id: int, text: str, title: str | None = None) -> StoryArticle:
    return StoryArticle(article_id, f"https://example.test/{article_id}", title, text, SEEN)


def test_story_similarity_separates_same_event_from_same_topic() -> None:
    assert story_similarity(FLOOD_A, FLOOD_A) == pytest.approx(1.0)
    assert story_similarity(FLOOD_A, FLOOD_B) >= SAME_STORY_THRESHOLD
    assert story_similarity(FLOOD_A, FLOOD_OTHER) < SAME_STORY_THRESHOLD / 2
    assert story_similarity(FLOOD_A, FLOOD_B) == pytest.approx(story_similarity(FLOOD_B, FLOOD_A))
    assert story_similarity("", FLOOD_A) == 0.0


def test_find_same_story_finds_the_follow_up_and_not_the_other_flood() -> None:
    candidates = [
        _story(1, FLOOD_OTHER, "Flash floods close roads"),
        _story(2, FLOOD_A, "Riverton evacuated"),
    ]

    found = find_same_story("Calder River floods Riverton", FLOOD_B, candidates)

    assert [s.article_id for s in found] == [2]


def test_near_duplicate_matches_best_first() -> None:
    near_copy = FLOOD_A.replace("Tuesday", "Tuesday evening") + " More updates will follow."
    candidates = [_story(1, FLOOD_B), _story(2, near_copy), _story(3, FLOOD_OTHER)]

    assert [s.article_id for s in find_same_story(None, FLOOD_A, candidates)] == [2, 1]


def test_shared_headline_helps_a_borderline_match() -> None:
    candidates = [_story(1, FLOOD_B, "Calder River floods Riverton homes")]
    just_above_text_score = 1.05 * story_similarity(FLOOD_A, FLOOD_B)

    assert find_same_story(None, FLOOD_A, candidates, threshold=just_above_text_score) == []
    assert find_same_story(
        "Calder River floods Riverton", FLOOD_A, candidates, threshold=just_above_text_score
    )


def test_story_index_matches_like_find_same_story() -> None:
    candidates = [_story(1, FLOOD_OTHER), _story(2, FLOOD_A), _story(3, FLOOD_B)]
    index = StoryIndex(candidates)

    assert len(index) == 3
    assert index.find(None, FLOOD_B) == find_same_story(None, FLOOD_B, candidates)
    assert [a.article_id for a in index.find(None, FLOOD_B)][:2] == [3, 2]


def test_story_novelty_reports_only_what_earlier_coverage_lacked() -> None:
    follow_up = (
        "Mayor Ellen Ward said emergency shelters had opened at Riverton High School on Tuesday. "
        "Two people were treated for hypothermia after being rescued from a car. "
        "The National Weather Service expects more rain through Thursday."
    )

    changes = story_novelty(follow_up, [_story(1, FLOOD_OTHER), _story(2, FLOOD_A)])

    assert changes == (
        Change(
            ChangeKind.NEW_IN_STORY,
            after="Two people were treated for hypothermia after being rescued from a car.",
        ),
    )


def test_story_novelty_without_earlier_articles_reports_every_sentence() -> None:
    assert [c.after for c in story_novelty(FLOOD_B, [])] == split_sentences(FLOOD_B)


def test_story_novelty_of_a_copy_is_empty() -> None:
    assert story_novelty(FLOOD_A, [_story(1, FLOOD_A)]) == ()


# --- real articles (shared evaluation data, when present) -----------------------------------------


def test_real_articles_diff_against_themselves_and_one_removal(shared_dir: Path) -> None:
    path = shared_dir / "eval" / "summ" / "dev.jsonl"
    if not path.is_file():
        pytest.skip("eval/summ/dev.jsonl is not in ../shared")
    with path.open(encoding="utf-8") as lines:
        articles = [json.loads(line)["article"] for _, line in zip(range(30), lines, strict=False)]
    for text in articles:
        sentences = split_sentences(text)
        assert diff_versions(None, text, [], None, text, []) == ()
        if len(sentences) < 4 or sentences.count(sentences[2]) > 1:
            continue
        shortened = " ".join(sentences[:2] + sentences[3:])
        if split_sentences(shortened) != sentences[:2] + sentences[3:]:
            continue
        assert diff_versions(None, " ".join(sentences), [], None, shortened, []) == (
            Change(ChangeKind.SENTENCE_REMOVED, before=sentences[2]),
        )


# --- quote lists that disagree with the text ------------------------------------------------------


def test_quote_boundaries_shifting_over_unchanged_text_are_no_change() -> None:
    sentences = split_sentences(QUOTED_OLD)
    moved = " ".join([sentences[1], sentences[0], sentences[2]])
    # The extractor ran the quote on into the next sentence this time.
    runaway = Quote('We will rebuild," the mayor said. The mayor visited the site.', "the mayor")

    assert _diff(QUOTED_OLD, moved, old_quotes=[QUOTED_NEW_QUOTE], new_quotes=[runaway]) == ()


def test_short_quote_goes_with_the_removed_sentence_not_an_edited_one_sharing_its_word() -> None:
    old = 'Police called the visitors "fans". Tickets for fans were limited to 500. The match starts at noon.'
    new = "Tickets for away fans were limited to 500. The match starts at noon."

    changes = _diff(old, new, old_quotes=[Quote("fans", None, QuoteKind.FRAGMENT)])

    assert [(c.kind, c.before) for c in changes] == [
        (ChangeKind.QUOTE_REMOVED, "fans"),
        (ChangeKind.SENTENCE_EDITED, "Tickets for fans were limited to 500."),
    ]


def test_quote_in_two_pieces_around_its_attribution_is_one_quote_added() -> None:
    old = "The minister visited the site. Repairs start in May."
    new = (
        'The minister visited the site. "We will rebuild every home," she said, "and we will do it fast." '
        "Repairs start in May."
    )
    quote = Quote("We will rebuild every home, and we will do it fast.", "she")

    assert _diff(old, new, new_quotes=[quote]) == (Change(ChangeKind.QUOTE_ADDED, after=quote.text),)


def test_a_vote_tally_or_range_is_one_number() -> None:
    old = "The board voted 5-2 to cut the late sailings for the 2026-2027 season."
    new = "The board voted 6-1 to cut the late sailings for the 2026-2027 season."
    changes = diff_versions(None, old, [], None, new, [])
    assert [(c.kind, c.before, c.after) for c in changes] == [(ChangeKind.NUMBER_CHANGED, "5-2", "6-1")]


def test_quotes_added_to_one_sentence_come_in_text_order_whatever_the_list_order() -> None:
    old = "The mayor visited the site. Repairs start in May."
    new = (
        'The mayor visited the site. "We will rebuild every home," she said, and called the storm '
        '"the worst we have seen in forty years." Repairs start in May.'
    )
    first = Quote("We will rebuild every home,", "she", start=new.index("We will"))
    second = Quote("the worst we have seen in forty years.", None, QuoteKind.FRAGMENT, new.index("the worst"))
    expected = (
        Change(ChangeKind.QUOTE_ADDED, after=first.text),
        Change(ChangeKind.QUOTE_ADDED, after=second.text),
    )
    assert diff_versions(None, old, [], None, new, [first, second]) == expected
    assert diff_versions(None, old, [], None, new, [second, first]) == expected


def test_diff_takes_already_split_texts() -> None:
    new = OLD.replace("three stations", "three nearby stations").replace(
        "The cause of the fire is not yet known. ", ""
    )
    expected = diff_versions("Old", OLD, OLD_QUOTES, "New", new, [])
    assert [c.kind for c in expected] == [
        ChangeKind.HEADLINE_CHANGED,
        ChangeKind.SENTENCE_EDITED,
        ChangeKind.SENTENCE_REMOVED,
    ]
    assert diff_versions("Old", SplitText.of(OLD), OLD_QUOTES, "New", SplitText.of(new), []) == expected
    assert story_novelty(SplitText.of(new), []) == story_novelty(new, [])


def test_story_index_keeps_at_most_its_size_newest_first_out() -> None:
    from datetime import UTC

    from bot.brief.stories import StoryIndex

    texts = {
        1: "Mayor Alma Quist opened the Tullbridge crossing on Monday after 14 months of repairs.",
        2: "Striker Jon Berrow scored twice as Kestrel Rovers won the county cup 3-1 on Saturday.",
        3: "The Harlow Bay library will open on Sundays after councillor Ada Brennan won 9 votes.",
    }

    def article(number: int) -> StoryArticle:
        return StoryArticle(number, None, None, texts[number], datetime(2026, 11, 1, tzinfo=UTC))

    index = StoryIndex([article(1), article(2)], max_size=2)
    index.add(article(3))
    assert len(index) == 2
    assert index.find(None, texts[1]) == []  # the oldest was forgotten
    assert [a.article_id for a in index.find(None, texts[2])] == [2]
    assert [a.article_id for a in index.find(None, texts[3])] == [3]
