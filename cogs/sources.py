"""/source: moderators add, remove, pause, resume, list and test the server's sources."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.client import NewsbriefBot
from bot.discord.interactions import (
    UserError,
    guild_id_of,
    reply,
    require_can_post,
    require_moderator,
    source_choices,
)
from bot.discord.limits import EMBED_DESCRIPTION_MAX
from bot.discord.render import brief_embed, escape, shown_rule
from bot.fitting import fit
from bot.ingest.opml import OPML_MAX_BYTES
from bot.ingest.urls import is_http_url
from bot.service.moderation import GuildSource, RetrySummary, SourceNotFound, check_source_request
from bot.service.polling import SourceReport

PREVIEW_BRIEFS = 3
# How long `/source add` waits for a new source's first poll before answering; a slower poll
# (a feed of teasers, each page fetched) goes on in the background.
FIRST_POLL_WAIT_SECONDS = 8.0


def _when(moment: datetime | None) -> str:
    return f"<t:{int(moment.timestamp())}:R>" if moment else "never"


def describe_first_poll(poll: asyncio.Task[SourceReport | None]) -> str:
    """One sentence on a new source's first poll, for `/source add`'s reply."""
    if not poll.done():
        return " Its articles are being fetched now."
    report = poll.result()
    if report is None:
        return " Its first fetch did not finish; the next poll tries again."
    if report.error:
        return f" Its first fetch failed ({escape(report.error)}); the next poll tries again."
    stored = report.new + report.updated
    text = f" {stored} article{'' if stored == 1 else 's'} stored now"
    if report.failed:
        text += f", {report.failed} could not be read"
    return text + "."


def describe_health(entry: GuildSource, retries: RetrySummary | None = None) -> str:
    """A subscription's health. The pause is this server's own (another server's pause of a source
    both follow is none of its business); fetch health is the shared fetch's."""
    source = entry.source
    parts = [f"last fetch {_when(source.last_success_at)}"]
    if entry.paused:
        parts.append(f"**paused**: {escape(entry.pause_reason or 'by a moderator')}")
    elif source.paused:
        parts.append(f"**paused**: {escape(source.pause_reason or 'by the bot operator')}")
    elif source.consecutive_failures:
        parts.append(f"**failing** ({source.consecutive_failures}×): {escape(source.last_error or '')}")
    elif source.last_error:
        parts.append(f"last error {_when(source.last_error_at)}: {escape(source.last_error)}")
    if retries is not None:
        parts.append(escape(retries.describe()))
    if entry.channel_id:
        parts.append(f"posts to <#{entry.channel_id}>")
    return " · ".join(parts)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Sources(commands.GroupCog, group_name="source", group_description="Manage this server's news sources"):
    def __init__(self, bot: NewsbriefBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await require_moderator(interaction)

    async def _find(self, interaction: discord.Interaction, value: str) -> GuildSource:
        try:
            return await self.bot.moderation.find_source(guild_id_of(interaction), value)
        except SourceNotFound as exc:
            raise UserError(
                f"This server has no source “{escape(fit(value, 80))}”. See `/source list`."
            ) from exc

    @app_commands.command(
        name="add", description="Follow a feed (RSS, Atom, JSON Feed) or watch an article page"
    )
    @app_commands.describe(
        url="The feed's or the page's http(s) address",
        channel="Where its articles are posted in digests (default: the server's digest channels)",
        name="A short name for the source (default: its title)",
        backfill="Post earlier articles too? none (default), latest N, or all",
    )
    async def add(
        self,
        interaction: discord.Interaction,
        url: str,
        channel: discord.TextChannel | None = None,
        name: app_commands.Range[str, 1, 80] | None = None,
        backfill: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        request = check_source_request(url, backfill)
        if channel is not None:
            require_can_post(channel)
        await interaction.response.defer(ephemeral=True, thinking=True)
        added = await self.bot.moderation.add_source(
            guild_id_of(interaction),
            request,
            channel_id=channel.id if channel else None,
            name=name,
            added_by=interaction.user.id,
        )
        kind = added.preview.kind
        what = "feed" if kind.value == "feed" else "article page (watched for edits)"
        verb = "Added" if added.created else "Already following"
        first = ""
        if added.is_new_to_the_bot:
            # New to the bot: read it now, so its articles are there for /search and the next
            # digest without waiting for the poll interval.
            poll = self.bot.start_first_poll(added.source, added.preview.fetched)
            await asyncio.wait({poll}, timeout=FIRST_POLL_WAIT_SECONDS)
            first = describe_first_poll(poll)
        lines = [
            f"{verb} **{escape(added.shown_name)}** — a {what}.{first} It is polled every "
            f"{self.bot.settings.poll_interval_minutes:g} minutes; see `/source list` for its health."
        ]
        if added.backfill is not None:
            lines.append(f"Digests post {added.backfill.describe()}; every article is searchable.")
        if channel is not None and not await self.bot.moderation.has_digest(channel.id):
            lines.append(
                f"{channel.mention} has no digest yet: set one with `/digest set` to post its articles."
            )
        await reply(interaction, content="\n".join(lines), ephemeral=True)

    @app_commands.command(name="remove", description="Stop following a source")
    @app_commands.describe(source="The source to remove")
    async def remove(self, interaction: discord.Interaction, source: str) -> None:
        entry = await self._find(interaction, source)
        await self.bot.moderation.remove_source(guild_id_of(interaction), entry.source.id)
        await reply(interaction, content=f"Removed **{escape(entry.name)}**.", ephemeral=True)

    @app_commands.command(name="list", description="This server's sources and their health")
    async def list_(self, interaction: discord.Interaction) -> None:
        listing = await self.bot.moderation.source_list(guild_id_of(interaction))
        lines = [
            f"**{escape(e.name)}** — {escape(e.source.location)}\n"
            f"{describe_health(e, listing.retries.get(e.source.id))}"
            + "".join(f"\nfilter {shown_rule(rule)}" for rule in listing.filters.get(e.source.id, ()))
            for e in listing.entries
        ]
        for channel in listing.broken_channels:
            problem = escape(channel.status_detail or channel.status)
            lines.append(f"⚠ digest channel <#{channel.channel_id}>: {problem}")
        text = "\n\n".join(lines) or "No sources yet. Add one with `/source add`."
        embed = {"title": "Sources", "description": fit(text, EMBED_DESCRIPTION_MAX)}
        await reply(interaction, embeds=[embed], ephemeral=True)

    @app_commands.command(name="pause", description="Stop polling a source for now")
    @app_commands.describe(source="The source to pause")
    async def pause(self, interaction: discord.Interaction, source: str) -> None:
        entry = await self._find(interaction, source)
        await self.bot.moderation.pause_source(
            guild_id_of(interaction), entry.source.id, by=interaction.user.display_name
        )
        await reply(interaction, content=f"Paused **{escape(entry.name)}**.", ephemeral=True)

    @app_commands.command(name="resume", description="Poll a paused source again")
    @app_commands.describe(source="The source to resume")
    async def resume(self, interaction: discord.Interaction, source: str) -> None:
        entry = await self._find(interaction, source)
        await self.bot.moderation.resume_source(guild_id_of(interaction), entry.source.id)
        await reply(
            interaction,
            content=f"Resumed **{escape(entry.name)}**; it is polled at the next round.",
            ephemeral=True,
        )

    @remove.autocomplete("source")
    @pause.autocomplete("source")
    @resume.autocomplete("source")
    async def _source_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await source_choices(interaction, current)

    @app_commands.command(name="export", description="This server's feeds as an OPML file, for a feed reader")
    async def export(self, interaction: discord.Interaction) -> None:
        count, data = await self.bot.moderation.export_feeds(guild_id_of(interaction))
        await interaction.response.send_message(
            content=f"{count} feed{'' if count == 1 else 's'}, as OPML.",
            file=discord.File(io.BytesIO(data), filename="newsbrief-sources.opml"),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @app_commands.command(name="import", description="Follow every feed of an OPML file from a feed reader")
    @app_commands.describe(file="An OPML export (.opml or .xml); its feeds post new articles only")
    async def import_(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        if file.size > OPML_MAX_BYTES:
            raise UserError(
                f"That file is over {OPML_MAX_BYTES // 1000} KB: an OPML list of feeds is much smaller."
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            data = await file.read()
        except discord.HTTPException as exc:
            raise UserError("I could not download that attachment from Discord; try again.") from exc
        report = await self.bot.moderation.import_feeds(
            guild_id_of(interaction), data, added_by=interaction.user.id
        )
        text = (
            f"Imported {report.added} feed{'' if report.added == 1 else 's'}; {report.already} already "
            f"followed, {report.skipped} skipped (not an http(s) address, or repeated). They are read at the "
            "next poll and post new articles only; see `/source list`."
        )
        await reply(interaction, content=text, ephemeral=True)

    @app_commands.command(
        name="test", description="Fetch a source once and show what would be posted (stores nothing)"
    )
    @app_commands.describe(url="The feed's or the page's http(s) address")
    async def test(self, interaction: discord.Interaction, url: str) -> None:
        if not is_http_url(url.strip()):
            raise UserError("Give an http:// or https:// address.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        preview = await self.bot.moderation.preview(url, limit=PREVIEW_BRIEFS)
        kind, briefs = preview.kind.value, preview.briefs
        title = f"“{escape(fit(preview.title, 100))}”, a {kind}" if preview.title else f"A {kind}"
        if not briefs:
            await reply(interaction, content=f"{title} with no articles right now.", ephemeral=True)
            return
        await reply(
            interaction,
            content=f"{title}: here is what its first {len(briefs)} article(s) would look like.",
            embeds=[brief_embed(b) for b in briefs],
            ephemeral=True,
        )


async def setup(bot: commands.Bot) -> None:
    assert isinstance(bot, NewsbriefBot)
    await bot.add_cog(Sources(bot))
