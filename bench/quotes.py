"""Benchmark quote extraction against annotated attributions (PolNeAR-style).

Usage: python bench/quotes.py QUOTES_DIR   (QUOTES_DIR holds text/*.txt and attributions.jsonl)

- precision: share of our quotes whose every piece lies inside some annotated content span
  (any annotation of that article, direct or indirect: a quoted fragment inside reported speech
  is a real quote);
- recall: share of annotated direct quotes (content starting with a quotation mark) for which
  one of our quotes starts at that quotation mark;
- speaker accuracy: over the recalled direct quotes whose annotated source is a name (not a
  pronoun, not "sources"), share where our speaker names the same person: the surname (last
  word of our speaker) is a word of the annotated source, or the other way round.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.models import Quote  # noqa: E402
from bot.quotes import extract_quotes  # noqa: E402

_QUOTE_OPENERS = "\"“‘'"
_PRONOUNS = frozenset({"he", "she", "they", "it", "we", "i", "you", "him", "her", "them"})
_NOT_NAME = frozenset(
    {"the", "a", "an", "another", "sources", "source", "officials"}
    | {"mr", "mrs", "ms", "dr", "sen", "rep", "gov", "president", "secretary"}
)


@dataclass(frozen=True, slots=True)
class Annotation:
    article: str
    source: str | None
    content: str
    content_spans: tuple[tuple[int, int], ...]

    @property
    def is_direct(self) -> bool:
        return self.content[:1] in _QUOTE_OPENERS


@dataclass(slots=True)
class Scores:
    quotes: int = 0
    right_quotes: int = 0
    direct: int = 0
    recalled: int = 0
    named: int = 0
    right_speakers: int = 0


def load(quotes_dir: Path) -> tuple[dict[str, str], dict[str, list[Annotation]]]:
    texts = {p.stem: p.read_text(encoding="utf-8") for p in sorted((quotes_dir / "text").glob("*.txt"))}
    annotations: dict[str, list[Annotation]] = defaultdict(list)
    with (quotes_dir / "attributions.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            spans = tuple((int(a), int(b)) for a, b in row["content_spans"])
            annotations[row["article"]].append(
                Annotation(row["article"], row.get("source"), row["content"], spans)
            )
    return texts, annotations


def quote_pieces(quote: Quote) -> tuple[tuple[int, int], ...]:
    return quote.spans or ((quote.start, quote.end),)


def content_spans(text: str, annotations: list[Annotation]) -> list[tuple[int, int]]:
    """Each annotation's content, its pieces joined where only white space parts them.

    Annotators split a long quote into sentences; a quote of ours may run over several of them.
    """
    joined: list[tuple[int, int]] = []
    for annotation in annotations:
        spans = sorted(annotation.content_spans)
        current = spans[0]
        for start, end in spans[1:]:
            if not text[current[1] : start].strip():
                current = (current[0], max(current[1], end))
            else:
                joined.append(current)
                current = (start, end)
        joined.append(current)
    return joined


def is_right(quote: Quote, spans: list[tuple[int, int]]) -> bool:
    return all(any(a <= start and end <= b for a, b in spans) for start, end in quote_pieces(quote))


def tokens(name: str) -> set[str]:
    return {w.strip(".,()’'").lower() for w in name.replace("-", " ").split()} - {""}


def source_is_name(source: str | None) -> bool:
    if not source:
        return False
    head = source.split(",")[0].strip()
    if head.lower() in _PRONOUNS:
        return False
    words = [w for w in head.split() if w[:1].isupper() and w.strip(".").lower() not in _NOT_NAME]
    return bool(words)


def same_person(ours: str | None, annotated: str) -> bool:
    if not ours:
        return False
    head = annotated.split(",")[0]
    ours_last = ours.split()[-1].strip(".").lower()
    theirs = tokens(head)
    return ours_last in theirs or bool(tokens(ours) & {head.split()[-1].strip(".,()").lower()})


def recalled_by(annotation: Annotation, quotes: list[Quote]) -> Quote | None:
    mark = annotation.content_spans[0][0]
    for quote in quotes:
        if mark < quote.start <= mark + 3:
            return quote
    return None


def score_article(text: str, annotations: list[Annotation], scores: Scores, verbose: bool) -> None:
    quotes = extract_quotes(text)
    scores.quotes += len(quotes)
    spans = content_spans(text, annotations)
    for quote in quotes:
        if is_right(quote, spans):
            scores.right_quotes += 1
        elif verbose:
            print(f"  FP  {quote.kind.value:9} {quote.speaker!s:20} {quote.text[:90]!r}")
    seen: set[tuple[tuple[int, int], ...]] = set()
    for annotation in annotations:
        if not annotation.is_direct or annotation.content_spans in seen:
            continue  # two annotators marking the same quote count once
        seen.add(annotation.content_spans)
        scores.direct += 1
        found = recalled_by(annotation, quotes)
        if found is None:
            if verbose:
                print(f"  FN  {annotation.source!s:20} {annotation.content[:90]!r}")
            continue
        scores.recalled += 1
        if source_is_name(annotation.source):
            scores.named += 1
            assert annotation.source is not None
            if same_person(found.speaker, annotation.source):
                scores.right_speakers += 1
            elif verbose:
                print(f"  SPK ours={found.speaker!r} annotated={annotation.source!r} {found.text[:50]!r}")


def time_per_1000_words(texts: dict[str, str], rounds: int = 20) -> float:
    """Median milliseconds per 1000 words over the corpus."""
    samples = []
    words = sum(len(t.split()) for t in texts.values())
    for _ in range(rounds):
        began = time.perf_counter()
        for text in texts.values():
            extract_quotes(text)
        samples.append((time.perf_counter() - began) * 1000 / words * 1000)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("quotes_dir", type=Path)
    parser.add_argument("-v", "--verbose", action="store_true", help="list misses per article")
    args = parser.parse_args(argv)
    texts, annotations = load(args.quotes_dir)
    scores = Scores()
    for article, text in texts.items():
        if args.verbose:
            print(article)
        score_article(text, annotations.get(article, []), scores, args.verbose)
    precision = scores.right_quotes / max(scores.quotes, 1)
    recall = scores.recalled / max(scores.direct, 1)
    speakers = scores.right_speakers / max(scores.named, 1)
    print(f"articles            {len(texts)}")
    print(f"precision           {precision:.3f}  ({scores.right_quotes}/{scores.quotes} quotes)")
    print(f"recall              {recall:.3f}  ({scores.recalled}/{scores.direct} direct quotes)")
    print(f"speaker accuracy    {speakers:.3f}  ({scores.right_speakers}/{scores.named} named sources)")
    print(f"time                {time_per_1000_words(texts):.2f} ms per 1000 words (median)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
