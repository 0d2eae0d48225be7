"""Shared polling (bot.service.workers) in one process on SQLite, with a test clock: each source
once per interval, intervals spread by a phase per source, and a dead holder's sources taken over."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.models import SourceKind, SourceSpec
from bot.service.polling import Engine
from bot.service.workers import SOURCE_LEASE, SharedPolling, interval_number, interval_start_after
from tests.clock import DEFAULT_START, Clock
from tests.feedkit import ARTICLE, as_html, rss
from tests.httpserver import LocalServer, respond
from tests.paths import ROOT

INTERVAL = timedelta(minutes=15)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        ROOT / "config" / "newsbrief.toml",
        data_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'test.db'}",
        allowed_addresses=["127.0.0.1"],
        poll_interval_minutes=15,
        lease_seconds=60,
    )


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[Engine]:
    async with Engine.open(settings, clock=Clock()) as e:
        yield e


async def feeds(engine: Engine, server: LocalServer, count: int) -> list[int]:
    ids = []
    for number in range(count):
        path = f"/feed{number}.xml"
        html = as_html(ARTICLE.replace("Elmsworth", f"Town{number}"), f"Pool {number}")
        server.add(path, respond(rss([(f"g{number}", f"https://t{number}.example/a", "Pool", html)])))
        spec = SourceSpec(name=f"Feed {number}", location=server.url(path), kind=SourceKind.FEED)
        ids.append((await engine.store.upsert_source(spec)).id)
    return ids


def test_each_source_starts_its_intervals_at_its_own_phase() -> None:
    starts = {interval_start_after(source, DEFAULT_START, INTERVAL) for source in range(1, 50)}
    assert len(starts) == 49  # spread out, not all at once
    for source in range(1, 50):
        start = interval_start_after(source, DEFAULT_START, INTERVAL)
        assert DEFAULT_START < start <= DEFAULT_START + INTERVAL
        assert (
            interval_number(source, start, INTERVAL) == interval_number(source, DEFAULT_START, INTERVAL) + 1
        )
        assert interval_start_after(source, start, INTERVAL) == start + INTERVAL


async def test_every_source_is_polled_once_per_interval(engine: Engine, server: LocalServer) -> None:
    clock = engine.clock
    assert isinstance(clock, Clock)
    ids = await feeds(engine, server, 6)
    polling = SharedPolling(engine, holder="worker:test", clock=clock)
    await polling.sync()
    assert await polling.poll_due() == 6
    assert await polling.poll_due() == 0  # nothing is due again within the interval
    for _ in range(3):
        clock.now += INTERVAL
        assert await polling.poll_due() == 6
    states = await engine.store.lease_states(SOURCE_LEASE)
    assert sorted(state.key for state in states) == ids
    assert all(state.runs == 4 and state.holder is None for state in states)
    assert len(server.requests) == 6 * 4


async def test_sources_a_dead_process_held_are_polled_once_its_leases_expire(
    engine: Engine, server: LocalServer
) -> None:
    clock = engine.clock
    assert isinstance(clock, Clock)
    await feeds(engine, server, 3)
    dead = SharedPolling(engine, holder="worker:killed", clock=clock)
    await dead.sync()
    # The killed process had claimed them all, and never finished (nor renewed) a poll.
    claimed = await engine.store.claim_due(
        SOURCE_LEASE, dead.holder, now=clock(), ttl=dead.lease_time, limit=10
    )
    assert len(claimed) == 3
    live = SharedPolling(engine, holder="worker:live", clock=clock)
    assert await live.poll_due() == 0
    clock.now += dead.lease_time
    assert await live.poll_due() == 3
