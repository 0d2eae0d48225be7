"""Story threads: a digest channel's thread setting, and the thread each story has there.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

Self-contained, like 0007. `thread_settings`: one row per digest channel that set threads per
story (on or off, forum or not, how soon Discord archives them, whether the bot may use them).
`story_threads`: per digest channel, the thread of each story that has one.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "thread_settings",
        sa.Column("channel_id", sa.BigInteger, nullable=False),
        sa.Column("guild_id", sa.BigInteger, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("forum", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("auto_archive_minutes", sa.Integer, nullable=False, server_default=sa.text("1440")),
        sa.Column("status", sa.Text, nullable=False, server_default=sa.text("'ok'")),
        sa.Column("status_detail", sa.Text),
        sa.PrimaryKeyConstraint("channel_id", name="pk_thread_settings"),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["digest_channels.channel_id"],
            name="fk_thread_settings_channel_id_digest_channels",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_thread_settings_guild_id", "thread_settings", ["guild_id"])
    op.create_table(
        "story_threads",
        sa.Column("channel_id", sa.BigInteger, nullable=False),
        sa.Column("story_id", sa.Integer, nullable=False),
        sa.Column("thread_id", sa.BigInteger, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("previous_thread_id", sa.BigInteger),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel_id", "story_id", name="pk_story_threads"),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["digest_channels.channel_id"],
            name="fk_story_threads_channel_id_digest_channels",
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    op.drop_table("story_threads")
    op.drop_index("ix_thread_settings_guild_id", table_name="thread_settings")
    op.drop_table("thread_settings")
