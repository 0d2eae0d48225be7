"""The brief queue: versions the poll stage stored without a brief, for the work stage to brief.

A part of the `Store` facade (bot/store/facade.py).

`Store.store_new_entries` queues every version it stores without a brief, in the transaction
that stores it, so a crash between the two stages loses nothing: the queue is what the next
start briefs. The work stage (bot.service.briefing) takes them oldest first, at most one version
per article (a later version is briefed against its predecessor's brief, so it waits until that
one is done), and `finish_briefs` stores a batch's briefs and story ids and drops their rows in
one transaction. A brief that could not be made is counted; after `max_attempts` its row goes
and the version stays without a brief (it is logged), so one bad article cannot hold the queue.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from bot.models import Brief
from bot.store.part import StorePart
from bot.store.records import ArticleRecord, VersionRecord, article_record, version_record
from bot.store.schema import articles, brief_queue, briefs, sources, versions


@dataclass(frozen=True, slots=True)
class PendingBrief:
    """A version waiting for its brief, with what the brief is made with."""

    version: VersionRecord
    article: ArticleRecord
    source_name: str  # the name of the article's origin source (or of the source that found it)
    previous: VersionRecord | None  # the version before it, for "what changed"
    previous_brief: Brief | None  # what readers saw of the previous version
    attempts: int  # briefs of it that failed so far


class BriefQueueRecords(StorePart):
    async def pending_briefs(
        self, *, skip: Collection[int] = (), only: Collection[int] | None = None, limit: int
    ) -> list[PendingBrief]:
        """Up to `limit` queued versions but those in `skip` (tried already by this drain), or
        with `only` of those versions, oldest first, leaving out a version whose article has an
        older one still queued."""
        older = aliased(brief_queue)
        query = (
            select(brief_queue.c.version_id, brief_queue.c.attempts)
            .where(
                brief_queue.c.version_id.notin_(list(skip)),
                ~exists().where(
                    and_(
                        older.c.article_id == brief_queue.c.article_id,
                        older.c.version_id < brief_queue.c.version_id,
                    )
                ),
            )
            .order_by(brief_queue.c.version_id)
            .limit(max(limit, 0))
        )
        if only is not None:
            query = query.where(brief_queue.c.version_id.in_(list(only)))
        async with self._read() as connection:
            queued = (await connection.execute(query)).all()
            if not queued:
                return []
            attempts = {int(row.version_id): int(row.attempts) for row in queued}
            found = {
                row["id"]: version_record(row)
                for row in (
                    await connection.execute(select(versions).where(versions.c.id.in_(list(attempts))))
                ).mappings()
            }
            article_ids = {version.article_id for version in found.values()}
            stored_articles = {
                row["id"]: article_record(row)
                for row in (
                    await connection.execute(select(articles).where(articles.c.id.in_(article_ids)))
                ).mappings()
            }
            previous = await _previous_versions(connection, list(found.values()))
            brief_json = dict(
                (
                    await connection.execute(
                        select(briefs.c.version_id, briefs.c.brief_json).where(
                            briefs.c.version_id.in_([v.id for v in previous.values()])
                        )
                    )
                ).all()
            )
            source_ids = {a.origin_source_id or a.source_id for a in stored_articles.values()}
            names = dict(
                (
                    await connection.execute(
                        select(sources.c.id, sources.c.name).where(sources.c.id.in_(source_ids))
                    )
                ).all()
            )
        answer: list[PendingBrief] = []
        for version_id in sorted(found):
            version = found[version_id]
            article = stored_articles[version.article_id]
            before = previous.get(version_id)
            seen = brief_json.get(before.id) if before is not None else None
            answer.append(
                PendingBrief(
                    version=version,
                    article=article,
                    source_name=str(names.get(article.origin_source_id or article.source_id, "")),
                    previous=before,
                    previous_brief=self._codec.loads(seen) if seen is not None else None,
                    attempts=attempts[version_id],
                )
            )
        return answer

    async def finish_briefs(
        self,
        done: Sequence[tuple[int, Brief]],
        *,
        stories: Mapping[int, int],
        failed: Mapping[int, str],
        max_attempts: int,
    ) -> tuple[dict[int, Brief], list[int]]:
        """One work-stage batch, in one transaction: the briefs of `done` (version id, brief)
        stored (a version briefed already keeps its brief), the story ids of new articles
        (`stories`: article id -> story id), and for each failed version one more attempt, its
        row dropped at `max_attempts`. Answers the briefs stored, by version id, and the
        versions given up."""
        async with self._write() as connection:
            stored = await self._store_briefs_in(connection, done) if done else {}
            if stories:
                await connection.execute(
                    update(articles)
                    .where(articles.c.id == bindparam("b_id"))
                    .values(story_id=bindparam("b_story")),
                    [{"b_id": article_id, "b_story": story} for article_id, story in stories.items()],
                )
            given_up: list[int] = []
            if failed:
                await connection.execute(
                    update(brief_queue)
                    .where(brief_queue.c.version_id == bindparam("b_version"))
                    .values(attempts=brief_queue.c.attempts + 1, last_error=bindparam("b_error")),
                    [{"b_version": version_id, "b_error": error} for version_id, error in failed.items()],
                )
                given_up = [
                    int(version_id)
                    for version_id in (
                        await connection.execute(
                            select(brief_queue.c.version_id).where(
                                brief_queue.c.version_id.in_(list(failed)),
                                brief_queue.c.attempts >= max_attempts,
                            )
                        )
                    ).scalars()
                ]
                if given_up:
                    await connection.execute(
                        delete(brief_queue).where(brief_queue.c.version_id.in_(given_up))
                    )
        return stored, given_up

    async def oldest_pending_brief(self) -> int | None:
        """The oldest version waiting for its first try at a brief: a digest lists nothing from
        it on, so the digest cursor never passes a version before it is briefed. (One whose brief
        failed once does not hold digests back.)"""
        async with self._read() as connection:
            found = (
                await connection.execute(
                    select(func.min(brief_queue.c.version_id)).where(brief_queue.c.attempts == 0)
                )
            ).scalar_one_or_none()
        return int(found) if found is not None else None

    async def pending_brief_count(self) -> int:
        async with self._read() as connection:
            return int((await connection.execute(select(func.count()).select_from(brief_queue))).scalar_one())

    async def articles_waiting_for_first_brief(self) -> set[int]:
        """Articles whose first version is still queued: not matched as a story yet, so not yet
        in the index later articles are matched against."""
        query = (
            select(brief_queue.c.article_id)
            .join(versions, versions.c.id == brief_queue.c.version_id)
            .where(versions.c.number == 1)
        )
        async with self._read() as connection:
            return {int(article_id) for article_id in (await connection.execute(query)).scalars()}


async def _previous_versions(
    connection: AsyncConnection, found: list[VersionRecord]
) -> dict[int, VersionRecord]:
    """For each version after an article's first, the version before it, by the later one's id."""
    wanted = {(v.article_id, v.number - 1): v.id for v in found if v.number > 1}
    if not wanted:
        return {}
    rows = await connection.execute(
        select(versions).where(
            versions.c.article_id.in_({article_id for article_id, _ in wanted}),
            versions.c.number.in_({number for _, number in wanted}),
        )
    )
    answer: dict[int, VersionRecord] = {}
    for row in rows.mappings():
        later = wanted.get((row["article_id"], row["number"]))
        if later is not None:
            answer[later] = version_record(row)
    return answer
