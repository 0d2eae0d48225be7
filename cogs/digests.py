"""/digest: moderators schedule, preview, post now, or stop a channel's digest, and set its story
threads."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.config import DIGEST_ITEMS_LIMIT
from bot.discord.client import NewsbriefBot
from bot.discord.interactions import (
    UserError,
    guild_id_of,
    reply,
    require_can_post,
    require_moderator,
    to_embeds,
)
from bot.discord.limits import THREAD_AUTO_ARCHIVE_MINUTES
from bot.service.moderation import DigestChannel, check_schedule

DigestPlace = discord.TextChannel | discord.ForumChannel


class DigestPlaceOption(app_commands.Transformer):
    """A channel option for text, announcement and forum channels (discord.py's own union adds
    media channels, which digests cannot go to)."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        return [discord.ChannelType.text, discord.ChannelType.news, discord.ChannelType.forum]

    async def transform(self, interaction: discord.Interaction, value: object) -> DigestPlace:
        channel_id = getattr(value, "id", None)
        found = interaction.guild.get_channel(channel_id) if interaction.guild and channel_id else None
        if not isinstance(found, discord.TextChannel | discord.ForumChannel):
            raise UserError("Pick a text, announcement or forum channel of this server.")
        return found


DigestPlaceArg = app_commands.Transform[DigestPlace, DigestPlaceOption]
ARCHIVE_CHOICES = {60: "1 hour", 1440: "1 day", 4320: "3 days", 10080: "1 week"}
DEFAULT_ARCHIVE_MINUTES = 1440
assert set(ARCHIVE_CHOICES) == set(THREAD_AUTO_ARCHIVE_MINUTES)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Digests(commands.GroupCog, group_name="digest", group_description="Scheduled digests of new briefs"):
    def __init__(self, bot: NewsbriefBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await require_moderator(interaction)

    async def _channel(
        self, interaction: discord.Interaction, channel: discord.abc.GuildChannel | None
    ) -> DigestChannel:
        channel_id = channel.id if channel else interaction.channel_id
        return await self.bot.moderation.digest_channel(guild_id_of(interaction), channel_id)

    @app_commands.command(name="set", description="Post a digest of new briefs to a channel on a schedule")
    @app_commands.describe(
        channel="The channel to post digests in (in a forum channel, each story is a post)",
        schedule="e.g. `daily 08:00`, `every 2h`, `weekdays 07:30`, or a cron expression like `0 8 * * 1-5`",
        timezone="An IANA timezone such as Europe/Paris (default UTC)",
        items="The most articles one digest lists; the rest are counted and stay searchable",
    )
    async def set_(
        self,
        interaction: discord.Interaction,
        channel: DigestPlaceArg,
        schedule: app_commands.Range[str, 1, 100],
        timezone: app_commands.Range[str, 1, 64] | None = None,
        items: app_commands.Range[int, 1, DIGEST_ITEMS_LIMIT] | None = None,
    ) -> None:
        guild_id = guild_id_of(interaction)
        parsed = check_schedule(schedule, timezone)
        require_can_post(channel)
        record = (
            await self.bot.moderation.set_digest(
                guild_id, channel.id, parsed, items=items, created_by=interaction.user.id
            )
        ).channel
        if isinstance(channel, discord.ForumChannel):
            # A forum holds posts, not messages: its digest is a post per story, always.
            current = await self.bot.moderation.story_threads(channel.id)
            minutes = current.auto_archive_minutes if current else DEFAULT_ARCHIVE_MINUTES
            await self.bot.moderation.set_story_threads(
                guild_id, channel.id, enabled=True, forum=True, auto_archive_minutes=minutes
            )
        listed = record.max_items or self.bot.settings.digest_max_items
        await reply(
            interaction,
            content=f"Digests for {channel.mention}: {parsed.describe()}, "
            f"up to {listed} article{'' if listed == 1 else 's'} each. "
            f"Next one <t:{int(record.next_run_at.timestamp())}:R>.",
            ephemeral=True,
        )

    @app_commands.command(name="now", description="Post the digest now, off schedule")
    @app_commands.describe(channel="The digest channel (default: this channel)")
    async def now(self, interaction: discord.Interaction, channel: DigestPlaceArg | None = None) -> None:
        record = await self._channel(interaction, channel)
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await self.bot.digests.run_now(record)
        if report.error:
            raise UserError(f"The digest could not be posted in <#{record.channel_id}>: {report.error}.")
        if report.composed == 0:
            await reply(interaction, content="Nothing new since the last digest.", ephemeral=True)
            return
        await reply(
            interaction, content=f"Posted {report.sent} message(s) in <#{record.channel_id}>.", ephemeral=True
        )

    @app_commands.command(name="preview", description="See the next digest, only for you")
    @app_commands.describe(channel="The digest channel (default: this channel)")
    async def preview(self, interaction: discord.Interaction, channel: DigestPlaceArg | None = None) -> None:
        record = await self._channel(interaction, channel)
        prepared = await self.bot.digests.prepare(record)
        if not prepared.messages:
            await reply(interaction, content="Nothing new since the last digest.", ephemeral=True)
            return
        first = prepared.messages[0]
        note = (
            f"\n-# Preview: 1 of {len(prepared.messages)} message(s)." if len(prepared.messages) > 1 else ""
        )
        await interaction.response.send_message(
            content=(first.content or "") + note,
            embeds=to_embeds(first.embeds),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @app_commands.command(
        name="publish", description="Publish (crosspost) digests posted in announcement channels"
    )
    @app_commands.describe(enabled="On: followers of the announcement channel get each digest too")
    async def publish(self, interaction: discord.Interaction, enabled: bool) -> None:
        await self.bot.moderation.set_publish_digests(guild_id_of(interaction), enabled)
        text = (
            "Digests in announcement channels are now published to the channels following them."
            if enabled
            else "Digests in announcement channels are no longer published."
        )
        await reply(interaction, content=text, ephemeral=True)

    @app_commands.command(name="threads", description="Give each story of a digest its own thread")
    @app_commands.describe(
        enabled="On: each new story opens a thread; later versions and articles on it are posted there",
        channel="The digest channel (default: this channel)",
        archive_after="How long a quiet thread stays open before Discord archives it (default 1 day)",
    )
    @app_commands.choices(
        archive_after=[
            app_commands.Choice(name=label, value=minutes) for minutes, label in ARCHIVE_CHOICES.items()
        ]
    )
    async def threads(
        self,
        interaction: discord.Interaction,
        enabled: bool,
        channel: DigestPlaceArg | None = None,
        archive_after: app_commands.Choice[int] | None = None,
    ) -> None:
        record = await self._channel(interaction, channel)
        current = await self.bot.moderation.story_threads(record.channel_id)
        forum = current.forum if current else isinstance(channel, discord.ForumChannel)
        if forum and not enabled:
            raise UserError("A forum channel's digest is a post per story: its threads cannot be turned off.")
        minutes = (
            archive_after.value
            if archive_after
            else (current.auto_archive_minutes if current else DEFAULT_ARCHIVE_MINUTES)
        )
        await self.bot.moderation.set_story_threads(
            guild_id_of(interaction),
            record.channel_id,
            enabled=enabled,
            forum=forum,
            auto_archive_minutes=minutes,
        )
        where = f"<#{record.channel_id}>"
        if not enabled:
            await reply(
                interaction, content=f"Digests in {where} no longer open story threads.", ephemeral=True
            )
            return
        text = (
            f"Each new story in {where}'s digest now gets its own thread; later versions and later "
            f"articles on it are posted there. Quiet threads archive after {ARCHIVE_CHOICES[minutes]}."
        )
        target = channel or interaction.channel
        me = interaction.guild.me if interaction.guild else None
        if isinstance(target, discord.TextChannel) and me is not None:
            permissions = target.permissions_for(me)
            missing = [
                name
                for name, granted in (
                    ("Create Public Threads", permissions.create_public_threads),
                    ("Send Messages in Threads", permissions.send_messages_in_threads),
                )
                if not granted
            ]
            if missing:
                text += (
                    f"\n⚠️ Give me {' and '.join(missing)} there: "
                    "until then the digest is posted without threads."
                )
        await reply(interaction, content=text, ephemeral=True)

    @app_commands.command(name="off", description="Stop a channel's digest")
    @app_commands.describe(channel="The digest channel (default: this channel)")
    async def off(self, interaction: discord.Interaction, channel: DigestPlaceArg | None = None) -> None:
        record = await self._channel(interaction, channel)
        await self.bot.moderation.remove_digest(record.channel_id)
        await reply(interaction, content=f"No more digests in <#{record.channel_id}>.", ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    assert isinstance(bot, NewsbriefBot)
    await bot.add_cog(Digests(bot))
