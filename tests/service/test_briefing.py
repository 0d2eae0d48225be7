"""The two-stage ingest: the poll stage stores raw and searchable, the work stage briefs
(bot/service/briefing.py), a crash between them loses nothing and briefs nothing twice, and a
digest waits for a pending brief."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.brief.build import ArticleText, BriefContext
from bot.config import Settings, load_settings
from bot.models import Brief, ChangeBasis, SourceKind, SourceSpec
from bot.service import briefing
from bot.service.briefing import MAX_BRIEF_ATTEMPTS
from bot.service.polling import Engine
from bot.service.reading import Reading, ReadingError
from bot.store import SourceRecord, Store
from bot.store.schema import briefs, versions
from bot.workers import WorkerError
from tests.botkit import FERRY, IDS, LIBRARY, PRANK, Harness, add_feed, text_of
from tests.botkit import rss as harlow_rss
from tests.clock import Clock
from tests.feedkit import ARTICLE, rss
from tests.httpserver import LocalServer, respond
from tests.paths import ROOT
from tests.service.test_feed_batch import FOLLOW_UP, as_fragment
from tests.storekit import PG_URL, fresh_database

pytest_plugins = ["tests.fakediscord.fixtures"]


POOL_ITEMS = [
    ("p1", "https://elmsworth.example/pool", "Pool to close", as_fragment(ARTICLE)),
    (
        "p2",
        "https://elmsworth.example/petition",
        "Swimmers petition to keep pool open",
        as_fragment(FOLLOW_UP),
    ),
]


def engine_settings(tmp_path: Path, database_url: str | None = None) -> Settings:
    return load_settings(
        ROOT / "config" / "newsbrief.toml",
        data_dir=tmp_path,
        database_url=database_url or f"sqlite+aiosqlite:///{tmp_path / 'test.db'}",
        allowed_addresses=["127.0.0.1"],
    )


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    async with Engine.open(engine_settings(tmp_path), clock=Clock()) as opened:
        yield opened


async def pool_feed(engine: Engine, server: LocalServer) -> SourceRecord:
    server.add("/feed.xml", respond(rss(POOL_ITEMS), content_type="application/rss+xml"))
    return await engine.store.upsert_source(
        SourceSpec(name="Echo", location=server.url("/feed.xml"), kind=SourceKind.FEED)
    )


def count_briefs(engine: Engine) -> list[int]:
    """Replace the engine's brief job with one that records which article texts it briefed."""
    made: list[int] = []
    real = engine.work.brief

    async def counted(article: ArticleText, context: BriefContext) -> Brief:
        made.append(len(article.text))
        return await real(article, context)

    engine.work.brief = counted  # type: ignore[method-assign]
    return made


async def brief_rows(store: Store) -> tuple[int, int]:
    """(versions stored, briefs stored)."""
    async with store._read() as connection:
        stored = (await connection.execute(select(func.count()).select_from(versions))).scalar_one()
        briefed = (await connection.execute(select(func.count()).select_from(briefs))).scalar_one()
    return int(stored), int(briefed)


@pytest.mark.parametrize("batch", [1, 64])  # 1: the second is matched while the first is briefed
async def test_the_poll_stage_stores_searchable_articles_and_the_work_stage_briefs_them(
    engine: Engine, server: LocalServer, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    monkeypatch.setattr(briefing, "BRIEF_BATCH", batch)
    source = await pool_feed(engine, server)
    report = await engine.poll_source(source, force=True, brief=False)
    assert (report.new, report.failed, report.briefs, len(report.versions)) == (2, 0, [], 2)
    [hit] = await engine.store.search("petition", limit=5)
    assert await engine.store.latest_brief(hit.article_id) is None
    assert await engine.store.pending_brief_count() == 2
    assert await engine.store.oldest_pending_brief() == report.versions[0]
    reading = Reading(engine.store, engine)
    article = await engine.store.get_article(hit.article_id)
    assert article is not None
    with pytest.raises(ReadingError, match="being written"):
        await reading.latest_brief(article)

    first, second = await engine.brief_stored()
    assert [first.version_id, second.version_id] == report.versions
    assert await engine.store.pending_brief_count() == 0
    assert await engine.store.oldest_pending_brief() is None
    # Matched in storing order: the second is compared with the first, and joins its story.
    assert first.changes.basis is ChangeBasis.FIRST_REPORT
    assert second.changes.basis is ChangeBasis.STORY
    assert second.changes.against == ("https://elmsworth.example/pool",)
    a = await engine.store.get_article(first.article_id or 0)
    b = await engine.store.get_article(second.article_id or 0)
    assert a is not None and b is not None and a.story_id == b.story_id == a.id
    assert await engine.store.latest_brief(b.id) == second
    assert await engine.brief_stored() == []  # nothing left, nothing briefed again


async def test_a_crash_between_the_stages_ends_with_every_version_briefed_once(
    tmp_path: Path, server: LocalServer
) -> None:
    settings = engine_settings(tmp_path)
    async with Engine.open(settings, clock=Clock()) as crashed:
        source = await pool_feed(crashed, server)
        report = await crashed.poll_source(source, force=True, brief=False)
        # It briefs the first version only, then "crashes": the engine is dropped.
        made = count_briefs(crashed)
        [done] = await crashed.briefing.drain(until_version_id=report.versions[0])
        assert done.version_id == report.versions[0] and len(made) == 1
    async with Engine.open(settings, clock=Clock()) as restarted:
        made = count_briefs(restarted)
        again = await restarted.poll(force=True)  # the start picks the leftover up
        assert (again.sources[0].new, again.sources[0].updated, again.sources[0].error) == (0, 0, None)
        assert len(made) == 1  # the second version only: the first kept its brief
        assert await brief_rows(restarted.store) == (2, 2)
        assert await restarted.store.pending_brief_count() == 0
        [hit] = await restarted.store.search("petition", limit=5)
        second = await restarted.store.latest_brief(hit.article_id)
        assert second is not None and second.version_id == report.versions[1]
        assert second.changes.basis is ChangeBasis.STORY  # matched with the one briefed before the crash


async def test_a_brief_that_fails_is_tried_again_then_given_up_without_holding_digests(
    engine: Engine, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = await pool_feed(engine, server)
    report = await engine.poll_source(source, force=True, brief=False)
    real = engine.work.brief

    async def failing(article: ArticleText, context: BriefContext) -> Brief:
        if article.title == "Pool to close":
            raise WorkerError("briefing the article took too long")
        return await real(article, context)

    monkeypatch.setattr(engine.work, "brief", failing)
    [briefed] = await engine.brief_stored()
    assert briefed.version_id == report.versions[1]
    # Tried once: still queued, but no longer holding digests back.
    assert await engine.store.pending_brief_count() == 1
    assert await engine.store.oldest_pending_brief() is None
    for _ in range(MAX_BRIEF_ATTEMPTS - 1):
        assert await engine.brief_stored() == []
    assert await engine.store.pending_brief_count() == 0  # given up: no brief, not retried forever
    assert await brief_rows(engine.store) == (2, 1)


async def test_fetching_an_article_on_request_briefs_it_at_once(engine: Engine, server: LocalServer) -> None:
    page = (
        "<html><head><title>Pool to close</title></head>"
        f"<body><article>{as_fragment(ARTICLE)}</article></body></html>"
    )
    server.add("/pool.html", respond(page, content_type="text/html"))
    record, brief = await engine.fetch_article(server.url("/pool.html"))
    assert brief.article_id == record.id and brief.version_id == record.latest_version_id
    assert await engine.store.pending_brief_count() == 0
    again_record, again = await engine.fetch_article(server.url("/pool.html"))
    assert (again_record.id, again) == (record.id, brief)  # unchanged: its stored brief


async def test_a_page_fetched_on_request_whose_brief_fails_says_why_and_stays_queued(
    engine: Engine, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = f"<html><body><article>{as_fragment(FOLLOW_UP)}</article></body></html>"
    server.add("/petition.html", respond(page, content_type="text/html"))

    async def failing(article: ArticleText, context: BriefContext) -> Brief:
        raise WorkerError("briefing the article took longer than 30 s: stopped")

    monkeypatch.setattr(engine.work, "brief", failing)
    with pytest.raises(WorkerError, match="took longer"):
        await engine.fetch_article(server.url("/petition.html"))
    assert await engine.store.pending_brief_count() == 1  # the work stage tries it again
    monkeypatch.undo()
    [made] = await engine.brief_stored()
    assert made.changes.basis is ChangeBasis.FIRST_REPORT


@pytest.mark.skipif(PG_URL is None, reason="NEWSBRIEF_TEST_DATABASE_URL is not set: PostgreSQL only")
async def test_two_work_stages_at_once_on_postgresql_brief_each_version_once(
    tmp_path: Path, server: LocalServer
) -> None:
    items = [
        (
            f"g{n}",
            f"https://elmsworth.example/{n}",
            f"Story number {n}",
            as_fragment(f"{text}\n\nThis is report number {n} of the series on the town."),
        )
        for n, text in enumerate([ARTICLE, FOLLOW_UP] * 3)
    ]
    server.add("/feed.xml", respond(rss(items), content_type="application/rss+xml"))
    async with contextlib.AsyncExitStack() as stack:
        url = await stack.enter_async_context(fresh_database("nb_brief"))
        settings = engine_settings(tmp_path, url)
        one = await stack.enter_async_context(Engine.open(settings, clock=Clock()))
        two = await stack.enter_async_context(Engine.open(settings, clock=Clock()))
        source = await one.store.upsert_source(
            SourceSpec(name="Echo", location=server.url("/feed.xml"), kind=SourceKind.FEED)
        )
        report = await one.poll_source(source, force=True, brief=False)
        assert report.new == 6
        made_one, made_two = count_briefs(one), count_briefs(two)
        first, second = await asyncio.gather(one.brief_stored(), two.brief_stored())
        briefed = [b.version_id or 0 for b in first + second]
        assert sorted(briefed) == sorted(report.versions)  # each version once, none left out
        assert len(made_one) + len(made_two) == 6
        assert await brief_rows(one.store) == (6, 6)
        assert await one.store.pending_brief_count() == 0


async def test_a_digest_waits_for_a_pending_brief_and_lists_it_at_the_next(harness: Harness) -> None:
    h = harness
    await h.command("digest set", {"channel": IDS.briefs_channel, "schedule": "daily 08:00"})
    await add_feed(h, [("ferry", "Night ferry to stop", FERRY)])
    h.clock.now += timedelta(hours=1, minutes=1)
    await h.bot.deliver_digests()
    assert "Night ferry to stop" in "\n".join(text_of(m) for m in h.channel())

    items = [
        ("ferry", "Night ferry to stop", FERRY),
        ("library", "Library opens Sundays", LIBRARY),
        ("prank", "Council warns of fake alert", PRANK),
    ]
    h.web.add("/feed.xml", respond(harlow_rss(items), content_type="application/rss+xml"))
    [source] = [s for s in await h.engine.store.active_sources() if s.kind is SourceKind.FEED]
    report = await h.engine.poll_source(source, force=True, brief=False)
    library, prank = report.versions
    # The later one briefed out of turn (as another process might): it waits behind the earlier.
    [later] = [p for p in await h.engine.store.pending_briefs(limit=10) if p.version.id == prank]
    made = await h.engine.work.brief(ArticleText(later.version.text, later.version.title), BriefContext())
    await h.engine.store.store_briefs([(prank, made)])
    before = len(h.channel())
    h.clock.now += timedelta(days=1)
    await h.bot.deliver_digests()
    posted = "\n".join(text_of(m) for m in h.channel()[before:])
    assert "Library opens Sundays" not in posted and "Council warns of fake alert" not in posted

    [done] = await h.engine.brief_stored()
    assert done.version_id == library
    before = len(h.channel())
    h.clock.now += timedelta(days=1)
    await h.bot.deliver_digests()
    posted = "\n".join(text_of(m) for m in h.channel()[before:])
    assert "Library opens Sundays" in posted and "Council warns of fake alert" in posted
