"""Headline quality: bot.brief.headline against the real titles, next to cut-first-sentence baselines.

Usage: python bench/headlines.py DATA.jsonl [--limit N] [--show N]

DATA.jsonl rows have id, title and article (e.g. ../shared/eval/headlines/dev.jsonl): each article is
given without its title and its headline is scored against the title with rouge-score F1, with
stemming (ROUGE-1 and ROUGE-L). Baselines, in the same process: the lead sentence cut at 100
characters at a word boundary with "…" (what the brief did before bot.brief.headline) and the whole
lead sentence. Also: the share of headlines without a verb (by bot.brief.headline's own verb test, so
it is a rough figure), the share ending in a cut ("…" or a dangling function word), the median
length in words and the ms per headline.

The data is split in two halves by bench.common.half_of(id): the rules and lengths of bot.brief.headline,
and the weights of its model of which words an editor keeps, were chosen on the tuning half; the
figures that count are the held-out half's.
--limit keeps the first N rows (smoke runs); --show prints N held-out examples; --fit-weights
refits bot.brief.headline's keep model on the tuning half (Newton's method, L2 1.0) and prints its weights.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rouge_score import rouge_scorer

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from common import HELD_OUT_HALF, TUNE_HALF, half_name, half_of, print_machine, print_table  # noqa: E402

from bot.brief.headline import (  # noqa: E402
    FOLLOWING_SENTENCES,
    OPENING_CHARS,
    _main_verb,
    _Word,
    core_tokens,
    keep_features,
    make_headline,
    pick_sentence,
    short_names,
    term_counts,
)
from bot.brief.summarize import content_terms, is_junk  # noqa: E402
from bot.brief.text import SplitText, split_sentences  # noqa: E402

TARGET_ROUGE1 = 30.0
_DANGLING = frozenset(
    re.findall(r"\w+", "a an the of to in on at for from by with and or but as that which who its his her")
)

Method = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class Row:
    id: str
    title: str
    article: str


def load(path: Path, limit: int | None) -> list[Row]:
    rows: list[Row] = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if limit is not None and len(rows) >= limit:
                break
            data = json.loads(line)
            rows.append(Row(str(data["id"]), str(data["title"]), str(data["article"])))
    return rows


def lead_sentence(text: str) -> str:
    sentences = split_sentences(text)
    lead = next((s for s in sentences if not is_junk(s) and len(s.split()) >= 3), "")
    return lead.removesuffix(".")


def cut_lead(text: str, max_chars: int = 100) -> str:
    """The lead sentence cut at `max_chars` at a word boundary, "…" marking the cut."""
    lead = lead_sentence(text)
    if len(lead) <= max_chars:
        return lead
    room = max_chars - 1
    cut = lead.rfind(" ", 0, room + 1)
    return (lead[:cut] if cut > 0 else lead[:room]).rstrip(" ,;:") + "…"


METHODS: dict[str, Method] = {
    "ours (bot.brief.headline)": make_headline,
    "lead cut at 100 chars": cut_lead,
    "lead sentence": lead_sentence,
}


@dataclass(frozen=True, slots=True)
class Scored:
    rouge1: float
    rouge_l: float
    no_verb: bool
    cut: bool
    words: int
    ms: float


def ends_in_cut(headline: str) -> bool:
    words = headline.split()
    return headline.endswith(("…", "...")) or (bool(words) and words[-1].lower() in _DANGLING)


_VERB_FORM = re.compile(
    r"^(?:\w+(?:s|ed|en|ing)|to|is|are|was|were|be|been|has|have|had|will|can|could|would|may|might|"
    r"must|should|says?|said|hit|won|made|met|set|cut|put|led|lost|left|sold|got|went|fell|rose|took|"
    r"gave|quits?)$"
)


def has_verb(headline: str) -> bool:
    """A rough test: some word after the first is lowercase and has a verb's form."""
    words = [w.strip("\"'“”‘’,.;:!?()") for w in headline.split()[1:]]
    return any(w[:1].islower() and _VERB_FORM.match(w) for w in words) or (
        _main_verb([_Word(w) for w in ("X " + headline).split()]) is not None
    )


def score(method: Method, rows: Sequence[Row], scorer: rouge_scorer.RougeScorer) -> list[Scored]:
    out: list[Scored] = []
    for row in rows:
        started = time.perf_counter()
        headline = method(row.article)
        ms = (time.perf_counter() - started) * 1000
        scores = scorer.score(row.title, headline)
        out.append(
            Scored(
                100 * scores["rouge1"].fmeasure,
                100 * scores["rougeL"].fmeasure,
                not has_verb(headline),
                ends_in_cut(headline),
                len(headline.split()),
                ms,
            )
        )
    return out


def summary_row(name: str, scored: Sequence[Scored]) -> list[object]:
    n = len(scored) or 1
    return [
        name,
        statistics.fmean(s.rouge1 for s in scored) if scored else 0.0,
        statistics.fmean(s.rouge_l for s in scored) if scored else 0.0,
        100 * sum(s.no_verb for s in scored) / n,
        100 * sum(s.cut for s in scored) / n,
        float(statistics.median(s.words for s in scored)) if scored else 0.0,
        statistics.fmean(s.ms for s in scored) if scored else 0.0,
    ]


def fit_keep_weights(rows: Sequence[Row], scorer: rouge_scorer.RougeScorer) -> tuple[float, ...]:
    """bot.brief.headline's keep model refitted on `rows`: each word of the picked sentence's core, after
    the rules, labelled by whether the title has it (as rouge-score tokenizes and stems)."""
    import numpy as np

    tokenize = scorer._tokenizer.tokenize  # rouge-score's own tokenizer and stemmer
    features: list[tuple[float, ...]] = []
    labels: list[float] = []
    for row in rows:
        split = SplitText.of(row.article)
        opening = split.text[:OPENING_CHARS]
        sentence = pick_sentence(split.sentences)
        at = next((i for i, s in enumerate(split.sentences) if s.endswith(sentence)), 0)
        following = content_terms(" ".join(split.sentences[at + 1 : at + 1 + FOLLOWING_SENTENCES]))
        tokens = core_tokens(sentence, short_names(opening))
        title = set(tokenize(row.title))
        features += keep_features(tokens, term_counts(opening), following)
        labels += [float(bool(tokenize(w.text)) and set(tokenize(w.text)) <= title) for w in tokens]
    x, y = np.array(features), np.array(labels)
    weights = np.zeros(x.shape[1])
    for _ in range(30):
        odds = 1 / (1 + np.exp(-x @ weights))
        gradient = x.T @ (odds - y) + weights
        hessian = (x.T * (odds * (1 - odds))) @ x + np.eye(len(weights))
        weights -= np.linalg.solve(hessian, gradient)
    print(f"keep model refitted on {len(rows)} articles, {len(labels)} words")
    return tuple(round(float(w), 2) for w in weights)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("data", type=Path)
    parser.add_argument("--limit", type=int, default=None, help="only the first N rows")
    parser.add_argument("--show", type=int, default=0, help="print N held-out examples")
    parser.add_argument("--fit-weights", action="store_true", help="refit the keep model, print it")
    args = parser.parse_args(argv)

    print_machine()
    rows = load(args.data, args.limit)
    scorer = rouge_scorer.RougeScorer(["rouge1", "rougeL"], use_stemmer=True)
    if args.fit_weights:
        print(fit_keep_weights([r for r in rows if half_of(r.id) == TUNE_HALF], scorer))
        return
    make_headline("Warm-up: the council approved the budget on Tuesday.")
    results = {name: score(method, rows, scorer) for name, method in METHODS.items()}
    headers = ["method", "ROUGE-1", "ROUGE-L", "no verb %", "cut %", "median words", "ms each"]
    for half in (TUNE_HALF, HELD_OUT_HALF):
        keep = [i for i, row in enumerate(rows) if half_of(row.id) == half]
        table = [summary_row(name, [scored[i] for i in keep]) for name, scored in results.items()]
        print_table(f"{half_name(half)} ({half}): {len(keep)} articles", headers, table)
        if half == HELD_OUT_HALF and keep:
            ours = table[0][1]
            assert isinstance(ours, float)
            print(
                f"target ROUGE-1 >= {TARGET_ROUGE1:g} on the held-out half: {ours:.2f}, "
                f"{'met' if ours >= TARGET_ROUGE1 else 'NOT met'}"
            )
    print(
        "(F1 x 100 against the real titles, rouge-score with stemming; titles' median length "
        f"{statistics.median(len(r.title.split()) for r in rows) if rows else 0:g} words)"
    )
    shown = [r for r in rows if half_of(r.id) == HELD_OUT_HALF][: args.show]
    for row in shown:
        print(
            f"\ntitle: {row.title}\nours:  {make_headline(row.article)}\nfrom:  "
            f"{pick_sentence(split_sentences(row.article))}"
        )


if __name__ == "__main__":
    main()
