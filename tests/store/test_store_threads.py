"""The store's story threads: a digest channel's setting and each story's thread there. On
SQLite always and on PostgreSQL when NEWSBRIEF_TEST_DATABASE_URL is set (tests/storekit.py)."""

from __future__ import annotations

from datetime import timedelta

from bot.store import Store
from bot.store.threads import THREAD_STATUS_FORBIDDEN, THREAD_STATUS_OK
from tests.storekit import CHANNEL_A, CHANNEL_B, GUILD_A, T0


async def digest_channel(store: Store, channel_id: int) -> None:
    await store.set_digest_channel(
        channel_id, guild_id=GUILD_A, schedule="every 1h", timezone="UTC", anchor_at=T0, next_run_at=T0
    )


async def test_a_setting_is_kept_per_channel_and_its_status_separately(store: Store) -> None:
    await digest_channel(store, CHANNEL_A)
    assert await store.get_thread_setting(CHANNEL_A) is None
    setting = await store.set_thread_setting(
        CHANNEL_A, guild_id=GUILD_A, enabled=True, forum=False, auto_archive_minutes=60
    )
    assert (setting.enabled, setting.forum, setting.auto_archive_minutes, setting.status) == (
        True,
        False,
        60,
        THREAD_STATUS_OK,
    )
    await store.set_thread_status(CHANNEL_A, THREAD_STATUS_FORBIDDEN, "no Create Public Threads")
    changed = await store.set_thread_setting(
        CHANNEL_A, guild_id=GUILD_A, enabled=False, forum=False, auto_archive_minutes=1440
    )
    assert (changed.enabled, changed.auto_archive_minutes) == (False, 1440)
    assert (changed.status, changed.status_detail) == (THREAD_STATUS_FORBIDDEN, "no Create Public Threads")
    assert [s.channel_id for s in await store.thread_settings(GUILD_A)] == [CHANNEL_A]


async def test_a_story_has_one_thread_per_channel_and_a_replacement_remembers_the_old(store: Store) -> None:
    await digest_channel(store, CHANNEL_A)
    await digest_channel(store, CHANNEL_B)
    await store.record_story_thread(CHANNEL_A, 7, 1001, name="Ferry", at=T0)
    await store.record_story_thread(CHANNEL_B, 7, 2001, name="Ferry", at=T0)
    assert (await store.story_threads(CHANNEL_A, [7, 8]))[7].thread_id == 1001
    await store.record_story_thread(
        CHANNEL_A, 7, 1002, name="Ferry", at=T0 + timedelta(days=1), previous_thread_id=1001
    )
    [thread] = (await store.story_threads(CHANNEL_A, [7])).values()
    assert (thread.thread_id, thread.previous_thread_id, thread.created_at) == (
        1002,
        1001,
        T0 + timedelta(days=1),
    )
    assert (await store.story_threads(CHANNEL_B, [7]))[7].thread_id == 2001
    assert await store.story_threads(CHANNEL_A, []) == {}


async def test_stopping_a_digest_forgets_its_threads(store: Store) -> None:
    await digest_channel(store, CHANNEL_A)
    await store.set_thread_setting(
        CHANNEL_A, guild_id=GUILD_A, enabled=True, forum=True, auto_archive_minutes=60
    )
    await store.record_story_thread(CHANNEL_A, 7, 1001, name="Ferry", at=T0)
    assert await store.remove_digest_channel(CHANNEL_A)
    assert await store.get_thread_setting(CHANNEL_A) is None
    assert await store.story_threads(CHANNEL_A, [7]) == {}
