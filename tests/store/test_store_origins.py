"""The store's origins and per-guild pauses: what a source supplied is that source's, only a
fetched article is shared, and one guild's pause never stops another's polling; and the
migrations that brought existing data there. On SQLite always and on PostgreSQL when
NEWSBRIEF_TEST_DATABASE_URL is set (the fixtures are tests/storekit.py's)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.brief.serialize import BRIEF_JSON
from bot.store import Store, StoreError, create_store_engine
from bot.store.database import MIGRATIONS_DIR
from bot.store.sources import PAUSED_EVERYWHERE
from tests.storekit import (
    CHANNEL_A,
    CHANNEL_B,
    GUILD_A,
    GUILD_B,
    T0,
    Target,
    add_source,
    article,
    make_draft,
    save,
    spec,
    subscribe,
)


async def test_each_source_has_its_own_article_under_a_url(store: Store) -> None:
    one = await add_source(store, "https://one.test/feed")
    two = await add_source(store, "https://two.test/feed")
    url = "https://example.test/a"
    fetched, _ = await save(store, make_draft(one.id, body="The page as fetched."), fetched=True)
    claimed, _ = await save(store, make_draft(two.id, body="What feed two says."), text_hash="two")
    assert (fetched.origin_source_id, claimed.origin_source_id) == (None, two.id)
    assert claimed.id != fetched.id

    async def find(source_id: int, fetched: bool | None, **more: str | None) -> int | None:
        sighting = {"canonical_url": url, "guid": None, "text_hash": None} | more
        found = await store.find_article(source_id=source_id, fetched=fetched, **sighting)
        return found.id if found else None

    assert await find(two.id, False) == claimed.id  # feed two's own claim
    assert await find(two.id, None) == claimed.id  # its own first, then the fetched one
    assert await find(two.id, True) == fetched.id
    assert await find(one.id, False) is None  # feed one never supplied text for it
    assert await find(one.id, None) == fetched.id
    # GUIDs and texts find only articles of the origin asked for.
    assert await find(one.id, False, canonical_url=None, guid="guid-a") is None
    assert await find(two.id, True, canonical_url=None, text_hash="two") is None
    assert await find(two.id, False, canonical_url=None, text_hash="two") == claimed.id

    # Another source's claim can neither become a version of the fetched article nor be linked.
    with pytest.raises(StoreError, match="origin"):
        await save(store, make_draft(two.id, body="Rewritten."), article_id=fetched.id)
    with pytest.raises(StoreError, match="another source"):
        await store.touch_article(claimed.id, seen_at=T0, guid=None, next_check_at=None, source_id=one.id)
    assert [v.text for v in await store.list_versions(fetched.id)] == ["The page as fetched."]


async def test_a_guilds_pause_is_its_own(store: Store) -> None:
    shared = await subscribe(store, GUILD_A, "Alpha", "https://shared.test/feed")
    await subscribe(store, GUILD_B, "Beta", "https://shared.test/feed")
    before, _ = await article(store, shared.id, "before", "Harbour opens", seen_at=T0)
    await store.set_subscription_paused(
        GUILD_B, shared.id, True, "paused by Bea", at=T0 + timedelta(minutes=1)
    )
    [polled] = await store.active_sources()
    assert not polled.paused  # guild A still follows it
    during, _ = await article(store, shared.id, "during", "Harbour closes", seen_at=T0 + timedelta(minutes=2))

    a_view = {g.guild_id: g for g in await store.guild_sources(GUILD_A)}[GUILD_A]
    b_view = {g.guild_id: g for g in await store.guild_sources(GUILD_B)}[GUILD_B]
    assert (a_view.paused, a_view.pause_reason, a_view.source.paused) == (False, None, False)
    assert (b_view.paused, b_view.pause_reason) == (True, "paused by Bea")
    # B keeps what came before its pause and gets nothing polled for A meanwhile.
    assert await store.article_visible(GUILD_B, before) and not await store.article_visible(GUILD_B, during)
    assert [h.article_id for h in await store.search("harbour", guild_id=GUILD_B)] == [before]
    assert [c.article_id for c in await store.suggest_articles(GUILD_B, "")] == [before]
    assert await store.counts(GUILD_B) == {"sources": 1, "articles": 1, "versions": 1}
    # A paused subscription routes nothing to the guild's digests.
    digest = await store.briefs_for_digest(GUILD_B, after_version_id=0, limit=10, channel_id=CHANNEL_B)
    assert digest == []
    a_digest = await store.briefs_for_digest(GUILD_A, after_version_id=0, limit=10, channel_id=CHANNEL_A)
    assert {a.id for a, _, _ in a_digest} == {before, during}
    assert await store.article_visible(GUILD_A, during)

    # Paused by every guild that follows it: not polled. A resume is that guild's alone.
    await store.set_subscription_paused(GUILD_A, shared.id, True, "paused by Al")
    [idle] = await store.active_sources()
    assert (idle.paused, idle.pause_reason) == (True, PAUSED_EVERYWHERE)
    await store.set_subscription_paused(GUILD_B, shared.id, False)
    [resumed] = await store.active_sources()
    assert not resumed.paused
    assert await store.article_visible(GUILD_B, during)
    assert [g.paused for g in await store.guild_sources(GUILD_A)] == [True]


async def test_failures_pause_every_subscription_and_each_guild_resumes_its_own(store: Store) -> None:
    shared = await subscribe(store, GUILD_A, "Alpha", "https://shared.test/feed")
    await subscribe(store, GUILD_B, "Beta", "https://shared.test/feed")
    for attempt in range(3):
        record = await store.record_fetch_failure(
            shared.id,
            at=T0 + timedelta(minutes=attempt),
            error="HTTP 500",
            next_attempt_at=None,
            pause_after=3,
        )
    assert record.paused
    for guild_id in (GUILD_A, GUILD_B):
        [entry] = await store.guild_sources(guild_id)
        assert entry.paused and "3 consecutive failures" in (entry.pause_reason or "")
    await store.set_subscription_paused(GUILD_A, shared.id, False)
    [polled] = await store.active_sources()
    assert (polled.paused, polled.consecutive_failures) == (False, 0)
    [a_entry] = await store.guild_sources(GUILD_A)
    [b_entry] = await store.guild_sources(GUILD_B)
    assert not a_entry.paused and b_entry.paused


# --- the migration from 0001 ---------------------------------------------------------------


def upgrade_to(connection: Connection, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def test_upgrade_from_0001_links_articles_and_copies_quotes(target: Target) -> None:
    engine = create_store_engine(target.url, schema=target.schema)
    brief = json.dumps(
        {
            "headline": "Old brief",
            "quotes": [{"text": "Old words", "speaker": "Marta Okafor", "kind": "statement"}],
        }
    )
    try:
        async with engine.begin() as connection:
            if target.schema is not None:
                await connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{target.schema}"'))
            await connection.run_sync(upgrade_to, "0001")
            now = {"now": T0}
            await connection.execute(
                text(
                    "INSERT INTO sources (id, name, kind, location, created_at) VALUES "
                    "(1, 'One', 'feed', 'https://one.test/feed', :now), (2, 'Two', 'feed', 'https://two.test/feed', :now)"
                ),
                now,
            )
            await connection.execute(
                text(
                    "INSERT INTO articles (id, source_id, title, first_seen_at, last_seen_at, story_id, latest_version_id) "
                    "VALUES (1, 1, 'Old title', :now, :now, 1, 1)"
                ),
                now,
            )
            await connection.execute(
                text(
                    "INSERT INTO versions (id, article_id, number, seen_at, title, text, text_hash) "
                    "VALUES (1, 1, 1, :now, 'Old title', 'Old text', 'h')"
                ),
                now,
            )
            await connection.execute(
                text("INSERT INTO briefs (version_id, brief_json, created_at) VALUES (1, :brief, :now)"),
                {"brief": brief, "now": T0},
            )
            await connection.execute(
                text(
                    "INSERT INTO article_guids (source_id, guid, article_id) VALUES (1, 'g1', 1), (2, 'g2', 1)"
                )
            )
            await connection.execute(
                text("INSERT INTO article_urls (url, article_id) VALUES ('https://one.test/old', 1)")
            )
            if connection.dialect.name == "postgresql":  # the 0001 store indexed on PostgreSQL this way
                await connection.execute(
                    text(
                        "INSERT INTO article_search (article_id, version_id, document) "
                        "VALUES (1, 1, setweight(to_tsvector('english', 'Old title'), 'A'))"
                    )
                )
    finally:
        await engine.dispose()

    engine = create_store_engine(target.url, schema=target.schema)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(upgrade_to, "0002")
            links = await connection.execute(text("SELECT source_id FROM article_sources ORDER BY source_id"))
            assert list(links.scalars()) == [1, 2]  # linked through its GUID from source 2
    finally:
        await engine.dispose()

    async with await Store.open(target.url, schema=target.schema, codec=BRIEF_JSON) as upgraded:
        assert await upgraded.schema_revision() == "0010"
        assert all(s.from_config for s in await upgraded.list_sources())
        await upgraded.subscribe(GUILD_A, spec("Two", "https://two.test/feed"))
        # 0003: the text is source 1's (its feed supplied it), so source 2's link is gone.
        assert not await upgraded.article_visible(GUILD_A, 1)
        await upgraded.subscribe(GUILD_A, spec("One", "https://one.test/feed"))
        assert await upgraded.article_visible(GUILD_A, 1)
        assert not await upgraded.article_visible(GUILD_B, 1)
        stored = await upgraded.get_article(1)
        assert stored is not None and stored.origin_source_id == 1
        # Its URL and GUID are source 1's now: source 2 reaches it by neither.
        old_url = "https://one.test/old"
        for source_id, fetched, expected in ((1, False, 1), (2, None, None), (2, True, None)):
            found = await upgraded.find_article(
                source_id=source_id,
                canonical_url=old_url,
                guid=f"g{source_id}",
                text_hash="h",
                fetched=fetched,
            )
            assert (found.id if found else None) == expected, (source_id, fetched)
        [said] = await upgraded.quotes_by_speaker(GUILD_A, "okafor")
        assert (said.quote.text, said.headline, said.seen_at) == ("Old words", "Old brief", T0)
        assert [c.article_id for c in await upgraded.suggest_articles(GUILD_A, "old")] == [1]
