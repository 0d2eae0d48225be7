"""The work stage: briefs the versions the poll stage stored without one, oldest first.

The poll stage (bot.service.feed_batch) stores what a poll read and queues each new version
(bot.store.brief_queue) in the same transaction; it is searchable at once. The work stage takes
queued versions in batches of BRIEF_BATCH, oldest first, and for each batch, in the worker pool:
the story features of the new articles (side by side), then, in storing order, each new
article's same-story match against the articles briefed before it (this batch's earlier ones
included, as one at a time did), then every brief (side by side); the briefs and the story ids
are stored in one transaction per batch (`Store.finish_briefs`). So what a new article adds to
earlier coverage, and the story threads built on story ids, come out as when each article was
briefed as it was stored.

One work stage runs at a time across every process on a database: it holds the `brief` lease
(bot.store.leases) while it drains the queue, renewing it, so no version is briefed twice and
stories are matched in one order; a process killed mid-batch stops renewing, and after
lease_seconds another process takes over (what the killed one had not stored is still queued).
A version briefed already keeps its brief (`store_briefs`), should a lease ever be overtaken.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Final, NamedTuple
from urllib.parse import urlsplit

from bot.brief.build import ArticleText, BriefContext
from bot.brief.stories import StoryFeatures
from bot.models import Brief, StoryArticle
from bot.store import PendingBrief
from bot.store.leases import process_name
from bot.workers import WorkerError

if TYPE_CHECKING:
    from bot.service.polling import Engine

log = logging.getLogger(__name__)

BRIEF_LEASE: Final = "brief"  # one lease row (key 0): the one work stage running
BRIEF_BATCH: Final = 64  # versions per batch: one transaction each, a few seconds of CPU at most
MAX_BRIEF_ATTEMPTS: Final = 3  # a version whose brief failed this often is left without one
STORY_COMPARE_MAX: Final = 8  # earlier articles a new one is compared with for "what it adds"


def site_of(url: str | None) -> str | None:
    try:
        host = urlsplit(url or "").hostname
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None


class WorkStage:
    """The engine's work stage. `drain()` briefs what is queued; `wake()` says more was queued."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.holder = process_name("briefs")
        self._running = asyncio.Lock()  # one drain at a time in this process
        self._queued = asyncio.Event()  # set when the poll stage queued versions
        self._indexed: set[int] = set()  # new articles this engine put in its story index

    def wake(self) -> None:
        self._queued.set()

    async def wait_for_work(self, timeout_s: float) -> None:
        """Until versions are queued (by this process), or `timeout_s` (others' are found then)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._queued.wait(), timeout_s)

    async def drain(self, *, until_version_id: int | None = None) -> list[Brief]:
        """Brief the queued versions (with `until_version_id`, those up to it), batch by batch,
        until none is left; the briefs stored, oldest first. Another process's work stage
        holding the lease means it briefs them: this one returns at once.

        Two batches overlap: while the workers brief one, this process matches the next one's
        stories (those of the one before are in the index already); each is stored in turn."""
        async with self._running:
            self._queued.clear()
            store = self.engine.store
            ttl = timedelta(seconds=self.engine.settings.lease_seconds)
            lease = await store.claim_key(BRIEF_LEASE, 0, self.holder, now=self.engine.clock(), ttl=ttl)
            if lease is None:
                return []
            renewer = asyncio.create_task(self._renew(ttl))
            done: list[Brief] = []
            failed: set[int] = set()  # tried by this drain: left for the next one
            in_flight: set[int] = set()  # matched, being briefed: not taken again
            briefing: asyncio.Task[tuple[list[Brief], dict[int, str]]] | None = None
            try:
                while not renewer.done():
                    batch = await store.pending_briefs(skip=failed | in_flight, limit=BRIEF_BATCH)
                    if until_version_id is not None:
                        batch = [p for p in batch if p.version.id <= until_version_id]
                    if not batch and briefing is None:
                        break
                    matched = await self._match(batch) if batch else None
                    if briefing is not None:  # stored before the next one: in storing order
                        briefs, not_made = await briefing
                        briefing = None
                        done += briefs
                        failed |= not_made.keys()
                        in_flight.clear()
                    if matched is not None:
                        briefing = asyncio.create_task(self._brief_and_store(matched))
                        in_flight |= {p.version.id for p in batch}
                if briefing is not None:
                    briefs, not_made = await briefing
                    briefing = None
                    done += briefs
            finally:
                if briefing is not None:
                    briefing.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await briefing
                renewer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await renewer
                await store.finish_lease(
                    lease, self.holder, next_due_at=self.engine.clock(), at=self.engine.clock()
                )
            return done

    async def brief_now(self, version_id: int) -> Brief | None:
        """Brief one queued version at once, ahead of the queue (a user asked for it), matched
        against the articles briefed so far; None when it is not queued (briefed already) or
        waits for an older version of its article. WorkerError when its brief cannot be made
        (it stays queued for the work stage to try again)."""
        found = await self.engine.store.pending_briefs(only=[version_id], limit=1)
        if not found:
            return None
        briefs, failed = await self._brief_and_store(await self._match(found))
        if version_id in failed:  # said as the brief's own failure was said before the two stages
            raise WorkerError(failed[version_id])
        return briefs[0] if briefs else None

    async def _renew(self, ttl: timedelta) -> None:
        """Keep the lease while the drain runs; ends (and so stops the drain after its batch)
        when the lease was lost."""
        while True:
            await asyncio.sleep(ttl.total_seconds() / 3)
            until = self.engine.clock() + ttl
            if not await self.engine.store.extend_leases(BRIEF_LEASE, self.holder, [0], until=until):
                log.warning("the brief lease was taken over: this work stage stops after its batch")
                return

    async def _match(self, batch: Sequence[PendingBrief]) -> Matched:
        """The batch's story features (in the workers, side by side), then in storing order each
        new article's story, each joining the index for the ones after it."""
        engine = self.engine
        work = engine.work
        now = engine.clock()
        new = [p for p in batch if p.version.number == 1]
        features_of: dict[int, StoryFeatures | BaseException] = dict(
            zip(
                (p.version.id for p in new),
                await asyncio.gather(
                    *(work.story_features(_text_of(p)) for p in new), return_exceptions=True
                ),
                strict=True,
            )
        )
        failed: dict[int, str] = {}
        stories: dict[int, int] = {}
        contexts: dict[int, BriefContext] = {}
        for pending in batch:  # in storing order: a new article is matched with those before it
            version, article = pending.version, pending.article
            context = _context_of(pending)
            if version.number == 1:
                features = features_of[version.id]
                if isinstance(features, BaseException):
                    failed[version.id] = _reason(features)
                    continue
                origin = article.origin_source_id
                story = await engine.stories.same_story(
                    features, origin, now, limit=STORY_COMPARE_MAX, exclude=article.id
                )
                story_id = article.story_id
                if story and story[0].story_id is not None:
                    story_id = story[0].story_id
                if story:
                    context = replace(context, story=story)
                if story_id != article.story_id:
                    stories[article.id] = story_id
                if article.id not in self._indexed:
                    self._indexed.add(article.id)
                    engine.stories.add(
                        StoryArticle(
                            article.id,
                            article.canonical_url,
                            version.title or article.title,
                            version.text,
                            version.seen_at,
                            story_id,
                        ),
                        origin,
                        features,
                    )
            contexts[version.id] = context
        return Matched(batch, contexts, stories, failed)

    async def _brief_and_store(self, matched: Matched) -> tuple[list[Brief], dict[int, str]]:
        """The batch's briefs (in the workers, side by side), stored with its story ids in one
        transaction; the briefs stored, and the versions whose brief failed."""
        engine = self.engine
        batch, contexts, stories, failed = matched
        briefed = [p for p in batch if p.version.id in contexts]
        made = await asyncio.gather(
            *(engine.work.brief(_text_of(p), contexts[p.version.id]) for p in briefed),
            return_exceptions=True,
        )
        done: list[tuple[int, Brief]] = []
        for pending, brief in zip(briefed, made, strict=True):
            if isinstance(brief, BaseException):
                failed[pending.version.id] = _reason(brief)
            else:
                done.append((pending.version.id, brief))
        stored, given_up = await engine.store.finish_briefs(
            done, stories=stories, failed=failed, max_attempts=MAX_BRIEF_ATTEMPTS
        )
        for version_id in given_up:
            log.warning("version %s is left without a brief: %s", version_id, failed[version_id])
        for version_id, reason in failed.items():
            if version_id not in given_up:
                log.info("the brief of version %s failed (%s): tried again later", version_id, reason)
        return [stored[v] for v, _ in done if v in stored], failed


class Matched(NamedTuple):
    """A batch with its stories matched, ready for briefing."""

    batch: Sequence[PendingBrief]
    contexts: dict[int, BriefContext]  # by version id; a version without one failed already
    stories: dict[int, int]  # article id -> the story it joins
    failed: dict[int, str]  # version id -> why its brief could not be made


def _text_of(pending: PendingBrief) -> ArticleText:
    return ArticleText(pending.version.text, pending.version.title)


def _context_of(pending: PendingBrief) -> BriefContext:
    """What the version's brief is made with, before its story is known."""
    article = pending.article
    fetched = article.origin_source_id is None
    context = BriefContext(
        url=article.canonical_url,
        # A fetched page is shared, so it is labelled by its site, never by whichever source
        # (or server) happened to link to it first.
        source=site_of(article.canonical_url) if fetched else pending.source_name,
        published=article.published,
        updated=article.updated,
    )
    if pending.previous is not None:
        seen = pending.previous_brief  # what readers saw of the last version is not made again
        context = replace(
            context,
            previous=ArticleText(pending.previous.text, pending.previous.title),
            previous_headline=seen.headline if seen else None,
            previous_quotes=seen.quotes if seen else None,
        )
    return context


def _reason(exc: BaseException) -> str:
    if isinstance(exc, WorkerError):
        return exc.reason
    if isinstance(exc, Exception):
        log.error("briefing failed", exc_info=exc)
        return "internal error while briefing (see the bot's log)"
    raise exc  # a cancellation or an exit is not a failed brief
