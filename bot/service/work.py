"""The engine's CPU-heavy work, in worker processes (bot.workers): one pool, four kinds of job.

- reading a feed (parse, entries' HTML to text), within feed_parse_timeout_seconds: on overrun
  the source fails and backs off like any failing source;
- extracting a page (trafilatura/lxml), within work_timeout_seconds: the page fails (a teaser
  waits in the retry queue);
- briefing an article, and its story features (for same-story matching), within
  work_timeout_seconds: the article fails, with that line.

Same-story matching is split: the expensive part, an article's features (tokenizing, folding and
shingling its whole text), is computed in a worker; the index of recent articles stays in the
engine's process, where it is updated as articles are stored, and scoring a new article's
features against it is set arithmetic on the few candidates that share a name or a number with it
(StoryIndex). Moving the index into a worker would mean keeping one copy per worker in step, or
sending it along with every job. What crosses the process boundary is plain dataclasses.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Final

from bot.brief.build import ArticleText, BriefContext, build_brief
from bot.brief.stories import StoryFeatures, story_features, story_features_of
from bot.brief.summarize import summarize
from bot.config import Settings
from bot.ingest.extract import text_fingerprint
from bot.ingest.feeds import FeedError
from bot.ingest.sources import (
    FeedRead,
    SourceError,
    SourceRead,
    article_from_body,
    read_feed_body,
    read_local,
)
from bot.models import Brief, ExtractedArticle
from bot.workers import JobTimeout, WorkerPool

# A worker that read more than this (a feed body, a page, an article's text) is retired afterwards:
# its heap stays grown.
RETIRE_AFTER_BYTES: Final = 1024 * 1024
# A text shorter than this is fingerprinted right here (a few ms at most): a round trip costs more.
INLINE_FINGERPRINT_MAX_CHARS: Final = 32 * 1024
FEATURES_BATCH: Final = 250  # articles per job when indexing recent articles: each job stays short
# The modules every worker starts with (imported once, in the fork server).
PRELOAD: Final = ("bot.service.work",)


class ParseTimeout(SourceError):
    """A feed that took longer than its budget to read; its worker was stopped."""


def _brief_job(article: ArticleText, context: BriefContext, sentences: int) -> Brief:
    return build_brief(article, context, sentences=sentences)


def _summary_job(text: str, sentences: int, title: str | None) -> tuple[str, ...]:
    return tuple(summarize(text, sentences, title=title))


def _extract_job(body: bytes, url: str, content_type: str | None) -> ExtractedArticle:
    return article_from_body(body, url=url, content_type=content_type)


class CpuWork:
    """The engine's jobs in one pool of `worker_processes` processes (default: one per core)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.pool = WorkerPool(processes=settings.worker_processes, preload=PRELOAD)

    def close(self) -> None:
        self.pool.close()

    async def read_feed(self, body: bytes, url: str | None, content_type: str | None) -> FeedRead:
        """A feed body read (bot.ingest.sources.read_feed_body) within feed_parse_timeout_seconds;
        SourceError with the reason when it is no feed (ParseTimeout when it took too long)."""
        budget = self.settings.feed_parse_timeout_seconds
        try:
            return await self.pool.run(
                read_feed_body,
                body,
                url,
                content_type,
                self.settings.feed_max_entries,
                budget_s=budget,
                what="reading the feed",
                retire=len(body) > RETIRE_AFTER_BYTES,
            )
        except JobTimeout as exc:
            raise ParseTimeout(
                f"reading the feed took longer than {budget:g} s (it is very large, or built to be "
                "slow to read): stopped; it is tried again after the usual wait"
            ) from exc
        except FeedError as exc:
            raise SourceError(exc.reason, retryable=False) from exc

    async def extract(self, body: bytes, url: str, content_type: str | None) -> ExtractedArticle:
        """A page's text and metadata (bot.ingest.sources.article_from_body), or SourceError."""
        budget = self.settings.work_timeout_seconds
        try:
            return await self.pool.run(
                _extract_job,
                body,
                url,
                content_type,
                budget_s=budget,
                what="extracting the page's text",
                retire=len(body) > RETIRE_AFTER_BYTES,
            )
        except JobTimeout as exc:
            raise SourceError(
                f"extracting the page's text took longer than {budget:g} s: stopped; it is tried again later"
            ) from exc

    async def read_local(self, location: str) -> SourceRead:
        """A local file or folder read (bot.ingest.sources.read_local), within the source's poll time."""
        return await self.pool.run(
            read_local, location, budget_s=self.settings.source_poll_timeout_seconds, what="reading the files"
        )

    async def brief(self, article: ArticleText, context: BriefContext) -> Brief:
        """The article's brief (bot.brief.build.build_brief); WorkerError when it cannot be made."""
        size = len(article.text) + len(context.previous.text if context.previous else "")
        return await self.pool.run(
            _brief_job,
            article,
            context,
            self.settings.summary_sentences,
            budget_s=self.settings.work_timeout_seconds,
            what="briefing the article",
            retire=size > RETIRE_AFTER_BYTES,
        )

    async def fingerprint(self, text: str) -> str:
        """bot.ingest.extract.text_fingerprint: in a worker for a long text (half a second for a
        4 MB one), right here for a short one."""
        if len(text) <= INLINE_FINGERPRINT_MAX_CHARS:
            return text_fingerprint(text)
        return await self.pool.run(
            text_fingerprint,
            text,
            budget_s=self.settings.work_timeout_seconds,
            what="fingerprinting the article's text",
            retire=len(text) > RETIRE_AFTER_BYTES,
        )

    async def summary(self, text: str, sentences: int, *, title: str | None) -> tuple[str, ...]:
        """An article's summary of `sentences` sentences (bot.brief.summarize.summarize)."""
        return await self.pool.run(
            _summary_job,
            text,
            sentences,
            title,
            budget_s=self.settings.work_timeout_seconds,
            what="summarizing the article",
            retire=len(text) > RETIRE_AFTER_BYTES,
        )

    async def story_features(self, article: ArticleText) -> StoryFeatures:
        return await self.pool.run(
            story_features,
            article.title,
            article.text,
            budget_s=self.settings.work_timeout_seconds,
            what="comparing the article with earlier ones",
            retire=len(article.text) > RETIRE_AFTER_BYTES,
        )

    async def many_story_features(self, articles: Sequence[tuple[str | None, str]]) -> list[StoryFeatures]:
        """Features of many articles, in batches of FEATURES_BATCH (the batches run side by side)."""
        batches = [articles[i : i + FEATURES_BATCH] for i in range(0, len(articles), FEATURES_BATCH)]
        done = await asyncio.gather(
            *(
                self.pool.run(
                    story_features_of,
                    list(batch),
                    budget_s=self.settings.work_timeout_seconds,
                    what="indexing recent articles for same-story matching",
                )
                for batch in batches
            )
        )
        return [features for batch in done for features in batch]
