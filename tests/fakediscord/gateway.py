"""The fake gateway: a websocket that speaks enough of Discord's gateway v10 for discord.py.

Frames go out as text (JSON), so the client needs no zlib even though it asks for zlib-stream.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from .world import FakeWorld, JsonDict

log = logging.getLogger(__name__)

OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_RESUME = 6
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

CLOSE_AUTHENTICATION_FAILED = 4004
# Long enough that no heartbeat is due during a test; discord.py still sends one right after HELLO.
# (Discord's own value; a test that watches heartbeats gives the fake a short one.)
HEARTBEAT_INTERVAL_MS = 41_250
# A heartbeat is missed when none arrives within this many intervals of the one before (or of
# HELLO): the client's loop was held up for a whole interval.
MISSED_AFTER_INTERVALS = 2.0


@dataclass(frozen=True, slots=True)
class GatewayFrame:
    """A frame the client sent (op and payload), kept for assertions."""

    session_id: str | None
    op: int
    data: Any


@dataclass(slots=True)
class GatewaySession:
    websocket: web.WebSocketResponse
    session_id: str
    sequence: int = 0
    identified: bool = False
    intents: int | None = None
    shard: list[int] | None = None
    hello_at: float = field(default_factory=time.monotonic)
    heartbeats_at: list[float] = field(default_factory=list)  # when each heartbeat arrived
    acks_sent: int = 0

    def heartbeat_gaps(self, until: float | None = None) -> list[float]:
        """Seconds between HELLO, each heartbeat, and `until` (default: now)."""
        times = [self.hello_at, *self.heartbeats_at, time.monotonic() if until is None else until]
        return [later - earlier for earlier, later in itertools.pairwise(times)]

    def next_sequence(self) -> int:
        self.sequence += 1
        return self.sequence

    def serves(self, guild_id: str | int | None) -> bool:
        """Whether this session gets the guild's events: every guild without sharding, else the
        guilds of its shard, (guild_id >> 22) % shard_count as Discord routes them."""
        if guild_id is None or not self.shard:
            return True
        shard_id, shard_count = self.shard
        return (int(guild_id) >> 22) % shard_count == shard_id


@dataclass(slots=True)
class Gateway:
    world: FakeWorld
    heartbeat_interval_ms: int = HEARTBEAT_INTERVAL_MS
    resume_url: str = ""  # the fake's ws URL, filled once the server has a port
    frames: list[GatewayFrame] = field(default_factory=list)
    sessions: list[GatewaySession] = field(default_factory=list)
    known_sessions: dict[str, GatewaySession] = field(default_factory=dict)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    identified_shards: list[list[int] | None] = field(default_factory=list)  # IDENTIFY's shard, each time

    @property
    def live_sessions(self) -> list[GatewaySession]:
        return [session for session in self.sessions if session.identified and not session.websocket.closed]

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        websocket = web.WebSocketResponse(autoping=True)
        await websocket.prepare(request)
        session = GatewaySession(websocket=websocket, session_id=uuid.uuid4().hex)
        self.sessions.append(session)
        hello = {"op": OP_HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}}
        await self._send(session, hello)
        session.hello_at = time.monotonic()
        try:
            async for message in websocket:
                if message.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(message.data)
                await self._on_frame(session, frame)
        finally:
            async with self.changed:
                self.changed.notify_all()
        return websocket

    async def _on_frame(self, session: GatewaySession, frame: JsonDict) -> None:
        op, data = frame.get("op"), frame.get("d")
        self.frames.append(
            GatewayFrame(session.session_id if session.identified else None, int(op or 0), data)
        )
        if op == OP_HEARTBEAT:
            session.heartbeats_at.append(time.monotonic())
            await self._send(session, {"op": OP_HEARTBEAT_ACK, "d": None})
            session.acks_sent += 1
        elif op == OP_IDENTIFY:
            await self._identify(session, data)
        elif op == OP_RESUME:
            await self._resume(session, data)
        else:
            log.debug("fake gateway ignores op %s", op)
        async with self.changed:
            self.changed.notify_all()

    async def _identify(self, session: GatewaySession, data: Any) -> None:
        if not isinstance(data, dict) or data.get("token") != self.world.bot_token:
            await session.websocket.close(code=CLOSE_AUTHENTICATION_FAILED, message=b"Authentication failed.")
            return
        session.identified = True
        session.intents = data.get("intents")
        session.shard = data.get("shard")
        self.identified_shards.append(session.shard)
        self.known_sessions[session.session_id] = session
        ready: JsonDict = {
            "v": 10,
            "user": self.world.bot_user.to_json(),
            "guilds": [
                {"id": guild.id, "unavailable": True}
                for guild in self.world.guilds
                if session.serves(guild.id)
            ],
            "session_id": session.session_id,
            "resume_gateway_url": self.resume_url,
            "application": {"id": self.world.application.id, "flags": self.world.application.flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "session_type": "normal",
            "geo_ordered_rtc_regions": [],
        }
        if session.shard is not None:
            ready["shard"] = session.shard
        await self._dispatch_to(session, "READY", ready)
        for guild in self.world.guilds:
            if session.serves(guild.id):
                await self._dispatch_to(session, "GUILD_CREATE", guild.to_json())

    async def _resume(self, session: GatewaySession, data: Any) -> None:
        if not isinstance(data, dict):
            data = {}
        previous = self.known_sessions.get(str(data.get("session_id")))
        if previous is None or data.get("token") != self.world.bot_token:
            await self._send(session, {"op": OP_INVALID_SESSION, "d": False})
            return
        # The resumed connection carries on the old session's id and sequence; nothing was missed.
        session.session_id = previous.session_id
        session.sequence = previous.sequence
        session.identified = True
        session.intents = previous.intents
        session.shard = previous.shard
        self.known_sessions[session.session_id] = session
        await self._dispatch_to(session, "RESUMED", {})

    async def _send(self, session: GatewaySession, payload: JsonDict) -> None:
        if not session.websocket.closed:
            await session.websocket.send_str(json.dumps(payload))

    async def _dispatch_to(self, session: GatewaySession, event: str, data: JsonDict) -> None:
        await self._send(session, {"op": OP_DISPATCH, "t": event, "s": session.next_sequence(), "d": data})

    async def dispatch(self, event: str, data: JsonDict) -> int:
        """Sends a dispatch event to every identified session that serves its guild (the guild's
        shard, when sharded); returns how many got it."""
        sessions = [session for session in self.live_sessions if session.serves(data.get("guild_id"))]
        for session in sessions:
            await self._dispatch_to(session, event, data)
        return len(sessions)

    def missed_heartbeats(self, session: GatewaySession, *, until: float | None = None) -> list[float]:
        """The gaps (seconds) in which `session` missed a heartbeat: longer than
        MISSED_AFTER_INTERVALS intervals with none, from HELLO to `until` (default: now)."""
        limit = MISSED_AFTER_INTERVALS * self.heartbeat_interval_ms / 1000
        return [gap for gap in session.heartbeat_gaps(until) if gap > limit]

    async def wait_identified(self) -> GatewaySession:
        """The first identified session; wrap in asyncio.timeout() as a safety net."""
        async with self.changed:
            await self.changed.wait_for(lambda: bool(self.live_sessions))
        return self.live_sessions[0]

    async def revoke_token(self) -> int:
        """Close every identified session with 4004, as Discord does when the bot's token is reset
        while it runs; returns how many were closed."""
        sessions = self.live_sessions
        for session in sessions:
            await session.websocket.close(code=CLOSE_AUTHENTICATION_FAILED, message=b"Authentication failed.")
        return len(sessions)

    async def close_all(self) -> None:
        for session in self.sessions:
            if not session.websocket.closed:
                await session.websocket.close()
