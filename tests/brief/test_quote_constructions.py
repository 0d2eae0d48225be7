"""Quote constructions of the outlets' styles: one invented article for each."""

from __future__ import annotations

import pytest

from bot.brief.quotes import extract_quotes
from tests.brief.quotekit import load_quote_bench, only


def speakers(text: str) -> dict[str, str | None]:
    return {q.text: q.speaker for q in extract_quotes(text)}


def test_a_quote_in_another_style_inside_a_block_quote_is_not_its_continuation() -> None:
    text = (
        "As the Harbor Ledger reported on Friday, the board would not call the fire arson:\n\n"
        '"The board is still reluctant to call the fire arson, citing the inquiry.\n\n'
        '"At the hall, reporters asked the treasurer, Ben Cole, about the fire.\n\n'
        "“I will not talk about it while the inquiry goes on,” Cole said.\n\n"
        "The hearing is next week."
    )
    found = speakers(text)
    block = next(words for words in found if words.startswith("The board is still reluctant"))
    assert found[block] == "The Harbor Ledger"
    assert found["I will not talk about it while the inquiry goes on"] == "Cole"


def test_an_apostrophe_inside_a_title_in_doubled_marks_does_not_end_it() -> None:
    text = (
        "As Ann Kerr, author of ''Harbor's Long Road,'' put it, "
        "''Compromise today beats a worse deal tomorrow.''"
    )
    assert speakers(text)["Compromise today beats a worse deal tomorrow."] == "Ann Kerr"


def test_a_statement_with_no_attribution_is_the_previous_sentences_subject() -> None:
    text = (
        "“The hearing is open,” Mayor Ann Kerr said on Monday.\n\n"
        "Kerr did not mince words about the levy. “It is a farce and a fraud.”\n\n"
        "“We have the votes,” said Ben Cole, the treasurer.\n\n"
        "Cole was not at the hearing on Tuesday.\n\n"
        "“We will pass the budget by June.”\n\n"
        "Sometimes the hall is empty. “Nobody comes to these meetings any more.”"
    )
    found = speakers(text)
    assert found["It is a farce and a fraud."] == "Ann Kerr"
    assert found["We will pass the budget by June."] == "Ben Cole"
    # A capitalized word opening the sentence before is no subject: only the article's speakers.
    assert found["Nobody comes to these meetings any more."] is None


def test_a_repeated_pull_quote_keeps_the_attribution_of_its_first_telling() -> None:
    text = (
        "“The levy is a farce and a fraud,” Mayor Ann Kerr said on Monday.\n\n"
        "Ben Cole chairs the board.\n\n"
        "“The levy is a farce and a fraud.”"
    )
    assert only(extract_quotes(text)).speaker == "Ann Kerr"


def test_who_after_a_name_stands_for_it() -> None:
    text = "The claim was denied by Ann Kerr, who told reporters: “The levy is a fair one.”"
    assert only(extract_quotes(text)).speaker == "Ann Kerr"


def test_a_clause_joined_by_and_or_but_has_its_own_subject() -> None:
    texts = [
        "The vote was close but Ann Kerr told reporters that “the levy will pass.”",
        "The board met on Monday and Ann Kerr said that “the levy will pass.”",
    ]
    assert [only(extract_quotes(text)).speaker for text in texts] == ["Ann Kerr", "Ann Kerr"]


def test_a_persons_document_speaks_for_them() -> None:
    texts = [
        "“The levy will pass,” Ann Kerr’s statement said.",
        "Ann Kerr’s latest tweet read: “The levy will pass.”",
    ]
    assert [only(extract_quotes(text)).speaker for text in texts] == ["Ann Kerr", "Ann Kerr"]


def test_a_wh_clause_names_who_had_something_to_say() -> None:
    text = "Here is what Ann Kerr had to say:\n\n“The levy will pass in June.”"
    assert only(extract_quotes(text)).speaker == "Ann Kerr"


def test_a_dash_and_a_name_after_a_quote_sign_it() -> None:
    text = "The hall was full.\n\n“The levy will pass in June.” — Ann Kerr"
    assert only(extract_quotes(text)).speaker == "Ann Kerr"


def test_to_which_she_replied_is_hers_not_the_askers() -> None:
    text = (
        "Ann Kerr was asked by Harbor News whether she would win, to which she "
        "replied: “The levy will pass in June.”"
    )
    assert only(extract_quotes(text)).speaker == "Ann Kerr"


def test_the_appositive_names_a_described_subject_before_a_colon() -> None:
    text = "The mayor, Ann Kerr, was blunt: “The levy will pass in June.”"
    assert only(extract_quotes(text)).speaker == "Ann Kerr"


def test_an_office_of_the_house_then_a_title_then_the_name() -> None:
    text = "Speaker of the House Rep. Ann Kerr (R-OH) said “the levy will pass in June.”"
    assert only(extract_quotes(text)).speaker == "Ann Kerr"


load_scorer = load_quote_bench


def test_the_scorer_reads_the_person_after_an_office(monkeypatch: pytest.MonkeyPatch) -> None:
    bench = load_scorer(monkeypatch)
    assert bench.source_names("Speaker of the House Rep. Ann Kerr (R-OH)") == ["Ann Kerr"]
    assert bench.source_names("former secretary of state Ann Kerr") == ["Ann Kerr"]
    assert bench.source_names("Secretary of State Ann Kerr") == ["Ann Kerr"]
    # An office alone, or an organisation after it, names no one.
    assert bench.source_names("Governor of New Harbor") == []
    assert bench.source_names("president of the Brook Institute") == []


def test_the_scorer_reads_an_organisation_named_by_its_proper_noun(monkeypatch: pytest.MonkeyPatch) -> None:
    bench = load_scorer(monkeypatch)
    assert bench.source_names("the Kerr campaign") == ["Kerr campaign"]
    assert bench.same_speaker("Ann Kerr", "Kerr campaign")
    assert not bench.same_speaker("Bo Lind", "Kerr campaign")
    assert bench.source_names("the Senate minority leader") == []  # a description


def test_a_sentence_of_its_own_after_a_quote_passes_its_subject_on() -> None:
    text = (
        "Mayor Ann Kerr spoke in Salem on Monday.\n\n"
        "“We are going to fix the pier,” Kerr said. She then had a question for the crowd.\n\n"
        "“Who is going to pay for it?”"
    )
    assert speakers(text)["Who is going to pay for it?"] == "Ann Kerr"


def test_words_introducing_the_next_quote_leave_this_one_to_its_own_attribution() -> None:
    text = (
        "In one email, Ann Kerr writes to Bo Lind, “Why now? Was that on my way to Salem?” "
        "Lind then writes back, “You look fine.”"
    )
    assert speakers(text) == {
        "Why now? Was that on my way to Salem?": "Ann Kerr",
        "You look fine.": "Bo Lind",
    }


def test_and_inside_an_organisations_name_joins_no_clauses() -> None:
    text = (
        "A spokeswoman for the Department for Harbors and Inland Waterways said the rules were "
        "“fair to everyone.”"
    )
    assert only(extract_quotes(text)).speaker != "Inland Waterways"


def test_an_office_ending_in_an_organisation_is_no_name() -> None:
    text = "Dame Ann Kerr, the president of the Family Justice Division, said the pier was “a disgrace.”"
    assert only(extract_quotes(text)).speaker == "Ann Kerr"


def test_a_quote_whose_paragraph_breaks_were_lost_goes_on_after_each_mark() -> None:
    text = (
        'The pier reopened on Monday. Mayor Ann Kerr said: "We waited two years for this. '
        '"The boats can come back now. "I am proud of the town." The council met later.'
    )
    quote = only(extract_quotes(text))
    assert quote.speaker == "Ann Kerr"
    assert quote.text == "We waited two years for this. The boats can come back now. I am proud of the town."
