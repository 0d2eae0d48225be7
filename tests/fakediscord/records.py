"""What the fake Discord records and hands to tests: requests, violations, scripted failures,
interactions and their handles."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.discord import limits

from .validate import (
    Problem,
    describe,
)
from .world import (
    JsonDict,
)

if TYPE_CHECKING:
    from .server import FakeDiscord


@dataclass(frozen=True, slots=True)
class Call:
    """A request that passed the checks, with its body already read."""

    request: web.Request
    body: Any  # parsed JSON (or multipart payload_json); None without a body
    files: tuple[str, ...]  # names of uploaded files

    @property
    def params(self) -> Mapping[str, str]:
        return self.request.match_info

    @property
    def query(self) -> Mapping[str, str]:
        return self.request.query


def json_response(data: object, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    # discord.py parses a body as JSON only when Content-Type is exactly application/json (no charset).
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(body=json.dumps(data).encode(), status=status, headers=all_headers)


def error_response(
    status: int, message: str, code: int = 0, headers: Mapping[str, str] | None = None
) -> web.Response:
    return json_response({"message": message, "code": code}, status, headers)


def no_content() -> web.Response:
    return web.Response(status=204)


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request the fake answered. `body` is the JSON body (or multipart payload_json)."""

    method: str
    path: str  # under /api/v10, e.g. /channels/123/messages
    route: str | None  # Discord's path template, e.g. /channels/{channel_id}/messages
    query: dict[str, str]
    body: Any
    files: tuple[str, ...]
    status: int
    authorized: bool
    # time.perf_counter() once answered: bench/commands.py times the bot's replies by it.
    recorded_at: float = field(default_factory=time.perf_counter)
    user_agent: str = ""  # which process sent it, when the bot says so there


@dataclass(frozen=True, slots=True)
class Violation:
    """A request that broke Discord's limits or schema, or hit a route the fake does not know."""

    method: str
    path: str
    route: str | None
    problems: tuple[Problem, ...]
    body: Any

    def __str__(self) -> str:
        return f"{self.method} {self.path}: {describe(self.problems)}"


@dataclass(slots=True)
class ScriptedFailure:
    """Answer the next `times` requests matching method + path (concrete or template) with `status`."""

    method: str
    path: str
    status: int
    times: int = 1
    retry_after: float = 0.0  # for 429: seconds, in the body and (rounded up) in Retry-After
    via: bool = True  # discord.py retries a 429 only when a Via header is present (else it is Cloudflare)
    is_global: bool = False

    def matches(self, method: str, path: str, route: str | None) -> bool:
        return self.times > 0 and self.method == method and self.path in (path, route)

    def response(self) -> web.Response:
        if self.status == 429:
            headers = {"Retry-After": str(max(1, int(self.retry_after + 0.999)))}
            if self.via:
                headers["Via"] = "1.1 google"
            body = {
                "message": "You are being rate limited.",
                "retry_after": self.retry_after,
                "global": self.is_global,
            }
            return json_response(body, 429, headers)
        if self.status == 403:
            return error_response(403, "Missing Permissions", 50013)
        return error_response(self.status, f"{self.status}: fake failure")


@dataclass(slots=True)
class InteractionRecord:
    """One injected interaction and everything the bot did with it."""

    id: str
    token: str
    type: int
    payload: JsonDict
    created_at: float
    channel_id: str | None
    guild_id: str | None
    callback: JsonDict | None = None
    original: JsonDict | None = None  # the response message, kept current through edits
    followups: list[JsonDict] = field(default_factory=list)
    original_deleted: bool = False
    expired: bool = False


class InteractionHandle:
    """What a test holds after injecting an interaction: await the bot's answers through it."""

    def __init__(self, fake: FakeDiscord, record: InteractionRecord) -> None:
        self._fake = fake
        self.record = record

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def token(self) -> str:
        return self.record.token

    @property
    def payload(self) -> JsonDict:
        return self.record.payload

    async def callback(self) -> JsonDict:
        """The interaction response body (type + data) once the bot has sent it."""
        await self._fake.wait_until(lambda: self.record.callback is not None)
        assert self.record.callback is not None
        return self.record.callback

    async def original(self) -> JsonDict:
        """The response message once it is no longer 'thinking' (a direct reply, or an edited deferral)."""

        def settled() -> bool:
            message = self.record.original
            return message is not None and not int(message.get("flags") or 0) & limits.FLAG_LOADING

        await self._fake.wait_until(settled)
        assert self.record.original is not None
        return self.record.original

    async def followup(self, index: int = 0) -> JsonDict:
        """The `index`-th follow-up message (0 = first)."""
        await self._fake.wait_until(lambda: len(self.record.followups) > index)
        return self.record.followups[index]

    def expire(self) -> None:
        """Pretend the 15-minute token lifetime has passed: webhooks now answer 401 Invalid Webhook Token."""
        self.record.expired = True


def _message_fields(body: Mapping[str, Any]) -> JsonDict:
    return {key: body[key] for key in ("content", "embeds", "components", "flags", "tts") if key in body}
