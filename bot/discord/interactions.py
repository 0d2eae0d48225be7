"""What every cog needs from a slash-command interaction: replies, errors, checks, autocomplete.

Errors a user can fix are raised as `UserError` anywhere in a command; the bot's error handler
turns them into an ephemeral reply that says what to do instead.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Protocol, cast

import discord
from discord import app_commands

from bot.discord.limits import AUTOCOMPLETE_CHOICES_MAX, CHOICE_NAME_MAX, CHOICE_VALUE_MAX, MESSAGE_EMBEDS_MAX
from bot.discord.render import escape
from bot.errors import NewsbriefError
from bot.fitting import fit
from bot.service.moderation import Moderation
from bot.service.reading import ArticleNotFound, Reading
from bot.store import ArticleRecord

log = logging.getLogger(__name__)


class UserError(NewsbriefError):
    """Something the user can put right; the reason is shown to them as it is, ephemerally."""


class NotModerator(app_commands.CheckFailure):
    """The member is neither a Manage Server holder nor in the guild's moderator role."""


class CommandServices(Protocol):
    """What a command reaches through its interaction's client (bot.discord.client.NewsbriefBot
    has both); a protocol, so this module need not import the client that imports it."""

    @property
    def reading(self) -> Reading: ...

    @property
    def moderation(self) -> Moderation: ...


def services(interaction: discord.Interaction) -> CommandServices:
    client = interaction.client
    if not (hasattr(client, "reading") and hasattr(client, "moderation")):
        raise TypeError(f"{type(client).__name__} is not a Newsbrief client")
    return cast(CommandServices, client)


def guild_id_of(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:
        raise UserError("Newsbrief commands work inside a server, not in direct messages.")
    return interaction.guild_id


def require_can_post(channel: discord.TextChannel | discord.ForumChannel) -> None:
    """Refuse a channel the bot cannot post digests in, before anything is saved for it.

    The bot's cached permissions can lag behind a change; a 403 at posting time is still
    recorded and shown to moderators (see `deliver`).
    """
    me = channel.guild.me
    if me is None:
        return
    permissions = channel.permissions_for(me)
    missing = [
        name
        for name, granted in (
            ("View Channel", permissions.view_channel),
            ("Send Messages", permissions.send_messages),
            ("Embed Links", permissions.embed_links),
        )
        if not granted
    ]
    if missing:
        raise UserError(
            f"I cannot post in {channel.mention}: give me {' and '.join(missing)} there, then try again."
        )


def allowed_mentions() -> discord.AllowedMentions:
    """Nobody is ever pinged by what the bot posts; article text may say @everyone."""
    return discord.AllowedMentions.none()


def to_embeds(embeds: Sequence[dict[str, Any]]) -> list[discord.Embed]:
    return [discord.Embed.from_dict(dict(e)) for e in embeds[:MESSAGE_EMBEDS_MAX]]


async def reply(
    interaction: discord.Interaction,
    *,
    content: str | None = None,
    embeds: Sequence[dict[str, Any]] = (),
    ephemeral: bool = False,
    view: discord.ui.View | None = None,
    files: Sequence[discord.File] = (),
) -> None:
    """Answer the interaction, whether it was deferred or not."""
    kwargs: dict[str, Any] = {
        "content": content,
        "embeds": to_embeds(embeds),
        "allowed_mentions": allowed_mentions(),
        "ephemeral": ephemeral,
    }
    if view is not None:
        kwargs["view"] = view
    if files:
        kwargs["files"] = list(files)
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


async def reply_error(interaction: discord.Interaction, message: str) -> None:
    text = fit(message, 1900)
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=allowed_mentions())
        else:
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=allowed_mentions())
    except discord.HTTPException:
        log.exception("could not tell the user about an error")


async def is_moderator(interaction: discord.Interaction) -> bool:
    """Manage Server, or the moderator role the guild set with /newsbrief moderator-role."""
    member = interaction.user
    if not isinstance(member, discord.Member):
        return False
    if member.guild_permissions.manage_guild:
        return True
    role_id = await services(interaction).moderation.moderator_role(member.guild.id)
    return role_id is not None and any(role.id == role_id for role in member.roles)


async def require_moderator(interaction: discord.Interaction) -> bool:
    """A cog's interaction_check: Discord hides the commands by default; this holds the line."""
    if await is_moderator(interaction):
        return True
    raise NotModerator(
        "Only moderators can do this: members with Manage Server, or with the moderator role "
        "this server set (`/newsbrief moderator-role`)."
    )


def choice(name: str, value: str) -> app_commands.Choice[str]:
    return app_commands.Choice(
        name=fit(" ".join(name.split()) or "(untitled)", CHOICE_NAME_MAX), value=value[:CHOICE_VALUE_MAX]
    )


async def article_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete for an article option: the guild's stored articles matching what is typed."""
    if interaction.guild_id is None:
        return []
    reading = services(interaction).reading
    found = await reading.suggest_articles(interaction.guild_id, current, limit=AUTOCOMPLETE_CHOICES_MAX)
    return [
        choice(f"{a.title or 'untitled'} · {a.seen_at:%d %b}", str(a.article_id))
        for a in found[:AUTOCOMPLETE_CHOICES_MAX]
    ]


async def source_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete for a source option: the guild's sources whose name or address has what is typed."""
    if interaction.guild_id is None:
        return []
    entries = await services(interaction).moderation.source_choices(interaction.guild_id, current)
    return [choice(f"{e.name} · {e.source.location}", str(e.source.id)) for e in entries][
        :AUTOCOMPLETE_CHOICES_MAX
    ]


async def resolve_article(interaction: discord.Interaction, value: str) -> ArticleRecord:
    """The stored article an option names: an id picked from autocomplete, or words to search for."""
    try:
        return await services(interaction).reading.resolve_article(guild_id_of(interaction), value)
    except ArticleNotFound as exc:
        raise UserError(
            f"No stored article matches “{escape(fit(exc.typed.strip(), 80))}”. Pick one from the list "
            "as you type, or use `/search` to find it."
        ) from exc


PAGE_BUTTONS_TIMEOUT = 600.0  # seconds the paging buttons keep working


class Pager(discord.ui.View):
    """Previous / next buttons under a reply; only the member who asked can turn its pages."""

    def __init__(self, *, pages: int, user_id: int) -> None:
        super().__init__(timeout=PAGE_BUTTONS_TIMEOUT)
        self.pages = max(1, pages)
        self.user_id = user_id
        self.page = 0
        self._sync_buttons()

    async def render(self, page: int) -> dict[str, Any]:
        """The embed of page `page` (0-based)."""
        raise NotImplementedError

    def _sync_buttons(self) -> None:
        self.previous.disabled = self.page <= 0
        self.next.disabled = self.page >= self.pages - 1

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.user_id:
            await interaction.response.send_message(
                "These buttons belong to someone else's command; run it yourself.", ephemeral=True
            )
            return False
        return True

    async def _turn(self, interaction: discord.Interaction, step: int) -> None:
        self.page = max(0, min(self.pages - 1, self.page + step))
        self._sync_buttons()
        await interaction.response.edit_message(embeds=to_embeds([await self.render(self.page)]), view=self)

    @discord.ui.button(label="◀ Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, button: discord.ui.Button[Pager]) -> None:
        await self._turn(interaction, -1)

    @discord.ui.button(label="Next ▶", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button[Pager]) -> None:
        await self._turn(interaction, +1)


class EmbedPages(Pager):
    """Pages rendered up front."""

    def __init__(self, pages: Sequence[dict[str, Any]], *, user_id: int) -> None:
        self._embeds = list(pages)
        super().__init__(pages=len(self._embeds), user_id=user_id)

    async def render(self, page: int) -> dict[str, Any]:
        return self._embeds[page]


async def reply_pages(
    interaction: discord.Interaction, pages: Sequence[dict[str, Any]], *, files: Sequence[discord.File] = ()
) -> None:
    """One page at a time, with buttons when there is more than one; `files` stay as pages turn."""
    view = EmbedPages(pages, user_id=interaction.user.id) if len(pages) > 1 else None
    await reply(interaction, embeds=list(pages[:1]), view=view, files=files)
