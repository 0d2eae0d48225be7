"""The store's guild side: subscriptions, visibility, quotes by speaker, settings, digest channels
and the outbox. On SQLite always and on PostgreSQL when NEWSBRIEF_TEST_DATABASE_URL is set (the
fixtures are tests/storekit.py's)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from bot.brief.serialize import speaker_keys
from bot.models import Brief, Quote, QuoteKind, SourceKind, SourceSpec
from bot.store import (
    DigestStatus,
    NotFoundError,
    OutboxState,
    Store,
)
from tests.storekit import (
    CHANNEL_A,
    CHANNEL_B,
    GUILD_A,
    GUILD_B,
    T0,
    USER,
    article,
    make_brief,
    make_draft,
    save,
    spec,
    subscribe,
)


def brief_with_quotes(headline: str, *said: tuple[str | None, str]) -> Brief:
    return dataclasses.replace(
        make_brief(headline), quotes=tuple(Quote(text=words, speaker=who) for who, words in said)
    )


async def two_guilds(store: Store) -> dict[str, int]:
    """Guild A follows `a`, guild B follows `b`, both follow `shared`; one article in each."""
    a = await subscribe(store, GUILD_A, "Alpha", "https://a.test/feed")
    b = await subscribe(store, GUILD_B, "Beta", "https://b.test/feed")
    shared = await subscribe(store, GUILD_A, "Shared", "https://shared.test/feed")
    await subscribe(store, GUILD_B, "Common", "https://shared.test/feed")
    only_a, _ = await article(
        store,
        a.id,
        "harbour-a",
        "Harbour dredging begins",
        brief=brief_with_quotes("Harbour dredging begins", ("Marta Okafor", "We dredge at dawn")),
    )
    only_b, _ = await article(
        store,
        b.id,
        "harbour-b",
        "Harbour fees rise",
        seen_at=T0 + timedelta(minutes=1),
        brief=brief_with_quotes("Harbour fees rise", ("Marta Okafor", "Fees must rise")),
    )
    both, _ = await article(
        store, shared.id, "harbour-s", "Harbour festival", seen_at=T0 + timedelta(minutes=2)
    )
    return {"a": a.id, "b": b.id, "shared": shared.id, "only_a": only_a, "only_b": only_b, "both": both}


# --- subscriptions ---------------------------------------------------------------------------


async def test_subscribe_shares_one_source_per_location(store: Store) -> None:
    first, new = await store.subscribe(
        GUILD_A, spec("Local news", "https://x.test/feed"), channel_id=CHANNEL_A, added_by=USER
    )
    assert new and not first.from_config
    assert first.name == "Local news"
    again, new_again = await store.subscribe(
        GUILD_A, spec("Renamed", "https://x.test/feed"), channel_id=None, added_by=None
    )
    assert (again.id, new_again) == (first.id, False)
    other, other_new = await store.subscribe(GUILD_B, spec("Their name", "https://x.test/feed"))
    assert (other.id, other_new) == (first.id, True)
    assert other.name == "Local news"  # the shared source keeps its name; each guild has its own

    [mine] = await store.guild_sources(GUILD_A)
    assert (mine.guild_id, mine.name, mine.channel_id, mine.added_by) == (GUILD_A, "Renamed", None, USER)
    assert mine.source.id == first.id and mine.added_at.tzinfo == UTC
    [theirs] = await store.guild_sources(GUILD_B)
    assert theirs.name == "Their name"
    assert await store.guild_sources(12345) == []
    assert [s.id for s in await store.active_sources()] == [first.id]
    assert (await store.counts())["sources"] == 1


async def test_find_guild_source(store: Store) -> None:
    source = await subscribe(store, GUILD_A, "City Desk", "https://city.test/feed")
    await subscribe(store, GUILD_B, "Elsewhere", "https://else.test/feed")
    for typed in (str(source.id), "city desk", "  CITY DESK ", "https://city.test/feed"):
        found = await store.find_guild_source(GUILD_A, typed)
        assert found is not None and found.source.id == source.id, typed
    for typed in ("", "Elsewhere", "https://else.test/feed", "city", "999"):
        assert await store.find_guild_source(GUILD_A, typed) is None, typed


async def test_unsubscribing_the_last_guild_stops_polling_a_guild_source(store: Store) -> None:
    config = await store.upsert_source(spec("Config", "https://config.test/feed"))
    assert config.from_config
    guild_only = await subscribe(store, GUILD_A, "Mine", "https://mine.test/feed")
    await subscribe(store, GUILD_B, "Also mine", "https://mine.test/feed")
    await subscribe(store, GUILD_A, "Config too", "https://config.test/feed")
    assert [s.id for s in await store.active_sources()] == [config.id, guild_only.id]

    assert await store.unsubscribe(GUILD_A, guild_only.id)
    assert not await store.unsubscribe(GUILD_A, guild_only.id)
    assert await store.get_source(guild_only.id) is not None  # guild B still follows it
    assert await store.unsubscribe(GUILD_B, guild_only.id)
    assert await store.get_source(guild_only.id) is None
    assert [s.id for s in await store.active_sources()] == [config.id]
    assert [s.id for s in await store.list_sources()] == [config.id]

    assert await store.unsubscribe(GUILD_A, config.id)
    assert [s.id for s in await store.active_sources()] == [config.id]  # the config file lists it

    revived, new = await store.subscribe(GUILD_B, spec("Back", "https://mine.test/feed"))
    assert (revived.id, new, revived.name) == (guild_only.id, True, "Back")
    assert [s.id for s in await store.active_sources()] == [config.id, guild_only.id]


async def test_a_guild_source_listed_in_config_later_is_polled_without_guilds(store: Store) -> None:
    source = await subscribe(store, GUILD_A, "Mine", "https://mine.test/feed")
    await store.upsert_source(spec("Now in config", "https://mine.test/feed"))
    await store.unsubscribe(GUILD_A, source.id)
    [active] = await store.active_sources()
    assert (active.id, active.from_config, active.name) == (source.id, True, "Now in config")


async def test_the_config_file_list_is_the_truth_for_config_sources(store: Store) -> None:
    kept, dropped, followed = await store.sync_config_sources(
        [
            spec("Kept", "https://kept.test/feed"),
            spec("Dropped", "https://dropped.test/feed"),
            spec("Followed", "https://followed.test/feed"),
        ]
    )
    await subscribe(store, GUILD_A, "Ours", "https://followed.test/feed")
    requested = await store.upsert_source(
        SourceSpec("Fetched on request", "newsbrief:requested", SourceKind.REQUESTED)
    )
    dropped_id = await article(store, dropped.id, "d1", "Dropped story")

    [renamed] = await store.sync_config_sources([spec("Kept, renamed", "https://kept.test/feed")])
    assert (renamed.id, renamed.name, renamed.from_config) == (kept.id, "Kept, renamed", True)
    # no guild follows the dropped one: removed, its article kept; the followed one stays for
    # its guild, no longer as a config source; the requested-articles source is not the file's
    assert await store.get_source(dropped.id) is None
    assert await store.get_article(dropped_id[0]) is not None
    active = {s.id: s for s in await store.active_sources()}
    assert set(active) == {kept.id, followed.id, requested.id}
    assert not active[followed.id].from_config
    assert await store.unsubscribe(GUILD_A, followed.id)
    assert {s.id for s in await store.active_sources()} == {kept.id, requested.id}

    # listed again: revived under the same id, so its articles stay matched
    _, back = await store.sync_config_sources(
        [spec("Kept", "https://kept.test/feed"), spec("Dropped again", "https://dropped.test/feed")]
    )
    assert (back.id, back.name, back.from_config) == (dropped.id, "Dropped again", True)
    assert await store.sync_config_sources([]) == []
    assert {s.id for s in await store.active_sources()} == {requested.id}


# --- visibility ------------------------------------------------------------------------------


async def test_guilds_see_only_their_own_articles(store: Store) -> None:
    ids = await two_guilds(store)

    async def searched(guild_id: int | None) -> set[int]:
        return {hit.article_id for hit in await store.search("harbour", guild_id=guild_id)}

    assert await searched(GUILD_A) == {ids["only_a"], ids["both"]}
    assert await searched(GUILD_B) == {ids["only_b"], ids["both"]}
    assert await searched(None) == {ids["only_a"], ids["only_b"], ids["both"]}
    assert await searched(999) == set()

    assert [c.article_id for c in await store.suggest_articles(GUILD_A, "harb")] == [
        ids["both"],
        ids["only_a"],
    ]
    assert [c.article_id for c in await store.suggest_articles(GUILD_B, "")] == [ids["both"], ids["only_b"]]
    assert await store.suggest_articles(999, "") == []

    assert [q.article_id for q in await store.quotes_by_speaker(GUILD_A, "Okafor")] == [ids["only_a"]]
    assert [q.article_id for q in await store.quotes_by_speaker(GUILD_B, "Okafor")] == [ids["only_b"]]

    def digest_ids(rows: Sequence[tuple[object, Brief, object]]) -> list[int | None]:
        return [brief.article_id for _, brief, _ in rows]

    assert digest_ids(await store.briefs_for_digest(GUILD_A, after_version_id=0, limit=10)) == [
        ids["only_a"],
        ids["both"],
    ]
    assert digest_ids(await store.briefs_for_digest(GUILD_B, after_version_id=0, limit=10)) == [
        ids["only_b"],
        ids["both"],
    ]

    assert await store.article_visible(GUILD_A, ids["only_a"])
    assert not await store.article_visible(GUILD_A, ids["only_b"])
    assert await store.article_visible(GUILD_B, ids["both"])
    assert not await store.article_visible(GUILD_A, 12345)

    assert await store.counts(GUILD_A) == {"sources": 2, "articles": 2, "versions": 2}
    assert await store.counts(GUILD_B) == {"sources": 2, "articles": 2, "versions": 2}
    assert await store.counts(999) == {"sources": 0, "articles": 0, "versions": 0}
    assert await store.counts() == {"sources": 3, "articles": 3, "versions": 3}


async def test_an_article_two_sources_share_is_stored_once_and_visible_to_both(store: Store) -> None:
    a = await subscribe(store, GUILD_A, "Alpha", "https://a.test/feed")
    b = await subscribe(store, GUILD_B, "Beta", "https://b.test/feed")
    # Fetched by the bot from its own URL (a teaser's page): shared by every source linking there.
    shared, _ = await article(store, a.id, "wire", "Wire story on ferries", fetched=True)
    assert not await store.article_visible(GUILD_B, shared)

    # Guild B's feed links to the same URL: the engine finds the fetched article and touches it.
    found = await store.find_article(
        source_id=b.id, canonical_url="https://news.test/wire", guid="b-guid", text_hash=None, fetched=None
    )
    assert found is not None and found.id == shared
    # Text B's feed supplied for that URL would be B's own article, never a version of this one.
    assert (
        await store.find_article(
            source_id=b.id, canonical_url="https://news.test/wire", guid="b-guid", text_hash=None
        )
        is None
    )
    await store.touch_article(shared, seen_at=T0, guid="b-guid", next_check_at=None, source_id=b.id)
    assert await store.article_visible(GUILD_B, shared)
    assert [h.article_id for h in await store.search("ferries", guild_id=GUILD_B)] == [shared]
    assert (await store.counts())["articles"] == 1

    # A new version seen through a third source links that source too.
    c = await subscribe(store, 77, "Gamma", "https://c.test/feed")
    await save(
        store,
        make_draft(c.id, url="https://news.test/wire", guid=None, title="Wire story on ferries", body="v2"),
        article_id=shared,
        seen_at=T0 + timedelta(hours=1),
        fetched=True,
    )
    for guild_id in (GUILD_A, GUILD_B, 77):
        assert await store.article_visible(guild_id, shared)
    assert await store.counts() == {"sources": 3, "articles": 1, "versions": 2}


async def test_unsubscribing_hides_articles_unless_granted(store: Store) -> None:
    ids = await two_guilds(store)
    assert await store.grant_article(GUILD_A, ids["only_a"])
    assert not await store.grant_article(GUILD_A, ids["only_a"])  # already granted
    await store.unsubscribe(GUILD_A, ids["a"])
    await store.unsubscribe(GUILD_A, ids["shared"])

    assert await store.article_visible(GUILD_A, ids["only_a"])  # granted
    assert not await store.article_visible(GUILD_A, ids["both"])
    assert [h.article_id for h in await store.search("harbour", guild_id=GUILD_A)] == [ids["only_a"]]
    assert [c.article_id for c in await store.suggest_articles(GUILD_A, "")] == [ids["only_a"]]
    assert await store.article_visible(GUILD_B, ids["both"])  # B still follows the shared source
    assert await store.counts(GUILD_A) == {"sources": 0, "articles": 1, "versions": 1}

    assert await store.grant_article(GUILD_B, ids["only_a"])
    assert await store.article_visible(GUILD_B, ids["only_a"])
    with pytest.raises(NotFoundError):
        await store.grant_article(GUILD_B, 12345)


# --- autocomplete ----------------------------------------------------------------------------


async def test_suggest_articles(store: Store) -> None:
    source = await subscribe(store, GUILD_A, "Alpha", "https://a.test/feed")
    bridge, _ = await article(store, source.id, "bridge", "Bridge reopens after repairs")
    ferry, _ = await article(store, source.id, "ferry", "Ferry strike ends", seen_at=T0 + timedelta(hours=1))
    council, _ = await article(
        store, source.id, "council", "Council votes on the bridge budget", seen_at=T0 + timedelta(hours=2)
    )
    other = await subscribe(store, GUILD_B, "Beta", "https://b.test/feed")
    hidden, _ = await article(store, other.id, "hidden", "Bridge of secrets")

    async def suggested(typed: str, limit: int = 25) -> list[int]:
        return [c.article_id for c in await store.suggest_articles(GUILD_A, typed, limit=limit)]

    assert await suggested("") == [council, ferry, bridge]  # newest stored first
    assert await suggested("  ") == [council, ferry, bridge]
    assert await suggested("", limit=2) == [council, ferry]
    assert await suggested("bri") == [council, bridge]  # a half-typed word is a prefix
    assert await suggested("BRIDGE re") == [bridge]
    assert await suggested("strike ferry") == [ferry]
    assert await suggested("zeppelin") == []
    assert await suggested('"*( -') == [council, ferry, bridge]  # no words: as if nothing typed
    assert await suggested(str(ferry)) == [ferry]
    assert await suggested(f"#{ferry}") == [ferry]
    assert await suggested("https://news.test/ferry") == [ferry]
    assert await suggested("https://news.test/unknown") == []
    assert await suggested(str(hidden)) == []  # not the guild's
    assert await suggested("https://news.test/hidden") == []

    [choice] = await store.suggest_articles(GUILD_A, "ferry")
    assert (choice.title, choice.seen_at) == ("Ferry strike ends", T0 + timedelta(hours=1))

    # The title index follows the latest version.
    await save(
        store,
        make_draft(source.id, url="https://news.test/ferry", guid="ferry", title="Ferry service resumes"),
        article_id=ferry,
        seen_at=T0 + timedelta(hours=3),
    )
    assert await suggested("strike") == []
    assert await suggested("resum") == [ferry]


# --- quotes by speaker -----------------------------------------------------------------------


def test_speaker_keys() -> None:
    assert speaker_keys("Marta Okafor") == ("marta okafor", "okafor")
    assert speaker_keys("Martin Luther King Jr.") == ("martin luther king jr", "king")
    assert speaker_keys("Vincent van Gogh") == ("vincent van gogh", "gogh")
    assert speaker_keys("Seán O’Brien") == ("seán o'brien", "o'brien")
    assert speaker_keys("a White House spokesman") == ("a white house spokesman", None)
    assert speaker_keys("officials") == ("officials", None)
    assert speaker_keys(None) == (None, None)
    assert speaker_keys(" . ") == (None, None)


async def test_quotes_by_speaker(store: Store) -> None:
    source = await subscribe(store, GUILD_A, "Alpha", "https://a.test/feed")
    first, _ = await article(
        store,
        source.id,
        "one",
        "Port expands",
        brief=brief_with_quotes(
            "Port to expand",
            ("Marta Okafor", "We will build two new berths"),
            ("a spokesman", "No comment"),
            (None, "Unattributed words"),
        ),
    )
    second, v2 = await article(
        store,
        source.id,
        "two",
        "Port budget",
        seen_at=T0 + timedelta(hours=1),
        brief=brief_with_quotes(
            "Port budget approved",
            ("Marta Okafor", "The budget is sound"),
            ("Jon Okafor", "I disagree"),
            ("Marta Okafor", "And it is final"),
        ),
    )
    said = await store.quotes_by_speaker(GUILD_A, "okafor")
    assert [(q.article_id, q.quote.text) for q in said] == [
        (second, "The budget is sound"),
        (second, "I disagree"),
        (second, "And it is final"),
        (first, "We will build two new berths"),
    ]
    top = said[0]
    assert (top.headline, top.url, top.version_id, top.seen_at) == (
        "Port budget approved",
        "https://news.test/two",
        v2,
        T0 + timedelta(hours=1),
    )
    assert top.quote == Quote(text="The budget is sound", speaker="Marta Okafor", kind=QuoteKind.STATEMENT)

    full = await store.quotes_by_speaker(GUILD_A, "  MARTA   okafor ")
    assert [q.quote.text for q in full] == [
        "The budget is sound",
        "And it is final",
        "We will build two new berths",
    ]
    assert len(await store.quotes_by_speaker(GUILD_A, "okafor", limit=2)) == 2
    assert await store.quotes_by_speaker(GUILD_A, "Marta") == []  # a first name alone is no surname
    assert await store.quotes_by_speaker(GUILD_A, "spokesman") == []
    assert [q.quote.text for q in await store.quotes_by_speaker(GUILD_A, "a spokesman")] == ["No comment"]
    assert await store.quotes_by_speaker(GUILD_A, "") == []
    assert await store.quotes_by_speaker(GUILD_B, "okafor") == []

    # Only the latest version counts: an edit that drops the quote removes it.
    await save(
        store,
        make_draft(source.id, url="https://news.test/two", guid="two", title="Port budget", body="Edited."),
        article_id=second,
        seen_at=T0 + timedelta(hours=2),
        brief=brief_with_quotes("Port budget approved", ("Jon Okafor", "I still disagree")),
    )
    assert [q.quote.text for q in await store.quotes_by_speaker(GUILD_A, "Okafor")] == [
        "I still disagree",
        "We will build two new berths",
    ]


async def test_quote_spans_round_trip(store: Store) -> None:
    source = await subscribe(store, GUILD_A, "Alpha", "https://a.test/feed")
    quote = Quote(
        text="My hope is that we finish",
        speaker="Ana Ruiz",
        kind=QuoteKind.FRAGMENT,
        start=3,
        end=40,
        spans=((3, 10), (25, 40)),
    )
    await article(
        store, source.id, "spans", "Spans", brief=dataclasses.replace(make_brief("Spans"), quotes=(quote,))
    )
    [found] = await store.quotes_by_speaker(GUILD_A, "ruiz")
    assert found.quote == quote


async def test_speakers_autocomplete(store: Store) -> None:
    source = await subscribe(store, GUILD_A, "Alpha", "https://a.test/feed")
    await article(
        store,
        source.id,
        "one",
        "One",
        brief=brief_with_quotes("One", ("Marta Okafor", "a"), ("Marta Okafor", "b"), ("officials", "c")),
    )
    await article(
        store,
        source.id,
        "two",
        "Two",
        seen_at=T0 + timedelta(hours=1),
        brief=brief_with_quotes("Two", ("Oscar Mendes", "d"), ("Marta Okafor", "e")),
    )
    other = await subscribe(store, GUILD_B, "Beta", "https://b.test/feed")
    await article(store, other.id, "three", "Three", brief=brief_with_quotes("Three", ("Olga Orlova", "f")))

    # Whole-name matches first, then surname matches.
    assert await store.speakers(GUILD_A, "o") == ["Oscar Mendes", "Marta Okafor"]
    assert await store.speakers(GUILD_A, "oka") == ["Marta Okafor"]
    assert await store.speakers(GUILD_A, "MARTA O") == ["Marta Okafor"]
    assert await store.speakers(GUILD_A, "men") == ["Oscar Mendes"]
    assert await store.speakers(GUILD_A, "off") == []  # noun phrases are not offered
    assert await store.speakers(GUILD_A, "") == ["Oscar Mendes", "Marta Okafor"]  # most recent first
    assert await store.speakers(GUILD_A, "o", limit=1) == ["Oscar Mendes"]
    assert await store.speakers(GUILD_A, "m") == ["Marta Okafor", "Oscar Mendes"]
    assert await store.speakers(GUILD_B, "o") == ["Olga Orlova"]


# --- guild settings --------------------------------------------------------------------------


async def test_moderator_role(store: Store) -> None:
    assert await store.get_moderator_role(GUILD_A) is None
    await store.set_moderator_role(GUILD_A, 1_400_000_000_000_000_001)
    await store.set_moderator_role(GUILD_B, 5)
    assert await store.get_moderator_role(GUILD_A) == 1_400_000_000_000_000_001
    await store.set_moderator_role(GUILD_A, None)
    assert await store.get_moderator_role(GUILD_A) is None
    assert await store.get_moderator_role(GUILD_B) == 5


# --- digest channels -------------------------------------------------------------------------


async def set_channel(
    store: Store, channel_id: int = CHANNEL_A, guild_id: int = GUILD_A, **changes: object
) -> None:
    values: dict[str, object] = {
        "guild_id": guild_id,
        "schedule": "daily 08:00",
        "timezone": "Europe/Paris",
        "anchor_at": T0,
        "next_run_at": T0 + timedelta(hours=1),
    } | changes
    await store.set_digest_channel(channel_id, **values)  # type: ignore[arg-type]


async def test_digest_channel_cursor_starts_at_the_newest_version(store: Store) -> None:
    source = await subscribe(store, GUILD_A, "Alpha", "https://a.test/feed")
    await article(store, source.id, "old", "Old news")
    _, newest = await article(store, source.id, "older", "Older news")
    assert await store.max_version_id() == newest

    created = await store.set_digest_channel(
        CHANNEL_A,
        guild_id=GUILD_A,
        schedule="daily 08:00",
        timezone="Europe/Paris",
        anchor_at=datetime(2026, 3, 1, 9, 0, tzinfo=timezone(timedelta(hours=1))),
        next_run_at=T0 + timedelta(hours=20),
        max_items=5,
        created_by=USER,
    )
    assert created.cursor_version_id == newest
    assert (created.channel_id, created.guild_id, created.schedule, created.timezone) == (
        CHANNEL_A,
        GUILD_A,
        "daily 08:00",
        "Europe/Paris",
    )
    assert created.anchor_at == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    assert created.anchor_at.tzinfo == UTC
    assert (created.status, created.max_items, created.created_by, created.last_run_at) == (
        DigestStatus.OK,
        5,
        USER,
        None,
    )

    _, later_version = await article(store, source.id, "new", "New news")
    changed = await store.set_digest_channel(
        CHANNEL_A,
        guild_id=GUILD_A,
        schedule="every 2h",
        timezone="UTC",
        anchor_at=T0,
        next_run_at=T0 + timedelta(hours=2),
    )
    assert changed.cursor_version_id == newest  # kept: the next digest still covers "New news"
    assert (changed.schedule, changed.max_items, changed.created_by) == ("every 2h", None, USER)
    rows = await store.briefs_for_digest(GUILD_A, after_version_id=changed.cursor_version_id, limit=10)
    assert [version.id for _, _, version in rows] == [later_version]
    assert await store.get_digest_channel(CHANNEL_A) == changed
    assert await store.get_digest_channel(CHANNEL_B) is None

    with pytest.raises(ValueError, match="timezone-aware"):
        await set_channel(store, CHANNEL_B, next_run_at=datetime(2026, 3, 1))


async def test_digest_channels_listing_due_status_and_removal(store: Store) -> None:
    await set_channel(store, CHANNEL_A, GUILD_A, next_run_at=T0)
    await set_channel(store, CHANNEL_B, GUILD_B, next_run_at=T0 - timedelta(minutes=5))
    await set_channel(store, 42, GUILD_A, next_run_at=T0 + timedelta(seconds=1))

    assert [c.channel_id for c in await store.digest_channels()] == [42, CHANNEL_A, CHANNEL_B]
    assert [c.channel_id for c in await store.digest_channels(GUILD_A)] == [42, CHANNEL_A]
    assert [c.channel_id for c in await store.due_digest_channels(T0)] == [CHANNEL_B, CHANNEL_A]
    assert await store.due_digest_channels(T0 - timedelta(hours=1)) == []

    failing = await store.set_channel_status(CHANNEL_A, DigestStatus.FORBIDDEN, "Missing Access", T0)
    assert (failing.status, failing.status_detail, failing.status_at) == (
        DigestStatus.FORBIDDEN,
        "Missing Access",
        T0,
    )
    ok = await store.set_channel_status(CHANNEL_A, DigestStatus.OK, None, T0 + timedelta(hours=1))
    assert (ok.status, ok.status_detail) == (DigestStatus.OK, None)
    with pytest.raises(NotFoundError):
        await store.set_channel_status(7, DigestStatus.OK, None, T0)

    await store.enqueue_digest(
        CHANNEL_A,
        run_key="v1-v2",
        parts=[('{"content": "x"}', "m1", "n1")],
        new_cursor_version_id=2,
        ran_at=T0,
        next_run_at=T0 + timedelta(days=1),
    )
    assert await store.remove_digest_channel(CHANNEL_A)
    assert not await store.remove_digest_channel(CHANNEL_A)
    assert await store.get_digest_channel(CHANNEL_A) is None
    assert await store.pending_posts() == []  # its unsent messages went with it
    assert [c.channel_id for c in await store.digest_channels()] == [42, CHANNEL_B]


async def test_briefs_for_digest_cursor(store: Store) -> None:
    source = await subscribe(store, GUILD_A, "Alpha", "https://a.test/feed")
    a, a1 = await article(store, source.id, "a", "A")
    b, b1 = await article(store, source.id, "b", "B")
    c, c1 = await article(store, source.id, "c", "C")
    _, a2 = await article(
        store, source.id, "a", "A", body="A edited", article_id=a, seen_at=T0 + timedelta(hours=1)
    )

    def versions(rows: Sequence[tuple[object, Brief, object]]) -> list[int | None]:
        return [brief.version_id for _, brief, _ in rows]

    # Oldest first; the edited article once, with its latest version.
    assert versions(await store.briefs_for_digest(GUILD_A, after_version_id=0, limit=10)) == [b1, c1, a2]
    assert versions(await store.briefs_for_digest(GUILD_A, after_version_id=b1, limit=10)) == [c1, a2]
    assert versions(await store.briefs_for_digest(GUILD_A, after_version_id=0, limit=2)) == [b1, c1]
    assert versions(
        await store.briefs_for_digest(GUILD_A, after_version_id=0, up_to_version_id=c1, limit=10)
    ) == [
        b1,
        c1,
    ]
    assert versions(await store.briefs_for_digest(GUILD_A, after_version_id=a2, limit=10)) == []
    assert await store.max_version_id() == a2
    article_row, brief, version = (await store.briefs_for_digest(GUILD_A, after_version_id=c1, limit=1))[0]
    assert (article_row.id, brief.article_id, version.id, version.number, version.text) == (
        a,
        a,
        a2,
        2,
        "A edited",
    )
    assert version.seen_at == T0 + timedelta(hours=1)
    assert a1 < b1 and b != c

    latest = await store.latest_brief(a)
    assert latest is not None and latest.version_id == a2
    assert await store.latest_brief(12345) is None


async def test_max_version_id_of_an_empty_store(store: Store) -> None:
    assert await store.max_version_id() == 0


# --- the outbox ------------------------------------------------------------------------------


def parts(*names: str) -> list[tuple[str, str, str]]:
    return [(json.dumps({"content": f"digest {name}"}), f"[nb:{name}]", f"nonce-{name}") for name in names]


async def test_enqueue_digest_is_one_idempotent_step(store: Store) -> None:
    await set_channel(store, CHANNEL_A)
    queued = await store.enqueue_digest(
        CHANNEL_A,
        run_key="v1-v9",
        parts=parts("a", "b"),
        new_cursor_version_id=9,
        ran_at=T0,
        next_run_at=T0 + timedelta(days=1),
    )
    assert [(item.part, item.marker, item.nonce, item.state, item.attempts) for item in queued] == [
        (0, "[nb:a]", "nonce-a", OutboxState.PENDING, 0),
        (1, "[nb:b]", "nonce-b", OutboxState.PENDING, 0),
    ]
    assert json.loads(queued[0].payload) == {"content": "digest a"}
    assert queued[0].created_at.tzinfo == UTC and queued[0].sent_at is None
    channel = await store.get_digest_channel(CHANNEL_A)
    assert channel is not None
    assert (channel.cursor_version_id, channel.last_run_at, channel.next_run_at) == (
        9,
        T0,
        T0 + timedelta(days=1),
    )

    # The same run again (a retry after an unclear commit) adds nothing.
    again = await store.enqueue_digest(
        CHANNEL_A,
        run_key="v1-v9",
        parts=parts("a", "b"),
        new_cursor_version_id=9,
        ran_at=T0,
        next_run_at=T0 + timedelta(days=1),
    )
    assert again == queued
    assert await store.outbox_items(CHANNEL_A) == queued

    # An empty digest still moves the schedule; the cursor never moves back.
    await store.enqueue_digest(
        CHANNEL_A,
        run_key="v10-v9",
        parts=[],
        new_cursor_version_id=3,
        ran_at=T0 + timedelta(days=1),
        next_run_at=T0 + timedelta(days=2),
    )
    channel = await store.get_digest_channel(CHANNEL_A)
    assert channel is not None
    assert (channel.cursor_version_id, channel.last_run_at, channel.next_run_at) == (
        9,
        T0 + timedelta(days=1),
        T0 + timedelta(days=2),
    )
    assert len(await store.outbox_items(CHANNEL_A)) == 2


async def test_enqueue_digest_refuses_bad_parts_and_unknown_channels(store: Store) -> None:
    await set_channel(store, CHANNEL_A)
    kwargs: dict[str, object] = {
        "run_key": "r",
        "new_cursor_version_id": 1,
        "ran_at": T0,
        "next_run_at": T0 + timedelta(days=1),
    }
    for bad in [("{}", "", "n"), ("{}", "m", ""), ("not json", "m", "n")]:
        with pytest.raises(ValueError):
            await store.enqueue_digest(CHANNEL_A, parts=[bad], **kwargs)  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        await store.enqueue_digest(CHANNEL_B, parts=parts("a"), **kwargs)  # type: ignore[arg-type]
    channel = await store.get_digest_channel(CHANNEL_A)
    assert channel is not None and channel.cursor_version_id == 0 and channel.last_run_at is None
    assert await store.outbox_items(CHANNEL_A) == []


async def test_outbox_delivery_states_and_order(store: Store) -> None:
    await set_channel(store, CHANNEL_B, GUILD_B)
    await set_channel(store, CHANNEL_A, GUILD_A)
    common: dict[str, Any] = {"ran_at": T0, "next_run_at": T0 + timedelta(days=1)}
    b_run = await store.enqueue_digest(
        CHANNEL_B, run_key="b1", parts=parts("b0"), new_cursor_version_id=1, **common
    )
    a_run = await store.enqueue_digest(
        CHANNEL_A, run_key="a1", parts=parts("a0", "a1"), new_cursor_version_id=1, **common
    )
    a_next = await store.enqueue_digest(
        CHANNEL_A, run_key="a2", parts=parts("a2"), new_cursor_version_id=2, **common
    )

    # By channel, then in queuing order.
    expected = sorted([*a_run, *a_next, *b_run], key=lambda item: (item.channel_id, item.id))
    assert await store.pending_posts() == expected
    assert [item.marker for item in await store.pending_posts(CHANNEL_A)] == ["[nb:a0]", "[nb:a1]", "[nb:a2]"]

    first = a_run[0]
    attempted = await store.mark_attempted(first.id)
    assert (attempted.state, attempted.attempts) == (OutboxState.ATTEMPTED, 1)
    attempted = await store.mark_attempted(first.id)
    assert attempted.attempts == 2
    assert first.id in [item.id for item in await store.pending_posts(CHANNEL_A)]  # not confirmed yet

    sent = await store.mark_sent(first.id, 1_500_000_000_000_000_001, T0 + timedelta(minutes=1))
    assert (sent.state, sent.message_id, sent.sent_at) == (
        OutboxState.SENT,
        1_500_000_000_000_000_001,
        T0 + timedelta(minutes=1),
    )
    again = await store.mark_attempted(first.id)
    assert (again.state, again.attempts) == (OutboxState.SENT, 2)  # sent stays sent
    assert [item.marker for item in await store.pending_posts(CHANNEL_A)] == ["[nb:a1]", "[nb:a2]"]
    assert [item.state for item in await store.outbox_items(CHANNEL_A)] == [
        OutboxState.SENT,
        OutboxState.PENDING,
        OutboxState.PENDING,
    ]

    with pytest.raises(NotFoundError):
        await store.mark_attempted(12345)
    with pytest.raises(NotFoundError):
        await store.mark_sent(12345, 1, T0)
    with pytest.raises(ValueError, match="timezone-aware"):
        await store.mark_sent(first.id, 1, datetime(2026, 3, 1))
