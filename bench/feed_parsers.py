"""feedparser (through bot.ingest.feeds) against fastfeedparser on the shared real feeds.

Usage: python bench/feed_parsers.py FEEDS_DIR [--runs 3]

FEEDS_DIR is ../shared/eval/feeds (MANIFEST.tsv and the files it lists). For every input file:
does each parser read it, with how many entries, and do the fields the bot keeps agree (GUID and
link: what an article is keyed by; title, author, dates; the entry's text and whether it is a
teaser whose page must be fetched). fastfeedparser's entries are mapped onto FeedEntry the
straightforward way (its id, link, title, author(s), published/updated, content, description).
Speed: each parser over every file the project reads, median of --runs runs, same process.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import fastfeedparser

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from common import median, print_machine, print_table, ratio  # noqa: E402

from bot.ingest.extract import html_fragment_to_text  # noqa: E402
from bot.ingest.feeds import FeedError, _absolute, entry_needs_page, parse_feed, parse_feed_date  # noqa: E402
from bot.models import FeedEntry  # noqa: E402

FIELDS = ("guid", "url", "title", "author", "published", "updated")


def fast_entries(body: bytes, url: str | None) -> list[FeedEntry]:
    """fastfeedparser's entries as FeedEntry (bytes only: given a URL string it would fetch it)."""
    parsed = fastfeedparser.parse(bytes(body))
    entries = []
    for raw in parsed["entries"]:
        names = [a.get("name") for a in raw.get("authors") or () if isinstance(a, Mapping) and a.get("name")]
        contents: Sequence[Mapping[str, Any]] = raw.get("content") or ()
        content = max((c.get("value") or "" for c in contents), key=len, default="") or None
        entries.append(
            FeedEntry(
                guid=_text(raw.get("id")),
                url=_absolute(raw.get("link"), url),
                title=_text(raw.get("title")),
                author=", ".join(dict.fromkeys(str(n).strip() for n in names)) or _text(raw.get("author")),
                published=parse_feed_date(raw.get("published")) or parse_feed_date(raw.get("updated")),
                updated=parse_feed_date(raw.get("updated")),
                content_html=content,
                summary_html=_text(raw.get("description")),
            )
        )
    return entries


def _text(value: object) -> str | None:
    return " ".join(value.split()) or None if isinstance(value, str) else None


def _plain(fragment: str | None) -> str:
    return " ".join(html_fragment_to_text(fragment or "").split())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("feeds_dir", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    print_machine()
    with (args.feeds_dir / "MANIFEST.tsv").open(encoding="utf-8") as manifest:
        rows = [r for r in csv.DictReader(manifest, delimiter="\t") if r["kind"] == "input"]
    files = [(r["file"], (args.feeds_dir / r["file"]).read_bytes(), r["url"] or None) for r in rows]

    outcome: Counter[str] = Counter()
    differ: Counter[str] = Counter()
    differ_files: dict[str, set[str]] = {}
    compared = 0
    for name, body, url in files:
        try:
            ours: list[FeedEntry] | None = list(parse_feed(body, url=url).entries)
        except FeedError:
            ours = None
        try:
            theirs: list[FeedEntry] | None = fast_entries(body, url)
        except Exception:  # any failure is an outcome to count
            theirs = None
        if ours is None or theirs is None:
            outcome[f"feedparser {'refused' if ours is None else 'read'}, "
                    f"fastfeedparser {'failed' if theirs is None else 'read'}"] += 1  # fmt: skip
            continue
        if len(ours) != len(theirs):
            outcome["both read, entry counts differ"] += 1
            continue
        outcome["both read, same entry count"] += 1
        for a, b in zip(ours, theirs, strict=True):
            compared += 1
            checks = {f: getattr(a, f) == getattr(b, f) for f in FIELDS}
            text_a, text_b = (_plain(e.content_html or e.summary_html) for e in (a, b))
            checks["text"] = text_a == text_b
            checks["teaser (page fetched)"] = entry_needs_page(a) == entry_needs_page(b)
            for field, same in checks.items():
                if not same:
                    differ[field] += 1
                    differ_files.setdefault(field, set()).add(name)
    print_table(f"{len(files)} input feeds", ["outcome", "files"], sorted(outcome.items()))
    print_table(
        f"fields over the {compared} entries of files both read with the same count",
        ["field", "entries differing", "files"],
        [[f, differ[f], len(differ_files.get(f, ()))] for f in (*FIELDS, "text", "teaser (page fetched)")],
    )

    readable = [(n, b, u) for n, b, u in files if n.startswith("fastfeedparser-benchmark/")]
    entries = sum(len(parse_feed(b, url=u).entries) for _, b, u in readable)

    def timed(parse: Any) -> float:
        started = time.perf_counter()
        for _, body, url in readable:
            parse(body, url)
        return time.perf_counter() - started

    ours_s: list[float] = []
    theirs_s: list[float] = []
    for _ in range(args.runs):  # interleaved, so both see the same load
        ours_s.append(timed(lambda b, u: parse_feed(b, url=u)))
        theirs_s.append(timed(fast_entries))
    rows_out = [
        ["bot.ingest.feeds.parse_feed (feedparser)", median(ours_s), 1000 * median(ours_s) / entries, 1.0],
        ["fastfeedparser.parse -> FeedEntry", median(theirs_s), 1000 * median(theirs_s) / entries,
         ratio(median(ours_s), median(theirs_s))],
    ]  # fmt: skip
    print_table(
        f"parse speed: {len(readable)} real feeds, {entries} entries, median of {args.runs}",
        ["parser", "s", "ms per entry", "x feedparser"],
        rows_out,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
