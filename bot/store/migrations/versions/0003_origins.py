"""Origins: what a source claims is that source's; pause is per subscription.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

Self-contained, like 0002. Until now an article was one row per URL whoever supplied its text, so
one source's feed could rewrite, or read, another guild's article by naming its URL.

- `articles.origin_source_id`: the source whose feed supplied the text, NULL when the bot fetched
  the article from its own URL (watched pages, articles fetched on request).
- `article_urls` is keyed by (scope, url): scope is the origin source's id, or 0 for fetched.
- `guild_sources.paused / pause_reason / paused_at`: a guild's own pause of its subscription.

Existing data: which articles a feed's teaser link had the bot fetch cannot be told apart from
those a feed supplied, so every article of a feed or local source is taken as supplied by it (the
safe reading: nothing more is shared than before). Links that put one source's supplied article
under another source (the hole this closes), and the GUIDs and grants that came with them, are
removed; the next poll of those sources reads their entries again, fetching pages itself.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ORIGIN_FK = "fk_articles_origin_source_id_sources"
SUPPLIED_KINDS = "('feed', 'local')"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        # Not batch mode: rebuilding `articles` would drop it, and with foreign keys on that
        # cascades to every version. SQLite takes REFERENCES in ADD COLUMN when the default is NULL.
        op.execute(
            "ALTER TABLE articles ADD COLUMN origin_source_id INTEGER "
            f"CONSTRAINT {ORIGIN_FK} REFERENCES sources (id)"
        )
    else:
        op.add_column("articles", sa.Column("origin_source_id", sa.Integer))
        op.create_foreign_key(ORIGIN_FK, "articles", "sources", ["origin_source_id"], ["id"])
    op.execute(
        "UPDATE articles SET origin_source_id = source_id WHERE source_id IN "
        f"(SELECT id FROM sources WHERE kind IN {SUPPLIED_KINDS})"
    )

    # Nothing refers to article_urls, so rebuilding it (SQLite's way to change a primary key) is safe.
    with op.batch_alter_table("article_urls", recreate="always" if dialect == "sqlite" else "auto") as batch:
        batch.add_column(sa.Column("scope", sa.Integer, nullable=False, server_default=sa.text("0")))
        batch.drop_constraint("pk_article_urls", type_="primary")
        batch.create_primary_key("pk_article_urls", ["scope", "url"])
    op.execute(
        "UPDATE article_urls SET scope = (SELECT a.origin_source_id FROM articles AS a "
        "WHERE a.id = article_urls.article_id) WHERE article_id IN "
        "(SELECT id FROM articles WHERE origin_source_id IS NOT NULL)"
    )

    foreign = "SELECT id, origin_source_id FROM articles WHERE origin_source_id IS NOT NULL"
    op.execute(
        f"DELETE FROM article_sources WHERE EXISTS (SELECT 1 FROM ({foreign}) AS o "
        "WHERE o.id = article_sources.article_id AND o.origin_source_id <> article_sources.source_id)"
    )
    op.execute(
        f"DELETE FROM article_guids WHERE EXISTS (SELECT 1 FROM ({foreign}) AS o "
        "WHERE o.id = article_guids.article_id AND o.origin_source_id <> article_guids.source_id)"
    )
    # Grants come from fetching an article on request: one a feed supplied was never fetched.
    op.execute(f"DELETE FROM guild_articles WHERE article_id IN (SELECT id FROM ({foreign}) AS o)")

    op.add_column("guild_sources", sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.false()))
    op.add_column("guild_sources", sa.Column("pause_reason", sa.Text))
    op.add_column("guild_sources", sa.Column("paused_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("guild_sources") as batch:
        batch.drop_column("paused_at")
        batch.drop_column("pause_reason")
        batch.drop_column("paused")
    # One URL, one article again: of the articles sharing a URL, the first stored keeps it.
    op.execute(
        "DELETE FROM article_urls WHERE EXISTS (SELECT 1 FROM article_urls AS u "
        "WHERE u.url = article_urls.url AND u.article_id < article_urls.article_id)"
    )
    with op.batch_alter_table("article_urls", recreate="always" if dialect == "sqlite" else "auto") as batch:
        batch.drop_constraint("pk_article_urls", type_="primary")
        batch.create_primary_key("pk_article_urls", ["url"])
        batch.drop_column("scope")
    # SQLite cannot drop a column a foreign key uses without rebuilding `articles` (see upgrade):
    # there it stays, unused by 0002's code.
    if dialect != "sqlite":
        op.drop_constraint(ORIGIN_FK, "articles", type_="foreignkey")
        op.drop_column("articles", "origin_source_id")
