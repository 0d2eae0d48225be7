"""A teaser whose page failed is never lost: it waits in the retry queue, with its reason and a
backoff, and each poll of its source retries it when due, even when the feed answers 304."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web
from rich.console import Console
from rich.table import Table

from bot.cli import poll_table, sources_table
from bot.config import Settings, load_settings
from bot.ingest.fetch import Fetcher
from bot.models import SourceKind, SourceSpec
from bot.service.polling import Engine, PollReport, fetch_settings
from bot.store import GuildSource, Store
from cogs.sources import describe_health
from tests.clock import Clock
from tests.feedkit import ARTICLE, as_html, rss
from tests.httpserver import Handler, LocalServer, respond
from tests.paths import ROOT

# The store fixtures (tests/storekit.py) run these on SQLite and, when configured, PostgreSQL.


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        ROOT / "config" / "newsbrief.toml",
        data_dir=tmp_path,
        allowed_addresses=["127.0.0.1"],
        fetch_timeout_seconds=2,
        entry_retry_base_seconds=600,
        entry_retry_max_seconds=3600,
        entry_retry_max_attempts=3,
    )


@pytest.fixture
async def engine(settings: Settings, store: Store) -> AsyncIterator[Engine]:
    async with Fetcher(fetch_settings(settings)) as fetcher:
        yield Engine(settings, store, fetcher, clock=Clock())


class Page:
    """An article page whose answer the test switches."""

    def __init__(self) -> None:
        self.status = 500

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        if self.status != 200:
            return web.Response(status=self.status, text="server error")
        return await respond(as_html(ARTICLE, "Pool to close"))(request)


def conditional_feed(body: str) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304, headers={"ETag": '"v1"'})
        return web.Response(text=body, content_type="application/rss+xml", headers={"ETag": '"v1"'})

    return handler


async def setup_teaser_feed(engine: Engine, server: LocalServer) -> tuple[int, Page]:
    page = Page()
    server.add("/pool", page)
    server.add("/feed.xml", conditional_feed(rss([("g1", server.url("/pool"), "Pool to close", "Read on…")])))
    record = await engine.store.upsert_source(
        SourceSpec(name="Echo", location=server.url("/feed.xml"), kind=SourceKind.FEED)
    )
    return record.id, page


async def poll(engine: Engine) -> PollReport:
    return await engine.poll()


def rendered(table: Table) -> str:
    console = Console(width=240, record=True)
    console.print(table)
    return console.export_text()


async def test_a_failed_teaser_is_queued_and_stored_at_a_later_poll_despite_a_304(
    engine: Engine, server: LocalServer
) -> None:
    source_id, page = await setup_teaser_feed(engine, server)
    first = (await poll(engine)).sources[0]
    assert (first.new, first.failed, first.queued) == (0, 1, 1)
    queue = await engine.store.queued_entries(source_id)
    assert list(queue) == ["g1"]
    # A poll reads the queue only of the sources that have one when it begins.
    assert await engine.store.sources_with_queued_entries() == {source_id}
    queued = queue["g1"]
    assert "500" in queued.reason and queued.attempts == 1 and queued.given_up_at is None
    assert queued.entry.url == server.url("/pool") and queued.entry.title == "Pool to close"
    assert queued.entry.published is not None
    assert queued.next_attempt_at == engine.clock() + timedelta(seconds=600)
    assert "1 waiting for a retry" in rendered(poll_table(PollReport((first,))))

    page.status = 200
    clock = engine.clock
    assert isinstance(clock, Clock)
    clock.now += timedelta(seconds=601)
    second = (await poll(engine)).sources[0]
    assert second.not_modified  # the feed said nothing new: the entry came from the queue
    assert (second.new, second.failed, second.queued) == (1, 0, 0)
    assert await engine.store.queued_entries(source_id) == {}
    assert await engine.store.sources_with_queued_entries() == frozenset()
    assert await engine.store.retry_summaries() == {}
    found = await engine.store.find_article(
        source_id=source_id, canonical_url=None, guid="g1", text_hash=None, fetched=None
    )
    assert found is not None and found.title == "Pool to close"

    # Stored once: later polls find it, and it is not queued or stored again.
    clock.now += timedelta(hours=2)
    third = (await poll(engine)).sources[0]
    assert (third.new, third.failed, third.queued) == (0, 0, 0)
    assert len(server.requests_to("/pool")) == 2


async def test_the_backoff_is_respected_and_the_entry_given_up_with_its_reason(
    engine: Engine, server: LocalServer
) -> None:
    source_id, _ = await setup_teaser_feed(engine, server)
    clock = engine.clock
    assert isinstance(clock, Clock)
    await poll(engine)
    assert len(server.requests_to("/pool")) == 1

    # Before the backoff ends the page is not fetched again, 304 or not; the entry still waits.
    clock.now += timedelta(seconds=599)
    early = (await poll(engine)).sources[0]
    assert len(server.requests_to("/pool")) == 1
    assert early.queued == 1

    clock.now += timedelta(seconds=2)
    await poll(engine)
    assert len(server.requests_to("/pool")) == 2
    second = (await engine.store.queued_entries(source_id))["g1"]
    assert second.attempts == 2 and second.next_attempt_at == clock.now + timedelta(seconds=1200)

    # The third failure is the last (max attempts 3): kept, given up, with its reason.
    clock.now += timedelta(seconds=1201)
    last = (await poll(engine)).sources[0]
    assert last.given_up == 1 and last.queued == 0
    given_up = (await engine.store.queued_entries(source_id))["g1"]
    assert given_up.attempts == 3 and given_up.given_up_at == clock.now and "500" in given_up.reason
    clock.now += timedelta(days=2)
    await poll(engine)
    assert len(server.requests_to("/pool")) == 3
    summary = (await engine.store.retry_summaries())[source_id]
    assert (summary.waiting, summary.given_up) == (0, 1)


async def test_the_queue_shows_in_the_sources_listing(engine: Engine, server: LocalServer) -> None:
    source_id, _ = await setup_teaser_feed(engine, server)
    await poll(engine)
    records = await engine.store.list_sources()
    text = rendered(sources_table(records, await engine.store.retry_summaries()))
    assert "1 entry waiting for a retry" in text and "500" in text
    summary = (await engine.store.retry_summaries())[source_id]
    assert (
        (summary.waiting, summary.given_up) == (1, 0) and summary.last_reason and "500" in summary.last_reason
    )


async def test_a_page_that_can_never_be_read_is_given_up_at_once(engine: Engine, server: LocalServer) -> None:
    server.add("/feed.xml", respond(rss([("g2", "http://10.0.0.1/pool", "Private", "Read on…")])))
    record = await engine.store.upsert_source(
        SourceSpec(name="Echo", location=server.url("/feed.xml"), kind=SourceKind.FEED)
    )
    report = (await poll(engine)).sources[0]
    assert report.given_up == 1
    queued = (await engine.store.queued_entries(record.id))["g2"]
    assert queued.given_up_at is not None and queued.attempts == 1


async def test_the_queue_shows_in_source_list(engine: Engine, server: LocalServer) -> None:
    source_id, _ = await setup_teaser_feed(engine, server)
    await poll(engine)
    source = await engine.store.get_source(source_id)
    assert source is not None
    entry = GuildSource(1, source, "Echo", None, None, engine.clock())
    line = describe_health(entry, (await engine.store.retry_summaries()).get(source_id))
    assert "1 entry waiting for a retry (last: " in line and "500" in line
    assert "retry" not in describe_health(entry, None)
