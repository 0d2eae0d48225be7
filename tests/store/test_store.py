"""The store, on SQLite always and on PostgreSQL when NEWSBRIEF_TEST_DATABASE_URL is set.

e.g. NEWSBRIEF_TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test
Each PostgreSQL test gets its own schema, dropped afterwards.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from bot.brief.serialize import BRIEF_JSON
from bot.models import (
    Brief,
    SourceKind,
    SourceSpec,
)
from bot.store import (
    SNIPPET_END,
    SNIPPET_START,
    ArticleRecord,
    NotFoundError,
    Store,
    StoreError,
    create_store_engine,
)
from bot.store.schema import POSTGRESQL_ONLY_TABLES, SQLITE_FTS_TABLES, metadata
from bot.store.search import fts5_match_expression, search_terms
from tests.storekit import (
    PG_URL,
    PG_URL_VARIABLE,
    T0,
    Target,
    add_source,
    head_revision,
    make_brief,
    make_draft,
    save,
)


def test_postgresql_variant_is_configured() -> None:
    if not PG_URL:
        pytest.skip(f"{PG_URL_VARIABLE} is not set: store tests ran on SQLite only")
    assert PG_URL.startswith("postgresql")


# --- opening and migrations ------------------------------------------------------------


async def test_open_applies_migrations_and_reopen_is_a_noop(target: Target) -> None:
    first = await Store.open(target.url, schema=target.schema, codec=BRIEF_JSON)
    try:
        assert await first.schema_revision() == head_revision() == "0010"
        source = await add_source(first)
    finally:
        await first.close()
    if target.sqlite_path is not None:
        assert target.sqlite_path.is_file()  # its directory was created

    async with await Store.open(target.url, schema=target.schema, codec=BRIEF_JSON) as second:
        assert await second.schema_revision() == "0010"
        assert [s.id for s in await second.list_sources()] == [source.id]


async def test_schema_module_matches_migrations(target: Target) -> None:
    async with await Store.open(target.url, schema=target.schema, codec=BRIEF_JSON) as opened:
        dialect = opened.dialect

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if type_ != "table" or name is None:
            return True
        if dialect != "postgresql" and name in POSTGRESQL_ONLY_TABLES:
            return False
        return not name.startswith(SQLITE_FTS_TABLES)

    def differences(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection, opts={"include_object": include, "compare_type": True}
        )
        return list(compare_metadata(context, metadata))

    engine = create_store_engine(target.url, schema=target.schema)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()


async def test_sqlite_connection_settings(tmp_path: Path) -> None:
    path = tmp_path / "settings.db"
    url = f"sqlite+aiosqlite:///{path}"
    async with await Store.open(url, codec=BRIEF_JSON):
        pass
    engine = create_store_engine(url)
    try:
        async with engine.connect() as connection:
            assert (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar_one() == "wal"
            assert (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar_one() == 1
            assert (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar_one() >= 1000
    finally:
        await engine.dispose()
    with sqlite3.connect(path) as plain:  # WAL is a property of the file, not of our connections
        assert plain.execute("PRAGMA journal_mode").fetchone() == ("wal",)


@pytest.mark.parametrize("url", ["sqlite+aiosqlite://", "sqlite+aiosqlite:///:memory:", "mysql://x/y"])
async def test_unsupported_urls_are_refused(url: str) -> None:
    with pytest.raises(StoreError):
        await Store.open(url, codec=BRIEF_JSON)


async def test_foreign_keys_are_enforced(store: Store) -> None:
    with pytest.raises(IntegrityError):
        await save(store, make_draft(source_id=999))
    assert (await store.counts())["articles"] == 0


# --- sources ---------------------------------------------------------------------------


async def test_upsert_source_is_keyed_by_location(store: Store) -> None:
    created = await store.upsert_source(SourceSpec("Example", "https://example.test/feed", SourceKind.FEED))
    assert created.id > 0
    assert (created.name, created.kind, created.paused, created.consecutive_failures) == (
        "Example",
        SourceKind.FEED,
        False,
        0,
    )
    assert created.created_at.tzinfo == UTC

    renamed = await store.upsert_source(SourceSpec("Renamed", "https://example.test/feed", SourceKind.PAGE))
    assert renamed.id == created.id
    assert (renamed.name, renamed.kind) == ("Renamed", SourceKind.PAGE)

    other = await store.upsert_source(SourceSpec("Other", "/srv/news/local.xml", SourceKind.LOCAL))
    assert [s.id for s in await store.list_sources()] == [created.id, other.id]
    assert await store.get_source(other.id) == other
    assert await store.get_source(12345) is None


async def test_remove_source_keeps_articles_and_re_adding_revives_it(store: Store) -> None:
    source = await add_source(store)
    article, _ = await save(store, make_draft(source.id))
    await store.record_fetch_failure(source.id, at=T0, error="boom", next_attempt_at=None, pause_after=1)

    await store.remove_source(source.id)
    assert await store.get_source(source.id) is None
    assert await store.list_sources() == []
    assert await store.get_article(article.id) == article
    assert (await store.counts())["sources"] == 0
    with pytest.raises(NotFoundError):
        await store.remove_source(source.id)

    revived = await add_source(store)
    assert revived.id == source.id
    assert (revived.paused, revived.consecutive_failures) == (False, 0)
    found = await store.find_article(source_id=revived.id, canonical_url=None, guid="guid-a", text_hash=None)
    assert found is not None and found.id == article.id


async def test_fetch_failures_pause_the_source_after_n(store: Store) -> None:
    source = await add_source(store)
    retry = T0 + timedelta(minutes=5)
    for attempt in range(1, 3):
        record = await store.record_fetch_failure(
            source.id, at=T0, error=f"HTTP 503 #{attempt}", next_attempt_at=retry, pause_after=3
        )
        assert (record.consecutive_failures, record.paused) == (attempt, False)
    record = await store.record_fetch_failure(
        source.id, at=T0 + timedelta(minutes=1), error="HTTP 503 #3", next_attempt_at=retry, pause_after=3
    )
    assert record.paused
    assert record.consecutive_failures == 3
    assert record.pause_reason == "paused after 3 consecutive failures: HTTP 503 #3"
    assert record.last_error == "HTTP 503 #3"
    assert record.last_error_at == T0 + timedelta(minutes=1)
    assert record.next_attempt_at == retry

    # Further failures keep counting but keep the first pause reason.
    record = await store.record_fetch_failure(
        source.id, at=T0, error="later", next_attempt_at=None, pause_after=3
    )
    assert record.consecutive_failures == 4
    assert record.pause_reason == "paused after 3 consecutive failures: HTTP 503 #3"

    resumed = await store.set_paused(source.id, False)
    assert (resumed.paused, resumed.pause_reason, resumed.consecutive_failures) == (False, None, 0)
    assert resumed.last_error == "later"  # history stays visible

    paused = await store.set_paused(source.id, True, "spam")
    assert (paused.paused, paused.pause_reason) == (True, "spam")


async def test_pause_after_zero_never_pauses(store: Store) -> None:
    source = await add_source(store)
    for _ in range(5):
        record = await store.record_fetch_failure(
            source.id, at=T0, error="x", next_attempt_at=None, pause_after=0
        )
    assert (record.consecutive_failures, record.paused) == (5, False)


async def test_fetch_success_resets_failures_and_keeps_validators(store: Store) -> None:
    source = await add_source(store)
    await store.record_fetch_failure(source.id, at=T0, error="timeout", next_attempt_at=None, pause_after=10)
    ok = await store.record_fetch_success(
        source.id,
        at=T0 + timedelta(hours=1),
        etag='"abc"',
        last_modified="Sun, 01 Mar 2026 12:00:00 GMT",
        body_hash="h1",
        next_attempt_at=T0 + timedelta(hours=2),
    )
    assert ok.consecutive_failures == 0
    assert not ok.failing
    assert ok.last_success_at == T0 + timedelta(hours=1)
    assert (ok.last_error, ok.last_error_at) == ("timeout", T0)
    assert (ok.etag, ok.last_modified, ok.body_hash) == ('"abc"', "Sun, 01 Mar 2026 12:00:00 GMT", "h1")

    # A 304 carries no validators: the stored ones survive.
    not_modified = await store.record_fetch_success(source.id, at=T0 + timedelta(hours=2))
    assert (not_modified.etag, not_modified.body_hash) == ('"abc"', "h1")
    assert not_modified.next_attempt_at is None


async def test_source_health_calls_on_missing_source_raise(store: Store) -> None:
    with pytest.raises(NotFoundError):
        await store.record_fetch_success(77, at=T0)
    removed = await add_source(store, "https://gone.test/feed")
    await store.remove_source(removed.id)
    with pytest.raises(NotFoundError):  # a source removed meanwhile is not brought back to life
        await store.record_fetch_success(removed.id, at=T0, etag='"late"')
    assert all(source.id != removed.id for source in await store.active_sources())
    with pytest.raises(NotFoundError):
        await store.record_fetch_failure(77, at=T0, error="x", next_attempt_at=None, pause_after=1)
    with pytest.raises(NotFoundError):
        await store.set_paused(77, True)


# --- articles and versions ---------------------------------------------------------------


async def test_find_article_by_url_guid_and_hash(store: Store) -> None:
    feed = await add_source(store, "https://one.test/feed")
    other = await add_source(store, "https://two.test/feed")
    article, _ = await save(store, make_draft(feed.id), text_hash="hash-1", fetched=True)

    async def find(
        source_id: int, url: str | None, guid: str | None, text_hash: str | None, fetched: bool | None = True
    ) -> int | None:
        found = await store.find_article(
            source_id=source_id, canonical_url=url, guid=guid, text_hash=text_hash, fetched=fetched
        )
        return found.id if found else None

    # A fetched article's URL finds it from any source; what a source supplied is found by no other.
    assert await find(other.id, "https://example.test/a", None, None) == article.id
    assert await find(other.id, "https://example.test/a", None, None, fetched=None) == article.id
    assert await find(other.id, "https://example.test/a", None, None, fetched=False) is None
    assert await find(feed.id, None, "guid-a", None) == article.id
    assert await find(other.id, None, "guid-a", None) is None  # GUIDs are per source
    # Identical text is no identity for an entry with its own link or GUID...
    assert await find(feed.id, "https://example.test/new-url", "rewritten-guid", "hash-1") is None
    # ...only for one with neither, and among this source's articles.
    assert await find(feed.id, None, None, "hash-1") == article.id
    assert await find(other.id, None, None, "hash-1") is None
    assert await find(feed.id, None, None, None) is None
    assert await find(feed.id, "https://example.test/zzz", "zzz", "zzz") is None

    # URL wins over GUID when they point at different articles.
    second, _ = await save(
        store, make_draft(feed.id, url="https://example.test/b", guid="guid-b", body="Other."), fetched=True
    )
    assert await find(feed.id, "https://example.test/b", "guid-a", None) == second.id


async def test_versions_are_numbered_and_aliases_recorded(store: Store) -> None:
    source = await add_source(store)
    article, v1 = await save(store, make_draft(source.id), seen_at=T0)
    assert (article.story_id, article.latest_version_id, v1.number) == (article.id, v1.id, 1)
    assert (article.first_seen_at, article.last_seen_at) == (T0, T0)

    moved = make_draft(
        source.id, url="https://example.test/a-moved", guid="guid-a2", body="The bridge reopened."
    )
    article2, v2 = await save(store, moved, article_id=article.id, seen_at=T0 + timedelta(hours=1))
    third = dataclasses.replace(moved, canonical_url=None, guid=None, title=None, text="Third text.")
    article3, v3 = await save(store, third, article_id=article.id, seen_at=T0 + timedelta(hours=2))

    assert [v.number for v in (v1, v2, v3)] == [1, 2, 3]
    assert article3.id == article.id
    assert article3.latest_version_id == v3.id
    assert article3.first_seen_at == T0
    assert article3.last_seen_at == T0 + timedelta(hours=2)
    # A sighting without URL / GUID / title does not erase the known ones.
    assert (article3.canonical_url, article3.guid, article3.title) == (
        "https://example.test/a-moved",
        "guid-a2",
        "Bridge reopens",
    )
    assert article2.canonical_url == "https://example.test/a-moved"
    assert await store.list_versions(article.id) == [v1, v2, v3]
    assert await store.latest_version(article.id) == v3
    assert await store.latest_version(999) is None
    assert v3.title is None and v3.text == "Third text."

    for url in ("https://example.test/a", "https://example.test/a-moved"):
        found = await store.find_article(source_id=source.id, canonical_url=url, guid=None, text_hash=None)
        assert found is not None and found.id == article.id
    for guid in ("guid-a", "guid-a2"):
        found = await store.find_article(source_id=source.id, canonical_url=None, guid=guid, text_hash=None)
        assert found is not None and found.id == article.id


async def test_story_ids(store: Store) -> None:
    source = await add_source(store)
    first, _ = await save(store, make_draft(source.id))
    follow_up, _ = await save(
        store, make_draft(source.id, url="https://example.test/b", guid="b", body="More."), story_id=first.id
    )
    assert first.story_id == first.id
    assert follow_up.story_id == first.id
    updated, _ = await save(store, make_draft(source.id, body="Edited."), article_id=follow_up.id)
    assert updated.story_id == first.id  # story_id None on an update keeps the story


async def test_brief_round_trip(store: Store) -> None:
    source = await add_source(store)
    brief = make_brief("Bridge reopens after repairs")
    article, version = await save(store, make_draft(source.id), brief=brief)
    stored = await store.get_brief(version.id)
    assert stored == dataclasses.replace(brief, article_id=article.id, version_id=version.id)
    assert stored is not None and stored.published == T0
    assert await store.get_brief(version.id + 100) is None


async def test_save_version_is_atomic(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    source = await add_source(store)
    article, v1 = await save(store, make_draft(source.id, body="Original wording about ferries."))
    before = await store.counts()

    def fail(_brief: Brief) -> str:
        raise RuntimeError("disk full")

    # The brief is serialised last, after every other write of the transaction.
    monkeypatch.setattr("bot.brief.serialize.brief_to_json", fail)
    new = make_draft(source.id, url="https://example.test/new", guid="new", body="Brand new zeppelins.")
    with pytest.raises(RuntimeError, match="disk full"):
        await save(store, new, text_hash="new-hash")
    update = make_draft(source.id, url="https://example.test/a2", body="Rewritten wording about submarines.")
    with pytest.raises(RuntimeError, match="disk full"):
        await save(store, update, article_id=article.id, seen_at=T0 + timedelta(hours=1))
    monkeypatch.undo()

    assert await store.counts() == before
    assert await store.get_article(article.id) == article
    assert await store.list_versions(article.id) == [v1]
    for url in ("https://example.test/new", "https://example.test/a2"):
        assert (
            await store.find_article(source_id=source.id, canonical_url=url, guid=None, text_hash=None)
            is None
        )
    assert (
        await store.find_article(source_id=source.id, canonical_url=None, guid="new", text_hash=None) is None
    )
    assert await store.search("zeppelins") == []
    assert await store.search("submarines") == []
    assert [hit.version_id for hit in await store.search("ferries")] == [v1.id]


async def test_concurrent_saves_do_not_collide(store: Store) -> None:
    source = await add_source(store)
    article, _ = await save(store, make_draft(source.id))
    saved = await asyncio.gather(
        *(
            save(
                store,
                make_draft(source.id, body=f"Edit {n}."),
                article_id=article.id,
                seen_at=T0 + timedelta(n),
            )
            for n in range(1, 6)
        ),
        *(
            save(
                store, make_draft(source.id, url=f"https://example.test/{n}", guid=str(n), body=f"Other {n}.")
            )
            for n in range(5)
        ),
    )
    assert len(saved) == 10
    assert [v.number for v in await store.list_versions(article.id)] == [1, 2, 3, 4, 5, 6]
    assert await store.counts() == {"sources": 1, "articles": 6, "versions": 11}


async def test_touch_article(store: Store) -> None:
    source = await add_source(store)
    article, _ = await save(store, make_draft(source.id), next_check_at=T0 + timedelta(hours=1))
    later = T0 + timedelta(hours=3)
    await store.touch_article(
        article.id, seen_at=later, guid="guid-rewritten", next_check_at=later + timedelta(hours=6)
    )
    touched = await store.get_article(article.id)
    assert touched is not None
    assert touched.last_seen_at == later
    assert touched.next_check_at == later + timedelta(hours=6)
    assert touched.latest_version_id == article.latest_version_id
    found = await store.find_article(
        source_id=source.id, canonical_url=None, guid="guid-rewritten", text_hash=None
    )
    assert found is not None and found.id == article.id
    # An out-of-order older sighting does not move last_seen_at back.
    await store.touch_article(article.id, seen_at=T0, guid=None, next_check_at=None)
    again = await store.get_article(article.id)
    assert again is not None and again.last_seen_at == later
    with pytest.raises(NotFoundError):
        await store.touch_article(999, seen_at=T0, guid=None, next_check_at=None)


async def test_articles_due(store: Store) -> None:
    pages = await store.upsert_source(SourceSpec("Pages", "https://example.test/page", SourceKind.PAGE))
    paused = await store.upsert_source(SourceSpec("Paused", "https://paused.test/page", SourceKind.PAGE))
    overdue, _ = await save(
        store, make_draft(pages.id, url="u1", guid=None), next_check_at=T0 - timedelta(hours=2)
    )
    due, _ = await save(store, make_draft(pages.id, url="u2", guid=None, body="b"), next_check_at=T0)
    await save(
        store, make_draft(pages.id, url="u3", guid=None, body="c"), next_check_at=T0 + timedelta(seconds=1)
    )
    await save(store, make_draft(pages.id, url="u4", guid=None, body="d"), next_check_at=None)
    await save(
        store, make_draft(paused.id, url="u5", guid=None, body="e"), next_check_at=T0 - timedelta(days=1)
    )
    await store.set_paused(paused.id, True, "moderator")

    assert [a.id for a in await store.articles_due(T0)] == [overdue.id, due.id]
    assert [a.id for a in await store.articles_due(T0, limit=1)] == [overdue.id]


async def test_recent_articles(store: Store) -> None:
    source = await add_source(store)
    old, _ = await save(
        store, make_draft(source.id, url="old", guid="old", body="Old."), seen_at=T0 - timedelta(days=3)
    )
    a, _ = await save(store, make_draft(source.id, url="a", guid="a", body="A one."), seen_at=T0)
    b, _ = await save(
        store,
        make_draft(source.id, url="b", guid="b", body="B."),
        seen_at=T0 + timedelta(hours=1),
        story_id=a.id,
    )
    await save(
        store, make_draft(source.id, url="a", body="A two."), article_id=a.id, seen_at=T0 + timedelta(hours=2)
    )

    recent = await store.recent_articles(since=T0 - timedelta(days=1))
    assert [r.article_id for r in recent] == [a.id, b.id]
    assert recent[0].text == "A two."  # latest version
    assert recent[0].seen_at == T0 + timedelta(hours=2)
    assert (recent[0].url, recent[0].story_id, recent[1].story_id) == ("a", a.id, a.id)
    assert [
        r.article_id
        for r in await store.recent_articles(since=T0 - timedelta(days=1), exclude_article_id=a.id)
    ] == [b.id]
    assert len(await store.recent_articles(since=T0 - timedelta(days=7))) == 3
    assert old.id not in [r.article_id for r in recent]


async def test_briefs_since_newest_first(store: Store) -> None:
    source = await add_source(store)
    a, a1 = await save(store, make_draft(source.id, url="a", guid="a", title="A", body="A1."), seen_at=T0)
    b, b1 = await save(
        store,
        make_draft(source.id, url="b", guid="b", title="B", body="B1."),
        seen_at=T0 + timedelta(minutes=10),
    )
    _, a2 = await save(
        store,
        make_draft(source.id, url="a", title="A", body="A2."),
        article_id=a.id,
        seen_at=T0 + timedelta(minutes=20),
    )

    def version_ids(rows: list[tuple[ArticleRecord, Brief]]) -> list[int | None]:
        return [brief.version_id for _, brief in rows]

    assert version_ids(await store.briefs_since(None, limit=10)) == [a2.id, b1.id, a1.id]
    assert version_ids(await store.briefs_since(T0, limit=10)) == [a2.id, b1.id]  # `since` is exclusive
    assert version_ids(await store.briefs_since(T0, limit=1)) == [a2.id]
    assert version_ids(await store.briefs_since(None, limit=10, latest_only=True)) == [a2.id, b1.id]
    rows = await store.briefs_since(T0 + timedelta(minutes=15), limit=10)
    assert [(article.id, brief.article_id) for article, brief in rows] == [(a.id, a.id)]
    assert b.id != a.id


async def test_counts(store: Store) -> None:
    assert await store.counts() == {"sources": 0, "articles": 0, "versions": 0}
    source = await add_source(store)
    article, _ = await save(store, make_draft(source.id))
    await save(store, make_draft(source.id, body="v2"), article_id=article.id)
    assert await store.counts() == {"sources": 1, "articles": 1, "versions": 2}


# --- times -------------------------------------------------------------------------------


async def test_times_are_utc_in_and_out(store: Store) -> None:
    source = await add_source(store)
    plus_two = timezone(timedelta(hours=2))
    local_noon = datetime(2026, 3, 1, 14, 0, tzinfo=plus_two)  # == T0
    draft = dataclasses.replace(
        make_draft(source.id), published=datetime(2026, 2, 28, 23, 30, tzinfo=plus_two)
    )
    article, version = await save(store, draft, seen_at=local_noon)
    assert version.seen_at == T0 and version.seen_at.tzinfo == UTC
    assert article.published == datetime(2026, 2, 28, 21, 30, tzinfo=UTC)
    assert article.published is not None and article.published.tzinfo == UTC
    fetched = await store.get_article(article.id)
    assert fetched is not None and fetched.first_seen_at.utcoffset() == timedelta(0)

    with pytest.raises(ValueError, match="timezone-aware"):
        await save(
            store, make_draft(source.id, url="naive", guid="naive"), seen_at=datetime(2026, 3, 1, 12, 0)
        )
    with pytest.raises(ValueError, match="timezone-aware"):
        await store.briefs_since(datetime(2026, 3, 1), limit=5)
    assert (await store.counts())["articles"] == 1


# --- search ------------------------------------------------------------------------------


def test_search_terms_drop_operators_and_punctuation() -> None:
    assert search_terms('"bridge" AND (ferry* OR -toll) NEAR/2') == [
        "bridge",
        "AND",
        "ferry",
        "OR",
        "toll",
        "NEAR",
        "2",
    ]
    assert search_terms("Müller über_alles ü") == ["Müller", "über", "alles", "ü"]
    assert search_terms("") == []
    assert search_terms('" * -- ; ) (') == []
    assert search_terms("a a A") == ["a"]
    assert fts5_match_expression(["AND", "x"]) == '"AND" "x"'


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "AND OR",
        "*",
        "ü",
        "",
        "   ",
        "NEAR(",
        "bridge\"'",
        "'; DROP TABLE articles; --",
        "😀",
        "a:b",
        "-",
        "^x",
    ],
)
async def test_search_accepts_any_text(store: Store, query: str) -> None:
    source = await add_source(store)
    await save(store, make_draft(source.id, body="The bridge reopened and ü was written on it."))
    hits = await store.search(query)
    assert isinstance(hits, list)
    if not search_terms(query):
        assert hits == []
    assert (await store.counts())["articles"] == 1


async def test_search_ranking_best_first_then_newest(store: Store) -> None:
    source = await add_source(store)

    async def article(key: str, title: str, body: str, hours: int) -> int:
        record, _ = await save(
            store,
            make_draft(source.id, url=key, guid=key, title=title, body=body),
            seen_at=T0 + timedelta(hours=hours),
        )
        return record.id

    passing = await article(
        "passing", "Council news", "A long day. The harbour was mentioned once. Then lunch.", 5
    )
    title = await article(
        "title", "Harbour dredging begins", "Work on the harbour starts. The harbour will close.", 1
    )
    twin_old = await article("twin-old", "Weather", "Rain over the harbour.", 2)
    twin_new = await article("twin-new", "Weather", "Rain over the harbour.", 3)
    await article("unrelated", "Sports", "The team won.", 4)

    hits = await store.search("harbour")
    assert hits[0].article_id == title
    assert {h.article_id for h in hits} == {passing, title, twin_old, twin_new}
    positions = {h.article_id: i for i, h in enumerate(hits)}
    assert positions[twin_new] + 1 == positions[twin_old]  # equal rank: newest first
    ranks = [h.rank for h in hits]
    assert ranks == sorted(ranks, reverse=True)
    top = hits[0]
    assert (top.title, top.url) == ("Harbour dredging begins", "title")
    assert top.seen_at == T0 + timedelta(hours=1)
    assert f"{SNIPPET_START}harbour{SNIPPET_END}" in top.snippet

    # Every word must match.
    assert [h.article_id for h in await store.search("harbour dredging")] == [title]
    assert await store.search("harbour zeppelin") == []
    # Paging.
    assert [h.article_id for h in await store.search("harbour", limit=2, offset=1)] == [
        h.article_id for h in hits[1:3]
    ]
    assert await store.search("harbour", limit=0) == []


async def test_search_ranks_only_the_newest_matches(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    # A word in most articles would mean scoring every one; the store ranks the newest window only.
    monkeypatch.setattr("bot.store.search.SEARCH_RANK_WINDOW", 2)
    source = await add_source(store)
    ids = []
    for hours, body in enumerate(
        ["harbour harbour harbour harbour", "the harbour", "a harbour", "harbour day"]
    ):
        record, _ = await save(
            store,
            make_draft(source.id, url=f"u{hours}", guid=f"g{hours}", title="News", body=body),
            seen_at=T0 + timedelta(hours=hours),
        )
        ids.append(record.id)
    hits = await store.search("harbour", limit=10)
    # The best match (the oldest, most repetitive) is outside the window of the two newest.
    assert {h.article_id for h in hits} == {ids[2], ids[3]}


async def test_search_covers_only_the_latest_version(store: Store) -> None:
    source = await add_source(store)
    article, _ = await save(store, make_draft(source.id, title="Ferry", body="The ferry sank near the pier."))
    _, v2 = await save(
        store,
        make_draft(source.id, title="Ferry", body="The ferry was towed to the pier."),
        article_id=article.id,
        seen_at=T0 + timedelta(hours=1),
    )
    assert await store.search("sank") == []
    hits = await store.search("towed")
    assert [(h.article_id, h.version_id) for h in hits] == [(article.id, v2.id)]
    assert len(await store.search("ferry pier")) == 1  # one hit per article, not per version


async def test_an_untitled_article_is_found_and_offered_by_its_brief_headline(store: Store) -> None:
    source = await add_source(store)
    await save(
        store,
        make_draft(source.id, title=None, body="The harbour crane toppled in a storm overnight."),
        brief=make_brief("Harbour crane topples in storm"),
    )
    [hit] = await store.search("crane")
    assert hit.title == "Harbour crane topples in storm"
    guild = 4242
    await store.subscribe(guild, SourceSpec(name="Example", location=source.location, kind=SourceKind.FEED))
    assert [c.title for c in await store.suggest_articles(guild, "")] == ["Harbour crane topples in storm"]


async def test_search_unicode_and_case(store: Store) -> None:
    source = await add_source(store)
    article, _ = await save(
        store, make_draft(source.id, title="Wahl", body="Bürgermeisterin Müller gewann die Wahl.")
    )
    for query in ("Müller", "müller", "MÜLLER", "bürgermeisterin müller"):
        assert [h.article_id for h in await store.search(query)] == [article.id], query
