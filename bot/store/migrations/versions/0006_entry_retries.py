"""Retry queue of feed entries whose article page failed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

Self-contained, like 0002. `entry_retries`: one row per entry of a source whose page could not
be read yet, with the last failure's reason, the attempt count and when to try next; a row given
up on keeps its reason (`given_up_at`). Removed when the article is stored.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "entry_retries",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("source_id", sa.Integer, nullable=False),
        sa.Column("entry_key", sa.Text, nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("guid", sa.Text),
        sa.Column("title", sa.Text),
        sa.Column("author", sa.Text),
        sa.Column("published", sa.DateTime(timezone=True)),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("given_up_at", sa.DateTime(timezone=True)),
        sa.Column("first_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_entry_retries"),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name="fk_entry_retries_source_id_sources", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("source_id", "entry_key", name="uq_entry_retries_source_id_entry_key"),
    )


def downgrade() -> None:
    op.drop_table("entry_retries")
