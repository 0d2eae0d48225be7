from __future__ import annotations

import importlib
import importlib.util
import itertools
from pathlib import Path

import pytest
from sumy.nlp.stemmers import Stemmer
from sumy.parsers.plaintext import PlaintextParser
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.summarizers.luhn import LuhnSummarizer

from bot.brief.text import (
    SplitText,
    SumyTokenizer,
    split_paragraphs,
    split_sentences,
    split_sentences_with_offsets,
    tokenize_words,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Mr. Smith met Dr. Jones on Monday. They talked.",
            ["Mr. Smith met Dr. Jones on Monday.", "They talked."],
        ),
        (
            "The U.S. Senate voted. The U.N. agreed later.",
            ["The U.S. Senate voted.", "The U.N. agreed later."],
        ),
        (
            "He moved to the U.S. The move was hard.",
            ["He moved to the U.S.", "The move was hard."],
        ),
        (
            "Sen. Warren and Rep. Jeffries spoke with Gen. Milley and Lt. Dan. Nobody listened.",
            ["Sen. Warren and Rep. Jeffries spoke with Gen. Milley and Lt. Dan.", "Nobody listened."],
        ),
        (
            "It opened on Jan. 5 at No. 10 Downing St. in London.",
            ["It opened on Jan. 5 at No. 10 Downing St. in London."],
        ),
        ("The answer was no. Then he left.", ["The answer was no.", "Then he left."]),
        (
            "The meeting began at 9 a.m. Monday and ended at 5 p.m. The staff went home.",
            ["The meeting began at 9 a.m. Monday and ended at 5 p.m.", "The staff went home."],
        ),
        (
            "J. K. Rowling and George W. Bush never met. St. Paul's is in London.",
            ["J. K. Rowling and George W. Bush never met.", "St. Paul's is in London."],
        ),
        (
            "Growth was 3.5 per cent, or $1.2bn. Analysts were surprised.",
            ["Growth was 3.5 per cent, or $1.2bn.", "Analysts were surprised."],
        ),
        (
            "He hesitated... and then he spoke. Wait... Nothing happened.",
            ["He hesitated... and then he spoke.", "Wait...", "Nothing happened."],
        ),
        ('He said, "We will win." Then he left.', ['He said, "We will win."', "Then he left."]),
        ("She said: “It is over.” The crowd cheered.", ["She said: “It is over.”", "The crowd cheered."]),
        ('"Why now?" he asked. "Because," she said.', ['"Why now?" he asked.', '"Because," she said.']),
        ('"Why me?" Smith asked. Nobody answered.', ['"Why me?" Smith asked.', "Nobody answered."]),
        ('Did it work? "Is it safe?" Yes!', ["Did it work?", '"Is it safe?"', "Yes!"]),
        (
            "The firm, Acme Inc., grew. Acme Inc. The brand, e.g. Acme, grew.",
            ["The firm, Acme Inc., grew.", "Acme Inc.", "The brand, e.g. Acme, grew."],
        ),
        ("It cost 5 million (about $6m). Markets fell.", ["It cost 5 million (about $6m).", "Markets fell."]),
        ("1. Introduction of the bill", ["1. Introduction of the bill"]),
    ],
)
def test_split_sentences_handles_news_punctuation(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_sentences_never_span_paragraphs() -> None:
    text = "The first paragraph has no end mark\n\nThe second one does. It has two sentences."
    assert split_sentences(text) == [
        "The first paragraph has no end mark",
        "The second one does.",
        "It has two sentences.",
    ]


def test_quote_running_across_paragraphs_is_not_glued() -> None:
    # News style: a quote continued in the next paragraph has no closing mark in the first one.
    text = '"We were told to wait here.\n\n"Then nobody came back for us," she said. It rained.'
    assert split_sentences(text) == [
        '"We were told to wait here.',
        '"Then nobody came back for us," she said.',
        "It rained.",
    ]


def test_single_newlines_are_paragraph_breaks_but_wrapped_lines_join() -> None:
    text = (
        "Storm warning\n"
        "Gusts of up to 75mph are expected in the west. Roads may close.\n"
        "Forecasters said the easterly direction of the wind would add to the\n"
        "impact of the storm on the coast.\n"
    )
    assert split_paragraphs(text) == [
        "Storm warning",
        "Gusts of up to 75mph are expected in the west. Roads may close.",
        "Forecasters said the easterly direction of the wind would add to the impact of the storm "
        "on the coast.",
    ]
    assert split_sentences(text)[0] == "Storm warning"
    assert split_sentences(text)[-1].startswith("Forecasters said")


def test_offsets_point_into_the_original_text() -> None:
    text = "  Mr. Lee   arrived.  He sat down.\n\n\n“Good,” he said.  Then:   silence.\n"
    spans = split_sentences_with_offsets(text)
    assert [text[start:end] for start, end in spans] == [
        "Mr. Lee   arrived.",
        "He sat down.",
        "“Good,” he said.",
        "Then:   silence.",
    ]
    assert [" ".join(text[s:e].split()) for s, e in spans] == split_sentences(text)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


def test_empty_and_blank_text() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\n \t") == []
    assert split_sentences_with_offsets("") == []
    assert split_paragraphs("\n\n") == []


def test_tokenize_words_keeps_numbers_contractions_and_acronyms() -> None:
    assert tokenize_words("The U.S. economy grew 3.5% to $1,000 — don't panic, well-known a.m. (cite).") == [
        "The",
        "U.S.",
        "economy",
        "grew",
        "3.5",
        "to",
        "1,000",
        "don't",
        "panic",
        "well-known",
        "a.m.",
        "cite",
    ]


def _forbid_nltk_data(*args: object, **kwargs: object) -> object:
    raise AssertionError(f"NLTK data was requested: {args!r}")


def test_sumy_runs_with_our_tokenizer_and_no_nltk_data(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # An empty data dir, and any lookup of NLTK data fails the test outright.
    nltk_data = importlib.import_module("nltk.data")
    monkeypatch.setenv("NLTK_DATA", str(tmp_path))
    monkeypatch.setattr(nltk_data, "path", [str(tmp_path)])
    monkeypatch.setattr(nltk_data, "find", _forbid_nltk_data)
    monkeypatch.setattr(nltk_data, "load", _forbid_nltk_data)
    text = (
        "Floods hit the town of Riverton on Monday. Mr. Hale, the mayor, said the river rose 3.5 metres.\n\n"
        "The floods closed schools. Officials said the floods were the worst since 1998.\n\n"
        "Volunteers filled sandbags. The mayor thanked them."
    )
    tokenizer = SumyTokenizer("english")
    assert tokenizer.language == "english"
    parser = PlaintextParser.from_string(text, tokenizer)
    sentences = [str(s) for s in parser.document.sentences]
    assert sentences == split_sentences(text)
    assert "Mr. Hale, the mayor, said the river rose 3.5 metres." in sentences
    assert parser.document.sentences[0].words == (
        "Floods",
        "hit",
        "the",
        "town",
        "of",
        "Riverton",
        "on",
        "Monday",
    )
    # Luhn is what the summary uses; LexRank (the benchmarks' baseline) needs NumPy, a bench extra.
    summarizers: list[type[LuhnSummarizer] | type[LexRankSummarizer]] = [LuhnSummarizer]
    if importlib.util.find_spec("numpy") is not None:
        summarizers.append(LexRankSummarizer)
    for summarizer_class in summarizers:
        summarizer = summarizer_class(Stemmer("english"))
        chosen = summarizer(parser.document, 2)
        assert len(chosen) == 2
        assert {str(s) for s in chosen} <= set(sentences)


def test_tokenizer_methods_return_tuples() -> None:
    tokenizer = SumyTokenizer()
    assert tokenizer.to_sentences("One here. Two there.") == ("One here.", "Two there.")
    assert tokenizer.to_words("Two there.") == ("Two", "there")


SPLIT_SAMPLE = (
    "Floods hit the town of Riverton on Monday. Mr. Hale, the mayor,   said the river\nrose 3.5 metres.\n\n"
    "The U.S. Army sent boats. “Why now?” Hale asked. Officials were surprised...\n\n"
    "Volunteers filled sandbags."
)


def test_split_text_holds_the_same_split_as_the_functions() -> None:
    split = SplitText.of(SPLIT_SAMPLE)
    assert split.text == SPLIT_SAMPLE
    assert list(split.spans) == split_sentences_with_offsets(SPLIT_SAMPLE)
    assert list(split.sentences) == split_sentences(SPLIT_SAMPLE)
    assert split.sentences[1] == "Mr. Hale, the mayor, said the river rose 3.5 metres."
    assert split.sentences[3] == "“Why now?” Hale asked."
    assert len(split.sentences) == 6


def test_split_text_of_a_split_text_is_that_split() -> None:
    split = SplitText.of(SPLIT_SAMPLE)
    assert SplitText.of(split) is split
    assert SplitText.of("") == SplitText("", (), ())
