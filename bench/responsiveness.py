"""Does the bot keep answering while it polls? /search latency, loop stalls and heartbeats during a
cold poll.

Usage: python bench/responsiveness.py [--runs 3] [--feeds 50] [--entries 10] [--megabytes 4.5]

The real bot (bot.discord.client.NewsbriefBot over a real Engine on a fresh SQLite store) is
connected with the real discord.py to the fake Discord of tests/fakediscord, with a 1 s heartbeat
interval, all in this process. It polls, cold, --feeds local feeds of --entries full-text entries
each plus one watched page of --megabytes MB (every paragraph its own), while members run /search
back to back. Measured during the poll:

- /search latency: from just before the fake dispatches INTERACTION_CREATE to when it has answered
  the bot's interaction callback (as in bench/commands.py); p50 and p99;
- the longest loop stall: the longest a 10 ms ticker on the event loop waited past its turn, and
  how much of it the loop's thread spent on the CPU (the rest it waited for a core: on a busy
  machine the scheduler, not the bot);
- missed heartbeats: gaps of more than two intervals between heartbeats (the fake gateway's count).

Two ways, in the same process, alternating run by run: "threads (before)" is the engine as it was
before the process pool (feeds parsed in worker processes; extraction, briefs and story features
in threads of this process), "process pool (now)" is the engine as it is (all of it in worker
processes, `worker_processes` of them: one per core by default). Median of --runs runs each.
Target: /search p99 <= 250 ms, no heartbeat missed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from common import median, percentile, print_machine, print_table, verdict  # noqa: E402

from bot.ingest.sources import read_feed_body  # noqa: E402
from bot.models import SourceKind, SourceSpec  # noqa: E402
from bot.service.work import PRELOAD  # noqa: E402
from bot.workers import WorkerPool, start_fork_server  # noqa: E402
from tests.botkit import FERRY, Harness, add_feed, bot_in, rss, two_guild_world  # noqa: E402
from tests.fakediscord import RecordedRequest  # noqa: E402
from tests.feedkit import ARTICLE, big_page  # noqa: E402
from tests.httpserver import LocalServer, respond  # noqa: E402

R = TypeVar("R")
TICK_S = 0.01
HEARTBEAT_INTERVAL_MS = 1000
TARGET_P99_MS = 250.0
CALLBACK_ROUTE = "/interactions/{interaction_id}/{interaction_token}/callback"
THREADS = "threads (before)"
POOL = "process pool (now)"


class ThreadedJobs:
    """The engine's jobs as they ran before the process pool: feeds in worker processes, the rest
    (extraction, briefs, story features) in threads of this process."""

    def __init__(self, pool: WorkerPool) -> None:
        self.pool = pool

    @property
    def worker_pids(self) -> list[int]:
        return self.pool.worker_pids

    async def run(
        self, function: Callable[..., R], *args: Any, budget_s: float, what: str, retire: bool = False
    ) -> R:
        if function is read_feed_body:
            return await self.pool.run(function, *args, budget_s=budget_s, what=what, retire=retire)
        return await asyncio.to_thread(function, *args)

    def close(self) -> None:
        self.pool.close()


@dataclass(frozen=True, slots=True)
class RunResult:
    searches_ms: list[float]
    stall_ms: float
    stall_cpu_ms: float
    missed_heartbeats: int
    unknown_interactions: int
    poll_s: float
    stored: int


def feed_items(feed: int, entries: int) -> list[tuple[str, str, str]]:
    return [
        (
            f"f{feed}-{item}",
            f"Pool report {feed}.{item}",
            ARTICLE.replace("$850,000", f"${feed * 1000 + item},000").replace(
                "Lena Marsh", f"Reporter {feed}x{item}"
            ),
        )
        for item in range(entries)
    ]


async def one_run(how: str, args: argparse.Namespace, page: bytes) -> RunResult:
    with tempfile.TemporaryDirectory(prefix="newsbrief-resp-") as folder:
        async with (
            LocalServer() as web,
            bot_in(
                two_guild_world(),
                Path(folder),
                web,
                None,
                heartbeat_interval_ms=HEARTBEAT_INTERVAL_MS,
                fetch_timeout_seconds=120,
                work_timeout_seconds=120,
                worker_processes=args.processes,
            ) as h,
        ):
            h.fake.safety_timeout = 120  # the first /source add waits for its first worker to start
            if how == THREADS:
                h.engine.work.pool = ThreadedJobs(h.engine.work.pool)  # type: ignore[assignment]
            return await measure(h, web, args, page)


async def one_search(h: Harness) -> tuple[float, bool]:
    """Seconds from INTERACTION_CREATE to the bot's answered callback, and whether Discord refused
    it as too late ("Unknown interaction")."""
    before = len(h.fake.requests)
    started = time.perf_counter()
    handle = await h.fake.inject_slash_command("search", {"query": "ferry"})

    def answered() -> list[RecordedRequest]:
        # Only the requests since this one was sent: scanning them all each time would make the
        # benchmark's own work on the loop grow with the run.
        return [
            call
            for call in h.fake.requests[before:]
            if call.method == "POST" and call.route == CALLBACK_ROUTE and f"/{handle.id}/" in call.path
        ]

    await h.fake.wait_until(lambda: bool(answered()))
    first = answered()[0]
    return first.recorded_at - started, first.status >= 400


async def measure(h: Harness, web: LocalServer, args: argparse.Namespace, page: bytes) -> RunResult:
    await add_feed(h, [("ferry", "Ferry to stop night crossings", FERRY)])
    session = await h.fake.gateway.wait_identified()
    specs = []
    for feed in range(args.feeds):
        web.add(
            f"/feed{feed}.xml",
            respond(rss(feed_items(feed, args.entries)), content_type="application/rss+xml"),
        )
        specs.append(
            SourceSpec(name=f"Feed {feed}", location=web.url(f"/feed{feed}.xml"), kind=SourceKind.FEED)
        )
    web.add("/big.html", respond(page))
    specs.append(SourceSpec(name="Big page", location=web.url("/big.html"), kind=SourceKind.PAGE))
    await h.engine.sync_sources(specs)

    loop = asyncio.get_running_loop()
    stall = 0.0
    stall_cpu = 0.0  # of the longest stall, the CPU time the loop's thread used: the bot's own work
    finished = asyncio.Event()

    async def ticker() -> None:
        nonlocal stall, stall_cpu
        while not finished.is_set():
            before, cpu_before = loop.time(), time.thread_time()
            await asyncio.sleep(TICK_S)
            gap = loop.time() - before - TICK_S
            if gap > stall:
                stall, stall_cpu = gap, time.thread_time() - cpu_before

    latencies: list[float] = []
    unknown = 0  # replies Discord refused as too late: "Unknown interaction"

    async def searches() -> None:
        nonlocal unknown
        while not finished.is_set():
            latency, refused = await one_search(h)
            latencies.append(latency)
            unknown += refused

    beats_before = len(session.heartbeats_at)
    tick = asyncio.create_task(ticker())
    search = asyncio.create_task(searches())
    started = time.perf_counter()
    report = await h.engine.poll(force=True)
    poll_s = time.perf_counter() - started
    finished.set()
    await asyncio.gather(tick, search)
    # Heartbeats of the poll's window only: from the last one before it to the end of the poll.
    gaps = session.heartbeat_gaps()[max(0, beats_before) :]
    missed = sum(1 for gap in gaps if gap > 2 * HEARTBEAT_INTERVAL_MS / 1000)
    stored = sum(s.new for s in report.sources)
    return RunResult(
        [s * 1000 for s in latencies], stall * 1000, stall_cpu * 1000, missed, unknown, poll_s, stored
    )


async def measure_all(args: argparse.Namespace) -> dict[str, list[RunResult]]:
    start_fork_server(PRELOAD)
    page = big_page(args.megabytes)
    results: dict[str, list[RunResult]] = {THREADS: [], POOL: []}
    for _ in range(args.runs):
        for how in (THREADS, POOL):
            results[how].append(await one_run(how, args, page))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--entries", type=int, default=10, help="full-text entries per feed")
    parser.add_argument("--megabytes", type=float, default=4.5)
    parser.add_argument(
        "--processes", type=int, default=None, help="worker_processes (default: one per core)"
    )
    args = parser.parse_args(argv)
    print_machine()
    load_before = os.getloadavg()
    results = asyncio.run(measure_all(args))
    load_after = os.getloadavg()
    print(
        f"cold poll of {args.feeds} feeds x {args.entries} entries + one {args.megabytes:g} MB page; "
        f"median of {args.runs} runs; worker processes (now): {args.processes or os.cpu_count()}"
    )
    print(f"load average before / after: {load_before[0]:.2f} / {load_after[0]:.2f}")
    rows = []
    p99: dict[str, float] = {}
    missed: dict[str, int] = {}
    for how, runs in results.items():
        p99[how] = median([percentile(r.searches_ms, 0.99) for r in runs])
        missed[how] = max(r.missed_heartbeats for r in runs)
        rows.append(
            (
                how,
                f"{median([len(r.searches_ms) for r in runs]):.0f}",
                f"{median([percentile(r.searches_ms, 0.5) for r in runs]):.1f}",
                f"{p99[how]:.1f}",
                f"{median([r.stall_ms for r in runs]):.0f} ({median([r.stall_cpu_ms for r in runs]):.0f})",
                str(missed[how]),
                str(max(r.unknown_interactions for r in runs)),
                f"{median([r.poll_s for r in runs]):.1f}",
                f"{median([r.stored for r in runs]):.0f}",
            )
        )
    print_table(
        "/search during the cold poll",
        (
            "how",
            "searches",
            "p50 ms",
            "p99 ms",
            "longest loop stall ms (loop's own CPU)",
            "heartbeats missed (worst run)",
            "Unknown interaction (worst run)",
            "poll s",
            "stored",
        ),
        rows,
    )
    print(f"p99 ratio, before / now: {p99[THREADS] / max(p99[POOL], 1e-3):.1f}x")
    ok = p99[POOL] <= TARGET_P99_MS and missed[POOL] == 0
    print(f"target /search p99 <= {TARGET_P99_MS:g} ms and no heartbeat missed: {verdict(ok)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
