"""Opening the database: engines for SQLite and PostgreSQL, their hooks, and migrations."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    event,
)
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.store.records import StoreError

logger = logging.getLogger(__name__)


MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
# Execution option telling the SQLite "begin" hook to take the write lock up front.
WRITE_TRANSACTION_OPTION = "newsbrief_write"
SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def create_store_engine(database_url: str, *, schema: str | None = None) -> AsyncEngine:
    """An async engine configured for the store (SQLite pragmas, PostgreSQL search_path)."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        if schema is not None:
            raise StoreError("schema= is for PostgreSQL only")
        if not url.database or url.database == ":memory:" or "mode=memory" in url.database:
            # Every pooled connection would get its own empty database.
            raise StoreError("in-memory SQLite is not supported: use a file (tests: tmp_path)")
        if not url.database.startswith("file:"):
            Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url)
        install_sqlite_hooks(engine)
        return engine
    if backend == "postgresql":
        connect_args: dict[str, Any] = {}
        if schema is not None:
            if not SCHEMA_NAME.fullmatch(schema):
                raise StoreError(f"bad schema name {schema!r}")
            connect_args["server_settings"] = {"search_path": schema}
        return create_async_engine(url, connect_args=connect_args, pool_pre_ping=True)
    raise StoreError(f"unsupported database {backend!r}: use sqlite+aiosqlite or postgresql+asyncpg")


def install_sqlite_hooks(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _connection_record: Any) -> None:
        # SQLAlchemy, not the driver, decides when transactions begin: the driver would only
        # begin at the first write, leaving a method's earlier reads outside its transaction.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode, NORMAL writes each commit to the WAL without an fsync (the WAL is synced at
        # checkpoints). A crash of the process loses nothing: the committed pages are in the WAL
        # file, in the OS's cache, and are read back at the next open. Only a power cut or OS
        # crash can lose the last commits, and even then the database stays consistent (SQLite's
        # documented guarantee for WAL + NORMAL). FULL paid one fsync per commit.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Connection) -> None:
        # Writers take the write lock up front: in WAL mode a transaction that reads and only
        # then writes fails at once with SQLITE_BUSY if another writer got in between, instead
        # of waiting busy_timeout.
        immediate = connection.get_execution_options().get(WRITE_TRANSACTION_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def upgrade_to_head(connection: Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()
