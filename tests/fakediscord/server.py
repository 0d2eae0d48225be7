"""A fake Discord REST API v10 (aiohttp, 127.0.0.1, random port) plus the fake gateway.

It records every request, checks each body against Discord's documented limits and (when given)
Discord's OpenAPI description, answers a broken request with 400 like Discord and keeps it as a
violation, and can be told to fail (403 channels, 429 with Retry-After, 5xx once).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web
from yarl import URL

from bot.discord import limits

from .gateway import HEARTBEAT_INTERVAL_MS, Gateway
from .members import MemberActions
from .records import (
    Call,
    InteractionRecord,
    RecordedRequest,
    ScriptedFailure,
    Violation,
    _message_fields,
    error_response,
    json_response,
    no_content,
)
from .threads import FakeThread, ThreadActions
from .validate import (
    CALLBACK_AUTOCOMPLETE_RESULT,
    CALLBACK_CHANNEL_MESSAGE,
    CALLBACK_DEFERRED_CHANNEL_MESSAGE,
    CALLBACK_DEFERRED_UPDATE_MESSAGE,
    CALLBACK_UPDATE_MESSAGE,
    OpenApiIndex,
    Problem,
    RouteKey,
    check_interaction_callback,
    check_limits,
    describe,
    errors_body,
)
from .world import (
    FakeChannel,
    FakeWorld,
    JsonDict,
    SnowflakeSource,
    default_world,
    iso_now,
)

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
GATEWAY_PATH = "/gateway-ws/"
DEFAULT_WAIT = 5.0  # seconds; a safety net for awaits in tests, never a timing device

MESSAGE_TYPE_DEFAULT = 0
MESSAGE_TYPE_CHAT_INPUT_COMMAND = 20
MESSAGE_FLAG_CROSSPOSTED = 1 << 0


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


Endpoint = Callable[[Call], Awaitable[web.StreamResponse]]


class FakeDiscord(MemberActions, ThreadActions):
    """The fake. `async with FakeDiscord() as fake:` or `await fake.start()` / `await fake.close()`."""

    def __init__(
        self,
        world: FakeWorld | None = None,
        *,
        openapi: OpenApiIndex | None = None,
        clock: Callable[[], float] = time.monotonic,
        safety_timeout: float = DEFAULT_WAIT,
        shard_count: int = 1,
        heartbeat_interval_ms: int = HEARTBEAT_INTERVAL_MS,
    ) -> None:
        self.world = world or default_world()
        self.openapi = openapi
        self.clock = clock  # tests swap it to move time past the 3 s / 15 min interaction limits
        self.safety_timeout = safety_timeout
        self.shard_count = shard_count  # what GET /gateway/bot recommends
        self.requests: list[RecordedRequest] = []
        self.violations: list[Violation] = []
        self.failures: list[ScriptedFailure] = []
        # Files members attached to commands (by attachment id), and files the bot uploaded.
        self.attachments: dict[str, JsonDict] = {}
        self.uploads: list[tuple[str, bytes]] = []
        self.threads: dict[str, FakeThread] = {}
        self.messages: dict[str, list[JsonDict]] = {
            channel.id: [] for guild in self.world.guilds for channel in guild.channels
        }
        self.commands: dict[str | None, list[JsonDict]] = {None: []}  # by guild id; None = global
        self.interactions: dict[str, InteractionRecord] = {}  # by token
        self.gateway = Gateway(self.world, heartbeat_interval_ms)
        self._ids = SnowflakeSource()
        self._changed = asyncio.Condition()
        self._lost_acks: dict[str, list[int]] = {}  # channel -> [let through first, then lose]
        self._held_channels: set[str] = set()
        self.held_posts: list[JsonDict] = []  # messages created whose answer is being held back
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> FakeDiscord:
        app = web.Application(middlewares=[self._unknown_routes])
        self._add_routes(app)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"
        self.gateway.resume_url = self.gateway_url
        return self

    async def close(self) -> None:
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def api_base(self) -> str:
        """What discord.http.Route.BASE must become."""
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        """What discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY must become."""
        return str(URL(self.base_url.replace("http://", "ws://", 1) + GATEWAY_PATH))

    # -- assertions and waiting -----------------------------------------------------------------

    async def wait_until(self, predicate: Callable[[], bool]) -> None:
        """Waits until `predicate()` holds after some request; gives up after `safety_timeout` seconds."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), self.safety_timeout)

    async def wait_for_request(self, method: str, route: str, *, after: int = 0) -> RecordedRequest:
        """The first recorded request (from index `after`) with this method and route template."""

        def matching() -> list[RecordedRequest]:
            return [r for r in self.requests[after:] if r.method == method and r.route == route]

        await self.wait_until(lambda: bool(matching()))
        return matching()[0]

    def requests_to(self, method: str, route: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and r.route == route]

    def channel_messages(self, channel_id: str) -> list[JsonDict]:
        """Messages in a channel, oldest first (deleted ones left out)."""
        return list(self.messages.get(channel_id, []))

    def take_violations(self) -> list[Violation]:
        """Returns and forgets the violations, for tests that provoke one on purpose."""
        taken, self.violations = self.violations, []
        return taken

    def fail_next(
        self,
        method: str,
        path: str,
        status: int,
        *,
        times: int = 1,
        retry_after: float = 0.0,
        via: bool = True,
        is_global: bool = False,
    ) -> ScriptedFailure:
        failure = ScriptedFailure(method, path, status, times, retry_after, via, is_global)
        self.failures.append(failure)
        return failure

    def lose_ack_next(self, channel_id: str, *, skip: int = 0, times: int = 1) -> None:
        """After `skip` more messages, the next `times` messages posted to `channel_id` are created,
        but the connection drops before the bot hears back: the bot cannot tell whether Discord has them."""
        self._lost_acks[channel_id] = [skip, times]

    def hold_posts(self, channel_id: str) -> None:
        """Messages posted to `channel_id` from now on are created, but the answer waits until
        `release_posts()`: the bot is caught in the middle of a send (a test kills it there)."""
        self._held_channels.add(channel_id)

    def release_posts(self) -> None:
        self._held_channels.clear()
        self._release.set()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- every request: parse, check, fail on purpose, answer, record --------------------------

    @web.middleware
    async def _unknown_routes(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Routes the fake lacks are violations too: the bot called a wrong URL, or the fake needs it."""
        if request.match_info.http_exception is None:
            return await handler(request)
        path = request.path.removeprefix(API_PREFIX)
        body, files, _ = await self._read_body(request)
        problem = Problem((), "the fake Discord has no such route (add it, or the bot called a wrong URL)")
        self.violations.append(Violation(request.method, path, None, (problem,), body))
        response = error_response(404, "404: Not Found")
        await self._record(request, None, body, files, response.status)
        return response

    def _endpoint(self, answer: Endpoint) -> Handler:
        async def serve(request: web.Request) -> web.StreamResponse:
            return await self._serve(request, answer)

        return serve

    async def _serve(self, request: web.Request, answer: Endpoint) -> web.StreamResponse:
        path = request.path.removeprefix(API_PREFIX)
        resource = request.match_info.route.resource
        route = resource.canonical.removeprefix(API_PREFIX) if resource is not None else path
        body, files, problems = await self._read_body(request)
        problems += self._check(request.method, route, path, body, files)
        response: web.StreamResponse
        if problems:
            self.violations.append(Violation(request.method, path, route, tuple(problems), body))
            log.warning("fake Discord: %s %s violates: %s", request.method, path, describe(problems))
            response = json_response(errors_body(problems), 400)
        elif not self._authorized(request, route):
            response = error_response(401, "401: Unauthorized")
        else:
            failure = next((f for f in self.failures if f.matches(request.method, path, route)), None)
            if failure is not None:
                failure.times -= 1
                response = failure.response()
            else:
                response = await answer(Call(request, body, files))
        await self._record(request, route, body, files, response.status)
        return response

    async def _record(
        self, request: web.Request, route: str | None, body: Any, files: tuple[str, ...], status: int
    ) -> None:
        path = request.path.removeprefix(API_PREFIX)
        authorized = self._authorized(request, route)
        self.requests.append(
            RecordedRequest(
                request.method,
                path,
                route,
                dict(request.query),
                body,
                files,
                status,
                authorized,
                user_agent=request.headers.get("User-Agent", ""),
            )
        )
        await self._notify()

    async def _read_body(self, request: web.Request) -> tuple[Any, tuple[str, ...], list[Problem]]:
        if not request.can_read_body:
            return None, (), []
        if request.content_type == "multipart/form-data":
            form = await request.post()
            for key, value in form.items():
                if key != "payload_json" and isinstance(value, web.FileField):
                    self.uploads.append((str(value.filename), value.file.read()))
                    value.file.seek(0)
            files = tuple(
                str(getattr(value, "filename", "")) for key, value in form.items() if key != "payload_json"
            )
            raw = form.get("payload_json")
            try:
                return (json.loads(str(raw)) if raw is not None else None), files, []
            except json.JSONDecodeError as error:
                return None, files, [Problem(("payload_json",), f"not JSON: {error}")]
        text = await request.text()
        if request.content_type != "application/json":
            return text, (), [Problem((), f"body sent as {request.content_type!r}, not application/json")]
        try:
            return json.loads(text), (), []
        except json.JSONDecodeError as error:
            return None, (), [Problem((), f"not JSON: {error}")]

    def _authorized(self, request: web.Request, route: str | None) -> bool:
        if route is not None and (route.startswith("/webhooks/") or route.startswith("/interactions/")):
            return True  # the interaction token in the URL is the credential
        return request.headers.get("Authorization") == f"Bot {self.world.bot_token}"

    def _check(self, method: str, route: str, path: str, body: Any, files: tuple[str, ...]) -> list[Problem]:
        route_key: RouteKey = (method, route)
        problems = check_limits(route_key, body, has_files=bool(files))
        if route == "/interactions/{interaction_id}/{interaction_token}/callback":
            record = self.interactions.get(path.split("/")[3])
            problems += check_interaction_callback(body, record.type if record else None)
        if self.openapi is not None:
            if not self.openapi.has_operation(route_key):
                problems.append(Problem((), f"{method} {route} is not in Discord's OpenAPI", "openapi"))
            elif body is not None and method in ("POST", "PUT", "PATCH"):
                problems += self.openapi.check_body(route_key, body)
        return problems

    # -- routes -----------------------------------------------------------------------------------

    def _add_routes(self, app: web.Application) -> None:
        app.router.add_get(GATEWAY_PATH, self.gateway.handle)
        routes: list[tuple[str, str, Endpoint]] = [
            ("GET", "/users/@me", self._get_me),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/applications/@me", self._get_application),
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_gateway_bot),
            ("GET", "/applications/{application_id}/commands", self._get_commands),
            ("PUT", "/applications/{application_id}/commands", self._put_commands),
            ("POST", "/applications/{application_id}/commands", self._post_command),
            ("DELETE", "/applications/{application_id}/commands/{command_id}", self._delete_command),
            ("GET", "/applications/{application_id}/guilds/{guild_id}/commands", self._get_commands),
            ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", self._put_commands),
            ("POST", "/applications/{application_id}/guilds/{guild_id}/commands", self._post_command),
            (
                "DELETE",
                "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}",
                self._delete_command,
            ),
            ("GET", "/channels/{channel_id}", self._get_channel),
            ("GET", "/channels/{channel_id}/messages", self._get_messages),
            ("POST", "/channels/{channel_id}/messages", self._post_message),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self._get_message),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self._patch_message),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self._delete_message),
            ("POST", "/channels/{channel_id}/messages/{message_id}/crosspost", self._crosspost_message),
            ("POST", "/interactions/{interaction_id}/{interaction_token}/callback", self._post_callback),
            ("POST", "/webhooks/{webhook_id}/{webhook_token}", self._post_followup),
            ("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/@original", self._get_webhook_message),
            (
                "PATCH",
                "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
                self._patch_webhook_message,
            ),
            (
                "DELETE",
                "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
                self._delete_webhook_message,
            ),
            (
                "GET",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                self._get_webhook_message,
            ),
            (
                "PATCH",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                self._patch_webhook_message,
            ),
            (
                "DELETE",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                self._delete_webhook_message,
            ),
            *self.thread_routes(),
        ]
        for method, route, handler in routes:
            app.router.add_route(method, API_PREFIX + route, self._endpoint(handler))

    # -- identity -----------------------------------------------------------------------------------

    async def _get_me(self, call: Call) -> web.StreamResponse:
        me = self.world.bot_user.to_json() | {"mfa_enabled": False, "verified": True, "locale": "en-US"}
        return json_response(me)

    async def _get_application(self, call: Call) -> web.StreamResponse:
        return json_response(self.world.application.to_json(self.world.owner, self.world.bot_user))

    async def _get_gateway(self, call: Call) -> web.StreamResponse:
        return json_response({"url": self.gateway_url})

    async def _get_gateway_bot(self, call: Call) -> web.StreamResponse:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return json_response(
            {"url": self.gateway_url, "shards": self.shard_count, "session_start_limit": limit}
        )

    # -- application commands -------------------------------------------------------------------

    def _command_scope(self, call: Call) -> str | web.Response | None:
        if call.params["application_id"] != self.world.application.id:
            return error_response(403, "Missing Access", 50001)
        guild_id = call.params.get("guild_id")
        if guild_id is not None:
            try:
                self.world.guild(guild_id)
            except LookupError:
                return error_response(403, "Missing Access", 50001)
        return guild_id

    def _stored_command(
        self, body: Mapping[str, Any], guild_id: str | None, known: list[JsonDict]
    ) -> JsonDict:
        command_type = body.get("type", 1)
        previous = next(
            (c for c in known if c["name"] == body.get("name") and c["type"] == command_type), None
        )
        command: JsonDict = {
            "id": previous["id"] if previous else self._ids.next(),
            "application_id": self.world.application.id,
            "version": self._ids.next(),
            "type": command_type,
            "name": body.get("name"),
            "description": body.get("description", ""),
            "options": body.get("options") or [],
            "default_member_permissions": body.get("default_member_permissions"),
            "nsfw": bool(body.get("nsfw", False)),
            "name_localizations": body.get("name_localizations"),
            "description_localizations": body.get("description_localizations"),
        }
        if guild_id is not None:
            command["guild_id"] = guild_id
        else:
            command["contexts"] = body.get("contexts")
            command["integration_types"] = body.get("integration_types") or [0]
        return command

    async def _get_commands(self, call: Call) -> web.StreamResponse:
        scope = self._command_scope(call)
        if isinstance(scope, web.Response):
            return scope
        return json_response(self.commands.get(scope, []))

    async def _put_commands(self, call: Call) -> web.StreamResponse:
        scope = self._command_scope(call)
        if isinstance(scope, web.Response):
            return scope
        known = self.commands.get(scope, [])
        self.commands[scope] = [self._stored_command(body, scope, known) for body in call.body or []]
        return json_response(self.commands[scope])

    async def _post_command(self, call: Call) -> web.StreamResponse:
        scope = self._command_scope(call)
        if isinstance(scope, web.Response):
            return scope
        known = self.commands.setdefault(scope, [])
        command = self._stored_command(call.body, scope, known)
        existed = any(c["id"] == command["id"] for c in known)
        self.commands[scope] = [c for c in known if c["id"] != command["id"]] + [command]
        return json_response(command, 200 if existed else 201)

    async def _delete_command(self, call: Call) -> web.StreamResponse:
        scope = self._command_scope(call)
        if isinstance(scope, web.Response):
            return scope
        known = self.commands.get(scope, [])
        command_id = call.params["command_id"]
        if not any(c["id"] == command_id for c in known):
            return error_response(404, "Unknown application command", 10063)
        self.commands[scope] = [c for c in known if c["id"] != command_id]
        return no_content()

    def registered_command(self, name: str, guild_id: str | None) -> JsonDict | None:
        """The command named `name` as registered for the guild, or globally."""
        for scope in (guild_id, None) if guild_id is not None else (None,):
            for command in self.commands.get(scope, []):
                if command["name"] == name and command["type"] == 1:
                    return command
        return None

    # -- channels and messages ------------------------------------------------------------------

    def _channel(self, call: Call) -> FakeChannel | web.Response:
        channel = self.world.channel(call.params["channel_id"]) or self.thread_channel(
            call.params["channel_id"]
        )
        return channel if channel is not None else error_response(404, "Unknown Channel", 10003)

    def _new_message(
        self,
        channel_id: str,
        body: Mapping[str, Any],
        files: tuple[str, ...],
        *,
        message_type: int = MESSAGE_TYPE_DEFAULT,
        interaction: InteractionRecord | None = None,
    ) -> JsonDict:
        channel = self.world.channel(channel_id) or self.thread_channel(channel_id)
        message: JsonDict = {
            "id": self._ids.next(),
            "channel_id": channel_id,
            "author": self.world.bot_user.to_json(),
            "content": body.get("content") or "",
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [
                {"id": self._ids.next(), "filename": name, "size": 0, "url": "", "proxy_url": ""}
                for name in files
            ],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "type": message_type,
            "flags": int(body.get("flags") or 0),
        }
        if channel is not None:
            message["guild_id"] = channel.guild_id
        if interaction is not None:
            message["webhook_id"] = self.world.application.id
            message["application_id"] = self.world.application.id
            message["interaction_metadata"] = {
                "id": interaction.id,
                "type": interaction.type,
                "user": interaction.payload["member"]["user"] if "member" in interaction.payload else {},
                "authorizing_integration_owners": {},
            }
        return message

    def _store(self, message: JsonDict) -> None:
        if not int(message.get("flags") or 0) & limits.FLAG_EPHEMERAL:
            self.messages.setdefault(message["channel_id"], []).append(message)

    def _find_message(self, channel_id: str, message_id: str) -> JsonDict | None:
        return next((m for m in self.messages.get(channel_id, []) if m["id"] == message_id), None)

    @staticmethod
    def _edit(message: JsonDict, body: Mapping[str, Any]) -> None:
        for key, value in _message_fields(body).items():
            if key == "flags":
                # Editing can only toggle SUPPRESS_EMBEDS; ephemeral and loading stay as they were.
                kept = int(message.get("flags") or 0) & (limits.FLAG_EPHEMERAL | limits.FLAG_LOADING)
                message["flags"] = kept | (int(value or 0) & limits.FLAG_SUPPRESS_EMBEDS)
            else:
                message[key] = value if value is not None else ([] if key in ("embeds", "components") else "")
        message["edited_timestamp"] = iso_now()

    async def _get_channel(self, call: Call) -> web.StreamResponse:
        thread = self.thread_json(call.params["channel_id"])
        if thread is not None:
            return json_response(thread)
        channel = self._channel(call)
        return channel if isinstance(channel, web.Response) else json_response(channel.to_json())

    async def _get_messages(self, call: Call) -> web.StreamResponse:
        channel = self._channel(call)
        if isinstance(channel, web.Response):
            return channel
        limit = int(call.query.get("limit", "50"))
        return json_response(list(reversed(self.messages.get(channel.id, [])))[:limit])

    async def _post_message(self, call: Call) -> web.StreamResponse:
        channel = self._channel(call)
        if isinstance(channel, web.Response):
            return channel
        refused = self.post_refusal(channel.id)
        if refused is not None:
            return refused
        if channel.bot_forbidden:
            return error_response(403, "Missing Permissions", 50013)
        body = call.body or {}
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            # Discord answers a repeated nonce with the message it already created (for a while).
            earlier = next(
                (m for m in self.messages.get(channel.id, []) if m.get("nonce") == str(nonce)), None
            )
            if earlier is not None:
                return json_response(earlier)
        message = self._new_message(channel.id, body, call.files)
        if nonce is not None:
            message["nonce"] = str(nonce)
        self._store(message)
        if channel.id in self._held_channels:
            self.held_posts.append(message)
            await self._notify()
            await self._release.wait()
        plan = self._lost_acks.get(channel.id)
        if plan is not None and plan[0] > 0:
            plan[0] -= 1  # let this one through
        elif plan is not None and plan[1] > 0:
            # The message is created, but the answer never reaches the bot (a crash or a cut line).
            plan[1] -= 1
            if call.request.transport is not None:
                call.request.transport.close()
            await self._notify()
            return web.Response(status=500)
        # Discord echoes the bot's own message on the gateway, with a partial member (no user).
        member = self.world.guild(channel.guild_id).member(self.world.bot_user.id).to_json()
        member.pop("user")
        await self.gateway.dispatch("MESSAGE_CREATE", message | {"member": member})
        return json_response(message)

    async def _get_message(self, call: Call) -> web.StreamResponse:
        message = self._find_message(call.params["channel_id"], call.params["message_id"])
        return json_response(message) if message else error_response(404, "Unknown Message", 10008)

    async def _crosspost_message(self, call: Call) -> web.StreamResponse:
        """Publish a message of an announcement channel to the channels following it, once."""
        channel = self._channel(call)
        if isinstance(channel, web.Response):
            return channel
        message = self._find_message(channel.id, call.params["message_id"])
        if message is None:
            return error_response(404, "Unknown Message", 10008)
        if not channel.announcement:
            return error_response(400, "Cannot execute action on this channel type", 50024)
        if int(message.get("flags") or 0) & MESSAGE_FLAG_CROSSPOSTED:
            return error_response(400, "This message has already been crossposted.", 40033)
        message["flags"] = int(message.get("flags") or 0) | MESSAGE_FLAG_CROSSPOSTED
        return json_response(message)

    async def _patch_message(self, call: Call) -> web.StreamResponse:
        message = self._find_message(call.params["channel_id"], call.params["message_id"])
        if message is None:
            return error_response(404, "Unknown Message", 10008)
        if message["author"]["id"] != self.world.bot_user.id:
            return error_response(403, "Cannot edit a message authored by another user", 50005)
        self._edit(message, call.body or {})
        return json_response(message)

    async def _delete_message(self, call: Call) -> web.StreamResponse:
        channel_id, message_id = call.params["channel_id"], call.params["message_id"]
        message = self._find_message(channel_id, message_id)
        if message is None:
            return error_response(404, "Unknown Message", 10008)
        self.messages[channel_id].remove(message)
        return no_content()

    # -- interactions ---------------------------------------------------------------------------

    async def _post_callback(self, call: Call) -> web.StreamResponse:
        record = self.interactions.get(call.params["interaction_token"])
        if record is None or record.id != call.params["interaction_id"]:
            return error_response(404, "Unknown interaction", 10062)
        if self.clock() - record.created_at > limits.INTERACTION_RESPONSE_DEADLINE.total_seconds():
            return error_response(404, "Unknown interaction", 10062)
        if record.callback is not None:
            return error_response(400, "Interaction has already been acknowledged.", 40060)
        body: JsonDict = call.body or {}
        record.callback = body
        callback_type = body.get("type")
        data: Mapping[str, Any] = body.get("data") or {}
        message: JsonDict | None = None
        if callback_type in (CALLBACK_CHANNEL_MESSAGE, CALLBACK_DEFERRED_CHANNEL_MESSAGE):
            message = self._new_message(
                record.channel_id or "0",
                data if callback_type == CALLBACK_CHANNEL_MESSAGE else {"flags": data.get("flags")},
                call.files,
                message_type=MESSAGE_TYPE_CHAT_INPUT_COMMAND,
                interaction=record,
            )
            if callback_type == CALLBACK_DEFERRED_CHANNEL_MESSAGE:
                message["flags"] = int(message["flags"]) | limits.FLAG_LOADING
            record.original = message
            self._store(message)
        elif callback_type in (CALLBACK_UPDATE_MESSAGE, CALLBACK_DEFERRED_UPDATE_MESSAGE):
            message = self._component_message(record)
            if message is not None and callback_type == CALLBACK_UPDATE_MESSAGE:
                self._edit(message, data)
        if call.query.get("with_response") not in ("1", "true", "True"):
            return no_content()
        summary: JsonDict = {"id": record.id, "type": record.type}
        if message is not None:
            flags = int(message.get("flags") or 0)
            summary |= {
                "response_message_id": message["id"],
                "response_message_loading": bool(flags & limits.FLAG_LOADING),
                "response_message_ephemeral": bool(flags & limits.FLAG_EPHEMERAL),
            }
        callback_response: JsonDict = {"interaction": summary}
        if message is not None and callback_type != CALLBACK_AUTOCOMPLETE_RESULT:
            callback_response["resource"] = {"type": callback_type, "message": message}
        elif callback_type is not None:
            callback_response["resource"] = {"type": callback_type}
        return json_response(callback_response)

    def _component_message(self, record: InteractionRecord) -> JsonDict | None:
        clicked = record.payload.get("message") or {}
        return self._find_message(str(clicked.get("channel_id")), str(clicked.get("id")))

    def _webhook_interaction(self, call: Call) -> InteractionRecord | web.Response:
        record = self.interactions.get(call.params["webhook_token"])
        if record is None or call.params["webhook_id"] != self.world.application.id:
            return error_response(404, "Unknown Webhook", 10015)
        if (
            record.expired
            or self.clock() - record.created_at > limits.INTERACTION_TOKEN_LIFETIME.total_seconds()
        ):
            return error_response(401, "Invalid Webhook Token", 50027)
        if record.callback is None:
            # Discord has no webhook for an interaction that was never acknowledged.
            return error_response(404, "Unknown Webhook", 10015)
        return record

    def _webhook_message(self, record: InteractionRecord, message_id: str) -> JsonDict | None:
        if message_id == "@original":
            if record.original_deleted:
                return None
            return record.original or self._component_message(record)
        return next((m for m in record.followups if m["id"] == message_id), None)

    async def _post_followup(self, call: Call) -> web.StreamResponse:
        record = self._webhook_interaction(call)
        if isinstance(record, web.Response):
            return record
        message = self._new_message(record.channel_id or "0", call.body or {}, call.files, interaction=record)
        record.followups.append(message)
        self._store(message)
        return json_response(message) if call.query.get("wait") in ("1", "true", "True") else no_content()

    async def _get_webhook_message(self, call: Call) -> web.StreamResponse:
        record = self._webhook_interaction(call)
        if isinstance(record, web.Response):
            return record
        message = self._webhook_message(record, call.params.get("message_id", "@original"))
        return (
            json_response(message) if message is not None else error_response(404, "Unknown Message", 10008)
        )

    async def _patch_webhook_message(self, call: Call) -> web.StreamResponse:
        record = self._webhook_interaction(call)
        if isinstance(record, web.Response):
            return record
        message = self._webhook_message(record, call.params.get("message_id", "@original"))
        if message is None:
            return error_response(404, "Unknown Message", 10008)
        self._edit(message, call.body or {})
        message["flags"] = int(message.get("flags") or 0) & ~limits.FLAG_LOADING
        return json_response(message)

    async def _delete_webhook_message(self, call: Call) -> web.StreamResponse:
        record = self._webhook_interaction(call)
        if isinstance(record, web.Response):
            return record
        message_id = call.params.get("message_id", "@original")
        message = self._webhook_message(record, message_id)
        if message is None:
            return error_response(404, "Unknown Message", 10008)
        if message_id == "@original":
            record.original_deleted = True
        channel_messages = self.messages.get(message["channel_id"], [])
        if message in channel_messages:
            channel_messages.remove(message)
        return no_content()

    # -- injecting interactions ------------------------------------------------------------------
