"""Pointing the real discord.py at the fake, and running a client against it.

discord.py 2.7 has two hard-wired addresses:
- REST: ``discord.http.Route.BASE`` ('https://discord.com/api/v10'); every Route, including the
  interaction callback and webhook routes, builds its URL from it when the Route is created.
- Gateway: ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` (yarl.URL 'wss://gateway.discord.gg/').
  A plain Client/Bot connects there directly, without asking GET /gateway/bot (only
  AutoShardedClient asks); after READY it reconnects/resumes at READY's ``resume_gateway_url``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

import discord
import discord.gateway
import discord.http
import yarl

from .server import FakeDiscord


@contextlib.contextmanager
def point_discord_at(api_base: str, gateway_url: str) -> Iterator[None]:
    """Within the block, discord.py talks to `api_base` (http://HOST:PORT/api/v10) and `gateway_url`."""
    route_class = discord.http.Route
    websocket_class = discord.gateway.DiscordWebSocket
    previous_base, previous_gateway = route_class.BASE, websocket_class.DEFAULT_GATEWAY
    route_class.BASE = api_base.rstrip("/")
    websocket_class.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    try:
        yield
    finally:
        route_class.BASE = previous_base
        websocket_class.DEFAULT_GATEWAY = previous_gateway


@contextlib.asynccontextmanager
async def running_client(client: discord.Client, fake: FakeDiscord) -> AsyncIterator[discord.Client]:
    """Logs `client` in to the fake, connects it, waits for READY (guilds included), and closes it after.

    Waits at most the fake's `safety_timeout` for each step.
    """
    timeout = fake.safety_timeout
    with point_discord_at(fake.api_base, fake.gateway_url):
        await client.login(fake.world.bot_token)
        connection = asyncio.create_task(client.connect(reconnect=False), name="fake-discord-client")
        ready = asyncio.create_task(client.wait_until_ready())
        try:
            done, _ = await asyncio.wait(
                {connection, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if connection in done:
                connection.result()  # raises what stopped the client
                raise RuntimeError("the client disconnected before it was ready")
            if ready not in done:
                raise TimeoutError(f"the client was not ready within {timeout} s")
            yield client
        finally:
            ready.cancel()
            await client.close()
            await asyncio.wait_for(connection, timeout)
