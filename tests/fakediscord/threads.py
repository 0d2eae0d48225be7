"""Threads in the fake Discord: started from a message, started in a channel (a forum post when
the channel is a forum), fetched, archived and reopened. A part of `FakeDiscord`.

What it models of Discord: a thread opened on a message has the message's id, and a message has
at most one thread (160004); a thread is a channel its messages are posted to; an archived
thread takes no messages until it is reopened (50083); a locked one cannot be reopened by the
bot (403); a deleted one is 404; a forum channel takes posts, not messages (50024).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .records import Call, error_response, json_response
from .world import CHANNEL_TYPE_PUBLIC_THREAD, FakeChannel, FakeWorld, JsonDict, SnowflakeSource, iso_now

if TYPE_CHECKING:
    from .gateway import Gateway

Endpoint = Callable[[Call], Awaitable[web.StreamResponse]]

THREAD_ALREADY_CREATED = 160004
THREAD_ARCHIVED = 50083
CANNOT_ON_CHANNEL_TYPE = 50024
MISSING_PERMISSIONS = 50013


@dataclass(slots=True)
class FakeThread:
    id: str
    parent_id: str
    guild_id: str
    name: str
    owner_id: str
    auto_archive_duration: int
    archived: bool = False
    locked: bool = False
    deleted: bool = False

    def to_json(self) -> JsonDict:
        return {
            "id": self.id,
            "type": CHANNEL_TYPE_PUBLIC_THREAD,
            "guild_id": self.guild_id,
            "parent_id": self.parent_id,
            "owner_id": self.owner_id,
            "name": self.name,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "message_count": 0,
            "member_count": 1,
            "flags": 0,
            "thread_metadata": {
                "archived": self.archived,
                "auto_archive_duration": self.auto_archive_duration,
                "archive_timestamp": iso_now(),
                "locked": self.locked,
                "create_timestamp": iso_now(),
            },
        }


class ThreadActions:
    """Mixed into FakeDiscord, which provides these."""

    world: FakeWorld
    gateway: Gateway
    messages: dict[str, list[JsonDict]]
    _ids: SnowflakeSource

    def _find_message(self, channel_id: str, message_id: str) -> JsonDict | None:
        raise NotImplementedError

    def _new_message(self, channel_id: str, body: Mapping[str, Any], files: tuple[str, ...]) -> JsonDict:
        raise NotImplementedError

    def _store(self, message: JsonDict) -> None:
        raise NotImplementedError

    threads: dict[str, FakeThread]  # by id, deleted ones too

    # -- what tests look at and do --------------------------------------------------------------

    def threads_in(self, channel_id: str) -> list[FakeThread]:
        """The channel's threads that still exist, oldest first."""
        return [t for t in self.threads.values() if t.parent_id == channel_id and not t.deleted]

    def archive_thread(self, thread_id: str, *, locked: bool = False) -> None:
        """What Discord does to a quiet thread (auto-archive), or a moderator (lock)."""
        thread = self.threads[thread_id]
        thread.archived, thread.locked = True, locked

    def delete_thread(self, thread_id: str) -> None:
        self.threads[thread_id].deleted = True

    # -- what the routes share ------------------------------------------------------------------

    def thread_channel(self, channel_id: str) -> FakeChannel | None:
        """A thread, as a channel messages are posted to (None: no such thread)."""
        thread = self.threads.get(channel_id)
        if thread is None or thread.deleted:
            return None
        parent = self.world.channel(thread.parent_id)
        forbidden = parent is not None and parent.thread_posts_forbidden
        return FakeChannel(thread.id, thread.guild_id, thread.name, bot_forbidden=forbidden)

    def thread_json(self, channel_id: str) -> JsonDict | None:
        thread = self.threads.get(channel_id)
        return thread.to_json() if thread is not None and not thread.deleted else None

    def post_refusal(self, channel_id: str) -> web.Response | None:
        """Why Discord would refuse a message posted to this channel, before anything else."""
        thread = self.threads.get(channel_id)
        if thread is not None and thread.archived:
            return error_response(400, "Thread is archived", THREAD_ARCHIVED)
        channel = self.world.channel(channel_id)
        if channel is not None and channel.forum:
            return error_response(400, "Cannot execute action on this channel type", CANNOT_ON_CHANNEL_TYPE)
        return None

    def _open(self, parent: FakeChannel, thread_id: str, body: Mapping[str, Any]) -> FakeThread:
        thread = FakeThread(
            id=thread_id,
            parent_id=parent.id,
            guild_id=parent.guild_id,
            name=str(body.get("name")),
            owner_id=self.world.bot_user.id,
            auto_archive_duration=int(body.get("auto_archive_duration") or 4320),
        )
        self.threads[thread_id] = thread
        self.messages.setdefault(thread_id, [])
        return thread

    def thread_routes(self) -> list[tuple[str, str, Endpoint]]:
        return [
            ("POST", "/channels/{channel_id}/messages/{message_id}/threads", self._thread_from_message),
            ("POST", "/channels/{channel_id}/threads", self._thread_in_channel),
            ("PATCH", "/channels/{channel_id}", self._patch_channel),
        ]

    # -- routes -----------------------------------------------------------------------------------

    async def _thread_from_message(self, call: Call) -> web.StreamResponse:
        parent = self.world.channel(call.params["channel_id"])
        if parent is None:
            return error_response(404, "Unknown Channel", 10003)
        message = self._find_message(parent.id, call.params["message_id"])
        if message is None:
            return error_response(404, "Unknown Message", 10008)
        if parent.threads_forbidden:
            return error_response(403, "Missing Permissions", MISSING_PERMISSIONS)
        if message["id"] in self.threads:
            return error_response(
                400, "A thread has already been created for this message", THREAD_ALREADY_CREATED
            )
        thread = self._open(parent, message["id"], call.body or {})
        message["thread"] = thread.to_json()
        return json_response(thread.to_json(), 201)

    async def _thread_in_channel(self, call: Call) -> web.StreamResponse:
        parent = self.world.channel(call.params["channel_id"])
        if parent is None:
            return error_response(404, "Unknown Channel", 10003)
        body: Mapping[str, Any] = call.body or {}
        if parent.forum:
            if parent.bot_forbidden:
                return error_response(403, "Missing Permissions", MISSING_PERMISSIONS)
            if not isinstance(body.get("message"), Mapping):
                return error_response(400, "A forum post needs its first message", 50035)
            thread = self._open(parent, self._ids.next(), body)
            first = self._new_message(thread.id, body["message"], call.files)
            first["id"] = thread.id  # a forum post's first message has the post's id
            self._store(first)
            return json_response(thread.to_json() | {"message": first}, 201)
        if parent.threads_forbidden:
            return error_response(403, "Missing Permissions", MISSING_PERMISSIONS)
        if body.get("type", CHANNEL_TYPE_PUBLIC_THREAD) != CHANNEL_TYPE_PUBLIC_THREAD:
            return error_response(400, "Only public threads here", 50035)
        thread = self._open(parent, self._ids.next(), body)
        return json_response(thread.to_json(), 201)

    async def _patch_channel(self, call: Call) -> web.StreamResponse:
        thread = self.threads.get(call.params["channel_id"])
        if thread is None or thread.deleted:
            return error_response(404, "Unknown Channel", 10003)
        body: Mapping[str, Any] = call.body or {}
        if set(body) - {"archived"}:
            return error_response(400, "the fake only reopens threads", 50035)
        if body.get("archived") is False:
            if thread.locked:
                return error_response(403, "Missing Permissions", MISSING_PERMISSIONS)
            thread.archived = False
        elif body.get("archived") is True:
            thread.archived = True
        return json_response(thread.to_json())
