"""The store: the one narrow interface between the engine and the database.

Everything goes in and out as plain frozen dataclasses (records below, bot.models types); no
SQLAlchemy object leaves this module. Each public method is one transaction, so a failure never
leaves anything half-stored.

Backends: SQLite (aiosqlite, the default) and PostgreSQL (asyncpg). Full-text search is FTS5 on
SQLite and a tsvector + GIN index on PostgreSQL, both behind `Store.search()`.

Guilds: a guild sees the articles of the sources it subscribes to (an article is linked to every
source it was seen through) and the articles granted to it (/summarize). Every guild-facing read
takes a `guild_id` and filters by that visibility; `guild_id=None` where offered means all (CLI).

Origins: an article whose text a source supplied belongs to that source alone: it is found only
for that source and linked to no other. Only an article the bot fetched from its own URL is
shared by every source that links to that URL. So what one guild's sources say never reaches
another guild, and where two sources disagree about a URL each guild sees its own sources' text.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Self

from sqlalchemy import (
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.store.articles import ArticleRecords
from bot.store.batch import EntryBatchRecords
from bot.store.brief_queue import BriefQueueRecords
from bot.store.database import create_store_engine, current_revision, upgrade_to_head
from bot.store.digests import DigestRecords
from bot.store.filters import FilterRecords
from bot.store.guilds import GuildRecords
from bot.store.leases import LeaseRecords
from bot.store.notices import NoticeRecords
from bot.store.part import BriefCodec
from bot.store.quotes import QuoteRecords
from bot.store.retries import RetryRecords
from bot.store.search import SearchRecords
from bot.store.sources import SourceRecords
from bot.store.threads import ThreadRecords

logger = logging.getLogger(__name__)


# Arbitrary constant shared by every Store.open(): serialises concurrent migrations on PostgreSQL.
POSTGRESQL_MIGRATION_LOCK = 0x6E657773  # "news"
# Execution option telling the SQLite "begin" hook to take the write lock up front.
WRITE_TRANSACTION_OPTION = "newsbrief_write"


class Store(
    SourceRecords,
    ArticleRecords,
    EntryBatchRecords,
    SearchRecords,
    GuildRecords,
    QuoteRecords,
    DigestRecords,
    FilterRecords,
    NoticeRecords,
    RetryRecords,
    ThreadRecords,
    LeaseRecords,
    BriefQueueRecords,
):
    """Sources, articles with all their versions, briefs, and search. Open with `Store.open()`."""

    def __init__(self, engine: AsyncEngine, codec: BriefCodec) -> None:
        self._engine = engine
        self._codec = codec
        self._dialect = engine.dialect.name
        # PostgreSQL runs writers side by side; only SQLite needs them one at a time.
        self._write_lock: contextlib.AbstractAsyncContextManager[object] = (
            asyncio.Lock() if self._dialect == "sqlite" else contextlib.nullcontext()
        )

    @classmethod
    async def open(cls, database_url: str, *, codec: BriefCodec, schema: str | None = None) -> Store:
        """Connect, and bring the schema up to date (Alembic `upgrade head`).

        `codec` is how briefs are kept (bot.brief.serialize.BRIEF_JSON).
        `schema` (PostgreSQL only) puts every table in that schema, created if missing; tests
        use it to get a clean database each.
        """
        engine = create_store_engine(database_url, schema=schema)
        try:
            async with engine.connect() as connection:
                await connection.execution_options(**{WRITE_TRANSACTION_OPTION: True})
                async with connection.begin():
                    if engine.dialect.name == "postgresql":
                        await connection.execute(
                            text("SELECT pg_advisory_xact_lock(:key)"), {"key": POSTGRESQL_MIGRATION_LOCK}
                        )
                        if schema is not None:
                            await connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
                    await connection.run_sync(upgrade_to_head)
        except BaseException:
            await engine.dispose()
            raise
        logger.info("store open: %s", make_url(database_url).render_as_string(hide_password=True))
        return cls(engine, codec)

    async def close(self) -> None:
        await self._engine.dispose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def dialect(self) -> str:
        return self._dialect

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        # SQLite has one writer at a time. Writers queue here, in the event loop, rather than in
        # SQLite's busy wait: a writer blocked in its driver thread cannot let the holder finish,
        # and under a concurrent poll that ended in "database is locked".
        async with self._write_lock, self._engine.connect() as connection:
            await connection.execution_options(**{WRITE_TRANSACTION_OPTION: True})
            async with connection.begin():
                yield connection

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncConnection]:
        # One (read) transaction, so a method's queries see one snapshot; rolled back on close.
        async with self._engine.connect() as connection:
            yield connection

    async def schema_revision(self) -> str | None:
        """The Alembic revision the database is at."""
        async with self._read() as connection:
            return await connection.run_sync(current_revision)
