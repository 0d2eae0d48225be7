"""Does the event loop keep its turns while a big page is extracted and briefed?

Usage: python bench/responsiveness.py [--runs 3] [--megabytes 4.5]

A ticker runs every 10 ms on the event loop; the figure is the longest gap between two of its
ticks ("loop stall") while one synthetic page of the given size is extracted and its text briefed.
The baseline, in the same process: the same work called on the loop itself, as the engine did
before. A gateway heartbeat is due every 41 s and a slash command must be answered within 3 s,
so a stall of seconds is what "Unknown interaction" is made of. Median of --runs runs.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.brief.build import ArticleText, BriefContext, build_brief  # noqa: E402
from bot.ingest.sources import article_from_body  # noqa: E402

TICK_S = 0.01
SENTENCE = (
    "The council said on Tuesday that the harbour ferry would keep its night crossings until "
    "the spring, after the operator hired two more captains for the winter timetable. "
)


def big_page(megabytes: float) -> bytes:
    paragraph = "<p>" + SENTENCE * 6 + "</p>\n"
    count = int(megabytes * 1_000_000 / len(paragraph))
    return (
        "<html><head><title>Ferry</title></head><body><article>"
        + paragraph * count
        + "</article></body></html>"
    ).encode()


def work(body: bytes) -> int:
    page = article_from_body(body, url="https://example.test/big", content_type="text/html")
    brief = build_brief(ArticleText(page.text[:200_000], page.title), BriefContext())
    return len(brief.summary)


async def longest_stall(job: Callable[[], Any]) -> tuple[float, float]:
    """(longest gap between ticks, wall time of the job), in seconds."""
    stop = asyncio.Event()
    longest = 0.0

    async def ticker() -> None:
        nonlocal longest
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(TICK_S)
            now = time.perf_counter()
            longest = max(longest, now - last - TICK_S)
            last = now

    task = asyncio.create_task(ticker())
    await asyncio.sleep(TICK_S * 3)
    started = time.perf_counter()
    result = job()
    if asyncio.iscoroutine(result):
        await result
    wall = time.perf_counter() - started
    stop.set()
    await task
    return longest, wall


async def measure(body: bytes, runs: int) -> dict[str, tuple[float, float]]:
    out: dict[str, tuple[float, float]] = {}
    for name, job in (
        ("on the loop (before)", lambda: work(body)),
        ("in a thread (now)", lambda: asyncio.to_thread(work, body)),
    ):
        stalls, walls = [], []
        for _ in range(runs):
            stall, wall = await longest_stall(job)
            stalls.append(stall)
            walls.append(wall)
        out[name] = (statistics.median(stalls), statistics.median(walls))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--megabytes", type=float, default=4.5)
    args = parser.parse_args(argv)
    body = big_page(args.megabytes)
    results = asyncio.run(measure(body, args.runs))
    print(f"page: {len(body) / 1e6:.1f} MB, extracted and briefed; median of {args.runs} runs")
    print(f"{'how':<22}  {'loop stall ms':>13}  {'wall s':>7}")
    for name, (stall, wall) in results.items():
        print(f"{name:<22}  {stall * 1000:>13.0f}  {wall:>7.2f}")
    before, now = results["on the loop (before)"][0], results["in a thread (now)"][0]
    print(f"stall ratio, before / now: {before / max(now, 1e-3):.0f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
