"""What every per-domain part of the store (a mixin of `Store`) may call on the store it is part of,
and the one thing the store is given about briefs: how to keep them (`BriefCodec`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.models import Brief, SourceSpec

if TYPE_CHECKING:
    from bot.store.records import ArticleRecord, SourceRecord


class BriefCodec(Protocol):
    """How a brief is kept, told to the store by the brief stage (bot.brief.serialize), so the
    store holds briefs and finds quotes by speaker without knowing the brief's stored form."""

    def dumps(self, brief: Brief) -> str: ...

    def loads(self, stored: str) -> Brief: ...

    def headline(self, stored: str | None) -> str | None: ...

    def speaker_keys(self, speaker: str | None) -> tuple[str | None, str | None]:
        """(whole name, surname) keys that a speaker's quotes are found by."""
        ...

    def speaker_lookup_key(self, typed: str) -> str:
        """What a user typed as a speaker, as a whole-name key."""
        ...


class StorePart:
    """The store's connections, dialect and codec, which `Store` provides; a part never opens its
    own. The helpers one part lends another are declared here and defined in their part."""

    _dialect: str
    _codec: BriefCodec

    def _write(self) -> AbstractAsyncContextManager[AsyncConnection]:
        raise NotImplementedError

    def _read(self) -> AbstractAsyncContextManager[AsyncConnection]:
        raise NotImplementedError

    def _upsert(self, table: Any, values: Mapping[str, Any], keys: Sequence[str]) -> Any:
        statement = (postgresql_insert if self._dialect == "postgresql" else sqlite_insert)(table).values(
            **values
        )
        changes = {name: value for name, value in values.items() if name not in keys}
        return statement.on_conflict_do_update(index_elements=list(keys), set_=changes)

    def _insert_ignoring_duplicates(self, table: Any, values: Mapping[str, Any]) -> Any:
        if self._dialect == "postgresql":
            return postgresql_insert(table).values(**values).on_conflict_do_nothing()
        return sqlite_insert(table).values(**values).on_conflict_do_nothing()

    async def _source_in(
        self, connection: AsyncConnection, source_id: int, *, for_update: bool = False
    ) -> SourceRecord:
        raise NotImplementedError  # bot.store.sources

    async def _upsert_source_in(
        self, connection: AsyncConnection, spec: SourceSpec, *, from_config: bool, rename: bool
    ) -> int:
        raise NotImplementedError  # bot.store.sources

    async def _store_briefs_in(
        self, connection: AsyncConnection, items: Sequence[tuple[int, Brief]]
    ) -> dict[int, Brief]:
        raise NotImplementedError  # bot.store.batch

    async def _article_in(
        self, connection: AsyncConnection, article_id: int, *, for_update: bool = False
    ) -> ArticleRecord:
        raise NotImplementedError  # bot.store.articles
