"""Guilds: subscriptions, article visibility, quotes by speaker, settings, digest channels and outbox.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06

Self-contained on purpose (no import of bot.schema or bot.store): a migration must keep
describing the schema as it was when written. Existing data is carried over: every article is
linked to the sources that saw it (its first source, and every source that gave it a GUID), and
the quotes of every stored brief are copied into `quotes`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TITLE_FTS_TABLE = "article_title_fts"
BACKFILL_BATCH = 500
_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
_KEY_PUNCTUATION = re.compile(r"[.,;:!?\"“”()\[\]]")


def when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    # A plain ADD COLUMN (no batch rebuild): SQLite accepts it with a constant default.
    op.add_column("sources", sa.Column("from_config", sa.Boolean, nullable=False, server_default=sa.true()))

    op.create_table(
        "guild_sources",
        sa.Column("guild_id", sa.BigInteger, nullable=False),
        sa.Column("source_id", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("channel_id", sa.BigInteger),
        sa.Column("added_by", sa.BigInteger),
        sa.Column("added_at", when(), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "source_id", name="pk_guild_sources"),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"], name="fk_guild_sources_source_id_sources"),
    )
    op.create_index("ix_guild_sources_source_id", "guild_sources", ["source_id"])

    op.create_table(
        "article_sources",
        sa.Column("article_id", sa.Integer, nullable=False),
        sa.Column("source_id", sa.Integer, nullable=False),
        sa.Column("first_seen_at", when(), nullable=False),
        sa.PrimaryKeyConstraint("article_id", "source_id", name="pk_article_sources"),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name="fk_article_sources_article_id_articles", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"], name="fk_article_sources_source_id_sources"),
    )
    op.create_index("ix_article_sources_source_id_article_id", "article_sources", ["source_id", "article_id"])

    op.create_table(
        "guild_articles",
        sa.Column("guild_id", sa.BigInteger, nullable=False),
        sa.Column("article_id", sa.Integer, nullable=False),
        sa.Column("added_at", when(), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "article_id", name="pk_guild_articles"),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name="fk_guild_articles_article_id_articles", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_guild_articles_article_id", "guild_articles", ["article_id"])

    op.create_table(
        "quotes",
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("article_id", sa.Integer, nullable=False),
        sa.Column("speaker", sa.Text),
        sa.Column("speaker_key", sa.Text),
        sa.Column("surname_key", sa.Text),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("start_offset", sa.Integer, nullable=False),
        sa.Column("end_offset", sa.Integer, nullable=False),
        sa.Column("spans", sa.Text),
        sa.PrimaryKeyConstraint("version_id", "position", name="pk_quotes"),
        sa.ForeignKeyConstraint(
            ["version_id"], ["versions.id"], name="fk_quotes_version_id_versions", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name="fk_quotes_article_id_articles", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_quotes_article_id", "quotes", ["article_id"])
    op.create_index("ix_quotes_speaker_key_version_id", "quotes", ["speaker_key", "version_id"])
    op.create_index("ix_quotes_surname_key_version_id", "quotes", ["surname_key", "version_id"])

    op.create_table(
        "guild_settings",
        sa.Column("guild_id", sa.BigInteger, nullable=False),
        sa.Column("moderator_role_id", sa.BigInteger),
        sa.PrimaryKeyConstraint("guild_id", name="pk_guild_settings"),
    )

    op.create_table(
        "digest_channels",
        sa.Column("channel_id", sa.BigInteger, nullable=False),
        sa.Column("guild_id", sa.BigInteger, nullable=False),
        sa.Column("schedule", sa.Text, nullable=False),
        sa.Column("timezone", sa.Text, nullable=False),
        sa.Column("anchor_at", when(), nullable=False),
        sa.Column("next_run_at", when(), nullable=False),
        sa.Column("last_run_at", when()),
        sa.Column("cursor_version_id", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("max_items", sa.Integer),
        sa.Column("status", sa.Text, nullable=False, server_default=sa.text("'ok'")),
        sa.Column("status_detail", sa.Text),
        sa.Column("status_at", when()),
        sa.Column("created_by", sa.BigInteger),
        sa.PrimaryKeyConstraint("channel_id", name="pk_digest_channels"),
    )
    op.create_index("ix_digest_channels_guild_id", "digest_channels", ["guild_id"])
    op.create_index("ix_digest_channels_next_run_at", "digest_channels", ["next_run_at"])

    op.create_table(
        "digest_outbox",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("channel_id", sa.BigInteger, nullable=False),
        sa.Column("run_key", sa.Text, nullable=False),
        sa.Column("part", sa.Integer, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("marker", sa.Text, nullable=False),
        sa.Column("nonce", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False, server_default=sa.text("'pending'")),
        sa.Column("message_id", sa.BigInteger),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("created_at", when(), nullable=False),
        sa.Column("sent_at", when()),
        sa.PrimaryKeyConstraint("id", name="pk_digest_outbox"),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["digest_channels.channel_id"],
            name="fk_digest_outbox_channel_id_digest_channels",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("channel_id", "run_key", "part", name="uq_digest_outbox_channel_id_run_key_part"),
    )
    op.create_index("ix_digest_outbox_state_channel_id", "digest_outbox", ["state", "channel_id"])

    if dialect == "sqlite":
        # Unstemmed, with prefix indexes: autocomplete matches half-typed words as written.
        op.execute(
            f"CREATE VIRTUAL TABLE {TITLE_FTS_TABLE} USING fts5("
            "title, tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')"
        )
        op.execute(
            f"INSERT INTO {TITLE_FTS_TABLE}(rowid, title) "
            "SELECT a.id, coalesce(v.title, a.title) FROM articles AS a "
            "JOIN versions AS v ON v.id = a.latest_version_id "
            "WHERE coalesce(v.title, a.title) IS NOT NULL"
        )

    # UNION drops the duplicate when the first source also gave a GUID.
    op.execute(
        "INSERT INTO article_sources (article_id, source_id, first_seen_at) "
        "SELECT a.id, a.source_id, a.first_seen_at FROM articles AS a "
        "UNION "
        "SELECT g.article_id, g.source_id, a.first_seen_at FROM article_guids AS g "
        "JOIN articles AS a ON a.id = g.article_id"
    )
    backfill_quotes()


def speaker_keys(speaker: str | None) -> tuple[str | None, str | None]:
    """(whole name, surname), casefolded; the surname only for a capitalised name."""
    if not speaker:
        return None, None
    normal = unicodedata.normalize("NFKC", speaker).replace("’", "'")
    words = _KEY_PUNCTUATION.sub(" ", normal).split()
    if not words:
        return None, None
    key = " ".join(words).casefold()
    named = [word for word in words if word.casefold() not in _NAME_SUFFIXES] or words
    # "a spokesman" or "officials" has no surname; "Vincent van Gogh" has "gogh".
    surname = named[-1]
    return key, surname.casefold() if surname[:1].isupper() else None


def quote_rows(version_id: int, article_id: int, brief_json: str) -> Iterator[dict[str, Any]]:
    for position, quote in enumerate(json.loads(brief_json).get("quotes") or []):
        speaker_key, surname_key = speaker_keys(quote.get("speaker"))
        spans = quote.get("spans")
        yield {
            "version_id": version_id,
            "position": position,
            "article_id": article_id,
            "speaker": quote.get("speaker"),
            "speaker_key": speaker_key,
            "surname_key": surname_key,
            "text": quote.get("text") or "",
            "kind": quote.get("kind") or "statement",
            "start_offset": int(quote.get("start") or 0),
            "end_offset": int(quote.get("end") or 0),
            "spans": json.dumps(spans) if spans else None,
        }


def backfill_quotes() -> None:
    connection = op.get_bind()
    quotes = sa.table(
        "quotes",
        *(
            sa.column(name)
            for name in (
                "version_id",
                "position",
                "article_id",
                "speaker",
                "speaker_key",
                "surname_key",
                "text",
                "kind",
                "start_offset",
                "end_offset",
                "spans",
            )
        ),
    )
    stored = connection.execute(
        sa.text(
            "SELECT b.version_id, v.article_id, b.brief_json FROM briefs AS b "
            "JOIN versions AS v ON v.id = b.version_id ORDER BY b.version_id"
        )
    )
    batch: list[dict[str, Any]] = []
    for version_id, article_id, brief_json in stored.all():
        batch.extend(quote_rows(version_id, article_id, brief_json))
        if len(batch) >= BACKFILL_BATCH:
            connection.execute(quotes.insert(), batch)
            batch = []
    if batch:
        connection.execute(quotes.insert(), batch)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP TABLE IF EXISTS {TITLE_FTS_TABLE}")
    op.drop_table("digest_outbox")
    op.drop_table("digest_channels")
    op.drop_table("guild_settings")
    op.drop_table("quotes")
    op.drop_table("guild_articles")
    op.drop_table("article_sources")
    op.drop_table("guild_sources")
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("from_config")
