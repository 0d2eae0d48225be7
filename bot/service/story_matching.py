"""Same-story matching for the engine: which earlier articles a new one reports the same story as.

The index of recent articles (bot.brief.stories.StoryIndex) lives here, in the engine's process,
one per origin (a source, or None: pages the bot fetched), built on first use and kept up to date
as articles are stored; the articles' features are computed in the worker processes
(bot.service.work), since reading a text is the expensive part and scoring against the few
candidates that share a name or a number with it is not.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Final

from bot.brief.stories import SAME_STORY_THRESHOLD, StoryFeatures, StoryIndex
from bot.models import StoryArticle
from bot.service.work import CpuWork
from bot.store import Store

STORY_INDEX_MAX: Final = 5000  # recent articles kept for same-story matching (bounds its memory)


class StoryMatcher:
    def __init__(self, store: Store, work: CpuWork, *, window: timedelta) -> None:
        self.store = store
        self.work = work
        self.window = window
        self._stories: dict[int | None, StoryIndex] = {}
        self._building: dict[int | None, asyncio.Lock] = {}

    async def same_story(
        self,
        features: StoryFeatures,
        origin: int | None,
        now: datetime,
        *,
        limit: int | None = None,
        exclude: int | None = None,
    ) -> list[StoryArticle]:
        """Earlier articles on the story that a new article of this origin may be compared with,
        best first (the `limit` best; article `exclude`, the new one itself, left out).

        Its brief is seen by whoever sees the article, so it may draw only on what they all can
        see: a source's article on that source's own and on fetched (public) pages; a fetched
        article, seen by any guild that links to it, on fetched pages alone.
        """
        scored = await self.scored(features, origin, now, limit=limit, exclude=exclude)
        return [story for _, story in scored]

    async def scored(
        self,
        features: StoryFeatures,
        origin: int | None,
        now: datetime,
        *,
        limit: int | None = None,
        exclude: int | None = None,
    ) -> list[tuple[float, StoryArticle]]:
        """`same_story` with the scores (at least SAME_STORY_THRESHOLD), for a caller that
        merges them with candidates of its own (a poll's batch not stored yet)."""
        origins = [None] if origin is None else [origin, None]
        # The `limit` best of each index hold the `limit` best of both: equal scores keep the
        # order of the whole list (this origin's first, oldest first), as the stable sort does.
        scored = [
            pair
            for key in origins
            for pair in (await self._index(now, key)).scored_features(
                features, threshold=SAME_STORY_THRESHOLD, limit=limit, exclude=exclude
            )
        ]
        scored.sort(key=lambda pair: pair[0], reverse=True)
        return scored[:limit]

    def add(self, article: StoryArticle, origin: int | None, features: StoryFeatures | None) -> None:
        """A new article just stored: into its origin's index, when that is built already."""
        index = self._stories.get(origin)
        if index is not None:
            index.add(article, features)

    async def _index(self, now: datetime, origin: int | None) -> StoryIndex:
        """Recent articles of one origin, built once and kept up to date as we store.

        Rebuilding it from the store for every new article made a cold poll quadratic.
        """
        window_start = now - self.window
        async with self._building.setdefault(origin, asyncio.Lock()):  # built once, not by every poll
            index = self._stories.get(origin)
            if index is None:
                recent = await self.store.recent_articles(
                    since=window_start, limit=STORY_INDEX_MAX, of_origin=True, origin_source_id=origin
                )
                # An article still waiting for its first brief has no story yet: the work stage
                # adds it when it matches it, so an earlier article is never matched with a later one.
                waiting = await self.store.articles_waiting_for_first_brief()
                recent = [a for a in recent if a.article_id not in waiting]
                # Their features are computed in the workers: thousands of articles' worth of CPU.
                found = await self.work.many_story_features([(a.title, a.text) for a in recent])
                index = StoryIndex(max_size=STORY_INDEX_MAX)
                for article, features in zip(recent, found, strict=True):
                    index.add(article, features)
                self._stories[origin] = index
        index.discard_seen_before(window_start)
        return index
