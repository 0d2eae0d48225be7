"""Leases: which process does a piece of recurring work (poll a source, deliver a channel) now.

A part of the `Store` facade (bot/store/facade.py).

A lease row is one piece of work (`kind`, `key`): when it is next due, and who holds it until
when. A claim takes due rows nobody holds (or whose holder's lease expired) and stamps them with
the claimant and an expiry, in one transaction; on PostgreSQL `SELECT ... FOR UPDATE SKIP LOCKED`
lets many processes claim side by side without waiting on each other or taking the same row. On
SQLite the same statements run under the store's one writer (one process). Finishing sets the
next due time and frees the row, but only for the holder whose claim it still is (`token`
counts claims, so a holder whose lease expired and was taken over finishes nothing): a process
killed with SIGKILL holds its rows until they expire, and then another process takes them.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, insert, or_, select, update

from bot.store.part import StorePart
from bot.store.records import require_aware
from bot.store.schema import leases


def process_name(role: str) -> str:
    """A holder name that says which process holds a lease: role, host, pid, and a unique tail."""
    return f"{role}:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True, slots=True)
class Lease:
    """A claim on one piece of work, held until `expires_at` unless finished first."""

    kind: str
    key: int
    token: int  # which claim of this row it is; only the newest one can finish it
    due_at: datetime  # when the work was due (the slot this claim is for)
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class LeaseState:
    """A lease row as it stands, for status and tests."""

    kind: str
    key: int
    due_at: datetime
    holder: str | None
    expires_at: datetime | None
    runs: int  # how many claims were finished
    done_at: datetime | None


class LeaseRecords(StorePart):
    async def add_leases(self, kind: str, keys: Iterable[int], *, due_at: datetime) -> int:
        """Rows for the keys that have none yet, due at `due_at`; how many were added."""
        due_at = require_aware(due_at, "due_at")
        wanted = set(keys)
        if not wanted:
            return 0
        async with self._write() as connection:
            have = set(
                (await connection.execute(select(leases.c.key).where(leases.c.kind == kind))).scalars()
            )
            missing = sorted(wanted - have)
            for start in range(0, len(missing), 1000):
                await connection.execute(
                    insert(leases),
                    [
                        {"kind": kind, "key": key, "due_at": due_at, "token": 0, "runs": 0}
                        for key in missing[start : start + 1000]
                    ],
                )
        return len(missing)

    async def drop_leases(self, kind: str, keep: Iterable[int]) -> int:
        """Remove the rows of keys no longer wanted (a source nobody polls any more)."""
        kept = set(keep)
        async with self._write() as connection:
            have = set(
                (await connection.execute(select(leases.c.key).where(leases.c.kind == kind))).scalars()
            )
            gone = sorted(have - kept)
            for start in range(0, len(gone), 1000):
                await connection.execute(
                    delete(leases).where(leases.c.kind == kind, leases.c.key.in_(gone[start : start + 1000]))
                )
        return len(gone)

    async def claim_due(
        self, kind: str, holder: str, *, now: datetime, ttl: timedelta, limit: int
    ) -> list[Lease]:
        """Claim up to `limit` rows of `kind` due by `now` that nobody holds, most overdue first."""
        return await self._claim(kind, holder, now=now, ttl=ttl, limit=limit, key=None, due_only=True)

    async def claim_key(
        self, kind: str, key: int, holder: str, *, now: datetime, ttl: timedelta, due_only: bool = False
    ) -> Lease | None:
        """Claim one row (created due now if missing), unless someone else holds it; with
        `due_only`, only when it is due. A holder that claims its own live lease again extends it."""
        now = require_aware(now, "now")
        async with self._write() as connection:
            await connection.execute(
                self._insert_ignoring_duplicates(
                    leases, {"kind": kind, "key": key, "due_at": now, "token": 0, "runs": 0}
                )
            )
        claimed = await self._claim(kind, holder, now=now, ttl=ttl, limit=1, key=key, due_only=due_only)
        return claimed[0] if claimed else None

    async def _claim(
        self,
        kind: str,
        holder: str,
        *,
        now: datetime,
        ttl: timedelta,
        limit: int,
        key: int | None,
        due_only: bool,
    ) -> list[Lease]:
        now = require_aware(now, "now")
        free = or_(leases.c.expires_at.is_(None), leases.c.expires_at <= now)
        if key is not None:
            free = or_(free, leases.c.holder == holder)  # a holder may extend its own lease
        query = select(leases.c.key).where(leases.c.kind == kind, free)
        if due_only:
            query = query.where(leases.c.due_at <= now)
        if key is None:
            query = query.order_by(leases.c.due_at, leases.c.key)
        else:
            query = query.where(leases.c.key == key)
        # Rows another transaction is claiming right now are skipped, not waited for (PostgreSQL;
        # SQLite runs one writer at a time and ignores the clause).
        query = query.limit(max(limit, 0)).with_for_update(skip_locked=True)
        expires_at = now + ttl
        async with self._write() as connection:
            keys = list((await connection.execute(query)).scalars())
            if not keys:
                return []
            rows = await connection.execute(
                update(leases)
                .where(leases.c.kind == kind, leases.c.key.in_(keys))
                .values(holder=holder, expires_at=expires_at, token=leases.c.token + 1)
                .returning(leases.c.key, leases.c.token, leases.c.due_at)
            )
            claimed = [
                Lease(kind, row.key, row.token, require_aware(row.due_at, "due_at"), expires_at)
                for row in rows
            ]
        return sorted(claimed, key=lambda lease: (lease.due_at, lease.key))

    async def finish_lease(self, lease: Lease, holder: str, *, next_due_at: datetime, at: datetime) -> bool:
        """Free a claimed row and set when it is next due; False when the claim was no longer
        this holder's (it expired and another process took the work over)."""
        async with self._write() as connection:
            result = await connection.execute(
                update(leases)
                .where(
                    leases.c.kind == lease.kind,
                    leases.c.key == lease.key,
                    leases.c.holder == holder,
                    leases.c.token == lease.token,
                )
                .values(
                    holder=None,
                    expires_at=None,
                    due_at=require_aware(next_due_at, "next_due_at"),
                    runs=leases.c.runs + 1,
                    done_at=require_aware(at, "at"),
                )
            )
            return bool(result.rowcount)

    async def extend_leases(self, kind: str, holder: str, keys: Iterable[int], *, until: datetime) -> int:
        """Renew `holder`'s claims on these rows until `until` (a long poll keeps its sources);
        how many it still held."""
        wanted = sorted(set(keys))
        if not wanted:
            return 0
        async with self._write() as connection:
            result = await connection.execute(
                update(leases)
                .where(leases.c.kind == kind, leases.c.holder == holder, leases.c.key.in_(wanted))
                .values(expires_at=require_aware(until, "until"))
            )
            return int(result.rowcount or 0)

    async def release_leases(self, holder: str) -> int:
        """Free every row `holder` still holds, due as they were (a clean shutdown)."""
        async with self._write() as connection:
            result = await connection.execute(
                update(leases).where(leases.c.holder == holder).values(holder=None, expires_at=None)
            )
            return int(result.rowcount or 0)

    async def next_lease_due(self, kind: str, *, now: datetime) -> datetime | None:
        """When the next row of `kind` becomes claimable: its due time, or its holder's expiry."""
        now = require_aware(now, "now")
        held = and_(leases.c.expires_at.is_not(None), leases.c.expires_at > now)
        async with self._read() as connection:
            free_due = (
                await connection.execute(
                    select(func.min(leases.c.due_at)).where(leases.c.kind == kind, ~held)
                )
            ).scalar_one()
            held_expiry = (
                await connection.execute(
                    select(func.min(leases.c.expires_at)).where(leases.c.kind == kind, held)
                )
            ).scalar_one()
        times = [require_aware(t, "t") for t in (free_due, held_expiry) if t is not None]
        return min(times) if times else None

    async def lease_states(self, kind: str) -> list[LeaseState]:
        async with self._read() as connection:
            rows = await connection.execute(
                select(leases).where(leases.c.kind == kind).order_by(leases.c.key)
            )
            return [
                LeaseState(row.kind, row.key, row.due_at, row.holder, row.expires_at, row.runs, row.done_at)
                for row in rows
            ]
