"""Leases on recurring work, so many processes share polling and digest delivery.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

Self-contained, like 0002. `leases`: one row per piece of work (a source to poll, a digest
channel to deliver, a once-per-interval job): when it is next due, who holds it and until when
(bot.store.leases).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("key", sa.BigInteger, nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("holder", sa.Text),
        sa.Column("expires_at", sa.DateTime(timezone=True)),
        sa.Column("token", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("runs", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("done_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("kind", "key", name="pk_leases"),
    )
    op.create_index("ix_leases_kind_due_at", "leases", ["kind", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_leases_kind_due_at", table_name="leases")
    op.drop_table("leases")
