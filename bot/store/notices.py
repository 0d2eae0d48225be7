"""The store's guild settings beyond the moderator role (announcement publishing) and its
failure-notice records: a guild's notice channel, what each subject was last
announced as, and the notices waiting to be posted. Mixed into bot.store.Store (its facade)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from bot.store.part import StorePart
from bot.store.schema import guild_settings, notice_outbox, notice_states


@dataclass(frozen=True, slots=True)
class Notice:
    """One queued notice. `state`: pending, attempted or sent, as a digest message's."""

    id: int
    guild_id: int
    channel_id: int
    payload: str
    marker: str
    nonce: str
    state: str
    message_id: int | None
    attempts: int


@dataclass(frozen=True, slots=True)
class NoticeChange:
    """A subject's new state and, if it is to be announced, the message (payload, marker, nonce)."""

    subject: str
    state: str
    message: tuple[str, str, str] | None


class NoticeRecords(StorePart):
    async def get_notice_channel(self, guild_id: int) -> int | None:
        async with self._read() as connection:
            found = (
                await connection.execute(
                    select(guild_settings.c.notice_channel_id).where(guild_settings.c.guild_id == guild_id)
                )
            ).scalar_one_or_none()
        return int(found) if found is not None else None

    async def notice_channels(self) -> dict[int, int]:
        """Every guild that has a notice channel: guild id -> channel id."""
        query = select(guild_settings.c.guild_id, guild_settings.c.notice_channel_id).where(
            guild_settings.c.notice_channel_id.is_not(None)
        )
        async with self._read() as connection:
            return {int(g): int(c) for g, c in (await connection.execute(query)).all()}

    async def set_notice_channel(self, guild_id: int, channel_id: int | None) -> None:
        async with self._write() as connection:
            await connection.execute(
                self._upsert(
                    guild_settings, {"guild_id": guild_id, "notice_channel_id": channel_id}, ["guild_id"]
                )
            )

    async def get_publish_digests(self, guild_id: int) -> bool:
        """Whether the guild's digests in announcement channels are published (crossposted)."""
        async with self._read() as connection:
            found = (
                await connection.execute(
                    select(guild_settings.c.publish_digests).where(guild_settings.c.guild_id == guild_id)
                )
            ).scalar_one_or_none()
        return bool(found)

    async def set_publish_digests(self, guild_id: int, publish: bool) -> None:
        async with self._write() as connection:
            await connection.execute(
                self._upsert(guild_settings, {"guild_id": guild_id, "publish_digests": publish}, ["guild_id"])
            )

    async def notice_states(self, guild_id: int) -> dict[str, str]:
        query = select(notice_states.c.subject, notice_states.c.state).where(
            notice_states.c.guild_id == guild_id
        )
        async with self._read() as connection:
            return {str(s): str(state) for s, state in (await connection.execute(query)).all()}

    async def record_notices(
        self, guild_id: int, channel_id: int, changes: Sequence[NoticeChange], *, at: datetime
    ) -> None:
        """Record the subjects' new states and queue their notices, in one transaction: a state is
        announced once, however often it is seen again."""
        async with self._write() as connection:
            for change in changes:
                await connection.execute(
                    self._upsert(
                        notice_states,
                        {
                            "guild_id": guild_id,
                            "subject": change.subject,
                            "state": change.state,
                            "changed_at": at,
                        },
                        ["guild_id", "subject"],
                    )
                )
                if change.message is None:
                    continue
                payload, marker, nonce = change.message
                json.loads(payload)  # refuse what Discord could never be sent
                await connection.execute(
                    notice_outbox.insert().values(
                        guild_id=guild_id,
                        channel_id=channel_id,
                        payload=payload,
                        marker=marker,
                        nonce=nonce,
                        state="pending",
                        attempts=0,
                        created_at=at,
                    )
                )

    async def pending_notices(self) -> list[Notice]:
        query = (
            select(notice_outbox)
            .where(notice_outbox.c.state.in_(["pending", "attempted"]))
            .order_by(notice_outbox.c.channel_id, notice_outbox.c.id)
        )
        async with self._read() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [Notice(**{name: row[name] for name in Notice.__slots__}) for row in rows]

    async def sent_notices(self, guild_id: int) -> list[Notice]:
        query = (
            select(notice_outbox)
            .where(notice_outbox.c.guild_id == guild_id, notice_outbox.c.state == "sent")
            .order_by(notice_outbox.c.id)
        )
        async with self._read() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [Notice(**{name: row[name] for name in Notice.__slots__}) for row in rows]

    async def mark_notice(
        self, notice_id: int, state: str, *, message_id: int | None = None, at: datetime
    ) -> None:
        """`attempted` (before a send, counting it) or `sent` (with the message's id)."""
        values: dict[str, Any] = {"state": state}
        if state == "attempted":
            values["attempts"] = notice_outbox.c.attempts + 1
        else:
            values |= {"message_id": message_id, "sent_at": at}
        async with self._write() as connection:
            await connection.execute(
                update(notice_outbox)
                .where(notice_outbox.c.id == notice_id, notice_outbox.c.state != "sent")
                .values(**values)
            )
