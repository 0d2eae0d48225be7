"""`newsbrief run` as a user starts it: a real process, against the fake Discord, stopped by a signal."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.fakediscord import FakeDiscord, OpenApiIndex

pytest_plugins = ["tests.fakediscord.fixtures"]

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_run_connects_and_stops_cleanly_on_a_signal(
    tmp_path: Path, discord_openapi: OpenApiIndex | None, stop_signal: signal.Signals
) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text("")
    # Starting Python and importing discord.py takes a few seconds on a busy machine.
    async with FakeDiscord(openapi=discord_openapi, safety_timeout=60) as fake:
        env = {
            **os.environ,
            "DISCORD_TOKEN": fake.world.bot_token,
            "NEWSBRIEF_DISCORD_API_BASE": fake.api_base,
            "NEWSBRIEF_DISCORD_GATEWAY_URL": fake.gateway_url,
            "NEWSBRIEF_DATA_DIR": str(tmp_path),
            "NEWSBRIEF_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
            "NEWSBRIEF_SOURCES_FILE": str(sources),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            # Ready: the bot has identified on the gateway and registered its commands.
            await fake.wait_for_request("PUT", "/applications/{application_id}/commands")
            process.send_signal(stop_signal)
            code = await asyncio.wait_for(process.wait(), timeout=30)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        _, stderr = await process.communicate()
        assert code == 0, stderr.decode()
        assert b"Traceback" not in stderr, stderr.decode()
        assert not fake.take_violations()
