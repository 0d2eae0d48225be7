"""Jobs for the worker-pool tests, in a module of their own: a worker imports it to run them, and
it imports little (no pytest)."""

from __future__ import annotations

import os
import threading

from bot.ingest.sources import SourceError


def never_returns() -> None:
    """A job that waits for an event nobody sets: only its budget ends it."""
    threading.Event().wait()


def worker_pid() -> int:
    return os.getpid()


def refuses(reason: str) -> None:
    raise SourceError(reason, retryable=False)


def breaks() -> None:
    raise ValueError("a bug")


def niceness() -> int:
    return os.nice(0)


def hangs(*args: object) -> None:
    """Like never_returns, for any arguments: stands in for a job that never finishes."""
    threading.Event().wait()
