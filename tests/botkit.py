"""The bot under test: the real discord.py client against the fake Discord, local feeds, and the
helpers the end-to-end tests share."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings, load_settings
from bot.discord.client import NewsbriefBot
from bot.discord.limits import FLAG_EPHEMERAL
from bot.service.polling import Engine
from tests.clock import Clock
from tests.fakediscord import DEFAULT_IDS, FakeDiscord, OpenApiIndex, running_client
from tests.fakediscord.gateway import HEARTBEAT_INTERVAL_MS
from tests.fakediscord.records import InteractionHandle
from tests.fakediscord.world import FakeChannel, FakeGuild, FakeMember, FakeUser, FakeWorld, default_world
from tests.httpserver import LocalServer, respond
from tests.paths import ROOT

# The bot tests' mornings: a digest at 08:00 is an hour away.
BOT_START = datetime(2026, 11, 29, 7, 0, tzinfo=UTC)
IDS = DEFAULT_IDS


OTHER_GUILD = "1200000000000000001"


OTHER_CHANNEL = "1200000000000000010"


OTHER_MOD = "1200000000000000201"


SPORTS_CHANNEL = "1100000000000000012"


FERRY = """The Harlow Bay ferry will stop its night crossings in January after the operator lost two of its four captains, the transport board said on Tuesday.

The board voted 5-2 to cut the 9 p.m. and 11 p.m. sailings for at least three months, a change that affects about 1,200 passengers a week.

"We cannot run a ferry without people qualified to steer it," said Marta Okafor, who chairs the board.

The board also approved a $2.4 million grant to train six new captains, a program that Okafor said would take at least 18 months."""


PRANK = """A prankster's post reading @everyone **URGENT** <@123456789> spread across the town's forum on Monday, the council said.

The council said the message was fake and that no emergency had been declared in Harlow Bay or elsewhere in the county.

"Please check the council's own site before you share anything," said spokeswoman Lena Marsh, who asked residents to report such posts."""


LIBRARY = """Harlow Bay's main library will open on Sundays for the first time in a decade, starting next month, after the council agreed to fund two extra staff positions.

"People told us again and again that Sunday is the only day they have free," library director Tomas Whitfield said.

The council approved the $180,000 request unanimously on Monday night, and the library will review attendance after six months."""


def rss(items: list[tuple[str, str, str]], title: str = "Harlow Bay Local") -> str:
    entries = "".join(
        f"<item><guid isPermaLink='false'>{guid}</guid><link>https://harlow.example/{guid}</link><title>{headline}</title>"
        f"<pubDate>Mon, 23 Nov 2026 10:00:00 GMT</pubDate>"
        f"<description>{headline}</description>"
        f"<content:encoded><![CDATA[{''.join(f'<p>{p}</p>' for p in text.split(chr(10) * 2))}]]></content:encoded></item>"
        for guid, headline, text in items
    )
    return f"<?xml version='1.0'?><rss version='2.0' xmlns:content='http://purl.org/rss/1.0/modules/content/'><channel><title>{title}</title><link>https://harlow.example/</link><description>d</description>{entries}</channel></rss>"


@dataclass
class Harness:
    fake: FakeDiscord
    bot: NewsbriefBot
    engine: Engine
    clock: Clock
    web: LocalServer
    settings: Settings

    async def command(
        self,
        name: str,
        options: Mapping[str, object] | None = None,
        *,
        user: str = IDS.moderator,
        guild: str = IDS.guild,
        channel: str = IDS.briefs_channel,
    ) -> dict[str, Any]:
        handle = await self.fake.inject_slash_command(
            name, options or {}, guild_id=guild, channel_id=channel, user_id=user
        )
        return await answer(handle)

    def channel(self, channel_id: str = IDS.briefs_channel) -> list[dict[str, Any]]:
        return self.fake.channel_messages(channel_id)


async def answer(handle: InteractionHandle) -> dict[str, Any]:
    """The message the user sees: the direct reply, or the follow-up that ends a deferral."""
    callback = await handle.callback()
    if callback["type"] in (4, 8):  # a message, or autocomplete choices
        return dict(callback["data"])
    assert callback["type"] == 5, callback
    return await handle.followup(0)


def text_of(message: dict[str, Any]) -> str:
    """Everything a reader sees in a message: content and every embed's text."""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f.get('name')} {f.get('value')}" for f in embed.get("fields") or []]
        parts.append((embed.get("footer") or {}).get("text") or "")
        parts.append((embed.get("author") or {}).get("name") or "")
    return "\n".join(parts)


def is_ephemeral(message: dict[str, Any]) -> bool:
    return bool(int(message.get("flags") or 0) & FLAG_EPHEMERAL)


def two_guild_world() -> FakeWorld:
    world = default_world()
    base = world.guilds[0]
    mod = FakeUser(OTHER_MOD, "other-moderator")
    other = FakeGuild(
        id=OTHER_GUILD,
        name="Elsewhere",
        owner_id=mod.id,
        roles=(dataclasses.replace(base.roles[0], id=OTHER_GUILD),),
        channels=(FakeChannel(OTHER_CHANNEL, OTHER_GUILD, "news"),),
        members=(
            FakeMember(world.bot_user),
            FakeMember(mod, permissions=base.member(IDS.moderator).permissions),
        ),
    )
    sports = FakeChannel(SPORTS_CHANNEL, IDS.guild, "sports", position=3)
    base = dataclasses.replace(base, channels=(*base.channels, sports))
    return dataclasses.replace(world, guilds=(base, other))


@pytest.fixture
async def web() -> AsyncIterator[LocalServer]:
    async with LocalServer() as server:
        yield server


def bot_settings(tmp_path: Path, **overrides: Any) -> Settings:
    sources = tmp_path / "sources.toml"
    sources.write_text("")
    return load_settings(
        ROOT / "config" / "newsbrief.toml",
        data_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        sources_file=sources,
        allowed_addresses=["127.0.0.1"],
        **{"fetch_timeout_seconds": 2, **overrides},
    )


@contextlib.asynccontextmanager
async def bot_in(
    world: FakeWorld,
    tmp_path: Path,
    web: LocalServer,
    openapi: OpenApiIndex | None,
    *,
    heartbeat_interval_ms: int = HEARTBEAT_INTERVAL_MS,
    **settings_overrides: Any,
) -> AsyncIterator[Harness]:
    """The real bot connected to a fake Discord serving `world`; no request Discord would refuse."""
    async with FakeDiscord(world, openapi=openapi, heartbeat_interval_ms=heartbeat_interval_ms) as fake:
        settings = bot_settings(tmp_path, **settings_overrides)
        clock = Clock(BOT_START)
        async with Engine.open(settings, clock=clock) as engine:
            bot = NewsbriefBot(settings, engine, clock=clock, start_scheduler=False, guild_ready_timeout=0.1)
            async with running_client(bot, fake):
                yield Harness(fake, bot, engine, clock, web, settings)
        violations = fake.take_violations()
    assert not violations, "requests Discord would refuse:\n" + "\n".join(str(v) for v in violations)


@pytest.fixture
async def harness(
    tmp_path: Path, web: LocalServer, discord_openapi: OpenApiIndex | None
) -> AsyncIterator[Harness]:
    async with bot_in(two_guild_world(), tmp_path, web, discord_openapi) as h:
        yield h


async def add_feed(
    h: Harness,
    items: list[tuple[str, str, str]],
    *,
    path: str = "/feed.xml",
    guild: str = IDS.guild,
    user: str = IDS.moderator,
) -> dict[str, Any]:
    h.web.add(path, respond(rss(items), content_type="application/rss+xml"))
    channel = IDS.briefs_channel if guild == IDS.guild else OTHER_CHANNEL
    # Backfill `all`: these tests post a feed's articles as if they were new (see test_backfill).
    options = {"url": h.web.url(path), "backfill": "all"}
    reply = await h.command("source add", options, user=user, guild=guild, channel=channel)
    await h.engine.poll()
    return reply


async def republish(h: Harness, items: list[tuple[str, str, str]], *, path: str = "/feed.xml") -> None:
    """The feed at `path` now says this (an edit, or new items), and the bot polls it."""
    h.web.add(path, respond(rss(items), content_type="application/rss+xml"))
    await h.engine.poll()
