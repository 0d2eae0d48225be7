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
import dataclasses
import enum
import json
import logging
import re
import unicodedata
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    bindparam,
    delete,
    event,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, RowMapping, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.backfill import Backfill
from bot.identity import identity_key, insert_article_once
from bot.models import ArticleDraft, Brief, Quote, QuoteKind, SourceKind, SourceSpec, StoryArticle
from bot.notice_store import NoticeRecords
from bot.retry_store import RetryRecords
from bot.schema import (
    FETCHED_SCOPE,
    POSTGRESQL_TS_CONFIG,
    SQLITE_FTS_TABLE,
    SQLITE_TITLE_FTS_TABLE,
    UtcDateTime,
    article_guids,
    article_sources,
    article_urls,
    articles,
    briefs,
    digest_channels,
    digest_outbox,
    guild_articles,
    guild_settings,
    guild_sources,
    quotes,
    sources,
    versions,
)
from bot.serialize import brief_from_json, brief_to_json
from bot.visibility import (
    VISIBLE_SQL,
    find_article_id,
    routed_to,
    visible_article_ids,
    visible_to,
)

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
# Arbitrary constant shared by every Store.open(): serialises concurrent migrations on PostgreSQL.
POSTGRESQL_MIGRATION_LOCK = 0x6E657773  # "news"
# Execution option telling the SQLite "begin" hook to take the write lock up front.
WRITE_TRANSACTION_OPTION = "newsbrief_write"
MAX_ERROR_CHARS = 2000
PAUSED_EVERYWHERE = "paused by every server that follows it"
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
# Held by save_version on PostgreSQL until commit, so version ids become visible in increasing
# order: a digest cursor ("everything up to id N was covered") then never skips a version whose
# transaction committed late. SQLite has one writer at a time anyway.
POSTGRESQL_VERSION_ORDER_LOCK = 0x76657273  # "vers"
MAX_SUGGESTIONS = 25  # Discord shows at most 25 autocomplete choices
# Speakers autocomplete with nothing typed: distinct names among this many newest quotes.
RECENT_SPEAKER_QUOTES = 500
# Newest articles for a guild: first look among this many newest articles (enough for a guild that
# sees much), then per source (fast for a guild that sees little).
NEWEST_SCAN_WINDOW = 1000
# Search ranks the best of the newest this-many matches (visible to the guild), not every match:
# ranking all ~100k matches of a common word took 130-300 ms. News is read by recency, so the
# best of recent matches is what is wanted; a rarer word has fewer matches and is ranked in full.
SEARCH_RANK_WINDOW = 2000
MAX_NONCE_CHARS = 25  # Discord's limit on a message nonce
NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
SPEAKER_KEY_PUNCTUATION = re.compile(r"[.,;:!?\"“”()\[\]]")
# Above every other character in binary (UTF-8 / C collation) order: `key < prefix + this` ends a
# prefix range.
PREFIX_RANGE_END = "\U0010ffff"


class StoreError(Exception):
    """The store could not do what was asked."""


class NotFoundError(StoreError, LookupError):
    """No source / article / version with that id."""


class DigestStatus(enum.StrEnum):
    OK = "ok"
    FORBIDDEN = "forbidden"  # the bot may not post there (missing permission, channel gone)
    FAILING = "failing"  # posting failed for another reason; retried


class OutboxState(enum.StrEnum):
    PENDING = "pending"  # never tried
    ATTEMPTED = "attempted"  # sent to Discord at least once, no confirmation recorded
    SENT = "sent"


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
    # Listed in the config file; False for a source only guilds added (unpolled once none does).
    from_config: bool = True

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
    # The source whose feed supplied the text, or None: fetched by the bot from its own URL.
    origin_source_id: int | None = None


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


@dataclass(frozen=True, slots=True)
class GuildSource:
    """A source as one guild subscribes to it: the shared source, and the guild's name for it."""

    guild_id: int
    source: SourceRecord
    name: str
    channel_id: int | None  # where the guild wants its briefs posted, if anywhere
    added_by: int | None
    added_at: datetime
    paused: bool = False  # this guild's pause; the source itself may still be polled for others
    pause_reason: str | None = None


@dataclass(frozen=True, slots=True)
class ArticleChoice:
    """An autocomplete choice."""

    article_id: int
    title: str | None
    seen_at: datetime  # when the article was first stored


@dataclass(frozen=True, slots=True)
class SpeakerQuote:
    quote: Quote
    article_id: int
    version_id: int
    headline: str
    url: str | None
    seen_at: datetime  # when the version the quote is from was first seen


@dataclass(frozen=True, slots=True)
class DigestChannel:
    channel_id: int
    guild_id: int
    schedule: str
    timezone: str
    anchor_at: datetime
    next_run_at: datetime
    last_run_at: datetime | None
    cursor_version_id: int  # versions with ids up to this were covered by an earlier digest
    max_items: int | None
    status: DigestStatus
    status_detail: str | None
    status_at: datetime | None
    created_by: int | None


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    channel_id: int
    run_key: str
    part: int  # 0, 1, ...: the order to post a run's messages in
    payload: str  # JSON: the message (content + embeds)
    marker: str  # text inside the message, found by scanning the channel after a crash
    nonce: str
    state: OutboxState
    message_id: int | None
    attempts: int
    created_at: datetime
    sent_at: datetime | None


def utc_now() -> datetime:
    return datetime.now(UTC)


def speaker_keys(speaker: str | None) -> tuple[str | None, str | None]:
    """(whole name, surname), casefolded, for finding a speaker's quotes.

    The surname is the last word (a "Jr." aside) when it is capitalised, so a name; a noun
    phrase ("a spokesman", "officials") has none. bot/migrations/versions/0002 has a frozen copy.
    """
    if not speaker:
        return None, None
    normal = unicodedata.normalize("NFKC", speaker).replace("’", "'")
    words = SPEAKER_KEY_PUNCTUATION.sub(" ", normal).split()
    if not words:
        return None, None
    key = " ".join(words).casefold()
    named = [word for word in words if word.casefold() not in NAME_SUFFIXES] or words
    surname = named[-1]
    return key, surname.casefold() if surname[:1].isupper() else None


def speaker_lookup_key(typed: str) -> str:
    """What a user typed as a speaker, normalised like `speaker_keys`' whole-name key."""
    normal = unicodedata.normalize("NFKC", typed).replace("’", "'")
    return " ".join(SPEAKER_KEY_PUNCTUATION.sub(" ", normal).split()).casefold()


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


if TYPE_CHECKING:
    from _typeshed import DataclassInstance

RecordT = TypeVar("RecordT", bound="DataclassInstance")


def record_from_row(cls: type[RecordT], row: RowMapping, **converted: Any) -> RecordT:
    """A record dataclass from a row whose columns are named like its fields; `converted` are the
    fields that need more than the column's value (enums, booleans)."""
    values = {f.name: row[f.name] for f in fields(cls) if f.name not in converted}
    return cls(**values, **converted)


def source_record(row: RowMapping) -> SourceRecord:
    return record_from_row(
        SourceRecord,
        row,
        kind=SourceKind(row["kind"]),
        paused=bool(row["paused"]),
        from_config=bool(row["from_config"]),
    )


def article_record(row: RowMapping) -> ArticleRecord:
    if row["story_id"] is None or row["latest_version_id"] is None:
        raise StoreError(f"article {row['id']} has no version: it was not stored through save_version")
    return record_from_row(ArticleRecord, row)


def version_record(row: RowMapping) -> VersionRecord:
    return record_from_row(VersionRecord, row)


def digest_channel_record(row: RowMapping) -> DigestChannel:
    return record_from_row(DigestChannel, row, status=DigestStatus(row["status"]))


def outbox_item_record(row: RowMapping) -> OutboxItem:
    return record_from_row(OutboxItem, row, state=OutboxState(row["state"]))


def quote_rows(article_id: int, version_id: int, brief: Brief) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for position, quote in enumerate(brief.quotes):
        speaker_key, surname_key = speaker_keys(quote.speaker)
        rows.append(
            {
                "version_id": version_id,
                "position": position,
                "article_id": article_id,
                "speaker": quote.speaker,
                "speaker_key": speaker_key,
                "surname_key": surname_key,
                "text": quote.text,
                "kind": quote.kind.value,
                "start_offset": quote.start,
                "end_offset": quote.end,
                "spans": json.dumps([list(span) for span in quote.spans]) if quote.spans else None,
            }
        )
    return rows


def quote_from_row(row: RowMapping) -> Quote:
    spans = json.loads(row["spans"]) if row["spans"] else []
    return Quote(
        text=row["text"],
        speaker=row["speaker"],
        kind=QuoteKind(row["kind"]),
        start=row["start_offset"],
        end=row["end_offset"],
        spans=tuple((int(start), int(end)) for start, end in spans),
    )


def headline_of(brief_json: str | None, fallback: str | None) -> str:
    if brief_json is not None:
        headline = json.loads(brief_json).get("headline")
        if isinstance(headline, str) and headline:
            return headline
    return fallback or ""


def title_match_expression(terms: list[str]) -> str:
    # Every word, the last one as a prefix: it is probably still being typed.
    quoted = ['"' + term.replace('"', '""') + '"' for term in terms]
    quoted[-1] += "*"
    return " ".join(quoted)


def postgresql_title_query(terms: list[str]) -> str:
    # search_terms() leaves letters and digits only, so no tsquery syntax can get in; ":A" keeps
    # the match to the title (weight A in article_search).
    return " & ".join([*(f"{term}:A" for term in terms[:-1]), f"{terms[-1]}:*A"])


def require_aware(value: datetime, name: str) -> datetime:
    # Checked up front (the column type checks too) so a naive time fails before any write,
    # and comparisons in Python below never mix naive and aware.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")
    return value.astimezone(UTC)


def later(first: datetime, second: datetime) -> datetime:
    return max(first, second)


# Ranking runs on the FTS5 table alone, as its own statement; Store._search_sqlite then looks up
# the page of hits, and their snippets (snippet() costs ~0.1 ms a row: for the page only). FTS5
# walks a term's matches by rowid, so `ORDER BY rowid DESC LIMIT :window` reads only the newest
# window of matches and bm25() runs on those alone. Ties go to the newest stored version (the
# higher id), i.e. the most recently seen.
SQLITE_SEARCH_RANKED_TEMPLATE = f"""
    SELECT version_id, score FROM (
        SELECT rowid AS version_id, bm25({SQLITE_FTS_TABLE}, 4.0, 1.0) AS score
        FROM {SQLITE_FTS_TABLE}
        WHERE {SQLITE_FTS_TABLE} MATCH :match {{visibility}}
        ORDER BY rowid DESC
        LIMIT :window
    )
    ORDER BY score, version_id DESC
    LIMIT :limit OFFSET :offset
    """
SQLITE_SEARCH_RANKED = text(SQLITE_SEARCH_RANKED_TEMPLATE.format(visibility=""))
SQLITE_SEARCH_RANKED_FOR_GUILD = text(
    SQLITE_SEARCH_RANKED_TEMPLATE.format(
        visibility=f"AND EXISTS (SELECT 1 FROM articles AS a WHERE a.latest_version_id = "
        f"{SQLITE_FTS_TABLE}.rowid AND {VISIBLE_SQL.format(a='a.id')})"
    )
)
# With MATCH, `rowid IN (...)` is one index seek per id (a rowid range would rescan the matches).
SQLITE_SEARCH_SNIPPETS = text(
    f"""
    SELECT rowid AS version_id,
           snippet({SQLITE_FTS_TABLE}, 1, :mark_start, :mark_end, :ellipsis, :tokens) AS snippet
    FROM {SQLITE_FTS_TABLE}
    WHERE {SQLITE_FTS_TABLE} MATCH :match AND rowid IN :version_ids
    """
).bindparams(bindparam("version_ids", expanding=True))

# FTS5 walks its matches in rowid (article id) order, newest first, and stops at the limit.
SQLITE_TITLE_SUGGEST = text(
    f"""
    SELECT rowid AS article_id FROM {SQLITE_TITLE_FTS_TABLE}
    WHERE {SQLITE_TITLE_FTS_TABLE} MATCH :match AND {VISIBLE_SQL.format(a=SQLITE_TITLE_FTS_TABLE + ".rowid")}
    ORDER BY rowid DESC
    LIMIT :limit
    """
)
POSTGRESQL_TITLE_SUGGEST = text(
    f"""
    SELECT s.article_id FROM article_search AS s
    WHERE s.document @@ to_tsquery('{POSTGRESQL_TS_CONFIG}', :query)
      AND {VISIBLE_SQL.format(a="s.article_id")}
    ORDER BY s.article_id DESC
    LIMIT :limit
    """
)
SQLITE_TITLE_DELETE = text(f"DELETE FROM {SQLITE_TITLE_FTS_TABLE} WHERE rowid = :article_id")
SQLITE_TITLE_INSERT = text(f"INSERT INTO {SQLITE_TITLE_FTS_TABLE}(rowid, title) VALUES (:article_id, :title)")

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

# Same shape as on SQLite: the newest SEARCH_RANK_WINDOW matches (ids only: ts_rank reads the
# whole tsvector, so it runs on the window alone), ranked, then the page of hits joined.
POSTGRESQL_SEARCH_TEMPLATE = f"""
    SELECT t.article_id AS article_id, t.version_id AS version_id, t.rank AS rank, v.seen_at AS seen_at,
           coalesce(v.title, a.title) AS title, a.canonical_url AS url,
           ts_headline('{POSTGRESQL_TS_CONFIG}', left(v.text, {POSTGRESQL_INDEXED_CHARS}),
                       plainto_tsquery('{POSTGRESQL_TS_CONFIG}', :query), :headline_options) AS snippet
    FROM (
        SELECT w.article_id, w.version_id, ts_rank(s.document, q.query) AS rank
        FROM (
            SELECT s.article_id, s.version_id
            FROM article_search AS s
            CROSS JOIN plainto_tsquery('{POSTGRESQL_TS_CONFIG}', :query) AS q(query)
            WHERE s.document @@ q.query {{visibility}}
            ORDER BY s.version_id DESC
            LIMIT :window
        ) AS w
        JOIN article_search AS s ON s.article_id = w.article_id
        CROSS JOIN plainto_tsquery('{POSTGRESQL_TS_CONFIG}', :query) AS q(query)
        ORDER BY rank DESC, w.version_id DESC
        LIMIT :limit OFFSET :offset
    ) AS t
    JOIN versions AS v ON v.id = t.version_id
    JOIN articles AS a ON a.id = t.article_id
    ORDER BY t.rank DESC, t.version_id DESC
    """
POSTGRESQL_SEARCH_ALL = text(POSTGRESQL_SEARCH_TEMPLATE.format(visibility="")).columns(seen_at=UtcDateTime())
POSTGRESQL_SEARCH_FOR_GUILD = text(
    POSTGRESQL_SEARCH_TEMPLATE.format(visibility="AND " + VISIBLE_SQL.format(a="s.article_id"))
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


class SavedVersion(tuple[ArticleRecord, VersionRecord]):
    """What `Store.save_version` stored: (article, version), unpacked as a pair.

    `new_version` False: another writer had just stored this text, so the version is that one.
    """

    new_version: bool

    def __new__(cls, article: ArticleRecord, version: VersionRecord, *, new_version: bool = True) -> Self:
        saved = super().__new__(cls, (article, version))
        saved.new_version = new_version
        return saved


class Store(NoticeRecords, RetryRecords):
    """Sources, articles with all their versions, briefs, and search. Open with `Store.open()`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._dialect = engine.dialect.name
        # PostgreSQL runs writers side by side; only SQLite needs them one at a time.
        self._write_lock: contextlib.AbstractAsyncContextManager[object] = (
            asyncio.Lock() if self._dialect == "sqlite" else contextlib.nullcontext()
        )

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

    # --- sources -------------------------------------------------------------------------

    async def upsert_source(self, spec: SourceSpec) -> SourceRecord:
        """Add a config-file source, or update the name / kind of the one at `spec.location`.

        Re-adding a removed source revives it (same id, so its articles stay matched), with a
        clean bill of health. The source is marked as from the config file (polled whether or
        not a guild subscribes).
        """
        async with self._write() as connection:
            source_id = await self._upsert_source_in(connection, spec, from_config=True, rename=True)
            return await self._source_in(connection, source_id)

    async def sync_config_sources(self, specs: Sequence[SourceSpec]) -> list[SourceRecord]:
        """Make the config file's list the truth, in one transaction.

        Each spec is added or updated as `upsert_source` does. A source the file no longer lists
        stops being a config source: guilds that follow it keep it, and one that no guild follows
        is removed (no longer polled; its articles stay). The source of articles fetched on
        request is not the file's to remove.
        """
        async with self._write() as connection:
            ids = [
                await self._upsert_source_in(connection, spec, from_config=True, rename=True)
                for spec in specs
            ]
            dropped = (
                sources.c.from_config.is_(True),
                sources.c.removed_at.is_(None),
                sources.c.kind != SourceKind.REQUESTED.value,
                sources.c.id.not_in(ids) if ids else true(),
            )
            followed = exists().where(guild_sources.c.source_id == sources.c.id)
            await connection.execute(
                update(sources).where(*dropped, ~followed).values(removed_at=utc_now(), from_config=False)
            )
            await connection.execute(update(sources).where(*dropped).values(from_config=False))
            return [await self._source_in(connection, source_id) for source_id in ids]

    async def _upsert_source_in(
        self, connection: AsyncConnection, spec: SourceSpec, *, from_config: bool, rename: bool
    ) -> int:
        existing = (
            (
                await connection.execute(
                    select(sources).where(sources.c.location == spec.location).with_for_update()
                )
            )
            .mappings()
            .first()
        )
        if existing is None:
            return int(
                (
                    await connection.execute(
                        insert(sources)
                        .values(
                            name=spec.name,
                            kind=spec.kind.value,
                            location=spec.location,
                            created_at=utc_now(),
                            from_config=from_config,
                        )
                        .returning(sources.c.id)
                    )
                ).scalar_one()
            )
        source_id = int(existing["id"])
        values: dict[str, Any] = {}
        if rename:
            values |= {"name": spec.name, "kind": spec.kind.value}
        if from_config:
            values["from_config"] = True
        if existing["removed_at"] is not None:
            values |= {
                "name": spec.name,
                "kind": spec.kind.value,
                "removed_at": None,
                "paused": False,
                "pause_reason": None,
                "consecutive_failures": 0,
                "next_attempt_at": None,
            }
        if values:
            await connection.execute(update(sources).where(sources.c.id == source_id).values(**values))
        return source_id

    async def get_source(self, source_id: int) -> SourceRecord | None:
        async with self._read() as connection:
            row = (await connection.execute(self._visible_source(source_id))).mappings().first()
        return source_record(row) if row is not None else None

    async def list_sources(self) -> list[SourceRecord]:
        """Every source not removed, by id (the CLI's view; the poller uses `active_sources`)."""
        async with self._read() as connection:
            rows = (
                await connection.execute(
                    select(sources).where(sources.c.removed_at.is_(None)).order_by(sources.c.id)
                )
            ).mappings()
            return [source_record(row) for row in rows]

    async def active_sources(self) -> list[SourceRecord]:
        """The sources to poll, by id: not removed, and from the config file or subscribed by a guild.

        A source only guilds follow, every one of which paused it, comes back paused: one guild's
        pause never stops the polling another guild relies on, and the last one's does.
        """
        subscribed = exists().where(guild_sources.c.source_id == sources.c.id)
        followed = exists().where(
            guild_sources.c.source_id == sources.c.id, guild_sources.c.paused.is_(False)
        )
        query = (
            select(sources, followed.label("followed"))
            .where(sources.c.removed_at.is_(None), or_(sources.c.from_config.is_(True), subscribed))
            .order_by(sources.c.id)
        )
        async with self._read() as connection:
            rows = (await connection.execute(query)).mappings().all()
        records = [source_record(row) for row in rows]
        return [
            dataclasses.replace(record, paused=True, pause_reason=PAUSED_EVERYWHERE)
            if not (record.paused or record.from_config or row["followed"])
            else record
            for record, row in zip(records, rows, strict=True)
        ]

    async def remove_source(self, source_id: int) -> None:
        """Stop watching a source, for every guild. Its articles stay (other sources may share them)."""
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

    async def record_fetch_unchanged(self, source_ids: Sequence[int], *, at: datetime) -> None:
        """Many fetches that found nothing new (304, or the same bytes), in one transaction.

        A warm poll answers mostly 304s; a write transaction per source was most of its time.
        The validators stay as they are, failures reset to 0, a source removed meanwhile is skipped.
        """
        if not source_ids:
            return
        values = {
            "last_success_at": require_aware(at, "at"),
            "consecutive_failures": 0,
            "next_attempt_at": None,
        }
        async with self._write() as connection:
            for start in range(0, len(source_ids), 500):  # stay well under SQLite's variable limit
                chunk = list(source_ids[start : start + 500])
                await connection.execute(
                    update(sources)
                    .where(sources.c.id.in_(chunk), sources.c.removed_at.is_(None))
                    .values(**values)
                )

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
                # Every follower's subscription pauses too, and each guild resumes its own.
                await connection.execute(
                    update(guild_sources)
                    .where(guild_sources.c.source_id == source_id, guild_sources.c.paused.is_(False))
                    .values(paused=True, pause_reason=values["pause_reason"], paused_at=at)
                )
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

    async def set_subscription_paused(
        self,
        guild_id: int,
        source_id: int,
        paused: bool,
        reason: str | None = None,
        *,
        at: datetime | None = None,
    ) -> None:
        """Pause or resume one guild's subscription (see `active_sources` for what is polled).

        `at`: when, on the clock articles are stamped with as they are seen (default: now).

        Resuming also lifts a pause of the source itself (after failures), with its failure
        count, so the source is polled at the next round; other guilds' pauses stay as they are.
        """
        key = (guild_sources.c.guild_id == guild_id, guild_sources.c.source_id == source_id)
        async with self._write() as connection:
            source = await self._source_in(connection, source_id)
            if paused:
                await connection.execute(
                    update(guild_sources)
                    .where(*key)
                    .values(
                        paused=True,
                        pause_reason=reason,
                        paused_at=func.coalesce(
                            guild_sources.c.paused_at,
                            literal(require_aware(at or utc_now(), "at"), UtcDateTime()),
                        ),
                    )
                )
                return
            await connection.execute(
                update(guild_sources).where(*key).values(paused=False, pause_reason=None, paused_at=None)
            )
            if source.paused:
                await connection.execute(
                    update(sources)
                    .where(sources.c.id == source_id)
                    .values(paused=False, pause_reason=None, consecutive_failures=0, next_attempt_at=None)
                )

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
        self,
        *,
        source_id: int,
        canonical_url: str | None,
        guid: str | None,
        text_hash: str | None,
        fetched: bool | None = False,
        title: str | None = None,
    ) -> ArticleRecord | None:
        """The stored article this sighting through `source_id` is, if any: see
        `bot.visibility.find_article_id` for what `fetched` allows to match."""
        async with self._read() as connection:
            article_id = await find_article_id(
                connection,
                source_id=source_id,
                canonical_url=canonical_url,
                guid=guid,
                text_hash=text_hash,
                fetched=fetched,
                title=title,
            )
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
        fetched: bool = False,
    ) -> SavedVersion:
        """Store a new version of an article, with its brief, in one transaction.

        article_id None inserts the article under its identity (see bot.identity); when another
        writer stored that article first, this becomes a version of it, or, when its latest
        version has this text and title, nothing new (`new_version` False, the latest returned).
        `draft.url_is_identity` False: its link is not the article's own (many entries share
        it), so it is neither its identity nor an alias later sightings are found by.

        `fetched`: the bot fetched the text from the article's URL itself (shared by every source
        that links there), rather than the draft's source supplying it (that source's alone). A
        new version must have the article's own origin: StoreError otherwise.

        article_id None creates the article (story_id None: it starts its own story, whose id is
        the article's id). The version is numbered after the article's last one; the brief is
        stored with article_id / version_id filled in; the article's URL and GUID are recorded
        so later sightings under either find it; search then covers this version's text only.
        The article is linked to the draft's source (for guild visibility) and the brief's quotes
        are recorded under this version (for quotes by speaker).
        On an existing article: a non-None story_id moves it to that story, next_check_at is
        replaced (None: no re-check), and draft metadata that is None keeps the stored value.
        """
        seen_at = require_aware(seen_at, "seen_at")
        async with self._write() as connection:
            if self._dialect == "postgresql":
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": POSTGRESQL_VERSION_ORDER_LOCK}
                )
            previous: VersionRecord | None = None
            origin = None if fetched else draft.source_id
            inserted = False
            if article_id is None:
                identity = identity_key(
                    origin, url=draft.canonical_url, guid=draft.guid, url_is_identity=draft.url_is_identity
                )
                article_id, inserted = await self._insert_article(
                    connection, draft, story_id, seen_at, next_check_at, origin, identity
                )
            if inserted:
                number = 1
            else:
                current = await self._article_in(connection, article_id, for_update=True)
                if current.origin_source_id != origin:
                    raise StoreError(f"article {article_id} has another origin than this version")
                previous = await self._version_in(connection, current.latest_version_id)
                if previous is not None and previous.text_hash == text_hash and previous.title == draft.title:
                    # Another writer stored this very text moments ago: seen again, not a new version.
                    await connection.execute(
                        update(articles)
                        .where(articles.c.id == article_id)
                        .values(last_seen_at=later(current.last_seen_at, seen_at))
                    )
                    await self._record_aliases(
                        connection, article_id, draft.source_id, None, draft.guid, origin
                    )
                    await self._link_source(connection, article_id, draft.source_id, seen_at)
                    return SavedVersion(current, previous, new_version=False)
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
                connection,
                article_id,
                draft.source_id,
                draft.canonical_url if draft.url_is_identity else None,
                draft.guid,
                origin,
            )
            version = await self._version_in(connection, version_id)
            if version is None:
                raise StoreError(f"version {version_id} vanished inside its own transaction")
            await self._link_source(connection, article_id, draft.source_id, seen_at)
            await self._index_latest(connection, previous, version)
            rows = quote_rows(article_id, version_id, brief)
            if rows:
                await connection.execute(insert(quotes), rows)
            article = await self._article_in(connection, article_id)
            await self._index_title(connection, article, version)
            stored_brief = dataclasses.replace(brief, article_id=article_id, version_id=version_id)
            await connection.execute(
                insert(briefs).values(
                    version_id=version_id, brief_json=brief_to_json(stored_brief), created_at=utc_now()
                )
            )
        logger.debug("stored article %d version %d", article.id, version.number)
        return SavedVersion(article, version)

    async def touch_article(
        self,
        article_id: int,
        *,
        seen_at: datetime,
        guid: str | None,
        next_check_at: datetime | None,
        source_id: int | None = None,
    ) -> None:
        """Seen again, unchanged, through `source_id` (default: the article's first source).

        The GUID is recorded for that source, and the article linked to it: guilds subscribing
        to that source now see the article too. Only a fetched article, or the source's own,
        can be seen through a source (StoreError otherwise): see `find_article`.
        """
        seen_at = require_aware(seen_at, "seen_at")
        async with self._write() as connection:
            current = await self._article_in(connection, article_id, for_update=True)
            through = source_id if source_id is not None else current.source_id
            if current.origin_source_id not in (None, through):
                raise StoreError(f"article {article_id} is another source's: not linked to source {through}")
            await connection.execute(
                update(articles)
                .where(articles.c.id == article_id)
                .values(last_seen_at=later(current.last_seen_at, seen_at), next_check_at=next_check_at)
            )
            await self._record_aliases(connection, article_id, through, None, guid, current.origin_source_id)
            await self._link_source(connection, article_id, through, seen_at)

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
        self,
        *,
        since: datetime,
        exclude_article_id: int | None = None,
        limit: int = 500,
        of_origin: bool = False,
        origin_source_id: int | None = None,
    ) -> list[StoryArticle]:
        """Articles whose latest version was seen at or after `since`, newest first, for story matching.

        `of_origin`: only those of `origin_source_id`'s origin: that source's own, or with None the
        fetched ones.
        """
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
        if of_origin and origin_source_id is None:
            query = query.where(articles.c.origin_source_id.is_(None))
        elif of_origin:
            query = query.where(articles.c.origin_source_id == origin_source_id)
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

    async def counts(self, guild_id: int | None = None) -> dict[str, int]:
        """Sources (not removed), articles and versions; for a guild: its subscriptions, and the
        articles it can see with their versions."""
        if guild_id is not None:
            return await self._guild_counts(guild_id)
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
        origin_source_id: int | None,
        identity: str | None,
    ) -> tuple[int, bool]:
        values = {
            "source_id": draft.source_id,
            "canonical_url": draft.canonical_url,
            "guid": draft.guid,
            "title": draft.title,
            "author": draft.author,
            "published": draft.published,
            "updated": draft.updated,
            "first_seen_at": seen_at,
            "last_seen_at": seen_at,
            "next_check_at": next_check_at,
            "story_id": story_id,
            "origin_source_id": origin_source_id,
            "identity": identity,
        }
        article_id, inserted = await insert_article_once(connection, self._dialect, values)
        if inserted and story_id is None:
            await connection.execute(
                update(articles).where(articles.c.id == article_id).values(story_id=article_id)
            )
        return article_id, inserted

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
        origin_source_id: int | None,
    ) -> None:
        # First article to claim a URL / GUID keeps it: lookups must stay deterministic. A URL is
        # claimed within the article's origin: a source's claim never takes a fetched URL's place.
        if url:
            scope = FETCHED_SCOPE if origin_source_id is None else origin_source_id
            await connection.execute(
                self._insert_ignoring_duplicates(
                    article_urls, {"scope": scope, "url": url, "article_id": article_id}
                )
            )
        if guid:
            await connection.execute(
                self._insert_ignoring_duplicates(
                    article_guids, {"source_id": source_id, "guid": guid, "article_id": article_id}
                )
            )

    async def _link_source(
        self, connection: AsyncConnection, article_id: int, source_id: int, seen_at: datetime
    ) -> None:
        await connection.execute(
            self._insert_ignoring_duplicates(
                article_sources, {"article_id": article_id, "source_id": source_id, "first_seen_at": seen_at}
            )
        )

    async def _index_title(
        self, connection: AsyncConnection, article: ArticleRecord, version: VersionRecord
    ) -> None:
        """Keep SQLite's title index on the title shown now (PostgreSQL reads article_search)."""
        if self._dialect != "sqlite":
            return
        title = version.title if version.title is not None else article.title
        await connection.execute(SQLITE_TITLE_DELETE, {"article_id": article.id})
        if title:
            await connection.execute(SQLITE_TITLE_INSERT, {"article_id": article.id, "title": title})

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

    async def search(
        self, query: str, *, guild_id: int | None = None, limit: int = 10, offset: int = 0
    ) -> list[SearchHit]:
        """Articles (their latest version) matching every word of `query`.

        Best match first among the newest SEARCH_RANK_WINDOW matches (so a word in most articles
        is answered in milliseconds); ties newest first (the most recently stored version). Any
        text is accepted: operators and punctuation are ignored, and a query without words finds
        nothing. guild_id: only articles visible to that guild; None: all (the CLI).
        """
        terms = search_terms(query)
        limit = min(limit, MAX_SEARCH_LIMIT)
        if not terms or limit <= 0:
            return []
        offset = max(offset, 0)
        async with self._read() as connection:
            if self._dialect == "postgresql":
                hits = await self._search_postgresql(connection, terms, guild_id, limit, offset)
            else:
                hits = await self._search_sqlite(connection, terms, guild_id, limit, offset)
            made = await self._made_headlines(connection, [h.version_id for h in hits if not h.title])
        # An article without a title is shown by the headline its brief made, as everywhere else.
        return [replace(h, title=made[h.version_id]) if h.version_id in made else h for h in hits]

    @staticmethod
    async def _made_headlines(connection: AsyncConnection, version_ids: list[int]) -> dict[int, str]:
        """The brief's headline of each of these versions that has a brief."""
        if not version_ids:
            return {}
        rows = await connection.execute(
            select(briefs.c.version_id, briefs.c.brief_json).where(briefs.c.version_id.in_(version_ids))
        )
        made = {version_id: headline_of(brief_json, None) for version_id, brief_json in rows}
        return {version_id: headline for version_id, headline in made.items() if headline}

    @staticmethod
    async def _search_postgresql(
        connection: AsyncConnection, terms: list[str], guild_id: int | None, limit: int, offset: int
    ) -> list[SearchHit]:
        params = {
            "query": " ".join(terms),
            "headline_options": POSTGRESQL_HEADLINE_OPTIONS,
            "window": SEARCH_RANK_WINDOW,
            "limit": limit,
            "offset": offset,
        }
        statement = POSTGRESQL_SEARCH_ALL
        if guild_id is not None:
            statement = POSTGRESQL_SEARCH_FOR_GUILD
            params["guild_id"] = guild_id
        rows = (await connection.execute(statement, params)).mappings()
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
        connection: AsyncConnection, terms: list[str], guild_id: int | None, limit: int, offset: int
    ) -> list[SearchHit]:
        match = fts5_match_expression(terms)
        params: dict[str, Any] = {
            "match": match,
            "window": SEARCH_RANK_WINDOW,
            "limit": limit,
            "offset": offset,
        }
        statement = SQLITE_SEARCH_RANKED
        if guild_id is not None:
            statement = SQLITE_SEARCH_RANKED_FOR_GUILD
            params["guild_id"] = guild_id
        ranked = (await connection.execute(statement, params)).mappings().all()
        if not ranked:
            return []
        version_ids = [row["version_id"] for row in ranked]
        snippets = await Store._sqlite_snippets(connection, match, version_ids)
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
                        versions.c.id.in_(version_ids),
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
                snippet=snippets.get(row["version_id"]) or "",
                seen_at=detail["seen_at"],
                rank=-float(row["score"]),
            )
            for row in ranked
            if (detail := details.get(row["version_id"])) is not None
        ]

    @staticmethod
    async def _sqlite_snippets(
        connection: AsyncConnection, match: str, version_ids: list[int]
    ) -> dict[int, str | None]:
        params: dict[str, Any] = {
            "match": match,
            "version_ids": version_ids,
            "mark_start": SNIPPET_START,
            "mark_end": SNIPPET_END,
            "ellipsis": SNIPPET_ELLIPSIS,
            "tokens": SNIPPET_TOKENS,
        }
        rows = (await connection.execute(SQLITE_SEARCH_SNIPPETS, params)).all()
        return {version_id: snippet for version_id, snippet in rows}

    # --- guilds: subscriptions -------------------------------------------------------------

    async def subscribe(
        self,
        guild_id: int,
        spec: SourceSpec,
        *,
        channel_id: int | None = None,
        added_by: int | None = None,
        name: str | None = None,
    ) -> tuple[SourceRecord, bool]:
        """Subscribe a guild to the source at `spec.location`, adding the source if it is new.

        A source is shared by location: `name` (default `spec.name`) is the guild's own name for
        it, seen by that guild alone; a new source is named `spec.name` (its own title, which
        every follower's briefs show), and an existing one keeps its name and kind (a removed
        source is revived with them). Subscribing again updates the guild's name and channel.
        True when newly subscribed.
        """
        guild_name = name or spec.name
        async with self._write() as connection:
            source_id = await self._upsert_source_in(connection, spec, from_config=False, rename=False)
            existing = (
                await connection.execute(
                    select(guild_sources.c.source_id).where(
                        guild_sources.c.guild_id == guild_id, guild_sources.c.source_id == source_id
                    )
                )
            ).first()
            if existing is None:
                await connection.execute(
                    insert(guild_sources).values(
                        guild_id=guild_id,
                        source_id=source_id,
                        name=guild_name,
                        channel_id=channel_id,
                        added_by=added_by,
                        added_at=utc_now(),
                    )
                )
            else:
                await connection.execute(
                    update(guild_sources)
                    .where(guild_sources.c.guild_id == guild_id, guild_sources.c.source_id == source_id)
                    .values(name=guild_name, channel_id=channel_id)
                )
            return await self._source_in(connection, source_id), existing is None

    async def set_backfill(self, guild_id: int, source_id: int, backfill: Backfill, *, at: datetime) -> None:
        """Set which of the subscription's articles its digests post (bot.backfill), counting from
        `at`: what the source had by then is its backlog if it was polled before, else what its
        first poll reads (`settle_backlog` marks the end of that)."""
        at = require_aware(at, "at")
        async with self._write() as connection:
            polled = (
                await connection.execute(select(sources.c.last_success_at).where(sources.c.id == source_id))
            ).scalar_one_or_none()
            await connection.execute(
                update(guild_sources)
                .where(guild_sources.c.guild_id == guild_id, guild_sources.c.source_id == source_id)
                .values(
                    backfill=backfill.mode.value,
                    backfill_latest=backfill.count,
                    posts_after=at,
                    backlog_until=at if polled is not None else None,
                )
            )

    async def settle_backlog(self, *, at: datetime, source_id: int | None = None) -> None:
        """End the backlog of subscriptions still waiting for their source's first poll, at `at`:
        for one source (its first poll just ended) or, with none, every source polled since."""
        polled = exists().where(
            sources.c.id == guild_sources.c.source_id, sources.c.last_success_at.is_not(None)
        )
        query = update(guild_sources).where(guild_sources.c.backlog_until.is_(None), polled)
        if source_id is not None:
            query = query.where(guild_sources.c.source_id == source_id)
        async with self._write() as connection:
            await connection.execute(query.values(backlog_until=require_aware(at, "at")))

    async def unsubscribe(self, guild_id: int, source_id: int) -> bool:
        """End a guild's subscription; False if it had none.

        A source no guild subscribes to any more and that is not in the config file is removed
        (no longer polled); its articles stay, visible to guilds that reach them otherwise.
        """
        async with self._write() as connection:
            deleted = await connection.execute(
                delete(guild_sources).where(
                    guild_sources.c.guild_id == guild_id, guild_sources.c.source_id == source_id
                )
            )
            if deleted.rowcount == 0:
                return False
            still_followed = exists().where(guild_sources.c.source_id == source_id)
            await connection.execute(
                update(sources)
                .where(
                    sources.c.id == source_id,
                    sources.c.from_config.is_(False),
                    sources.c.removed_at.is_(None),
                    ~still_followed,
                )
                .values(removed_at=utc_now())
            )
            return True

    async def guild_sources(self, guild_id: int) -> list[GuildSource]:
        """The guild's subscriptions, by the guild's name for them."""
        query = (
            select(
                sources,
                guild_sources.c.guild_id,
                guild_sources.c.name.label("guild_name"),
                guild_sources.c.channel_id,
                guild_sources.c.added_by,
                guild_sources.c.added_at,
                guild_sources.c.paused.label("guild_paused"),
                guild_sources.c.pause_reason.label("guild_pause_reason"),
            )
            .select_from(guild_sources.join(sources, sources.c.id == guild_sources.c.source_id))
            .where(guild_sources.c.guild_id == guild_id)
            .order_by(guild_sources.c.name, guild_sources.c.source_id)
        )
        async with self._read() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [
            GuildSource(
                guild_id=row["guild_id"],
                source=source_record(row),
                name=row["guild_name"],
                channel_id=row["channel_id"],
                added_by=row["added_by"],
                added_at=row["added_at"],
                paused=bool(row["guild_paused"]),
                pause_reason=row["guild_pause_reason"],
            )
            for row in rows
        ]

    async def find_guild_source(self, guild_id: int, text: str) -> GuildSource | None:
        """One of the guild's subscriptions, by source id, by the guild's name for it (any case) or
        by location; None when nothing matches."""
        wanted = text.strip()
        if not wanted:
            return None
        subscribed = await self.guild_sources(guild_id)
        by_id = [g for g in subscribed if wanted.isdigit() and g.source.id == int(wanted)]
        by_name = [g for g in subscribed if g.name.casefold() == wanted.casefold()]
        by_location = [g for g in subscribed if g.source.location == wanted]
        return next(iter(by_id + by_name + by_location), None)

    # --- guilds: article visibility --------------------------------------------------------

    async def grant_article(self, guild_id: int, article_id: int) -> bool:
        """Make an article visible to a guild (fetched there with /summarize). True if newly granted."""
        async with self._write() as connection:
            await self._article_in(connection, article_id)
            result = await connection.execute(
                self._insert_ignoring_duplicates(
                    guild_articles, {"guild_id": guild_id, "article_id": article_id, "added_at": utc_now()}
                )
            )
            return bool(result.rowcount)

    async def article_visible(self, guild_id: int, article_id: int) -> bool:
        async with self._read() as connection:
            return bool((await connection.execute(select(visible_to(guild_id, article_id)))).scalar_one())

    async def suggest_articles(
        self, guild_id: int, text: str, *, limit: int = MAX_SUGGESTIONS
    ) -> list[ArticleChoice]:
        """Autocomplete: the guild's articles whose title has every typed word (the last one as a
        prefix), newest stored first; nothing typed: the newest stored articles. An article id
        (`123`, `#123`) or a stored URL puts that article first."""
        limit = min(limit, MAX_SUGGESTIONS)
        if limit <= 0:
            return []
        typed = text.strip()
        async with self._read() as connection:
            exact = await self._exact_article(connection, guild_id, typed)
            terms = search_terms(typed)
            if exact is not None and (typed.startswith(("http://", "https://")) or not terms):
                ids = [exact]
            elif terms:
                ids = await self._articles_by_title(connection, guild_id, terms, limit)
            else:
                ids = await self._newest_articles(connection, guild_id, limit)
            if exact is not None:
                ids = [exact, *(i for i in ids if i != exact)][:limit]
            return await self._article_choices(connection, ids)

    async def _exact_article(self, connection: AsyncConnection, guild_id: int, typed: str) -> int | None:
        article_id: int | None = None
        number = typed.removeprefix("#")
        if number.isdigit() and len(number) < 10:
            article_id = int(number)
        elif typed.startswith(("http://", "https://")):
            # Several articles may carry the URL (each source's, and the fetched one): the
            # guild's own, newest first.
            article_id = (
                await connection.execute(
                    select(article_urls.c.article_id)
                    .where(article_urls.c.url == typed, visible_to(guild_id, article_urls.c.article_id))
                    .order_by(article_urls.c.article_id.desc())
                    .limit(1)
                )
            ).scalar_one_or_none()
        if article_id is None:
            return None
        visible = (
            await connection.execute(
                select(visible_to(guild_id, articles.c.id)).where(
                    articles.c.id == article_id, articles.c.latest_version_id.is_not(None)
                )
            )
        ).scalar_one_or_none()
        return article_id if visible else None

    async def _articles_by_title(
        self, connection: AsyncConnection, guild_id: int, terms: list[str], limit: int
    ) -> list[int]:
        if self._dialect == "postgresql":
            params: dict[str, Any] = {
                "query": postgresql_title_query(terms),
                "guild_id": guild_id,
                "limit": limit,
            }
            return list((await connection.execute(POSTGRESQL_TITLE_SUGGEST, params)).scalars())
        params = {"match": title_match_expression(terms), "guild_id": guild_id, "limit": limit}
        return list((await connection.execute(SQLITE_TITLE_SUGGEST, params)).scalars())

    async def _newest_articles(self, connection: AsyncConnection, guild_id: int, limit: int) -> list[int]:
        newest = select(func.max(articles.c.id)).scalar_subquery()
        recent = list(
            (
                await connection.execute(
                    select(articles.c.id)
                    .where(
                        articles.c.id > newest - NEWEST_SCAN_WINDOW,
                        articles.c.latest_version_id.is_not(None),
                        visible_to(guild_id, articles.c.id),
                    )
                    .order_by(articles.c.id.desc())
                    .limit(limit)
                )
            ).scalars()
        )
        if len(recent) == limit:
            return recent
        # The newest `limit` of each subscribed source (an index range each) and of the grants,
        # merged: the overall newest `limit` are among them. Scanning all articles for visible
        # ones would be slow for a guild that sees few.
        source_ids = (
            await connection.execute(
                select(guild_sources.c.source_id).where(guild_sources.c.guild_id == guild_id)
            )
        ).scalars()
        parts = [
            select(article_sources.c.article_id)
            .where(article_sources.c.source_id == source_id)
            .order_by(article_sources.c.article_id.desc())
            .limit(limit)
            .subquery()
            .select()
            for source_id in source_ids
        ]
        parts.append(
            select(guild_articles.c.article_id)
            .where(guild_articles.c.guild_id == guild_id)
            .order_by(guild_articles.c.article_id.desc())
            .limit(limit)
            .subquery()
            .select()
        )
        found = list((await connection.execute(union_all(*parts))).scalars())
        # A paused subscription's source may hold articles the guild does not see.
        visible = (
            await connection.execute(
                select(articles.c.id).where(articles.c.id.in_(found), visible_to(guild_id, articles.c.id))
            )
        ).scalars()
        return sorted(set(visible), reverse=True)[:limit]

    async def _article_choices(
        self, connection: AsyncConnection, article_ids: list[int]
    ) -> list[ArticleChoice]:
        if not article_ids:
            return []
        rows = (
            await connection.execute(
                select(
                    articles.c.id,
                    func.coalesce(versions.c.title, articles.c.title).label("title"),
                    articles.c.first_seen_at,
                    briefs.c.brief_json,
                )
                .select_from(
                    articles.join(versions, versions.c.id == articles.c.latest_version_id).outerjoin(
                        briefs, briefs.c.version_id == articles.c.latest_version_id
                    )
                )
                .where(articles.c.id.in_(article_ids))
            )
        ).mappings()
        by_id = {row["id"]: row for row in rows}
        return [
            ArticleChoice(
                article_id=i,
                # An untitled article is offered by the headline its brief made.
                title=by_id[i]["title"] or headline_of(by_id[i]["brief_json"], None) or None,
                seen_at=by_id[i]["first_seen_at"],
            )
            for i in article_ids
            if i in by_id
        ]

    async def latest_brief(self, article_id: int) -> Brief | None:
        """The brief of the article's latest version."""
        async with self._read() as connection:
            stored = (
                await connection.execute(
                    select(briefs.c.brief_json)
                    .select_from(articles.join(briefs, briefs.c.version_id == articles.c.latest_version_id))
                    .where(articles.c.id == article_id)
                )
            ).scalar_one_or_none()
        return brief_from_json(stored) if stored is not None else None

    async def max_version_id(self) -> int:
        """The newest version's id (0 when there is none): the upper end of a digest's range."""
        async with self._read() as connection:
            return int(
                (await connection.execute(select(func.coalesce(func.max(versions.c.id), 0)))).scalar_one()
            )

    async def briefs_for_digest(
        self,
        guild_id: int,
        *,
        after_version_id: int,
        up_to_version_id: int | None = None,
        limit: int,
        channel_id: int | None = None,
    ) -> list[tuple[ArticleRecord, Brief, VersionRecord]]:
        """Briefs of versions with after_version_id < id <= up_to_version_id (None: no upper end),
        visible to the guild, OLDEST FIRST (by version id). With `channel_id`, only those whose
        sources post to that digest channel (`routed_to`).

        Only versions still their article's latest are returned, so an article edited twice since
        the cursor appears once, with its newest version (which is inside the range too). Version
        ids become visible in increasing order (see POSTGRESQL_VERSION_ORDER_LOCK), so advancing a
        cursor to the last id returned (or to up_to_version_id) never skips one.
        """
        query = (
            select(
                articles,
                versions.c.id.label("version_id"),
                versions.c.number.label("version_number"),
                versions.c.seen_at.label("version_seen_at"),
                versions.c.title.label("version_title"),
                versions.c.text.label("version_text"),
                versions.c.text_hash.label("version_text_hash"),
                briefs.c.brief_json,
            )
            .select_from(
                versions.join(articles, articles.c.latest_version_id == versions.c.id).join(
                    briefs, briefs.c.version_id == versions.c.id
                )
            )
            .where(
                versions.c.id > after_version_id,
                visible_to(guild_id, articles.c.id)
                if channel_id is None
                else routed_to(guild_id, channel_id, articles.c.id),
            )
            .order_by(versions.c.id)
            .limit(max(limit, 0))
        )
        if up_to_version_id is not None:
            query = query.where(versions.c.id <= up_to_version_id)
        async with self._read() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [
            (
                article_record(row),
                brief_from_json(row["brief_json"]),
                VersionRecord(
                    id=row["version_id"],
                    article_id=row["id"],
                    number=row["version_number"],
                    seen_at=row["version_seen_at"],
                    title=row["version_title"],
                    text=row["version_text"],
                    text_hash=row["version_text_hash"],
                ),
            )
            for row in rows
        ]

    async def _guild_counts(self, guild_id: int) -> dict[str, int]:
        visible = visible_article_ids(guild_id)
        async with self._read() as connection:
            source_count = (
                await connection.execute(
                    select(func.count())
                    .select_from(guild_sources)
                    .where(guild_sources.c.guild_id == guild_id)
                )
            ).scalar_one()
            article_count = (await connection.execute(select(func.count()).select_from(visible))).scalar_one()
            version_count = (
                await connection.execute(
                    select(func.count())
                    .select_from(versions)
                    .where(versions.c.article_id.in_(select(visible.c.article_id)))
                )
            ).scalar_one()
        return {"sources": int(source_count), "articles": int(article_count), "versions": int(version_count)}

    # --- quotes by speaker -----------------------------------------------------------------

    async def quotes_by_speaker(self, guild_id: int, speaker: str, *, limit: int = 25) -> list[SpeakerQuote]:
        """What a person said in the guild's articles, newest first, from each article's latest
        version only. `speaker` matches a whole name or a surname, in any case ("okafor" finds
        Marta Okafor)."""
        key = speaker_lookup_key(speaker)
        if not key or limit <= 0:
            return []
        query = (
            select(
                quotes,
                articles.c.canonical_url,
                func.coalesce(versions.c.title, articles.c.title).label("title"),
                versions.c.seen_at,
                briefs.c.brief_json,
            )
            .select_from(
                quotes.join(articles, articles.c.id == quotes.c.article_id)
                .join(versions, versions.c.id == quotes.c.version_id)
                .outerjoin(briefs, briefs.c.version_id == quotes.c.version_id)
            )
            .where(
                or_(quotes.c.speaker_key == key, quotes.c.surname_key == key),
                articles.c.latest_version_id == quotes.c.version_id,
                visible_to(guild_id, articles.c.id),
            )
            .order_by(quotes.c.version_id.desc(), quotes.c.position)
            .limit(limit)
        )
        async with self._read() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [
            SpeakerQuote(
                quote=quote_from_row(row),
                article_id=row["article_id"],
                version_id=row["version_id"],
                headline=headline_of(row["brief_json"], row["title"]),
                url=row["canonical_url"],
                seen_at=row["seen_at"],
            )
            for row in rows
        ]

    async def speakers(self, guild_id: int, prefix: str, *, limit: int = MAX_SUGGESTIONS) -> list[str]:
        """Autocomplete: named speakers quoted in the guild's articles (latest versions). Those whose
        whole name starts with `prefix` come first, then those whose surname does, each in
        alphabetical order of that key; nothing typed: the most recently quoted."""
        limit = min(limit, MAX_SUGGESTIONS)
        if limit <= 0:
            return []
        key = speaker_lookup_key(prefix)
        where = [
            quotes.c.surname_key.is_not(None),
            articles.c.latest_version_id == quotes.c.version_id,
            visible_to(guild_id, articles.c.id),
        ]
        joined = quotes.join(articles, articles.c.id == quotes.c.article_id)
        async with self._read() as connection:
            if not key:
                recent = (
                    await connection.execute(
                        select(quotes.c.speaker, quotes.c.speaker_key)
                        .select_from(joined)
                        .where(*where)
                        .order_by(quotes.c.version_id.desc(), quotes.c.position)
                        .limit(RECENT_SPEAKER_QUOTES)
                    )
                ).all()
                names: dict[str, str] = {}
                for name, name_key in recent:
                    names.setdefault(name_key, name)
                return list(names.values())[:limit]
            found: dict[str, str] = {}
            for column in (quotes.c.speaker_key, quotes.c.surname_key):
                # Walks the (key, version_id) index in key order and stops once enough distinct
                # names are found; counting each name's quotes would read every match.
                matches = (
                    await connection.execute(
                        select(column.label("sort_key"), quotes.c.speaker_key, quotes.c.speaker)
                        .distinct()
                        .select_from(joined)
                        .where(column.between(key, key + PREFIX_RANGE_END), *where)
                        .order_by(column)
                        .limit(limit * 2)
                    )
                ).all()
                for _, name_key, name in matches:
                    found.setdefault(name_key, name)
                if len(found) >= limit:
                    break
        return list(found.values())[:limit]

    # --- guild settings --------------------------------------------------------------------

    async def get_moderator_role(self, guild_id: int) -> int | None:
        async with self._read() as connection:
            role = (
                await connection.execute(
                    select(guild_settings.c.moderator_role_id).where(guild_settings.c.guild_id == guild_id)
                )
            ).scalar_one_or_none()
        return int(role) if role is not None else None

    async def set_moderator_role(self, guild_id: int, role_id: int | None) -> None:
        async with self._write() as connection:
            await connection.execute(
                self._upsert(
                    guild_settings, {"guild_id": guild_id, "moderator_role_id": role_id}, ["guild_id"]
                )
            )

    def _upsert(self, table: Any, values: Mapping[str, Any], keys: Sequence[str]) -> Any:
        statement = (postgresql_insert if self._dialect == "postgresql" else sqlite_insert)(table).values(
            **values
        )
        changes = {name: value for name, value in values.items() if name not in keys}
        return statement.on_conflict_do_update(index_elements=list(keys), set_=changes)

    # --- digest channels -------------------------------------------------------------------

    async def set_digest_channel(
        self,
        channel_id: int,
        *,
        guild_id: int,
        schedule: str,
        timezone: str,
        anchor_at: datetime,
        next_run_at: datetime,
        max_items: int | None = None,
        created_by: int | None = None,
    ) -> DigestChannel:
        """Create or change a channel's digest. A new channel's cursor starts at the newest version,
        so its first digest covers what arrives from now on, not the whole history; changing a
        channel keeps its cursor, status and creator."""
        values: dict[str, Any] = {
            "guild_id": guild_id,
            "schedule": schedule,
            "timezone": timezone,
            "anchor_at": require_aware(anchor_at, "anchor_at"),
            "next_run_at": require_aware(next_run_at, "next_run_at"),
            "max_items": max_items,
        }
        async with self._write() as connection:
            current = await self._digest_channel_row(connection, channel_id, for_update=True)
            if current is None:
                newest = (
                    await connection.execute(select(func.coalesce(func.max(versions.c.id), 0)))
                ).scalar_one()
                await connection.execute(
                    insert(digest_channels).values(
                        channel_id=channel_id,
                        cursor_version_id=int(newest),
                        status=DigestStatus.OK.value,
                        created_by=created_by,
                        **values,
                    )
                )
            else:
                await connection.execute(
                    update(digest_channels).where(digest_channels.c.channel_id == channel_id).values(**values)
                )
            return await self._digest_channel_in(connection, channel_id)

    async def get_digest_channel(self, channel_id: int) -> DigestChannel | None:
        async with self._read() as connection:
            row = await self._digest_channel_row(connection, channel_id)
        return digest_channel_record(row) if row is not None else None

    async def digest_channels(self, guild_id: int | None = None) -> list[DigestChannel]:
        """The guild's digest channels (None: every guild's), by channel id."""
        query = select(digest_channels).order_by(digest_channels.c.channel_id)
        if guild_id is not None:
            query = query.where(digest_channels.c.guild_id == guild_id)
        async with self._read() as connection:
            return [digest_channel_record(row) for row in (await connection.execute(query)).mappings()]

    async def remove_digest_channel(self, channel_id: int) -> bool:
        """Stop a channel's digest, dropping its unsent messages. False if it had none."""
        async with self._write() as connection:
            await connection.execute(delete(digest_outbox).where(digest_outbox.c.channel_id == channel_id))
            result = await connection.execute(
                delete(digest_channels).where(digest_channels.c.channel_id == channel_id)
            )
            return bool(result.rowcount)

    async def due_digest_channels(self, now: datetime) -> list[DigestChannel]:
        """Channels whose next run is at or before `now`, most overdue first (any status: the
        caller decides whether a forbidden channel is retried)."""
        query = (
            select(digest_channels)
            .where(digest_channels.c.next_run_at <= require_aware(now, "now"))
            .order_by(digest_channels.c.next_run_at, digest_channels.c.channel_id)
        )
        async with self._read() as connection:
            return [digest_channel_record(row) for row in (await connection.execute(query)).mappings()]

    async def set_channel_status(
        self, channel_id: int, status: DigestStatus | str, detail: str | None, at: datetime
    ) -> DigestChannel:
        """Record how posting to the channel went ('ok', 'forbidden' or 'failing'; detail: why)."""
        values = {
            "status": DigestStatus(status).value,
            "status_detail": detail[:MAX_ERROR_CHARS] if detail is not None else None,
            "status_at": require_aware(at, "at"),
        }
        async with self._write() as connection:
            await self._digest_channel_in(connection, channel_id)
            await connection.execute(
                update(digest_channels).where(digest_channels.c.channel_id == channel_id).values(**values)
            )
            return await self._digest_channel_in(connection, channel_id)

    async def _digest_channel_row(
        self, connection: AsyncConnection, channel_id: int, *, for_update: bool = False
    ) -> RowMapping | None:
        query = select(digest_channels).where(digest_channels.c.channel_id == channel_id)
        if for_update:
            query = query.with_for_update()
        return (await connection.execute(query)).mappings().first()

    async def _digest_channel_in(
        self, connection: AsyncConnection, channel_id: int, *, for_update: bool = False
    ) -> DigestChannel:
        row = await self._digest_channel_row(connection, channel_id, for_update=for_update)
        if row is None:
            raise NotFoundError(f"no digest channel {channel_id}")
        return digest_channel_record(row)

    # --- the digest outbox -----------------------------------------------------------------

    async def enqueue_digest(
        self,
        channel_id: int,
        *,
        run_key: str,
        parts: Sequence[tuple[str, str, str]],
        new_cursor_version_id: int,
        ran_at: datetime,
        next_run_at: datetime,
    ) -> list[OutboxItem]:
        """Queue one digest run's messages and advance the channel, in one transaction.

        parts: (payload JSON, marker, nonce) per message, in posting order. Queuing the same
        (channel, run_key, part) again changes nothing, so a retried call cannot post twice. The
        cursor only moves forward; last/next run times are set even when `parts` is empty.
        Returns the run's queued items, by part.
        """
        for payload, marker, nonce in parts:
            if not marker or not nonce or len(nonce) > MAX_NONCE_CHARS:
                raise ValueError(f"each part needs a marker and a nonce of 1-{MAX_NONCE_CHARS} characters")
            json.loads(payload)  # refuse what Discord could never be sent
        ran_at = require_aware(ran_at, "ran_at")
        next_run_at = require_aware(next_run_at, "next_run_at")
        async with self._write() as connection:
            channel = await self._digest_channel_in(connection, channel_id, for_update=True)
            now = utc_now()
            for part, (payload, marker, nonce) in enumerate(parts):
                await connection.execute(
                    self._insert_ignoring_duplicates(
                        digest_outbox,
                        {
                            "channel_id": channel_id,
                            "run_key": run_key,
                            "part": part,
                            "payload": payload,
                            "marker": marker,
                            "nonce": nonce,
                            "state": OutboxState.PENDING.value,
                            "attempts": 0,
                            "created_at": now,
                        },
                    )
                )
            await connection.execute(
                update(digest_channels)
                .where(digest_channels.c.channel_id == channel_id)
                .values(
                    cursor_version_id=max(channel.cursor_version_id, new_cursor_version_id),
                    last_run_at=ran_at,
                    next_run_at=next_run_at,
                )
            )
            rows = (
                await connection.execute(
                    select(digest_outbox)
                    .where(digest_outbox.c.channel_id == channel_id, digest_outbox.c.run_key == run_key)
                    .order_by(digest_outbox.c.part)
                )
            ).mappings()
            return [outbox_item_record(row) for row in rows]

    async def pending_posts(self, channel_id: int | None = None) -> list[OutboxItem]:
        """Messages not yet confirmed sent, by channel then in queuing order (post them in it)."""
        query = (
            select(digest_outbox)
            .where(digest_outbox.c.state.in_([OutboxState.PENDING.value, OutboxState.ATTEMPTED.value]))
            .order_by(digest_outbox.c.channel_id, digest_outbox.c.id)
        )
        if channel_id is not None:
            query = query.where(digest_outbox.c.channel_id == channel_id)
        async with self._read() as connection:
            return [outbox_item_record(row) for row in (await connection.execute(query)).mappings()]

    async def outbox_items(self, channel_id: int) -> list[OutboxItem]:
        """Every queued message of a channel, sent or not, in queuing order."""
        query = (
            select(digest_outbox).where(digest_outbox.c.channel_id == channel_id).order_by(digest_outbox.c.id)
        )
        async with self._read() as connection:
            return [outbox_item_record(row) for row in (await connection.execute(query)).mappings()]

    async def mark_attempted(self, item_id: int) -> OutboxItem:
        """Record a send attempt, before making it: after a crash, an attempted item may already
        be in the channel (look for its marker) while a pending one is not. A sent item stays sent."""
        async with self._write() as connection:
            await self._outbox_item_in(connection, item_id)
            await connection.execute(
                update(digest_outbox)
                .where(digest_outbox.c.id == item_id, digest_outbox.c.state != OutboxState.SENT.value)
                .values(state=OutboxState.ATTEMPTED.value, attempts=digest_outbox.c.attempts + 1)
            )
            return await self._outbox_item_in(connection, item_id)

    async def mark_sent(self, item_id: int, message_id: int, at: datetime) -> OutboxItem:
        values = {
            "state": OutboxState.SENT.value,
            "message_id": message_id,
            "sent_at": require_aware(at, "at"),
        }
        async with self._write() as connection:
            await self._outbox_item_in(connection, item_id)
            await connection.execute(
                update(digest_outbox).where(digest_outbox.c.id == item_id).values(**values)
            )
            return await self._outbox_item_in(connection, item_id)

    async def _outbox_item_in(self, connection: AsyncConnection, item_id: int) -> OutboxItem:
        row = (
            (await connection.execute(select(digest_outbox).where(digest_outbox.c.id == item_id)))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFoundError(f"no outbox item {item_id}")
        return outbox_item_record(row)
