"""Hostile and huge feeds: time, event-loop stall and peak memory of a real Engine polling them.

Usage: python bench/hostile.py [--runs 3] [--scenarios author,huge,hanging] [--no-baseline]

Scenarios (all generated here, served from 127.0.0.1 by this process; each run is a fresh child
process with a fresh SQLite store, so its memory is its own):

- author: a feed whose author-like fields (author, dc:creator, itunes:author, managingEditor,
  webMaster) are 40,000 letters each, the worst case for feedparser's e-mail regex;
- huge: a feed of 100,000 small teaser entries (under the 5 MB body cap), whose pages answer;
- hanging: a feed of 40 teasers whose pages never answer, polled together with a quick feed of
  two full-text entries.

Each run polls once with the shipped settings and prints wall time, the longest the event loop
went without running a 10 ms ticker, peak RSS of the engine's process (VmHWM) and of its parse
workers (sampled every 20 ms), and what the poll reported. The baseline is plain
`feedparser.parse` of the same bodies, in a child process of its own. Figures are medians.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from common import peak_rss_mb, print_machine, print_table, verdict  # noqa: E402

LONG = "a" * 40_000
HUGE_ENTRIES = 100_000
HANGING_TEASERS = 40
TARGET_PEAK_RSS_MB = 300.0
ARTICLE = "".join(
    f"<p>The council said on Monday that the bridge over the river would close for {n} weeks of repairs, "
    f"and that buses would run on a detour through the old town while the work went on.</p>"
    for n in range(2, 9)
)


def rss(items: str, namespaces: str = "") -> bytes:
    return (
        f"<?xml version='1.0'?><rss version='2.0'{namespaces}><channel><title>Bench</title>"
        f"<link>https://bench.example/</link><description>d</description>{items}</channel></rss>"
    ).encode()


def full_item(guid: str, people: str = "") -> str:
    return (
        f"<item><guid isPermaLink='false'>{guid}</guid><link>https://bench.example/{guid}</link>"
        f"<title>Bridge to close {guid}</title>{people}<pubDate>Mon, 23 Nov 2026 10:00:00 GMT</pubDate>"
        f"<description><![CDATA[{ARTICLE}]]></description></item>"
    )


def author_feed() -> bytes:
    people = f"<author>{LONG}</author><dc:creator>{LONG}</dc:creator><itunes:author>{LONG}</itunes:author>"
    channel = f"<managingEditor>{LONG}</managingEditor><webMaster>{LONG}</webMaster>"
    namespaces = " xmlns:dc='http://purl.org/dc/elements/1.1/' xmlns:itunes='http://www.itunes.com/dtds/podcast-1.0.dtd'"
    return rss(channel + full_item("a1", people) + full_item("a2"), namespaces)


def huge_feed() -> bytes:
    # Relative links (resolved against the feed's URL) keep 100,000 entries under 5 MB.
    return rss("".join(f"<item><link>/p/{i}</link></item>" for i in range(HUGE_ENTRIES)))


def hanging_feed(base: str) -> bytes:
    return rss(
        "".join(
            f"<item><guid>h{i}</guid><link>{base}/hang/{i}</link><title>Slow {i}</title>"
            "<description>Read on…</description></item>"
            for i in range(HANGING_TEASERS)
        )
    )


def page(number: str) -> bytes:
    head = f"<html><head><title>Entry {number}</title></head>"
    return f"{head}<body><article><h1>Entry {number}</h1>{ARTICLE}</article></body></html>".encode()


# ---- the server (this process) -----------------------------------------------------------------


async def serve() -> tuple[web.AppRunner, str]:
    bodies: dict[str, bytes] = {}
    never = asyncio.Event()

    async def feed(request: web.Request) -> web.StreamResponse:
        return web.Response(body=bodies[request.match_info["name"]], content_type="application/rss+xml")

    async def article(request: web.Request) -> web.StreamResponse:
        return web.Response(body=page(request.match_info["n"]), content_type="text/html")

    async def hang(request: web.Request) -> web.StreamResponse:
        await never.wait()
        return web.Response(text="too late")

    app = web.Application()
    app.router.add_get("/feed/{name}.xml", feed)
    app.router.add_get("/p/{n}", article)
    app.router.add_get("/hang/{n}", hang)
    runner = web.AppRunner(app, handler_cancellation=True, access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    base = f"http://127.0.0.1:{port}"
    bodies.update(
        author=author_feed(),
        huge=huge_feed(),
        hanging=hanging_feed(base),
        quick=rss(full_item("q1") + full_item("q2")),
    )
    return runner, base


# ---- one run (a child process) -----------------------------------------------------------------


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


async def run_scenario(scenario: str, base: str) -> dict[str, Any]:
    from bot.config import load_settings
    from bot.models import SourceKind, SourceSpec
    from bot.service.polling import Engine, SourceReport

    with tempfile.TemporaryDirectory(prefix="nb-hostile-") as folder:
        settings = load_settings(
            ROOT / "config" / "newsbrief.toml", data_dir=Path(folder), allowed_addresses=["127.0.0.1"]
        )
        async with Engine.open(settings) as engine:
            names = {"author": ["author"], "huge": ["huge"], "hanging": ["hanging", "quick"]}[scenario]
            for name in names:
                spec = SourceSpec(name=name, location=f"{base}/feed/{name}.xml", kind=SourceKind.FEED)
                await engine.store.upsert_source(spec)
            loop = asyncio.get_running_loop()
            worst_lag = 0.0
            worker_peak = 0.0
            finished = asyncio.Event()

            async def ticker() -> None:
                nonlocal worst_lag, worker_peak
                while not finished.is_set():
                    before = loop.time()
                    await asyncio.sleep(0.01)
                    worst_lag = max(worst_lag, loop.time() - before - 0.01)
                    workers = sum(rss_mb(pid) for pid in engine.work.pool.worker_pids)
                    worker_peak = max(worker_peak, workers)

            done_at: dict[str, float] = {}
            started = time.perf_counter()

            def done(report: SourceReport) -> None:
                done_at[report.name] = time.perf_counter() - started

            tick = asyncio.create_task(ticker())
            report = await engine.poll(on_source_done=done)
            wall = time.perf_counter() - started
            finished.set()
            await tick
            sources = {
                s.name: {
                    "new": s.new,
                    "failed": s.failed,
                    "queued": s.queued,
                    "deferred": s.deferred,
                    "beyond_cap": s.beyond_cap,
                    "timed_out": s.timed_out,
                    "error": s.error,
                    "done_s": round(done_at.get(s.name, 0.0), 2),
                }
                for s in report.sources
            }
    return {
        "wall_s": wall,
        "loop_lag_ms": worst_lag * 1000,
        "main_peak_mb": peak_rss_mb(),
        "workers_peak_mb": worker_peak,
        "sources": sources,
    }


def run_baseline(scenario: str) -> dict[str, Any]:
    import io

    import feedparser

    body = {"author": author_feed, "huge": huge_feed}[scenario]()
    started = time.perf_counter()
    parsed = feedparser.parse(io.BytesIO(body), response_headers={"content-type": "application/xml"})
    return {
        "wall_s": time.perf_counter() - started,
        "main_peak_mb": peak_rss_mb(),
        "entries": len(parsed.entries),
    }


def child(arguments: Sequence[str]) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if result.returncode != 0:
        raise SystemExit(f"run {arguments} failed:\n{result.stdout}{result.stderr}")
    answer: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


async def orchestrate(scenarios: Sequence[str], runs: int, baseline: bool) -> None:
    runner, base = await serve()
    try:
        rows: list[list[object]] = []
        for scenario in scenarios:
            results = []
            for _ in range(runs):
                results.append(await asyncio.to_thread(child, ["--one", scenario, "--base", base]))
            last = results[-1]["sources"]
            peak = statistics.median(r["main_peak_mb"] + r["workers_peak_mb"] for r in results)
            rows.append(
                [
                    scenario,
                    f"{statistics.median(r['wall_s'] for r in results):.2f}",
                    f"{statistics.median(r['loop_lag_ms'] for r in results):.0f}",
                    f"{statistics.median(r['main_peak_mb'] for r in results):.0f}",
                    f"{statistics.median(r['workers_peak_mb'] for r in results):.0f}",
                    f"{peak:.0f} ({verdict(peak <= TARGET_PEAK_RSS_MB)} <= {TARGET_PEAK_RSS_MB:.0f})",
                    "; ".join(f"{name}: {json.dumps(outcome)}" for name, outcome in last.items()),
                ]
            )
            if baseline and scenario in ("author", "huge"):
                plain = [await asyncio.to_thread(child, ["--baseline", scenario]) for _ in range(runs)]
                rows.append(
                    [
                        f"{scenario}: plain feedparser.parse",
                        f"{statistics.median(r['wall_s'] for r in plain):.2f}",
                        "(all of it, on the loop)",
                        f"{statistics.median(r['main_peak_mb'] for r in plain):.0f}",
                        "-",
                        "-",
                        f"{plain[-1]['entries']} entries",
                    ]
                )
        headers = [
            "scenario",
            "wall s",
            "loop stall ms",
            "main MB",
            "workers MB",
            "peak MB",
            "outcome (last run)",
        ]
        print_table(f"hostile feeds, median of {runs}", headers, rows)
    finally:
        await runner.cleanup()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scenarios", default="author,huge,hanging")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    parser.add_argument("--baseline", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(asyncio.run(run_scenario(args.one, args.base))))
        return 0
    if args.baseline:
        print(json.dumps(run_baseline(args.baseline)))
        return 0
    print_machine()
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (1, 5, 15 min)")
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    asyncio.run(orchestrate(scenarios, args.runs, not args.no_baseline))
    print(f"load after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
