"""The engine: polls sources, stores what is new or changed, and briefs every new version.

It ties the stages together: the poll stage here (sources -> extract -> store, searchable at
once, see bot.service.feed_batch) and the work stage after it (store -> brief -> store, see
bot.service.briefing, `Engine.briefing`). It owns the schedule
rules: backoff after failures, pausing after too many, and re-checking article pages for edits
(recent articles more often than old ones). It knows nothing about Discord.

It also decides each article's origin (see bot.store): text a feed's entry carries is that
source's claim; text the bot fetched from a URL itself is the URL's, shared. A teaser page is
known by the link the bot fetched, never by the rel=canonical the page claims, so a page cannot
pass itself off as another URL's article. Same-story matching draws on what every reader of the
new brief may see (see bot.service.story_matching), so one guild's brief never compares with, or
names, an article another guild's source supplied.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import re
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from bot.brief.build import ArticleText, BriefContext
from bot.brief.serialize import BRIEF_JSON
from bot.config import ConfigError, Settings
from bot.ingest.extract import word_count
from bot.ingest.feeds import discover_feeds, sniff
from bot.ingest.fetch import Fetcher, FetchSettings
from bot.ingest.sources import (
    FeedRead,
    ItemFailure,
    SourceError,
    SourceRead,
    Validators,
    canonical,
    fetch_or_fail,
    fetch_page,
    page_reader,
    read_feed_url,
    read_page_url,
    refuse_credentials,
    url_candidate,
)
from bot.ingest.urls import CREDENTIALS_REFUSED, has_credentials, redact_credentials
from bot.models import (
    Brief,
    Candidate,
    Digest,
    FeedEntry,
    FetchResult,
    SourceKind,
    SourceSpec,
    utc_now,
)
from bot.service.briefing import WorkStage
from bot.service.digests import build_digest
from bot.service.poll_budget import (
    PollBudget,
    TeaserLimits,
    due_entries,
    poll_time_of,
    queue_leftovers,
    run_teasers,
)
from bot.service.poll_budget import backoff_delay as backoff_delay
from bot.service.story_matching import StoryMatcher
from bot.service.work import CpuWork
from bot.store import ArticleRecord, SourceRecord, Store
from bot.store.retries import entry_key

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
MIN_ARTICLE_WORDS = 120  # less text than this on a page is a home or index page, not an article
# Shorter than this, an entry's text is a teaser many entries may share, so never its identity.
TEXT_IDENTITY_MIN_CHARS = 200
SOURCES_POLLED_AT_ONCE = 256  # a slow source holds one place for at most its poll time
REQUESTED_LOCATION = "newsbrief:requested"  # the one source of articles fetched on request
BRIEF_BEING_WRITTEN = "the brief of that article is being written: try again in a moment"
_UNDATED = datetime.max.replace(tzinfo=UTC)  # undated articles sort after dated ones
_WORD = re.compile(r"\S+")


class Outcome(enum.StrEnum):
    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclass(slots=True)
class SourceReport:
    """What one poll did with one source: counts, and the reasons for what failed."""

    source_id: int
    name: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    error: str | None = None  # the whole source failed
    skipped: str | None = None  # not polled: paused, or waiting out a backoff
    not_modified: bool = False  # 304, or the same bytes as last time: nothing was parsed
    failures: list[ItemFailure] = field(default_factory=list)
    skipped_entries: list[ItemFailure] = field(default_factory=list)  # no article in them, with why
    queued: int = 0  # entries whose page failed, waiting in the retry queue after this poll
    given_up: int = 0  # entries this poll gave up on (kept in the queue with their reason)
    beyond_cap: int = 0  # entries the feed listed beyond feed_max_entries: counted, not read
    deferred: int = 0  # of `queued`: teasers this poll had no page budget or time left for
    timed_out: bool = False  # the poll reached source_poll_timeout_seconds and stopped waiting
    versions: list[int] = field(default_factory=list)  # ids of the new versions stored, oldest first
    briefs: list[Brief] = field(default_factory=list)  # their briefs, when the poll waited for them

    def count(self, outcome: Outcome) -> None:
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)


@dataclass(frozen=True, slots=True)
class PollReport:
    sources: tuple[SourceReport, ...]

    @property
    def briefs(self) -> list[Brief]:
        return [b for s in self.sources for b in s.briefs]


class Stored(NamedTuple):
    """What storing one article did: the outcome, the article, and the new version's brief."""

    outcome: Outcome
    article_id: int
    brief: Brief | None


@dataclass(frozen=True, slots=True)
class SourcePreview:
    kind: SourceKind
    title: str | None
    briefs: tuple[Brief, ...]
    location: str  # what to follow: the URL given, or the feed a home page declares
    fetched: FetchResult  # the response from `location`, for a first poll to use rather than refetch


def next_page_check(first_seen: datetime, published: datetime | None, now: datetime) -> datetime | None:
    """When to look at an article page again: often while the story is fresh, rarely later.

    Edits cluster in the first hours after publication, so recent articles are re-fetched
    every half hour and old ones every few days; after two months we stop watching.
    """
    age = now - min(first_seen, published or first_seen)
    for limit, every in (
        (timedelta(days=1), timedelta(minutes=30)),
        (timedelta(days=3), timedelta(hours=2)),
        (timedelta(days=14), timedelta(hours=12)),
        (timedelta(days=60), timedelta(days=3)),
    ):
        if age < limit:
            return now + every
    return None


class Engine:
    def __init__(self, settings: Settings, store: Store, fetcher: Fetcher, *, clock: Clock = utc_now) -> None:
        self.settings = settings
        self.store = store
        self.fetcher = fetcher
        self.clock = clock
        # CPU-heavy work (feeds, pages, briefs, story features) runs in worker processes, each job
        # within its budget (started on first use), so the event loop keeps its turns.
        self.work = CpuWork(settings)
        # Recent articles for same-story matching, one index per origin (None: fetched), built on use.
        self.stories = StoryMatcher(store, self.work, window=timedelta(hours=settings.story_window_hours))
        # One poll of a source at a time (two would race to store the same articles); polls of
        # different sources never wait for each other.
        self._source_locks: dict[int, asyncio.Lock] = {}
        # The work stage: briefs and story matching of what the polls stored (bot.service.briefing).
        self.briefing = WorkStage(self)

    @classmethod
    @asynccontextmanager
    async def open(cls, settings: Settings, *, clock: Clock = utc_now) -> AsyncIterator[Engine]:
        store = await Store.open(settings.resolved_database_url, codec=BRIEF_JSON)
        try:
            async with Fetcher(fetch_settings(settings)) as fetcher:
                engine = cls(settings, store, fetcher, clock=clock)
                try:
                    yield engine
                finally:
                    engine.work.close()
        finally:
            await store.close()

    # ---- sources ---------------------------------------------------------------------

    async def sync_sources(self, specs: list[SourceSpec]) -> list[SourceRecord]:
        """Bring the stored sources in line with the config file (see `Store.sync_config_sources`).

        A URL with a password in it is refused (ConfigError, which names the source, not the URL),
        as `/source add` refuses it: it would be stored, logged and listed as it is.
        """
        for spec in specs:
            if has_credentials(spec.location):
                label = redact_credentials(spec.name if spec.name != spec.location else spec.location)
                raise ConfigError(f"source '{label}' in the sources file: {CREDENTIALS_REFUSED}")
        return await self.store.sync_config_sources(specs)

    # ---- polling ---------------------------------------------------------------------

    async def poll(
        self,
        *,
        force: bool = False,
        on_source_done: Callable[[SourceReport], None] | None = None,
        brief: bool = True,
    ) -> PollReport:
        """Poll every source once (the poll stage), re-check the article pages that are due, and
        with `brief` brief everything stored and not briefed yet (the work stage), crash
        leftovers included. `force` ignores backoff waits (not pauses)."""
        sources = [s for s in await self.store.active_sources() if s.kind is not SourceKind.REQUESTED]

        unchanged: list[int] = []
        budget = PollBudget(
            self.settings.teaser_fetches_per_poll,
            queued_sources=await self.store.sources_with_queued_entries(),
        )

        # Side by side, but not all at once: 20,000 feeds polled at once asked the store for 20,000
        # connections at once (the pool timed out) and held 450 MB. A fixed set of tasks takes the
        # sources in turn: a task per source waiting on a semaphore kept 20,000 coroutines alive,
        # which the garbage collector walked again and again (a third of a warm poll's CPU).
        reports: list[SourceReport | None] = [None] * len(sources)
        turns = iter(range(len(sources)))

        async def polls_in_turn() -> None:
            for index in turns:
                report = await self.poll_source(
                    sources[index], force=force, unchanged=unchanged, budget=budget, brief=False
                )
                reports[index] = report
                if on_source_done:
                    on_source_done(report)

        await asyncio.gather(*(polls_in_turn() for _ in range(min(SOURCES_POLLED_AT_ONCE, len(sources)))))
        await self.store.record_fetch_unchanged(unchanged, at=self.clock())
        await self.check_pages()
        polled = tuple(report for report in reports if report is not None)
        if brief:
            await self.brief_stored(polled)
        return PollReport(polled)

    async def brief_stored(self, reports: Sequence[SourceReport] = ()) -> list[Brief]:
        """Run the work stage until every stored version is briefed (unless another process's
        work stage is at it); each report gets the briefs of its new versions."""
        try:
            briefs = await self.briefing.drain()
        except Exception:  # not the sources' fault: what is left stays queued for the next run
            log.exception("briefing the stored articles failed")
            return []
        by_version = {brief.version_id: brief for brief in briefs}
        for report in reports:
            report.briefs.extend(by_version[v] for v in report.versions if v in by_version)
        return briefs

    async def poll_source(
        self,
        source: SourceRecord,
        *,
        force: bool = False,
        unchanged: list[int] | None = None,
        fetched: FetchResult | None = None,
        budget: PollBudget | None = None,
        brief: bool = True,
    ) -> SourceReport:
        """Poll one source, and with `brief` wait for the work stage to brief what it stored
        (the report's `briefs`); without, the new versions are searchable, their briefs to come.
        With `unchanged`, a source that has nothing new is added to it for the
        caller to record in one batch, rather than recorded here. `fetched` is a response from the
        source's URL got moments ago (by `preview_source`), read instead of fetching again.
        `budget`: the teaser pages the whole poll may still fetch (default: this source's own).
        It waits on the network for at most source_poll_timeout_seconds; teasers it had no time or
        page budget for wait in the retry queue for the next poll."""
        async with self._source_locks.setdefault(source.id, asyncio.Lock()):
            budget = budget or PollBudget(self.settings.teaser_fetches_per_poll)
            report = await self._poll_source(source, force, unchanged, fetched, budget)
        if brief:
            await self.brief_stored([report])
        return report

    async def _poll_source(
        self,
        source: SourceRecord,
        force: bool,
        unchanged: list[int] | None,
        fetched: FetchResult | None,
        budget: PollBudget,
    ) -> SourceReport:
        report = SourceReport(source.id, source.name)
        deadline = asyncio.get_running_loop().time() + self.settings.source_poll_timeout_seconds
        now = self.clock()
        if source.paused:
            report.skipped = f"paused: {source.pause_reason or 'by a moderator'}"
            return report
        if not force and source.next_attempt_at and source.next_attempt_at > now:
            report.skipped = f"waiting until {source.next_attempt_at:%H:%M} UTC after: {source.last_error}"
            return report
        try:
            async with asyncio.timeout_at(deadline):
                read = await self._read(source, fetched)
        except (SourceError, TimeoutError) as exc:
            report.timed_out = isinstance(exc, TimeoutError)
            poll_time = f"did not answer within its poll time ({poll_time_of(self.settings)}): will retry"
            report.error = exc.reason if isinstance(exc, SourceError) else poll_time
            await self._record_failure(source, report.error, now)
            return report
        except Exception:  # a bug must not stop the other sources; it is logged with its trace
            log.exception("reading source %s failed", source.location)
            report.error = "internal error while reading the source (see the bot's log)"
            await self._record_failure(source, report.error, now)
            return report
        report.not_modified = read.not_modified
        report.failures.extend(read.failures)
        report.failed += len(read.failures)
        report.skipped_entries.extend(read.skipped)
        report.beyond_cap = read.beyond_cap
        if read.beyond_cap:
            log.info("source %r lists %d entries beyond the cap: not read", source.name, read.beyond_cap)
        # A 304 (or the same bytes) with no retry queue has nothing to store: most of a warm poll.
        nothing_to_store = read.not_modified and not read.candidates and not read.pending
        try:
            if not (nothing_to_store and not budget.may_have_queue(source.id)):
                # Also retries the source's queued entries that are due, even when the feed answered 304.
                await self._store_read(source, read, report, budget=budget, deadline=deadline)
        except Exception:
            # Not the source's fault, so it does not count against it. Its validators are not
            # recorded either: the next poll reads the source again and stores what is missing.
            log.exception("storing articles of %s failed", source.location)
            report.error = "could not store its articles (see the bot's log); will retry"
            return report
        # Nothing new and nothing to remember: the caller records it with the others, in one go.
        same_validators = read.validators == _last_validators(source)
        if read.not_modified and same_validators and not read.failures and unchanged is not None:
            unchanged.append(source.id)
            return report
        # Everything read is stored (a brief that fails is the work stage's to try again), so
        # what the source sent is remembered.
        validators = read.validators or Validators(None, None, None)
        await self.store.record_fetch_success(
            source.id,
            at=now,
            etag=validators.etag,
            last_modified=validators.last_modified,
            body_hash=validators.body_hash,
            next_attempt_at=None,
        )
        return report

    async def parse_feed(self, body: bytes, url: str | None, content_type: str | None) -> FeedRead:
        """A feed body read in a worker process within feed_parse_timeout_seconds, cut to its
        newest feed_max_entries entries; SourceError with the reason when it is no feed."""
        return await self.work.read_feed(body, url, content_type)

    async def _read(self, source: SourceRecord, fetched: FetchResult | None) -> SourceRead:
        if source.kind is SourceKind.FEED:
            return await read_feed_url(
                self.fetcher, source.location, _last_validators(source), fetched, parse=self.parse_feed
            )
        if source.kind is SourceKind.PAGE:
            return await read_page_url(
                self.fetcher, source.location, _last_validators(source), fetched, extract=self.work.extract
            )
        # Local files have no validators: read them every time.
        return await self.work.read_local(source.location)

    async def _record_failure(self, source: SourceRecord, reason: str, now: datetime) -> None:
        delay = backoff_delay(
            source.consecutive_failures + 1,
            base=self.settings.backoff_base_seconds,
            cap=self.settings.backoff_max_seconds,
        )
        updated = await self.store.record_fetch_failure(
            source.id,
            at=now,
            error=reason,
            next_attempt_at=now + delay,
            pause_after=self.settings.pause_after_failures,
        )
        if updated.paused and not source.paused:
            log.warning("source %r paused: %s", source.name, updated.pause_reason)

    async def _store_read(
        self,
        source: SourceRecord,
        read: SourceRead,
        report: SourceReport,
        *,
        budget: PollBudget,
        deadline: float,
    ) -> None:
        reader = page_reader(
            self.fetcher, allow_local=source.kind is SourceKind.LOCAL, extract=self.work.extract
        )
        now = self.clock()
        settings = self.settings
        queue = await self.store.queued_entries(source.id) if budget.may_have_queue(source.id) else {}
        pending, report.queued = due_entries(
            () if read.not_modified else read.pending, read.pending, queue, now
        )
        done: list[str] = []  # keys of queued entries whose article is stored (or found stored)

        async def handled(entry: FeedEntry) -> bool:
            """Whether the entry needs no fetch: its link carries a password, or it is stored."""
            if has_credentials(entry.url):
                report.failures.append(
                    ItemFailure("an entry", "its link has a user name or password: not read")
                )
                report.count(Outcome.FAILED)
                return True
            known = await self.store.find_article(
                source_id=source.id,
                canonical_url=canonical(entry.url),
                guid=entry.guid,
                text_hash=None,
                fetched=None,
            )
            if known is None:
                return False
            # Its page is already stored and watched for edits on its own schedule.
            await self.store.touch_article(
                known.id,
                seen_at=self.clock(),
                guid=entry.guid,
                next_check_at=known.next_check_at,
                source_id=source.id,
            )
            report.count(Outcome.UNCHANGED)
            _note_done(entry)
            return True

        async def fetch(entry: FeedEntry) -> Candidate:
            candidate = await reader(entry)
            if not candidate.text.strip():
                raise SourceError("no article text found on the page")
            return candidate

        def _note_done(entry: FeedEntry) -> None:
            key = entry_key(entry)
            if key is not None and key in queue:
                done.append(key)

        run = await run_teasers(
            pending,
            handled=handled,
            fetch=fetch,
            limits=TeaserLimits(
                settings.teaser_fetch_concurrency, settings.teaser_fetches_per_source, deadline
            ),
            budget=budget,
        )
        left = await queue_leftovers(self.store, source, run, settings, at=now)
        report.failures.extend(left.failures)
        report.failed += len(left.failures)
        report.queued += left.queued
        report.given_up += left.given_up
        report.deferred += left.deferred
        report.timed_out = run.out_of_time
        resolved: list[tuple[Candidate, bool]] = []
        for entry, candidate in run.fetched:
            _note_done(entry)
            if not _is_web(entry.url):
                resolved.append((candidate, False))  # a local source's file: the source's own
            else:
                # Known by the URL the bot fetched: the page's own claim to be another URL is not trusted.
                resolved.append((replace(candidate, canonical_url=canonical(entry.url)), True))
        # A watched page is fetched by the bot from its own URL; a feed's or a file's text is the source's.
        own = source.kind is SourceKind.PAGE
        candidates = [*((_without_credentials(c), own) for c in read.candidates), *resolved]
        # Oldest first, so a later article on a story is compared with the earlier ones.
        candidates.sort(key=lambda pair: pair[0].published or pair[0].updated or _UNDATED)
        # One look-up and one transaction for all of them (imported here: it uses this module's helpers).
        from bot.service.feed_batch import store_candidates

        await store_candidates(self, source, candidates, report)
        await self.store.drop_queued_entries(source.id, done)

    async def store_article(
        self, source: SourceRecord, candidate: Candidate, *, fetched: bool, brief: bool = False
    ) -> Stored:
        """Store one article as seen now: a new article, a new version, or nothing new (the poll
        stage's batch of one). With `brief`, its new version is briefed before this returns,
        ahead of the queue (someone is waiting for it); otherwise the work stage briefs it later.

        `fetched`: the bot read the text from the candidate's URL itself (shared with every source
        linking there); otherwise `source` supplied it (that source's alone).
        """
        from bot.service.feed_batch import store_candidates  # it uses this module's helpers

        report = SourceReport(source.id, source.name)
        [result] = await store_candidates(self, source, [(candidate, fetched)], report)
        if result is None:
            return Stored(Outcome.FAILED, 0, None)
        outcome = Outcome(result.outcome)
        if outcome is Outcome.UNCHANGED or not brief:
            return Stored(outcome, result.article.id, None)
        return Stored(outcome, result.article.id, await self.briefing.brief_now(result.version.id))

    # ---- watching pages for edits ----------------------------------------------------

    async def check_pages(self) -> list[tuple[ArticleRecord, Outcome]]:
        """Re-fetch article pages that are due, storing a new version when the text changed."""
        now = self.clock()
        results: list[tuple[ArticleRecord, Outcome]] = []
        reader = page_reader(self.fetcher, allow_local=False, extract=self.work.extract)
        deadline = asyncio.get_running_loop().time() + self.settings.source_poll_timeout_seconds
        for article in await self.store.articles_due(now):
            if asyncio.get_running_loop().time() >= deadline:  # like a poll's: the rest stay due
                break
            source = await self.store.get_source(article.source_id)
            if source is None or source.paused or not article.canonical_url:
                continue
            entry = FeedEntry(
                guid=article.guid,
                url=article.canonical_url,
                title=article.title,
                author=article.author,
                published=article.published,
            )
            try:
                candidate = await reader(entry)
            except SourceError as exc:
                log.info("re-checking %s failed: %s", article.canonical_url, exc.reason)
                await self.store.touch_article(
                    article.id,
                    seen_at=article.last_seen_at,
                    guid=None,
                    next_check_at=_watch_schedule(
                        article.canonical_url, article.first_seen_at, article.published, now
                    ),
                )
                results.append((article, Outcome.FAILED))
                continue
            candidate = replace(candidate, canonical_url=article.canonical_url)
            # Into the same article, whatever its origin: a source's article stays that source's.
            fetched = article.origin_source_id is None
            outcome, _, _ = await self.store_article(source, candidate, fetched=fetched)  # briefed later
            results.append((article, outcome))
        return results

    # ---- on request --------------------------------------------------------------------

    async def requested_source(self) -> SourceRecord:
        """The source that articles fetched on a user's request are stored under."""
        spec = SourceSpec(name="Fetched on request", location=REQUESTED_LOCATION, kind=SourceKind.REQUESTED)
        return await self.store.upsert_source(spec)

    async def fetch_article(self, url: str) -> tuple[ArticleRecord, Brief]:
        """Fetch one article page through the guarded fetcher, store it, and return its brief.

        An article already stored is compared with what the page says now, like any re-check.
        Raises SourceError with a reason a user can act on.
        """
        if not url.startswith(("http://", "https://")):
            raise SourceError("only http and https URLs can be fetched", retryable=False)
        refuse_credentials(url)
        source = await self.requested_source()
        candidate = url_candidate(await fetch_page(self.fetcher, url, self.work.extract), url)
        if not candidate.text.strip():
            raise SourceError("no article text found on the page", retryable=False)
        _, article_id, brief = await self.store_article(source, candidate, fetched=True, brief=True)
        article = await self.store.get_article(article_id)
        if brief is None and article is not None:  # seen before, or briefed by another process
            brief = await self.store.latest_brief(article_id)
        if article is None:  # only a concurrent removal gets here
            raise SourceError("the article could not be stored", retryable=True)
        if brief is None:  # another process's work stage has it: its brief comes in a moment
            raise SourceError(BRIEF_BEING_WRITTEN, retryable=True)
        return article, brief

    async def preview_source(self, url: str, *, limit: int = 3) -> SourcePreview:
        """What a source would give now: its kind, title, first briefs and the URL to follow.

        A feed is a feed. A page with article text is a page to watch for edits. A page with no
        article (a home page) that declares a feed is followed through that feed. Stores nothing.
        """
        if not url.startswith(("http://", "https://")):
            raise SourceError("a source must be an http or https URL", retryable=False)
        refuse_credentials(url)
        result = await fetch_or_fail(self.fetcher, url)
        body = result.body or b""
        if sniff(body, content_type=result.content_type, filename=result.url) in ("feed", "json_feed"):
            feed = await self.parse_feed(body, result.url, result.content_type)
            briefs = await self._preview_entries(feed, limit)
            return SourcePreview(SourceKind.FEED, feed.title, briefs, url, result)
        try:
            page = await self.work.extract(body, result.url, result.content_type)
        except SourceError:
            page = None
        if page is not None and word_count(page.text) >= MIN_ARTICLE_WORDS:
            brief = await self._preview_brief(url_candidate(page, url))
            return SourcePreview(SourceKind.PAGE, page.title, (brief,), url, result)
        for feed_url in discover_feeds(body, url=result.url):
            if has_credentials(feed_url):
                continue
            try:
                found = await fetch_or_fail(self.fetcher, feed_url)
                feed = await self.parse_feed(found.body or b"", found.url, found.content_type)
            except SourceError as exc:
                log.info("feed %s declared by %s is not usable: %s", feed_url, url, exc.reason)
                continue
            return SourcePreview(
                SourceKind.FEED, feed.title, await self._preview_entries(feed, limit), feed_url, found
            )
        raise SourceError(
            "no article text and no feed on that page: give a feed URL (RSS, Atom or JSON Feed) "
            "or an article's URL",
            retryable=False,
        )

    async def _preview_entries(self, feed: FeedRead, limit: int) -> tuple[Brief, ...]:
        reader = page_reader(self.fetcher, allow_local=False, extract=self.work.extract)
        candidates = list(feed.candidates[:limit])
        for entry in feed.pending[: max(0, limit - len(candidates))]:
            try:
                candidates.append(await reader(entry))
            except SourceError as exc:
                log.info("preview: entry %s failed: %s", entry.url, exc.reason)
        return tuple([await self._preview_brief(c) for c in candidates])

    async def _preview_brief(self, candidate: Candidate) -> Brief:
        context = BriefContext(
            url=candidate.canonical_url, published=candidate.published, updated=candidate.updated
        )
        return await self.work.brief(ArticleText(candidate.text, candidate.title), context)

    # ---- digest ----------------------------------------------------------------------

    async def digest(self, since: datetime | None = None, *, max_items: int | None = None) -> Digest:
        limit = max_items or self.settings.digest_max_items
        rows = await self.store.briefs_since(since, limit=limit * 20)
        return build_digest(rows, max_items=limit, now=self.clock())


def _is_web(url: str | None) -> bool:
    return bool(url) and str(url).startswith(("http://", "https://"))


def _without_credentials(candidate: Candidate) -> Candidate:
    """A feed's entry whose link carries a password is kept without that link: never shown or fetched."""
    if has_credentials(candidate.canonical_url):
        return replace(candidate, canonical_url=None)
    return candidate


def _text_can_identify(candidate: Candidate) -> bool:
    """Whether the text may say which stored article this is: for an entry with nothing else to
    go by, always; otherwise only a text long enough to tell entries apart (not a teaser such as
    "Introduction", which many entries share)."""
    has_own_key = bool(candidate.guid) or (bool(candidate.canonical_url) and candidate.url_is_identity)
    if not has_own_key:
        return True
    # Its length with runs of whitespace as one space, counted only as far as needed: a text of
    # megabytes is not joined again on the event loop.
    length = -1
    for word in _WORD.finditer(candidate.text):
        length += len(word.group()) + 1
        if length >= TEXT_IDENTITY_MIN_CHARS:
            return True
    return False


def _last_validators(source: SourceRecord) -> Validators:
    return Validators(source.etag, source.last_modified, source.body_hash)


def _watch_schedule(
    url: str | None, first_seen: datetime, published: datetime | None, now: datetime
) -> datetime | None:
    if not url or not url.startswith(("http://", "https://")):
        return None
    return next_page_check(first_seen, published, now)


def fetch_settings(settings: Settings) -> FetchSettings:
    return FetchSettings(
        max_body_bytes=int(settings.fetch_max_body_mb * 1024 * 1024),
        connect_timeout_s=settings.fetch_connect_timeout_seconds,
        total_timeout_s=settings.fetch_timeout_seconds,
        max_redirects=settings.fetch_max_redirects,
        max_connections=settings.fetch_max_connections,
        max_per_host=settings.fetch_max_per_host,
        allow_private=settings.allow_private_addresses,
        allowed_addresses=tuple(settings.allowed_addresses),
    )
