"""What an article is: the identity the store keys it by, and inserting it once under that key.

An article's identity is, in order:
- its URL within its origin (FETCHED_SCOPE for a page the bot fetched itself, else the supplying
  source's id), when the URL is the article's own;
- the supplying source and the entry's GUID, when the link is not the article's own (one link
  that many entries of a feed share, such as a podcast's home page, names none of them);
- nothing (NULL): an entry with neither a link nor a GUID is known by its text alone.

`articles.identity` is unique (migration 0004), so the insert is an upsert: when another writer
(a feed polled at the same moment, or another `newsbrief poll` process) stored the article
first, the insert does nothing and the store takes that article instead of a second copy.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.schema import FETCHED_SCOPE, articles


def identity_key(
    origin_source_id: int | None, *, url: str | None, guid: str | None, url_is_identity: bool = True
) -> str | None:
    """The unique key of an article of this origin seen under this URL and GUID."""
    scope = FETCHED_SCOPE if origin_source_id is None else origin_source_id
    if url and url_is_identity:
        return f"{scope} url {url}"
    if guid and origin_source_id is not None:
        return f"{scope} guid {guid}"
    return None


async def insert_article_once(
    connection: AsyncConnection, dialect: str, values: dict[str, Any]
) -> tuple[int, bool]:
    """Insert the article unless one with its identity exists: (its id, whether it was inserted)."""
    identity = values.get("identity")
    statement = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(articles).values(**values)
    if identity is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["identity"])
    inserted = (await connection.execute(statement.returning(articles.c.id))).scalar_one_or_none()
    if inserted is not None:
        return int(inserted), True
    existing = (
        await connection.execute(select(articles.c.id).where(articles.c.identity == identity))
    ).scalar_one()
    return int(existing), False
