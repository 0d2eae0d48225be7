"""Storing a feed's new entries: one article at a time against one batch per feed, same run.

Usage: python bench/store_batch.py FEEDS_DIR [--runs 3] [--database-url URL]

The real feeds of FEEDS_DIR/fastfeedparser-benchmark (../shared/eval/feeds) are parsed once (not
timed); every entry's own text becomes an article. Each way stores all of them into a fresh store
(a SQLite file in a temporary folder, or a fresh schema of --database-url's PostgreSQL):
- one at a time: what the engine did per article, `find_article` then `save_version` with a brief;
- batch, with briefs: one `find_entries` and one `store_new_entries` per feed, the same briefs;
- batch, raw: one `store_new_entries` per feed, no briefs (the poll stage's form).
Prints, per way, the median of --runs runs (ways interleaved, so they share the load): wall and
CPU (this process, driver threads included) per feed and per entry, SQL statements and
transactions per feed, and the ratio to one at a time.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import create_async_engine

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from common import cpu_seconds, median, print_machine, print_table, ratio  # noqa: E402

from bot.brief.serialize import BRIEF_JSON  # noqa: E402
from bot.ingest.extract import text_fingerprint  # noqa: E402
from bot.ingest.feeds import parse_feed  # noqa: E402
from bot.ingest.sources import _entry_candidate, split_feed_entries  # noqa: E402
from bot.models import (  # noqa: E402
    ArticleDraft,
    Brief,
    Candidate,
    ChangeBasis,
    Changes,
    Quote,
    SourceKind,
    SourceSpec,
)
from bot.service.polling import _text_can_identify  # noqa: E402
from bot.store import NewEntry, Store  # noqa: E402

BRIEF = Brief(
    headline="A headline",
    summary=("The first sentence.", "The second sentence.", "The third sentence."),
    quotes=(Quote(text="We will see", speaker="A Speaker"),),
    changes=Changes(basis=ChangeBasis.FIRST_REPORT),
)


def feeds_of(feeds_dir: Path) -> list[list[Candidate]]:
    feeds = []
    for number, path in enumerate(sorted((feeds_dir / "fastfeedparser-benchmark").glob("*.xml"))):
        full, teasers, _ = split_feed_entries(
            parse_feed(path.read_bytes(), url=f"http://127.0.0.1/{number}.xml")
        )
        feeds.append([c for c in [*full, *(_entry_candidate(e) for e in teasers)] if c.text.strip()])
    return feeds


def entries_of(candidates: Sequence[Candidate], source_id: int, *, brief: Brief | None) -> list[NewEntry]:
    return [
        NewEntry(
            draft=ArticleDraft.of(c, source_id=source_id),
            text_hash=text_fingerprint(c.text),
            text_identifies=_text_can_identify(c),
            brief=brief,
        )
        for c in candidates
    ]


async def one_at_a_time(store: Store, source_id: int, entries: Sequence[NewEntry], now: datetime) -> None:
    for entry in entries:
        draft = entry.draft
        found = await store.find_article(
            source_id=source_id,
            canonical_url=draft.canonical_url if draft.url_is_identity else None,
            guid=draft.guid,
            text_hash=entry.text_hash if entry.text_identifies else None,
            fetched=False,
            title=draft.title,
        )
        await store.save_version(
            draft,
            text_hash=entry.text_hash,
            brief=BRIEF,
            article_id=found.id if found else None,
            story_id=None,
            seen_at=now,
            next_check_at=None,
        )


async def batch_with_briefs(store: Store, source_id: int, entries: Sequence[NewEntry], now: datetime) -> None:
    await store.find_entries(entries)
    await store.store_new_entries(entries, seen_at=now)


async def batch_raw(store: Store, source_id: int, entries: Sequence[NewEntry], now: datetime) -> None:
    await store.store_new_entries(entries, seen_at=now)


Way = Callable[[Store, int, Sequence[NewEntry], datetime], Awaitable[None]]
WAYS: list[tuple[str, Way, bool]] = [
    ("one at a time (find_article + save_version)", one_at_a_time, True),
    ("batch, with briefs (find_entries + store_new_entries)", batch_with_briefs, True),
    ("batch, raw (store_new_entries, no briefs)", batch_raw, False),
]


async def one_run(
    feeds: list[list[Candidate]], way: Way, with_briefs: bool, database_url: str | None
) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="newsbrief-batch-") as folder:
        schema = f"nb_bench_{uuid.uuid4().hex[:12]}" if database_url else None
        url = database_url or f"sqlite+aiosqlite:///{Path(folder) / 'store.db'}"
        store = await Store.open(url, codec=BRIEF_JSON, schema=schema)
        counts = {"statements": 0, "transactions": 0}

        def on_statement(*_: Any) -> None:
            counts["statements"] += 1

        def on_begin(*_: Any) -> None:
            counts["transactions"] += 1

        try:
            sources = [
                await store.upsert_source(
                    SourceSpec(f"feed {n}", f"http://127.0.0.1/{n}.xml", SourceKind.FEED)
                )
                for n in range(len(feeds))
            ]
            work = [
                (s.id, entries_of(c, s.id, brief=BRIEF if with_briefs else None))
                for s, c in zip(sources, feeds, strict=True)
            ]
            sync_engine = store._engine.sync_engine
            event.listen(sync_engine, "before_cursor_execute", on_statement)
            event.listen(sync_engine, "begin", on_begin)
            now = datetime.now(UTC)
            cpu = cpu_seconds()
            started = time.perf_counter()
            for source_id, entries in work:
                await way(store, source_id, entries, now)
            wall = time.perf_counter() - started
            cpu = cpu_seconds() - cpu
            event.remove(sync_engine, "before_cursor_execute", on_statement)
            event.remove(sync_engine, "begin", on_begin)
            stored = (await store.counts())["articles"]
        finally:
            await store.close()
            if schema is not None and database_url is not None:
                engine = create_async_engine(database_url)
                async with engine.begin() as connection:
                    await connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                await engine.dispose()
    return {"wall": wall, "cpu": cpu, "stored": stored, **counts}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("feeds_dir", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", help="a PostgreSQL URL (postgresql+asyncpg://...); default SQLite")
    args = parser.parse_args(argv)
    print_machine()
    feeds = feeds_of(args.feeds_dir)
    entries = sum(len(f) for f in feeds)
    results: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in WAYS}
    for _ in range(args.runs):
        for name, way, with_briefs in WAYS:
            results[name].append(asyncio.run(one_run(feeds, way, with_briefs, args.database_url)))
    n = len(feeds)
    base_wall = median([r["wall"] for r in results[WAYS[0][0]]])
    base_cpu = median([r["cpu"] for r in results[WAYS[0][0]]])
    rows = []
    for name, _, _ in WAYS:
        runs = results[name]
        wall, cpu = median([r["wall"] for r in runs]), median([r["cpu"] for r in runs])
        rows.append(
            [name, 1000 * wall / n, 1000 * cpu / n, 1000 * cpu / entries, runs[0]["statements"] / n,
             runs[0]["transactions"] / n, ratio(base_wall, wall), ratio(base_cpu, cpu),
             int(runs[0]["stored"])]
        )  # fmt: skip
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print_table(
        f"{backend}: {n} real feeds, {entries} entries, median of {args.runs} runs",
        ["way", "wall ms/feed", "CPU ms/feed", "CPU ms/entry", "statements/feed", "transactions/feed",
         "x wall", "x CPU", "articles"],
        rows,
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
