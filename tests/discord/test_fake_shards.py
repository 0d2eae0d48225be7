"""The fake Discord serves shards as Discord does: a session identified with [shard_id, shard_count]
gets READY and GUILD_CREATE for the guilds of its shard only, (guild_id >> 22) % shard_count, and
their events; GET /gateway/bot recommends the fake's shard count."""

from __future__ import annotations

import dataclasses

import discord
from discord.ext import commands

from tests.fakediscord import FakeDiscord, default_world, running_client
from tests.fakediscord.world import FakeChannel, FakeGuild, FakeMember, FakeWorld


def guild_id(number: int) -> int:
    return ((1_000 + number) << 22) | 7  # on shard number % 2 of 2


def world_of_four() -> FakeWorld:
    world = default_world()
    base = world.guilds[0]
    guilds = tuple(
        FakeGuild(
            id=str(guild_id(number)),
            name=f"Guild {number}",
            owner_id=world.owner.id,
            roles=(dataclasses.replace(base.roles[0], id=str(guild_id(number))),),
            channels=(FakeChannel(str(guild_id(number) + 100), str(guild_id(number)), "briefs"),),
            members=(FakeMember(world.bot_user),),
        )
        for number in range(4)
    )
    return dataclasses.replace(world, guilds=guilds)


async def test_a_shard_sees_the_guilds_of_its_shard_only() -> None:
    async with FakeDiscord(world_of_four(), shard_count=2) as fake:
        bot = commands.AutoShardedBot(
            command_prefix="!",
            intents=discord.Intents.default(),
            shard_ids=[1],
            shard_count=2,
            guild_ready_timeout=0.1,
        )
        async with running_client(bot, fake):
            assert sorted(guild.id for guild in bot.guilds) == [guild_id(1), guild_id(3)]
            assert fake.gateway.identified_shards == [[1, 2]]
            # An event of a shard-0 guild goes to no session; one of a shard-1 guild to this one.
            assert await fake.gateway.dispatch("UNKNOWN_TEST_EVENT", {"guild_id": str(guild_id(0))}) == 0
            assert await fake.gateway.dispatch("UNKNOWN_TEST_EVENT", {"guild_id": str(guild_id(3))}) == 1
