"""The one test clock: a time a test sets and moves by hand (`clock.now += timedelta(hours=1)`)."""

from __future__ import annotations

from datetime import UTC, datetime

# Any fixed moment works; tests that care set their own.
DEFAULT_START = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = DEFAULT_START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now
