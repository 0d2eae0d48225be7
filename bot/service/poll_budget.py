"""What a poll may spend on teaser pages: how many at once, how many per source and per poll, and
until when.

One feed of 100,000 teasers once made 6,660 page fetches at once; forty pages that never answer
kept a poll waiting for minutes. So a source's teaser pages are fetched by a few workers (so many
at a time), each source fetches at most so many pages per poll and the whole poll at most so many,
and nothing waits on a page past the source's poll deadline. What is left over is not lost: the
caller puts it in the retry queue, due at the next poll.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.config import Settings
from bot.ingest.sources import ItemFailure, SourceError
from bot.models import Candidate, FeedEntry
from bot.store import SourceRecord, Store
from bot.store.retries import QueuedEntry, entry_key

log = logging.getLogger(__name__)
_UNDATED = datetime.min.replace(tzinfo=UTC)


def backoff_delay(failures: int, *, base: float, cap: float) -> timedelta:
    """Exponential backoff: base, 2*base, 4*base, ... never more than cap."""
    return timedelta(seconds=min(cap, base * 2 ** max(0, failures - 1)))


def poll_time_of(settings: Settings) -> str:
    """A source's poll time, as messages say it ("60 s")."""
    return f"{settings.source_poll_timeout_seconds:g} s"


@dataclass(slots=True)
class PollBudget:
    """The teaser pages one poll may still fetch, shared by all its sources."""

    pages_left: int
    # The sources that had a retry queue when the poll began (None: not known, read each one's).
    # A warm poll of thousands of unchanged feeds then skips a queue read per source; a source's
    # queue only grows after its own read, within its own poll.
    queued_sources: frozenset[int] | None = None

    def may_have_queue(self, source_id: int) -> bool:
        return self.queued_sources is None or source_id in self.queued_sources

    def take(self) -> bool:
        if self.pages_left <= 0:
            return False
        self.pages_left -= 1
        return True


@dataclass(frozen=True, slots=True)
class TeaserLimits:
    concurrency: int  # pages of one source fetched at once
    per_source: int  # pages one source fetches in one poll
    deadline: float  # event-loop time after which no page is waited for


@dataclass(slots=True)
class TeaserRun:
    """What became of a source's teaser entries in one poll."""

    fetched: list[tuple[FeedEntry, Candidate]] = field(default_factory=list)
    failed: list[tuple[FeedEntry, SourceError]] = field(default_factory=list)
    timed_out: list[FeedEntry] = field(default_factory=list)  # fetching, cut off at the deadline
    deferred: list[FeedEntry] = field(default_factory=list)  # not fetched: out of page budget or time
    out_of_time: bool = False  # the deadline passed before every entry was dealt with


async def run_teasers(
    entries: Sequence[FeedEntry],
    *,
    handled: Callable[[FeedEntry], Awaitable[bool]],
    fetch: Callable[[FeedEntry], Awaitable[Candidate]],
    limits: TeaserLimits,
    budget: PollBudget,
) -> TeaserRun:
    """Fetch the teasers' pages within the limits, the first ones first.

    `handled(entry)` deals with an entry that needs no fetch (already stored, say) and says so;
    `fetch(entry)` reads its page or raises SourceError. The entries are checked first, then the
    first of those left are fetched up to the page budgets. Only a fetch is cut off at the
    deadline, never the store work around it, so no transaction is interrupted.
    """
    loop = asyncio.get_running_loop()
    run = TeaserRun()
    workers = max(1, min(limits.concurrency, len(entries)))

    async def in_workers(job: Callable[[deque[Any]], Coroutine[Any, Any, None]], items: deque[Any]) -> None:
        async with asyncio.TaskGroup() as group:  # a worker's store error stops the others too
            for _ in range(workers):
                group.create_task(job(items))

    def in_time() -> bool:
        if loop.time() < limits.deadline:
            return True
        run.out_of_time = True
        return False

    unknown: list[tuple[int, FeedEntry]] = []

    async def check(items: deque[tuple[int, FeedEntry]]) -> None:
        while items and in_time():
            index, entry = items.popleft()
            if not await handled(entry):
                unknown.append((index, entry))

    unchecked: deque[tuple[int, FeedEntry]] = deque(enumerate(entries))
    await in_workers(check, unchecked)
    unknown.sort(key=lambda pair: pair[0])  # back in the order given
    chosen: deque[FeedEntry] = deque()
    for _, entry in unknown:
        if len(chosen) < limits.per_source and budget.take():
            chosen.append(entry)
        else:
            run.deferred.append(entry)

    async def fetch_pages(items: deque[FeedEntry]) -> None:
        while items and in_time():
            entry = items.popleft()
            try:
                async with asyncio.timeout_at(limits.deadline):
                    candidate = await fetch(entry)
            except TimeoutError:
                run.timed_out.append(entry)
                run.out_of_time = True
            except SourceError as exc:
                run.failed.append((entry, exc))
            else:
                run.fetched.append((entry, candidate))

    await in_workers(fetch_pages, chosen)
    run.deferred.extend([*chosen, *(entry for _, entry in unchecked)])  # never reached: out of time
    return run


def due_entries(
    listed: Iterable[FeedEntry],
    feed_entries: Iterable[FeedEntry],
    queue: Mapping[str, QueuedEntry],
    now: datetime,
) -> tuple[list[FeedEntry], int]:
    """The teaser entries to try in this poll, and how many queued ones wait out their backoff.

    `listed`: the teasers this poll read from the feed (none after a 304); `feed_entries`: every
    teaser the feed lists. Queued entries the feed no longer lists, or did not send, are retried
    from the queue."""
    pending: list[FeedEntry] = []
    waiting = 0
    for entry in listed:
        queued = queue.get(entry_key(entry) or "")
        if queued is None or queued.due(now):
            pending.append(entry)
        elif queued.given_up_at is None:
            waiting += 1
    keys = {entry_key(entry) for entry in feed_entries}
    for queued in queue.values():
        if queued.key in keys or queued.given_up_at is not None:
            continue
        if queued.due(now):
            pending.append(queued.entry)
        else:
            waiting += 1
    # Newest first: when a poll cannot fetch every page, the latest news is what it gets.
    pending.sort(key=lambda entry: entry.published or entry.updated or _UNDATED, reverse=True)
    return pending, waiting


@dataclass(slots=True)
class Leftovers:
    """How a source's teasers that were not stored went into the retry queue."""

    failures: list[ItemFailure] = field(default_factory=list)
    queued: int = 0  # waiting for a retry: failed (with a backoff) or deferred (due at once)
    given_up: int = 0
    deferred: int = 0


async def queue_leftovers(
    store: Store,
    source: SourceRecord,
    run: TeaserRun,
    settings: Settings,
    *,
    at: datetime,
) -> Leftovers:
    """Put what the run did not store in the retry queue: failed and cut-off pages with an attempt
    counted and a backoff, deferred entries due at the next poll with none counted."""
    left = Leftovers()
    poll_time = poll_time_of(settings)

    def delay(attempts: int) -> timedelta:
        return backoff_delay(
            attempts, base=settings.entry_retry_base_seconds, cap=settings.entry_retry_max_seconds
        )

    cut_off = SourceError(f"its page did not answer within the source's poll time ({poll_time})")
    for entry, exc in [*run.failed, *((entry, cut_off) for entry in run.timed_out)]:
        left.failures.append(ItemFailure(entry.url or entry.guid or "entry", exc.reason))
        queued = await store.queue_entry_failure(
            source.id,
            entry,
            exc.reason,
            at=at,
            delay=delay,
            max_attempts=settings.entry_retry_max_attempts,
            give_up=not exc.retryable,
        )
        if queued is not None and queued.given_up_at is None:
            left.queued += 1
        elif queued is not None:
            left.given_up += 1
            log.info("gave up on entry %s of %s: %s", queued.key, source.name, exc.reason)
    if run.deferred:
        why = "not fetched yet: " + (
            f"the source's poll time ({poll_time}) ran out"
            if run.out_of_time
            else "more teaser pages than one poll fetches"
        )
        left.deferred = await store.defer_entries(source.id, run.deferred, why, at=at)
        left.queued += left.deferred
    return left
