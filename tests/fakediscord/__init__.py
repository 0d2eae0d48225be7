"""A fake Discord (REST API v10 + gateway) on 127.0.0.1 for end-to-end tests with the real discord.py."""

from .client import point_discord_at, running_client
from .records import InteractionHandle, RecordedRequest, ScriptedFailure, Violation
from .server import FakeDiscord
from .validate import OpenApiIndex, Problem
from .world import DEFAULT_IDS, FakeWorld, default_world

__all__ = [
    "DEFAULT_IDS",
    "FakeDiscord",
    "FakeWorld",
    "InteractionHandle",
    "OpenApiIndex",
    "Problem",
    "RecordedRequest",
    "ScriptedFailure",
    "Violation",
    "default_world",
    "point_discord_at",
    "running_client",
]
