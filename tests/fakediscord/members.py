"""What members do in the fake Discord: run slash commands, type into autocomplete, click
buttons, attach files. A part of `FakeDiscord`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, cast

from .gateway import Gateway
from .records import InteractionHandle, InteractionRecord

if TYPE_CHECKING:
    from .server import FakeDiscord
from .world import (
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeWorld,
    JsonDict,
    SnowflakeSource,
)

INTERACTION_APPLICATION_COMMAND = 2
INTERACTION_MESSAGE_COMPONENT = 3
INTERACTION_AUTOCOMPLETE = 4
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
OPTION_TYPE_SUB_COMMAND = 1
OPTION_TYPE_SUB_COMMAND_GROUP = 2
OPTION_TYPE_USER = 6
OPTION_TYPE_CHANNEL = 7
OPTION_TYPE_ROLE = 8
OPTION_TYPE_ATTACHMENT = 11


class MemberActions:
    """Mixed into FakeDiscord, which provides these."""

    world: FakeWorld
    gateway: Gateway
    clock: Callable[[], float]
    attachments: dict[str, JsonDict]
    interactions: dict[str, InteractionRecord]
    _ids: SnowflakeSource

    def registered_command(self, name: str, guild_id: str | None) -> JsonDict | None:
        raise NotImplementedError

    def _place(
        self, guild_id: str | None, channel_id: str | None, user_id: str | None
    ) -> tuple[FakeGuild, FakeChannel, FakeMember]:
        guild = self.world.guild(guild_id) if guild_id else self.world.guilds[0]
        channel = next(
            (c for c in guild.channels if (c.id == channel_id if channel_id else not c.bot_forbidden)), None
        )
        if channel is None:
            raise LookupError(f"no channel {channel_id} in guild {guild.id}")
        if user_id is not None:
            member = guild.member(user_id)
        else:
            member = next(m for m in guild.members if not m.user.bot)
        return guild, channel, member

    def add_attachment(self, filename: str, url: str, size: int, content_type: str = "text/x-opml") -> str:
        """A file a member attaches to a command option; its content is served at `url`."""
        attachment_id = self._ids.next()
        self.attachments[attachment_id] = {
            "id": attachment_id,
            "filename": filename,
            "size": size,
            "url": url,
            "proxy_url": url,
            "content_type": content_type,
        }
        return attachment_id

    def _resolved(self, guild: FakeGuild, option_type: int, value: object) -> JsonDict:
        if option_type == OPTION_TYPE_CHANNEL:
            channel = self.world.channel(str(value))
            if channel is None:
                raise LookupError(f"no channel {value}")
            return {"channels": {channel.id: channel.to_json() | {"permissions": str(1 << 11)}}}
        if option_type == OPTION_TYPE_USER:
            member = guild.member(str(value))
            member_json = member.to_json(with_permissions=True)
            member_json.pop("user")
            return {
                "users": {member.user.id: member.user.to_json()},
                "members": {member.user.id: member_json},
            }
        if option_type == OPTION_TYPE_ATTACHMENT:
            return {"attachments": {str(value): self.attachments[str(value)]}}
        if option_type == OPTION_TYPE_ROLE:
            role = next(r for r in guild.roles if r.id == str(value))
            return {"roles": {role.id: role.to_json()}}
        return {}

    def _option_payload(
        self,
        guild: FakeGuild,
        declared: list[JsonDict],
        values: Mapping[str, object],
        focused: str | None,
        resolved: JsonDict,
    ) -> list[JsonDict]:
        options = []
        for name, value in values.items():
            spec = next((o for o in declared if o.get("name") == name), None)
            if spec is None:
                raise LookupError(
                    f"option {name!r} is not registered; registered: {[o.get('name') for o in declared]}"
                )
            option: JsonDict = {"name": name, "type": spec["type"], "value": value}
            if name == focused:
                option["focused"] = True
            for kind, entries in self._resolved(guild, spec["type"], value).items():
                resolved.setdefault(kind, {}).update(entries)
            options.append(option)
        return options

    def _command_data(
        self,
        path: str,
        values: Mapping[str, object],
        guild: FakeGuild,
        focused: str | None,
    ) -> JsonDict:
        name, *subcommands = path.split()
        command = self.registered_command(name, guild.id)
        if command is None:
            raise LookupError(f"/{name} is not registered with the fake (did the bot sync its command tree?)")
        resolved: JsonDict = {}
        declared: list[JsonDict] = command.get("options") or []
        nested: list[JsonDict] = []
        container = nested
        for subcommand in subcommands:
            spec = next((o for o in declared if o.get("name") == subcommand), None)
            if spec is None or spec.get("type") not in (
                OPTION_TYPE_SUB_COMMAND,
                OPTION_TYPE_SUB_COMMAND_GROUP,
            ):
                raise LookupError(f"/{name} has no subcommand {subcommand!r}")
            entry: JsonDict = {"name": subcommand, "type": spec["type"], "options": []}
            container.append(entry)
            container = entry["options"]
            declared = spec.get("options") or []
        container.extend(self._option_payload(guild, declared, values, focused, resolved))
        data: JsonDict = {"id": command["id"], "name": name, "type": 1, "options": nested}
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return data

    async def _inject(
        self,
        interaction_type: int,
        data: JsonDict,
        guild: FakeGuild,
        channel: FakeChannel,
        member: FakeMember,
        message: JsonDict | None = None,
    ) -> InteractionHandle:
        interaction_id, token = self._ids.next(), f"fake-interaction-token-{self._ids.next()}"
        payload: JsonDict = {
            "id": interaction_id,
            "application_id": self.world.application.id,
            "type": interaction_type,
            "data": data,
            "guild_id": guild.id,
            "guild": {"id": guild.id, "locale": "en-US", "features": []},
            "channel_id": channel.id,
            "channel": channel.to_json(),
            "member": member.to_json(with_permissions=True),
            "token": token,
            "version": 1,
            "app_permissions": str(guild.member(self.world.bot_user.id).permissions),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": guild.id},
            "context": 0,
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        if message is not None:
            payload["message"] = message
        record = InteractionRecord(
            interaction_id, token, interaction_type, payload, self.clock(), channel.id, guild.id
        )
        self.interactions[token] = record
        if not await self.gateway.dispatch("INTERACTION_CREATE", payload):
            raise RuntimeError("no identified gateway session to send the interaction to")
        return InteractionHandle(cast("FakeDiscord", self), record)

    async def inject_slash_command(
        self,
        command: str,
        options: Mapping[str, object] | None = None,
        *,
        guild_id: str | None = None,
        channel_id: str | None = None,
        user_id: str | None = None,
    ) -> InteractionHandle:
        """Someone runs `/command` ("brief" or "sources add" for a subcommand) with these option values.

        Option types, the command id and data.guild_id come from what the bot registered.
        """
        guild, channel, member = self._place(guild_id, channel_id, user_id)
        data = self._command_data(command, options or {}, guild, focused=None)
        return await self._inject(INTERACTION_APPLICATION_COMMAND, data, guild, channel, member)

    async def inject_autocomplete(
        self,
        command: str,
        options: Mapping[str, object],
        focused: str,
        *,
        guild_id: str | None = None,
        channel_id: str | None = None,
        user_id: str | None = None,
    ) -> InteractionHandle:
        """Someone is typing into option `focused` of `/command`; the bot should answer with choices."""
        if focused not in options:
            raise ValueError(f"the focused option {focused!r} needs a (partial) value in options")
        guild, channel, member = self._place(guild_id, channel_id, user_id)
        data = self._command_data(command, options, guild, focused=focused)
        return await self._inject(INTERACTION_AUTOCOMPLETE, data, guild, channel, member)

    async def inject_button_click(
        self, message: Mapping[str, Any], custom_id: str, *, user_id: str | None = None
    ) -> InteractionHandle:
        """Someone clicks the button `custom_id` on a message the bot sent (as recorded by the fake)."""
        buttons = [
            child
            for row in message.get("components") or []
            for child in row.get("components") or []
            if child.get("type") == 2
        ]
        if not any(button.get("custom_id") == custom_id for button in buttons):
            raise LookupError(f"message {message.get('id')} has no button {custom_id!r}")
        channel = self.world.channel(str(message["channel_id"]))
        if channel is None:
            raise LookupError(f"no channel {message['channel_id']}")
        guild, channel, member = self._place(channel.guild_id, channel.id, user_id)
        data: JsonDict = {"custom_id": custom_id, "component_type": 2}
        return await self._inject(INTERACTION_MESSAGE_COMPONENT, data, guild, channel, member, dict(message))
