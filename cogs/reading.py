"""Reading stored articles: /brief, /summarize, /quote, /changes, /search."""

from __future__ import annotations

import io
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.client import NewsbriefBot
from bot.discord.interactions import (
    Pager,
    UserError,
    article_choices,
    choice,
    guild_id_of,
    reply,
    reply_pages,
    resolve_article,
)
from bot.discord.limits import ATTACHMENT_DESCRIPTION_MAX, AUTOCOMPLETE_CHOICES_MAX
from bot.discord.render import (
    QuoteOrigin,
    QuoteOriginView,
    brief_embed,
    changes_embeds,
    escape,
    quotes_embeds,
    search_page,
)
from bot.fitting import fit
from bot.models import Quote
from bot.redline import render_redline
from bot.service.reading import is_article_address

SEARCH_PAGE_SIZE = 5
REDLINE_FILENAME = "changes.png"
SEARCH_MAX_PAGES = 20


class SearchPages(Pager):
    """/search results, a page at a time, read from the store as the member turns pages."""

    def __init__(self, bot: NewsbriefBot, *, guild_id: int, user_id: int, query: str, total: int) -> None:
        pages = max(1, min(SEARCH_MAX_PAGES, -(-total // SEARCH_PAGE_SIZE)))
        super().__init__(pages=pages, user_id=user_id)
        self.bot, self.guild_id, self.query = bot, guild_id, query

    async def render(self, page: int) -> dict[str, Any]:
        hits = await self.bot.reading.search(
            self.guild_id, self.query, limit=SEARCH_PAGE_SIZE, offset=page * SEARCH_PAGE_SIZE
        )
        return search_page(hits, page=page + 1, pages=self.pages, query=self.query)


class Reading(commands.Cog):
    def __init__(self, bot: NewsbriefBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="brief", description="The brief of a stored article: summary, quotes, what changed"
    )
    @app_commands.describe(article="A stored article: start typing its headline")
    @app_commands.guild_only()
    async def brief(self, interaction: discord.Interaction, article: str) -> None:
        record = await resolve_article(interaction, article)
        await reply(interaction, embeds=[brief_embed(await self.bot.reading.latest_brief(record))])

    @app_commands.command(
        name="summarize", description="Summarize a stored article, or any article by its URL"
    )
    @app_commands.describe(
        target="A stored article (start typing its headline) or an article's http(s) URL",
        sentences="How many sentences (1-10; default 3)",
    )
    @app_commands.guild_only()
    async def summarize_command(
        self,
        interaction: discord.Interaction,
        target: str,
        sentences: app_commands.Range[int, 1, 10] | None = None,
    ) -> None:
        guild_id = guild_id_of(interaction)
        if is_article_address(target):
            # Fetching a page can take longer than the 3 s Discord allows for a first answer.
            await interaction.response.defer(thinking=True)
            brief = await self.bot.reading.summarize(guild_id, target, sentences)
        else:
            record = await resolve_article(interaction, target)
            brief = await self.bot.reading.summarize(guild_id, record, sentences)
        await reply(interaction, embeds=[brief_embed(brief)])

    @app_commands.command(
        name="quote", description="Quotes from an article, or what someone said across articles"
    )
    @app_commands.describe(
        article="A stored article (start typing its headline); leave empty to search by speaker",
        speaker="Only quotes by this person; alone, what they said across this server's articles",
        contains="Only quotes containing these words",
    )
    @app_commands.guild_only()
    async def quote(
        self,
        interaction: discord.Interaction,
        article: str | None = None,
        speaker: str | None = None,
        contains: str | None = None,
    ) -> None:
        guild_id = guild_id_of(interaction)
        quotes: list[tuple[Quote, QuoteOriginView | None]]
        if article:
            record = await resolve_article(interaction, article)
            brief, found = await self.bot.reading.quotes_in(record, speaker=speaker, contains=contains)
            quotes = [(q, brief) for q in found]
            title = f"Quotes in “{fit(brief.headline, 150)}”"
        elif speaker:
            said = await self.bot.reading.quotes_by_speaker(
                guild_id, speaker, contains=contains, limit=AUTOCOMPLETE_CHOICES_MAX
            )
            quotes = [(s.quote, QuoteOrigin(s.headline, s.url)) for s in said]
            title = f"What {fit(speaker, 100)} said"
        else:
            raise UserError("Give an `article`, a `speaker`, or both.")
        empty = "No quotes match." if (speaker or contains) else "This article has no direct quotes."
        await reply_pages(interaction, quotes_embeds(quotes, title=escape(title), empty=empty))

    @quote.autocomplete("speaker")
    async def _speaker_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        names = await self.bot.reading.speakers(interaction.guild_id, current, limit=AUTOCOMPLETE_CHOICES_MAX)
        return [choice(name, name) for name in names]

    @app_commands.command(
        name="changes", description="What changed between the stored versions of an article"
    )
    @app_commands.describe(article="A stored article: start typing its headline")
    @app_commands.guild_only()
    async def changes(self, interaction: discord.Interaction, article: str) -> None:
        record = await resolve_article(interaction, article)
        history = await self.bot.reading.change_history(record)
        brief = history.brief
        if history.versions < 2:
            await reply(
                interaction,
                content=f"Only one version of “{escape(fit(brief.headline, 200))}” is stored "
                f"(first seen <t:{int(history.first_seen_at.timestamp())}:f>): nothing has changed yet.",
                ephemeral=True,
            )
            return
        pages: list[dict[str, Any]] = []
        for edit in history.edits:
            pages.extend(changes_embeds(edit.changes, headline=edit.label, url=edit.url))
        # The newest edit as a picture too: struck-through red and green, with alt text.
        newest = history.edits[0].changes if history.edits else brief.changes
        picture = render_redline(newest, headline=brief.headline, alt_text_max=ATTACHMENT_DESCRIPTION_MAX)
        files = (
            [discord.File(io.BytesIO(picture.png), filename=REDLINE_FILENAME, description=picture.alt_text)]
            if picture is not None
            else []
        )
        await reply_pages(
            interaction,
            pages or changes_embeds(brief.changes, headline=brief.headline, url=brief.url),
            files=files,
        )

    @app_commands.command(name="search", description="Search this server's stored articles")
    @app_commands.describe(query="Words to look for in headlines and article text")
    @app_commands.guild_only()
    async def search(self, interaction: discord.Interaction, query: app_commands.Range[str, 1, 200]) -> None:
        guild_id = guild_id_of(interaction)
        first = await self.bot.reading.search(guild_id, query, limit=SEARCH_PAGE_SIZE * SEARCH_MAX_PAGES)
        if not first:
            await reply(
                interaction,
                content=f"No stored article matches “{escape(fit(query, 100))}”. Try fewer or other words.",
                ephemeral=True,
            )
            return
        view = SearchPages(
            self.bot, guild_id=guild_id, user_id=interaction.user.id, query=query, total=len(first)
        )
        embed = search_page(first[:SEARCH_PAGE_SIZE], page=1, pages=view.pages, query=query)
        await reply(interaction, embeds=[embed], view=view if view.pages > 1 else None)

    # One autocomplete for every option that names a stored article.
    @brief.autocomplete("article")
    @summarize_command.autocomplete("target")
    @quote.autocomplete("article")
    @changes.autocomplete("article")
    async def _article_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await article_choices(interaction, current)


async def setup(bot: commands.Bot) -> None:
    assert isinstance(bot, NewsbriefBot)
    await bot.add_cog(Reading(bot))
