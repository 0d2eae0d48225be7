"""Hostile and huge feeds: a crafted author field, a 100,000-entry feed, forty pages that never
answer. Each poll ends with an outcome that says what happened, and other sources go on.

Budgets are small settings; nothing here sleeps or times the code. Where a budget is what proves
a point (the author field is read at all), the work it bounds takes hundreds of times longer
without the fix than with it."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.config import Settings, load_settings
from bot.ingest.feeds import (
    AUTHOR_MAX_CHARS,
    RAW_PERSON_MAX_BYTES,
    TITLE_MAX_CHARS,
    _cap_person_fields,
    parse_feed_capped,
)
from bot.ingest.fetch import Fetcher
from bot.models import SourceKind, SourceSpec
from bot.service.polling import Engine, fetch_settings
from bot.store import Store
from tests.clock import Clock
from tests.feedkit import ARTICLE, as_html
from tests.httpserver import LocalServer, StaticResolver, never_answer, respond
from tests.paths import ROOT

# The `store` fixture (conftest, tests/storekit.py) runs these on SQLite and, when configured,
# PostgreSQL.

LONG = "a" * 40_000  # letters only: the worst case for feedparser's e-mail regex
DC = "http://purl.org/dc/elements/1.1/"
ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PARAGRAPHS = "".join(f"<p>{p}</p>" for p in ARTICLE.split("\n\n"))

EngineFactory = Callable[..., Any]


def settings_with(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path,
        "allowed_addresses": ["127.0.0.1"],
        "fetch_timeout_seconds": 5,
    }
    values.update(overrides)
    return load_settings(ROOT / "config" / "newsbrief.toml", **values)


@pytest.fixture
async def make_engine(tmp_path: Path, store: Store) -> AsyncIterator[EngineFactory]:
    """Engines on the test store with settings the test gives; their fetchers and parsers closed after."""
    opened: list[tuple[Engine, Fetcher]] = []

    async def make(resolver: StaticResolver | None = None, **overrides: Any) -> Engine:
        settings = settings_with(tmp_path, **overrides)
        fetcher = Fetcher(fetch_settings(settings), resolver=resolver)
        await fetcher.start()
        engine = Engine(settings, store, fetcher, clock=Clock())
        opened.append((engine, fetcher))
        return engine

    yield make
    for engine, fetcher in opened:
        engine.work.close()
        await fetcher.close()


async def add_feed(engine: Engine, url: str, name: str) -> int:
    record = await engine.store.upsert_source(SourceSpec(name=name, location=url, kind=SourceKind.FEED))
    return record.id


def rss(items: str, extra_namespaces: str = "") -> str:
    return (
        f"<?xml version='1.0'?><rss version='2.0'{extra_namespaces}><channel><title>Hostile</title>"
        f"<link>https://hostile.example/</link><description>d</description>{items}</channel></rss>"
    )


def full_item(guid: str, title: str, person_fields: str = "") -> str:
    return (
        f"<item><guid isPermaLink='false'>{guid}</guid><link>https://hostile.example/{guid}</link>"
        f"<title>{title}</title>{person_fields}<pubDate>Mon, 23 Nov 2026 10:00:00 GMT</pubDate>"
        f"<description><![CDATA[{PARAGRAPHS}]]></description></item>"
    )


def crafted_author_feed() -> str:
    # Every author-like element feedparser runs its e-mail regex on, each 40,000 letters long:
    # uncut, this feed takes feedparser well over half a minute.
    hostile = (
        f"<author>{LONG}</author><dc:creator><![CDATA[{LONG}]]></dc:creator>"
        f"<itunes:author>{LONG}</itunes:author>"
    )
    channel_people = f"<managingEditor>{LONG}</managingEditor><webMaster>{LONG}</webMaster>"
    items = channel_people + full_item("g1", "T" * 5000, hostile) + full_item("g2", "Pool to close")
    return rss(items, f" xmlns:dc='{DC}' xmlns:itunes='{ITUNES}'")


def test_a_40000_character_author_is_cut_before_feedparser_and_kept_fields_are_capped() -> None:
    capped = parse_feed_capped(crafted_author_feed().encode(), url=None, content_type=None, max_entries=10)
    first, second = capped.feed.entries
    assert first.author is not None and 0 < len(first.author) <= AUTHOR_MAX_CHARS
    assert set(first.author.replace(", ", "").rstrip("…")) == {"a"}  # cut, not dropped
    assert first.title is not None and len(first.title) <= TITLE_MAX_CHARS and first.title.startswith("TTT")
    assert second.title == "Pool to close" and second.author is None
    assert capped.beyond_cap == 0


async def test_a_feed_with_a_crafted_author_field_polls_and_previews_within_a_small_parse_budget(
    make_engine: EngineFactory, server: LocalServer
) -> None:
    # The budget is what proves the cut: uncut, feedparser needs many times these 5 s.
    engine: Engine = await make_engine(feed_parse_timeout_seconds=5)
    server.add("/feed.xml", respond(crafted_author_feed(), content_type="application/rss+xml"))
    preview = await engine.preview_source(server.url("/feed.xml"))
    assert preview.kind is SourceKind.FEED and len(preview.briefs) == 2
    source_id = await add_feed(engine, server.url("/feed.xml"), "Hostile")
    report = (await engine.poll()).sources[0]
    assert (report.error, report.new, report.failed) == (None, 2, 0)
    found = await engine.store.find_article(
        source_id=source_id, canonical_url=None, guid="g1", text_hash=None, fetched=None
    )
    assert found is not None and found.author is not None and len(found.author) <= AUTHOR_MAX_CHARS
    assert found.title is not None and len(found.title) <= TITLE_MAX_CHARS


def huge_feed(count: int, link: Callable[[int], str]) -> bytes:
    """`count` teaser items, oldest first (as some generators write them), one minute apart."""
    start = 1_700_000_000
    items = "".join(
        f"<item><guid isPermaLink='false'>e{i}</guid><link>{link(i)}</link><title>Entry {i}</title>"
        f"<pubDate>{time.strftime('%a, %d %b %Y %H:%M:%S GMT', time.gmtime(start + 60 * i))}</pubDate>"
        "<description>Read on…</description></item>"
        for i in range(count)
    )
    return rss(items).encode()


def conditional(body: bytes) -> Callable[[web.Request], Any]:
    async def handler(request: web.Request) -> web.StreamResponse:
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304, headers={"ETag": '"v1"'})
        return web.Response(body=body, content_type="application/rss+xml", headers={"ETag": '"v1"'})

    return handler


async def test_a_100000_entry_feed_keeps_its_newest_entries_counts_the_rest_and_queues_what_it_did_not_fetch(
    make_engine: EngineFactory, server: LocalServer
) -> None:
    count, cap, per_poll = 100_000, 20, 5
    engine: Engine = await make_engine(
        fetch_max_body_mb=20, feed_max_entries=cap, teaser_fetches_per_source=per_poll
    )
    newest = range(count - cap, count)
    for i in newest:  # only the newest entries' pages exist: fetching any other one fails
        server.add(f"/p/{i}", respond(as_html(ARTICLE, f"Entry {i}")))
    server.add("/feed.xml", conditional(huge_feed(count, lambda i: server.url(f"/p/{i}"))))
    source_id = await add_feed(engine, server.url("/feed.xml"), "Huge")

    first = (await engine.poll()).sources[0]
    assert first.error is None and first.failures == []
    assert first.beyond_cap == count - cap  # counted, not read
    assert (first.new, first.deferred, first.queued) == (per_poll, cap - per_poll, cap - per_poll)
    # The newest pages first, and no page of an entry beyond the cap was asked for.
    fetched = sorted(int(r.path_qs.rsplit("/", 1)[1]) for r in server.requests if r.path_qs.startswith("/p/"))
    assert fetched == list(range(count - per_poll, count))
    source = await engine.store.get_source(source_id)
    assert source is not None and source.etag == '"v1"' and source.consecutive_failures == 0
    queue = await engine.store.queued_entries(source_id)
    assert len(queue) == cap - per_poll and all(
        q.attempts == 0 and q.due(engine.clock()) for q in queue.values()
    )

    second = (await engine.poll()).sources[0]  # a 304: the queue alone says what is left
    assert second.not_modified and second.error is None
    assert (second.new, second.queued) == (per_poll, cap - 2 * per_poll)
    assert len(await engine.store.queued_entries(source_id)) == cap - 2 * per_poll


async def test_a_feed_that_outlasts_its_parse_budget_fails_in_one_line_and_the_next_feed_still_parses(
    make_engine: EngineFactory, server: LocalServer
) -> None:
    # Uncapped, 100,000 entries take feedparser seconds: far past a 0.5 s budget.
    engine: Engine = await make_engine(
        fetch_max_body_mb=20, feed_max_entries=100_000, feed_parse_timeout_seconds=0.5
    )
    server.add("/huge.xml", respond(huge_feed(100_000, lambda i: f"https://huge.example/{i}")))
    server.add(
        "/small.xml", respond(rss(full_item("g1", "Pool to close")), content_type="application/rss+xml")
    )
    huge_id = await add_feed(engine, server.url("/huge.xml"), "Huge")
    huge = await engine.store.get_source(huge_id)
    assert huge is not None
    report = await engine.poll_source(huge, force=True)
    assert report.error is not None and "took longer than 0.5 s" in report.error
    assert "\n" not in report.error and "Traceback" not in report.error
    recorded = await engine.store.get_source(huge_id)
    assert recorded is not None and recorded.consecutive_failures == 1 and recorded.last_error == report.error
    assert recorded.next_attempt_at is not None  # backs off like any failing source
    # The stuck worker was stopped; the next feed gets a fresh one.
    small_id = await add_feed(engine, server.url("/small.xml"), "Small")
    small = await engine.store.get_source(small_id)
    assert small is not None
    assert (await engine.poll_source(small, force=True)).new == 1


async def test_forty_teasers_whose_pages_never_answer_stop_at_the_poll_deadline_while_other_sources_go_on(
    make_engine: EngineFactory, server: LocalServer
) -> None:
    hosts = StaticResolver({"slow.example": "127.0.0.1", "quick.example": "127.0.0.1"})
    # The fetch timeout is far beyond the poll's: only the poll deadline can end the hanging fetches.
    engine: Engine = await make_engine(
        hosts,
        fetch_timeout_seconds=600,
        source_poll_timeout_seconds=2,
        teaser_fetch_concurrency=4,
        worker_processes=2,
    )
    # Both parse workers started beforehand, so the poll's deadline is spent on the network alone.
    empty = rss("").encode()
    await asyncio.gather(*(engine.parse_feed(empty, None, None) for _ in range(2)))
    hanging = 0
    slow_is_hanging = asyncio.Event()
    nobody_answers = asyncio.Event()

    async def hang(request: web.Request) -> web.StreamResponse:
        nonlocal hanging
        hanging += 1
        slow_is_hanging.set()
        try:
            return await never_answer(nobody_answers)(request)
        finally:
            hanging -= 1

    slow_items = ""
    for i in range(40):
        server.add(f"/slow/{i}", hang)
        slow_items += (
            f"<item><guid isPermaLink='false'>s{i}</guid><link>{server.url(f'/slow/{i}', host='slow.example')}"
            "</link><title>Slow</title><description>Read on…</description></item>"
        )
    server.add("/slow.xml", respond(rss(slow_items), content_type="application/rss+xml"))
    seen_while_hanging: list[int] = []

    async def quick_feed(request: web.Request) -> web.StreamResponse:
        # Answers only once the slow source's pages hang: the quick source is read during that wait.
        await slow_is_hanging.wait()
        seen_while_hanging.append(hanging)
        body = rss(full_item("q1", "Pool to close") + full_item("q2", "Pool to reopen"))
        return web.Response(text=body, content_type="application/rss+xml")

    server.add("/quick.xml", quick_feed)
    slow_id = await add_feed(engine, server.url("/slow.xml", host="slow.example"), "Slow")
    await add_feed(engine, server.url("/quick.xml", host="quick.example"), "Quick")
    async with asyncio.timeout(120):  # a guard against a hang, far above what the poll takes
        polled = await engine.poll()

    slow, quick = sorted(polled.sources, key=lambda r: r.name != "Slow")
    assert seen_while_hanging and seen_while_hanging[0] >= 1  # read while the slow pages hung
    assert (quick.error, quick.new) == (None, 2)
    assert slow.error is None and slow.timed_out
    assert slow.failed == 4 and all("poll time (2 s)" in f.reason for f in slow.failures)
    assert (slow.deferred, slow.queued) == (36, 40)  # none lost: every entry waits in the queue
    queue = await engine.store.queued_entries(slow_id)
    assert sorted(q.attempts for q in queue.values()) == [0] * 36 + [1] * 4


async def test_one_poll_fetches_at_most_its_page_budget_across_sources(
    make_engine: EngineFactory, server: LocalServer
) -> None:
    engine: Engine = await make_engine(teaser_fetches_per_poll=6)
    for name in ("a", "b"):
        items = ""
        for i in range(5):
            server.add(f"/{name}/{i}", respond(as_html(ARTICLE, f"{name} {i}")))
            items += (
                f"<item><guid isPermaLink='false'>{name}{i}</guid><link>{server.url(f'/{name}/{i}')}</link>"
                f"<title>{name} {i}</title><description>Read on…</description></item>"
            )
        server.add(f"/{name}.xml", respond(rss(items), content_type="application/rss+xml"))
        await add_feed(engine, server.url(f"/{name}.xml"), name)
    reports = (await engine.poll()).sources
    assert sum(r.new for r in reports) == 6 and sum(r.deferred for r in reports) == 4
    assert all(r.error is None and r.failed == 0 for r in reports)
    again = (await engine.poll()).sources
    assert sum(r.new for r in again) == 4 and sum(r.queued for r in again) == 0


def test_cutting_author_fields_keeps_the_rest_of_the_feed_as_it_was() -> None:
    filler = "x" * 1000
    body = rss(
        f"<item><guid>g1</guid><author/>{filler}<title>Kept</title><link>https://hostile.example/1</link>"
        f"<author>Ana Ruiz &amp; {'b' * 300}&amp;c</author><description>{filler}</description></item>",
    ).encode()
    capped = parse_feed_capped(body, url=None, content_type=None, max_entries=10)
    (entry,) = capped.feed.entries
    assert entry.title == "Kept" and entry.summary_html == filler  # untouched around the cut
    assert entry.author is not None and entry.author.startswith("Ana Ruiz & bbb")
    # The cut never falls inside an entity or a UTF-8 character: the XML stays well formed.
    limit = RAW_PERSON_MAX_BYTES
    entity = b"<author>" + b"a" * (limit - 3) + b"&amp;" + b"b" * 10 + b"</author>"
    assert _cap_person_fields(entity) == b"<author>" + b"a" * (limit - 3) + b"</author>"
    accented = b"<dc:creator>" + b"a" * (limit - 1) + "é".encode() * 10 + b"</dc:creator>"
    assert _cap_person_fields(accented) == b"<dc:creator>" + b"a" * (limit - 1) + b"</dc:creator>"


def test_a_json_feed_of_10000_items_keeps_its_newest_and_counts_the_rest() -> None:
    items = [
        {
            "id": f"j{i}",
            "url": f"https://hostile.example/{i}",
            "content_text": "Text.",
            "date_published": f"2026-01-01T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
        }
        for i in range(10_000)
    ]
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": items}).encode()
    capped = parse_feed_capped(body, url=None, content_type="application/feed+json", max_entries=5)
    assert capped.beyond_cap == 9_995
    assert [entry.guid for entry in capped.feed.entries] == [f"j{i}" for i in range(9_995, 10_000)]
