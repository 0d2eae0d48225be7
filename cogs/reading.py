"""Reading stored articles: /brief, /summarize, /quote, /changes, /search."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.brief.summarize import summarize
from bot.discord.client import NewsbriefBot
from bot.discord.interactions import (
    Pager,
    UserError,
    article_choices,
    choice,
    guild_id_of,
    newsbrief,
    reply,
    reply_pages,
    resolve_article,
)
from bot.discord.limits import AUTOCOMPLETE_CHOICES_MAX
from bot.discord.render import (
    QuoteOrigin,
    QuoteOriginView,
    brief_embed,
    changes_embeds,
    escape,
    fit,
    quotes_embeds,
    search_page,
)
from bot.models import Brief, ChangeBasis, Quote
from bot.store import ArticleRecord

SEARCH_PAGE_SIZE = 5
SEARCH_MAX_PAGES = 20


async def latest_brief_of(interaction: discord.Interaction, article: ArticleRecord) -> Brief:
    brief = await newsbrief(interaction).engine.store.latest_brief(article.id)
    if brief is None:
        raise UserError("That article has no brief yet; try again after the next poll.")
    return brief


class SearchPages(Pager):
    """/search results, a page at a time, read from the store as the member turns pages."""

    def __init__(self, bot: NewsbriefBot, *, guild_id: int, user_id: int, query: str, total: int) -> None:
        pages = max(1, min(SEARCH_MAX_PAGES, -(-total // SEARCH_PAGE_SIZE)))
        super().__init__(pages=pages, user_id=user_id)
        self.bot, self.guild_id, self.query = bot, guild_id, query

    async def render(self, page: int) -> dict[str, Any]:
        hits = await self.bot.engine.store.search(
            self.query, guild_id=self.guild_id, limit=SEARCH_PAGE_SIZE, offset=page * SEARCH_PAGE_SIZE
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
        await reply(interaction, embeds=[brief_embed(await latest_brief_of(interaction, record))])

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
        store = self.bot.engine.store
        target = target.strip()
        if target.lower().startswith(("http://", "https://")):
            # Fetching a page can take longer than the 3 s Discord allows for a first answer.
            await interaction.response.defer(thinking=True)
            record, brief = await self.bot.engine.fetch_article(target)
            await store.grant_article(guild_id, record.id)
        elif "://" in target or target.lower().startswith("www."):
            raise UserError(
                "Give a full http:// or https:// address, or pick a stored article from the list."
            )
        else:
            record = await resolve_article(interaction, target)
            brief = await latest_brief_of(interaction, record)
        if sentences is not None and sentences != len(brief.summary):
            version = await store.latest_version(record.id)
            if version is not None:
                brief = replace(brief, summary=tuple(summarize(version.text, sentences, title=version.title)))
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
        store = self.bot.engine.store
        if article:
            record = await resolve_article(interaction, article)
            brief = await latest_brief_of(interaction, record)
            quotes: list[tuple[Quote, QuoteOriginView | None]] = [
                (q, brief)
                for q in brief.quotes
                if _matches_speaker(q.speaker, speaker) and _contains(q.text, contains)
            ]
            title = f"Quotes in “{fit(brief.headline, 150)}”"
        elif speaker:
            said = await store.quotes_by_speaker(guild_id, speaker, limit=AUTOCOMPLETE_CHOICES_MAX)
            quotes = [
                (s.quote, QuoteOrigin(s.headline, s.url)) for s in said if _contains(s.quote.text, contains)
            ]
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
        names = await self.bot.engine.store.speakers(
            interaction.guild_id, current, limit=AUTOCOMPLETE_CHOICES_MAX
        )
        return [choice(name, name) for name in names]

    @app_commands.command(
        name="changes", description="What changed between the stored versions of an article"
    )
    @app_commands.describe(article="A stored article: start typing its headline")
    @app_commands.guild_only()
    async def changes(self, interaction: discord.Interaction, article: str) -> None:
        record = await resolve_article(interaction, article)
        store = self.bot.engine.store
        versions = await store.list_versions(record.id)
        brief = await latest_brief_of(interaction, record)
        if len(versions) < 2:
            seen = versions[0].seen_at if versions else record.first_seen_at
            await reply(
                interaction,
                content=f"Only one version of “{escape(fit(brief.headline, 200))}” is stored "
                f"(first seen <t:{int(seen.timestamp())}:f>): nothing has changed yet.",
                ephemeral=True,
            )
            return
        # Newest edit first; each later version's brief holds what changed since the one before.
        pages: list[dict[str, Any]] = []
        for version in reversed(versions[1:]):
            version_brief = await store.get_brief(version.id)
            if version_brief is None or version_brief.changes.basis is not ChangeBasis.PREVIOUS_VERSION:
                continue
            label = f"{version_brief.headline} · version {version.number} of {len(versions)}"
            pages.extend(changes_embeds(version_brief.changes, headline=label, url=version_brief.url))
        await reply_pages(
            interaction, pages or changes_embeds(brief.changes, headline=brief.headline, url=brief.url)
        )

    @app_commands.command(name="search", description="Search this server's stored articles")
    @app_commands.describe(query="Words to look for in headlines and article text")
    @app_commands.guild_only()
    async def search(self, interaction: discord.Interaction, query: app_commands.Range[str, 1, 200]) -> None:
        guild_id = guild_id_of(interaction)
        store = self.bot.engine.store
        first = await store.search(query, guild_id=guild_id, limit=SEARCH_PAGE_SIZE * SEARCH_MAX_PAGES)
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


def _matches_speaker(said_by: str | None, wanted: str | None) -> bool:
    if not wanted:
        return True
    if not said_by:
        return False
    wanted_words, speaker_words = wanted.casefold().split(), said_by.casefold().split()
    return all(word in speaker_words for word in wanted_words)


def _contains(text: str, words: str | None) -> bool:
    return not words or all(word in text.casefold() for word in words.casefold().split())


async def setup(bot: commands.Bot) -> None:
    assert isinstance(bot, NewsbriefBot)
    await bot.add_cog(Reading(bot))
