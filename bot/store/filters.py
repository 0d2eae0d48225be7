"""Filters: moderators' rules on what a guild's digests list, per digest channel or per source.

A part of the `Store` facade (bot/store/facade.py). What a rule means, and how rules combine, is
bot.service.filters'; the store keeps them and finds the ones that bear on a digest.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, or_, select

from bot.store.part import StorePart
from bot.store.records import FilterKind, FilterRule, filter_record, require_aware
from bot.store.schema import article_sources, filters, guild_sources


class FilterRecords(StorePart):
    async def add_filter(
        self,
        guild_id: int,
        *,
        kind: FilterKind,
        value: str,
        exclude: bool,
        at: datetime,
        channel_id: int | None = None,
        source_id: int | None = None,
        mention_role_id: int | None = None,
        created_by: int | None = None,
    ) -> FilterRule:
        if (channel_id is None) == (source_id is None):
            raise ValueError("a filter is on one digest channel or on one source")
        async with self._write() as connection:
            filter_id = (
                await connection.execute(
                    filters.insert()
                    .values(
                        guild_id=guild_id,
                        channel_id=channel_id,
                        source_id=source_id,
                        kind=kind.value,
                        value=value,
                        exclude=exclude,
                        mention_role_id=mention_role_id,
                        created_by=created_by,
                        created_at=require_aware(at, "at"),
                    )
                    .returning(filters.c.id)
                )
            ).scalar_one()
            row = (
                (await connection.execute(select(filters).where(filters.c.id == filter_id))).mappings().one()
            )
            return filter_record(row)

    async def guild_filters(self, guild_id: int) -> list[FilterRule]:
        """Every rule of the guild, oldest first."""
        async with self._read() as connection:
            rows = await connection.execute(
                select(filters).where(filters.c.guild_id == guild_id).order_by(filters.c.id)
            )
            return [filter_record(row) for row in rows.mappings()]

    async def remove_filter(self, guild_id: int, filter_id: int) -> bool:
        async with self._write() as connection:
            result = await connection.execute(
                delete(filters).where(filters.c.guild_id == guild_id, filters.c.id == filter_id)
            )
            return bool(result.rowcount)

    async def remove_source_filters(self, guild_id: int, source_id: int) -> None:
        """A guild that stops following a source drops its rules on it."""
        async with self._write() as connection:
            await connection.execute(
                delete(filters).where(filters.c.guild_id == guild_id, filters.c.source_id == source_id)
            )

    async def digest_filters(self, guild_id: int, channel_id: int) -> list[FilterRule]:
        """The rules that bear on a channel's digest: its own, and those on the guild's sources."""
        async with self._read() as connection:
            rows = await connection.execute(
                select(filters)
                .where(
                    filters.c.guild_id == guild_id,
                    or_(filters.c.channel_id == channel_id, filters.c.source_id.is_not(None)),
                )
                .order_by(filters.c.id)
            )
            return [filter_record(row) for row in rows.mappings()]

    async def sources_of(self, guild_id: int, article_ids: Iterable[int]) -> dict[int, set[int]]:
        """For each article, the sources the guild follows that it was seen through."""
        ids = sorted(set(article_ids))
        if not ids:
            return {}
        async with self._read() as connection:
            rows = await connection.execute(
                select(article_sources.c.article_id, article_sources.c.source_id)
                .join(
                    guild_sources,
                    (guild_sources.c.source_id == article_sources.c.source_id)
                    & (guild_sources.c.guild_id == guild_id),
                )
                .where(article_sources.c.article_id.in_(ids))
            )
            found: dict[int, set[int]] = {}
            for article_id, source_id in rows:
                found.setdefault(article_id, set()).add(source_id)
            return found
