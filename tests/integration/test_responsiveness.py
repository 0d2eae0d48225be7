"""The bot stays responsive during a cold poll: the real discord.py client against the fake Discord,
50 local feeds and one 4.5 MB page polled while members run /search.

What is asserted is what does not depend on the machine's speed: every /search is answered, with
its results, while the poll is still running (one feed is held back until the searches are done,
so the poll cannot finish first); Discord never answered "Unknown interaction" (the fake refuses a
reply later than Discord's 3 s); every heartbeat was acknowledged and none was missed (the fake
gateway, given a 1 s interval, counts a heartbeat missed when none came for two intervals). How
fast /search answers meanwhile is measured in bench/responsiveness.py, not here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web as aioweb

from bot.models import SourceKind, SourceSpec
from bot.service.polling import SourceReport
from tests.botkit import FERRY, Harness, add_feed, answer, bot_in, rss, text_of, two_guild_world
from tests.fakediscord import OpenApiIndex
from tests.feedkit import ARTICLE, big_page
from tests.httpserver import LocalServer, respond

pytest_plugins = ["tests.fakediscord.fixtures"]

FEEDS = 50  # one of them held back until the searches are done
ENTRIES_PER_FEED = 2
HEARTBEAT_INTERVAL_MS = 1000
CALLBACK_ROUTE = "/interactions/{interaction_id}/{interaction_token}/callback"
SAFETY_S = 120  # a net for a hung test, never a timing device


def feed_items(feed: int) -> list[tuple[str, str, str]]:
    """Full-text entries, each its own article (its own numbers and names)."""
    return [
        (
            f"f{feed}-{item}",
            f"Pool report {feed}.{item}",
            ARTICLE.replace("$850,000", f"${feed * 1000 + item},000").replace(
                "Lena Marsh", f"Reporter {feed}x{item}"
            ),
        )
        for item in range(ENTRIES_PER_FEED)
    ]


@pytest.fixture
async def slow_beat(
    tmp_path: Path, web: LocalServer, discord_openapi: OpenApiIndex | None
) -> AsyncIterator[Harness]:
    async with bot_in(
        two_guild_world(),
        tmp_path,
        web,
        discord_openapi,
        heartbeat_interval_ms=HEARTBEAT_INTERVAL_MS,
        # The held feed waits for the searches, and a busy CI machine may take long over the big
        # page: this test is about the loop's turns, not about budgets.
        fetch_timeout_seconds=SAFETY_S,
        work_timeout_seconds=SAFETY_S,
    ) as h:
        yield h


async def test_search_is_answered_and_no_heartbeat_missed_during_a_cold_poll(slow_beat: Harness) -> None:
    h = slow_beat
    await add_feed(h, [("ferry", "Ferry to stop night crossings", FERRY)])  # what /search finds
    session = await h.fake.gateway.wait_identified()
    release = asyncio.Event()

    async def held_feed(request: aioweb.Request) -> aioweb.StreamResponse:
        await release.wait()
        return await respond(rss(feed_items(0)), content_type="application/rss+xml")(request)

    h.web.add("/held.xml", held_feed)
    specs = [SourceSpec(name="Held", location=h.web.url("/held.xml"), kind=SourceKind.FEED)]
    for feed in range(1, FEEDS):
        h.web.add(f"/feed{feed}.xml", respond(rss(feed_items(feed)), content_type="application/rss+xml"))
        specs.append(
            SourceSpec(name=f"Feed {feed}", location=h.web.url(f"/feed{feed}.xml"), kind=SourceKind.FEED)
        )
    reached = asyncio.Event()  # the poll has asked for the big page
    page = respond(big_page())

    async def big(request: aioweb.Request) -> aioweb.StreamResponse:
        reached.set()
        return await page(request)

    h.web.add("/big.html", big)
    specs.append(SourceSpec(name="Big page", location=h.web.url("/big.html"), kind=SourceKind.PAGE))
    await h.engine.sync_sources(specs)

    done: list[SourceReport] = []
    async with asyncio.timeout(SAFETY_S):
        poll = asyncio.create_task(h.engine.poll(force=True, on_source_done=done.append))
        await reached.wait()
        answered: list[str] = []
        # At least a few searches, then on until everything but the held feed is polled.
        while len(answered) < 3 or len(done) < len(specs) - 1:
            handle = await h.fake.inject_slash_command("search", {"query": "ferry"})
            reply = await answer(handle)
            assert not poll.done()
            answered.append(text_of(reply))
        release.set()
        report = await poll

    assert all("Ferry to stop night crossings" in text for text in answered)
    refused = [r for r in h.fake.requests_to("POST", CALLBACK_ROUTE) if r.status >= 400]
    assert refused == []  # no "Unknown interaction": every reply came within Discord's 3 s
    assert session.acks_sent == len(session.heartbeats_at)
    assert h.fake.gateway.missed_heartbeats(session) == []
    by_name = {s.name: s for s in report.sources}
    assert all(s.error is None for s in report.sources), [s.error for s in report.sources if s.error]
    assert by_name["Big page"].new == 1
    assert sum(s.new for s in report.sources) == FEEDS * ENTRIES_PER_FEED + 1
