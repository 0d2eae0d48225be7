"""The fake Discord's world: users, guilds, channels, roles, and their wire (JSON) form."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

JsonDict = dict[str, Any]

# Permission bits used by the default world (Discord's values).
PERM_VIEW_CHANNEL = 1 << 10
PERM_SEND_MESSAGES = 1 << 11
PERM_EMBED_LINKS = 1 << 14
PERM_READ_MESSAGE_HISTORY = 1 << 16
PERM_USE_APPLICATION_COMMANDS = 1 << 31
PERM_CREATE_PUBLIC_THREADS = 1 << 35
PERM_SEND_MESSAGES_IN_THREADS = 1 << 38
PERM_MANAGE_GUILD = 1 << 5
PERM_ADMINISTRATOR = 1 << 3
MEMBER_PERMISSIONS = (
    PERM_VIEW_CHANNEL
    | PERM_SEND_MESSAGES
    | PERM_EMBED_LINKS
    | PERM_READ_MESSAGE_HISTORY
    | PERM_USE_APPLICATION_COMMANDS
    | PERM_CREATE_PUBLIC_THREADS
    | PERM_SEND_MESSAGES_IN_THREADS
)
MODERATOR_PERMISSIONS = MEMBER_PERMISSIONS | PERM_MANAGE_GUILD

CHANNEL_TYPE_GUILD_TEXT = 0
CHANNEL_TYPE_GUILD_ANNOUNCEMENT = 5
CHANNEL_TYPE_PUBLIC_THREAD = 11
CHANNEL_TYPE_GUILD_FORUM = 15
BOT_TOKEN = "fake-bot-token"  # what the fake accepts; tests pass it to Client.login


class SnowflakeSource:
    """Hands out increasing ids, like Discord's snowflakes (as strings on the wire)."""

    def __init__(self, start: int = 1_300_000_000_000_000_000) -> None:
        self._counter = itertools.count(start)

    def next(self) -> str:
        return str(next(self._counter))


@dataclass(frozen=True, slots=True)
class FakeUser:
    id: str
    username: str
    bot: bool = False

    def to_json(self) -> JsonDict:
        return {
            "id": self.id,
            "username": self.username,
            "global_name": None if self.bot else self.username.title(),
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
            "flags": 0,
        }


@dataclass(frozen=True, slots=True)
class FakeRole:
    id: str
    name: str
    permissions: int
    position: int = 0

    def to_json(self) -> JsonDict:
        return {
            "id": self.id,
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }


@dataclass(frozen=True, slots=True)
class FakeMember:
    user: FakeUser
    role_ids: tuple[str, ...] = ()
    permissions: int = MEMBER_PERMISSIONS  # resolved permissions, as sent in interactions

    def to_json(self, *, with_permissions: bool = False) -> JsonDict:
        member: JsonDict = {
            "user": self.user.to_json(),
            "roles": list(self.role_ids),
            "joined_at": "2025-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "nick": None,
            "avatar": None,
            "pending": False,
        }
        if with_permissions:
            member["permissions"] = str(self.permissions)
        return member


@dataclass(frozen=True, slots=True)
class FakeChannel:
    id: str
    guild_id: str
    name: str
    # The bot lacks Send Messages here: posting answers 403 Missing Permissions, like Discord.
    # Without `overwrites` saying so, the bot's cache does not show it (as when the permission
    # was taken away after the bot read the channel).
    bot_forbidden: bool = False
    position: int = 0
    overwrites: tuple[JsonDict, ...] = ()  # permission overwrites, as Discord sends them
    announcement: bool = False  # an announcement (news) channel, whose messages can be crossposted
    forum: bool = False  # a forum channel: it holds posts (threads), not messages
    # The bot lacks Create Public Threads (opening one answers 403), or Send Messages in Threads
    # (posting in this channel's threads answers 403).
    threads_forbidden: bool = False
    thread_posts_forbidden: bool = False

    @property
    def type(self) -> int:
        if self.forum:
            return CHANNEL_TYPE_GUILD_FORUM
        return CHANNEL_TYPE_GUILD_ANNOUNCEMENT if self.announcement else CHANNEL_TYPE_GUILD_TEXT

    def to_json(self) -> JsonDict:
        forum: JsonDict = (
            {
                "available_tags": [],
                "default_reaction_emoji": None,
                "default_sort_order": None,
                "default_forum_layout": 0,
                "flags": 0,
            }
            if self.forum
            else {}
        )
        return forum | {
            "id": self.id,
            "type": self.type,
            "guild_id": self.guild_id,
            "name": self.name,
            "position": self.position,
            "permission_overwrites": list(self.overwrites),
            "nsfw": False,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "parent_id": None,
        }


@dataclass(frozen=True, slots=True)
class FakeGuild:
    id: str
    name: str
    owner_id: str
    roles: tuple[FakeRole, ...]
    channels: tuple[FakeChannel, ...]
    members: tuple[FakeMember, ...]

    def to_json(self) -> JsonDict:
        """The GUILD_CREATE payload."""
        return {
            "id": self.id,
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": self.owner_id,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [role.to_json() for role in self.roles],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": "2025-01-01T00:00:00+00:00",
            "large": False,
            "unavailable": False,
            "member_count": len(self.members),
            "voice_states": [],
            "members": [member.to_json() for member in self.members],
            "channels": [channel.to_json() for channel in self.channels],
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def member(self, user_id: str) -> FakeMember:
        for member in self.members:
            if member.user.id == user_id:
                return member
        raise LookupError(f"no member {user_id} in guild {self.id}")


@dataclass(frozen=True, slots=True)
class FakeApplication:
    id: str
    name: str = "Newsbrief (fake)"
    flags: int = 0

    def to_json(self, owner: FakeUser, bot_user: FakeUser) -> JsonDict:
        return {
            "id": self.id,
            "name": self.name,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": self.flags,
            "owner": owner.to_json(),
            "team": None,
            "bot": bot_user.to_json(),
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "tags": [],
        }


@dataclass(frozen=True, slots=True)
class FakeWorld:
    """Everything the fake serves. Build with `default_world()` or by hand."""

    application: FakeApplication
    bot_user: FakeUser
    owner: FakeUser
    guilds: tuple[FakeGuild, ...]
    bot_token: str = BOT_TOKEN

    def guild(self, guild_id: str) -> FakeGuild:
        for guild in self.guilds:
            if guild.id == guild_id:
                return guild
        raise LookupError(f"no guild {guild_id}")

    def channel(self, channel_id: str) -> FakeChannel | None:
        for guild in self.guilds:
            for channel in guild.channels:
                if channel.id == channel_id:
                    return channel
        return None


@dataclass(frozen=True, slots=True)
class DefaultWorldIds:
    """Names for the ids of `default_world()`, so tests need no magic numbers."""

    guild: str = "1100000000000000001"
    briefs_channel: str = "1100000000000000010"
    locked_channel: str = "1100000000000000011"
    readonly_channel: str = "1100000000000000013"
    everyone_role: str = "1100000000000000001"  # @everyone shares the guild's id
    moderator_role: str = "1100000000000000020"
    application: str = "1100000000000000100"
    bot_user: str = "1100000000000000100"  # a bot user shares its application's id
    owner: str = "1100000000000000200"
    moderator: str = "1100000000000000201"
    reader: str = "1100000000000000202"


DEFAULT_IDS = DefaultWorldIds()


def default_world() -> FakeWorld:
    """One guild: #briefs; #locked, where the bot cannot post though its cache says it can; #readonly,
    where an overwrite visibly denies it Send Messages; an owner, a moderator and a reader."""
    ids = DEFAULT_IDS
    bot_user = FakeUser(ids.bot_user, "newsbrief", bot=True)
    owner = FakeUser(ids.owner, "owner")
    moderator = FakeUser(ids.moderator, "moderator")
    reader = FakeUser(ids.reader, "reader")
    guild = FakeGuild(
        id=ids.guild,
        name="Newsroom",
        owner_id=owner.id,
        roles=(
            FakeRole(ids.everyone_role, "@everyone", MEMBER_PERMISSIONS),
            FakeRole(ids.moderator_role, "Moderator", MODERATOR_PERMISSIONS, position=1),
        ),
        channels=(
            FakeChannel(ids.briefs_channel, ids.guild, "briefs", position=0),
            FakeChannel(ids.locked_channel, ids.guild, "locked", bot_forbidden=True, position=1),
            FakeChannel(
                ids.readonly_channel,
                ids.guild,
                "readonly",
                bot_forbidden=True,
                position=2,
                overwrites=({"id": ids.bot_user, "type": 1, "allow": "0", "deny": str(PERM_SEND_MESSAGES)},),
            ),
        ),
        members=(
            FakeMember(bot_user),
            FakeMember(owner, permissions=PERM_ADMINISTRATOR | MODERATOR_PERMISSIONS),
            FakeMember(moderator, role_ids=(ids.moderator_role,), permissions=MODERATOR_PERMISSIONS),
            FakeMember(reader),
        ),
    )
    return FakeWorld(
        application=FakeApplication(ids.application),
        bot_user=bot_user,
        owner=owner,
        guilds=(guild,),
    )


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(slots=True)
class StoredMessage:
    """A message as the fake keeps it (mutable: edits and deletes change it)."""

    data: JsonDict
    deleted: bool = False
    edits: list[JsonDict] = field(default_factory=list)
