"""Each article stored once, and distinct entries kept apart: the article identity rules.

Feeds sharing articles polled side by side, two stores on one SQLite file at once, and the
entries that used to merge: many entries sharing one link, links differing by a #fragment, a
short stock text, identical texts under different entries.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from aiohttp import web

from bot.config import Settings, load_settings
from bot.models import SourceKind, SourceSpec
from bot.service.polling import Engine
from bot.store import SavedVersion, Store
from tests.clock import Clock
from tests.feedkit import ARTICLE, as_html, rss
from tests.httpserver import LocalServer, respond
from tests.paths import ROOT
from tests.storekit import add_source, make_draft, save

SHARED = 20


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        ROOT / "config" / "newsbrief.toml",
        data_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'test.db'}",
        allowed_addresses=["127.0.0.1"],
        fetch_timeout_seconds=2,
    )


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[Engine]:
    async with Engine.open(settings, clock=Clock()) as e:
        yield e


def story(i: int) -> str:
    """A distinct article per i (a town of its own), long enough to be an article."""
    return ARTICLE.replace("Elmsworth", f"Town{i}ville").replace("850,000", f"{850 + i},000")


def serve_shared_pages(server: LocalServer) -> None:
    for i in range(SHARED):
        server.add(f"/story/{i}", respond(as_html(story(i), f"Town{i}ville pool to close")))


def teaser_feed(server: LocalServer, prefix: str) -> str:
    return rss(
        [
            (f"{prefix}-{i}", server.url(f"/story/{i}"), f"Pool {i}", "The council said...")
            for i in range(SHARED)
        ]
    )


async def add_feed(engine: Engine, url: str, name: str) -> int:
    record = await engine.store.upsert_source(SourceSpec(name=name, location=url, kind=SourceKind.FEED))
    return record.id


async def test_feeds_sharing_articles_polled_concurrently_store_each_once(
    engine: Engine, server: LocalServer
) -> None:
    serve_shared_pages(server)
    for name in ("one", "two", "three"):
        server.add(f"/{name}.xml", respond(teaser_feed(server, name), content_type="application/rss+xml"))
        await add_feed(engine, server.url(f"/{name}.xml"), name)
    report = await engine.poll(force=True)
    assert all(s.error is None and not s.failures for s in report.sources), report
    assert (await engine.store.counts())["articles"] == SHARED
    assert sum(s.new for s in report.sources) == SHARED
    assert sum(s.unchanged for s in report.sources) == 2 * SHARED
    # Every feed's subscribers see all twenty: each article is linked to each source.
    for source in await engine.store.list_sources():
        found = [
            await engine.store.find_article(
                source_id=source.id,
                canonical_url=server.url(f"/story/{i}"),
                guid=None,
                text_hash=None,
                fetched=True,
            )
            for i in range(SHARED)
        ]
        assert all(article is not None for article in found)


async def test_two_stores_on_one_sqlite_file_polling_at_once_store_each_once(
    settings: Settings, server: LocalServer
) -> None:
    serve_shared_pages(server)
    server.add("/one.xml", respond(teaser_feed(server, "one"), content_type="application/rss+xml"))
    async with Engine.open(settings, clock=Clock()) as first, Engine.open(settings, clock=Clock()) as second:
        await add_feed(first, server.url("/one.xml"), "one")
        reports = await asyncio.gather(first.poll(force=True), second.poll(force=True))
        assert all(s.error is None for r in reports for s in r.sources)
        assert (await first.store.counts())["articles"] == SHARED
        assert sum(s.new for r in reports for s in r.sources) == SHARED


def feed_with(items: Sequence[tuple[str, str | None, str, str]]) -> str:
    """RSS with optional links: (guid, link or None, title, html)."""
    body = "".join(
        f"<item><guid isPermaLink='false'>{guid}</guid>{f'<link>{link}</link>' if link else ''}"
        f"<title>{title}</title><description><![CDATA[{html}]]></description></item>"
        for guid, link, title, html in items
    )
    return (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>Show</title>"
        f"<link>https://show.example/</link><description>d</description>{body}</channel></rss>"
    )


async def poll_feed(engine: Engine, server: LocalServer, xml: str, name: str = "feed") -> int:
    server.add(f"/{name}.xml", respond(xml, content_type="application/rss+xml"))
    source_id = await add_feed(engine, server.url(f"/{name}.xml"), name)
    source = await engine.store.get_source(source_id)
    assert source is not None
    report = await engine.poll_source(source, force=True)
    assert report.error is None and not report.failures, report
    return report.new


async def test_entries_sharing_one_link_are_each_their_own_article(
    engine: Engine, server: LocalServer
) -> None:
    home_hits: list[web.Request] = []

    async def home(request: web.Request) -> web.StreamResponse:
        home_hits.append(request)
        return web.Response(text=as_html(story(0), "The show"), content_type="text/html")

    server.add("/show", home)
    episodes = [
        (
            f"episode-{i}",
            server.url("/show"),
            f"Episode {i}",
            f"<p>In episode {i} we talk about subject {i}.</p>",
        )
        for i in range(30)
    ]
    assert await poll_feed(engine, server, feed_with(episodes)) == 30
    assert (await engine.store.counts())["articles"] == 30
    assert home_hits == []  # the shared link is nobody's page: never fetched as an article
    # Read again, each is found by its GUID: nothing new, no versions added.
    source = (await engine.store.list_sources())[0]
    again = await engine.poll_source(source, force=True)
    assert (again.new, again.updated) == (0, 0)
    assert (await engine.store.counts())["articles"] == 30


async def test_links_differing_by_fragment_stay_apart(engine: Engine, server: LocalServer) -> None:
    items = [
        ("part-a", "https://paper.example/live#a", "Morning", f"<p>{story(1)}</p>"),
        ("part-b", "https://paper.example/live#b", "Evening", f"<p>{story(2)}</p>"),
    ]
    assert await poll_feed(engine, server, feed_with(items)) == 2


async def test_a_short_stock_text_is_no_identity(engine: Engine, server: LocalServer) -> None:
    items = [(f"chapter-{i}", None, f"Chapter {i}", "<p>Introduction</p>") for i in range(12)]
    assert await poll_feed(engine, server, feed_with(items)) == 12
    assert (await engine.store.counts())["articles"] == 12


async def test_entries_with_the_same_text_do_not_merge(engine: Engine, server: LocalServer) -> None:
    text = f"<p>{story(3)}</p><p>{story(4)}</p>"
    items = [
        ("first", "https://paper.example/first", "First title", text),
        ("second", "https://paper.example/second", "Second title", text),
    ]
    assert await poll_feed(engine, server, feed_with(items)) == 2
    source = (await engine.store.list_sources())[0]
    first = await engine.store.find_article(
        source_id=source.id, canonical_url="https://paper.example/first", guid=None, text_hash=None
    )
    assert first is not None and first.title == "First title"
    assert first.canonical_url == "https://paper.example/first"


# --- the store's unique identity, on every backend --------------------------------------------


@pytest.mark.parametrize("fetched", [True, False])
async def test_concurrent_inserts_of_one_article_store_it_once(store: Store, fetched: bool) -> None:
    source = await add_source(store)
    other = await add_source(store, "https://example.test/other.xml")
    through = [source.id, other.id] if fetched else [source.id, source.id]
    saved = await asyncio.gather(*(save(store, make_draft(sid), fetched=fetched) for sid in through * 3))
    assert len({article.id for article, _ in saved}) == 1
    assert (await store.counts())["articles"] == 1
    assert [version.number for _, version in saved] == [1] * 6  # the same text: one version
    assert sum(isinstance(s, SavedVersion) and s.new_version for s in saved) == 1


async def test_entries_sharing_a_link_are_stored_by_their_guid(store: Store) -> None:
    source = await add_source(store)
    home = "https://show.example/"
    drafts = [
        replace(make_draft(source.id, url=home, guid=f"ep-{i}", body=f"Episode {i}."), url_is_identity=False)
        for i in range(5)
    ]
    saved = await asyncio.gather(*(save(store, d) for d in drafts))
    assert len({article.id for article, _ in saved}) == 5
    assert (
        await store.find_article(source_id=source.id, canonical_url=home, guid=None, text_hash=None) is None
    )
    found = await store.find_article(source_id=source.id, canonical_url=None, guid="ep-3", text_hash=None)
    assert found is not None and found.canonical_url == home
