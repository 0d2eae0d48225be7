"""Poll speed: a real Engine polling N local feeds (cold, warm, 10% changed) against a feedparser loop.

Usage: python bench/poll.py FEEDS_DIR [--feeds 5000] [--baseline-feeds 500] [--per-host 64]
                            [--changed-share 0.1] [--poll-stage | --warm-only] [--runs 3]
                            [--profile] [--top 30]

FEEDS_DIR is ../shared/eval/feeds: the real feeds in fastfeedparser-benchmark/*.xml are served from
127.0.0.1 by an aiohttp server in a child process (so its CPU and memory stay out of the figures
and it gets the second core). Feed i is file i mod 157 with every link, guid/id and rdf:about
rewritten to a URL on that server unique to feed i (/a/<i>/<file>/<n>), so feeds do not dedupe
into each other and teaser pages are fetched from the same server: each is a small generated HTML
article. The server answers If-None-Match with 304 and, on request, switches a share of the feeds
to a changed body (one new teaser item on top).

The engine is a real bot.service.polling.Engine with a fresh SQLite store in a temporary folder;
fetch_max_per_host is raised (default 64) because every feed is on one host. Phases: cold (every
feed 200 and new), warm (every feed 304), changed (a share of the feeds 200 with one new item).
The baseline, in the same process against the same server, is the loop people write: one
`feedparser.parse(url)` after another (and, for the warm case, the same with etag=).

--poll-stage measures the two stages of the engine (bot.service.briefing) instead of the cold
poll: the poll stage, `Engine.poll(brief=False)` (every feed fetched and parsed, its teaser
pages fetched, every article stored raw and searchable, one transaction per feed), then the
work stage catching up, `Engine.brief_stored()` (story matching and every brief, in the
engine's worker processes), in articles/s against the plain loop's entries/s; a warm engine
poll follows. --runs repeats everything (baseline included, a fresh store each time) and reports medians.
Per poll it shows the bot's CPU per feed (this process, SQLite's thread included; the worker
processes' not), the part of it spent in the garbage collector, and the feed server's own CPU (it
runs in its own process, on the other core). Once the sources are loaded, the objects made so far
are frozen out of the collector's passes (gc.freeze), as the bot does once started.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import dataclasses
import gc
import io
import logging
import multiprocessing
import pstats
import random
import re
import resource
import socket
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
import feedparser
from aiohttp import web
from sqlalchemy import bindparam, update

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from common import (  # noqa: E402
    cpu_seconds,
    current_rss_mb,
    median,
    peak_rss_mb,
    print_machine,
    print_table,
    ratio,
    reset_peak_rss,
    verdict,
)

from bot.config import load_settings  # noqa: E402
from bot.models import SourceKind, SourceSpec  # noqa: E402
from bot.service.polling import Engine, PollReport  # noqa: E402
from bot.store import SourceRecord  # noqa: E402
from bot.store.schema import sources as source_table  # noqa: E402

FEED_FOLDER = "fastfeedparser-benchmark"
FEED_MARK = b"@@F@@"  # replaced by the feed number in every served body
TARGET_WARM_FEEDS_PER_S = 5000.0  # issue 11: at 20,000 feeds
TARGET_COLD_FEEDS_PER_S = 200.0  # issue 11: the cold poll stage, briefs deferred
TARGET_BRIEFS_PER_S = 150.0  # issue 11: briefs catching up, 2 processes
TARGET_PEAK_RSS_MB = 300.0  # issue 11: at 20,000 feeds
FULL_SIZE_FEEDS = 5000
POLL_STAGE = "poll stage"
BRIEFS = "briefs catching up"  # its "feeds" are articles, its baseline the loop's entries/s
PROFILED_POLLS = ("cold", "warm", POLL_STAGE, BRIEFS)

log = logging.getLogger("bench.poll")

# ---- the feeds ---------------------------------------------------------------------------------

_CDATA_URL = rb"\s*(?:<!\[CDATA\[)?\s*(https?://[^<\]\s]+?)\s*(?:\]\]>)?\s*"
_ELEMENT_URL = re.compile(rb"(<link(?:\s[^>]*)?>)" + _CDATA_URL + rb"(</link>)", re.IGNORECASE)
_HREF_URL = re.compile(rb"(<link\b[^>]*?\bhref=)([\"'])(https?://[^\"']+)\2", re.IGNORECASE)
_ABOUT_URL = re.compile(rb"(\brdf:about=)([\"'])(https?://[^\"']+)\2", re.IGNORECASE)
_ID_TEXT = re.compile(rb"(<(guid|id)(?:\s[^>]*)?>)(.*?)(</\2>)", re.IGNORECASE | re.DOTALL)
_FIRST_ITEM = re.compile(rb"<(item|entry)[\s>]", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FeedTemplate:
    """One real feed file with its URLs pointing at our server; FEED_MARK stands for the feed number."""

    name: str
    body: bytes
    item_at: int | None  # where a new item goes: before the first item/entry
    item_tag: str  # "item" (RSS 0.9x/1.0/2.0) or "entry" (Atom)


def feed_files(feeds_dir: Path) -> list[Path]:
    return sorted((feeds_dir / FEED_FOLDER).glob("*.xml"))


def make_template(name: str, body: bytes, file_number: int, base_url: str) -> FeedTemplate:
    local: dict[bytes, bytes] = {}

    def to_local(url: bytes) -> bytes:
        # The same original URL (a link repeated as a guid) maps to the same local URL.
        if url not in local:
            local[url] = f"{base_url}/a/".encode() + FEED_MARK + f"/{file_number}/{len(local)}".encode()
        return local[url]

    body = _ELEMENT_URL.sub(lambda m: m.group(1) + to_local(m.group(2)) + m.group(3), body)
    body = _HREF_URL.sub(lambda m: m.group(1) + m.group(2) + to_local(m.group(3)) + m.group(2), body)
    body = _ABOUT_URL.sub(lambda m: m.group(1) + m.group(2) + to_local(m.group(3)) + m.group(2), body)

    def unique_id(match: re.Match[bytes]) -> bytes:
        value = match.group(3).strip()
        if value.startswith(f"{base_url}/".encode()):
            return match.group(0)  # already made local (and so unique) above
        if re.fullmatch(rb"(?:<!\[CDATA\[)?\s*https?://\S+?\s*(?:\]\]>)?", value):
            inner = re.sub(rb"^<!\[CDATA\[|\]\]>$", b"", value).strip()
            return match.group(1) + to_local(inner) + match.group(4)
        return match.group(1) + value + b"-f" + FEED_MARK + match.group(4)

    body = _ID_TEXT.sub(unique_id, body)
    first = _FIRST_ITEM.search(body)
    tag = first.group(1).decode().lower() if first else "item"
    return FeedTemplate(name, body, first.start() if first else None, tag)


def new_item(template: FeedTemplate, base_url: str, feed: int, version: int) -> bytes:
    """A teaser item for the changed body: it links to a page on our server."""
    url = f"{base_url}/n/{feed}/{version}"
    title = f"Council publishes revised plan, update {version} for feed {feed}"
    teaser = "The council has published a revised plan. Read more..."
    when = datetime(2026, 1, 2, 12, 0, tzinfo=UTC) + timedelta(minutes=version)
    if template.item_tag == "entry":
        return (
            f'<entry><title>{title}</title><link rel="alternate" href="{url}"/><id>{url}</id>'
            f"<updated>{when:%Y-%m-%dT%H:%M:%SZ}</updated><summary>{teaser}</summary></entry>\n"
        ).encode()
    return (
        f"<item><title>{title}</title><link>{url}</link><guid>{url}</guid>"
        f"<pubDate>{when:%a, %d %b %Y %H:%M:%S +0000}</pubDate><description>{teaser}</description></item>\n"
    ).encode()


def feed_body(template: FeedTemplate, base_url: str, feed: int, version: int) -> bytes:
    body = template.body.replace(FEED_MARK, str(feed).encode())
    if version and template.item_at is not None:
        at = template.item_at
        body = body[:at] + new_item(template, base_url, feed, version) + body[at:]
    return body


# ---- the generated article pages (our own words) -----------------------------------------------

_PLACES = ("Northfield", "Port Alder", "Eastmoor", "Lake Corran", "Westbridge", "Kells Valley")
_PEOPLE = ("Maria Okafor", "Daniel Reyes", "Priya Natarajan", "Tomas Lindqvist", "Grace Mbeki", "Hugo Brandt")
_ROLES = ("the mayor", "a council spokesperson", "the transport director", "a local resident")
_ORGS = ("the city council", "the regional water board", "the transit authority", "the school district")
_THINGS = ("a new bus route", "the bridge repairs", "a flood barrier", "the library extension")
_SENTENCES = (
    "{org} said on Tuesday that {thing} in {place} would cost {n} million dollars.",
    "The plan, first proposed {k} years ago, was delayed by a dispute over funding.",
    "Officials expect work to begin in the spring and to last about {k} months.",
    "{person}, {role}, said the project had broad support among residents.",
    "Critics argue that the money would be better spent on existing services.",
    "About {n} people attended a public meeting on the proposal last week.",
    "A report published by {org} estimated that {n} households would benefit.",
    "The vote is scheduled for next month, after a final round of consultation.",
    "Local businesses in {place} have asked for compensation during the works.",
    "Opposition members said they would seek an independent review of the costs.",
    "The previous attempt to fund {thing} failed in a close vote.",
    "Engineers said the site in {place} had been surveyed twice since the winter.",
)
_QUOTES = (
    "We have listened to people in {place}, and this plan reflects what they asked for",
    "Nobody wants the delays to go on for another year",
    "The numbers add up, and the work can start as soon as the vote passes",
)


def article_html(path: str) -> bytes:
    """A small news article, the same for the same path; its facts vary with the path."""
    rng = random.Random(zlib.crc32(path.encode()))

    def fill(pattern: str) -> str:
        return pattern.format(
            org=rng.choice(_ORGS),
            thing=rng.choice(_THINGS),
            place=rng.choice(_PLACES),
            person=rng.choice(_PEOPLE),
            role=rng.choice(_ROLES),
            n=rng.randint(2, 900),
            k=rng.randint(2, 18),
        )

    title = fill("{org} backs {thing} in {place}").capitalize()
    sentences = [fill(s) for s in rng.sample(_SENTENCES, rng.randint(7, len(_SENTENCES)))]
    sentences[0] = sentences[0][0].upper() + sentences[0][1:]
    quote = f"“{fill(rng.choice(_QUOTES))},” said {rng.choice(_PEOPLE)}, {rng.choice(_ROLES)}."
    paragraphs = [" ".join(sentences[i : i + 2]) for i in range(0, len(sentences), 2)]
    paragraphs.insert(min(2, len(paragraphs)), quote)
    body = "".join(f"<p>{escape(p)}</p>\n" for p in paragraphs)
    return (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)} | Bench Gazette</title>"
        f"<meta property='og:title' content='{escape(title)}'>"
        "<meta name='author' content='Bench Desk'>"
        "<meta property='article:published_time' content='2026-01-02T09:00:00Z'></head>\n"
        "<body><header><nav><a href='/'>Home</a> <a href='/local'>Local</a></nav></header>\n"
        f"<main><article><h1>{escape(title)}</h1>\n"
        f"<p class='byline'>By Bench Desk</p>\n{body}</article></main>\n"
        "<footer><p>Bench Gazette, a generated page for benchmarks.</p></footer></body></html>\n"
    ).encode()


# ---- the server (child process) ----------------------------------------------------------------


@dataclass(slots=True)
class ServerState:
    templates: list[FeedTemplate]
    base_url: str
    feeds: int
    changed: frozenset[int] = frozenset()
    version: int = 0  # bumped on every switch, so each switch is a new change


def changed_feeds(feeds: int, share: float) -> frozenset[int]:
    every = max(1, round(1 / share)) if share > 0 else 0
    return frozenset(range(0, feeds, every)) if every else frozenset()


def build_app(state: ServerState) -> web.Application:
    async def feed(request: web.Request) -> web.StreamResponse:
        number = int(request.match_info["number"])
        if number >= state.feeds:
            raise web.HTTPNotFound()
        version = state.version if number in state.changed else 0
        etag = f'"f{number}-v{version}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        template = state.templates[number % len(state.templates)]
        body = feed_body(template, state.base_url, number, version)
        return web.Response(body=body, content_type="application/xml", headers={"ETag": etag})

    async def page(request: web.Request) -> web.StreamResponse:
        return web.Response(body=article_html(request.path), content_type="text/html", charset="utf-8")

    async def cpu(request: web.Request) -> web.StreamResponse:
        # The server's own CPU, so a run can tell whether the server or the bot was the limit.
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return web.json_response({"cpu_s": usage.ru_utime + usage.ru_stime})

    async def change(request: web.Request) -> web.StreamResponse:
        share = float(request.query.get("share", "0.1"))
        state.version += 1
        state.changed = changed_feeds(state.feeds, share)
        return web.json_response({"changed": len(state.changed), "version": state.version})

    app = web.Application()
    app.router.add_get("/feed/{number:\\d+}.xml", feed)
    app.router.add_get("/a/{rest:.+}", page)
    app.router.add_get("/n/{rest:.+}", page)
    app.router.add_post("/_control/change", change)
    app.router.add_get("/_control/cpu", cpu)
    # Relative links in a feed resolve against the feed URL, i.e. onto this server: serve them too.
    app.router.add_get("/{rest:.*}", page)
    return app


async def _serve(feeds_dir: Path, feeds: int, connection: Connection) -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    templates = [
        make_template(path.name, path.read_bytes(), number, base_url)
        for number, path in enumerate(feed_files(feeds_dir))
    ]
    runner = web.AppRunner(build_app(ServerState(templates, base_url, feeds)), access_log=None)
    await runner.setup()
    await web.SockSite(runner, listener, backlog=1024).start()
    connection.send((base_url, len(templates)))
    # Serve until the parent says stop (or goes away).
    await asyncio.get_running_loop().run_in_executor(None, connection.recv)
    await runner.cleanup()


def serve(feeds_dir: str, feeds: int, connection: Connection) -> None:
    asyncio.run(_serve(Path(feeds_dir), feeds, connection))


@dataclass(frozen=True, slots=True)
class Server:
    base_url: str
    files: int
    process: multiprocessing.process.BaseProcess
    control: Connection

    def feed_url(self, number: int) -> str:
        return f"{self.base_url}/feed/{number}.xml"

    def stop(self) -> None:
        with contextlib.suppress(OSError):  # the server may be gone already
            self.control.send("stop")
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=5)


def start_server(feeds_dir: Path, feeds: int) -> Server:
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=serve, args=(str(feeds_dir), feeds, theirs), daemon=True)
    process.start()
    if not ours.poll(120):
        process.terminate()
        raise RuntimeError("the feed server did not start")
    base_url, files = ours.recv()
    return Server(base_url, files, process, ours)


async def server_cpu_s(server: Server) -> float:
    async with aiohttp.ClientSession() as session, session.get(f"{server.base_url}/_control/cpu") as response:
        answer: dict[str, float] = await response.json()
        return answer["cpu_s"]


async def switch_changed(server: Server, share: float) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{server.base_url}/_control/change", params={"share": str(share)}) as response,
    ):
        answer: dict[str, int] = await response.json()
        return answer["changed"]


# ---- measuring ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Phase:
    name: str
    feeds: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed_items: int = 0
    failed_sources: int = 0
    not_modified: int = 0
    error: str | None = None  # the poll raised instead of returning a report
    server_cpu_s: float = float("nan")  # the feed server's CPU (its own process) during the poll
    gc_s: float = 0.0  # of cpu_s: the bot's garbage collections during the poll

    @property
    def feeds_per_s(self) -> float:
        return ratio(self.feeds, self.wall_s)

    @property
    def stored(self) -> int:
        return self.new + self.updated


def phase_of(name: str, report: PollReport, wall_s: float, cpu_s: float) -> Phase:
    sources = report.sources
    return Phase(
        name=name,
        feeds=len(sources),
        wall_s=wall_s,
        cpu_s=cpu_s,
        peak_rss_mb=peak_rss_mb(),
        new=sum(s.new for s in sources),
        updated=sum(s.updated for s in sources),
        unchanged=sum(s.unchanged for s in sources),
        failed_items=sum(s.failed for s in sources),
        failed_sources=sum(1 for s in sources if s.error),
        not_modified=sum(1 for s in sources if s.not_modified),
    )


def show_failures(report: PollReport, limit: int = 5) -> None:
    errors = [(s.name, s.error) for s in report.sources if s.error]
    items = [(s.name, f.where, f.reason) for s in report.sources for f in s.failures]
    for name, error in errors[:limit]:
        print(f"  source failed: {name}: {error}")
    for name, where, reason in items[:limit]:
        print(f"  item failed: {name}: {where}: {reason}")


class Profiler:
    """cProfile around chosen awaits (the event-loop thread only: SQLite runs in its own thread)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.profiles: dict[str, cProfile.Profile] = {}

    async def run(self, name: str, work: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
        if not self.enabled or name not in PROFILED_POLLS:
            return await work()
        profile = cProfile.Profile()
        profile.enable()
        try:
            return await work()
        finally:
            profile.disable()
            self.profiles[name] = profile

    def print(self, top: int) -> None:
        for name, profile in self.profiles.items():
            for order in ("cumulative", "tottime"):
                out = io.StringIO()
                pstats.Stats(profile, stream=out).strip_dirs().sort_stats(order).print_stats(top)
                print(f"\nprofile of the {name} poll, top {top} by {order}")
                print(out.getvalue().strip())


class GcTimer:
    """CPU seconds spent in the garbage collector while installed (gc.callbacks; a collection runs
    in the thread that set it off, holding the GIL, so its start and stop are in one thread)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.thread_time()
        else:
            self.seconds += time.thread_time() - self._started

    def __enter__(self) -> GcTimer:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


async def timed_poll(
    name: str, engine: Engine, profiler: Profiler, server: Server
) -> tuple[Phase, PollReport]:
    reset_peak_rss()
    server_before = await server_cpu_s(server)
    cpu_before = cpu_seconds()
    started = time.perf_counter()
    with GcTimer() as collections:
        try:
            report = await profiler.run(name, lambda: engine.poll(force=True))
        except Exception as exc:  # a failing poll is a result to report, not a reason to stop
            log.error("the %s poll failed: %r", name, exc)
            wall = time.perf_counter() - started
            failed = Phase(name, 0, wall, cpu_seconds() - cpu_before, peak_rss_mb(), error=repr(exc)[:200])
            return failed, PollReport(())
    wall = time.perf_counter() - started
    phase = phase_of(name, report, wall, cpu_seconds() - cpu_before)
    server_used = await server_cpu_s(server) - server_before
    return dataclasses.replace(phase, server_cpu_s=server_used, gc_s=collections.seconds), report


async def timed_poll_stage(engine: Engine, profiler: Profiler) -> tuple[Phase, PollReport]:
    """The engine's poll stage over every source: stored and searchable, no briefs yet."""
    reset_peak_rss()
    cpu_before = cpu_seconds()
    started = time.perf_counter()
    report = await profiler.run(POLL_STAGE, lambda: engine.poll(force=True, brief=False))
    wall = time.perf_counter() - started
    return phase_of(POLL_STAGE, report, wall, cpu_seconds() - cpu_before), report


async def timed_briefs(engine: Engine, profiler: Profiler) -> Phase:
    """The work stage briefing everything the poll stage stored."""
    reset_peak_rss()
    cpu_before = cpu_seconds()
    started = time.perf_counter()
    briefs = await profiler.run(BRIEFS, engine.brief_stored)
    wall = time.perf_counter() - started
    left = await engine.store.pending_brief_count()
    return Phase(BRIEFS, len(briefs), wall, cpu_seconds() - cpu_before, peak_rss_mb(), failed_items=left)


async def engine_phases(
    server: Server, feeds: int, args: argparse.Namespace, profiler: Profiler
) -> tuple[list[Phase], float]:
    with tempfile.TemporaryDirectory(prefix="newsbrief-bench-") as folder:
        data_dir = Path(folder)
        settings = load_settings(
            data_dir=data_dir,
            database_url=f"sqlite+aiosqlite:///{data_dir / 'bench.db'}",
            sources_file=data_dir / "sources.toml",
            allowed_addresses=["127.0.0.1"],
            fetch_max_per_host=args.per_host,
            # Every teaser page in the poll that reads it, so that each phase measures what it
            # says (the page budgets that spread a big cold poll over several are bench/hostile.py's).
            teaser_fetches_per_poll=10**9,
            teaser_fetches_per_source=10**9,
            worker_processes=2,  # issue 11's briefs target is for 2 processes (on 2 cores)
        )
        async with Engine.open(settings) as engine:
            specs = [SourceSpec(f"feed {i}", server.feed_url(i), SourceKind.FEED) for i in range(feeds)]
            started = time.perf_counter()
            sources = await engine.sync_sources(specs)
            # As the bot does once started (bot.discord.client.run_bot): what is loaded at start
            # lives as long as the process and is kept out of the collector's full passes.
            gc.collect()
            gc.freeze()
            sync_s = time.perf_counter() - started

            phases: list[Phase] = []
            if args.poll_stage:
                stage, report = await timed_poll_stage(engine, profiler)
                phases.append(stage)
                show_failures(report)
                articles = (await engine.store.counts())["articles"]
                hits = await engine.store.search("the", limit=1)
                waiting = await engine.store.pending_brief_count()
                print(
                    f"poll stage: {stage.stored} versions stored ({articles} articles in the store, "
                    f"search finds them: {bool(hits)}, {waiting} waiting for their brief), "
                    f"{stage.failed_sources} feeds failed"
                )
                phases.append(await timed_briefs(engine, profiler))
                warm, report = await timed_poll("warm", engine, profiler, server)
                phases.append(warm)
                show_failures(report)
                return phases, sync_s
            if args.warm_only:
                await prime_etags(engine, sources)
                warm, report = await timed_poll("warm", engine, profiler, server)
                show_failures(report)
                return [warm], sync_s
            cold, report = await timed_poll("cold", engine, profiler, server)
            phases.append(cold)
            show_failures(report)
            warm, report = await timed_poll("warm", engine, profiler, server)
            phases.append(warm)
            show_failures(report)
            changed = await switch_changed(server, args.changed_share)
            phase, report = await timed_poll(f"changed ({changed} feeds)", engine, profiler, server)
            phases.append(phase)
            show_failures(report)
        return phases, sync_s


async def prime_etags(engine: Engine, sources: Sequence[SourceRecord]) -> None:
    """--warm-only: record the ETag the server gives each feed, as if a cold poll had stored it
    (in one statement: record_fetch_success one source at a time takes minutes at 20,000 feeds)."""
    now = datetime.now(UTC)
    async with engine.store._write() as connection:
        await connection.execute(
            update(source_table)
            .where(source_table.c.id == bindparam("b_id"))
            .values(etag=bindparam("b_etag"), last_success_at=now),
            [{"b_id": source.id, "b_etag": f'"f{number}-v0"'} for number, source in enumerate(sources)],
        )


@dataclass(frozen=True, slots=True)
class Baseline:
    name: str
    feeds: int
    wall_s: float
    entries: int

    @property
    def feeds_per_s(self) -> float:
        return ratio(self.feeds, self.wall_s)


def feedparser_loop(urls: Sequence[str]) -> tuple[Baseline, Baseline]:
    """The loop people write: parse one URL after another; then again with the ETags it got."""
    started = time.perf_counter()
    etags: list[str | None] = []
    entries = 0
    for url in urls:
        parsed = feedparser.parse(url)
        entries += len(parsed.entries)
        etags.append(parsed.get("etag"))
    plain = Baseline("feedparser.parse(url) loop", len(urls), time.perf_counter() - started, entries)
    started = time.perf_counter()
    entries = 0
    for url, etag in zip(urls, etags, strict=True):
        entries += len(feedparser.parse(url, etag=etag).entries)
    conditional = Baseline(
        "feedparser.parse(url, etag=) loop", len(urls), time.perf_counter() - started, entries
    )
    return plain, conditional


def print_results(
    phases: Sequence[Phase], plain: Baseline, conditional: Baseline, sync_s: float, args: argparse.Namespace
) -> None:
    per_host = args.per_host
    rows = []
    run = Run(plain, conditional, list(phases), sync_s)
    for phase in phases:
        base = baseline_of(phase, run)
        rows.append(
            [
                phase.name,
                phase.feeds,
                phase.wall_s,
                phase.feeds_per_s,
                ratio(phase.feeds_per_s, base.feeds_per_s),
                phase.stored,
                phase.unchanged,
                phase.failed_items,
                phase.failed_sources,
                phase.not_modified,
                phase.cpu_s,
                1000 * ratio(phase.cpu_s, phase.feeds),
                phase.gc_s,
                phase.server_cpu_s,
                1000 * ratio(phase.wall_s, phase.stored) if phase.stored else float("nan"),
                phase.peak_rss_mb,
            ]
        )
    print_table(
        f"engine poll (SQLite, fetch_max_per_host={per_host}); sync_sources took {sync_s:.2f} s",
        [
            "poll",
            "feeds",
            "wall s",
            "feeds/s",
            "x baseline",
            "stored",
            "unchanged",
            "failed items",
            "failed feeds",
            "304/same",
            "cpu s",
            "cpu ms/feed",
            "of which gc s",
            "server cpu s",
            "ms/stored",
            "peak RSS MB",
        ],
        rows,
    )
    print(
        "(x baseline: cold, changed and the poll stage vs the plain feedparser loop, warm vs the etag= "
        f"loop; {BRIEFS!r}: articles briefed, per s vs the plain loop's entries per s; its "
        "'failed items' are versions still waiting)"
    )
    for phase in phases:
        if phase.error:
            print(f"the {phase.name} poll FAILED after {phase.wall_s:.1f} s: {phase.error}")
    print_table(
        "baseline in the same process, same server",
        ["loop", "feeds", "wall s", "feeds/s", "entries"],
        [[b.name, b.feeds, b.wall_s, b.feeds_per_s, b.entries] for b in (plain, conditional)],
    )


@dataclass(frozen=True, slots=True)
class Run:
    plain: Baseline
    conditional: Baseline
    phases: list[Phase]
    sync_s: float


def baseline_of(phase: Phase, run: Run) -> Baseline:
    if phase.name == BRIEFS:  # articles/s against the loop's entries/s
        plain = run.plain
        return Baseline(f"{plain.name}, entries", plain.entries, plain.wall_s, plain.entries)
    return run.conditional if phase.name == "warm" else run.plain


def print_medians(runs: Sequence[Run]) -> dict[str, tuple[float, float, float]]:
    """Per phase: median feeds/s, median ratio to its same-run baseline, median peak RSS."""
    names = [phase.name for phase in runs[0].phases]
    medians: dict[str, tuple[float, float, float]] = {}
    rows = []
    for index, name in enumerate(names):
        phases = [(run.phases[index], run) for run in runs if len(run.phases) > index]
        speeds = [phase.feeds_per_s for phase, _ in phases]
        ratios = [ratio(phase.feeds_per_s, baseline_of(phase, run).feeds_per_s) for phase, run in phases]
        peaks = [phase.peak_rss_mb for phase, _ in phases]
        base = [baseline_of(phase, run).feeds_per_s for phase, run in phases]
        medians[name] = (median(speeds), median(ratios), median(peaks))
        rows.append(
            [name, phases[0][0].feeds, median(speeds), median(base), median(ratios), median(peaks),
             " / ".join(f"{v:,.1f}" for v in speeds)]
        )  # fmt: skip
    print_table(
        f"median of {len(runs)} runs",
        ["poll", "feeds", "feeds/s", "baseline feeds/s", "x baseline", "peak RSS MB", "each run feeds/s"],
        rows,
    )
    return medians


def print_targets(medians: dict[str, tuple[float, float, float]], feeds: int) -> None:
    peak = max(rss for _, _, rss in medians.values())
    parts = []
    if "warm" in medians:
        warm = medians["warm"][0]
        parts.append(
            f"warm at {feeds:,} feeds >= {TARGET_WARM_FEEDS_PER_S:g} feeds/s: {warm:,.0f}, "
            f"{verdict(warm >= TARGET_WARM_FEEDS_PER_S)}"
        )
    cold_name = POLL_STAGE if POLL_STAGE in medians else "cold" if "cold" in medians else None
    if cold_name is not None:
        cold = medians[cold_name][0]
        parts.append(
            f"{cold_name} >= {TARGET_COLD_FEEDS_PER_S:g} feeds/s: {cold:,.1f}, "
            f"{verdict(cold >= TARGET_COLD_FEEDS_PER_S)}"
        )
    if BRIEFS in medians:
        briefs = medians[BRIEFS][0]
        parts.append(
            f"{BRIEFS} >= {TARGET_BRIEFS_PER_S:g} articles/s: {briefs:,.1f}, "
            f"{verdict(briefs >= TARGET_BRIEFS_PER_S)}"
        )
    parts.append(f"peak RSS <= {TARGET_PEAK_RSS_MB:g} MB: {peak:,.0f}, {verdict(peak <= TARGET_PEAK_RSS_MB)}")
    print("\ntargets (medians): " + "; ".join(parts))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("feeds_dir", type=Path, help="the folder holding fastfeedparser-benchmark/")
    parser.add_argument("--feeds", type=int, default=FULL_SIZE_FEEDS, help="how many feeds to serve and poll")
    parser.add_argument(
        "--baseline-feeds", type=int, default=500, help="feeds in the feedparser loop (at most --feeds)"
    )
    parser.add_argument("--per-host", type=int, default=64, help="fetch_max_per_host for the engine")
    parser.add_argument("--changed-share", type=float, default=0.1, help="share of feeds changed")
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument(
        "--warm-only",
        action="store_true",
        help="skip the cold poll (too slow at 5000 feeds): record each feed's ETag, poll once (all 304)",
    )
    modes.add_argument(
        "--poll-stage",
        action="store_true",
        help="the poll stage (entries stored raw, briefs deferred) instead of the cold poll, then warm",
    )
    parser.add_argument("--runs", type=int, default=1, help="repeat everything; report medians")
    parser.add_argument("--profile", action="store_true", help="cProfile the cold, poll-stage and warm polls")
    parser.add_argument("--top", type=int, default=30, help="profile lines to print")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")

    print_machine()
    if not feed_files(args.feeds_dir):
        print(f"no feeds in {args.feeds_dir / FEED_FOLDER}")
        return 2
    server = start_server(args.feeds_dir, args.feeds)
    runs: list[Run] = []
    profiler = Profiler(args.profile)
    try:
        print(f"serving {args.feeds} feeds built from {server.files} files at {server.base_url}")
        urls = [server.feed_url(i) for i in range(min(args.baseline_feeds, args.feeds))]
        for number in range(args.runs):
            plain, conditional = feedparser_loop(urls)
            rss_before = current_rss_mb()
            if not reset_peak_rss():
                print("note: peak RSS cannot be reset here; peaks are since the process started")
            phases, sync_s = asyncio.run(engine_phases(server, args.feeds, args, profiler))
            runs.append(Run(plain, conditional, phases, sync_s))
            print(f"\nrun {number + 1} of {args.runs} (RSS before the engine: {rss_before:.0f} MB)")
            print_results(phases, plain, conditional, sync_s, args)
            sys.stdout.flush()
    finally:
        server.stop()
    print_targets(print_medians(runs), args.feeds)
    if args.profile:
        print("\n(profiled run: the wall times above include cProfile's overhead)")
        profiler.print(args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
