"""Store.store_new_entries: a feed's entries in one transaction, with one article at a time's rules."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.models import ArticleDraft
from bot.store import NewEntry, Store
from tests.storekit import T0, add_source, make_brief, make_draft, save


def entry(draft: ArticleDraft, **kwargs: object) -> NewEntry:
    return NewEntry(draft=draft, text_hash=f"hash:{draft.text}", **kwargs)  # type: ignore[arg-type]


def feed_entries(source_id: int, count: int = 20, *, word: str = "harbour") -> list[NewEntry]:
    return [
        entry(
            make_draft(
                source_id,
                url=f"https://news.test/{i}",
                guid=f"g-{i}",
                title=f"Story {i}",
                body=f"Story {i} says the {word} reopened after {i} weeks of repairs.",
            )
        )
        for i in range(count)
    ]


async def test_new_entries_are_stored_searchable_and_found_again(store: Store) -> None:
    source = await add_source(store)
    stored = await store.store_new_entries(feed_entries(source.id), seen_at=T0)
    assert [s.outcome for s in stored] == ["new"] * 20
    assert len({s.article.id for s in stored}) == 20
    assert all(s.version.number == 1 and s.article.latest_version_id == s.version.id for s in stored)
    assert all(s.article.story_id == s.article.id for s in stored)  # each its own story
    assert (await store.counts())["articles"] == 20
    hits = await store.search("harbour", limit=50)
    assert {h.article_id for h in hits} == {s.article.id for s in stored}
    found = await store.find_article(
        source_id=source.id, canonical_url="https://news.test/7", guid=None, text_hash=None
    )
    assert found is not None and found.id == stored[7].article.id
    by_guid = await store.find_article(source_id=source.id, canonical_url=None, guid="g-3", text_hash=None)
    assert by_guid is not None and by_guid.id == stored[3].article.id
    assert await store.get_brief(stored[0].version.id) is None  # stored without a brief


async def test_the_same_entries_again_are_unchanged_and_an_edit_is_a_version(store: Store) -> None:
    source = await add_source(store)
    first = await store.store_new_entries(feed_entries(source.id), seen_at=T0)
    again = feed_entries(source.id)
    edited = replace(again[5].draft, text="Story 5 now says the harbour stays closed until spring.")
    again[5] = entry(edited)
    later = T0 + timedelta(hours=1)
    second = await store.store_new_entries(again, seen_at=later)
    assert [s.outcome for s in second] == ["unchanged"] * 5 + ["updated"] + ["unchanged"] * 14
    assert [s.article.id for s in second] == [s.article.id for s in first]
    assert second[5].version.number == 2
    assert second[0].article.last_seen_at == later
    assert [v.number for v in await store.list_versions(first[5].article.id)] == [1, 2]
    # Search covers the latest version only.
    assert {h.article_id for h in await store.search("spring")} == {first[5].article.id}
    assert first[5].article.id not in {h.article_id for h in await store.search("reopened", limit=50)}


async def test_one_article_twice_in_a_batch_is_stored_in_turn(store: Store) -> None:
    source = await add_source(store)
    draft = make_draft(source.id, body="The first text of the article.")
    stored = await store.store_new_entries(
        [entry(draft), entry(replace(draft, text="The second text of the article.")), entry(draft)],
        seen_at=T0,
    )
    assert [s.outcome for s in stored] == ["new", "updated", "updated"]
    assert len({s.article.id for s in stored}) == 1
    assert [s.version.number for s in stored] == [1, 2, 3]


async def test_batch_finds_what_save_version_stored_and_keeps_metadata(store: Store) -> None:
    source = await add_source(store)
    old, _ = await save(store, make_draft(source.id, body="Old text."))
    changed = replace(make_draft(source.id, body="New text."), title=None, author=None)
    [stored] = await store.store_new_entries([entry(changed)], seen_at=T0 + timedelta(minutes=5))
    assert stored.outcome == "updated" and stored.article.id == old.id
    assert stored.article.title == old.title  # a missing value never erases a known one
    assert stored.version.number == 2


async def test_briefs_filled_in_later(store: Store) -> None:
    source = await add_source(store)
    stored = await store.store_new_entries(feed_entries(source.id, 3), seen_at=T0)
    assert await store.briefs_since(None, limit=10) == []  # digests list briefed versions only
    await store.store_briefs([(s.version.id, make_brief(f"Brief {n}")) for n, s in enumerate(stored)])
    brief = await store.get_brief(stored[1].version.id)
    assert brief is not None and brief.headline == "Brief 1" and brief.version_id == stored[1].version.id
    assert len(await store.briefs_since(None, limit=10)) == 3
    await store.store_briefs([(stored[1].version.id, make_brief("Again"))])  # a brief is kept
    kept = await store.get_brief(stored[1].version.id)
    assert kept is not None and kept.headline == "Brief 1"
    with_brief = await store.store_new_entries(
        [
            entry(
                make_draft(source.id, url="https://news.test/b", guid="b", body="Briefed."),
                brief=make_brief("B"),
            )
        ],
        seen_at=T0,
    )
    assert with_brief[0].brief is not None and with_brief[0].brief.article_id == with_brief[0].article.id


async def test_find_entries_answers_what_the_batch_will_find(store: Store) -> None:
    source = await add_source(store)
    saved, version = await save(store, make_draft(source.id))
    found = await store.find_entries(
        [
            entry(make_draft(source.id)),
            entry(make_draft(source.id, url="https://news.test/none", guid="x", body="Other.")),
        ]
    )
    assert found[1] is None
    assert found[0] is not None and found[0].article.id == saved.id
    assert found[0].latest is not None and found[0].latest.id == version.id
    assert found[0].latest_brief is not None


async def test_a_short_shared_text_is_no_identity(store: Store) -> None:
    source = await add_source(store)
    teasers = [
        entry(
            make_draft(source.id, url=f"https://news.test/{i}", guid=f"t-{i}", body="Introduction"),
            text_identifies=False,
        )
        for i in range(5)
    ]
    stored = await store.store_new_entries(teasers, seen_at=T0)
    assert [s.outcome for s in stored] == ["new"] * 5


@pytest.mark.parametrize("fetched", [True, False])
async def test_concurrent_batches_of_the_same_entries_store_each_once(store: Store, fetched: bool) -> None:
    source = await add_source(store)
    other = await add_source(store, "https://example.test/other.xml")
    through = [source.id, other.id] if fetched else [source.id, source.id]
    batches = [[replace(e, fetched=fetched) for e in feed_entries(sid)] for sid in through * 2]
    results = await asyncio.gather(*(store.store_new_entries(b, seen_at=T0) for b in batches))
    assert (await store.counts())["articles"] == 20
    assert (await store.counts())["versions"] == 20
    for stored in results[1:]:
        assert [s.article.id for s in stored] == [s.article.id for s in results[0]]


async def test_sqlite_runs_in_wal_mode_with_normal_sync(store: Store) -> None:
    if store.dialect != "sqlite":
        pytest.skip("SQLite's pragmas")
    async with store._read() as connection:
        journal = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar_one()
        synchronous = (await connection.exec_driver_sql("PRAGMA synchronous")).scalar_one()
    assert (journal, synchronous) == ("wal", 1)  # 1: NORMAL
