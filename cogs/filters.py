"""/filter: moderators choose what digests list, per digest channel or per source, and whom they ping."""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.client import NewsbriefBot
from bot.discord.interactions import guild_id_of, reply, require_moderator, source_choices
from bot.discord.limits import AUTOCOMPLETE_CHOICES_MAX, EMBED_DESCRIPTION_MAX
from bot.discord.render import escape, shown_rule
from bot.fitting import fit
from bot.service.filters import describe_rule
from bot.service.moderation import FilterKind, FilterRule

HOW_FILTERS_COMBINE = (
    "A digest leaves out what any exclude filter matches. Include filters of one kind are alternatives "
    "(any one will do); of different kinds, each must match. Change filters bear on edits only."
)


def _where(rule: FilterRule, names: dict[int, str]) -> str:
    if rule.source_id is not None:
        return f"source **{escape(names.get(rule.source_id, str(rule.source_id)))}**"
    return f"<#{rule.channel_id}>"


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Filters(commands.GroupCog, group_name="filter", group_description="Choose what digests list"):
    def __init__(self, bot: NewsbriefBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await require_moderator(interaction)

    @app_commands.command(
        name="add", description="Only list, or leave out, what matches; optionally ping a role"
    )
    @app_commands.describe(
        kind="keyword, speaker (someone quoted), regex (RE2), or change (headline, number, quote, sentence)",
        value="The words, the name, the pattern, or the kind of change",
        action="include: list only what matches (default); exclude: leave it out",
        channel="The digest channel the filter is on",
        source="Or: the source the filter is on",
        mention="A role to ping when this include filter matches",
    )
    async def add(
        self,
        interaction: discord.Interaction,
        kind: Literal["keyword", "speaker", "regex", "change"],
        value: app_commands.Range[str, 1, 200],
        action: Literal["include", "exclude"] = "include",
        channel: discord.TextChannel | None = None,
        source: str | None = None,
        mention: discord.Role | None = None,
    ) -> None:
        rule = await self.bot.moderation.add_filter(
            guild_id_of(interaction),
            kind=FilterKind(kind),
            value=value,
            exclude=action == "exclude",
            channel_id=channel.id if channel else None,
            source=source,
            mention_role_id=mention.id if mention else None,
            created_by=interaction.user.id,
        )
        entries = await self.bot.moderation.source_choices(guild_id_of(interaction), "")
        names = {e.source.id: e.name for e in entries}
        added = f"Added filter {shown_rule(rule)} on {_where(rule, names)}."
        await reply(
            interaction,
            content=f"{added}\n-# {HOW_FILTERS_COMBINE}",
            ephemeral=True,
        )

    @app_commands.command(name="list", description="This server's filters")
    async def list_(self, interaction: discord.Interaction) -> None:
        guild_id = guild_id_of(interaction)
        rules = await self.bot.moderation.filters(guild_id)
        names = {e.source.id: e.name for e in await self.bot.moderation.source_choices(guild_id, "")}
        lines = [f"{shown_rule(rule)} on {_where(rule, names)}" for rule in rules]
        text = (
            "\n".join(lines) + f"\n\n{HOW_FILTERS_COMBINE}"
            if lines
            else "No filters: digests list everything."
        )
        await reply(
            interaction,
            embeds=[{"title": "Filters", "description": fit(text, EMBED_DESCRIPTION_MAX)}],
            ephemeral=True,
        )

    @app_commands.command(name="remove", description="Remove a filter")
    @app_commands.describe(filter="The filter to remove (its number in /filter list)")
    async def remove(self, interaction: discord.Interaction, filter: int) -> None:
        await self.bot.moderation.remove_filter(guild_id_of(interaction), filter)
        await reply(interaction, content=f"Removed filter #{filter}.", ephemeral=True)

    @add.autocomplete("source")
    async def _source_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await source_choices(interaction, current)

    @remove.autocomplete("filter")
    async def _filter_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        rules = await self.bot.moderation.filters(interaction.guild_id)
        wanted = current.casefold()
        shown = [rule for rule in rules if wanted in describe_rule(rule).casefold()]
        return [
            app_commands.Choice(name=fit(describe_rule(rule), 100), value=rule.id)
            for rule in shown[:AUTOCOMPLETE_CHOICES_MAX]
        ]


async def setup(bot: commands.Bot) -> None:
    assert isinstance(bot, NewsbriefBot)
    await bot.add_cog(Filters(bot))
