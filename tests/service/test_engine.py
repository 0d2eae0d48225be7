"""The engine end to end: real sources served on 127.0.0.1, a real store, real briefs."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web

from bot.brief.serialize import BRIEF_JSON
from bot.config import ConfigError, Settings, load_settings
from bot.models import ChangeBasis, ChangeKind, SourceKind, SourceSpec
from bot.service.polling import Engine, Outcome, backoff_delay, next_page_check
from bot.store import Store
from tests.clock import Clock
from tests.feedkit import ARTICLE, as_html, rss
from tests.httpserver import LocalServer, never_answer, redirect, respond
from tests.paths import ROOT


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        ROOT / "config" / "newsbrief.toml",
        data_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'test.db'}",
        allowed_addresses=["127.0.0.1"],
        fetch_timeout_seconds=0.5,
        pause_after_failures=3,
    )


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[Engine]:
    async with Engine.open(settings, clock=Clock()) as e:
        yield e


async def add_feed(engine: Engine, url: str, name: str = "Echo") -> int:
    record = await engine.store.upsert_source(SourceSpec(name=name, location=url, kind=SourceKind.FEED))
    return record.id


async def poll_one(engine: Engine, source_id: int):  # type: ignore[no-untyped-def]
    source = await engine.store.get_source(source_id)
    assert source is not None
    return await engine.poll_source(source, force=True)


async def test_a_feed_with_full_text_is_stored_and_briefed(engine: Engine, server: LocalServer) -> None:
    html = "".join(f"<p>{p}</p>" for p in ARTICLE.split("\n\n"))
    server.add(
        "/feed.xml",
        respond(
            rss([("g1", "https://elmsworth.example/pool", "Pool to close", html)]),
            content_type="application/rss+xml",
        ),
    )
    source_id = await add_feed(engine, server.url("/feed.xml"))
    report = await poll_one(engine, source_id)
    assert (report.new, report.failed, report.error) == (1, 0, None)
    [brief] = report.briefs
    assert brief.headline == "Pool to close"
    assert brief.source == "Echo"
    assert brief.url == "https://elmsworth.example/pool"
    assert brief.changes.basis is ChangeBasis.FIRST_REPORT
    assert any(
        q.speaker == "Lena Marsh" and q.text.startswith("The pool is forty years old") for q in brief.quotes
    )
    assert len(brief.summary) == 3
    stored = await engine.store.get_brief(brief.version_id or 0)
    assert stored is not None and stored.headline == "Pool to close"


async def test_a_teaser_entry_fetches_the_linked_page(engine: Engine, server: LocalServer) -> None:
    server.add("/pool", respond(as_html(ARTICLE, "Elmsworth pool to close for repairs")))
    server.add(
        "/feed.xml",
        respond(
            rss([("g1", server.url("/pool") + "?utm_source=rss", "Pool to close", "The council said...")]),
            content_type="application/rss+xml",
        ),
    )
    source_id = await add_feed(engine, server.url("/feed.xml"))
    report = await poll_one(engine, source_id)
    assert (report.new, report.failed) == (1, 0), report.failures
    [brief] = report.briefs
    assert brief.headline == "Pool to close"  # the feed's title is kept
    assert brief.url == server.url("/pool")  # tracking parameters stripped
    assert "eight months" in " ".join(brief.summary) or "$850,000" in " ".join(brief.summary)
    # A second poll does not fetch the page again: it is watched on its own schedule.
    await poll_one(engine, source_id)
    assert len(server.requests_to("/pool")) == 1


async def test_a_feed_that_rewrites_guids_and_dates_yields_no_duplicate(
    engine: Engine, server: LocalServer
) -> None:
    html = "".join(f"<p>{p}</p>" for p in ARTICLE.split("\n\n"))
    feeds = [
        rss([("guid-A", "https://elmsworth.example/pool", "Pool to close", html)]),
        rss([("guid-B-rewritten", "https://elmsworth.example/pool?utm_medium=feed", "Pool to close", html)]),
        rss([("guid-C", "https://elmsworth.example/pool-renamed", "Pool to close", html)]),
    ]
    state = {"n": 0}

    async def rotating(request: web.Request) -> web.StreamResponse:
        body = feeds[min(state["n"], len(feeds) - 1)]
        state["n"] += 1
        return web.Response(text=body, content_type="application/rss+xml")

    server.add("/feed.xml", rotating)
    source_id = await add_feed(engine, server.url("/feed.xml"))
    outcomes = []
    for _ in feeds:
        report = await poll_one(engine, source_id)
        outcomes.append((report.new, report.updated, report.unchanged))
    assert outcomes == [(1, 0, 0), (0, 0, 1), (0, 0, 1)]
    assert (await engine.store.counts())["articles"] == 1


async def test_an_edited_article_yields_exactly_its_changes(engine: Engine, server: LocalServer) -> None:
    edited = (
        ARTICLE.replace("take about eight months", "take about ten months")
        .replace('"The pool is forty years old and the pipes are failing," Marsh said. ', "")
        .replace(
            "The council will hold a public meeting about the plans on February 3.",
            "The council will hold a public meeting about the plans on February 3.\n\n"
            "A petition to keep the pool open has gathered 2,000 signatures.",
        )
    )
    versions = [as_html(ARTICLE, "Pool to close"), as_html(edited, "Pool to close")]
    state = {"n": 0}

    async def page(request: web.Request) -> web.StreamResponse:
        body = versions[min(state["n"], 1)]
        state["n"] += 1
        return web.Response(text=body, content_type="text/html")

    server.add("/pool", page)
    [record] = await engine.sync_sources([SourceSpec("Echo page", server.url("/pool"), SourceKind.PAGE)])
    first = await poll_one(engine, record.id)
    assert first.new == 1
    second = await poll_one(engine, record.id)
    assert second.updated == 1, (second.error, second.failures)
    [brief] = second.briefs
    assert brief.changes.basis is ChangeBasis.PREVIOUS_VERSION
    kinds = sorted(c.kind for c in brief.changes.items)
    assert len(brief.changes.items) == 3, brief.changes.items
    assert ChangeKind.SENTENCE_ADDED in kinds
    assert ChangeKind.QUOTE_REMOVED in kinds
    assert {ChangeKind.SENTENCE_EDITED, ChangeKind.NUMBER_CHANGED} & set(kinds)
    versions_stored = await engine.store.list_versions(brief.article_id or 0)
    assert [v.number for v in versions_stored] == [1, 2]
    # The same page again: the same bytes are not even parsed, and there is no third version.
    third = await poll_one(engine, record.id)
    assert third.not_modified and (third.new, third.updated, third.error) == (0, 0, None)
    assert len(await engine.store.list_versions(brief.article_id or 0)) == 2


@pytest.mark.parametrize(
    ("make_handler", "reason"),
    [
        (
            lambda: respond(
                "<?xml version='1.0'?><rss><channel><item><title>x</titl", content_type="application/rss+xml"
            ),
            "not a feed",
        ),
        (
            lambda: respond(
                "<!DOCTYPE html><html><head><title>Home</title></head><body><p>Welcome</p></body></html>",
                content_type="application/rss+xml",
            ),
            "got an HTML page",
        ),
        (
            lambda: respond(
                gzip.compress(rss([]).encode() * 50)[:-40],
                content_type="application/rss+xml",
                headers={"Content-Encoding": "gzip"},
            ),
            "gzip",
        ),
        (lambda: redirect("http://169.254.169.254/latest/meta-data/"), "169.254.169.254"),
        (lambda: respond("gone", status=404), "HTTP 404"),
    ],
    ids=["broken-xml", "html-as-feed", "truncated-gzip", "redirect-to-metadata", "404"],
)
async def test_broken_sources_give_clear_errors_and_store_nothing(
    engine: Engine, server: LocalServer, make_handler: Callable[[], object], reason: str
) -> None:
    server.add("/feed.xml", make_handler())  # type: ignore[arg-type]
    source_id = await add_feed(engine, server.url("/feed.xml"))
    report = await poll_one(engine, source_id)
    assert report.error is not None and reason in report.error, report.error
    assert (report.new, report.updated) == (0, 0)
    assert (await engine.store.counts())["articles"] == 0
    source = await engine.store.get_source(source_id)
    assert source is not None
    assert source.consecutive_failures == 1 and source.last_error == report.error


async def test_a_50_mb_body_is_cut_off(engine: Engine, server: LocalServer) -> None:
    chunk = b"<item>" + b"x" * 65530 + b"</item>\n"

    async def huge(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await response.prepare(request)
        try:
            for _ in range(50 * 1024 * 1024 // len(chunk)):
                await response.write(chunk)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        return response

    server.add("/feed.xml", huge)
    source_id = await add_feed(engine, server.url("/feed.xml"))
    report = await poll_one(engine, source_id)
    assert report.error is not None and "too large" in report.error
    assert (await engine.store.counts())["articles"] == 0


async def test_a_server_that_never_answers_times_out(engine: Engine, server: LocalServer) -> None:
    server.add("/feed.xml", never_answer(asyncio.Event()))
    source_id = await add_feed(engine, server.url("/feed.xml"))
    report = await poll_one(engine, source_id)
    assert report.error is not None and "timed out" in report.error
    assert (await engine.store.counts())["articles"] == 0


async def test_a_304_is_not_parsed(engine: Engine, server: LocalServer) -> None:
    html = "".join(f"<p>{p}</p>" for p in ARTICLE.split("\n\n"))
    body = rss([("g1", "https://elmsworth.example/pool", "Pool to close", html)])

    async def conditional(request: web.Request) -> web.StreamResponse:
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304, headers={"ETag": '"v1"'})
        return web.Response(text=body, content_type="application/rss+xml", headers={"ETag": '"v1"'})

    server.add("/feed.xml", conditional)
    source_id = await add_feed(engine, server.url("/feed.xml"))
    assert (await poll_one(engine, source_id)).new == 1
    # Break the feed's body: if the 304 were parsed (or the old body re-parsed) we would see it.
    report = await poll_one(engine, source_id)
    assert report.not_modified
    assert (report.new, report.updated, report.unchanged, report.error) == (0, 0, 0, None)
    assert server.requests_to("/feed.xml")[-1].headers.get("If-None-Match") == '"v1"'
    # A whole poll records its 304s in one batch: the source still shows when it last answered.
    clock = engine.clock
    assert isinstance(clock, Clock)
    clock.now += timedelta(minutes=20)
    polled = await engine.poll(force=True)
    assert polled.sources[0].not_modified
    source = await engine.store.get_source(source_id)
    assert source is not None and source.last_success_at == clock.now and source.etag == '"v1"'


async def test_failures_back_off_then_pause_visibly(engine: Engine, server: LocalServer) -> None:
    server.add("/feed.xml", respond("nope", status=500))
    source_id = await add_feed(engine, server.url("/feed.xml"))
    for expected in (1, 2, 3):
        await poll_one(engine, source_id)
        source = await engine.store.get_source(source_id)
        assert source is not None and source.consecutive_failures == expected
    assert (
        source is not None
        and source.paused
        and source.pause_reason is not None
        and "HTTP 500" in source.pause_reason
    )
    report = await poll_one(engine, source_id)
    assert report.skipped is not None and report.skipped.startswith("paused")
    assert len(server.requests_to("/feed.xml")) == 3


async def test_a_new_article_on_a_known_story_says_what_it_adds(engine: Engine, server: LocalServer) -> None:
    follow_up = (
        "Elmsworth council confirmed on Tuesday that the public pool will close in March for repairs "
        "costing $850,000.\n\n"
        "The repairs will take about eight months, the council's parks officer Lena Marsh said.\n\n"
        "A group of swimmers has started a petition asking the council to keep the pool open until June.\n\n"
        '"We train there every morning," said Colm Reyes, who started the petition.\n\n'
        "By Wednesday evening more than 1,400 residents had signed it, according to the organisers, "
        "who plan to hand it to the council at its next public meeting in February."
    )
    html2 = "".join(f"<p>{p}</p>" for p in follow_up.split("\n\n"))
    # The first feed carries only a teaser: its article is read from the linked page, fetched by
    # the bot, which any source's later article may be compared with.
    server.add("/pool", respond(as_html(ARTICLE, "Pool to close")))
    server.add(
        "/a.xml",
        respond(
            rss([("a1", server.url("/pool"), "Pool to close", "Pool…")]), content_type="application/rss+xml"
        ),
    )
    server.add(
        "/b.xml",
        respond(
            rss(
                [
                    (
                        "b1",
                        "https://gazette.example/petition",
                        "Swimmers petition to keep Elmsworth pool open",
                        html2,
                    )
                ]
            ),
            content_type="application/rss+xml",
        ),
    )
    a = await add_feed(engine, server.url("/a.xml"), "Echo")
    b = await add_feed(engine, server.url("/b.xml"), "Gazette")
    await poll_one(engine, a)
    report = await poll_one(engine, b)
    assert len(report.briefs) == 1, report
    [brief] = report.briefs
    assert brief.changes.basis is ChangeBasis.STORY
    new_sentences = " ".join(c.after or "" for c in brief.changes.items)
    assert "petition" in new_sentences
    assert "eight months" not in new_sentences
    digest = await engine.digest()
    assert len(digest.stories) == 1 and len(digest.stories[0]) == 2


async def test_the_seed_folder_polls_offline(settings: Settings) -> None:
    async with Engine.open(settings, clock=Clock()) as engine:
        specs = [SourceSpec("Seeds", str(ROOT / "seeds"), SourceKind.LOCAL)]
        await engine.sync_sources(specs)
        report = await engine.poll(force=True)
        [seeds] = report.sources
        assert seeds.error is None and seeds.failed == 0, seeds.failures
        article_files = [p for p in (ROOT / "seeds").iterdir() if p.suffix in (".txt", ".html")]
        # Each article is stored once, whether reached through the feed or as a file.
        assert seeds.new == len(article_files)
        again = await engine.poll(force=True)
        assert (again.sources[0].new, again.sources[0].updated) == (0, 0)
        digest = await engine.digest()
        assert digest.items_total == len(article_files)


def test_backoff_and_page_schedule() -> None:
    assert backoff_delay(1, base=60, cap=3600) == timedelta(seconds=60)
    assert backoff_delay(3, base=60, cap=3600) == timedelta(seconds=240)
    assert backoff_delay(30, base=60, cap=3600) == timedelta(seconds=3600)
    now = datetime(2026, 11, 29, tzinfo=UTC)
    fresh = next_page_check(now - timedelta(hours=1), None, now)
    week = next_page_check(now - timedelta(days=7), None, now)
    assert fresh is not None and week is not None and fresh - now < week - now
    assert next_page_check(now - timedelta(days=90), None, now) is None


def test_outcome_names_match_report_fields() -> None:
    assert {o.value for o in Outcome} == {"new", "updated", "unchanged", "failed"}


async def test_many_sources_polled_at_once_store_everything(
    engine: Engine, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Concurrent polls once ended in "database is locked": SQLite writers must queue in the event
    # loop, not in SQLite's busy wait. With no busy wait at all, any overlap of writers would fail.
    monkeypatch.setattr("bot.store.database.SQLITE_BUSY_TIMEOUT_MS", 0)
    await engine.store.close()
    engine.store = await Store.open(engine.settings.resolved_database_url, codec=BRIEF_JSON)
    for feed in range(24):
        items = [
            (
                f"f{feed}-{n}",
                f"https://town{feed}.example/story-{n}",
                f"Story {n} from town {feed}",
                "".join(f"<p>{p.replace('Elmsworth', f'Town{feed}x{n}')}</p>" for p in ARTICLE.split("\n\n")),
            )
            for n in range(3)
        ]
        server.add(f"/feed{feed}.xml", respond(rss(items), content_type="application/rss+xml"))
        await add_feed(engine, server.url(f"/feed{feed}.xml"), f"Town {feed}")
    report = await engine.poll(force=True)
    assert [s.error for s in report.sources] == [None] * 24
    assert sum(s.new for s in report.sources) == 72
    assert (await engine.store.counts())["articles"] == 72
    await engine.store.close()


async def test_a_poll_with_fewer_places_than_sources_polls_each_once_in_order(
    engine: Engine, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A few tasks take the sources in turn (not one task per source): every source is still polled
    # exactly once, and the report lists them in the store's order.
    monkeypatch.setattr("bot.service.polling.SOURCES_POLLED_AT_ONCE", 3)
    html = "".join(f"<p>{p}</p>" for p in ARTICLE.split("\n\n"))
    ids = []
    for feed in range(8):
        body = rss([(f"g{feed}", f"https://town{feed}.example/a", f"Story of town {feed}", html)])
        server.add(f"/feed{feed}.xml", respond(body, content_type="application/rss+xml"))
        ids.append(await add_feed(engine, server.url(f"/feed{feed}.xml"), f"Town {feed}"))
    done: list[int] = []
    report = await engine.poll(force=True, on_source_done=lambda source: done.append(source.source_id))
    assert [source.source_id for source in report.sources] == ids
    assert sorted(done) == ids
    assert [len(server.requests_to(f"/feed{feed}.xml")) for feed in range(8)] == [1] * 8


async def test_a_304_with_nothing_queued_stores_nothing_and_is_recorded(
    engine: Engine, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A 304 from a source with no retry queue skips the storing step altogether.
    async def conditional(request: web.Request) -> web.StreamResponse:
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304, headers={"ETag": '"v1"'})
        return web.Response(text=body, content_type="application/rss+xml", headers={"ETag": '"v1"'})

    html = "".join(f"<p>{p}</p>" for p in ARTICLE.split("\n\n"))
    body = rss([("g1", "https://elmsworth.example/pool", "Pool to close", html)])
    server.add("/feed.xml", conditional)
    source_id = await add_feed(engine, server.url("/feed.xml"))
    assert (await engine.poll(force=True)).sources[0].new == 1
    stored: list[int] = []
    real_store_read = Engine._store_read

    async def counting_store_read(self: Engine, source, *args, **kwargs):  # type: ignore[no-untyped-def]
        stored.append(source.id)
        return await real_store_read(self, source, *args, **kwargs)

    monkeypatch.setattr(Engine, "_store_read", counting_store_read)
    report = await engine.poll(force=True)
    assert report.sources[0].not_modified and report.sources[0].error is None
    assert stored == []
    source = await engine.store.get_source(source_id)
    assert source is not None and source.etag == '"v1"' and source.consecutive_failures == 0


async def test_a_sources_file_url_with_a_password_is_refused_without_showing_it(engine: Engine) -> None:
    spec = SourceSpec(
        "https://reader:hunter2@feeds.example/private.xml",
        "https://reader:hunter2@feeds.example/private.xml",
        SourceKind.FEED,
    )
    with pytest.raises(ConfigError) as raised:
        await engine.sync_sources([spec])
    message = str(raised.value)
    assert "user name or password" in message and "https://***@feeds.example/private.xml" in message
    assert "hunter2" not in message and "reader" not in message
    assert await engine.store.list_sources() == []
