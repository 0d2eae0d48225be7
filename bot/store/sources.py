"""Sources: what the bot polls, their health, and pausing.

A part of the `Store` facade (bot/store/facade.py)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.models import SourceKind, SourceSpec, utc_now
from bot.store.part import StorePart
from bot.store.records import NotFoundError, SourceRecord, require_aware, source_record
from bot.store.schema import (
    UtcDateTime,
    guild_sources,
    sources,
)

logger = logging.getLogger(__name__)


MAX_ERROR_CHARS = 2000
PAUSED_EVERYWHERE = "paused by every server that follows it"


class SourceRecords(StorePart):
    async def upsert_source(self, spec: SourceSpec) -> SourceRecord:
        """Add a config-file source, or update the name / kind of the one at `spec.location`.

        Re-adding a removed source revives it (same id, so its articles stay matched), with a
        clean bill of health. The source is marked as from the config file (polled whether or
        not a guild subscribes).
        """
        async with self._write() as connection:
            source_id = await self._upsert_source_in(connection, spec, from_config=True, rename=True)
            return await self._source_in(connection, source_id)

    async def sync_config_sources(self, specs: Sequence[SourceSpec]) -> list[SourceRecord]:
        """Make the config file's list the truth, in one transaction.

        Each spec is added or updated as `upsert_source` does. A source the file no longer lists
        stops being a config source: guilds that follow it keep it, and one that no guild follows
        is removed (no longer polled; its articles stay). The source of articles fetched on
        request is not the file's to remove.
        """
        async with self._write() as connection:
            ids = [
                await self._upsert_source_in(connection, spec, from_config=True, rename=True)
                for spec in specs
            ]
            dropped = (
                sources.c.from_config.is_(True),
                sources.c.removed_at.is_(None),
                sources.c.kind != SourceKind.REQUESTED.value,
                sources.c.id.not_in(ids) if ids else true(),
            )
            followed = exists().where(guild_sources.c.source_id == sources.c.id)
            await connection.execute(
                update(sources).where(*dropped, ~followed).values(removed_at=utc_now(), from_config=False)
            )
            await connection.execute(update(sources).where(*dropped).values(from_config=False))
            return [await self._source_in(connection, source_id) for source_id in ids]

    async def _upsert_source_in(
        self, connection: AsyncConnection, spec: SourceSpec, *, from_config: bool, rename: bool
    ) -> int:
        existing = (
            (
                await connection.execute(
                    select(sources).where(sources.c.location == spec.location).with_for_update()
                )
            )
            .mappings()
            .first()
        )
        if existing is None:
            return int(
                (
                    await connection.execute(
                        insert(sources)
                        .values(
                            name=spec.name,
                            kind=spec.kind.value,
                            location=spec.location,
                            created_at=utc_now(),
                            from_config=from_config,
                        )
                        .returning(sources.c.id)
                    )
                ).scalar_one()
            )
        source_id = int(existing["id"])
        values: dict[str, Any] = {}
        if rename:
            values |= {"name": spec.name, "kind": spec.kind.value}
        if from_config:
            values["from_config"] = True
        if existing["removed_at"] is not None:
            values |= {
                "name": spec.name,
                "kind": spec.kind.value,
                "removed_at": None,
                "paused": False,
                "pause_reason": None,
                "consecutive_failures": 0,
                "next_attempt_at": None,
            }
        if values:
            await connection.execute(update(sources).where(sources.c.id == source_id).values(**values))
        return source_id

    async def get_source(self, source_id: int) -> SourceRecord | None:
        async with self._read() as connection:
            row = (await connection.execute(self._visible_source(source_id))).mappings().first()
        return source_record(row) if row is not None else None

    async def list_sources(self) -> list[SourceRecord]:
        """Every source not removed, by id (the CLI's view; the poller uses `active_sources`)."""
        async with self._read() as connection:
            rows = (
                await connection.execute(
                    select(sources).where(sources.c.removed_at.is_(None)).order_by(sources.c.id)
                )
            ).mappings()
            return [source_record(row) for row in rows]

    async def active_sources(self) -> list[SourceRecord]:
        """The sources to poll, by id: not removed, and from the config file or subscribed by a guild.

        A source only guilds follow, every one of which paused it, comes back paused: one guild's
        pause never stops the polling another guild relies on, and the last one's does.
        """
        subscribed = exists().where(guild_sources.c.source_id == sources.c.id)
        followed = exists().where(
            guild_sources.c.source_id == sources.c.id, guild_sources.c.paused.is_(False)
        )
        query = (
            select(sources, followed.label("followed"))
            .where(sources.c.removed_at.is_(None), or_(sources.c.from_config.is_(True), subscribed))
            .order_by(sources.c.id)
        )
        async with self._read() as connection:
            rows = (await connection.execute(query)).mappings().all()
        records = [source_record(row) for row in rows]
        return [
            dataclasses.replace(record, paused=True, pause_reason=PAUSED_EVERYWHERE)
            if not (record.paused or record.from_config or row["followed"])
            else record
            for record, row in zip(records, rows, strict=True)
        ]

    async def remove_source(self, source_id: int) -> None:
        """Stop watching a source, for every guild. Its articles stay (other sources may share them)."""
        async with self._write() as connection:
            await self._source_in(connection, source_id)
            await connection.execute(
                update(sources).where(sources.c.id == source_id).values(removed_at=utc_now())
            )

    async def record_fetch_success(
        self,
        source_id: int,
        *,
        at: datetime,
        etag: str | None = None,
        last_modified: str | None = None,
        body_hash: str | None = None,
        next_attempt_at: datetime | None = None,
    ) -> SourceRecord:
        """A fetch worked: failures reset to 0. `last_error` is kept as history.

        etag / last_modified / body_hash: None keeps the stored value (a 304 answer often has
        no validators, and they must survive it).
        """
        values: dict[str, Any] = {
            "last_success_at": require_aware(at, "at"),
            "consecutive_failures": 0,
            "next_attempt_at": next_attempt_at,
        }
        for name, value in (("etag", etag), ("last_modified", last_modified), ("body_hash", body_hash)):
            if value is not None:
                values[name] = value
        # One statement (UPDATE ... RETURNING), not a read, a write and a read again: a poll stage
        # records every changed feed's validators this way.
        async with self._write() as connection:
            row = (
                (
                    await connection.execute(
                        update(sources)
                        .where(sources.c.id == source_id, sources.c.removed_at.is_(None))
                        .values(**values)
                        .returning(*sources.c)
                    )
                )
                .mappings()
                .first()
            )
        if row is None:
            raise NotFoundError(f"no source {source_id}")
        return source_record(row)

    async def record_fetch_unchanged(self, source_ids: Sequence[int], *, at: datetime) -> None:
        """Many fetches that found nothing new (304, or the same bytes), in one transaction.

        A warm poll answers mostly 304s; a write transaction per source was most of its time.
        The validators stay as they are, failures reset to 0, a source removed meanwhile is skipped.
        """
        if not source_ids:
            return
        values = {
            "last_success_at": require_aware(at, "at"),
            "consecutive_failures": 0,
            "next_attempt_at": None,
        }
        async with self._write() as connection:
            for start in range(0, len(source_ids), 500):  # stay well under SQLite's variable limit
                chunk = list(source_ids[start : start + 500])
                await connection.execute(
                    update(sources)
                    .where(sources.c.id.in_(chunk), sources.c.removed_at.is_(None))
                    .values(**values)
                )

    async def record_fetch_failure(
        self,
        source_id: int,
        *,
        at: datetime,
        error: str,
        next_attempt_at: datetime | None,
        pause_after: int,
    ) -> SourceRecord:
        """A fetch failed. At `pause_after` consecutive failures (0: never) the source pauses."""
        at = require_aware(at, "at")
        error = error[:MAX_ERROR_CHARS]
        async with self._write() as connection:
            current = await self._source_in(connection, source_id, for_update=True)
            failures = current.consecutive_failures + 1
            values: dict[str, Any] = {
                "consecutive_failures": failures,
                "last_error": error,
                "last_error_at": at,
                "next_attempt_at": next_attempt_at,
            }
            if pause_after > 0 and failures >= pause_after and not current.paused:
                values["paused"] = True
                values["pause_reason"] = f"paused after {failures} consecutive failures: {error}"
                logger.warning("source %d (%s) paused after %d failures", source_id, current.name, failures)
                # Every follower's subscription pauses too, and each guild resumes its own.
                await connection.execute(
                    update(guild_sources)
                    .where(guild_sources.c.source_id == source_id, guild_sources.c.paused.is_(False))
                    .values(paused=True, pause_reason=values["pause_reason"], paused_at=at)
                )
            await connection.execute(update(sources).where(sources.c.id == source_id).values(**values))
            return await self._source_in(connection, source_id)

    async def set_paused(self, source_id: int, paused: bool, reason: str | None = None) -> SourceRecord:
        """Pause (with a reason) or resume. Resuming forgets the failure count and is due at once."""
        values: dict[str, Any] = (
            {"paused": True, "pause_reason": reason}
            if paused
            else {"paused": False, "pause_reason": None, "consecutive_failures": 0, "next_attempt_at": None}
        )
        async with self._write() as connection:
            await self._source_in(connection, source_id)
            await connection.execute(update(sources).where(sources.c.id == source_id).values(**values))
            return await self._source_in(connection, source_id)

    async def set_subscription_paused(
        self,
        guild_id: int,
        source_id: int,
        paused: bool,
        reason: str | None = None,
        *,
        at: datetime | None = None,
    ) -> None:
        """Pause or resume one guild's subscription (see `active_sources` for what is polled).

        `at`: when, on the clock articles are stamped with as they are seen (default: now).

        Resuming also lifts a pause of the source itself (after failures), with its failure
        count, so the source is polled at the next round; other guilds' pauses stay as they are.
        """
        key = (guild_sources.c.guild_id == guild_id, guild_sources.c.source_id == source_id)
        async with self._write() as connection:
            source = await self._source_in(connection, source_id)
            if paused:
                await connection.execute(
                    update(guild_sources)
                    .where(*key)
                    .values(
                        paused=True,
                        pause_reason=reason,
                        paused_at=func.coalesce(
                            guild_sources.c.paused_at,
                            literal(require_aware(at or utc_now(), "at"), UtcDateTime()),
                        ),
                    )
                )
                return
            await connection.execute(
                update(guild_sources).where(*key).values(paused=False, pause_reason=None, paused_at=None)
            )
            if source.paused:
                await connection.execute(
                    update(sources)
                    .where(sources.c.id == source_id)
                    .values(paused=False, pause_reason=None, consecutive_failures=0, next_attempt_at=None)
                )

    @staticmethod
    def _visible_source(source_id: int) -> Any:
        return select(sources).where(sources.c.id == source_id, sources.c.removed_at.is_(None))

    async def _source_in(
        self, connection: AsyncConnection, source_id: int, *, for_update: bool = False
    ) -> SourceRecord:
        query = self._visible_source(source_id)
        if for_update:
            query = query.with_for_update()
        row = (await connection.execute(query)).mappings().first()
        if row is None:
            raise NotFoundError(f"no source {source_id}")
        return source_record(row)
