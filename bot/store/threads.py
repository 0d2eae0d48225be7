"""The store's story threads: a digest channel's thread setting, and the thread each story has
there (bot.discord.threads). Mixed into bot.store.Store (its facade)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import RowMapping

from bot.store.part import StorePart
from bot.store.records import require_aware
from bot.store.schema import story_threads, thread_settings

THREAD_STATUS_OK = "ok"
THREAD_STATUS_FORBIDDEN = "forbidden"  # Discord refused to open a thread or post in one
MAX_DETAIL_CHARS = 500


@dataclass(frozen=True, slots=True)
class ThreadSetting:
    channel_id: int
    guild_id: int
    enabled: bool
    forum: bool  # a forum channel: each story is a forum post
    auto_archive_minutes: int
    status: str = THREAD_STATUS_OK
    status_detail: str | None = None


@dataclass(frozen=True, slots=True)
class StoryThread:
    channel_id: int
    story_id: int
    thread_id: int
    name: str
    previous_thread_id: int | None
    created_at: datetime


def _setting(row: RowMapping) -> ThreadSetting:
    return ThreadSetting(
        channel_id=int(row["channel_id"]),
        guild_id=int(row["guild_id"]),
        enabled=bool(row["enabled"]),
        forum=bool(row["forum"]),
        auto_archive_minutes=int(row["auto_archive_minutes"]),
        status=str(row["status"]),
        status_detail=row["status_detail"],
    )


def _thread(row: RowMapping) -> StoryThread:
    previous = row["previous_thread_id"]
    return StoryThread(
        channel_id=int(row["channel_id"]),
        story_id=int(row["story_id"]),
        thread_id=int(row["thread_id"]),
        name=str(row["name"]),
        previous_thread_id=int(previous) if previous is not None else None,
        created_at=row["created_at"],
    )


class ThreadRecords(StorePart):
    async def get_thread_setting(self, channel_id: int) -> ThreadSetting | None:
        async with self._read() as connection:
            row = (
                (
                    await connection.execute(
                        select(thread_settings).where(thread_settings.c.channel_id == channel_id)
                    )
                )
                .mappings()
                .first()
            )
        return _setting(row) if row is not None else None

    async def thread_settings(self, guild_id: int) -> list[ThreadSetting]:
        query = (
            select(thread_settings)
            .where(thread_settings.c.guild_id == guild_id)
            .order_by(thread_settings.c.channel_id)
        )
        async with self._read() as connection:
            return [_setting(row) for row in (await connection.execute(query)).mappings()]

    async def set_thread_setting(
        self, channel_id: int, *, guild_id: int, enabled: bool, forum: bool, auto_archive_minutes: int
    ) -> ThreadSetting:
        """Turn a digest channel's story threads on or off (the channel must have a digest). The
        status is kept: a refusal stays known until the bot manages to use a thread again."""
        values = {
            "channel_id": channel_id,
            "guild_id": guild_id,
            "enabled": enabled,
            "forum": forum,
            "auto_archive_minutes": auto_archive_minutes,
        }
        async with self._write() as connection:
            await connection.execute(self._upsert(thread_settings, values, ["channel_id"]))
        found = await self.get_thread_setting(channel_id)
        assert found is not None
        return found

    async def set_thread_status(self, channel_id: int, status: str, detail: str | None) -> None:
        async with self._write() as connection:
            await connection.execute(
                update(thread_settings)
                .where(thread_settings.c.channel_id == channel_id)
                .values(status=status, status_detail=detail[:MAX_DETAIL_CHARS] if detail else None)
            )

    async def story_threads(self, channel_id: int, story_ids: Iterable[int]) -> dict[int, StoryThread]:
        """The threads these stories have in the channel, by story id (a story without one is absent)."""
        wanted = sorted(set(story_ids))
        if not wanted:
            return {}
        query = select(story_threads).where(
            story_threads.c.channel_id == channel_id, story_threads.c.story_id.in_(wanted)
        )
        async with self._read() as connection:
            return {
                int(row["story_id"]): _thread(row) for row in (await connection.execute(query)).mappings()
            }

    async def record_story_thread(
        self,
        channel_id: int,
        story_id: int,
        thread_id: int,
        *,
        name: str,
        at: datetime,
        previous_thread_id: int | None = None,
    ) -> StoryThread:
        """The story's thread in the channel is now `thread_id` (a new one replaces the old)."""
        created_at = require_aware(at, "at")
        values = {
            "channel_id": channel_id,
            "story_id": story_id,
            "thread_id": thread_id,
            "name": name,
            "previous_thread_id": previous_thread_id,
            "created_at": created_at,
        }
        async with self._write() as connection:
            await connection.execute(self._upsert(story_threads, values, ["channel_id", "story_id"]))
        return StoryThread(channel_id, story_id, thread_id, name, previous_thread_id, created_at)
