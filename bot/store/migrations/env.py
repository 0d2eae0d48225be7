"""Alembic environment.

Two ways in: Store.open() passes an open connection in `config.attributes["connection"]` (so
the upgrade runs in the store's own transaction, with its SQLite pragmas), and the alembic CLI,
for which an async engine is made from `-x url=...` or `sqlalchemy.url`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from bot.store.schema import POSTGRESQL_ONLY_TABLES, SQLITE_FTS_TABLE, metadata

config = context.config

IncludeObject = Callable[[Any, str | None, str, bool, Any], bool]


def include_object_for(dialect_name: str) -> IncludeObject:
    """Autogenerate filter: ignore tables that exist only on the other dialect (or FTS5 internals)."""

    def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if type_ != "table" or name is None:
            return True
        if dialect_name != "postgresql" and name in POSTGRESQL_ONLY_TABLES:
            return False
        return not (dialect_name == "sqlite" and name.startswith(SQLITE_FTS_TABLE))

    return include_object


def configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_object=include_object_for(connection.dialect.name),
        # SQLite cannot ALTER most things; batch mode rebuilds tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # The store's SQLite engine controls BEGIN itself (see bot.store), so DDL there is
        # transactional too: a failed upgrade leaves the previous schema intact.
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def database_url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: pass -x url=... or set sqlalchemy.url")
    return url


async def run_with_new_engine() -> None:
    # Imported here: the store imports nothing from this file, but keeping the CLI-only import
    # local avoids loading the store when Store.open() itself is running the migrations.
    from bot.store import create_store_engine

    engine = create_store_engine(database_url())
    try:
        async with engine.begin() as connection:
            await connection.run_sync(configure_and_run)
    finally:
        await engine.dispose()


def run_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    if context.is_offline_mode():
        run_offline()
        return
    connection = config.attributes.get("connection")
    if connection is not None:
        configure_and_run(connection)
        return
    if config.config_file_name is not None:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    asyncio.run(run_with_new_engine())


run()
