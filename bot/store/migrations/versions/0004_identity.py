"""Identity: one article per identity, enforced by a unique key.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

Until now the store looked an article up and then inserted it, so two polls racing on one URL
(feeds sharing articles polled side by side, or two `newsbrief poll` at once) each stored a copy.
`articles.identity` names what the article is: its origin scope and URL, or (a source's entry
whose link is not its own) that source and the entry's GUID. A unique index on it lets the
store insert with ON CONFLICT and take the existing article when another writer got there first.

Existing data: an article that holds the claim on its own URL in `article_urls` gets that
identity ((scope, url) is already unique there, so no two articles can get the same one). Others
keep NULL (which the unique index allows any number of times) and are found as before.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_articles_identity"


def upgrade() -> None:
    op.add_column("articles", sa.Column("identity", sa.Text))
    op.execute(
        "UPDATE articles SET identity = (SELECT CAST(u.scope AS TEXT) || ' url ' || u.url "
        "FROM article_urls AS u WHERE u.article_id = articles.id AND u.url = articles.canonical_url) "
        "WHERE canonical_url IS NOT NULL"
    )
    op.create_index(INDEX, "articles", ["identity"], unique=True)


def downgrade() -> None:
    op.drop_index(INDEX, "articles")
    if op.get_bind().dialect.name == "sqlite":
        # Dropping a column rebuilds `articles` in batch mode, which cascades to every version
        # (see 0003): the column stays, unused by 0003's code.
        return
    op.drop_column("articles", "identity")
