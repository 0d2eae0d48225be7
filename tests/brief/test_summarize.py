from __future__ import annotations

import json
from pathlib import Path

import pytest
from sumy.summarizers.luhn import LuhnSummarizer

from bot.brief.headline import make_headline
from bot.brief.summarize import (
    is_junk,
    luhn_scores,
    select_sentences,
    stop_words,
    summarize,
    sumy_document,
    sumy_ratings,
)
from bot.brief.text import SplitText, fold_word, split_sentences

ARTICLE = """By Jane Reporter

Floodwater swept through the town of Riverton on Monday, forcing hundreds of families from their homes.

The River Wend burst its banks after three days of heavy rain, the Environment Agency said.

Click here to sign up for our weather newsletter.

Rescue teams used boats to reach residents trapped in the flooded streets near the river.

Is this the new normal?

The mayor of Riverton said the flooding was the worst the town had seen in forty years.

Schools and shops stayed closed, and the main road into the town was under water.

Forecasters expect more rain later in the week, and warnings remain in place.

A local bakery handed out free bread to volunteers filling sandbags.
"""


def test_summary_has_n_sentences_in_article_order() -> None:
    sentences = split_sentences(ARTICLE)
    for count in (1, 2, 3, 5):
        summary = summarize(ARTICLE, count)
        assert len(summary) == count
        positions = [sentences.index(s) for s in summary]
        assert positions == sorted(positions)


def test_summary_starts_with_the_lead_and_skips_junk() -> None:
    summary = summarize(ARTICLE)
    assert summary[0].startswith("Floodwater swept through the town of Riverton")
    joined = " ".join(summary)
    assert "Click here" not in joined
    assert "By Jane Reporter" not in joined
    assert "new normal?" not in joined


def test_default_is_three_sentences() -> None:
    assert len(summarize(ARTICLE)) == 3


def test_short_text_gives_all_its_sentences() -> None:
    text = "The council approved the new budget on Tuesday night. Taxes will rise by two per cent."
    assert summarize(text, 3) == split_sentences(text)
    assert summarize("Markets fell.", 3) == ["Markets fell."]


def test_empty_text_and_zero_sentences() -> None:
    assert summarize("") == []
    assert summarize("   \n\n ") == []
    assert summarize(ARTICLE, 0) == []


def test_near_duplicate_caption_is_not_chosen_twice() -> None:
    text = (
        "Floodwater swept through the town of Riverton on Monday, forcing hundreds of families out.\n"
        "Floodwater swept through the town of Riverton on Monday, forcing hundreds of families out.\n"
        "Rescue teams used boats to reach residents trapped in the flooded streets near the river.\n"
        "The mayor said the flooding was the worst the town had seen in forty years.\n"
    )
    summary = summarize(text, 2)
    assert len(summary) == 2
    assert summary[0] != summary[1]


def test_title_pulls_in_the_sentence_it_matches() -> None:
    without_title = summarize(ARTICLE, 2)
    with_title = summarize(ARTICLE, 2, title="Bakery hands out free bread to sandbag volunteers")
    bakery = "A local bakery handed out free bread to volunteers filling sandbags."
    assert bakery not in without_title
    assert bakery in with_title


def test_select_sentences_returns_sorted_indices() -> None:
    sentences = split_sentences(ARTICLE)
    chosen = select_sentences(sentences, 3)
    assert chosen == sorted(chosen)
    assert len(set(chosen)) == 3


@pytest.mark.parametrize(
    "sentence",
    [
        "Click here to read the full report.",
        "Scroll down for video.",
        "Photo: Getty Images.",
        "All rights reserved.",
        "PUBLISHED: 12:01 GMT, 3 March 2015 | UPDATED: 14:02 GMT, 3 March 2015.",
        "By John Smith",
        "Media playback is not supported on this device.",
    ],
)
def test_boilerplate_is_junk(sentence: str) -> None:
    assert is_junk(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Netflix subscribers rose by two million in the quarter.",
        "The mayor stood by the decision made in 2015.",
    ],
)
def test_story_sentences_are_not_junk(sentence: str) -> None:
    assert not is_junk(sentence)


def test_dev_articles_give_valid_briefs(shared_dir: Path) -> None:
    """Every summary sentence comes from the article, and every headline fits, on real news text."""
    path = shared_dir / "eval" / "summ" / "dev.jsonl"
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    with path.open(encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    assert rows
    for row in rows:
        sentences = split_sentences(row["article"])
        summary = summarize(row["article"])
        assert len(summary) == min(3, len(sentences)) or len(summary) < 3
        assert all(s in sentences for s in summary)
        headline = make_headline(row["article"])
        assert 0 < len(headline) <= 200
        assert not headline.endswith("…")


def test_luhn_rates_the_densest_run_of_repeated_words() -> None:
    # sumy's LuhnSummarizer, fed our tokenizer and our word folding ("floods" counts as "flood").
    sentences = [
        "Floods floods hit Riverton.",
        "Riverton floods again, and floods.",
        "Nothing here repeats at all.",
    ]
    ours = luhn_scores(sentences)
    # Significant: flood (4 times, folded) and riverton (twice).
    assert ours[0] == pytest.approx(9 / 4)  # floods floods hit riverton: 3 significant in a run of 4
    assert ours[1] == pytest.approx(9 / 5)  # riverton floods again and floods: 3 in a run of 5
    assert ours[2] == 0.0
    assert any(score > 0 for score in luhn_scores(split_sentences(ARTICLE)))
    assert luhn_scores([]) == []


def test_luhn_gives_sumys_figures() -> None:
    # Our Luhn works on the words the summary already split; sumy's LuhnSummarizer is the reference.
    summarizer = LuhnSummarizer(fold_word)
    summarizer.stop_words = stop_words()
    gappy = [
        "Rain rain one two three four rain.",  # a gap of four ends the run
        "Rain a b c rain, and the rain in Spain: rain.",  # gaps of three keep it going
        "Spain Spain. The Rain!",
        "Nothing.",
    ]
    for sentences in (split_sentences(ARTICLE), gappy):
        expected = sumy_ratings(summarizer, sumy_document(sentences))
        assert luhn_scores(sentences) == pytest.approx(expected)
        assert any(expected)


def test_summary_and_headline_take_an_already_split_text() -> None:
    split = SplitText.of(ARTICLE)
    assert summarize(split, 3, title="Riverton floods") == summarize(ARTICLE, 3, title="Riverton floods")
    assert make_headline(split) == make_headline(ARTICLE)


def test_a_caption_glued_to_the_next_sentence_is_never_chosen() -> None:
    caption = (
        "Rovers striker Lena Moss celebrates with team-mates after scoring the winning goal against "
        "Riverton United in the cup final at Harlow Park, pictured, right The manager said the win "
        "was the best night of the club's long history in the cup."
    )
    text = (
        "Harlow Rovers won the county cup on Saturday after a late goal against Riverton United.\n"
        f"{caption}\n"
        "The final drew a record crowd of 4,000 to Harlow Park.\n"
        "Moss scored in the last minute after a long run down the left wing.\n"
        "The club will play in the regional league next season."
    )
    assert caption not in summarize(text)


def test_a_long_sentence_does_not_win_for_its_length() -> None:
    long_one = (
        "The county council, the harbour board, the ferry operator, the ferry unions, the ferry "
        "passengers' group and the island council all met again to talk about the ferry, the ferry "
        "timetable, the ferry fares and the ferry crews on Thursday evening."
    )
    text = (
        "The Harlow Bay ferry will stop its night crossings in January.\n"
        "The operator lost two of its four ferry captains this autumn.\n"
        "About 1,200 ferry passengers a week use the late sailings.\n"
        f"{long_one}\n"
        "Ferry tickets for the day sailings will not change."
    )
    assert long_one not in summarize(text)


def test_the_summary_never_opens_on_a_hook() -> None:
    text = (
        "Well, that is certainly one way to start a season.\n"
        "Riverton Rovers sacked their entire coaching staff on Monday.\n"
        "The club said a new head coach would be named within a week.\n"
        "Supporters gathered outside the ground after the news broke."
    )
    summary = summarize(text)
    assert summary[0].startswith("Riverton Rovers sacked")
    assert not any(s.startswith("Well,") for s in summary)
