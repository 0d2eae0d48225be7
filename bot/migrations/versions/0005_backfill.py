"""Backfill: which of a subscription's articles its digests post.

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-02

Self-contained, like 0002. `guild_sources` gains:
- `backfill`: 'none', 'latest' or 'all'. Existing subscriptions get 'all', the behaviour they had.
- `backfill_latest`: N for 'latest'.
- `posts_after`: when the guild added the source (dated articles published after it are new).
- `backlog_until`: undated articles first seen through the source after it are new; NULL while
  a new source's first poll has not finished.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs with constant defaults: SQLite takes them without a table rebuild.
    op.add_column("guild_sources", sa.Column("backfill", sa.Text, nullable=False, server_default="all"))
    op.add_column(
        "guild_sources", sa.Column("backfill_latest", sa.Integer, nullable=False, server_default=sa.text("0"))
    )
    op.add_column("guild_sources", sa.Column("posts_after", sa.DateTime(timezone=True)))
    op.add_column("guild_sources", sa.Column("backlog_until", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("guild_sources") as batch:
        for column in ("backlog_until", "posts_after", "backfill_latest", "backfill"):
            batch.drop_column(column)
