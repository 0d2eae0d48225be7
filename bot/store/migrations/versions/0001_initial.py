"""Initial schema: sources, articles (+ URL / GUID aliases), versions, briefs, full-text search.

Revision ID: 0001
Revises:
Create Date: 2026-11-29

Self-contained on purpose (no import of bot.schema): a migration must keep describing the schema
as it was when written, whatever bot/schema.py becomes later.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FTS_TABLE = "version_fts"


def when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("location", sa.Text, nullable=False),
        sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("pause_reason", sa.Text),
        sa.Column("last_success_at", when()),
        sa.Column("last_error", sa.Text),
        sa.Column("last_error_at", when()),
        sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("next_attempt_at", when()),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("body_hash", sa.Text),
        sa.Column("created_at", when(), nullable=False),
        sa.Column("removed_at", when()),
        sa.PrimaryKeyConstraint("id", name="pk_sources"),
        sa.UniqueConstraint("location", name="uq_sources_location"),
    )

    op.create_table(
        "articles",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("source_id", sa.Integer, nullable=False),
        sa.Column("canonical_url", sa.Text),
        sa.Column("guid", sa.Text),
        sa.Column("title", sa.Text),
        sa.Column("author", sa.Text),
        sa.Column("published", when()),
        sa.Column("updated", when()),
        sa.Column("first_seen_at", when(), nullable=False),
        sa.Column("last_seen_at", when(), nullable=False),
        sa.Column("next_check_at", when()),
        sa.Column("story_id", sa.Integer),
        sa.Column("latest_version_id", sa.Integer),
        sa.PrimaryKeyConstraint("id", name="pk_articles"),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"], name="fk_articles_source_id_sources"),
    )
    op.create_index("ix_articles_source_id", "articles", ["source_id"])
    op.create_index("ix_articles_next_check_at", "articles", ["next_check_at"])
    op.create_index("ix_articles_story_id", "articles", ["story_id"])
    op.create_index("ix_articles_latest_version_id", "articles", ["latest_version_id"])

    op.create_table(
        "article_urls",
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("article_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("url", name="pk_article_urls"),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name="fk_article_urls_article_id_articles", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_article_urls_article_id", "article_urls", ["article_id"])

    op.create_table(
        "article_guids",
        sa.Column("source_id", sa.Integer, nullable=False),
        sa.Column("guid", sa.Text, nullable=False),
        sa.Column("article_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("source_id", "guid", name="pk_article_guids"),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"], name="fk_article_guids_source_id_sources"),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name="fk_article_guids_article_id_articles", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_article_guids_article_id", "article_guids", ["article_id"])

    op.create_table(
        "versions",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("article_id", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("seen_at", when(), nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("text_hash", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_versions"),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name="fk_versions_article_id_articles", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("article_id", "number", name="uq_versions_article_id_number"),
    )
    op.create_index("ix_versions_seen_at", "versions", ["seen_at"])
    op.create_index("ix_versions_text_hash", "versions", ["text_hash"])

    op.create_table(
        "briefs",
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("brief_json", sa.Text, nullable=False),
        sa.Column("created_at", when(), nullable=False),
        sa.PrimaryKeyConstraint("version_id", name="pk_briefs"),
        sa.ForeignKeyConstraint(
            ["version_id"], ["versions.id"], name="fk_briefs_version_id_versions", ondelete="CASCADE"
        ),
    )

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        # External content: the text lives once, in `versions`; the store adds only each
        # article's latest version and removes the one it replaces.
        op.execute(
            f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
            "title, text, content='versions', content_rowid='id', "
            "tokenize='porter unicode61 remove_diacritics 2')"
        )
    elif dialect == "postgresql":
        op.create_table(
            "article_search",
            sa.Column("article_id", sa.Integer, nullable=False),
            sa.Column("version_id", sa.Integer, nullable=False),
            sa.Column("document", postgresql.TSVECTOR, nullable=False),
            sa.PrimaryKeyConstraint("article_id", name="pk_article_search"),
            sa.ForeignKeyConstraint(
                ["article_id"],
                ["articles.id"],
                name="fk_article_search_article_id_articles",
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["version_id"],
                ["versions.id"],
                name="fk_article_search_version_id_versions",
                ondelete="CASCADE",
            ),
        )
        op.create_index("ix_article_search_version_id", "article_search", ["version_id"])
        op.create_index("ix_article_search_document", "article_search", ["document"], postgresql_using="gin")
    else:
        raise NotImplementedError(f"full-text search is not implemented for {dialect}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif dialect == "postgresql":
        op.drop_table("article_search")
    op.drop_table("briefs")
    op.drop_table("versions")
    op.drop_table("article_guids")
    op.drop_table("article_urls")
    op.drop_table("articles")
    op.drop_table("sources")
