"""Scale: 1, 2 and 4 `newsbrief worker` processes sharing N local feeds on one PostgreSQL.

Usage: python bench/scale.py FEEDS_DIR --database-url postgresql+asyncpg://USER@HOST/DB
                             [--feeds 5000] [--workers 1,2,4] [--runs 3] [--cold-feeds 50]

FEEDS_DIR is ../shared/eval/feeds, served from 127.0.0.1 by bench/poll.py's server (a child
process). The database named must exist and be free to use: the benchmark makes a database of
its own next to it (same server) and drops it at the end.

What is measured, per number of workers (the median of --runs runs; the 1-worker run is the
baseline the others are compared with, in the same process against the same server):
- feeds/s: the workers start and go idle; every source's lease is then made due at one instant,
  and the time until every source's poll has finished gives the rate. Every feed answers 304
  (the steady state: their ETags were recorded first), so this is the polling machinery's own
  cost: claim, fetch, record, finish.
- the CPU seconds the PostgreSQL server's processes and the workers used in that time, per
  1,000 polls, and the database rows written per poll (pg_stat_database).
A cold poll of --cold-feeds feeds in this process first measures the bytes stored per article
(every version, brief, quotes and search index), for the storage estimate.

Then a paper estimate for 1 million sources from these figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from common import print_machine, print_table, ratio  # noqa: E402
from poll import Server, feed_files, start_server  # noqa: E402

from bot.config import load_settings  # noqa: E402
from bot.models import SourceKind, SourceSpec  # noqa: E402
from bot.service.polling import Engine  # noqa: E402
from bot.service.workers import SOURCE_LEASE  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
START_MARGIN = timedelta(seconds=7)  # workers idle at most 5 s between looks (IDLE_WAIT_MAX)
ONE_MILLION = 1_000_000
INTERVAL_MINUTES = 15.0  # the default poll_interval_minutes, for the estimate
NEW_ARTICLES_PER_SOURCE_PER_DAY = 5.0  # an assumption for the estimate: a typical news feed

log = logging.getLogger("bench.scale")


def process_cpu_seconds(pids: Sequence[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])  # incl. children
    return total / CLOCK_TICKS


def pids_named(name: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == name:
                    pids.append(int(entry.name))
    return pids


def children_of(pids: Sequence[int]) -> list[int]:
    """The processes below `pids` (a worker's feed parse pool), found through /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    found: list[int] = []
    frontier = set(pids)
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier}
        found.extend(frontier)
    return found


@dataclass(frozen=True, slots=True)
class Run:
    workers: int
    wall_s: float
    db_cpu_s: float
    worker_cpu_s: float
    rows_written: int
    commits: int
    polls: int

    @property
    def feeds_per_s(self) -> float:
        return self.polls / self.wall_s


@contextlib.contextmanager
def spare_database(url: str) -> Iterator[str]:
    """A fresh database on the server of `url`, dropped afterwards."""
    name = f"nb_scale_{uuid.uuid4().hex[:8]}"

    async def run(sql: str) -> None:
        admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
        try:
            async with admin.connect() as connection:
                await connection.execute(text(sql))
        finally:
            await admin.dispose()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def database_counters(engine: AsyncEngine) -> tuple[int, int]:
    """(rows inserted + updated + deleted, transactions committed) in this database so far."""
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                text(
                    "SELECT tup_inserted + tup_updated + tup_deleted, xact_commit FROM pg_stat_database "
                    "WHERE datname = current_database()"
                )
            )
        ).one()
    return int(row[0]), int(row[1])


async def prepare(url: str, server: Server, feeds: int, sources_file: Path) -> None:
    """The sources, each with the ETag its feed answers, so that every poll is a 304."""
    sources_file.write_text(  # noqa: ASYNC240  (once, before anything runs)
        "".join(
            f'[[source]]\nname = "feed {number}"\nlocation = "{server.feed_url(number)}"\nkind = "feed"\n'
            for number in range(feeds)
        )
    )
    settings = load_settings(database_url=url, sources_file=sources_file, allowed_addresses=["127.0.0.1"])
    async with Engine.open(settings) as engine:
        specs = [SourceSpec(f"feed {i}", server.feed_url(i), SourceKind.FEED) for i in range(feeds)]
        sources = await engine.sync_sources(specs)
        now = datetime.now(UTC)
        for number, source in enumerate(sources):
            await engine.store.record_fetch_success(source.id, at=now, etag=f'"f{number}-v0"')
        await engine.store.add_leases(SOURCE_LEASE, [s.id for s in sources], due_at=now + timedelta(days=1))


async def bytes_per_article(url: str, server: Server, feeds: int, folder: Path) -> tuple[float, int]:
    """A cold poll of `feeds` feeds in a database of its own: what the database grew by, per
    article stored (every version, brief, quote and search row with their indexes)."""
    settings = load_settings(
        database_url=url,
        sources_file=folder / "cold.toml",
        allowed_addresses=["127.0.0.1"],
        fetch_max_per_host=64,
    )
    async with Engine.open(settings) as engine:
        size = create_async_engine(url)
        try:
            before = await _database_size(size)
            specs = [SourceSpec(f"cold {i}", server.feed_url(i), SourceKind.FEED) for i in range(feeds)]
            await engine.sync_sources(specs)
            report = await engine.poll(force=True)
            after = await _database_size(size)
        finally:
            await size.dispose()
    stored = sum(source.new for source in report.sources)
    return ((after - before) / stored if stored else float("nan")), stored


async def _database_size(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(
            (await connection.execute(text("SELECT pg_database_size(current_database())"))).scalar_one()
        )


async def one_run(url: str, workers: int, feeds: int, env: dict[str, str], logs: Path) -> Run:
    database = create_async_engine(url)
    processes: list[asyncio.subprocess.Process] = []
    try:
        async with database.begin() as connection:  # nothing due while the workers start
            await connection.execute(
                text("UPDATE leases SET due_at = now() + interval '1 day', holder = NULL, expires_at = NULL")
            )
        for number in range(workers):
            log_file = (logs / f"worker{workers}-{number}.log").open("wb")
            processes.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "bot",
                    "worker",
                    "-v",
                    cwd=ROOT,
                    env=env,
                    stdout=log_file,
                    stderr=log_file,
                )
            )
            log_file.close()
        # Started: each worker has said it is polling (its store is open, its sources synced);
        # its log sends no event to wait on.
        while not all(  # noqa: ASYNC110
            "polling (every" in (logs / f"worker{workers}-{n}.log").read_text() for n in range(workers)
        ):
            await asyncio.sleep(0.2)
        start_at = datetime.now(UTC) + START_MARGIN
        async with database.begin() as connection:
            runs_before = int((await connection.execute(text("SELECT sum(runs) FROM leases"))).scalar_one())
            await connection.execute(text("UPDATE leases SET due_at = :at"), {"at": start_at})
        postgres = pids_named("postgres")
        worker_pids = [p.pid for p in processes]
        await asyncio.sleep(max(0.0, (start_at - datetime.now(UTC)).total_seconds()))
        db_cpu, worker_cpu = (
            process_cpu_seconds(postgres),
            process_cpu_seconds(worker_pids + children_of(worker_pids)),
        )
        rows, commits = await database_counters(database)
        started = time.perf_counter()
        while True:
            async with database.connect() as connection:
                done = int((await connection.execute(text("SELECT sum(runs) FROM leases"))).scalar_one())
            if done - runs_before >= feeds:
                break
            await asyncio.sleep(0.05)
        wall = time.perf_counter() - started
        db_cpu = process_cpu_seconds(pids_named("postgres")) - db_cpu
        worker_cpu = process_cpu_seconds(worker_pids + children_of(worker_pids)) - worker_cpu
        rows_after, commits_after = await database_counters(database)
        return Run(
            workers, wall, db_cpu, worker_cpu, rows_after - rows, commits_after - commits, done - runs_before
        )
    finally:
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()
        await database.dispose()


def median_run(runs: Sequence[Run]) -> Run:
    middle = statistics.median(run.wall_s for run in runs)
    return min(runs, key=lambda run: abs(run.wall_s - middle))


def print_estimate(base: Run, best: Run, bytes_each: float) -> None:
    polls_per_s = ONE_MILLION / (INTERVAL_MINUTES * 60)
    rows_per_poll = best.rows_written / best.polls
    commits_per_poll = best.commits / best.polls
    db_cpu_per_poll = best.db_cpu_s / best.polls
    worker_cpu_per_poll = best.worker_cpu_s / best.polls
    articles_per_month = ONE_MILLION * NEW_ARTICLES_PER_SOURCE_PER_DAY * 30
    print("\nPaper estimate for 1,000,000 sources, polled every 15 minutes (from the figures above)")
    print(f"- poll rate: {polls_per_s:,.0f} polls/s")
    print(
        f"- database rows written: {rows_per_poll:.1f} per poll -> "
        f"{polls_per_s * rows_per_poll:,.0f} rows/s, {polls_per_s * commits_per_poll:,.0f} commits/s "
        "(steady state, feeds unchanged)"
    )
    print(
        f"- database CPU: {db_cpu_per_poll * 1000:.2f} s per 1,000 polls -> "
        f"{polls_per_s * db_cpu_per_poll:.1f} cores of PostgreSQL"
    )
    print(
        f"- worker CPU: {worker_cpu_per_poll * 1000:.2f} s per 1,000 polls -> "
        f"{polls_per_s * worker_cpu_per_poll:.1f} cores of workers (about "
        f"{polls_per_s / base.feeds_per_s:.0f} workers at this machine's 1-worker rate)"
    )
    print(
        f"- storage: {bytes_each / 1024:.1f} KiB per stored article (measured) x "
        f"{NEW_ARTICLES_PER_SOURCE_PER_DAY:g} new articles per source per day (assumed) -> "
        f"{articles_per_month * bytes_each / 1024**4:.2f} TiB per month"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("feeds_dir", type=Path, help="the folder holding fastfeedparser-benchmark/")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("NEWSBRIEF_TEST_DATABASE_URL"),
        help="a PostgreSQL database on the server to use (default: NEWSBRIEF_TEST_DATABASE_URL)",
    )
    parser.add_argument("--feeds", type=int, default=5000)
    parser.add_argument("--workers", default="1,2,4", help="worker counts to run, e.g. 1,2,4")
    parser.add_argument("--runs", type=int, default=3, help="runs per worker count (the median is shown)")
    parser.add_argument(
        "--cold-feeds", type=int, default=50, help="feeds of the cold poll that sizes articles"
    )
    parser.add_argument("--concurrency", type=int, default=32, help="worker_concurrency of each worker")
    args = parser.parse_args(argv)
    # SIGTERM ends the run like Ctrl-C, so its workers, feed server and database are cleaned up.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    if not args.database_url or not args.database_url.startswith("postgresql"):
        print(
            "needs PostgreSQL: --database-url postgresql+asyncpg://USER@HOST/DB "
            "(or NEWSBRIEF_TEST_DATABASE_URL)"
        )
        return 2
    print_machine()
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    if not feed_files(args.feeds_dir):
        print(f"no feeds in {args.feeds_dir / 'fastfeedparser-benchmark'}")
        return 2
    counts = [int(n) for n in args.workers.split(",")]
    server = start_server(args.feeds_dir, max(args.feeds, args.cold_feeds))
    try:
        with (
            tempfile.TemporaryDirectory(prefix="newsbrief-scale-") as folder,
            spare_database(args.database_url) as url,
        ):
            logs = Path(folder)
            sources_file = logs / "sources.toml"
            asyncio.run(prepare(url, server, args.feeds, sources_file))
            env = {
                **os.environ,
                "NEWSBRIEF_DATABASE_URL": url,
                "NEWSBRIEF_SOURCES_FILE": str(sources_file),
                "NEWSBRIEF_DATA_DIR": folder,
                "NEWSBRIEF_ALLOWED_ADDRESSES": '["127.0.0.1"]',
                "NEWSBRIEF_POLL_INTERVAL_MINUTES": "600",  # each source once in a run
                "NEWSBRIEF_FETCH_MAX_PER_HOST": "64",  # every feed is on one host here
                "NEWSBRIEF_FEED_PARSE_PROCESSES": "1",
                "NEWSBRIEF_WORKER_CONCURRENCY": str(args.concurrency),
            }
            results: list[Run] = []
            for workers in counts:
                runs = [asyncio.run(one_run(url, workers, args.feeds, env, logs)) for _ in range(args.runs)]
                results.append(median_run(runs))
                print(
                    f"{workers} worker(s): {', '.join(f'{run.feeds_per_s:,.0f}' for run in runs)} feeds/s",
                    flush=True,
                )
            with spare_database(args.database_url) as cold_url:
                bytes_each, stored = asyncio.run(bytes_per_article(cold_url, server, args.cold_feeds, logs))
    finally:
        server.stop()
    base = results[0]
    print_table(
        f"{args.feeds} feeds, every one a 304, polled once by N workers (median of {args.runs}; "
        f"load at end {os.getloadavg()[0]:.2f})",
        [
            "workers",
            "feeds/s",
            "vs 1 worker",
            "DB CPU s",
            "DB CPU s / 1k polls",
            "worker CPU s",
            "rows / poll",
            "wall s",
        ],
        [
            (
                str(run.workers),
                run.feeds_per_s,
                ratio(run.feeds_per_s, base.feeds_per_s),
                run.db_cpu_s,
                run.db_cpu_s / run.polls * 1000,
                run.worker_cpu_s,
                run.rows_written / run.polls,
                run.wall_s,
            )
            for run in results
        ],
    )
    cores = os.cpu_count() or 1
    print(
        f"\nGrowth with workers: the feed server, PostgreSQL and the workers share {cores} cores here, so "
        f"throughput stops growing once they are busy (past {cores} workers at most); on more cores, or with "
        "PostgreSQL on its own machine, it grows until the database's CPU is spent."
    )
    print(f"cold poll for the storage figure: {stored} articles from {args.cold_feeds} feeds")
    print_estimate(base, max(results, key=lambda run: run.feeds_per_s), bytes_each)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
