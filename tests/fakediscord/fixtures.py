"""pytest fixtures for the fake Discord. Use them with `pytest_plugins = ["tests.fakediscord.fixtures"]`
in the root conftest, or import them into a test module."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from .server import FakeDiscord
from .validate import OpenApiIndex

OPENAPI_PATH = Path(__file__).resolve().parents[2].parent / "shared" / "discord-api-spec" / "openapi.json"


@pytest.fixture(scope="session")
def discord_openapi() -> OpenApiIndex | None:
    """Discord's OpenAPI description, loaded once per session; None when ../shared is absent."""
    return OpenApiIndex.load(OPENAPI_PATH) if OPENAPI_PATH.is_file() else None


@pytest.fixture
async def fake_discord(discord_openapi: OpenApiIndex | None) -> AsyncIterator[FakeDiscord]:
    """A running fake Discord; the test fails at teardown if the bot sent anything Discord would refuse."""
    async with FakeDiscord(openapi=discord_openapi) as fake:
        yield fake
    violations = fake.take_violations()
    assert not violations, "requests Discord would refuse:\n" + "\n".join(str(v) for v in violations)
