"""Time the store's guild-facing reads on a store built by bench/make_store.py.

    python bench/make_store.py /tmp/nb.db --articles 100000
    python bench/store_timing.py /tmp/nb.db [--runs 200]

Inputs are sampled (seeded) from the store itself: words of stored titles, typed as prefixes of
1-5 characters and as whole words, and quoted speakers' surnames and full names. Prints p50 / p99
/ max in milliseconds per query kind and guild. A timing check, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from bot.brief.serialize import BRIEF_JSON
from bot.store import Store


def guilds_by_size(path: Path) -> dict[str, int]:
    """The store's guilds, labelled by how many sources each follows (make_store.py makes three)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = db.execute(
            "SELECT guild_id, count(*) AS followed FROM guild_sources "
            "GROUP BY guild_id ORDER BY followed DESC"
        ).fetchall()
    finally:
        db.close()
    return {f"{followed} sources": guild_id for guild_id, followed in rows}


def samples(path: Path, count: int, seed: int) -> tuple[list[str], list[str], list[str]]:
    """(title words, speaker surnames, speaker full names) sampled from the store."""
    rng = random.Random(seed)
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        highest = db.execute("SELECT max(id) FROM articles").fetchone()[0]
        ids = [rng.randint(1, highest) for _ in range(count)]
        titles = [db.execute("SELECT title FROM articles WHERE id = ?", (i,)).fetchone()[0] for i in ids]
        quoted = db.execute(
            "SELECT DISTINCT speaker, surname_key FROM quotes WHERE surname_key IS NOT NULL LIMIT 5000"
        ).fetchall()
    finally:
        db.close()
    words = [rng.choice(title.split()) for title in titles]
    picked = [rng.choice(quoted) for _ in range(count)]
    return words, [surname for _, surname in picked], [name for name, _ in picked]


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def timed(label: str, inputs: Sequence[str], call: Callable[[str], Awaitable[object]]) -> None:
    await call(inputs[0])  # warm the page cache and the connection pool
    times: list[float] = []
    for typed in inputs:
        started = time.perf_counter()
        await call(typed)
        times.append((time.perf_counter() - started) * 1000)
    print(
        f"{label:<52} p50 {statistics.median(times):7.1f} ms   p99 {percentile(times, 0.99):7.1f} ms"
        f"   max {max(times):7.1f} ms   (n={len(times)})"
    )


async def run(path: Path, runs: int, seed: int) -> None:
    words, surnames, full_names = samples(path, runs, seed)
    rng = random.Random(seed)
    prefixes = [word[: rng.randint(1, min(5, len(word)))] for word in words]
    two_words = [f"{a} {b[:3]}" for a, b in zip(words, reversed(words), strict=True)]
    store = await Store.open(f"sqlite+aiosqlite:///{path}", codec=BRIEF_JSON)
    try:
        for name, guild in guilds_by_size(path).items():
            for label, inputs, call in guild_queries(
                store, guild, words, prefixes, two_words, surnames, full_names
            ):
                await timed(f"{label} [{name}]", inputs, call)
        await timed("search one word [all]", words, lambda typed: store.search(typed))
    finally:
        await store.close()


Query = Callable[[str], Awaitable[object]]


def guild_queries(
    store: Store,
    guild: int,
    words: list[str],
    prefixes: list[str],
    two_words: list[str],
    surnames: list[str],
    full_names: list[str],
) -> list[tuple[str, Sequence[str], Query]]:
    def suggest(typed: str) -> Awaitable[object]:
        return store.suggest_articles(guild, typed)

    def said(typed: str) -> Awaitable[object]:
        return store.quotes_by_speaker(guild, typed)

    def speakers(typed: str) -> Awaitable[object]:
        return store.speakers(guild, typed)

    def search(typed: str) -> Awaitable[object]:
        return store.search(typed, guild_id=guild)

    return [
        ("suggest_articles nothing typed", [""] * len(words), suggest),
        ("suggest_articles prefix of 1-5 chars", prefixes, suggest),
        ("suggest_articles word + prefix", two_words, suggest),
        ("quotes_by_speaker surname", surnames, said),
        ("quotes_by_speaker full name", full_names, said),
        ("speakers prefix of 1-3 chars", [s[: 1 + i % 3] for i, s in enumerate(surnames)], speakers),
        ("search one word", words, search),
        ("search two words", two_words, search),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description="Time the store's guild-facing reads.")
    parser.add_argument("path", type=Path)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(run(args.path, args.runs, args.seed))


if __name__ == "__main__":
    main()
