"""The store's retry queue: feed entries whose article page could not be read yet.

Each row is one entry of one source, with the reason of its last failure, its attempt count and
when to try next. An entry given up on is kept with its reason, so moderators can see what was
not read and why. Mixed into bot.store.Store (its facade)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.models import FeedEntry
from bot.store.part import StorePart
from bot.store.schema import entry_retries


@dataclass(frozen=True, slots=True)
class QueuedEntry:
    """One entry waiting for a retry (or given up on: `given_up_at` is set)."""

    source_id: int
    key: str
    entry: FeedEntry
    reason: str
    attempts: int
    next_attempt_at: datetime | None
    given_up_at: datetime | None

    def due(self, now: datetime) -> bool:
        return self.given_up_at is None and (self.next_attempt_at is None or self.next_attempt_at <= now)


@dataclass(frozen=True, slots=True)
class RetrySummary:
    """What the queue holds for one source: entries waiting, given up, and the latest reason."""

    waiting: int
    given_up: int
    last_reason: str | None

    def describe(self) -> str:
        """One line for a sources listing, e.g. "2 entries waiting for a retry (last: HTTP 500)"."""
        parts = []
        if self.waiting:
            parts.append(f"{self.waiting} {'entry' if self.waiting == 1 else 'entries'} waiting for a retry")
        if self.given_up:
            parts.append(f"{self.given_up} given up")
        return ", ".join(parts) + (f" (last: {self.last_reason})" if self.last_reason else "")


def entry_key(entry: FeedEntry) -> str | None:
    """What identifies an entry in its source's queue: its GUID, or its link when it has none."""
    return entry.guid or entry.url


class RetryRecords(StorePart):
    async def sources_with_queued_entries(self) -> frozenset[int]:
        """The sources whose retry queue holds anything (waiting or given up)."""
        query = select(entry_retries.c.source_id).distinct()
        async with self._read() as connection:
            return frozenset((await connection.execute(query)).scalars().all())

    async def queued_entries(self, source_id: int) -> dict[str, QueuedEntry]:
        """The source's queue, waiting and given up, by entry key."""
        query = select(entry_retries).where(entry_retries.c.source_id == source_id)
        async with self._read() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return {
            row["entry_key"]: QueuedEntry(
                source_id=row["source_id"],
                key=row["entry_key"],
                entry=FeedEntry(
                    guid=row["guid"],
                    url=row["url"],
                    title=row["title"],
                    author=row["author"],
                    published=row["published"],
                ),
                reason=row["reason"],
                attempts=row["attempts"],
                next_attempt_at=row["next_attempt_at"],
                given_up_at=row["given_up_at"],
            )
            for row in rows
        }

    async def queue_entry_failure(
        self,
        source_id: int,
        entry: FeedEntry,
        reason: str,
        *,
        at: datetime,
        delay: Callable[[int], timedelta],
        max_attempts: int,
        give_up: bool = False,
    ) -> QueuedEntry | None:
        """Record a failed attempt at an entry's page: queued for `delay(attempts)` from now, or
        given up (kept, with its reason) after `max_attempts` or when `give_up` (retrying cannot help).
        None for an entry with neither GUID nor link: there is nothing to retry it by."""
        key = entry_key(entry)
        if key is None:
            return None
        async with self._write() as connection:
            previous = (
                await connection.execute(
                    select(entry_retries.c.attempts, entry_retries.c.first_failed_at).where(
                        entry_retries.c.source_id == source_id, entry_retries.c.entry_key == key
                    )
                )
            ).first()
            attempts = (previous[0] if previous else 0) + 1
            given_up = give_up or attempts >= max_attempts
            next_attempt_at = None if given_up else at + delay(attempts)
            given_up_at = at if given_up else None
            values: dict[str, Any] = {
                "source_id": source_id,
                "entry_key": key,
                "url": entry.url,
                "guid": entry.guid,
                "title": entry.title,
                "author": entry.author,
                "published": entry.published,
                "reason": reason,
                "attempts": attempts,
                "next_attempt_at": next_attempt_at,
                "given_up_at": given_up_at,
                "first_failed_at": previous[1] if previous else at,
                "last_failed_at": at,
            }
            await connection.execute(self._upsert(entry_retries, values, ["source_id", "entry_key"]))
        return QueuedEntry(source_id, key, entry, reason, attempts, next_attempt_at, given_up_at)

    async def defer_entries(
        self, source_id: int, entries: Sequence[FeedEntry], reason: str, *, at: datetime
    ) -> int:
        """Queue entries whose pages this poll did not get to (its page budget or time ran out):
        due again at once, at the next poll, with no attempt counted against them. An entry
        already queued keeps its attempts. Returns how many were queued (entries with a key)."""
        rows: dict[str, dict[str, Any]] = {}
        for entry in entries:
            key = entry_key(entry)
            if key is None:
                continue
            rows[key] = {
                "source_id": source_id,
                "entry_key": key,
                "url": entry.url,
                "guid": entry.guid,
                "title": entry.title,
                "author": entry.author,
                "published": entry.published,
                "reason": reason,
                "attempts": 0,
                "next_attempt_at": at,
                "given_up_at": None,
                "first_failed_at": at,
                "last_failed_at": at,
            }
        if not rows:
            return 0
        insert = postgresql_insert if self._dialect == "postgresql" else sqlite_insert
        statement = insert(entry_retries)
        statement = statement.on_conflict_do_update(
            index_elements=["source_id", "entry_key"],
            set_={
                "reason": statement.excluded.reason,
                "next_attempt_at": statement.excluded.next_attempt_at,
                "last_failed_at": statement.excluded.last_failed_at,
            },
        )
        async with self._write() as connection:
            await connection.execute(statement, list(rows.values()))
        return len(rows)

    async def drop_queued_entries(self, source_id: int, keys: Sequence[str]) -> None:
        """Remove entries from the queue: their articles are stored."""
        if not keys:
            return
        async with self._write() as connection:
            await connection.execute(
                delete(entry_retries).where(
                    entry_retries.c.source_id == source_id, entry_retries.c.entry_key.in_(list(keys))
                )
            )

    async def retry_summaries(self) -> dict[int, RetrySummary]:
        """Per source with anything queued: how many entries wait, how many were given up, and
        the reason of the latest failure."""
        waiting = func.sum(case((entry_retries.c.given_up_at.is_(None), 1), else_=0))
        counts = select(
            entry_retries.c.source_id,
            func.count(),
            waiting,
            func.max(entry_retries.c.last_failed_at),
        ).group_by(entry_retries.c.source_id)
        async with self._read() as connection:
            rows = (await connection.execute(counts)).all()
            latest = {int(r[0]): r[3] for r in rows}
            reasons: dict[int, str] = {}
            if latest:
                found = await connection.execute(
                    select(entry_retries.c.source_id, entry_retries.c.reason).where(
                        or_(
                            *(
                                and_(entry_retries.c.source_id == s, entry_retries.c.last_failed_at == at)
                                for s, at in latest.items()
                            )
                        )
                    )
                )
                for source_id, reason in found.all():
                    reasons.setdefault(int(source_id), reason)
        return {
            int(source_id): RetrySummary(
                waiting=int(waits or 0),
                given_up=int(total) - int(waits or 0),
                last_reason=reasons.get(int(source_id)),
            )
            for source_id, total, waits, _ in rows
        }
