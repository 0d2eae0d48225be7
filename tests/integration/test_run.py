"""`newsbrief run` as a user starts it: a real process, against the fake Discord, stopped by a signal."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import pytest

from tests.fakediscord import FakeDiscord, OpenApiIndex
from tests.paths import ROOT

pytest_plugins = ["tests.fakediscord.fixtures"]


def _run_env(tmp_path: Path, *, token: str, api_base: str, gateway_url: str) -> dict[str, str]:
    sources = tmp_path / "sources.toml"
    sources.write_text("")
    return {
        **os.environ,
        "DISCORD_TOKEN": token,
        "NEWSBRIEF_DISCORD_API_BASE": api_base,
        "NEWSBRIEF_DISCORD_GATEWAY_URL": gateway_url,
        "NEWSBRIEF_DATA_DIR": str(tmp_path),
        "NEWSBRIEF_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        "NEWSBRIEF_SOURCES_FILE": str(sources),
    }


async def _start(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _outcome(process: asyncio.subprocess.Process) -> tuple[int, list[str]]:
    """The exit code and the lines on stderr, once the process has ended (killed after 30 s)."""
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, stderr.decode().splitlines()


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_run_connects_and_stops_cleanly_on_a_signal(
    tmp_path: Path, discord_openapi: OpenApiIndex | None, stop_signal: signal.Signals
) -> None:
    # Starting Python and importing discord.py takes a few seconds on a busy machine.
    async with FakeDiscord(openapi=discord_openapi, safety_timeout=60) as fake:
        env = _run_env(
            tmp_path, token=fake.world.bot_token, api_base=fake.api_base, gateway_url=fake.gateway_url
        )
        process = await _start(env)
        try:
            # Ready: the bot has identified on the gateway and registered its commands.
            await fake.wait_for_request("PUT", "/applications/{application_id}/commands")
            process.send_signal(stop_signal)
        finally:
            code, stderr = await _outcome(process)
        assert code == 0, stderr
        assert not any("Traceback" in line for line in stderr), stderr
        assert not fake.take_violations()


async def test_a_token_revoked_mid_run_ends_the_run_in_one_line(
    tmp_path: Path, discord_openapi: OpenApiIndex | None
) -> None:
    async with FakeDiscord(openapi=discord_openapi, safety_timeout=60) as fake:
        env = _run_env(
            tmp_path, token=fake.world.bot_token, api_base=fake.api_base, gateway_url=fake.gateway_url
        )
        process = await _start(env)
        try:
            # Running: the bot has identified on the gateway (after registering its commands).
            async with asyncio.timeout(30):
                await fake.gateway.wait_identified()
            # Discord closes the gateway with 4004 when the bot's token is reset while it runs.
            assert await fake.gateway.revoke_token() == 1
        finally:
            code, stderr = await _outcome(process)
    assert code == 1
    assert stderr == [
        "newsbrief: Discord closed the connection: the token in DISCORD_TOKEN is no longer valid "
        "(was it reset?); put the bot's new token in DISCORD_TOKEN and start again"
    ]


async def test_a_token_discord_refuses_at_start_is_one_line(
    tmp_path: Path, discord_openapi: OpenApiIndex | None
) -> None:
    async with FakeDiscord(openapi=discord_openapi, safety_timeout=60) as fake:
        env = _run_env(tmp_path, token="not-the-token", api_base=fake.api_base, gateway_url=fake.gateway_url)
        code, stderr = await _outcome(await _start(env))
    assert code == 1
    assert len(stderr) == 1 and stderr[0].startswith(
        "newsbrief: Discord refused the token in DISCORD_TOKEN; "
    )


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # nothing listens there once the probe is closed


async def test_discord_out_of_reach_is_one_line(tmp_path: Path) -> None:
    port = _closed_port()
    env = _run_env(
        tmp_path,
        token="a-token",
        api_base=f"http://127.0.0.1:{port}/api/v10",
        gateway_url=f"ws://127.0.0.1:{port}/gateway",
    )
    code, stderr = await _outcome(await _start(env))
    assert code == 1
    assert stderr == [
        f"newsbrief: cannot reach Discord at http://127.0.0.1:{port}/api/v10 (connection refused); "
        "check the network connection (or NEWSBRIEF_DISCORD_API_BASE)"
    ]
