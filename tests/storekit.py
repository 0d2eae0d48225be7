"""The store under test: on SQLite always, on PostgreSQL when NEWSBRIEF_TEST_DATABASE_URL is set
(each PostgreSQL test gets its own schema, dropped afterwards), and helpers that fill it."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.brief.serialize import BRIEF_JSON
from bot.models import (
    ArticleDraft,
    Brief,
    Change,
    ChangeBasis,
    ChangeKind,
    Changes,
    Quote,
    QuoteKind,
    SourceKind,
    SourceSpec,
)
from bot.store import (
    ArticleRecord,
    SourceRecord,
    Store,
    VersionRecord,
)
from bot.store.database import MIGRATIONS_DIR

PG_URL_VARIABLE = "NEWSBRIEF_TEST_DATABASE_URL"


T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Target:
    url: str
    schema: str | None
    sqlite_path: Path | None = None


PG_URL = os.environ.get(PG_URL_VARIABLE)


# PostgreSQL variants exist only when configured (one skipped test below says so otherwise),
# so a plain run is not a wall of skips.
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


@pytest.fixture(params=BACKENDS)
async def target(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Target]:
    if request.param == "sqlite":
        path = tmp_path / "nested" / "dir" / "newsbrief.db"
        yield Target(f"sqlite+aiosqlite:///{path}", None, path)
        return
    pg_url = PG_URL
    assert pg_url is not None
    schema = f"nb_test_{uuid.uuid4().hex[:16]}"
    yield Target(pg_url, schema)
    engine = create_async_engine(pg_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        await engine.dispose()


@pytest.fixture
async def store(target: Target) -> AsyncIterator[Store]:
    opened = await Store.open(target.url, schema=target.schema, codec=BRIEF_JSON)
    try:
        yield opened
    finally:
        await opened.close()


def make_brief(headline: str = "Headline") -> Brief:
    return Brief(
        headline=headline,
        summary=("First sentence.", "Second sentence.", "Third sentence."),
        quotes=(
            Quote(
                text="We will rebuild", speaker="Mayor Ana Ruiz", kind=QuoteKind.STATEMENT, start=4, end=19
            ),
        ),
        changes=Changes(
            basis=ChangeBasis.PREVIOUS_VERSION,
            items=(Change(kind=ChangeKind.HEADLINE_CHANGED, before="Old", after="New"),),
            against=("https://example.test/a",),
        ),
        url="https://example.test/a",
        source="Example",
        published=T0,
    )


def make_draft(
    source_id: int,
    *,
    url: str | None = "https://example.test/a",
    guid: str | None = "guid-a",
    title: str | None = "Bridge reopens",
    body: str = "The bridge reopened on Monday after repairs.",
) -> ArticleDraft:
    return ArticleDraft(source_id=source_id, canonical_url=url, guid=guid, title=title, text=body)


async def add_source(store: Store, location: str = "https://example.test/feed.xml") -> SourceRecord:
    return await store.upsert_source(SourceSpec(name="Example", location=location, kind=SourceKind.FEED))


async def save(
    store: Store,
    draft: ArticleDraft,
    *,
    text_hash: str | None = None,
    article_id: int | None = None,
    story_id: int | None = None,
    seen_at: datetime = T0,
    next_check_at: datetime | None = None,
    brief: Brief | None = None,
    fetched: bool = False,
) -> tuple[ArticleRecord, VersionRecord]:
    return await store.save_version(
        draft,
        text_hash=text_hash or f"hash:{draft.text}",
        brief=brief or make_brief(draft.title or "untitled"),
        article_id=article_id,
        story_id=story_id,
        seen_at=seen_at,
        next_check_at=next_check_at,
        fetched=fetched,
    )


def head_revision() -> str | None:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return script.get_current_head()


# Discord snowflakes are 64-bit: they must survive PostgreSQL's column types.
GUILD_A = 1_100_000_000_000_000_001


GUILD_B = 1_100_000_000_000_000_002


CHANNEL_A = 1_200_000_000_000_000_001


CHANNEL_B = 1_200_000_000_000_000_002


def spec(name: str, location: str) -> SourceSpec:
    return SourceSpec(name=name, location=location, kind=SourceKind.FEED)


async def subscribe(store: Store, guild_id: int, name: str, location: str) -> SourceRecord:
    source, _ = await store.subscribe(guild_id, spec(name, location), channel_id=None, added_by=USER)
    return source


async def article(
    store: Store,
    source_id: int,
    key: str,
    title: str,
    *,
    body: str | None = None,
    brief: Brief | None = None,
    seen_at: datetime = T0,
    article_id: int | None = None,
    fetched: bool = False,
) -> tuple[int, int]:
    record, version = await save(
        store,
        make_draft(source_id, url=f"https://news.test/{key}", guid=key, title=title, body=body or title),
        brief=brief or make_brief(title),
        seen_at=seen_at,
        article_id=article_id,
        fetched=fetched,
    )
    return record.id, version.id


USER = 1_300_000_000_000_000_001


@contextlib.asynccontextmanager
async def fresh_database(prefix: str) -> AsyncIterator[str]:
    """The URL of a PostgreSQL database of the caller's own on the test server (created, then
    dropped); the test is skipped, saying why, when the server lets no one create databases."""
    assert PG_URL is not None
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no right to create databases there: say so rather than fail
        await admin.dispose()
        pytest.skip(f"cannot create a database on {PG_URL_VARIABLE}'s server: {exc}")
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
