"""Digests in an announcement channel are published (crossposted) when the guild turns it on."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.botkit import (
    FERRY,
    IDS,
    Harness,
    add_feed,
    bot_in,
    two_guild_world,
)
from tests.fakediscord import OpenApiIndex
from tests.fakediscord.world import FakeChannel
from tests.httpserver import LocalServer

pytest_plugins = ["tests.fakediscord.fixtures"]

ANNOUNCEMENTS = "1100000000000000014"
CROSSPOST = "/channels/{channel_id}/messages/{message_id}/crosspost"


@pytest.fixture
async def news_harness(tmp_path: Path, discord_openapi: OpenApiIndex | None) -> AsyncIterator[Harness]:
    world = two_guild_world()
    base = world.guilds[0]
    news = FakeChannel(ANNOUNCEMENTS, IDS.guild, "announcements", position=4, announcement=True)
    world = dataclasses.replace(
        world, guilds=(dataclasses.replace(base, channels=(*base.channels, news)), *world.guilds[1:])
    )
    async with LocalServer() as web, bot_in(world, tmp_path, web, discord_openapi) as h:
        yield h


async def digest_in(h: Harness, channel: str) -> list[str]:
    """Set a digest in `channel`, add a feed, run the digest; the ids of the messages posted."""
    await h.command("digest set", {"channel": channel, "schedule": "daily 08:00"})
    await add_feed(h, [("ferry", "Night ferry to stop", FERRY)])
    h.clock.now += timedelta(hours=2)
    await h.bot.deliver_digests()
    return [m["id"] for m in h.channel(channel)]


async def test_digests_are_not_published_unless_the_server_turns_it_on(news_harness: Harness) -> None:
    h = news_harness
    assert await digest_in(h, ANNOUNCEMENTS)
    assert h.fake.requests_to("POST", CROSSPOST) == []


async def test_a_digest_in_an_announcement_channel_is_published_once(news_harness: Harness) -> None:
    h = news_harness
    reply = await h.command("digest publish", {"enabled": True})
    assert "now published" in reply["content"]
    posted = await digest_in(h, ANNOUNCEMENTS)
    assert posted
    published = h.fake.requests_to("POST", CROSSPOST)
    assert sorted(r.path.split("/")[-2] for r in published) == sorted(posted)
    assert all(r.status == 200 for r in published)
    assert all(int(m.get("flags") or 0) & 1 for m in h.channel(ANNOUNCEMENTS))
    await h.bot.deliver_digests()  # nothing new: nothing published again
    assert len(h.fake.requests_to("POST", CROSSPOST)) == len(published)


async def test_a_digest_in_an_ordinary_channel_is_not_published(news_harness: Harness) -> None:
    h = news_harness
    await h.command("digest publish", {"enabled": True})
    assert await digest_in(h, IDS.briefs_channel)
    assert h.fake.requests_to("POST", CROSSPOST) == []
