"""Filters on what digests list, per digest channel or per source, with optional role mentions.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

Self-contained, like 0002. `filters`: one row per moderator rule (keyword, speaker, regex or
change kind; include or exclude), on a digest channel or on a source the guild follows.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "filters",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("guild_id", sa.BigInteger, nullable=False),
        sa.Column("channel_id", sa.BigInteger),
        sa.Column("source_id", sa.Integer),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("exclude", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("mention_role_id", sa.BigInteger),
        sa.Column("created_by", sa.BigInteger),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_filters"),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name="fk_filters_source_id_sources", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_filters_guild_id", "filters", ["guild_id"])


def downgrade() -> None:
    op.drop_index("ix_filters_guild_id", table_name="filters")
    op.drop_table("filters")
