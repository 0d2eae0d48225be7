"""Digest channels, the briefs a digest lists, and the outbox that posts them exactly once.

A part of the `Store` facade (bot/store/facade.py)."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.models import Brief, utc_now
from bot.store.part import StorePart
from bot.store.records import (
    ArticleRecord,
    DigestChannel,
    DigestStatus,
    NotFoundError,
    OutboxItem,
    OutboxState,
    VersionRecord,
    article_record,
    digest_channel_record,
    outbox_item_record,
    require_aware,
)
from bot.store.schema import (
    articles,
    briefs,
    digest_channels,
    digest_outbox,
    versions,
)
from bot.store.visibility import (
    routed_to,
    visible_to,
)

logger = logging.getLogger(__name__)


MAX_ERROR_CHARS = 2000
# Held by save_version on PostgreSQL until commit, so version ids become visible in increasing
# order: a digest cursor ("everything up to id N was covered") then never skips a version whose
# transaction committed late. SQLite has one writer at a time anyway.
POSTGRESQL_VERSION_ORDER_LOCK = 0x76657273  # "vers"


class DigestRecords(StorePart):
    async def briefs_for_digest(
        self,
        guild_id: int,
        *,
        after_version_id: int,
        up_to_version_id: int | None = None,
        limit: int,
        channel_id: int | None = None,
    ) -> list[tuple[ArticleRecord, Brief, VersionRecord]]:
        """Briefs of versions with after_version_id < id <= up_to_version_id (None: no upper end),
        visible to the guild, OLDEST FIRST (by version id). With `channel_id`, only those whose
        sources post to that digest channel (`routed_to`).

        Only versions still their article's latest are returned, so an article edited twice since
        the cursor appears once, with its newest version (which is inside the range too). Version
        ids become visible in increasing order (see POSTGRESQL_VERSION_ORDER_LOCK), so advancing a
        cursor to the last id returned (or to up_to_version_id) never skips one.
        """
        query = (
            select(
                articles,
                versions.c.id.label("version_id"),
                versions.c.number.label("version_number"),
                versions.c.seen_at.label("version_seen_at"),
                versions.c.title.label("version_title"),
                versions.c.text.label("version_text"),
                versions.c.text_hash.label("version_text_hash"),
                briefs.c.brief_json,
            )
            .select_from(
                versions.join(articles, articles.c.latest_version_id == versions.c.id).join(
                    briefs, briefs.c.version_id == versions.c.id
                )
            )
            .where(
                versions.c.id > after_version_id,
                visible_to(guild_id, articles.c.id)
                if channel_id is None
                else routed_to(guild_id, channel_id, articles.c.id),
            )
            .order_by(versions.c.id)
            .limit(max(limit, 0))
        )
        if up_to_version_id is not None:
            query = query.where(versions.c.id <= up_to_version_id)
        async with self._read() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [
            (
                article_record(row),
                self._codec.loads(row["brief_json"]),
                VersionRecord(
                    id=row["version_id"],
                    article_id=row["id"],
                    number=row["version_number"],
                    seen_at=row["version_seen_at"],
                    title=row["version_title"],
                    text=row["version_text"],
                    text_hash=row["version_text_hash"],
                ),
            )
            for row in rows
        ]

    async def set_digest_channel(
        self,
        channel_id: int,
        *,
        guild_id: int,
        schedule: str,
        timezone: str,
        anchor_at: datetime,
        next_run_at: datetime,
        max_items: int | None = None,
        created_by: int | None = None,
    ) -> DigestChannel:
        """Create or change a channel's digest. A new channel's cursor starts at the newest version,
        so its first digest covers what arrives from now on, not the whole history; changing a
        channel keeps its cursor, status and creator."""
        values: dict[str, Any] = {
            "guild_id": guild_id,
            "schedule": schedule,
            "timezone": timezone,
            "anchor_at": require_aware(anchor_at, "anchor_at"),
            "next_run_at": require_aware(next_run_at, "next_run_at"),
            "max_items": max_items,
        }
        async with self._write() as connection:
            current = await self._digest_channel_row(connection, channel_id, for_update=True)
            if current is None:
                newest = (
                    await connection.execute(select(func.coalesce(func.max(versions.c.id), 0)))
                ).scalar_one()
                await connection.execute(
                    insert(digest_channels).values(
                        channel_id=channel_id,
                        cursor_version_id=int(newest),
                        status=DigestStatus.OK.value,
                        created_by=created_by,
                        **values,
                    )
                )
            else:
                await connection.execute(
                    update(digest_channels).where(digest_channels.c.channel_id == channel_id).values(**values)
                )
            return await self._digest_channel_in(connection, channel_id)

    async def get_digest_channel(self, channel_id: int) -> DigestChannel | None:
        async with self._read() as connection:
            row = await self._digest_channel_row(connection, channel_id)
        return digest_channel_record(row) if row is not None else None

    async def digest_channels(self, guild_id: int | None = None) -> list[DigestChannel]:
        """The guild's digest channels (None: every guild's), by channel id."""
        query = select(digest_channels).order_by(digest_channels.c.channel_id)
        if guild_id is not None:
            query = query.where(digest_channels.c.guild_id == guild_id)
        async with self._read() as connection:
            return [digest_channel_record(row) for row in (await connection.execute(query)).mappings()]

    async def remove_digest_channel(self, channel_id: int) -> bool:
        """Stop a channel's digest, dropping its unsent messages. False if it had none."""
        async with self._write() as connection:
            await connection.execute(delete(digest_outbox).where(digest_outbox.c.channel_id == channel_id))
            result = await connection.execute(
                delete(digest_channels).where(digest_channels.c.channel_id == channel_id)
            )
            return bool(result.rowcount)

    async def due_digest_channels(self, now: datetime) -> list[DigestChannel]:
        """Channels whose next run is at or before `now`, most overdue first (any status: the
        caller decides whether a forbidden channel is retried)."""
        query = (
            select(digest_channels)
            .where(digest_channels.c.next_run_at <= require_aware(now, "now"))
            .order_by(digest_channels.c.next_run_at, digest_channels.c.channel_id)
        )
        async with self._read() as connection:
            return [digest_channel_record(row) for row in (await connection.execute(query)).mappings()]

    async def set_channel_status(
        self, channel_id: int, status: DigestStatus | str, detail: str | None, at: datetime
    ) -> DigestChannel:
        """Record how posting to the channel went ('ok', 'forbidden' or 'failing'; detail: why)."""
        values = {
            "status": DigestStatus(status).value,
            "status_detail": detail[:MAX_ERROR_CHARS] if detail is not None else None,
            "status_at": require_aware(at, "at"),
        }
        async with self._write() as connection:
            await self._digest_channel_in(connection, channel_id)
            await connection.execute(
                update(digest_channels).where(digest_channels.c.channel_id == channel_id).values(**values)
            )
            return await self._digest_channel_in(connection, channel_id)

    async def _digest_channel_row(
        self, connection: AsyncConnection, channel_id: int, *, for_update: bool = False
    ) -> RowMapping | None:
        query = select(digest_channels).where(digest_channels.c.channel_id == channel_id)
        if for_update:
            query = query.with_for_update()
        return (await connection.execute(query)).mappings().first()

    async def _digest_channel_in(
        self, connection: AsyncConnection, channel_id: int, *, for_update: bool = False
    ) -> DigestChannel:
        row = await self._digest_channel_row(connection, channel_id, for_update=for_update)
        if row is None:
            raise NotFoundError(f"no digest channel {channel_id}")
        return digest_channel_record(row)

    async def enqueue_digest(
        self,
        channel_id: int,
        *,
        run_key: str,
        parts: Sequence[tuple[str, str, str]],
        new_cursor_version_id: int,
        ran_at: datetime,
        next_run_at: datetime,
        claim: DigestChannel | None = None,
    ) -> list[OutboxItem]:
        """Queue one digest run's messages and advance the channel, in one transaction.

        parts: (payload JSON, marker, nonce) per message, in posting order. Queuing the same
        (channel, run_key, part) again changes nothing, so a retried call cannot post twice. The
        cursor only moves forward; last/next run times are set even when `parts` is empty.
        Returns the run's queued items, by part.

        `claim`: the channel as the digest was composed from. The run is queued only if the
        channel's cursor and next run time are still that record's: the slot is claimed in the
        same transaction that queues it, so of processes composing the same slot (or a process
        restarted mid-run) one queues it and the others queue nothing (an empty list).
        """
        for payload, marker, nonce in parts:
            # How long a nonce may be is the poster's business (bot/discord/limits.py).
            if not marker or not nonce:
                raise ValueError("each part needs a marker and a nonce")
            json.loads(payload)  # refuse what Discord could never be sent
        ran_at = require_aware(ran_at, "ran_at")
        next_run_at = require_aware(next_run_at, "next_run_at")
        async with self._write() as connection:
            channel = await self._digest_channel_in(connection, channel_id, for_update=True)
            if claim is not None and (channel.cursor_version_id, channel.next_run_at) != (
                claim.cursor_version_id,
                claim.next_run_at,
            ):
                return []  # another process queued this slot first
            now = utc_now()
            for part, (payload, marker, nonce) in enumerate(parts):
                await connection.execute(
                    self._insert_ignoring_duplicates(
                        digest_outbox,
                        {
                            "channel_id": channel_id,
                            "run_key": run_key,
                            "part": part,
                            "payload": payload,
                            "marker": marker,
                            "nonce": nonce,
                            "state": OutboxState.PENDING.value,
                            "attempts": 0,
                            "created_at": now,
                        },
                    )
                )
            await connection.execute(
                update(digest_channels)
                .where(digest_channels.c.channel_id == channel_id)
                .values(
                    cursor_version_id=max(channel.cursor_version_id, new_cursor_version_id),
                    last_run_at=ran_at,
                    next_run_at=next_run_at,
                )
            )
            rows = (
                await connection.execute(
                    select(digest_outbox)
                    .where(digest_outbox.c.channel_id == channel_id, digest_outbox.c.run_key == run_key)
                    .order_by(digest_outbox.c.part)
                )
            ).mappings()
            return [outbox_item_record(row) for row in rows]

    async def pending_posts(self, channel_id: int | None = None) -> list[OutboxItem]:
        """Messages not yet confirmed sent, by channel then in queuing order (post them in it)."""
        query = (
            select(digest_outbox)
            .where(digest_outbox.c.state.in_([OutboxState.PENDING.value, OutboxState.ATTEMPTED.value]))
            .order_by(digest_outbox.c.channel_id, digest_outbox.c.id)
        )
        if channel_id is not None:
            query = query.where(digest_outbox.c.channel_id == channel_id)
        async with self._read() as connection:
            return [outbox_item_record(row) for row in (await connection.execute(query)).mappings()]

    async def outbox_items(self, channel_id: int) -> list[OutboxItem]:
        """Every queued message of a channel, sent or not, in queuing order."""
        query = (
            select(digest_outbox).where(digest_outbox.c.channel_id == channel_id).order_by(digest_outbox.c.id)
        )
        async with self._read() as connection:
            return [outbox_item_record(row) for row in (await connection.execute(query)).mappings()]

    async def mark_attempted(self, item_id: int) -> OutboxItem:
        """Record a send attempt, before making it: after a crash, an attempted item may already
        be in the channel (look for its marker) while a pending one is not. A sent item stays sent."""
        async with self._write() as connection:
            await self._outbox_item_in(connection, item_id)
            await connection.execute(
                update(digest_outbox)
                .where(digest_outbox.c.id == item_id, digest_outbox.c.state != OutboxState.SENT.value)
                .values(state=OutboxState.ATTEMPTED.value, attempts=digest_outbox.c.attempts + 1)
            )
            return await self._outbox_item_in(connection, item_id)

    async def mark_sent(self, item_id: int, message_id: int, at: datetime) -> OutboxItem:
        values = {
            "state": OutboxState.SENT.value,
            "message_id": message_id,
            "sent_at": require_aware(at, "at"),
        }
        async with self._write() as connection:
            await self._outbox_item_in(connection, item_id)
            await connection.execute(
                update(digest_outbox).where(digest_outbox.c.id == item_id).values(**values)
            )
            return await self._outbox_item_in(connection, item_id)

    async def _outbox_item_in(self, connection: AsyncConnection, item_id: int) -> OutboxItem:
        row = (
            (await connection.execute(select(digest_outbox).where(digest_outbox.c.id == item_id)))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFoundError(f"no outbox item {item_id}")
        return outbox_item_record(row)
