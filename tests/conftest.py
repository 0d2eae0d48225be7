from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

# Fixtures shared by several test modules, found by name: the store's (tests/storekit.py) and the
# bot's against the fake Discord (tests/botkit.py).
from bot.service.work import PRELOAD
from bot.workers import start_fork_server
from tests.botkit import harness, web  # noqa: F401
from tests.httpserver import LocalServer
from tests.paths import ROOT, SHARED
from tests.storekit import store, target  # noqa: F401


@pytest.fixture(scope="session", autouse=True)
def worker_fork_server() -> None:
    """The fork server the engine's workers start from, started once before the tests: it imports
    the job modules, which takes seconds on a busy machine, and no test's wait should include it."""
    start_fork_server(PRELOAD)


@pytest.fixture(autouse=True)
def one_worker_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test default: the engine's CPU work runs in one real worker process (bot.workers), so
    every test goes through the pool the bot uses, while a 2-core CI machine starts one process
    per engine rather than one per core. A test that needs more sets worker_processes itself."""
    monkeypatch.setenv("NEWSBRIEF_WORKER_PROCESSES", "1")


@pytest.fixture
def seeds_dir() -> Path:
    return ROOT / "seeds"


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the project: this test needs the shared evaluation data")
    return SHARED


@pytest.fixture
async def server() -> AsyncIterator[LocalServer]:
    """A local HTTP server on 127.0.0.1 whose routes a test sets."""
    async with LocalServer() as s:
        yield s
