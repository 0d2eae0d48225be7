"""feedparser (through bot.ingest.feeds) against fastfeedparser on the shared real feeds.

Usage: python bench/feed_parsers.py FEEDS_DIR [--runs 3]

FEEDS_DIR is ../shared/eval/feeds (MANIFEST.tsv and the files it lists). For every input file:
does each parser read it, with how many entries, and do the fields the bot keeps agree (GUID and
link: what an article is keyed by; title, author, dates; the entry's text and whether it is a
teaser whose page must be fetched). fastfeedparser's entries are mapped onto FeedEntry the
straightforward way (its id, link, title, author(s), published/updated, content, description).
Then what the bot actually keys and stores: every entry through the bot's own normalisation
(bot.ingest.sources.split_feed_entries: the teaser decision, the link made canonical, the text after
our HTML-to-text), compared record by record, with fastfeedparser's answer mapped onto feedparser's
readings by a thin layer (`mapped_entries`: GUIDs and links resolved against the feed URL, titles
and names decoded, names out of `address (Name)`, whole seconds, no description made up from the
content, feedparser for what fastfeedparser refuses). The bot keeps feedparser: the mapping
works on fastfeedparser's answer, which has already merged what tells the readings apart (whether an
item had a GUID or fastfeedparser gave it its link, whether a text came from description or
content, media:description), so what differs is not a thin layer away (README, fastfeedparser).
Speed: each parser over every file the project reads, median of --runs runs, same process.
"""

from __future__ import annotations

import argparse
import csv
import html
import re
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import fastfeedparser

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from common import median, print_machine, print_table, ratio  # noqa: E402

from bot.ingest.extract import html_fragment_to_text  # noqa: E402
from bot.ingest.feeds import FeedError, _absolute, entry_needs_page, parse_feed, parse_feed_date  # noqa: E402
from bot.ingest.sources import canonical, split_feed_entries  # noqa: E402
from bot.models import FeedEntry, ParsedFeed  # noqa: E402

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


_ADDRESS_NAME = re.compile(r"^\S+@\S+\s+\((.+)\)$")


def mapped_entries(body: bytes, url: str | None) -> list[FeedEntry]:
    """fastfeedparser's entries mapped onto feedparser's readings where the two are known to differ."""
    parsed = fastfeedparser.parse(bytes(body))
    entries = []
    for raw in parsed["entries"]:
        names = [a.get("name") for a in raw.get("authors") or () if isinstance(a, Mapping) and a.get("name")]
        author = ", ".join(dict.fromkeys(filter(None, (_name(str(n)) for n in names)))) or _name(
            _text(raw.get("author"))
        )
        contents: Sequence[Mapping[str, Any]] = raw.get("content") or ()
        content = max((c.get("value") or "" for c in contents), key=len, default="") or None
        description = _text_html(raw.get("description"))
        if content and description and content.strip() == description:
            content = None  # an RSS description it also gives as the content: feedparser's summary only
        elif description and content and len(description) <= 512 and _made_up(description, content):
            description = None  # made up from the content by fastfeedparser, not in the feed
        guid = _text(raw.get("id"))
        link = _absolute(raw.get("link"), url)
        entries.append(
            FeedEntry(
                guid=_absolute(guid, url) if guid and "://" not in guid and guid.startswith("/") else guid,
                url=link,
                title=html.unescape(_text(raw.get("title")) or "") or None,
                author=html.unescape(author) if author else None,
                published=_whole(
                    parse_feed_date(raw.get("published")) or parse_feed_date(raw.get("updated"))
                ),
                updated=_whole(parse_feed_date(raw.get("updated"))),
                content_html=content,
                summary_html=description,
            )
        )
    return entries


def _made_up(description: str, content: str) -> bool:
    """Whether a description is fastfeedparser's own: the start of the content, tags stripped."""
    head = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", content[:4096])).split())
    return head.startswith(" ".join(description.split())[:400]) or content.startswith(description)


def _name(value: str | None) -> str | None:
    if not value:
        return None
    value = " ".join(value.split())
    match = _ADDRESS_NAME.match(value)
    return match.group(1).strip() if match else value


def _whole(value: datetime | None) -> datetime | None:
    return value.replace(microsecond=0) if value else None


def _text_html(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


RECORD_FIELDS = ("guid", "canonical_url", "title", "author", "published", "updated", "text", "teaser")


def records(entries: Sequence[FeedEntry], url: str | None) -> list[dict[str, object]]:
    """What the bot keys and stores of each entry, in feed order: the candidate it makes (or the
    teaser whose page it fetches), after split_feed_entries."""
    full, teasers, _ = split_feed_entries(ParsedFeed(title=None, link=url, entries=tuple(entries)))
    teaser_ids = {id(entry) for entry in teasers}
    by_key = {(c.guid, c.canonical_url): c for c in full}
    out: list[dict[str, object]] = []
    for entry in entries:
        if id(entry) in teaser_ids:
            out.append({"guid": entry.guid, "canonical_url": canonical(entry.url), "title": entry.title,
                        "author": entry.author, "published": entry.published, "updated": entry.updated,
                        "text": None, "teaser": True})  # fmt: skip
            continue
        candidate = by_key.get((entry.guid, canonical(entry.url)))
        if candidate is None:  # skipped: no text and no page to fetch
            out.append(dict.fromkeys(RECORD_FIELDS) | {"guid": entry.guid, "teaser": False})
            continue
        out.append({"guid": candidate.guid, "canonical_url": candidate.canonical_url,
                    "title": candidate.title, "author": candidate.author, "published": candidate.published,
                    "updated": candidate.updated, "text": candidate.text, "teaser": False})  # fmt: skip
    return out


def compare_records(files: Sequence[tuple[str, bytes, str | None]]) -> None:
    """The records the bot would store from each parser, with the mapping, on every file both read."""
    differ: Counter[str] = Counter()
    differ_files: dict[str, set[str]] = {}
    compared = same_entries = 0
    identical_files = both = 0
    for name, body, url in files:
        try:
            ours = list(parse_feed(body, url=url).entries)
            theirs = mapped_entries(body, url)
        except Exception:  # either refuses: the bot would keep feedparser's answer (or refusal)
            continue
        if len(ours) != len(theirs):
            continue
        both += 1
        file_same = True
        for a, b in zip(records(ours, url), records(theirs, url), strict=True):
            compared += 1
            bad = [f for f in RECORD_FIELDS if a[f] != b[f]]
            same_entries += not bad
            file_same = file_same and not bad
            for field in bad:
                differ[field] += 1
                differ_files.setdefault(field, set()).add(name)
        identical_files += file_same
    print_table(
        f"records the bot stores, fastfeedparser mapped onto feedparser's readings: {compared} entries of "
        f"{both} files both read with the same count; {same_entries} entries and {identical_files} files "
        "identical on every field",
        ["field", "entries differing", "files"],
        [[f, differ[f], len(differ_files.get(f, ()))] for f in RECORD_FIELDS],
    )


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

    compare_records(files)

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
