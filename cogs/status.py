"""/newsbrief: the bot's status, the server's moderator role and its notice channel."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import __version__
from bot.discord.client import NewsbriefBot
from bot.discord.interactions import UserError, guild_id_of, reply, require_can_post, require_moderator
from bot.discord.limits import EMBED_FIELD_VALUE_MAX
from bot.discord.render import escape
from bot.fitting import fit


def _uptime(seconds: float) -> str:
    minutes, _ = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h {minutes}m" if days else f"{hours}h {minutes}m"


@app_commands.guild_only()
class Status(commands.GroupCog, group_name="newsbrief", group_description="About Newsbrief in this server"):
    def __init__(self, bot: NewsbriefBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="status", description="Uptime, sources, stored articles and the next digests")
    async def status(self, interaction: discord.Interaction) -> None:
        status = await self.bot.moderation.status(guild_id_of(interaction))
        sources, failing = status.sources, status.failing
        digest_lines = []
        for channel, schedule in status.digests:
            next_run = int(channel.next_run_at.timestamp())
            line = f"<#{channel.channel_id}>: {escape(schedule.describe())}, next <t:{next_run}:R>"
            if channel.status != "ok":
                line += f" — ⚠ {escape(channel.status_detail or channel.status)}"
            digest_lines.append(line)
        failing_lines = [
            f"{escape(s.name)}: {escape(s.source.pause_reason or s.source.last_error or 'failing')}"
            for s in failing
        ]
        uptime = (self.bot.clock() - self.bot.started_at).total_seconds()
        fields: list[dict[str, object]] = [
            {"name": "Uptime", "value": _uptime(uptime), "inline": True},
            {
                "name": "Sources",
                "value": f"{len(sources) - len(failing)} ok, {len(failing)} failing or paused",
                "inline": True,
            },
            {"name": "Articles stored", "value": str(status.articles), "inline": True},
            {
                "name": "Next digests",
                "value": fit(
                    "\n".join(digest_lines) or "none — set one with `/digest set`", EMBED_FIELD_VALUE_MAX
                ),
            },
        ]
        if failing_lines:
            fields.append(
                {"name": "Failing sources", "value": fit("\n".join(failing_lines), EMBED_FIELD_VALUE_MAX)}
            )
        embed = {
            "title": "Newsbrief status",
            "fields": fields,
            "footer": {"text": f"Newsbrief {__version__}"},
        }
        await reply(interaction, embeds=[embed], ephemeral=True)

    @app_commands.command(
        name="moderator-role", description="Let members with this role manage sources and digests"
    )
    @app_commands.describe(role="The moderator role; leave empty to allow only members with Manage Server")
    async def moderator_role(
        self, interaction: discord.Interaction, role: discord.Role | None = None
    ) -> None:
        # Only Manage Server may choose who moderates: a role moderator must not widen their own circle.
        member = interaction.user
        if not isinstance(member, discord.Member) or not member.guild_permissions.manage_guild:
            raise UserError("Only members with Manage Server can set the moderator role.")
        await self.bot.moderation.set_moderator_role(guild_id_of(interaction), role.id if role else None)
        text = (
            f"Members with {role.mention} can now manage sources and digests."
            if role
            else "Only members with Manage Server can manage sources and digests now."
        )
        await reply(interaction, content=text, ephemeral=True)

    @app_commands.command(
        name="notices", description="Where to tell moderators of failing sources and digest channels"
    )
    @app_commands.describe(channel="The notice channel; leave empty to stop notices")
    @app_commands.default_permissions(manage_guild=True)
    async def notices(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        if not await require_moderator(interaction):
            return
        if channel is not None:
            require_can_post(channel)
        await self.bot.moderation.set_notice_channel(
            guild_id_of(interaction), channel.id if channel else None
        )
        failures = self.bot.settings.notice_after_failures
        text = (
            f"Notices go to {channel.mention}: a source failing {failures} times in a row, a source paused "
            "or back, a digest channel I can no longer post in. One notice per change, not per failure."
            if channel
            else "Notices are off."
        )
        await reply(interaction, content=text, ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    assert isinstance(bot, NewsbriefBot)
    await bot.add_cog(Status(bot))
