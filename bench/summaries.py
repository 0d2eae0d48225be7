"""Summary quality and speed: bot.brief.summarize vs lead-3 (and plain sumy methods), on the same data.

Usage: python bench/summaries.py DATA.jsonl [DATA.jsonl ...] [--limit N] [--sumy] [--rounds R]

e.g. `bench/summaries.py ../shared/eval/summ/dev.jsonl ../shared/eval/headlines/dev.jsonl`. Rows have
id, source (cnndm | xsum | bbc_news_summary | bbc_full), article, reference (one reference sentence
per line). Every method extracts 3 sentences split by bot.brief.text; scores are rouge-score F1 with
stemming: ROUGE-1, ROUGE-2 and ROUGE-Lsum (sentences separated by newlines), averaged per source.

Each source is split in two halves by bench.common.half_of(id). The ranking's constants were chosen
on the tuning half of bbc_full (the only source with 500+ articles in a half); the figures that count
are the held-out halves'. For each source's held-out half the script prints the paired-bootstrap 95%
interval of ours minus lead-3 (articles resampled with replacement, R rounds).
--limit keeps the first N articles of each source; --sumy adds sumy's plain methods (slow).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rouge_score import rouge_scorer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.summarizers.lsa import LsaSummarizer
from sumy.summarizers.luhn import LuhnSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from common import HELD_OUT_HALF, TUNE_HALF, half_name, half_of, print_machine  # noqa: E402

from bot.brief.summarize import stem, stop_words, summarize, sumy_document  # noqa: E402
from bot.brief.text import split_sentences  # noqa: E402

SENTENCES = 3
SOURCES = ("cnndm", "xsum", "bbc_full", "bbc_news_summary")
BOOTSTRAP_SEED = 20261202
METRICS = ("rouge1", "rouge2", "rougeLsum")

Method = Callable[[str], list[str]]


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    source: str
    text: str
    reference: str


@dataclass(frozen=True, slots=True)
class Result:
    method: str
    scores: dict[str, float]  # metric -> mean F1
    median_ms: float


def load(paths: Sequence[Path], limit: int | None) -> list[Article]:
    articles: list[Article] = []
    taken: dict[str, int] = {}
    for path in paths:
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                row = json.loads(line)
                if limit is not None and taken.get(row["source"], 0) >= limit:
                    continue
                taken[row["source"]] = taken.get(row["source"], 0) + 1
                articles.append(Article(row["id"], row["source"], row["article"], row["reference"]))
    return articles


def lead(text: str) -> list[str]:
    return split_sentences(text)[:SENTENCES]


def sumy_method(summarizer_class: Any) -> Method:
    summarizer = summarizer_class(stem)
    summarizer.stop_words = stop_words()

    def run(text: str) -> list[str]:
        sentences = split_sentences(text)
        if not sentences:
            return []
        return [str(s) for s in summarizer(sumy_document(sentences), SENTENCES)]

    return run


def ours(text: str) -> list[str]:
    return summarize(text, SENTENCES)


def methods(with_sumy: bool) -> dict[str, Method]:
    chosen: dict[str, Method] = {"ours": ours, "lead-3": lead}
    if with_sumy:
        chosen.update(
            {
                "sumy LexRank": sumy_method(LexRankSummarizer),
                "sumy TextRank": sumy_method(TextRankSummarizer),
                "sumy LSA": sumy_method(LsaSummarizer),
                "sumy Luhn": sumy_method(LuhnSummarizer),
            }
        )
    return chosen


def evaluate(
    method: Method, articles: Sequence[Article], scorer: Any
) -> tuple[list[dict[str, float]], float]:
    per_article: list[dict[str, float]] = []
    timings: list[float] = []
    for article in articles:
        started = time.perf_counter()
        summary = method(article.text)
        timings.append((time.perf_counter() - started) * 1000)
        scores = scorer.score(article.reference, "\n".join(summary))
        per_article.append({m: scores[m].fmeasure for m in METRICS})
    return per_article, statistics.median(timings) if timings else 0.0


def mean_scores(rows: Sequence[dict[str, float]]) -> dict[str, float]:
    return {m: statistics.fmean(r[m] for r in rows) if rows else 0.0 for m in METRICS}


def print_table(title: str, results: Sequence[Result]) -> None:
    baseline = next(r for r in results if r.method == "lead-3").scores
    sumy_results = [r for r in results if r.method.startswith("sumy")]
    best_sumy = (
        max(sumy_results, key=lambda r: r.scores["rouge1"] + r.scores["rouge2"]).method
        if sumy_results
        else ""
    )
    print(f"\n{title}")
    header = (
        f"{'method':<16}{'R1':>8}{'R2':>8}{'RLsum':>8}{'dR1':>8}{'dR2':>8}"
        f"{'R1/lead':>9}{'R2/lead':>9}{'ms med':>8}"
    )
    print(header)
    print("-" * len(header))
    for result in results:
        s = result.scores
        mark = " *" if result.method == best_sumy else ""
        r1_ratio = s["rouge1"] / baseline["rouge1"] if baseline["rouge1"] else 0.0
        r2_ratio = s["rouge2"] / baseline["rouge2"] if baseline["rouge2"] else 0.0
        print(
            f"{result.method + mark:<16}{100 * s['rouge1']:>8.2f}{100 * s['rouge2']:>8.2f}"
            f"{100 * s['rougeLsum']:>8.2f}{100 * (s['rouge1'] - baseline['rouge1']):>+8.2f}"
            f"{100 * (s['rouge2'] - baseline['rouge2']):>+8.2f}{r1_ratio:>9.3f}{r2_ratio:>9.3f}"
            f"{result.median_ms:>8.2f}"
        )
    note = "; * = best plain sumy method on R1+R2)" if best_sumy else ")"
    print("(d = delta vs lead-3 in F1 points" + note)


def bootstrap_interval(
    differences: Sequence[float], rounds: int, seed: int = BOOTSTRAP_SEED
) -> tuple[float, float]:
    """Paired bootstrap: the 2.5th and 97.5th percentiles of the mean per-article difference."""
    if not differences:
        return (0.0, 0.0)
    generator = random.Random(seed)
    n = len(differences)
    means = sorted(statistics.fmean(generator.choices(differences, k=n)) for _ in range(rounds))
    return means[int(0.025 * (rounds - 1))], means[int(0.975 * (rounds - 1))]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("data", type=Path, nargs="+")
    parser.add_argument("--limit", type=int, default=None, help="at most N articles per source")
    parser.add_argument("--sumy", action="store_true", help="also run sumy's plain methods (slow)")
    parser.add_argument("--rounds", type=int, default=2000, help="bootstrap rounds")
    args = parser.parse_args(argv)

    print_machine()
    articles = load(args.data, args.limit)
    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    sources = [s for s in SOURCES if any(a.source == s for a in articles)]
    sources += sorted({a.source for a in articles} - set(sources))
    chosen = methods(args.sumy)
    verdicts: list[str] = []
    for source in sources:
        subset = [a for a in articles if a.source == source]
        per_method = {name: evaluate(method, subset, scorer) for name, method in chosen.items()}
        for half in (TUNE_HALF, HELD_OUT_HALF):
            keep = [i for i, a in enumerate(subset) if half_of(a.id) == half]
            results = [
                Result(name, mean_scores([rows[i] for i in keep]), ms)
                for name, (rows, ms) in per_method.items()
            ]
            tuned = " (tuned on)" if half == TUNE_HALF and source == "bbc_full" else ""
            print_table(f"{source}, {half_name(half)}{tuned}: {len(keep)} articles", results)
            if half != HELD_OUT_HALF or not keep:
                continue
            ours_rows, lead_rows = per_method["ours"][0], per_method["lead-3"][0]
            for metric in ("rouge1", "rouge2"):
                diffs = [100 * (ours_rows[i][metric] - lead_rows[i][metric]) for i in keep]
                low, high = bootstrap_interval(diffs, args.rounds)
                line = (
                    f"{source} held-out {metric}: ours - lead-3 = {statistics.fmean(diffs):+.2f} "
                    f"(95% paired bootstrap [{low:+.2f}, {high:+.2f}], {len(keep)} articles)"
                )
                print(line)
                verdicts.append(line)
    print("\nHeld-out halves, ours minus lead-3 (F1 x 100):")
    for line in verdicts:
        print("  " + line)


if __name__ == "__main__":
    main()
