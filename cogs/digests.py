"""/digest: moderators schedule, preview, post now, or stop a channel's digest."""

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
from bot.service.moderation import DigestChannel, check_schedule


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
        channel="The channel to post digests in",
        schedule="e.g. `daily 08:00`, `every 2h`, `weekdays 07:30`, or a cron expression like `0 8 * * 1-5`",
        timezone="An IANA timezone such as Europe/Paris (default UTC)",
        items="The most articles one digest lists; the rest are counted and stay searchable",
    )
    async def set_(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
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
    async def now(self, interaction: discord.Interaction, channel: discord.TextChannel | None = None) -> None:
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
    async def preview(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
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

    @app_commands.command(name="off", description="Stop a channel's digest")
    @app_commands.describe(channel="The digest channel (default: this channel)")
    async def off(self, interaction: discord.Interaction, channel: discord.TextChannel | None = None) -> None:
        record = await self._channel(interaction, channel)
        await self.bot.moderation.remove_digest(record.channel_id)
        await reply(interaction, content=f"No more digests in <#{record.channel_id}>.", ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    assert isinstance(bot, NewsbriefBot)
    await bot.add_cog(Digests(bot))
