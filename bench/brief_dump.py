"""Every brief of a dev set, written out in full, to check that a speed change left outputs alone.

Usage: python bench/brief_dump.py DATA.jsonl OUT.txt

For each article (rows with id, source, article, e.g. ../shared/eval/summ/dev.jsonl): the brief
as bench/brief_speed.py makes it (previous version's headline and quotes given, and previous text
only), one with titles, a 5-sentence titled summary, the sentence scores and Luhn ratings, and a
brief against earlier articles of the same story; then, for bench/changes.py's seeded edited
versions (4 per article), diff_versions and the brief. One line per output (its repr), so two
dumps compare with `cmp`: run it before and after a change.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TextIO

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import brief_speed  # noqa: E402
import changes as changes_bench  # noqa: E402

from bot.brief.build import ArticleText, BriefContext, build_brief  # noqa: E402
from bot.brief.changes import diff_versions  # noqa: E402
from bot.brief.quotes import extract_quotes  # noqa: E402
from bot.brief.summarize import luhn_scores, score_sentences, summarize  # noqa: E402
from bot.brief.text import split_sentences  # noqa: E402
from bot.models import StoryArticle  # noqa: E402

_TRIALS = 4
_SEED = 7  # bench/changes.py's default seed


def _write(out: TextIO, tag: str, value: object) -> None:
    out.write(f"{tag}\t{value!r}\n")


def dump_articles(rows: Sequence[dict[str, str]], out: TextIO) -> None:
    stories: list[StoryArticle] = []
    for number, row in enumerate(rows):
        text = row["article"]
        previous = brief_speed.earlier_version(text)
        stored = build_brief(ArticleText(previous))
        _write(out, "stored", stored)
        article = brief_speed.Article(
            row["id"], row["source"], text, previous, stored.headline, stored.quotes
        )
        _write(out, "ours", brief_speed.ours(article))
        _write(out, "textonly", brief_speed.ours_text_only(article))
        title = " ".join(text.split()[:10])
        context = BriefContext(previous=ArticleText(previous, "Old " + title), url="u")
        _write(out, "titled", build_brief(ArticleText(text, title), context))
        _write(out, "sum5", summarize(text, 5, title=title))
        sentences = split_sentences(text)
        _write(out, "scores", score_sentences(sentences))
        _write(out, "luhn", luhn_scores(sentences))
        _write(out, "diffself", diff_versions("a", text, [], "b", text, []))
        if stories:
            _write(out, "story", build_brief(ArticleText(text), BriefContext(story=stories[-3:])))
        stories.append(StoryArticle(number, f"u{number}", None, text, datetime(2026, 1, 1)))


def dump_edits(rows: Sequence[dict[str, str]], out: TextIO) -> None:
    """bench/changes.py's trials, made as it makes them."""
    articles: list[list[str]] = []
    for row in rows:
        sentences = split_sentences(row["article"])
        if len(sentences) >= 6 and split_sentences(" ".join(sentences)) == sentences:
            articles.append(sentences)
    donors = changes_bench._donors(articles)
    for index, sentences in enumerate(articles):
        old_text = " ".join(sentences)
        old_quotes = extract_quotes(old_text)
        for trial_number in range(_TRIALS):
            rng = random.Random(_SEED * 1_000_003 + index * 101 + trial_number)
            other = [s for s in donors.plain if s not in sentences]
            trial = changes_bench._make_trial(sentences, rng, changes_bench.Donors(other, donors.quoted))
            new_text = " ".join(trial.new_sentences)
            new_quotes = extract_quotes(new_text)
            found = diff_versions(
                trial.old_title, old_text, old_quotes, trial.new_title, new_text, new_quotes
            )
            _write(out, "trialdiff", found)
            previous = ArticleText(old_text, trial.old_title)
            _write(
                out,
                "trialbrief",
                build_brief(ArticleText(new_text, trial.new_title), BriefContext(previous=previous)),
            )
            context = BriefContext(previous=ArticleText(old_text), previous_quotes=old_quotes)
            _write(out, "trialbrief2", build_brief(ArticleText(new_text), context))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("data", type=Path, help="JSON Lines with id, source, article")
    parser.add_argument("out", type=Path, help="where to write the dump")
    args = parser.parse_args(argv)
    try:
        with args.data.open(encoding="utf-8") as lines:
            rows = [json.loads(line) for line in lines if line.strip()]
    except (OSError, ValueError) as error:
        print(f"cannot read {args.data}: {error}; give a JSON Lines file with id, source, article")
        return 2
    with args.out.open("w", encoding="utf-8") as out:
        dump_articles(rows, out)
        dump_edits(rows, out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
