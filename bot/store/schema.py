"""The database tables, as SQLAlchemy Core metadata.

Migrations in bot/store/migrations/versions create these tables; this module describes them for
building queries (and for `alembic revision --autogenerate`). tests/test_store.py checks the two
agree.

Layout, and why:
- `sources` are keyed by `location`, and articles are shared between sources (an article two
  sources point at is stored once). A later per-guild subscription table can therefore point at
  sources without any of these tables changing.
- Every version of every article is kept (`versions`); `articles.latest_version_id` is a
  denormalised pointer to the newest one, so listing and search never scan old versions.
- `article_urls` / `article_guids` record every URL and GUID an article was ever seen under, so
  a feed that changes an item's link or GUID still finds the stored article.
- Full-text search is dialect specific: an FTS5 virtual table on SQLite (created by raw SQL in the
  migration, so it is not in this metadata) and the `article_search` tsvector table on PostgreSQL.
- Guilds (0002): a guild subscribes to sources (`guild_sources`); a URL several guilds follow is
  still one source, polled once. An article is visible to a guild when it is linked
  (`article_sources`) to a source the guild subscribes to, or granted to it (`guild_articles`,
  an article fetched with /summarize). Discord ids are 64-bit: BigInteger.
- Origins (0003): what a source claims is that source's. An article's `origin_source_id` is the
  source whose feed supplied its text, or NULL when the bot fetched it from its own URL; only the
  latter is shared between sources (and so between guilds). `article_urls` is keyed by
  (`scope`, url), scope being the origin source's id or FETCHED_SCOPE, so the same URL can name
  one fetched article and, separately, what each source said about it. Pause is per
  subscription (`guild_sources.paused`): one guild's pause never stops another's.
- Identity (0004): `articles.identity` is unique, so an article is inserted with ON CONFLICT and
  two polls racing on it store it once (bot.store.identity says what the key is made of).
- `quotes` keeps every version's quotes with casefolded speaker keys, for "what did X say".
- `digest_outbox` holds rendered digest messages until Discord has them: one transaction queues
  them and advances the channel's version-id cursor, so a restart neither loses nor repeats one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# SQLite's FTS5 table of each article's current title (rowid = articles.id), for autocomplete:
# unstemmed, with prefix indexes, so a half-typed word matches quickly.
SQLITE_TITLE_FTS_TABLE = "article_title_fts"
# SQLite's FTS5 table over `versions` (external content, rowid = versions.id). Only the latest
# version of each article is in it.
SQLITE_FTS_TABLE = "version_fts"
# Every FTS5 table (FTS5 adds its own shadow tables, named after it): autogenerate must skip them.
SQLITE_FTS_TABLES = (SQLITE_FTS_TABLE, SQLITE_TITLE_FTS_TABLE)
# Tables that exist only on one dialect, for migration comparison / autogenerate filters.
POSTGRESQL_ONLY_TABLES = frozenset({"article_search"})
# Text search configuration for PostgreSQL (stemming, like FTS5's porter tokenizer on SQLite).
POSTGRESQL_TS_CONFIG = "english"
# article_urls.scope of an article the bot fetched from its own URL (source ids start at 1).
FETCHED_SCOPE = 0


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes in and out.

    SQLite has no time zone support, so times are stored there as naive UTC; PostgreSQL gets
    `timestamptz`. Naive datetimes are refused on the way in: guessing their zone hides bugs.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: the store takes timezone-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime from the database, got {type(value).__name__}")
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Explicit constraint names keep migrations portable (SQLite batch mode needs names to alter).
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("location", Text, nullable=False, unique=True),
    Column("paused", Boolean, nullable=False, server_default=false()),
    Column("pause_reason", Text),
    Column("last_success_at", UtcDateTime),
    Column("last_error", Text),
    Column("last_error_at", UtcDateTime),
    Column("consecutive_failures", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", UtcDateTime),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("body_hash", Text),
    Column("created_at", UtcDateTime, nullable=False),
    # Removal is soft: articles keep pointing at their source, and re-adding the same location
    # revives the same row (so GUID lookups keep working).
    Column("removed_at", UtcDateTime),
    # Listed in the config file (polled whatever guilds do), as opposed to added by a guild only
    # (dropped from polling when the last guild unsubscribes).
    Column("from_config", Boolean, nullable=False, server_default=true()),
)

articles = Table(
    "articles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", Integer, ForeignKey("sources.id"), nullable=False, index=True),
    Column("canonical_url", Text),
    Column("guid", Text),
    Column("title", Text),
    Column("author", Text),
    Column("published", UtcDateTime),
    Column("updated", UtcDateTime),
    Column("first_seen_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
    Column("next_check_at", UtcDateTime, index=True),
    # Nullable only because a new story's id is the article's own id, known after the INSERT;
    # the store sets it in the same transaction.
    Column("story_id", Integer, index=True),
    # No foreign key: articles <-> versions would be a cycle. The store keeps it consistent.
    Column("latest_version_id", Integer, index=True),
    # The source whose feed supplied the text (only its subscribers see it), or NULL: fetched by
    # the bot from the article's own URL, shared by every source that links there.
    Column("origin_source_id", Integer, ForeignKey("sources.id")),
    # What the article is (see bot.store.identity): unique, so two writers racing on one article store
    # it once. NULL for an article known by its text alone, and for some stored before 0004.
    Column("identity", Text),
    Index("ix_articles_identity", "identity", unique=True),
)

article_urls = Table(
    "article_urls",
    metadata,
    # The article's origin: its origin source's id, or FETCHED_SCOPE. No foreign key (0 is no source).
    Column("scope", Integer, primary_key=True, server_default=text("0")),
    Column("url", Text, primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True),
)

article_guids = Table(
    "article_guids",
    metadata,
    Column("source_id", Integer, ForeignKey("sources.id"), primary_key=True),
    Column("guid", Text, primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True),
)

versions = Table(
    "versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("seen_at", UtcDateTime, nullable=False, index=True),
    Column("title", Text),
    Column("text", Text, nullable=False),
    Column("text_hash", Text, nullable=False, index=True),
    UniqueConstraint("article_id", "number"),
)

briefs = Table(
    "briefs",
    metadata,
    Column("version_id", Integer, ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True),
    Column("brief_json", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# PostgreSQL only: one row per article, the latest version's weighted tsvector.
article_search = Table(
    "article_search",
    metadata,
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("version_id", Integer, ForeignKey("versions.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("document", TSVECTOR, nullable=False),
    Index("ix_article_search_document", "document", postgresql_using="gin"),
)


# --- guilds (0002) ---------------------------------------------------------------------------

guild_sources = Table(
    "guild_sources",
    metadata,
    Column("guild_id", BigInteger, primary_key=True),
    Column("source_id", Integer, ForeignKey("sources.id"), primary_key=True, index=True),
    Column("name", Text, nullable=False),  # the guild's own name for the source
    Column("channel_id", BigInteger),
    Column("added_by", BigInteger),
    Column("added_at", UtcDateTime, nullable=False),
    # This guild's pause (0003): the source is still polled for others. Articles first seen
    # through the source after paused_at stay hidden from this guild while it is paused.
    Column("paused", Boolean, nullable=False, server_default=false()),
    Column("pause_reason", Text),
    Column("paused_at", UtcDateTime),
    # Backfill (0005, bot.store.backfill): which of the source's articles this guild's digests post.
    Column("backfill", Text, nullable=False, server_default=text("'all'")),
    Column("backfill_latest", Integer, nullable=False, server_default=text("0")),
    Column("posts_after", UtcDateTime),
    Column("backlog_until", UtcDateTime),
)

# Which sources an article was seen through (the first one is also articles.source_id).
article_sources = Table(
    "article_sources",
    metadata,
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("source_id", Integer, ForeignKey("sources.id"), primary_key=True),
    Column("first_seen_at", UtcDateTime, nullable=False),
    # A source's newest articles, by index alone (autocomplete with no text yet).
    Index("ix_article_sources_source_id_article_id", "source_id", "article_id"),
)

guild_articles = Table(
    "guild_articles",
    metadata,
    Column("guild_id", BigInteger, primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("added_at", UtcDateTime, nullable=False),
    Index("ix_guild_articles_article_id", "article_id"),
)

quotes = Table(
    "quotes",
    metadata,
    Column("version_id", Integer, ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),  # its rank in the brief, 0 = key quote
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("speaker", Text),
    Column("speaker_key", Text),  # the whole name, casefolded
    Column("surname_key", Text),  # its last word, casefolded; None unless the speaker is a name
    Column("text", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("start_offset", Integer, nullable=False),
    Column("end_offset", Integer, nullable=False),
    Column("spans", Text),  # JSON [[start, end], ...] when the quote has several pieces
    # version_id second: the newest quotes of a speaker come straight off the index.
    Index("ix_quotes_speaker_key_version_id", "speaker_key", "version_id"),
    Index("ix_quotes_surname_key_version_id", "surname_key", "version_id"),
)

guild_settings = Table(
    "guild_settings",
    metadata,
    Column("guild_id", BigInteger, primary_key=True),
    Column("moderator_role_id", BigInteger),
    Column("notice_channel_id", BigInteger),  # where failure notices go (0005); NULL: none
    # Digests in announcement channels are published (crossposted) (0005).
    Column("publish_digests", Boolean, nullable=False, server_default=false()),
)

# --- failure notices (0005, bot.discord.notices) -------------------------------------------------------

# The state each subject (a source, a digest channel) was last announced in, per guild: a notice
# is posted on a change of state only, never once per failure.
notice_states = Table(
    "notice_states",
    metadata,
    Column("guild_id", BigInteger, primary_key=True),
    Column("subject", Text, primary_key=True),  # "source:ID" or "channel:ID"
    Column("state", Text, nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
)

# Notices waiting to be posted, delivered like digest messages (marker + nonce, sent once).
notice_outbox = Table(
    "notice_outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("guild_id", BigInteger, nullable=False),
    Column("channel_id", BigInteger, nullable=False),
    Column("payload", Text, nullable=False),
    Column("marker", Text, nullable=False),
    Column("nonce", Text, nullable=False),
    Column("state", Text, nullable=False, server_default=text("'pending'")),
    Column("message_id", BigInteger),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    Index("ix_notice_outbox_state", "state"),
)

digest_channels = Table(
    "digest_channels",
    metadata,
    Column("channel_id", BigInteger, primary_key=True),
    Column("guild_id", BigInteger, nullable=False, index=True),
    Column("schedule", Text, nullable=False),
    Column("timezone", Text, nullable=False),
    Column("anchor_at", UtcDateTime, nullable=False),
    Column("next_run_at", UtcDateTime, nullable=False, index=True),
    Column("last_run_at", UtcDateTime),
    # Versions with ids up to this one were covered by an earlier digest.
    Column("cursor_version_id", Integer, nullable=False, server_default=text("0")),
    Column("max_items", Integer),
    Column("status", Text, nullable=False, server_default=text("'ok'")),
    Column("status_detail", Text),
    Column("status_at", UtcDateTime),
    Column("created_by", BigInteger),
)

digest_outbox = Table(
    "digest_outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "channel_id",
        BigInteger,
        ForeignKey("digest_channels.channel_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("run_key", Text, nullable=False),
    Column("part", Integer, nullable=False),
    Column("payload", Text, nullable=False),
    Column("marker", Text, nullable=False),
    Column("nonce", Text, nullable=False),
    Column("state", Text, nullable=False, server_default=text("'pending'")),
    Column("message_id", BigInteger),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    UniqueConstraint("channel_id", "run_key", "part"),
    Index("ix_digest_outbox_state_channel_id", "state", "channel_id"),
)

# Feed entries whose article page could not be read yet: retried with a backoff at later polls
# of their source (even when its feed answers 304), until stored or given up (kept, with why).
entry_retries = Table(
    "entry_retries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    Column("entry_key", Text, nullable=False),  # the entry's GUID, or its link when it has none
    Column("url", Text),
    Column("guid", Text),
    Column("title", Text),
    Column("author", Text),
    Column("published", UtcDateTime),
    Column("reason", Text, nullable=False),  # why the last attempt failed
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", UtcDateTime),
    Column("given_up_at", UtcDateTime),
    Column("first_failed_at", UtcDateTime, nullable=False),
    Column("last_failed_at", UtcDateTime, nullable=False),
    UniqueConstraint("source_id", "entry_key"),
)

# --- filters (0007, bot.service.filters) ------------------------------------------------------------
# A moderator's rule on what a digest lists: on one digest channel, or on one source the guild
# follows (exactly one of channel_id / source_id is set). `kind`: keyword, speaker, regex or change;
# `exclude` drops what matches, otherwise only what matches is kept. `mention_role_id`: a role the
# digest pings when an include rule matches.
filters = Table(
    "filters",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("guild_id", BigInteger, nullable=False),
    Column("channel_id", BigInteger),
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="CASCADE")),
    Column("kind", Text, nullable=False),
    Column("value", Text, nullable=False),
    Column("exclude", Boolean, nullable=False, server_default=false()),
    Column("mention_role_id", BigInteger),
    Column("created_by", BigInteger),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_filters_guild_id", "guild_id"),
)

# --- story threads (0008, bot.discord.threads) -------------------------------------------------------
# A digest channel's thread setting: with `enabled`, each story gets a thread (a forum post in a
# forum channel) that later versions and later articles of the story post into. `status` is
# whether the bot may open and post in threads there ('ok' or 'forbidden', with why), for notices.
thread_settings = Table(
    "thread_settings",
    metadata,
    Column(
        "channel_id",
        BigInteger,
        ForeignKey("digest_channels.channel_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("guild_id", BigInteger, nullable=False, index=True),
    Column("enabled", Boolean, nullable=False, server_default=false()),
    Column("forum", Boolean, nullable=False, server_default=false()),
    Column("auto_archive_minutes", Integer, nullable=False, server_default=text("1440")),
    Column("status", Text, nullable=False, server_default=text("'ok'")),
    Column("status_detail", Text),
)

# The thread each story has in a digest channel; `previous_thread_id`: the thread it replaced
# when that one could not be reopened (locked or deleted).
story_threads = Table(
    "story_threads",
    metadata,
    Column(
        "channel_id",
        BigInteger,
        ForeignKey("digest_channels.channel_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("story_id", Integer, primary_key=True),
    Column("thread_id", BigInteger, nullable=False),
    Column("name", Text, nullable=False),
    Column("previous_thread_id", BigInteger),
    Column("created_at", UtcDateTime, nullable=False),
)

# --- leases (0009, bot.store.leases) -------------------------------------------------------------
# Recurring work shared by many processes: one row per piece of work (kind 'source': poll that
# source; 'channel': deliver that digest channel; 'job': a once-per-interval job), when it is next
# due, and who holds it until when. `token` counts claims, so a holder whose lease expired and was
# taken over cannot finish it; `runs` counts finished claims.
leases = Table(
    "leases",
    metadata,
    Column("kind", Text, primary_key=True),
    Column("key", BigInteger, primary_key=True),
    Column("due_at", UtcDateTime, nullable=False),
    Column("holder", Text),
    Column("expires_at", UtcDateTime),
    Column("token", Integer, nullable=False, server_default=text("0")),
    Column("runs", Integer, nullable=False, server_default=text("0")),
    Column("done_at", UtcDateTime),
    Index("ix_leases_kind_due_at", "kind", "due_at"),
)

# Versions stored without a brief (the poll stage), oldest first for the work stage that briefs
# them (bot.service.briefing); a row goes when its brief is stored, or after too many failures.
brief_queue = Table(
    "brief_queue",
    metadata,
    Column("version_id", Integer, ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("queued_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),
)
