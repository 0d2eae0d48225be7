"""Who may see and claim what: the store's visibility and origin rules, as SQL.

A guild sees an article linked (`article_sources`) to a source it subscribes to, as long as the
link came before the guild paused that subscription, or one granted to it (/summarize). An
article's origin decides which sources may reach it at all: the source that supplied its text,
alone, or (fetched by the bot from its own URL) every source that links to that URL. The writes
in bot.store keep to that: an article is linked only to sources of its origin.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, or_, select, true, union
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.backfill import postable
from bot.store.schema import (
    FETCHED_SCOPE,
    article_guids,
    article_sources,
    article_urls,
    articles,
    guild_articles,
    guild_sources,
    versions,
)


def visible_to(guild_id: int, article_id: Any) -> ColumnElement[bool]:
    """The article (column or value) is linked to a source the guild subscribes to, or granted to it."""
    subscribed = exists().where(
        article_sources.c.article_id == article_id,
        guild_sources.c.source_id == article_sources.c.source_id,
        guild_sources.c.guild_id == guild_id,
        seen_while_followed(),
    )
    granted = exists().where(guild_articles.c.guild_id == guild_id, guild_articles.c.article_id == article_id)
    return or_(subscribed, granted)


def seen_while_followed() -> ColumnElement[bool]:
    """The article reached the subscription's source before the guild paused it (if it did):
    another guild's polling of a shared source must not fill a paused guild's view."""
    return or_(
        guild_sources.c.paused_at.is_(None), article_sources.c.first_seen_at <= guild_sources.c.paused_at
    )


def routed_to(guild_id: int, channel_id: int | None, article_id: Any) -> ColumnElement[bool]:
    """The article came through a source of the guild whose articles go to this digest channel:
    one pinned to it with `/source add ... channel`, or one pinned to no channel.

    Articles fetched on a member's request (granted) are not in digests: nobody subscribed to them.
    Nor is what the subscription's backfill leaves out (bot.store.backfill).
    """
    return exists().where(
        article_sources.c.article_id == article_id,
        guild_sources.c.source_id == article_sources.c.source_id,
        guild_sources.c.guild_id == guild_id,
        guild_sources.c.paused.is_(False),
        or_(guild_sources.c.channel_id.is_(None), guild_sources.c.channel_id == channel_id),
        postable(),
    )


def visible_article_ids(guild_id: int) -> Any:
    """Ids of every article the guild may see, as a subquery (for counting)."""
    return union(
        select(article_sources.c.article_id)
        .join(guild_sources, guild_sources.c.source_id == article_sources.c.source_id)
        .where(guild_sources.c.guild_id == guild_id, seen_while_followed()),
        select(guild_articles.c.article_id).where(guild_articles.c.guild_id == guild_id),
    ).subquery()


# The same test as `visible_to`, for the hand-written search statements (:guild_id, alias `{a}`).
VISIBLE_SQL = (
    "(EXISTS (SELECT 1 FROM article_sources AS vs JOIN guild_sources AS vg ON vg.source_id = vs.source_id "
    "WHERE vs.article_id = {a} AND vg.guild_id = :guild_id "
    "AND (vg.paused_at IS NULL OR vs.first_seen_at <= vg.paused_at)) "
    "OR EXISTS (SELECT 1 FROM guild_articles AS vga WHERE vga.guild_id = :guild_id AND vga.article_id = {a}))"
)


async def find_article_id(
    connection: AsyncConnection,
    *,
    source_id: int,
    canonical_url: str | None,
    guid: str | None,
    text_hash: str | None,
    fetched: bool | None,
    title: str | None = None,
) -> int | None:
    """The stored article a sighting through `source_id` is, if any.

    `fetched`: what the text is. False: supplied by this source (its feed's entry), so only this
    source's own articles can match. True: fetched by the bot from the URL, so only fetched
    articles can match, whichever source first linked there. None: nothing is read yet (a teaser
    link): whatever this source may already reach under the URL or GUID.
    Tried in order: any URL the article was seen under; a GUID this source gave it; the text of
    any of its versions, among this source's articles (so a feed that rewrites GUIDs or links
    yields no duplicate) and, for an entry that has a link or GUID, under the same `title`.
    The caller passes no `text_hash` for a text too short to tell entries apart (a teaser).
    """
    scopes = {False: [source_id], True: [FETCHED_SCOPE], None: [source_id, FETCHED_SCOPE]}[fetched]
    for scope in scopes if canonical_url else []:
        found = (
            await connection.execute(
                select(article_urls.c.article_id).where(
                    article_urls.c.scope == scope, article_urls.c.url == canonical_url
                )
            )
        ).scalar_one_or_none()
        if found is not None:
            return int(found)
    if guid:
        found = await _by_guid(connection, source_id, guid, fetched)
        if found is not None:
            return found
    if not text_hash:
        return None
    allowed = allowed_origin(source_id, fetched)
    this_sources_articles = of_source(source_id)
    found = (
        await connection.execute(
            select(versions.c.article_id)
            .join(articles, articles.c.id == versions.c.article_id)
            .where(
                versions.c.text_hash == text_hash,
                this_sources_articles,
                allowed,
                # An entry with a link or GUID of its own is its text's article only under the
                # same title too: identical text alone (a stock blurb) is no identity.
                true() if not (canonical_url or guid) else versions.c.title == title,
            )
            .order_by(versions.c.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    return int(found) if found is not None else None


def of_source(source_id: int) -> ColumnElement[bool]:
    """The article was found through the source: its first source, or one it gave a GUID."""
    # Correlated EXISTS, not IN (...): a big source has many GUIDs, a version few.
    return or_(
        articles.c.source_id == source_id,
        exists().where(article_guids.c.article_id == articles.c.id, article_guids.c.source_id == source_id),
    )


def allowed_origin(source_id: int, fetched: bool | None) -> ColumnElement[bool]:
    """The origins an article seen through the source may have (see `find_article_id`)."""
    origin = articles.c.origin_source_id
    if fetched is None:
        return or_(origin.is_(None), origin == source_id)
    return origin.is_(None) if fetched else origin == source_id


async def _by_guid(
    connection: AsyncConnection, source_id: int, guid: str | None, fetched: bool | None
) -> int | None:
    found = (
        await connection.execute(
            select(article_guids.c.article_id)
            .join(articles, articles.c.id == article_guids.c.article_id)
            .where(
                article_guids.c.source_id == source_id,
                article_guids.c.guid == guid,
                allowed_origin(source_id, fetched),
            )
        )
    ).scalar_one_or_none()
    return int(found) if found is not None else None
