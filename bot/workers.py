"""CPU-heavy work in worker processes, each job with a time budget.

Parsing a feed, extracting a page, briefing an article and reading an article's story features are
pure-Python or lxml work that takes milliseconds usually and seconds on a huge or crafted input.
On the event loop that stalls the gateway and every command; in a thread it still holds the GIL
for long stretches (lxml and trafilatura do), and a thread cannot be stopped. So this work runs
in a few worker processes: a job that outlasts its budget has its worker killed (a new one starts
for the next job) and fails with one line.

A job is a module-level function and its arguments (both pickled: plain dataclasses, bytes,
strings). Its NewsbriefError comes back as it was raised; any other exception becomes a
`WorkerError` with one line, its traceback logged here. Workers start on first use, from a fork
server that has the job modules imported already, so a new one costs milliseconds. A worker that
ran a job on a big input is retired after it (`retire=True`), so the memory it took goes back to
the system.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import traceback
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing import forkserver
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Final, TypeVar

from bot.errors import NewsbriefError

log = logging.getLogger(__name__)

R = TypeVar("R")

# Workers run at a lower priority than the bot's own process: when the cores are busy, the event
# loop (heartbeats, slash commands) gets the CPU first and the background work waits.
WORKER_NICENESS: Final = 10
STARTUP_TIMEOUT_S: Final = 60.0  # a new worker says it is ready within this, even on a busy machine
_START_METHOD: Final = "forkserver"


class WorkerError(NewsbriefError):
    """A job that could not be done in its worker: it crashed, or its worker could not start."""


class JobTimeout(WorkerError):
    """A job that outlasted its budget; its worker was stopped."""


def start_fork_server(preload: Sequence[str]) -> None:
    """Start the fork server workers are forked from, with `preload` imported, now rather than
    when the first job needs a worker (it takes a second or more: it imports the job modules)."""
    context = multiprocessing.get_context(_START_METHOD)
    if isinstance(context, multiprocessing.context.ForkServerContext):
        context.set_forkserver_preload(list(preload))
        forkserver.ensure_running()


@dataclass(frozen=True, slots=True)
class _Job:
    function: Callable[..., Any]
    args: tuple[Any, ...]


def _serve(connection: Connection) -> None:
    """A worker's loop: run each job it is sent, answer ("ok", result), ("raised", NewsbriefError)
    or ("crashed", traceback text)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)
    try:
        connection.send(("ready", None))  # so that no job's budget is spent starting up
    except (EOFError, OSError):
        return
    while True:
        try:
            job: _Job = connection.recv()
        except (EOFError, OSError):
            return  # the parent is gone or closed the pipe
        try:
            answer: tuple[str, Any] = ("ok", job.function(*job.args))
        except NewsbriefError as exc:
            answer = ("raised", exc)
        except Exception:
            answer = ("crashed", traceback.format_exc())
        try:
            connection.send(answer)
        except (EOFError, OSError):
            return
        except Exception:  # the result could not be pickled: a bug, said as one
            connection.send(("crashed", traceback.format_exc()))


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


class WorkerPool:
    """Runs jobs in up to `processes` worker processes (default: one per core).

    `preload`: the modules the fork server imports once, so that each worker starts with them
    (the fork server is one per process: the first pool to start a worker sets it).
    """

    def __init__(self, *, processes: int | None = None, preload: Sequence[str] = ()) -> None:
        self.processes = max(1, processes or os.cpu_count() or 1)
        self.preload = list(preload)
        self._idle: list[_Worker] = []
        self._all: list[_Worker] = []
        self._slots = asyncio.Semaphore(self.processes)
        # Workers are daemons and stop with us in any case; this stops them when the pool is dropped.
        self._finalizer = weakref.finalize(self, _stop_all, self._all)

    @property
    def worker_pids(self) -> list[int]:
        """The worker processes alive now (for measuring their memory)."""
        return [w.process.pid for w in list(self._all) if w.process.pid is not None]

    async def run(
        self,
        function: Callable[..., R],
        *args: Any,
        budget_s: float,
        what: str,
        retire: bool = False,
    ) -> R:
        """`function(*args)` in a worker, within `budget_s` seconds.

        `what` names the job in its error lines ("reading the feed"). Raises what the function
        raised when it is a NewsbriefError, JobTimeout past the budget, WorkerError otherwise.
        `retire`: stop the worker after the job (it read a big input)."""
        job = _Job(function, args)
        async with self._slots:
            worker = self._idle.pop() if self._idle else await asyncio.to_thread(self._start, what)
            try:
                answer = await asyncio.to_thread(self._round_trip, worker, job, budget_s, what)
            except asyncio.CancelledError:
                # The round trip's thread sees the worker's end of the pipe close and stops it.
                with contextlib.suppress(Exception):
                    worker.process.kill()
                self._forget(worker)
                raise
            except BaseException:
                self._forget(worker)  # cut off or dead: the round trip stopped it
                raise
            if retire:
                worker.stop()
                self._forget(worker)
            else:
                self._idle.append(worker)
        kind, value = answer
        if kind == "ok":
            result: R = value
            return result
        if kind == "raised":
            raise value
        log.error("%s failed in a worker process:\n%s", what, value)
        raise WorkerError(f"{what} failed: an internal error (see the bot's log)")

    def _start(self, what: str) -> _Worker:
        context = multiprocessing.get_context(_START_METHOD)
        if isinstance(context, multiprocessing.context.ForkServerContext) and self.preload:
            context.set_forkserver_preload(self.preload)
        parent, child = context.Pipe()
        process = context.Process(target=_serve, args=(child,), name="newsbrief-worker", daemon=True)
        process.start()
        child.close()
        worker = _Worker(process, parent)
        try:
            ready = parent.poll(STARTUP_TIMEOUT_S) and parent.recv() == ("ready", None)
        except (EOFError, OSError):
            ready = False
        if not ready:
            worker.stop()
            raise WorkerError(f"{what} failed: a worker process could not be started (see the bot's log)")
        self._all.append(worker)
        return worker

    @staticmethod
    def _round_trip(worker: _Worker, job: _Job, budget_s: float, what: str) -> tuple[str, Any]:
        """Send the job and wait for the answer (in a thread); on any failure the worker is stopped."""
        try:
            worker.connection.send(job)
            if not worker.connection.poll(budget_s):
                raise JobTimeout(f"{what} took longer than {budget_s:g} s: stopped")
            answer: tuple[str, Any] = worker.connection.recv()
        except (EOFError, OSError) as exc:
            worker.stop()
            raise WorkerError(f"{what} failed: its worker process stopped unexpectedly") from exc
        except BaseException:
            worker.stop()
            raise
        return answer

    def _forget(self, worker: _Worker) -> None:
        with contextlib.suppress(ValueError):
            self._all.remove(worker)

    def close(self) -> None:
        self._idle.clear()
        _stop_all(self._all)
