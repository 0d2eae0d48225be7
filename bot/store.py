"""The store: the one narrow interface between the engine and the database.

Everything goes in and out as plain frozen dataclasses (records below, bot.models types); no
SQLAlchemy object leaves this module. Each public method is one transaction, so a failure never
leaves anything half-stored.

Backends: SQLite (aiosqlite, the default) and PostgreSQL (asyncpg). Full-text search is FTS5 on
SQLite and a tsvector + GIN index on PostgreSQL, both behind `Store.search()`.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event, exists, func, insert, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, RowMapping, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.models import ArticleDraft, Brief, SourceKind, SourceSpec, StoryArticle
from bot.schema import (
    POSTGRESQL_TS_CONFIG,
    SQLITE_FTS_TABLE,
    UtcDateTime,
    article_guids,
    article_urls,
    articles,
    briefs,
    sources,
    versions,
)
from bot.serialize import brief_from_json, brief_to_json

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
# Arbitrary constant shared by every Store.open(): serialises concurrent migrations on PostgreSQL.
POSTGRESQL_MIGRATION_LOCK = 0x6E657773  # "news"
# Execution option telling the SQLite "begin" hook to take the write lock up front.
WRITE_TRANSACTION_OPTION = "newsbrief_write"
MAX_ERROR_CHARS = 2000
MAX_SEARCH_TERMS = 32
MAX_SEARCH_TERM_CHARS = 64
MAX_SEARCH_LIMIT = 100
SNIPPET_START = "**"  # Discord bold, around matched words in SearchHit.snippet
SNIPPET_END = "**"
SNIPPET_ELLIPSIS = "…"
SNIPPET_TOKENS = 24
# PostgreSQL refuses tsvectors over 1 MB; no news article needs more text than this indexed.
POSTGRESQL_INDEXED_CHARS = 200_000
SEARCH_TERM = re.compile(r"[^\W_]+")
SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class StoreError(Exception):
    """The store could not do what was asked."""


class NotFoundError(StoreError, LookupError):
    """No source / article / version with that id."""


@dataclass(frozen=True, slots=True)
class SourceRecord:
    id: int
    name: str
    kind: SourceKind
    location: str
    paused: bool
    pause_reason: str | None
    last_success_at: datetime | None
    # Kept after a later success, so moderators can see the last problem; it is current only
    # while last_error_at is later than last_success_at (see `failing`).
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    next_attempt_at: datetime | None
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    created_at: datetime

    @property
    def failing(self) -> bool:
        return self.consecutive_failures > 0


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    id: int
    source_id: int  # the source that first found it; other sources may share it
    canonical_url: str | None  # the latest URL seen; every URL ever seen still finds it
    guid: str | None
    title: str | None
    author: str | None
    published: datetime | None
    updated: datetime | None
    first_seen_at: datetime
    last_seen_at: datetime
    next_check_at: datetime | None  # when a watched page is due for a re-fetch
    story_id: int
    latest_version_id: int


@dataclass(frozen=True, slots=True)
class VersionRecord:
    id: int
    article_id: int
    number: int  # 1, 2, ... per article
    seen_at: datetime
    title: str | None
    text: str
    text_hash: str


@dataclass(frozen=True, slots=True)
class SearchHit:
    article_id: int
    version_id: int
    title: str | None
    url: str | None
    snippet: str  # matched words wrapped in SNIPPET_START / SNIPPET_END
    seen_at: datetime  # when this (latest) version was first seen
    rank: float  # higher is better; only comparable within one result list


def utc_now() -> datetime:
    return datetime.now(UTC)


def search_terms(query: str) -> list[str]:
    """Words of arbitrary user text, safe to hand to either search backend.

    Operators, quotes and punctuation are dropped (so `"`, `AND OR`, `*` can never be syntax
    errors); repeated words count once.
    """
    terms: list[str] = []
    seen: set[str] = set()
    for match in SEARCH_TERM.finditer(query):
        term = match.group()[:MAX_SEARCH_TERM_CHARS]
        key = term.casefold()
        if key not in seen:
            seen.add(key)
            terms.append(term)
        if len(terms) == MAX_SEARCH_TERMS:
            break
    return terms


def fts5_match_expression(terms: list[str]) -> str:
    # Each term a quoted string: FTS5 then treats AND/OR/NEAR/* inside it as plain words.
    # Juxtaposed strings are ANDed.
    return " ".join('"' + term.replace('"', '""') + '"' for term in terms)


def create_store_engine(database_url: str, *, schema: str | None = None) -> AsyncEngine:
    """An async engine configured for the store (SQLite pragmas, PostgreSQL search_path)."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        if schema is not None:
            raise StoreError("schema= is for PostgreSQL only")
        if not url.database or url.database == ":memory:" or "mode=memory" in url.database:
            # Every pooled connection would get its own empty database.
            raise StoreError("in-memory SQLite is not supported: use a file (tests: tmp_path)")
        if not url.database.startswith("file:"):
            Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url)
        install_sqlite_hooks(engine)
        return engine
    if backend == "postgresql":
        connect_args: dict[str, Any] = {}
        if schema is not None:
            if not SCHEMA_NAME.fullmatch(schema):
                raise StoreError(f"bad schema name {schema!r}")
            connect_args["server_settings"] = {"search_path": schema}
        return create_async_engine(url, connect_args=connect_args, pool_pre_ping=True)
    raise StoreError(f"unsupported database {backend!r}: use sqlite+aiosqlite or postgresql+asyncpg")


def install_sqlite_hooks(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _connection_record: Any) -> None:
        # SQLAlchemy, not the driver, decides when transactions begin: the driver would only
        # begin at the first write, leaving a method's earlier reads outside its transaction.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Connection) -> None:
        # Writers take the write lock up front: in WAL mode a transaction that reads and only
        # then writes fails at once with SQLITE_BUSY if another writer got in between, instead
        # of waiting busy_timeout.
        immediate = connection.get_execution_options().get(WRITE_TRANSACTION_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def upgrade_to_head(connection: Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def source_record(row: RowMapping) -> SourceRecord:
    return SourceRecord(
        id=row["id"],
        name=row["name"],
        kind=SourceKind(row["kind"]),
        location=row["location"],
        paused=bool(row["paused"]),
        pause_reason=row["pause_reason"],
        last_success_at=row["last_success_at"],
        last_error=row["last_error"],
        last_error_at=row["last_error_at"],
        consecutive_failures=row["consecutive_failures"],
        next_attempt_at=row["next_attempt_at"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        body_hash=row["body_hash"],
        created_at=row["created_at"],
    )


def article_record(row: RowMapping) -> ArticleRecord:
    if row["story_id"] is None or row["latest_version_id"] is None:
        raise StoreError(f"article {row['id']} has no version: it was not stored through save_version")
    return ArticleRecord(
        id=row["id"],
        source_id=row["source_id"],
        canonical_url=row["canonical_url"],
        guid=row["guid"],
        title=row["title"],
        author=row["author"],
        published=row["published"],
        updated=row["updated"],
        first_seen_at=row["first_seen_at"],
        last_seen_at=row["last_seen_at"],
        next_check_at=row["next_check_at"],
        story_id=row["story_id"],
        latest_version_id=row["latest_version_id"],
    )


def version_record(row: RowMapping) -> VersionRecord:
    return VersionRecord(
        id=row["id"],
        article_id=row["article_id"],
        number=row["number"],
        seen_at=row["seen_at"],
        title=row["title"],
        text=row["text"],
        text_hash=row["text_hash"],
    )


def require_aware(value: datetime, name: str) -> datetime:
    # Checked up front (the column type checks too) so a naive time fails before any write,
    # and comparisons in Python below never mix naive and aware.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")
    return value.astimezone(UTC)


def later(first: datetime, second: datetime) -> datetime:
    return max(first, second)


# Ranking runs on the FTS5 table alone, as its own statement; Store._search_sqlite then looks up
# the page of hits. Joining before the sort tripled the cost of a common word on 100k articles,
# and wrapping this in a subquery made SQLite compute snippet() for every match. Ties go to the
# newest stored version (the higher id), i.e. the most recently seen.
SQLITE_SEARCH_RANKED = text(
    f"""
    SELECT rowid AS version_id, bm25({SQLITE_FTS_TABLE}, 4.0, 1.0) AS score,
           snippet({SQLITE_FTS_TABLE}, 1, :mark_start, :mark_end, :ellipsis, :tokens) AS snippet
    FROM {SQLITE_FTS_TABLE}
    WHERE {SQLITE_FTS_TABLE} MATCH :match
    ORDER BY score, rowid DESC
    LIMIT :limit OFFSET :offset
    """
)

SQLITE_INDEX_DELETE = text(
    f"INSERT INTO {SQLITE_FTS_TABLE}({SQLITE_FTS_TABLE}, rowid, title, text) "
    "VALUES ('delete', :version_id, :title, :text)"
)
SQLITE_INDEX_INSERT = text(
    f"INSERT INTO {SQLITE_FTS_TABLE}(rowid, title, text) VALUES (:version_id, :title, :text)"
)

POSTGRESQL_HEADLINE_OPTIONS = (
    f"StartSel={SNIPPET_START}, StopSel={SNIPPET_END}, MaxWords={SNIPPET_TOKENS}, MinWords=12, "
    f'MaxFragments=1, FragmentDelimiter="{SNIPPET_ELLIPSIS}"'
)

# Same shape as on SQLite: rank over article_search alone, then join the page of hits.
POSTGRESQL_SEARCH = text(
    f"""
    SELECT t.article_id AS article_id, t.version_id AS version_id, t.rank AS rank, v.seen_at AS seen_at,
           coalesce(v.title, a.title) AS title, a.canonical_url AS url,
           ts_headline('{POSTGRESQL_TS_CONFIG}', left(v.text, {POSTGRESQL_INDEXED_CHARS}),
                       plainto_tsquery('{POSTGRESQL_TS_CONFIG}', :query), :headline_options) AS snippet
    FROM (
        SELECT s.article_id, s.version_id, ts_rank(s.document, q.query) AS rank
        FROM article_search AS s
        CROSS JOIN plainto_tsquery('{POSTGRESQL_TS_CONFIG}', :query) AS q(query)
        WHERE s.document @@ q.query
        ORDER BY rank DESC, s.version_id DESC
        LIMIT :limit OFFSET :offset
    ) AS t
    JOIN versions AS v ON v.id = t.version_id
    JOIN articles AS a ON a.id = t.article_id
    ORDER BY t.rank DESC, t.version_id DESC
    """
).columns(seen_at=UtcDateTime())

POSTGRESQL_INDEX_UPSERT = text(
    f"""
    INSERT INTO article_search (article_id, version_id, document)
    SELECT v.article_id, v.id,
           setweight(to_tsvector('{POSTGRESQL_TS_CONFIG}', coalesce(v.title, '')), 'A')
           || setweight(to_tsvector('{POSTGRESQL_TS_CONFIG}', left(v.text, {POSTGRESQL_INDEXED_CHARS})), 'B')
    FROM versions AS v WHERE v.id = :version_id
    ON CONFLICT (article_id) DO UPDATE
    SET version_id = EXCLUDED.version_id, document = EXCLUDED.document
    """
)


class Store:
    """Sources, articles with all their versions, briefs, and search. Open with `Store.open()`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._dialect = engine.dialect.name

    @classmethod
    async def open(cls, database_url: str, *, schema: str | None = None) -> Store:
        """Connect, and bring the schema up to date (Alembic `upgrade head`).

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
        return cls(engine)

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
        async with self._engine.connect() as connection:
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

    # --- sources -------------------------------------------------------------------------

    async def upsert_source(self, spec: SourceSpec) -> SourceRecord:
        """Add a source, or update the name / kind of the one at `spec.location`.

        Re-adding a removed source revives it (same id, so its articles stay matched), with a
        clean bill of health.
        """
        async with self._write() as connection:
            existing = (
                (await connection.execute(select(sources).where(sources.c.location == spec.location)))
                .mappings()
                .first()
            )
            if existing is None:
                source_id = (
                    await connection.execute(
                        insert(sources)
                        .values(
                            name=spec.name, kind=spec.kind.value, location=spec.location, created_at=utc_now()
                        )
                        .returning(sources.c.id)
                    )
                ).scalar_one()
            else:
                source_id = existing["id"]
                values: dict[str, Any] = {"name": spec.name, "kind": spec.kind.value}
                if existing["removed_at"] is not None:
                    values |= {
                        "removed_at": None,
                        "paused": False,
                        "pause_reason": None,
                        "consecutive_failures": 0,
                        "next_attempt_at": None,
                    }
                await connection.execute(update(sources).where(sources.c.id == source_id).values(**values))
            return await self._source_in(connection, source_id)

    async def get_source(self, source_id: int) -> SourceRecord | None:
        async with self._read() as connection:
            row = (await connection.execute(self._visible_source(source_id))).mappings().first()
        return source_record(row) if row is not None else None

    async def list_sources(self) -> list[SourceRecord]:
        async with self._read() as connection:
            rows = (
                await connection.execute(
                    select(sources).where(sources.c.removed_at.is_(None)).order_by(sources.c.id)
                )
            ).mappings()
            return [source_record(row) for row in rows]

    async def remove_source(self, source_id: int) -> None:
        """Stop watching a source. Its articles stay (other sources may share them)."""
        async with self._write() as connection:
            await self._source_in(connection, source_id)
            await connection.execute(
                update(sources).where(sources.c.id == source_id).values(removed_at=utc_now())
            )

    async def record_fetch_success(
        self,
        source_id: int,
        *,
        at: datetime,
        etag: str | None = None,
        last_modified: str | None = None,
        body_hash: str | None = None,
        next_attempt_at: datetime | None = None,
    ) -> SourceRecord:
        """A fetch worked: failures reset to 0. `last_error` is kept as history.

        etag / last_modified / body_hash: None keeps the stored value (a 304 answer often has
        no validators, and they must survive it).
        """
        values: dict[str, Any] = {
            "last_success_at": require_aware(at, "at"),
            "consecutive_failures": 0,
            "next_attempt_at": next_attempt_at,
        }
        for name, value in (("etag", etag), ("last_modified", last_modified), ("body_hash", body_hash)):
            if value is not None:
                values[name] = value
        async with self._write() as connection:
            await self._source_in(connection, source_id)
            await connection.execute(update(sources).where(sources.c.id == source_id).values(**values))
            return await self._source_in(connection, source_id)

    async def record_fetch_failure(
        self,
        source_id: int,
        *,
        at: datetime,
        error: str,
        next_attempt_at: datetime | None,
        pause_after: int,
    ) -> SourceRecord:
        """A fetch failed. At `pause_after` consecutive failures (0: never) the source pauses."""
        at = require_aware(at, "at")
        error = error[:MAX_ERROR_CHARS]
        async with self._write() as connection:
            current = await self._source_in(connection, source_id, for_update=True)
            failures = current.consecutive_failures + 1
            values: dict[str, Any] = {
                "consecutive_failures": failures,
                "last_error": error,
                "last_error_at": at,
                "next_attempt_at": next_attempt_at,
            }
            if pause_after > 0 and failures >= pause_after and not current.paused:
                values["paused"] = True
                values["pause_reason"] = f"paused after {failures} consecutive failures: {error}"
                logger.warning("source %d (%s) paused after %d failures", source_id, current.name, failures)
            await connection.execute(update(sources).where(sources.c.id == source_id).values(**values))
            return await self._source_in(connection, source_id)

    async def set_paused(self, source_id: int, paused: bool, reason: str | None = None) -> SourceRecord:
        """Pause (with a reason) or resume. Resuming forgets the failure count and is due at once."""
        values: dict[str, Any] = (
            {"paused": True, "pause_reason": reason}
            if paused
            else {"paused": False, "pause_reason": None, "consecutive_failures": 0, "next_attempt_at": None}
        )
        async with self._write() as connection:
            await self._source_in(connection, source_id)
            await connection.execute(update(sources).where(sources.c.id == source_id).values(**values))
            return await self._source_in(connection, source_id)

    @staticmethod
    def _visible_source(source_id: int) -> Any:
        return select(sources).where(sources.c.id == source_id, sources.c.removed_at.is_(None))

    async def _source_in(
        self, connection: AsyncConnection, source_id: int, *, for_update: bool = False
    ) -> SourceRecord:
        query = self._visible_source(source_id)
        if for_update:
            query = query.with_for_update()
        row = (await connection.execute(query)).mappings().first()
        if row is None:
            raise NotFoundError(f"no source {source_id}")
        return source_record(row)

    # --- articles and versions -----------------------------------------------------------

    async def find_article(
        self, *, source_id: int, canonical_url: str | None, guid: str | None, text_hash: str | None
    ) -> ArticleRecord | None:
        """The stored article this sighting is, if any.

        Tried in order: any URL the article was ever seen under (from any source: an article two
        sources share is stored once); a GUID this source gave it; the text of any of its
        versions, among this source's articles (so a feed that rewrites GUIDs or dates yields no
        duplicate).
        """
        async with self._read() as connection:
            article_id: int | None = None
            if canonical_url:
                article_id = (
                    await connection.execute(
                        select(article_urls.c.article_id).where(article_urls.c.url == canonical_url)
                    )
                ).scalar_one_or_none()
            if article_id is None and guid:
                article_id = (
                    await connection.execute(
                        select(article_guids.c.article_id).where(
                            article_guids.c.source_id == source_id, article_guids.c.guid == guid
                        )
                    )
                ).scalar_one_or_none()
            if article_id is None and text_hash:
                # Correlated EXISTS, not IN (...): a big source has many GUIDs, a version few.
                this_sources_articles = or_(
                    articles.c.source_id == source_id,
                    exists().where(
                        article_guids.c.article_id == articles.c.id, article_guids.c.source_id == source_id
                    ),
                )
                article_id = (
                    await connection.execute(
                        select(versions.c.article_id)
                        .join(articles, articles.c.id == versions.c.article_id)
                        .where(versions.c.text_hash == text_hash, this_sources_articles)
                        .order_by(versions.c.id.desc())
                        .limit(1)
                    )
                ).scalar_one_or_none()
            if article_id is None:
                return None
            return await self._article_in(connection, article_id)

    async def save_version(
        self,
        draft: ArticleDraft,
        *,
        text_hash: str,
        brief: Brief,
        article_id: int | None,
        story_id: int | None,
        seen_at: datetime,
        next_check_at: datetime | None,
    ) -> tuple[ArticleRecord, VersionRecord]:
        """Store a new version of an article, with its brief, in one transaction.

        article_id None creates the article (story_id None: it starts its own story, whose id is
        the article's id). The version is numbered after the article's last one; the brief is
        stored with article_id / version_id filled in; the article's URL and GUID are recorded
        so later sightings under either find it; search then covers this version's text only.
        On an existing article: a non-None story_id moves it to that story, next_check_at is
        replaced (None: no re-check), and draft metadata that is None keeps the stored value.
        """
        seen_at = require_aware(seen_at, "seen_at")
        async with self._write() as connection:
            previous: VersionRecord | None = None
            if article_id is None:
                article_id = await self._insert_article(connection, draft, story_id, seen_at, next_check_at)
                number = 1
            else:
                current = await self._article_in(connection, article_id, for_update=True)
                previous = await self._version_in(connection, current.latest_version_id)
                number = previous.number + 1 if previous is not None else 1
                await self._update_article(connection, current, draft, story_id, seen_at, next_check_at)
            version_id = (
                await connection.execute(
                    insert(versions)
                    .values(
                        article_id=article_id,
                        number=number,
                        seen_at=seen_at,
                        title=draft.title,
                        text=draft.text,
                        text_hash=text_hash,
                    )
                    .returning(versions.c.id)
                )
            ).scalar_one()
            await connection.execute(
                update(articles).where(articles.c.id == article_id).values(latest_version_id=version_id)
            )
            await self._record_aliases(
                connection, article_id, draft.source_id, draft.canonical_url, draft.guid
            )
            version = await self._version_in(connection, version_id)
            if version is None:
                raise StoreError(f"version {version_id} vanished inside its own transaction")
            await self._index_latest(connection, previous, version)
            stored_brief = dataclasses.replace(brief, article_id=article_id, version_id=version_id)
            await connection.execute(
                insert(briefs).values(
                    version_id=version_id, brief_json=brief_to_json(stored_brief), created_at=utc_now()
                )
            )
            article = await self._article_in(connection, article_id)
        logger.debug("stored article %d version %d", article.id, version.number)
        return article, version

    async def touch_article(
        self,
        article_id: int,
        *,
        seen_at: datetime,
        guid: str | None,
        next_check_at: datetime | None,
        source_id: int | None = None,
    ) -> None:
        """Seen again, unchanged. `guid` is recorded for `source_id` (default: the article's source)."""
        seen_at = require_aware(seen_at, "seen_at")
        async with self._write() as connection:
            current = await self._article_in(connection, article_id, for_update=True)
            await connection.execute(
                update(articles)
                .where(articles.c.id == article_id)
                .values(last_seen_at=later(current.last_seen_at, seen_at), next_check_at=next_check_at)
            )
            await self._record_aliases(
                connection, article_id, source_id if source_id is not None else current.source_id, None, guid
            )

    async def get_article(self, article_id: int) -> ArticleRecord | None:
        async with self._read() as connection:
            try:
                return await self._article_in(connection, article_id)
            except NotFoundError:
                return None

    async def latest_version(self, article_id: int) -> VersionRecord | None:
        async with self._read() as connection:
            row = (
                (
                    await connection.execute(
                        select(versions)
                        .where(versions.c.article_id == article_id)
                        .order_by(versions.c.number.desc())
                        .limit(1)
                    )
                )
                .mappings()
                .first()
            )
        return version_record(row) if row is not None else None

    async def list_versions(self, article_id: int) -> list[VersionRecord]:
        """Oldest first."""
        async with self._read() as connection:
            rows = (
                await connection.execute(
                    select(versions).where(versions.c.article_id == article_id).order_by(versions.c.number)
                )
            ).mappings()
            return [version_record(row) for row in rows]

    async def get_brief(self, version_id: int) -> Brief | None:
        async with self._read() as connection:
            stored = (
                await connection.execute(select(briefs.c.brief_json).where(briefs.c.version_id == version_id))
            ).scalar_one_or_none()
        return brief_from_json(stored) if stored is not None else None

    async def briefs_since(
        self, since: datetime | None, *, limit: int, latest_only: bool = False
    ) -> list[tuple[ArticleRecord, Brief]]:
        """Briefs of versions first seen after `since` (None: all), newest first.

        latest_only: only each article's latest version (one brief per article), for digests.
        """
        query = (
            select(articles, briefs.c.brief_json)
            .select_from(
                versions.join(articles, articles.c.id == versions.c.article_id).join(
                    briefs, briefs.c.version_id == versions.c.id
                )
            )
            .order_by(versions.c.seen_at.desc(), versions.c.id.desc())
            .limit(max(limit, 0))
        )
        if since is not None:
            query = query.where(versions.c.seen_at > require_aware(since, "since"))
        if latest_only:
            query = query.where(versions.c.id == articles.c.latest_version_id)
        async with self._read() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [(article_record(row), brief_from_json(row["brief_json"])) for row in rows]

    async def recent_articles(
        self, *, since: datetime, exclude_article_id: int | None = None, limit: int = 500
    ) -> list[StoryArticle]:
        """Articles whose latest version was seen at or after `since`, newest first, for story matching."""
        query = (
            select(
                articles.c.id,
                articles.c.canonical_url,
                func.coalesce(versions.c.title, articles.c.title).label("title"),
                versions.c.text,
                versions.c.seen_at,
                articles.c.story_id,
            )
            .select_from(articles.join(versions, versions.c.id == articles.c.latest_version_id))
            .where(versions.c.seen_at >= require_aware(since, "since"))
            .order_by(versions.c.seen_at.desc(), versions.c.id.desc())
            .limit(max(limit, 0))
        )
        if exclude_article_id is not None:
            query = query.where(articles.c.id != exclude_article_id)
        async with self._read() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [
            StoryArticle(
                article_id=row["id"],
                url=row["canonical_url"],
                title=row["title"],
                text=row["text"],
                seen_at=row["seen_at"],
                story_id=row["story_id"],
            )
            for row in rows
        ]

    async def articles_due(self, now: datetime, *, limit: int = 100) -> list[ArticleRecord]:
        """Watched pages due for a re-fetch (next_check_at <= now), most overdue first.

        Articles of paused or removed sources are left out.
        """
        query = (
            select(articles)
            .select_from(articles.join(sources, sources.c.id == articles.c.source_id))
            .where(
                articles.c.next_check_at <= require_aware(now, "now"),
                sources.c.paused.is_(False),
                sources.c.removed_at.is_(None),
            )
            .order_by(articles.c.next_check_at, articles.c.id)
            .limit(max(limit, 0))
        )
        async with self._read() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [article_record(row) for row in rows]

    async def counts(self) -> dict[str, int]:
        async with self._read() as connection:
            source_count = (
                await connection.execute(
                    select(func.count()).select_from(sources).where(sources.c.removed_at.is_(None))
                )
            ).scalar_one()
            article_count = (
                await connection.execute(select(func.count()).select_from(articles))
            ).scalar_one()
            version_count = (
                await connection.execute(select(func.count()).select_from(versions))
            ).scalar_one()
        return {"sources": int(source_count), "articles": int(article_count), "versions": int(version_count)}

    async def _insert_article(
        self,
        connection: AsyncConnection,
        draft: ArticleDraft,
        story_id: int | None,
        seen_at: datetime,
        next_check_at: datetime | None,
    ) -> int:
        article_id = int(
            (
                await connection.execute(
                    insert(articles)
                    .values(
                        source_id=draft.source_id,
                        canonical_url=draft.canonical_url,
                        guid=draft.guid,
                        title=draft.title,
                        author=draft.author,
                        published=draft.published,
                        updated=draft.updated,
                        first_seen_at=seen_at,
                        last_seen_at=seen_at,
                        next_check_at=next_check_at,
                        story_id=story_id,
                    )
                    .returning(articles.c.id)
                )
            ).scalar_one()
        )
        if story_id is None:
            await connection.execute(
                update(articles).where(articles.c.id == article_id).values(story_id=article_id)
            )
        return article_id

    async def _update_article(
        self,
        connection: AsyncConnection,
        current: ArticleRecord,
        draft: ArticleDraft,
        story_id: int | None,
        seen_at: datetime,
        next_check_at: datetime | None,
    ) -> None:
        # The newest sighting wins for metadata, but a missing value never erases a known one.
        values: dict[str, Any] = {
            "last_seen_at": later(current.last_seen_at, seen_at),
            "next_check_at": next_check_at,
        }
        for name in ("canonical_url", "guid", "title", "author", "published", "updated"):
            value = getattr(draft, name)
            if value is not None:
                values[name] = value
        if story_id is not None:
            values["story_id"] = story_id
        await connection.execute(update(articles).where(articles.c.id == current.id).values(**values))

    async def _record_aliases(
        self,
        connection: AsyncConnection,
        article_id: int,
        source_id: int,
        url: str | None,
        guid: str | None,
    ) -> None:
        # First article to claim a URL / GUID keeps it: lookups must stay deterministic.
        if url:
            await connection.execute(
                self._insert_ignoring_duplicates(article_urls, {"url": url, "article_id": article_id})
            )
        if guid:
            await connection.execute(
                self._insert_ignoring_duplicates(
                    article_guids, {"source_id": source_id, "guid": guid, "article_id": article_id}
                )
            )

    def _insert_ignoring_duplicates(self, table: Any, values: Mapping[str, Any]) -> Any:
        if self._dialect == "postgresql":
            return postgresql_insert(table).values(**values).on_conflict_do_nothing()
        return sqlite_insert(table).values(**values).on_conflict_do_nothing()

    async def _article_in(
        self, connection: AsyncConnection, article_id: int, *, for_update: bool = False
    ) -> ArticleRecord:
        query = select(articles).where(articles.c.id == article_id)
        if for_update:
            query = query.with_for_update()
        row = (await connection.execute(query)).mappings().first()
        if row is None:
            raise NotFoundError(f"no article {article_id}")
        return article_record(row)

    async def _version_in(self, connection: AsyncConnection, version_id: int) -> VersionRecord | None:
        row = (
            (await connection.execute(select(versions).where(versions.c.id == version_id))).mappings().first()
        )
        return version_record(row) if row is not None else None

    # --- search --------------------------------------------------------------------------

    async def _index_latest(
        self, connection: AsyncConnection, previous: VersionRecord | None, latest: VersionRecord
    ) -> None:
        """Make `latest` the article's only indexed version."""
        if self._dialect == "postgresql":
            await connection.execute(POSTGRESQL_INDEX_UPSERT, {"version_id": latest.id})
            return
        if previous is not None:
            # External-content FTS5 deletes by re-supplying the exact indexed values.
            await connection.execute(
                SQLITE_INDEX_DELETE,
                {"version_id": previous.id, "title": previous.title, "text": previous.text},
            )
        await connection.execute(
            SQLITE_INDEX_INSERT, {"version_id": latest.id, "title": latest.title, "text": latest.text}
        )

    async def search(self, query: str, *, limit: int = 10, offset: int = 0) -> list[SearchHit]:
        """Articles (their latest version) matching every word of `query`.

        Best match first; ties newest first (the most recently stored version). Any text is
        accepted: operators and punctuation are ignored, and a query without words finds nothing.
        """
        terms = search_terms(query)
        limit = min(limit, MAX_SEARCH_LIMIT)
        if not terms or limit <= 0:
            return []
        offset = max(offset, 0)
        async with self._read() as connection:
            if self._dialect == "postgresql":
                return await self._search_postgresql(connection, terms, limit, offset)
            return await self._search_sqlite(connection, terms, limit, offset)

    @staticmethod
    async def _search_postgresql(
        connection: AsyncConnection, terms: list[str], limit: int, offset: int
    ) -> list[SearchHit]:
        params = {
            "query": " ".join(terms),
            "headline_options": POSTGRESQL_HEADLINE_OPTIONS,
            "limit": limit,
            "offset": offset,
        }
        rows = (await connection.execute(POSTGRESQL_SEARCH, params)).mappings()
        return [
            SearchHit(
                article_id=row["article_id"],
                version_id=row["version_id"],
                title=row["title"],
                url=row["url"],
                snippet=row["snippet"] or "",
                seen_at=row["seen_at"],
                rank=float(row["rank"]),
            )
            for row in rows
        ]

    @staticmethod
    async def _search_sqlite(
        connection: AsyncConnection, terms: list[str], limit: int, offset: int
    ) -> list[SearchHit]:
        params = {
            "match": fts5_match_expression(terms),
            "mark_start": SNIPPET_START,
            "mark_end": SNIPPET_END,
            "ellipsis": SNIPPET_ELLIPSIS,
            "tokens": SNIPPET_TOKENS,
            "limit": limit,
            "offset": offset,
        }
        ranked = (await connection.execute(SQLITE_SEARCH_RANKED, params)).mappings().all()
        if not ranked:
            return []
        details = {
            row["id"]: row
            for row in (
                await connection.execute(
                    select(
                        versions.c.id,
                        versions.c.article_id,
                        versions.c.seen_at,
                        func.coalesce(versions.c.title, articles.c.title).label("title"),
                        articles.c.canonical_url,
                    )
                    .select_from(versions.join(articles, articles.c.id == versions.c.article_id))
                    # The index holds only latest versions; the check keeps a stale entry out.
                    .where(
                        versions.c.id.in_([row["version_id"] for row in ranked]),
                        articles.c.latest_version_id == versions.c.id,
                    )
                )
            ).mappings()
        }
        return [
            SearchHit(
                article_id=detail["article_id"],
                version_id=detail["id"],
                title=detail["title"],
                url=detail["canonical_url"],
                snippet=row["snippet"] or "",
                seen_at=detail["seen_at"],
                rank=-float(row["score"]),
            )
            for row in ranked
            if (detail := details.get(row["version_id"])) is not None
        ]
