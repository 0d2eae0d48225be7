"""The queue of versions waiting for their brief (the two-stage ingest).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

Self-contained, like 0002. `brief_queue`: one row per version stored without a brief, taken
oldest first by the work stage (bot.service.briefing). Versions already stored without a brief
are queued here, so the first start after the upgrade briefs them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "brief_queue",
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("article_id", sa.Integer, nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("last_error", sa.Text),
        sa.PrimaryKeyConstraint("version_id", name="pk_brief_queue"),
        sa.ForeignKeyConstraint(
            ["version_id"], ["versions.id"], name="fk_brief_queue_version_id_versions", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name="fk_brief_queue_article_id_articles", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_brief_queue_article_id", "brief_queue", ["article_id"])
    op.execute(
        "INSERT INTO brief_queue (version_id, article_id, queued_at, attempts) "
        "SELECT v.id, v.article_id, v.seen_at, 0 FROM versions v "
        "LEFT JOIN briefs b ON b.version_id = v.id WHERE b.version_id IS NULL"
    )


def downgrade() -> None:
    op.drop_index("ix_brief_queue_article_id", table_name="brief_queue")
    op.drop_table("brief_queue")
