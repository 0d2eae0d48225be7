"""Guilds: their subscriptions, what each may see, their settings and counts.

A part of the `Store` facade (bot/store/facade.py)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import (
    delete,
    exists,
    func,
    insert,
    select,
    update,
)

from bot.models import SourceSpec, utc_now
from bot.store.backfill import Backfill
from bot.store.part import StorePart
from bot.store.records import GuildSource, SourceRecord, require_aware, source_record
from bot.store.schema import (
    articles,
    guild_articles,
    guild_settings,
    guild_sources,
    sources,
    versions,
)
from bot.store.visibility import (
    visible_article_ids,
    visible_to,
)

logger = logging.getLogger(__name__)


class GuildRecords(StorePart):
    async def subscribe(
        self,
        guild_id: int,
        spec: SourceSpec,
        *,
        channel_id: int | None = None,
        added_by: int | None = None,
        name: str | None = None,
    ) -> tuple[SourceRecord, bool]:
        """Subscribe a guild to the source at `spec.location`, adding the source if it is new.

        A source is shared by location: `name` (default `spec.name`) is the guild's own name for
        it, seen by that guild alone; a new source is named `spec.name` (its own title, which
        every follower's briefs show), and an existing one keeps its name and kind (a removed
        source is revived with them). Subscribing again updates the guild's name and channel.
        True when newly subscribed.
        """
        guild_name = name or spec.name
        async with self._write() as connection:
            source_id = await self._upsert_source_in(connection, spec, from_config=False, rename=False)
            existing = (
                await connection.execute(
                    select(guild_sources.c.source_id).where(
                        guild_sources.c.guild_id == guild_id, guild_sources.c.source_id == source_id
                    )
                )
            ).first()
            if existing is None:
                await connection.execute(
                    insert(guild_sources).values(
                        guild_id=guild_id,
                        source_id=source_id,
                        name=guild_name,
                        channel_id=channel_id,
                        added_by=added_by,
                        added_at=utc_now(),
                    )
                )
            else:
                await connection.execute(
                    update(guild_sources)
                    .where(guild_sources.c.guild_id == guild_id, guild_sources.c.source_id == source_id)
                    .values(name=guild_name, channel_id=channel_id)
                )
            return await self._source_in(connection, source_id), existing is None

    async def set_backfill(self, guild_id: int, source_id: int, backfill: Backfill, *, at: datetime) -> None:
        """Set which of the subscription's articles its digests post (bot.store.backfill), counting from
        `at`: what the source had by then is its backlog if it was polled before, else what its
        first poll reads (`settle_backlog` marks the end of that)."""
        at = require_aware(at, "at")
        async with self._write() as connection:
            polled = (
                await connection.execute(select(sources.c.last_success_at).where(sources.c.id == source_id))
            ).scalar_one_or_none()
            await connection.execute(
                update(guild_sources)
                .where(guild_sources.c.guild_id == guild_id, guild_sources.c.source_id == source_id)
                .values(
                    backfill=backfill.mode.value,
                    backfill_latest=backfill.count,
                    posts_after=at,
                    backlog_until=at if polled is not None else None,
                )
            )

    async def settle_backlog(self, *, at: datetime, source_id: int | None = None) -> None:
        """End the backlog of subscriptions still waiting for their source's first poll, at `at`:
        for one source (its first poll just ended) or, with none, every source polled since."""
        polled = exists().where(
            sources.c.id == guild_sources.c.source_id, sources.c.last_success_at.is_not(None)
        )
        query = update(guild_sources).where(guild_sources.c.backlog_until.is_(None), polled)
        if source_id is not None:
            query = query.where(guild_sources.c.source_id == source_id)
        async with self._write() as connection:
            await connection.execute(query.values(backlog_until=require_aware(at, "at")))

    async def unsubscribe(self, guild_id: int, source_id: int) -> bool:
        """End a guild's subscription; False if it had none.

        A source no guild subscribes to any more and that is not in the config file is removed
        (no longer polled); its articles stay, visible to guilds that reach them otherwise.
        """
        async with self._write() as connection:
            deleted = await connection.execute(
                delete(guild_sources).where(
                    guild_sources.c.guild_id == guild_id, guild_sources.c.source_id == source_id
                )
            )
            if deleted.rowcount == 0:
                return False
            still_followed = exists().where(guild_sources.c.source_id == source_id)
            await connection.execute(
                update(sources)
                .where(
                    sources.c.id == source_id,
                    sources.c.from_config.is_(False),
                    sources.c.removed_at.is_(None),
                    ~still_followed,
                )
                .values(removed_at=utc_now())
            )
            return True

    async def guild_sources(self, guild_id: int) -> list[GuildSource]:
        """The guild's subscriptions, by the guild's name for them."""
        query = (
            select(
                sources,
                guild_sources.c.guild_id,
                guild_sources.c.name.label("guild_name"),
                guild_sources.c.channel_id,
                guild_sources.c.added_by,
                guild_sources.c.added_at,
                guild_sources.c.paused.label("guild_paused"),
                guild_sources.c.pause_reason.label("guild_pause_reason"),
            )
            .select_from(guild_sources.join(sources, sources.c.id == guild_sources.c.source_id))
            .where(guild_sources.c.guild_id == guild_id)
            .order_by(guild_sources.c.name, guild_sources.c.source_id)
        )
        async with self._read() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [
            GuildSource(
                guild_id=row["guild_id"],
                source=source_record(row),
                name=row["guild_name"],
                channel_id=row["channel_id"],
                added_by=row["added_by"],
                added_at=row["added_at"],
                paused=bool(row["guild_paused"]),
                pause_reason=row["guild_pause_reason"],
            )
            for row in rows
        ]

    async def find_guild_source(self, guild_id: int, text: str) -> GuildSource | None:
        """One of the guild's subscriptions, by source id, by the guild's name for it (any case) or
        by location; None when nothing matches."""
        wanted = text.strip()
        if not wanted:
            return None
        subscribed = await self.guild_sources(guild_id)
        by_id = [g for g in subscribed if wanted.isdigit() and g.source.id == int(wanted)]
        by_name = [g for g in subscribed if g.name.casefold() == wanted.casefold()]
        by_location = [g for g in subscribed if g.source.location == wanted]
        return next(iter(by_id + by_name + by_location), None)

    async def grant_article(self, guild_id: int, article_id: int) -> bool:
        """Make an article visible to a guild (fetched there with /summarize). True if newly granted."""
        async with self._write() as connection:
            await self._article_in(connection, article_id)
            result = await connection.execute(
                self._insert_ignoring_duplicates(
                    guild_articles, {"guild_id": guild_id, "article_id": article_id, "added_at": utc_now()}
                )
            )
            return bool(result.rowcount)

    async def article_visible(self, guild_id: int, article_id: int) -> bool:
        async with self._read() as connection:
            return bool((await connection.execute(select(visible_to(guild_id, article_id)))).scalar_one())

    async def counts(self, guild_id: int | None = None) -> dict[str, int]:
        """Sources (not removed), articles and versions; for a guild: its subscriptions, and the
        articles it can see with their versions."""
        if guild_id is not None:
            return await self._guild_counts(guild_id)
        async with self._read() as connection:
            source_count = (
                await connection.execute(
                    select(func.count()).select_from(sources).where(sources.c.removed_at.is_(None))
                )
            ).scalar_one()
            article_count = (
                await connection.execute(select(func.count()).select_from(articles))
            ).scalar_one()
            version_count = (
                await connection.execute(select(func.count()).select_from(versions))
            ).scalar_one()
        return {"sources": int(source_count), "articles": int(article_count), "versions": int(version_count)}

    async def _guild_counts(self, guild_id: int) -> dict[str, int]:
        visible = visible_article_ids(guild_id)
        async with self._read() as connection:
            source_count = (
                await connection.execute(
                    select(func.count())
                    .select_from(guild_sources)
                    .where(guild_sources.c.guild_id == guild_id)
                )
            ).scalar_one()
            article_count = (await connection.execute(select(func.count()).select_from(visible))).scalar_one()
            version_count = (
                await connection.execute(
                    select(func.count())
                    .select_from(versions)
                    .where(versions.c.article_id.in_(select(visible.c.article_id)))
                )
            ).scalar_one()
        return {"sources": int(source_count), "articles": int(article_count), "versions": int(version_count)}

    async def get_moderator_role(self, guild_id: int) -> int | None:
        async with self._read() as connection:
            role = (
                await connection.execute(
                    select(guild_settings.c.moderator_role_id).where(guild_settings.c.guild_id == guild_id)
                )
            ).scalar_one_or_none()
        return int(role) if role is not None else None

    async def set_moderator_role(self, guild_id: int, role_id: int | None) -> None:
        async with self._write() as connection:
            await connection.execute(
                self._upsert(
                    guild_settings, {"guild_id": guild_id, "moderator_role_id": role_id}, ["guild_id"]
                )
            )
