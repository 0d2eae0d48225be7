"""Polling shared by any number of processes: each source polled once per interval by one of them.

Every source has a lease row (bot.store.leases). A process claims the sources that are due and
that nobody holds, polls them with the engine, and sets each one's next due time: the start of
its next interval. Intervals are counted per source from a fixed phase (the source's id spread
over the interval by the golden ratio), so a million sources are due a few at a time rather
than all at the same instant, and a source is polled once in each of its intervals whichever
process polls it. Claims are renewed while the poll runs; a process killed with SIGKILL stops
renewing, its claims expire after `lease_seconds`, and another process polls those sources.

The same code runs on SQLite, where it is one process (`newsbrief worker` alone).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.models import SourceKind, utc_now
from bot.service.poll_budget import PollBudget
from bot.service.polling import Engine, SourceReport
from bot.store.leases import Lease

log = logging.getLogger(__name__)

SOURCE_LEASE = "source"  # a lease row per source: poll it
JOB_LEASE = "job"  # a lease row per once-per-interval job
CHECK_PAGES_JOB = 1  # the job key of re-checking article pages for edits
# The golden ratio's fraction: consecutive ids land far apart across the interval.
_PHASE_STEP = (math.sqrt(5) - 1) / 2
# The longest a worker sleeps with nothing due, so new sources and a stop are noticed.
IDLE_WAIT_MAX = timedelta(seconds=5)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def interval_phase(source_id: int, interval: timedelta) -> timedelta:
    """Where in each interval the source's intervals start (fixed per source)."""
    return interval * ((source_id * _PHASE_STEP) % 1.0)


def interval_start_after(source_id: int, moment: datetime, interval: timedelta) -> datetime:
    """The start of the source's first interval strictly after `moment`."""
    offset = (moment - _EPOCH) - interval_phase(source_id, interval)
    number = math.floor(offset / interval) + 1
    return _EPOCH + interval_phase(source_id, interval) + interval * number


def interval_number(source_id: int, moment: datetime, interval: timedelta) -> int:
    """Which of the source's intervals `moment` falls in (tests and benchmarks count polls by it)."""
    return math.floor(((moment - _EPOCH) - interval_phase(source_id, interval)) / interval)


@dataclass(slots=True)
class SharedPolling:
    """One process's share of the polling. `run()` until stopped; `poll_due()` for one round."""

    engine: Engine
    holder: str
    clock: Callable[[], datetime] = utc_now
    reports: int = 0  # sources polled by this process
    _held: dict[int, Lease] = field(default_factory=dict)
    _unchanged: list[int] = field(default_factory=list)

    @property
    def interval(self) -> timedelta:
        return timedelta(minutes=self.engine.settings.poll_interval_minutes)

    @property
    def lease_time(self) -> timedelta:
        return timedelta(seconds=self.engine.settings.lease_seconds)

    async def sync(self) -> None:
        """Lease rows for every source to poll (new ones due now); none for sources no longer polled."""
        store = self.engine.store
        wanted = [s.id for s in await store.active_sources() if s.kind is not SourceKind.REQUESTED]
        await store.add_leases(SOURCE_LEASE, wanted, due_at=self.clock())
        await store.drop_leases(SOURCE_LEASE, keep=wanted)

    async def run(self, stop: asyncio.Event) -> None:
        """Poll due sources until `stop` is set; then release what this process still holds."""
        renewer = asyncio.create_task(self._renew(stop))
        # The work stage beside the polls: from the start, so versions a crash left unbriefed
        # are briefed first, then whatever the polls store.
        briefing = asyncio.create_task(self._brief(stop))
        pages: asyncio.Task[None] | None = None
        synced_at: datetime | None = None
        try:
            while not stop.is_set():
                now = self.clock()
                # Once per interval: listing every source is the costliest query here. A source
                # added in between is polled at once by the bot that added it, then from here on.
                if synced_at is None or now - synced_at >= self.interval:
                    await self.sync()
                    synced_at = now
                if pages is None or pages.done():
                    # Beside the polls, never in their way: re-checking pages waits on slow sites.
                    pages = asyncio.create_task(self._check_pages_if_due())
                polled = await self.poll_due(stop)
                if polled:
                    continue
                await self._wait_for_work(stop)
        finally:
            for task in (renewer, briefing, pages):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            await self._flush_unchanged()
            await self.engine.store.release_leases(self.holder)

    async def poll_due(self, stop: asyncio.Event | None = None) -> int:
        """Claim due sources and poll them, `worker_concurrency` at a time, claiming more as polls
        end, until none is due; how many were polled."""
        concurrency = self.engine.settings.worker_concurrency
        budget = PollBudget(self.engine.settings.teaser_fetches_per_poll)
        running: set[asyncio.Task[SourceReport | None]] = set()
        polled = 0
        exhausted = False
        while True:
            if not exhausted and len(running) <= concurrency // 2 and not (stop and stop.is_set()):
                claimed = await self.engine.store.claim_due(
                    SOURCE_LEASE,
                    self.holder,
                    now=self.clock(),
                    ttl=self.lease_time,
                    limit=concurrency - len(running),
                )
                exhausted = not claimed
                for lease in claimed:
                    self._held[lease.key] = lease
                    running.add(asyncio.create_task(self._poll_one(lease, budget)))
            if not running:
                break
            done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            polled += sum(1 for task in done if task.result() is not None)
        await self._flush_unchanged()
        self.reports += polled
        return polled

    async def _poll_one(self, lease: Lease, budget: PollBudget) -> SourceReport | None:
        claimed_at = self.clock()
        try:
            source = await self.engine.store.get_source(lease.key)
            if source is None:
                return None
            report = await self.engine.poll_source(
                source, unchanged=self._unchanged, budget=budget, brief=False
            )
            if report.error:
                log.info("source %s failed: %s", source.name, report.error)
            return report
        except Exception:  # a bug must not stop the worker; the source is due again next interval
            log.exception("polling source %s failed", lease.key)
            return None
        finally:
            self._held.pop(lease.key, None)
            next_due = interval_start_after(lease.key, max(claimed_at, lease.due_at), self.interval)
            if not await self.engine.store.finish_lease(
                lease, self.holder, next_due_at=next_due, at=self.clock()
            ):
                log.warning("source %s: the lease expired during the poll and was taken over", lease.key)

    async def _flush_unchanged(self) -> None:
        if self._unchanged:
            unchanged, self._unchanged[:] = list(self._unchanged), []
            await self.engine.store.record_fetch_unchanged(unchanged, at=self.clock())

    async def _check_pages_if_due(self) -> None:
        """Re-check article pages for edits once per interval, in whichever process claims it."""
        store = self.engine.store
        # Held as long as a re-check may last (it stops starting new pages at the poll timeout).
        longest = self.lease_time + timedelta(seconds=2 * self.engine.settings.source_poll_timeout_seconds)
        lease = await store.claim_key(
            JOB_LEASE, CHECK_PAGES_JOB, self.holder, now=self.clock(), ttl=longest, due_only=True
        )
        if lease is None:
            return
        try:
            await self.engine.check_pages()
        except Exception:
            log.exception("re-checking article pages failed")
        finally:
            await store.finish_lease(
                lease, self.holder, next_due_at=self.clock() + self.interval, at=self.clock()
            )

    async def _brief(self, stop: asyncio.Event) -> None:
        """The work stage until `stop`: drain the brief queue, then wait for more (this process's
        polls wake it; other processes' queued versions are found within IDLE_WAIT_MAX)."""
        while not stop.is_set():
            try:
                await self.engine.briefing.drain()
            except Exception:  # a bug must not stop the worker; the queue keeps what is left
                log.exception("briefing stored articles failed")
            await self.engine.briefing.wait_for_work(IDLE_WAIT_MAX.total_seconds())

    async def _renew(self, stop: asyncio.Event) -> None:
        """Extend this process's claims while their polls run, every third of a lease."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.lease_time.total_seconds() / 3)
            if self._held:
                await self.engine.store.extend_leases(
                    SOURCE_LEASE, self.holder, list(self._held), until=self.clock() + self.lease_time
                )

    async def _wait_for_work(self, stop: asyncio.Event) -> None:
        now = self.clock()
        due = await self.engine.store.next_lease_due(SOURCE_LEASE, now=now)
        wait = IDLE_WAIT_MAX if due is None else min(max(due - now, timedelta(0)), IDLE_WAIT_MAX)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), wait.total_seconds())
