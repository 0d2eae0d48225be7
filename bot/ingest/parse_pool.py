"""Feed parsing in worker processes, each parse with a time budget.

feedparser is pure Python with some slow corners a crafted feed can reach (see
bot.ingest.feeds.RAW_PERSON_MAX_BYTES), and a big feed takes seconds of CPU. On the event loop that
would stall the gateway and every command; in a thread it would still hold the GIL, and a thread
cannot be stopped. So feeds are parsed in a few worker processes: a parse that outlasts its
budget has its worker killed (a new one starts for the next parse) and fails with one line.

Workers start on first use, from a fork server that has the parser imported already, so a new
one costs milliseconds. A worker that parsed a big body is retired after it, so the memory
feedparser took for it goes back to the system.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import weakref
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Final

from bot.ingest.feeds import CappedFeed, FeedError, parse_feed_capped

log = logging.getLogger(__name__)

# A worker that parsed a body larger than this is retired afterwards (its heap stays grown).
RETIRE_AFTER_BODY_BYTES: Final = 1024 * 1024
STARTUP_TIMEOUT_S: Final = 60.0  # a new worker says it is ready within this, even on a busy machine
_START_METHOD: Final = "forkserver"
_PRELOAD: Final = ["bot.ingest.feeds"]


class ParseTimeout(FeedError):
    """A parse that outlasted its budget; its worker was stopped."""


@dataclass(frozen=True, slots=True)
class _Job:
    body: bytes
    url: str | None
    content_type: str | None
    max_entries: int


def _serve(connection: Connection) -> None:
    """A worker's loop: parse each job it is sent, answer ("ok", CappedFeed) or ("error", reason)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    try:
        connection.send(("ready", None))  # so that no parse's budget is spent starting up
    except (EOFError, OSError):
        return
    while True:
        try:
            job: _Job = connection.recv()
        except (EOFError, OSError):
            return  # the parent is gone or closed the pipe
        try:
            answer: tuple[str, Any] = (
                "ok",
                parse_feed_capped(
                    job.body, url=job.url, content_type=job.content_type, max_entries=job.max_entries
                ),
            )
        except FeedError as exc:
            answer = ("error", exc.reason)
        except Exception as exc:  # parse_feed_capped raises FeedError only; be safe all the same
            answer = ("error", f"not a feed: could not be parsed ({type(exc).__name__})")
        try:
            connection.send(answer)
        except (EOFError, OSError):
            return


@dataclass(slots=True)
class _Worker:
    process: BaseProcess
    connection: Connection

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
        with contextlib.suppress(Exception):
            self.connection.close()
        with contextlib.suppress(Exception):
            self.process.join(timeout=1)


def _stop_all(workers: list[_Worker]) -> None:
    for worker in workers:
        worker.stop()
    workers.clear()


class FeedParsePool:
    """Parses feed bodies in up to `processes` worker processes, each parse within `timeout_s`."""

    def __init__(self, *, processes: int | None = None, timeout_s: float = 20.0) -> None:
        self.processes = max(1, processes or os.cpu_count() or 1)
        self.timeout_s = timeout_s
        self._idle: list[_Worker] = []
        self._all: list[_Worker] = []
        self._slots = asyncio.Semaphore(self.processes)
        # Workers are daemons and stop with us in any case; this stops them when the pool is dropped.
        self._finalizer = weakref.finalize(self, _stop_all, self._all)

    async def parse(
        self, body: bytes, *, url: str | None, content_type: str | None, max_entries: int
    ) -> CappedFeed:
        """The parsed feed, or FeedError (ParseTimeout when it took longer than the budget)."""
        job = _Job(body, url, content_type, max_entries)
        async with self._slots:
            worker = self._idle.pop() if self._idle else await asyncio.to_thread(self._start)
            try:
                answer = await asyncio.to_thread(self._round_trip, worker, job)
            except asyncio.CancelledError:
                # The round trip's thread sees the worker's end of the pipe close and stops it.
                with contextlib.suppress(Exception):
                    worker.process.kill()
                self._forget(worker)
                raise
            except BaseException:
                self._forget(worker)  # cut off or dead: the round trip stopped it
                raise
            if len(body) > RETIRE_AFTER_BODY_BYTES:
                self._retire(worker)
            else:
                self._idle.append(worker)
        kind, value = answer
        if kind == "ok":
            parsed: CappedFeed = value
            return parsed
        raise FeedError(str(value))

    def _start(self) -> _Worker:
        context = multiprocessing.get_context(_START_METHOD)
        if isinstance(context, multiprocessing.context.ForkServerContext):
            context.set_forkserver_preload(_PRELOAD)
        parent, child = context.Pipe()
        process = context.Process(target=_serve, args=(child,), name="newsbrief-feed-parser", daemon=True)
        process.start()
        child.close()
        worker = _Worker(process, parent)
        try:
            ready = parent.poll(STARTUP_TIMEOUT_S) and parent.recv() == ("ready", None)
        except (EOFError, OSError):
            ready = False
        if not ready:
            worker.stop()
            raise FeedError("the feed parser could not be started: see the bot's log")
        self._all.append(worker)
        return worker

    def _round_trip(self, worker: _Worker, job: _Job) -> tuple[str, Any]:
        """Send the job and wait for the answer (in a thread); on any failure the worker is stopped."""
        try:
            worker.connection.send(job)
            if not worker.connection.poll(self.timeout_s):
                raise ParseTimeout(
                    f"reading the feed took longer than {self.timeout_s:g} s (it is very large, or "
                    "built to be slow to read): stopped; it is tried again after the usual wait"
                )
            answer: tuple[str, Any] = worker.connection.recv()
        except (EOFError, OSError) as exc:
            worker.stop()
            raise FeedError("the feed parser stopped unexpectedly while reading the feed") from exc
        except BaseException:
            worker.stop()
            raise
        return answer

    def _retire(self, worker: _Worker) -> None:
        worker.stop()
        self._forget(worker)

    def _forget(self, worker: _Worker) -> None:
        with contextlib.suppress(ValueError):
            self._all.remove(worker)

    def close(self) -> None:
        self._idle.clear()
        _stop_all(self._all)
