"""Backfill, failure notices and publishing in announcement channels.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

Self-contained, like 0002. `guild_sources` gains:
- `backfill`: 'none', 'latest' or 'all'. Existing subscriptions get 'all', the behaviour they had.
- `backfill_latest`: N for 'latest'.
- `posts_after`: when the guild added the source (dated articles published after it are new).
- `backlog_until`: undated articles first seen through the source after it are new; NULL while
  a new source's first poll has not finished.

Failure notices: `guild_settings.notice_channel_id`, `notice_states` (what each source or digest
channel was last announced as, per guild) and `notice_outbox` (notices to post, once).
Announcement channels: `guild_settings.publish_digests` (off for every guild until it turns it on).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
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

    op.add_column("guild_settings", sa.Column("notice_channel_id", sa.BigInteger))
    op.add_column(
        "guild_settings", sa.Column("publish_digests", sa.Boolean, nullable=False, server_default=sa.false())
    )
    op.create_table(
        "notice_states",
        sa.Column("guild_id", sa.BigInteger, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "subject", name="pk_notice_states"),
    )
    op.create_table(
        "notice_outbox",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("guild_id", sa.BigInteger, nullable=False),
        sa.Column("channel_id", sa.BigInteger, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("marker", sa.Text, nullable=False),
        sa.Column("nonce", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False, server_default=sa.text("'pending'")),
        sa.Column("message_id", sa.BigInteger),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_notice_outbox"),
    )
    op.create_index("ix_notice_outbox_state", "notice_outbox", ["state"])


def downgrade() -> None:
    op.drop_table("notice_outbox")
    op.drop_table("notice_states")
    with op.batch_alter_table("guild_settings") as batch:
        batch.drop_column("publish_digests")
        batch.drop_column("notice_channel_id")
    with op.batch_alter_table("guild_sources") as batch:
        for column in ("backlog_until", "posts_after", "backfill_latest", "backfill"):
            batch.drop_column(column)
