"""Article extraction quality and speed: bot.ingest.extract.extract_article vs trafilatura with defaults.

Usage: python bench/extract.py PATH/TO/extract  [--variants]

PATH/TO/extract holds ground-truth.json ({id: {articleBody, url}}) and html/<id>.html.gz.
Scores are bag-of-words token precision/recall/F1 of the extracted text against articleBody,
averaged over pages (a page where nothing is extracted scores 0). ms/page is wall time per call.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import trafilatura

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.ingest.extract import ExtractError, extract_article  # noqa: E402

_TOKEN = re.compile(r"\w+", re.UNICODE)

Extractor = Callable[[bytes, str | None], str]


@dataclass(frozen=True, slots=True)
class Page:
    id: str
    url: str | None
    html: bytes
    truth: str


@dataclass(frozen=True, slots=True)
class Score:
    precision: float
    recall: float
    f1: float


def tokens(text: str) -> Counter[str]:
    return Counter(t.lower() for t in _TOKEN.findall(text))


def score(extracted: str, truth: str) -> Score:
    got, want = tokens(extracted), tokens(truth)
    overlap = sum((got & want).values())
    precision = overlap / sum(got.values()) if got else 0.0
    recall = overlap / sum(want.values()) if want else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Score(precision, recall, f1)


def load_pages(folder: Path) -> list[Page]:
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id, item in sorted(truth.items()):
        html = gzip.decompress((folder / "html" / f"{page_id}.html.gz").read_bytes())
        pages.append(Page(page_id, item.get("url"), html, item.get("articleBody") or ""))
    return pages


def ours(html: bytes, url: str | None) -> str:
    try:
        return extract_article(html, url=url).text
    except ExtractError:
        return ""


def trafilatura_default(html: bytes, url: str | None) -> str:
    return trafilatura.extract(html, url=url) or ""


def trafilatura_with(**options: Any) -> Extractor:
    def run(html: bytes, url: str | None) -> str:
        return trafilatura.extract(html, url=url, **options) or ""

    return run


def evaluate(extractor: Extractor, pages: list[Page]) -> tuple[Score, float]:
    scores: list[Score] = []
    started = time.perf_counter()
    for page in pages:
        scores.append(score(extractor(page.html, page.url), page.truth))
    elapsed_ms = (time.perf_counter() - started) * 1000 / max(len(pages), 1)
    n = max(len(scores), 1)
    mean = Score(
        sum(s.precision for s in scores) / n,
        sum(s.recall for s in scores) / n,
        sum(s.f1 for s in scores) / n,
    )
    return mean, elapsed_ms


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__)
        return 2
    pages = load_pages(Path(argv[1]))
    extractors: dict[str, Extractor] = {
        "ours (extract_article)": ours,
        "trafilatura default": trafilatura_default,
    }
    if "--variants" in argv:
        extractors |= {
            "trafilatura favor_precision": trafilatura_with(favor_precision=True),
            "trafilatura favor_recall": trafilatura_with(favor_recall=True),
            "trafilatura fast": trafilatura_with(fast=True),
            "trafilatura recall, no comments": trafilatura_with(favor_recall=True, include_comments=False),
        }
    # warm up imports and trafilatura's lazy initialisation so the first timing is fair
    for extractor in extractors.values():
        extractor(pages[0].html, pages[0].url)
    print(f"{len(pages)} pages")
    print(f"{'extractor':<34} {'P':>6} {'R':>6} {'F1':>6} {'ms/page':>8}")
    for name, extractor in extractors.items():
        mean, ms = evaluate(extractor, pages)
        print(f"{name:<34} {mean.precision:6.3f} {mean.recall:6.3f} {mean.f1:6.3f} {ms:8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
