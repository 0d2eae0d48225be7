"""Articles and their versions: stored once, every version kept, with its brief.

A part of the `Store` facade (bot/store/facade.py)."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import (
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.models import ArticleDraft, Brief, StoryArticle, utc_now
from bot.store.identity import identity_key, insert_article_once
from bot.store.part import StorePart
from bot.store.quotes import quote_rows
from bot.store.records import (
    ArticleRecord,
    NotFoundError,
    SavedVersion,
    StoreError,
    VersionRecord,
    article_record,
    later,
    require_aware,
    version_record,
)
from bot.store.schema import (
    FETCHED_SCOPE,
    POSTGRESQL_TS_CONFIG,
    SQLITE_FTS_TABLE,
    SQLITE_TITLE_FTS_TABLE,
    article_guids,
    article_sources,
    article_urls,
    articles,
    briefs,
    quotes,
    sources,
    versions,
)
from bot.store.visibility import (
    find_article_id,
)

logger = logging.getLogger(__name__)


# PostgreSQL refuses tsvectors over 1 MB; no news article needs more text than this indexed.
POSTGRESQL_INDEXED_CHARS = 200_000
# Held by save_version on PostgreSQL until commit, so version ids become visible in increasing
# order: a digest cursor ("everything up to id N was covered") then never skips a version whose
# transaction committed late. SQLite has one writer at a time anyway.
POSTGRESQL_VERSION_ORDER_LOCK = 0x76657273  # "vers"


SQLITE_TITLE_DELETE = text(f"DELETE FROM {SQLITE_TITLE_FTS_TABLE} WHERE rowid = :article_id")
SQLITE_TITLE_INSERT = text(f"INSERT INTO {SQLITE_TITLE_FTS_TABLE}(rowid, title) VALUES (:article_id, :title)")

SQLITE_INDEX_DELETE = text(
    f"INSERT INTO {SQLITE_FTS_TABLE}({SQLITE_FTS_TABLE}, rowid, title, text) "
    "VALUES ('delete', :version_id, :title, :text)"
)
SQLITE_INDEX_INSERT = text(
    f"INSERT INTO {SQLITE_FTS_TABLE}(rowid, title, text) VALUES (:version_id, :title, :text)"
)


POSTGRESQL_INDEX_UPSERT = text(
    f"""
    INSERT INTO article_search (article_id, version_id, document)
    SELECT v.article_id, v.id,
           setweight(to_tsvector('{POSTGRESQL_TS_CONFIG}', coalesce(v.title, '')), 'A')
           || setweight(to_tsvector('{POSTGRESQL_TS_CONFIG}', left(v.text, {POSTGRESQL_INDEXED_CHARS})), 'B')
    FROM versions AS v WHERE v.id = :version_id
    ON CONFLICT (article_id) DO UPDATE
    SET version_id = EXCLUDED.version_id, document = EXCLUDED.document
    """
)


def article_row(
    draft: ArticleDraft,
    seen_at: datetime,
    next_check_at: datetime | None,
    story_id: int | None,
    origin_source_id: int | None,
    identity: str | None,
) -> dict[str, Any]:
    """The `articles` row of a new article first seen at `seen_at` (one at a time, or in a batch)."""
    return {
        "source_id": draft.source_id,
        "canonical_url": draft.canonical_url,
        "guid": draft.guid,
        "title": draft.title,
        "author": draft.author,
        "published": draft.published,
        "updated": draft.updated,
        "first_seen_at": seen_at,
        "last_seen_at": seen_at,
        "next_check_at": next_check_at,
        "story_id": story_id,
        "origin_source_id": origin_source_id,
        "identity": identity,
    }


class ArticleRecords(StorePart):
    async def find_article(
        self,
        *,
        source_id: int,
        canonical_url: str | None,
        guid: str | None,
        text_hash: str | None,
        fetched: bool | None = False,
        title: str | None = None,
    ) -> ArticleRecord | None:
        """The stored article this sighting through `source_id` is, if any: see
        `bot.store.visibility.find_article_id` for what `fetched` allows to match."""
        async with self._read() as connection:
            article_id = await find_article_id(
                connection,
                source_id=source_id,
                canonical_url=canonical_url,
                guid=guid,
                text_hash=text_hash,
                fetched=fetched,
                title=title,
            )
            if article_id is None:
                return None
            return await self._article_in(connection, article_id)

    async def save_version(
        self,
        draft: ArticleDraft,
        *,
        text_hash: str,
        brief: Brief,
        article_id: int | None,
        story_id: int | None,
        seen_at: datetime,
        next_check_at: datetime | None,
        fetched: bool = False,
    ) -> SavedVersion:
        """Store a new version of an article, with its brief, in one transaction.

        article_id None inserts the article under its identity (see bot.store.identity); when another
        writer stored that article first, this becomes a version of it, or, when its latest
        version has this text and title, nothing new (`new_version` False, the latest returned).
        `draft.url_is_identity` False: its link is not the article's own (many entries share
        it), so it is neither its identity nor an alias later sightings are found by.

        `fetched`: the bot fetched the text from the article's URL itself (shared by every source
        that links there), rather than the draft's source supplying it (that source's alone). A
        new version must have the article's own origin: StoreError otherwise.

        article_id None creates the article (story_id None: it starts its own story, whose id is
        the article's id). The version is numbered after the article's last one; the brief is
        stored with article_id / version_id filled in; the article's URL and GUID are recorded
        so later sightings under either find it; search then covers this version's text only.
        The article is linked to the draft's source (for guild visibility) and the brief's quotes
        are recorded under this version (for quotes by speaker).
        On an existing article: a non-None story_id moves it to that story, next_check_at is
        replaced (None: no re-check), and draft metadata that is None keeps the stored value.
        """
        seen_at = require_aware(seen_at, "seen_at")
        async with self._write() as connection:
            if self._dialect == "postgresql":
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": POSTGRESQL_VERSION_ORDER_LOCK}
                )
            previous: VersionRecord | None = None
            origin = None if fetched else draft.source_id
            inserted = False
            if article_id is None:
                identity = identity_key(
                    origin, url=draft.canonical_url, guid=draft.guid, url_is_identity=draft.url_is_identity
                )
                article_id, inserted = await self._insert_article(
                    connection, draft, story_id, seen_at, next_check_at, origin, identity
                )
            if inserted:
                number = 1
            else:
                current = await self._article_in(connection, article_id, for_update=True)
                if current.origin_source_id != origin:
                    raise StoreError(f"article {article_id} has another origin than this version")
                previous = await self._version_in(connection, current.latest_version_id)
                if previous is not None and previous.text_hash == text_hash and previous.title == draft.title:
                    # Another writer stored this very text moments ago: seen again, not a new version.
                    await connection.execute(
                        update(articles)
                        .where(articles.c.id == article_id)
                        .values(last_seen_at=later(current.last_seen_at, seen_at))
                    )
                    await self._record_aliases(
                        connection, article_id, draft.source_id, None, draft.guid, origin
                    )
                    await self._link_source(connection, article_id, draft.source_id, seen_at)
                    return SavedVersion(current, previous, new_version=False)
                number = previous.number + 1 if previous is not None else 1
                await self._update_article(connection, current, draft, story_id, seen_at, next_check_at)
            version_id = (
                await connection.execute(
                    insert(versions)
                    .values(
                        article_id=article_id,
                        number=number,
                        seen_at=seen_at,
                        title=draft.title,
                        text=draft.text,
                        text_hash=text_hash,
                    )
                    .returning(versions.c.id)
                )
            ).scalar_one()
            await connection.execute(
                update(articles).where(articles.c.id == article_id).values(latest_version_id=version_id)
            )
            await self._record_aliases(
                connection,
                article_id,
                draft.source_id,
                draft.canonical_url if draft.url_is_identity else None,
                draft.guid,
                origin,
            )
            version = await self._version_in(connection, version_id)
            if version is None:
                raise StoreError(f"version {version_id} vanished inside its own transaction")
            await self._link_source(connection, article_id, draft.source_id, seen_at)
            await self._index_latest(connection, previous, version)
            rows = quote_rows(article_id, version_id, brief, self._codec)
            if rows:
                await connection.execute(insert(quotes), rows)
            article = await self._article_in(connection, article_id)
            await self._index_title(connection, article, version)
            stored_brief = dataclasses.replace(brief, article_id=article_id, version_id=version_id)
            await connection.execute(
                insert(briefs).values(
                    version_id=version_id, brief_json=self._codec.dumps(stored_brief), created_at=utc_now()
                )
            )
        logger.debug("stored article %d version %d", article.id, version.number)
        return SavedVersion(article, version)

    async def touch_article(
        self,
        article_id: int,
        *,
        seen_at: datetime,
        guid: str | None,
        next_check_at: datetime | None,
        source_id: int | None = None,
    ) -> None:
        """Seen again, unchanged, through `source_id` (default: the article's first source).

        The GUID is recorded for that source, and the article linked to it: guilds subscribing
        to that source now see the article too. Only a fetched article, or the source's own,
        can be seen through a source (StoreError otherwise): see `find_article`.
        """
        seen_at = require_aware(seen_at, "seen_at")
        async with self._write() as connection:
            current = await self._article_in(connection, article_id, for_update=True)
            through = source_id if source_id is not None else current.source_id
            if current.origin_source_id not in (None, through):
                raise StoreError(f"article {article_id} is another source's: not linked to source {through}")
            await connection.execute(
                update(articles)
                .where(articles.c.id == article_id)
                .values(last_seen_at=later(current.last_seen_at, seen_at), next_check_at=next_check_at)
            )
            await self._record_aliases(connection, article_id, through, None, guid, current.origin_source_id)
            await self._link_source(connection, article_id, through, seen_at)

    async def get_article(self, article_id: int) -> ArticleRecord | None:
        async with self._read() as connection:
            try:
                return await self._article_in(connection, article_id)
            except NotFoundError:
                return None

    async def latest_version(self, article_id: int) -> VersionRecord | None:
        async with self._read() as connection:
            row = (
                (
                    await connection.execute(
                        select(versions)
                        .where(versions.c.article_id == article_id)
                        .order_by(versions.c.number.desc())
                        .limit(1)
                    )
                )
                .mappings()
                .first()
            )
        return version_record(row) if row is not None else None

    async def list_versions(self, article_id: int) -> list[VersionRecord]:
        """Oldest first."""
        async with self._read() as connection:
            rows = (
                await connection.execute(
                    select(versions).where(versions.c.article_id == article_id).order_by(versions.c.number)
                )
            ).mappings()
            return [version_record(row) for row in rows]

    async def get_brief(self, version_id: int) -> Brief | None:
        async with self._read() as connection:
            stored = (
                await connection.execute(select(briefs.c.brief_json).where(briefs.c.version_id == version_id))
            ).scalar_one_or_none()
        return self._codec.loads(stored) if stored is not None else None

    async def briefs_since(
        self, since: datetime | None, *, limit: int, latest_only: bool = False
    ) -> list[tuple[ArticleRecord, Brief]]:
        """Briefs of versions first seen after `since` (None: all), newest first.

        latest_only: only each article's latest version (one brief per article), for digests.
        """
        query = (
            select(articles, briefs.c.brief_json)
            .select_from(
                versions.join(articles, articles.c.id == versions.c.article_id).join(
                    briefs, briefs.c.version_id == versions.c.id
                )
            )
            .order_by(versions.c.seen_at.desc(), versions.c.id.desc())
            .limit(max(limit, 0))
        )
        if since is not None:
            query = query.where(versions.c.seen_at > require_aware(since, "since"))
        if latest_only:
            query = query.where(versions.c.id == articles.c.latest_version_id)
        async with self._read() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [(article_record(row), self._codec.loads(row["brief_json"])) for row in rows]

    async def recent_articles(
        self,
        *,
        since: datetime,
        exclude_article_id: int | None = None,
        limit: int = 500,
        of_origin: bool = False,
        origin_source_id: int | None = None,
    ) -> list[StoryArticle]:
        """Articles whose latest version was seen at or after `since`, newest first, for story matching.

        `of_origin`: only those of `origin_source_id`'s origin: that source's own, or with None the
        fetched ones.
        """
        query = (
            select(
                articles.c.id,
                articles.c.canonical_url,
                func.coalesce(versions.c.title, articles.c.title).label("title"),
                versions.c.text,
                versions.c.seen_at,
                articles.c.story_id,
            )
            .select_from(articles.join(versions, versions.c.id == articles.c.latest_version_id))
            .where(versions.c.seen_at >= require_aware(since, "since"))
            .order_by(versions.c.seen_at.desc(), versions.c.id.desc())
            .limit(max(limit, 0))
        )
        if exclude_article_id is not None:
            query = query.where(articles.c.id != exclude_article_id)
        if of_origin and origin_source_id is None:
            query = query.where(articles.c.origin_source_id.is_(None))
        elif of_origin:
            query = query.where(articles.c.origin_source_id == origin_source_id)
        async with self._read() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [
            StoryArticle(
                article_id=row["id"],
                url=row["canonical_url"],
                title=row["title"],
                text=row["text"],
                seen_at=row["seen_at"],
                story_id=row["story_id"],
            )
            for row in rows
        ]

    async def articles_due(self, now: datetime, *, limit: int = 100) -> list[ArticleRecord]:
        """Watched pages due for a re-fetch (next_check_at <= now), most overdue first.

        Articles of paused or removed sources are left out.
        """
        query = (
            select(articles)
            .select_from(articles.join(sources, sources.c.id == articles.c.source_id))
            .where(
                articles.c.next_check_at <= require_aware(now, "now"),
                sources.c.paused.is_(False),
                sources.c.removed_at.is_(None),
            )
            .order_by(articles.c.next_check_at, articles.c.id)
            .limit(max(limit, 0))
        )
        async with self._read() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [article_record(row) for row in rows]

    async def _insert_article(
        self,
        connection: AsyncConnection,
        draft: ArticleDraft,
        story_id: int | None,
        seen_at: datetime,
        next_check_at: datetime | None,
        origin_source_id: int | None,
        identity: str | None,
    ) -> tuple[int, bool]:
        values = article_row(draft, seen_at, next_check_at, story_id, origin_source_id, identity)
        article_id, inserted = await insert_article_once(connection, self._dialect, values)
        if inserted and story_id is None:
            await connection.execute(
                update(articles).where(articles.c.id == article_id).values(story_id=article_id)
            )
        return article_id, inserted

    async def _update_article(
        self,
        connection: AsyncConnection,
        current: ArticleRecord,
        draft: ArticleDraft,
        story_id: int | None,
        seen_at: datetime,
        next_check_at: datetime | None,
    ) -> None:
        # The newest sighting wins for metadata, but a missing value never erases a known one.
        values: dict[str, Any] = {
            "last_seen_at": later(current.last_seen_at, seen_at),
            "next_check_at": next_check_at,
        }
        for name in ("canonical_url", "guid", "title", "author", "published", "updated"):
            value = getattr(draft, name)
            if value is not None:
                values[name] = value
        if story_id is not None:
            values["story_id"] = story_id
        await connection.execute(update(articles).where(articles.c.id == current.id).values(**values))

    async def _record_aliases(
        self,
        connection: AsyncConnection,
        article_id: int,
        source_id: int,
        url: str | None,
        guid: str | None,
        origin_source_id: int | None,
    ) -> None:
        # First article to claim a URL / GUID keeps it: lookups must stay deterministic. A URL is
        # claimed within the article's origin: a source's claim never takes a fetched URL's place.
        if url:
            scope = FETCHED_SCOPE if origin_source_id is None else origin_source_id
            await connection.execute(
                self._insert_ignoring_duplicates(
                    article_urls, {"scope": scope, "url": url, "article_id": article_id}
                )
            )
        if guid:
            await connection.execute(
                self._insert_ignoring_duplicates(
                    article_guids, {"source_id": source_id, "guid": guid, "article_id": article_id}
                )
            )

    async def _link_source(
        self, connection: AsyncConnection, article_id: int, source_id: int, seen_at: datetime
    ) -> None:
        await connection.execute(
            self._insert_ignoring_duplicates(
                article_sources, {"article_id": article_id, "source_id": source_id, "first_seen_at": seen_at}
            )
        )

    async def _index_title(
        self, connection: AsyncConnection, article: ArticleRecord, version: VersionRecord
    ) -> None:
        """Keep SQLite's title index on the title shown now (PostgreSQL reads article_search)."""
        if self._dialect != "sqlite":
            return
        title = version.title if version.title is not None else article.title
        await connection.execute(SQLITE_TITLE_DELETE, {"article_id": article.id})
        if title:
            await connection.execute(SQLITE_TITLE_INSERT, {"article_id": article.id, "title": title})

    async def _article_in(
        self, connection: AsyncConnection, article_id: int, *, for_update: bool = False
    ) -> ArticleRecord:
        query = select(articles).where(articles.c.id == article_id)
        if for_update:
            query = query.with_for_update()
        row = (await connection.execute(query)).mappings().first()
        if row is None:
            raise NotFoundError(f"no article {article_id}")
        return article_record(row)

    async def _version_in(self, connection: AsyncConnection, version_id: int) -> VersionRecord | None:
        row = (
            (await connection.execute(select(versions).where(versions.c.id == version_id))).mappings().first()
        )
        return version_record(row) if row is not None else None

    async def _index_latest(
        self, connection: AsyncConnection, previous: VersionRecord | None, latest: VersionRecord
    ) -> None:
        """Make `latest` the article's only indexed version."""
        if self._dialect == "postgresql":
            await connection.execute(POSTGRESQL_INDEX_UPSERT, {"version_id": latest.id})
            return
        if previous is not None:
            # External-content FTS5 deletes by re-supplying the exact indexed values.
            await connection.execute(
                SQLITE_INDEX_DELETE,
                {"version_id": previous.id, "title": previous.title, "text": previous.text},
            )
        await connection.execute(
            SQLITE_INDEX_INSERT, {"version_id": latest.id, "title": latest.title, "text": latest.text}
        )

    async def latest_brief(self, article_id: int) -> Brief | None:
        """The brief of the article's latest version."""
        async with self._read() as connection:
            stored = (
                await connection.execute(
                    select(briefs.c.brief_json)
                    .select_from(articles.join(briefs, briefs.c.version_id == articles.c.latest_version_id))
                    .where(articles.c.id == article_id)
                )
            ).scalar_one_or_none()
        return self._codec.loads(stored) if stored is not None else None

    async def max_version_id(self) -> int:
        """The newest version's id (0 when there is none): the upper end of a digest's range."""
        async with self._read() as connection:
            return int(
                (await connection.execute(select(func.coalesce(func.max(versions.c.id), 0)))).scalar_one()
            )
