"""Brief speed: a whole brief per article against the "pysbd + sumy LexRank" baseline, in one process.

Usage: python bench/brief_speed.py DATA.jsonl [--limit N] [--rounds R]

DATA.jsonl rows have id, source and article (e.g. ../shared/eval/summ/dev.jsonl). Each article is
briefed as an edited version of an earlier one: `build_brief(ArticleText(text),
BriefContext(previous=ArticleText(previous_text), previous_headline=..., previous_quotes=...))`,
where previous_text is the article with one sentence dropped and one word inserted into another
(deterministic), so the changes are computed too. The previous version's headline and quotes come
from its brief, made before the timing, as the store holds it; a second row times the same brief
when only the previous text is given (both made again). The baseline splits with pysbd (language
en, clean=False) and picks 3 sentences with sumy's LexRank over those sentences, words from
bot.brief.text.SumyTokenizer. Ours and the baseline alternate
article by article, so a slow spell of the machine hits both. Per-stage figures time the public
functions a brief is made of, each called on its own on the same article.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pysbd
from sumy.summarizers.lex_rank import LexRankSummarizer

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from common import (  # noqa: E402
    median,
    percentile,
    print_machine,
    print_table,
    ratio,
    verdict,
)

from bot.brief.build import ArticleText, BriefContext, build_brief  # noqa: E402
from bot.brief.changes import diff_versions  # noqa: E402
from bot.brief.headline import make_headline  # noqa: E402
from bot.brief.quotes import extract_quotes  # noqa: E402
from bot.brief.summarize import stem, stop_words, summarize, sumy_document  # noqa: E402
from bot.brief.text import split_sentences, split_sentences_with_offsets  # noqa: E402
from bot.models import Quote  # noqa: E402

SENTENCES = 3
WARM_UP_ARTICLES = 5
TARGET_MEDIAN_MS = 10.0
STRICT_TARGET_MEDIAN_MS = 3.0  # the whole brief's budget, headline work included
TARGET_SPEEDUP = 5.0
_INSERTED_WORD = "reportedly "


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    source: str
    text: str
    previous: str  # the same article one edit earlier
    previous_headline: str  # from the previous version's brief, as the store holds it
    previous_quotes: tuple[Quote, ...]


def load(path: Path, limit: int | None) -> list[Article]:
    articles: list[Article] = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if limit is not None and len(articles) >= limit:
                break
            row = json.loads(line)
            text = row["article"]
            previous = earlier_version(text)
            stored = build_brief(ArticleText(previous))
            articles.append(
                Article(
                    str(row["id"]), str(row.get("source", "")), text, previous, stored.headline, stored.quotes
                )
            )
    return articles


def earlier_version(text: str) -> str:
    """The text with one sentence dropped and one word inserted into another sentence.

    Cut from the original text by offsets (not re-joined sentences) so paragraphs stay as they were.
    """
    spans = split_sentences_with_offsets(text)
    if len(spans) < 2:
        return text + " An earlier sentence that was later removed."
    dropped = len(spans) // 3
    edited = (2 * len(spans)) // 3
    if edited == dropped:
        edited = dropped + 1 if dropped + 1 < len(spans) else dropped - 1
    # Apply the later position first so the earlier offsets still hold.
    for index in sorted((dropped, edited), reverse=True):
        start, end = spans[index]
        if index == dropped:
            text = text[:start] + text[end:].lstrip(" ")
        else:
            cut = text.find(" ", start, end)
            cut = start if cut < 0 else cut + 1  # after the sentence's first word
            text = text[:cut] + _INSERTED_WORD + text[cut:]
    return text


def ours(article: Article) -> object:
    context = BriefContext(
        previous=ArticleText(article.previous),
        previous_headline=article.previous_headline,
        previous_quotes=article.previous_quotes,
    )
    return build_brief(ArticleText(article.text), context)


def ours_text_only(article: Article) -> object:
    return build_brief(ArticleText(article.text), BriefContext(previous=ArticleText(article.previous)))


def baseline_method() -> Callable[[Article], object]:
    segmenter = pysbd.Segmenter(language="en", clean=False)
    summarizer = LexRankSummarizer(stem)
    summarizer.stop_words = stop_words()

    def run(article: Article) -> object:
        sentences = [s.strip() for s in segmenter.segment(article.text) if s.strip()]
        if not sentences:
            return ()
        return tuple(summarizer(sumy_document(sentences), SENTENCES))

    return run


# A stage turns an article into the zero-argument call that is timed, so inputs a stage needs
# (the quotes the diff compares) are made outside the timing.
Stage = Callable[[Article], Callable[[], object]]


def _diff_call(article: Article) -> Callable[[], object]:
    old_quotes = extract_quotes(article.previous)
    new_quotes = extract_quotes(article.text)
    return lambda: diff_versions(None, article.previous, old_quotes, None, article.text, new_quotes)


def stages() -> dict[str, Stage]:
    """The public functions a brief calls, each timed on its own."""
    segmenter = pysbd.Segmenter(language="en", clean=False)
    return {
        "split (bot.brief.text.split_sentences)": lambda a: lambda: split_sentences(a.text),
        "summary (bot.brief.summarize.summarize)": lambda a: lambda: summarize(a.text, SENTENCES),
        "headline (make_headline)": lambda a: lambda: make_headline(a.text),
        "quotes (extract_quotes, 1 text)": lambda a: lambda: extract_quotes(a.text),
        "changes (diff_versions)": _diff_call,
        "split: pysbd, for comparison": lambda a: lambda: segmenter.segment(a.text),
    }


def time_ms(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def time_methods(
    articles: Sequence[Article], methods: dict[str, Callable[[Article], object]], rounds: int
) -> dict[str, list[float]]:
    """Milliseconds per article for each method, methods interleaved per article (best of rounds)."""
    timings: dict[str, list[float]] = {name: [] for name in methods}
    for article in articles:
        for name, method in methods.items():
            call = functools.partial(method, article)
            timings[name].append(min(time_ms(call) for _ in range(rounds)))
    return timings


def time_stages(articles: Sequence[Article], rounds: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {}
    for name, stage in stages().items():
        samples: list[float] = []
        for article in articles:
            call = stage(article)
            samples.append(min(time_ms(call) for _ in range(rounds)))
        timings[name] = samples
    return timings


def report(articles: Sequence[Article], rounds: int) -> bool:
    baseline = baseline_method()
    methods: dict[str, Callable[[Article], object]] = {
        "ours: whole brief (build_brief)": ours,
        "ours: previous as text only": ours_text_only,
        "baseline: pysbd + sumy LexRank": baseline,
    }
    for article in articles[:WARM_UP_ARTICLES]:  # first calls fill caches (stemmer, stop words, regexes)
        for method in methods.values():
            method(article)
        for stage in stages().values():
            stage(article)()
    timings = time_methods(articles, methods, rounds)
    ours_ms, base_ms = timings["ours: whole brief (build_brief)"], timings["baseline: pysbd + sumy LexRank"]
    ours_median, base_median = median(ours_ms), median(base_ms)
    rows = [
        [name, median(ms), percentile(ms, 0.99), sum(ms) / len(ms), ratio(median(base_ms), median(ms))]
        for name, ms in timings.items()
    ]
    words = median([float(len(a.text.split())) for a in articles])
    print_table(
        f"{len(articles)} articles (median {words:.0f} words), ms per article, best of {rounds} round(s)",
        ["method", "median", "p99", "mean", "baseline/this (median)"],
        rows,
    )

    by_source = sorted({a.source for a in articles})
    source_rows = []
    for source in by_source:
        keep = [i for i, a in enumerate(articles) if a.source == source]
        o = [ours_ms[i] for i in keep]
        b = [base_ms[i] for i in keep]
        n_words = median([float(len(articles[i].text.split())) for i in keep])
        speedup = ratio(median(b), median(o))
        source_rows.append([source, len(keep), n_words, median(o), percentile(o, 0.99), median(b), speedup])
    print_table(
        "by source",
        ["source", "articles", "words med", "ours med", "ours p99", "base med", "speed-up"],
        source_rows,
    )

    stage_ms = time_stages(articles, rounds)
    stage_rows = [
        [name, median(ms), percentile(ms, 0.99), 100 * ratio(median(ms), ours_median)]
        for name, ms in stage_ms.items()
    ]
    print_table(
        "stages, each called on its own (without the previous brief, a brief runs quotes and headline twice)",
        ["stage", "median ms", "p99 ms", "% of brief median"],
        stage_rows,
    )

    speedup = ratio(base_median, ours_median)
    median_ok = ours_median <= TARGET_MEDIAN_MS
    speedup_ok = speedup >= TARGET_SPEEDUP
    print(
        f"\ntarget median <= {TARGET_MEDIAN_MS:g} ms: {ours_median:.2f} ms, {verdict(median_ok)}; "
        f"target >= {TARGET_SPEEDUP:g}x faster than baseline: {speedup:.2f}x, {verdict(speedup_ok)}"
    )
    text_only = median(timings["ours: previous as text only"])
    print(
        f"target median <= {STRICT_TARGET_MEDIAN_MS:g} ms: {ours_median:.2f} ms, "
        f"{verdict(ours_median <= STRICT_TARGET_MEDIAN_MS)} "
        f"({text_only:.2f} ms when only the previous text is given)"
    )
    return median_ok and speedup_ok


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("data", type=Path, help="JSON Lines with id, source, article")
    parser.add_argument("--limit", type=int, default=None, help="only the first N articles")
    parser.add_argument("--rounds", type=int, default=1, help="time each article R times, keep the best")
    args = parser.parse_args(argv)
    print_machine()
    articles = [a for a in load(args.data, args.limit) if a.text.strip()]
    if not articles:
        print("no articles")
        return 2
    report(articles, max(1, args.rounds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
