"""A feed's new entries stored in one transaction: one look-up for the batch, then executemany.

A part of the `Store` facade (bot/store/facade.py). `store_new_entries` does for a whole batch
what `save_version` (with the engine's look-up before it) does for one article, with the same
rules: the same identity key and upsert (bot.store.identity), the same look-up order
(bot.store.visibility.find_article_id), the same origins, and a version only when the text or
the title changed. Per batch it runs a fixed number of statements, whatever its size: about 15,
where one article at a time took about 20 per article, each in its own transaction.

Entries of one batch that may be the same article (a shared URL, GUID or text) are stored in
rounds, one after the other inside the transaction, so the later one sees the earlier one as
stored, as if stored one by one. An entry whose insert meets an article another writer stored
since the look-up (PostgreSQL runs writers side by side) goes into the next round as that article.

A version may be stored without a brief (`NewEntry.brief` None): it is searchable at once, and
`store_briefs` fills the brief in later. Digests list briefed versions only.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Hashable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.models import Brief, utc_now
from bot.store.articles import (
    POSTGRESQL_INDEX_UPSERT,
    POSTGRESQL_VERSION_ORDER_LOCK,
    SQLITE_INDEX_DELETE,
    SQLITE_INDEX_INSERT,
    SQLITE_TITLE_DELETE,
    SQLITE_TITLE_INSERT,
    article_row,
)
from bot.store.identity import identity_key
from bot.store.part import StorePart
from bot.store.quotes import quote_rows
from bot.store.records import (
    ArticleRecord,
    FoundEntry,
    NewEntry,
    StoredEntry,
    StoreError,
    VersionRecord,
    article_record,
    require_aware,
    version_record,
)
from bot.store.schema import (
    FETCHED_SCOPE,
    article_guids,
    article_sources,
    article_urls,
    articles,
    brief_queue,
    briefs,
    quotes,
    versions,
)
from bot.store.visibility import allowed_origin, of_source

logger = logging.getLogger(__name__)


class EntryBatchRecords(StorePart):
    async def find_entries(self, entries: Sequence[NewEntry]) -> list[FoundEntry | None]:
        """For each entry, the stored article it is (with its latest version and that version's
        brief), or None: what `store_new_entries` will find, for a caller that briefs first."""
        async with self._read() as connection:
            ids = await _look_up(connection, entries)
            found = await _articles_and_latest(connection, {i for i in ids if i is not None})
            version_ids = [version.id for _, version in found.values() if version is not None]
            stored = await _briefs_of(connection, version_ids)
        answer: list[FoundEntry | None] = []
        for article_id in ids:
            if article_id is None:
                answer.append(None)
                continue
            article, latest = found[article_id]
            brief_json = stored.get(latest.id) if latest is not None else None
            brief = self._codec.loads(brief_json) if brief_json is not None else None
            answer.append(FoundEntry(article, latest, brief))
        return answer

    async def store_new_entries(self, entries: Sequence[NewEntry], *, seen_at: datetime) -> list[StoredEntry]:
        """Store what a poll saw of these entries, in one transaction; answers in entry order.

        Each entry is, as `save_version` with the engine's look-up would make it: a new article
        (`NewEntry.story_id` None: its own story), a new version of the article it is found to be
        (its metadata that is None keeps the stored value), or "unchanged" (the latest version has
        its text and title: the article is seen again, through the entry's source). Every entry's
        article is linked to the entry's source and records its GUID; a new version's URL is
        recorded when the URL is the article's own, and the version replaces the article's
        earlier one in search. An entry with a brief has it stored, with its quotes.
        """
        seen_at = require_aware(seen_at, "seen_at")
        results: list[StoredEntry | None] = [None] * len(entries)
        if not entries:
            return []
        async with self._write() as connection:
            if self._dialect == "postgresql":
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": POSTGRESQL_VERSION_ORDER_LOCK}
                )
            pending = list(range(len(entries)))
            known: dict[int, int] = {}  # entry -> the article another writer stored under its identity
            while pending:
                batch, later_rounds = _one_round(entries, pending)
                pending = await self._store_round(connection, entries, batch, known, seen_at, results)
                pending += later_rounds
            await self._join_batch_stories(connection, entries, results)
        done = [result for result in results if result is not None]
        logger.debug("stored %d entries in one transaction", len(done))
        return done

    async def store_briefs(self, items: Sequence[tuple[int, Brief]]) -> None:
        """Store the brief of each (version id, brief) whose version was stored without one, with
        its quotes, in one transaction. A version that has a brief already keeps it."""
        if not items:
            return
        async with self._write() as connection:
            await self._store_briefs_in(connection, items)

    async def _store_briefs_in(
        self, connection: AsyncConnection, items: Sequence[tuple[int, Brief]]
    ) -> dict[int, Brief]:
        """`store_briefs` inside a caller's transaction; the briefs stored, by version id. A
        version that has a brief already (another process wrote it first) keeps it, and its
        place in the brief queue goes."""
        rows = (
            await connection.execute(
                select(versions.c.id, versions.c.article_id).where(
                    versions.c.id.in_([version_id for version_id, _ in items])
                )
            )
        ).all()
        article_of = {int(row.id): int(row.article_id) for row in rows}
        have = set((await _briefs_of(connection, list(article_of))).keys())
        now = utc_now()
        brief_rows: list[dict[str, Any]] = []
        quote_list: list[dict[str, Any]] = []
        stored_briefs: dict[int, Brief] = {}
        for version_id, brief in items:
            if version_id not in article_of or version_id in have:
                continue
            article_id = article_of[version_id]
            stored = dataclasses.replace(brief, article_id=article_id, version_id=version_id)
            brief_rows.append(
                {"version_id": version_id, "brief_json": self._codec.dumps(stored), "created_at": now}
            )
            quote_list += quote_rows(article_id, version_id, brief, self._codec)
            stored_briefs[version_id] = stored
            have.add(version_id)
        if brief_rows:
            await connection.execute(self._insert_or_skip(briefs), brief_rows)
        if quote_list:
            await connection.execute(self._insert_or_skip(quotes), quote_list)
        await connection.execute(
            delete(brief_queue).where(brief_queue.c.version_id.in_([version_id for version_id, _ in items]))
        )
        return stored_briefs

    async def _join_batch_stories(
        self, connection: AsyncConnection, entries: Sequence[NewEntry], results: list[StoredEntry | None]
    ) -> None:
        """New articles joining the story of an earlier entry of the batch (`NewEntry.story_of`)."""
        moves: list[dict[str, int]] = []
        for i, entry in enumerate(entries):
            result = results[i]
            if entry.story_of is None or result is None or result.outcome != "new":
                continue
            if not 0 <= entry.story_of < i:
                raise StoreError(
                    f"entry {i} joins the story of entry {entry.story_of}, which is not before it"
                )
            joined = results[entry.story_of]
            if joined is None:
                continue
            moves.append({"b_id": result.article.id, "b_story": joined.article.story_id})
            results[i] = dataclasses.replace(
                result, article=dataclasses.replace(result.article, story_id=joined.article.story_id)
            )
        if moves:
            await connection.execute(
                update(articles)
                .where(articles.c.id == bindparam("b_id"))
                .values(story_id=bindparam("b_story")),
                moves,
            )

    def _insert_or_skip(self, table: Any) -> Any:
        return (postgresql_insert if self._dialect == "postgresql" else sqlite_insert)(
            table
        ).on_conflict_do_nothing()

    async def _store_round(
        self,
        connection: AsyncConnection,
        entries: Sequence[NewEntry],
        batch: list[int],
        known: dict[int, int],
        seen_at: datetime,
        results: list[StoredEntry | None],
    ) -> list[int]:
        """Store one round (entries that cannot be one another's article); the entries left for
        the next round come back: found to be an article another entry of this round took, or
        stored by another writer since the look-up."""
        ids = await _look_up(connection, [entries[i] for i in batch])
        for position, i in enumerate(batch):
            if i in known:
                ids[position] = known.pop(i)
        found = await _articles_and_latest(
            connection, {a for a in ids if a is not None}, for_update=self._dialect == "postgresql"
        )
        deferred: list[int] = []
        taken: set[int] = set()
        unchanged: list[tuple[int, ArticleRecord, VersionRecord]] = []
        updated: list[tuple[int, ArticleRecord, VersionRecord | None]] = []
        new: list[int] = []
        for i, article_id in zip(batch, ids, strict=True):
            entry = entries[i]
            if article_id is None:
                new.append(i)
                continue
            if article_id in taken:
                deferred.append(i)
                continue
            taken.add(article_id)
            article, latest = found[article_id]
            if article.origin_source_id != _origin(entry):
                raise StoreError(f"article {article_id} has another origin than this entry")
            if (
                latest is not None
                and latest.text_hash == entry.text_hash
                and same_title(latest.title, entry.draft.title)
            ):
                unchanged.append((i, article, latest))
            else:
                updated.append((i, article, latest))

        inserted, conflicted = await self._insert_articles(connection, entries, new, seen_at)
        known.update(conflicted)
        deferred += list(conflicted)
        # Every entry stored now: (entry, article id, previous version or None, the article before).
        versioned: list[tuple[int, int, VersionRecord | None, ArticleRecord | None]] = [
            (i, article.id, latest, article) for i, article, latest in updated
        ] + [(i, inserted[i], None, None) for i in new if i in inserted]
        version_of = await self._insert_versions(connection, entries, versioned, seen_at)
        await self._update_articles(connection, entries, unchanged, versioned, version_of, seen_at)
        await self._record_sightings(connection, entries, unchanged, versioned, seen_at)
        await self._index(connection, entries, versioned, version_of)
        stored_briefs = await self._store_entry_briefs(connection, entries, versioned, version_of)

        touched = [article.id for _, article, _ in unchanged] + [a for _, a, _, _ in versioned]
        now_stored = await _articles_and_latest(connection, set(touched), latest=False)
        for i, article, latest in unchanged:
            results[i] = StoredEntry("unchanged", now_stored[article.id][0], latest, None)
        for i, article_id, _, before in versioned:
            version = version_of[i]
            results[i] = StoredEntry(
                "updated" if before is not None else "new",
                now_stored[article_id][0],
                version,
                stored_briefs.get(i),
            )
        return deferred

    async def _insert_articles(
        self, connection: AsyncConnection, entries: Sequence[NewEntry], new: list[int], seen_at: datetime
    ) -> tuple[dict[int, int], dict[int, int]]:
        """Insert the new articles under their identity: ({entry: its new article id},
        {entry: the article another writer stored first under the same identity})."""
        if not new:
            return {}, {}
        rows: list[dict[str, Any]] = []
        for i in new:
            draft = entries[i].draft
            origin = _origin(entries[i])
            identity = identity_key(
                origin, url=draft.canonical_url, guid=draft.guid, url_is_identity=draft.url_is_identity
            )
            rows.append(
                article_row(draft, seen_at, entries[i].next_check_at, entries[i].story_id, origin, identity)
            )
        inserted: dict[int, int] = {}
        keyed = [(i, row) for i, row in zip(new, rows, strict=True) if row["identity"] is not None]
        for i, row in zip(new, rows, strict=True):
            if row["identity"] is None:  # known by its text alone: nothing to conflict on
                result = await connection.execute(insert(articles).values(**row).returning(articles.c.id))
                inserted[i] = int(result.scalar_one())
        conflicted: dict[int, int] = {}
        if keyed:
            upsert = (postgresql_insert if self._dialect == "postgresql" else sqlite_insert)(articles)
            statement = upsert.on_conflict_do_nothing(index_elements=["identity"]).returning(
                articles.c.id, articles.c.identity
            )
            made = {
                row.identity: int(row.id)
                for row in await connection.execute(statement, [r for _, r in keyed])
            }
            missing = [row["identity"] for i, row in keyed if row["identity"] not in made]
            theirs: dict[str, int] = {}
            if missing:
                found = await connection.execute(
                    select(articles.c.id, articles.c.identity).where(articles.c.identity.in_(missing))
                )
                theirs = {row.identity: int(row.id) for row in found}
            for i, row in keyed:
                if row["identity"] in made:
                    inserted[i] = made[row["identity"]]
                else:
                    conflicted[i] = theirs[row["identity"]]
        return inserted, conflicted

    async def _insert_versions(
        self,
        connection: AsyncConnection,
        entries: Sequence[NewEntry],
        versioned: list[tuple[int, int, VersionRecord | None, ArticleRecord | None]],
        seen_at: datetime,
    ) -> dict[int, VersionRecord]:
        if not versioned:
            return {}
        rows: list[dict[str, Any]] = [
            {
                "article_id": article_id,
                "number": previous.number + 1 if previous is not None else 1,
                "seen_at": seen_at,
                "title": entries[i].draft.title,
                "text": entries[i].draft.text,
                "text_hash": entries[i].text_hash,
            }
            for i, article_id, previous, _ in versioned
        ]
        # Mapped back by article (one version of an article per round): asking for the rows in
        # parameter order makes SQLAlchemy insert them one statement each on SQLite.
        result = await connection.execute(
            insert(versions).returning(versions.c.id, versions.c.article_id), rows
        )
        id_of = {int(row.article_id): int(row.id) for row in result}
        ids = [id_of[row["article_id"]] for row in rows]
        return {
            i: VersionRecord(
                id=version_id,
                article_id=row["article_id"],
                number=row["number"],
                seen_at=seen_at,
                title=row["title"],
                text=row["text"],
                text_hash=row["text_hash"],
            )
            for (i, _, _, _), row, version_id in zip(versioned, rows, ids, strict=True)
        }

    async def _update_articles(
        self,
        connection: AsyncConnection,
        entries: Sequence[NewEntry],
        unchanged: list[tuple[int, ArticleRecord, VersionRecord]],
        versioned: list[tuple[int, int, VersionRecord | None, ArticleRecord | None]],
        version_of: dict[int, VersionRecord],
        seen_at: datetime,
    ) -> None:
        if unchanged:
            await connection.execute(
                update(articles)
                .where(articles.c.id == bindparam("b_id"))
                .values(last_seen_at=bindparam("b_seen")),
                [
                    {"b_id": article.id, "b_seen": max(article.last_seen_at, seen_at)}
                    for _, article, _ in unchanged
                ],
            )
        grown = [(i, a, before) for i, a, _, before in versioned if before is not None]
        if grown:
            # The newest sighting wins for metadata, but a missing value never erases a known one.
            values: dict[str, Any] = {
                name: func.coalesce(bindparam(f"b_{name}"), articles.c[name])
                for name in ("canonical_url", "guid", "title", "author", "published", "updated", "story_id")
            }
            values |= {
                "last_seen_at": bindparam("b_seen"),
                "next_check_at": bindparam("b_check"),
                "latest_version_id": bindparam("b_version"),
            }
            await connection.execute(
                update(articles).where(articles.c.id == bindparam("b_id")).values(**values),
                [
                    {
                        "b_id": article_id,
                        **{f"b_{name}": getattr(entries[i].draft, name) for name in _METADATA},
                        "b_story_id": entries[i].story_id,
                        "b_seen": max(before.last_seen_at, seen_at),
                        "b_check": entries[i].next_check_at,
                        "b_version": version_of[i].id,
                    }
                    for i, article_id, before in grown
                ],
            )
        fresh = [(i, a) for i, a, _, before in versioned if before is None]
        if fresh:
            # A new story's id is the article's own, known only after the insert.
            await connection.execute(
                update(articles)
                .where(articles.c.id == bindparam("b_id"))
                .values(
                    latest_version_id=bindparam("b_version"),
                    story_id=func.coalesce(articles.c.story_id, articles.c.id),
                ),
                [{"b_id": article_id, "b_version": version_of[i].id} for i, article_id in fresh],
            )

    async def _record_sightings(
        self,
        connection: AsyncConnection,
        entries: Sequence[NewEntry],
        unchanged: list[tuple[int, ArticleRecord, VersionRecord]],
        versioned: list[tuple[int, int, VersionRecord | None, ArticleRecord | None]],
        seen_at: datetime,
    ) -> None:
        """URLs and GUIDs later sightings find the articles by, and the sources they were seen
        through. The first article to claim a URL or GUID keeps it (look-ups stay deterministic)."""
        urls: list[dict[str, Any]] = []
        guids: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        sighted = [(i, article.id, False) for i, article, _ in unchanged] + [
            (i, article_id, True) for i, article_id, _, _ in versioned
        ]
        for i, article_id, new_version in sighted:
            draft = entries[i].draft
            if new_version and draft.canonical_url and draft.url_is_identity:
                origin = _origin(entries[i])
                scope = FETCHED_SCOPE if origin is None else origin
                urls.append({"scope": scope, "url": draft.canonical_url, "article_id": article_id})
            if draft.guid:
                guids.append({"source_id": draft.source_id, "guid": draft.guid, "article_id": article_id})
            links.append({"article_id": article_id, "source_id": draft.source_id, "first_seen_at": seen_at})
        for table, rows in ((article_urls, urls), (article_guids, guids), (article_sources, links)):
            if rows:
                await connection.execute(self._insert_or_skip(table), rows)

    async def _index(
        self,
        connection: AsyncConnection,
        entries: Sequence[NewEntry],
        versioned: list[tuple[int, int, VersionRecord | None, ArticleRecord | None]],
        version_of: dict[int, VersionRecord],
    ) -> None:
        """Each new version becomes its article's only indexed one (text, and on SQLite the title)."""
        if not versioned:
            return
        if self._dialect == "postgresql":
            await connection.execute(
                POSTGRESQL_INDEX_UPSERT, [{"version_id": version_of[i].id} for i, *_ in versioned]
            )
            return
        previous = [p for _, _, p, _ in versioned if p is not None]
        if previous:
            # External-content FTS5 deletes by re-supplying the exact indexed values.
            await connection.execute(
                SQLITE_INDEX_DELETE,
                [{"version_id": p.id, "title": p.title, "text": p.text} for p in previous],
            )
        await connection.execute(
            SQLITE_INDEX_INSERT,
            [
                {"version_id": version_of[i].id, "title": version_of[i].title, "text": version_of[i].text}
                for i, *_ in versioned
            ],
        )
        grown = [{"article_id": a} for _, a, _, before in versioned if before is not None]
        if grown:
            await connection.execute(SQLITE_TITLE_DELETE, grown)
        titles = [
            {"article_id": article_id, "title": title}
            for i, article_id, _, before in versioned
            if (title := entries[i].draft.title or (before.title if before is not None else None))
        ]
        if titles:
            await connection.execute(SQLITE_TITLE_INSERT, titles)

    async def _store_entry_briefs(
        self,
        connection: AsyncConnection,
        entries: Sequence[NewEntry],
        versioned: list[tuple[int, int, VersionRecord | None, ArticleRecord | None]],
        version_of: dict[int, VersionRecord],
    ) -> dict[int, Brief]:
        stored: dict[int, Brief] = {}
        brief_rows: list[dict[str, Any]] = []
        quote_list: list[dict[str, Any]] = []
        now = utc_now()
        waiting: list[dict[str, Any]] = []
        for i, article_id, _, _ in versioned:
            brief = entries[i].brief
            if brief is None:  # the work stage briefs it (bot.service.briefing)
                waiting.append({"version_id": version_of[i].id, "article_id": article_id, "queued_at": now})
                continue
            version_id = version_of[i].id
            stored[i] = dataclasses.replace(brief, article_id=article_id, version_id=version_id)
            brief_rows.append(
                {"version_id": version_id, "brief_json": self._codec.dumps(stored[i]), "created_at": now}
            )
            quote_list += quote_rows(article_id, version_id, brief, self._codec)
        if brief_rows:
            await connection.execute(insert(briefs), brief_rows)
        if quote_list:
            await connection.execute(insert(quotes), quote_list)
        if waiting:
            await connection.execute(insert(brief_queue), waiting)
        return stored


_METADATA = ("canonical_url", "guid", "title", "author", "published", "updated")


def same_title(old: str | None, new: str | None) -> bool:
    """The titles are the same but for spacing, or the new sighting has none (nothing to compare)."""
    return " ".join((old or "").split()) == " ".join((new or "").split()) or not new


def _origin(entry: NewEntry) -> int | None:
    return None if entry.fetched else entry.draft.source_id


def _keys(entry: NewEntry) -> list[Hashable]:
    """What the entry may be found by: two entries sharing one may be the same article."""
    draft = entry.draft
    keys: list[Hashable] = []
    if draft.canonical_url and draft.url_is_identity:
        keys.append(("url", draft.canonical_url))
    if draft.guid:
        keys.append(("guid", draft.guid))
    if entry.text_identifies:
        keys.append(("text", entry.text_hash))
    return keys


def _one_round(entries: Sequence[NewEntry], pending: list[int]) -> tuple[list[int], list[int]]:
    """The pending entries that can be stored side by side (no key in common with an earlier
    one), and the rest, in order."""
    used: set[Hashable] = set()
    now: list[int] = []
    rest: list[int] = []
    for i in pending:
        keys = _keys(entries[i])
        if any(key in used for key in keys):
            rest.append(i)
        else:
            used.update(keys)
            now.append(i)
    return now, rest


async def _look_up(connection: AsyncConnection, entries: Sequence[NewEntry]) -> list[int | None]:
    """For each entry, the article `find_article_id` would find for it, in a few statements for
    the whole batch: by URL, then by this source's GUID, then by text among this source's articles."""
    answer: list[int | None] = [None] * len(entries)
    for fetched in (False, True):
        group = [i for i, entry in enumerate(entries) if entry.fetched is fetched]
        if not group:
            continue
        source_ids = {entries[i].draft.source_id for i in group}
        if len(source_ids) != 1:
            raise StoreError("a batch of entries comes through one source")
        source_id = source_ids.pop()
        scope = FETCHED_SCOPE if fetched else source_id
        drafts = [entries[i].draft for i in group]
        wanted_urls = {d.canonical_url for d in drafts if d.canonical_url and d.url_is_identity}
        by_url: dict[str, int] = {}
        if wanted_urls:
            rows = await connection.execute(
                select(article_urls.c.url, article_urls.c.article_id).where(
                    article_urls.c.scope == scope, article_urls.c.url.in_(wanted_urls)
                )
            )
            by_url = {row.url: int(row.article_id) for row in rows}
        wanted_guids = {d.guid for d in drafts if d.guid}
        by_guid: dict[str, int] = {}
        if wanted_guids:
            rows = await connection.execute(
                select(article_guids.c.guid, article_guids.c.article_id)
                .join(articles, articles.c.id == article_guids.c.article_id)
                .where(
                    article_guids.c.source_id == source_id,
                    article_guids.c.guid.in_(wanted_guids),
                    allowed_origin(source_id, fetched),
                )
            )
            by_guid = {row.guid: int(row.article_id) for row in rows}
        unresolved = [i for i in group if entries[i].text_identifies]
        by_text: dict[str, list[tuple[int, str | None]]] = {}
        if unresolved:
            rows = await connection.execute(
                select(versions.c.text_hash, versions.c.title, versions.c.article_id)
                .join(articles, articles.c.id == versions.c.article_id)
                .where(
                    versions.c.text_hash.in_({entries[i].text_hash for i in unresolved}),
                    of_source(source_id),
                    allowed_origin(source_id, fetched),
                )
                .order_by(versions.c.id.desc())
            )
            for row in rows:
                by_text.setdefault(row.text_hash, []).append((int(row.article_id), row.title))
        for i in group:
            draft = entries[i].draft
            found = by_url.get(draft.canonical_url) if draft.canonical_url and draft.url_is_identity else None
            if found is None and draft.guid:
                found = by_guid.get(draft.guid)
            if found is None and entries[i].text_identifies:
                has_key = bool(draft.canonical_url if draft.url_is_identity else None) or bool(draft.guid)
                for article_id, title in by_text.get(entries[i].text_hash, ()):
                    # An entry with a link or GUID of its own is its text's article only under the
                    # same title too: identical text alone (a stock blurb) is no identity.
                    if not has_key or title == draft.title:
                        found = article_id
                        break
            answer[i] = found
    return answer


async def _articles_and_latest(
    connection: AsyncConnection, ids: set[int], *, for_update: bool = False, latest: bool = True
) -> dict[int, tuple[ArticleRecord, VersionRecord | None]]:
    if not ids:
        return {}
    query = select(articles).where(articles.c.id.in_(ids))
    if for_update:
        query = query.with_for_update()
    rows = [article_record(row) for row in (await connection.execute(query)).mappings()]
    found_versions: dict[int, VersionRecord] = {}
    if latest:
        version_rows = await connection.execute(
            select(versions).where(versions.c.id.in_([row.latest_version_id for row in rows]))
        )
        found_versions = {row["id"]: version_record(row) for row in version_rows.mappings()}
    return {row.id: (row, found_versions.get(row.latest_version_id)) for row in rows}


async def _briefs_of(connection: AsyncConnection, version_ids: list[int]) -> dict[int, str]:
    if not version_ids:
        return {}
    rows = await connection.execute(
        select(briefs.c.version_id, briefs.c.brief_json).where(briefs.c.version_id.in_(version_ids))
    )
    return {int(row.version_id): row.brief_json for row in rows}
