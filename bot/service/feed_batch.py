"""The engine's poll storing a source's articles as one batch: one look-up, briefs, one transaction.

What `Engine.store_article` does for one article, done for all the articles of one poll of a
source: the store is asked once which of them are stored already (`Store.find_entries`), each
new or changed one is briefed as before, and all are stored by one `Store.store_new_entries`.
Same-story matching draws on the articles stored before this poll (the engine's index) and, as
one at a time did, on the new articles of this batch ahead of it (oldest first): those are not
stored yet, so they are matched from a small index of this batch (the same origin rules as
`Engine._same_story`), and a new article joining one of their stories is stored as joining it
(`NewEntry.story_of`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.brief.build import ArticleText
from bot.brief.stories import SAME_STORY_THRESHOLD, StoryFeatures, StoryIndex
from bot.ingest.sources import ItemFailure
from bot.models import ArticleDraft, Candidate, StoryArticle
from bot.service.polling import (
    STORY_COMPARE_MAX,
    Outcome,
    _same_title,
    _text_can_identify,
    _watch_schedule,
    brief_context,
)
from bot.store import FoundEntry, NewEntry, SourceRecord
from bot.workers import WorkerError

if TYPE_CHECKING:
    from bot.service.polling import Engine, SourceReport


async def store_candidates(
    engine: Engine, source: SourceRecord, candidates: Sequence[tuple[Candidate, bool]], report: SourceReport
) -> None:
    """Store a poll's (candidate, fetched) pairs of one source, oldest first, counting them in `report`."""
    usable: list[tuple[Candidate, bool]] = []
    for candidate, fetched in candidates:
        if not candidate.text.strip():
            report.failures.append(ItemFailure(candidate.canonical_url or "entry", "no article text"))
            report.count(Outcome.FAILED)
        else:
            usable.append((candidate, fetched))
    if not usable:
        return
    now = engine.clock()
    entries = [
        NewEntry(
            draft=ArticleDraft.of(candidate, source_id=source.id),
            # A long text is fingerprinted in a worker process (bot.service.work), off the loop.
            text_hash=await engine.work.fingerprint(candidate.text),
            fetched=fetched,
            text_identifies=_text_can_identify(candidate),
        )
        for candidate, fetched in usable
    ]
    found = await engine.store.find_entries(entries)
    # This batch's new articles, by origin (None: fetched), as matched by the ones after them.
    batch_stories: dict[int | None, StoryIndex] = {}
    prepared: list[tuple[NewEntry, StoryFeatures | None]] = []
    for position, (entry, (candidate, _), existing) in enumerate(zip(entries, usable, found, strict=True)):
        latest = existing.latest if existing is not None else None
        if (
            latest is not None
            and latest.text_hash == entry.text_hash
            and _same_title(latest.title, candidate.title)
        ):
            prepared.append((entry, None))  # seen again: the store counts it unchanged
            continue
        try:
            prepared.append(
                await _briefed(engine, source, entry, candidate, existing, batch_stories, position)
            )
        except WorkerError as exc:  # its brief could not be made (too slow, or a bug): said in one line
            report.failures.append(ItemFailure(candidate.canonical_url or "entry", exc.reason))
            report.count(Outcome.FAILED)
            report.unbriefed += 1
    stored = await engine.store.store_new_entries([entry for entry, _ in prepared], seen_at=now)
    for (entry, features), result in zip(prepared, stored, strict=True):
        report.count(Outcome(result.outcome))
        if result.brief is not None:
            report.briefs.append(result.brief)
        if result.outcome == "new":
            record = result.article
            engine.stories.add(
                StoryArticle(
                    record.id, record.canonical_url, record.title, entry.draft.text, now, record.story_id
                ),
                record.origin_source_id,
                features,
            )


async def _briefed(
    engine: Engine,
    source: SourceRecord,
    entry: NewEntry,
    candidate: Candidate,
    existing: FoundEntry | None,
    batch_stories: dict[int | None, StoryIndex],
    position: int,
) -> tuple[NewEntry, StoryFeatures | None]:
    """The entry with its brief (and, for a new article, its story and story features), as
    `store_article` makes them: the features and the brief in a worker process."""
    now = engine.clock()
    fetched = entry.fetched
    article = ArticleText(candidate.text, candidate.title)
    context = brief_context(source, candidate, fetched=fetched)
    story_id: int | None = None
    story_of: int | None = None
    features: StoryFeatures | None = None
    latest = existing.latest if existing is not None else None
    if existing is not None and latest is not None:
        seen = existing.latest_brief  # what readers saw of the last version is not made again
        context = replace(
            context,
            url=existing.article.canonical_url or candidate.canonical_url,
            previous=ArticleText(latest.text, latest.title),
            previous_headline=seen.headline if seen else None,
            previous_quotes=seen.quotes if seen else None,
        )
    elif existing is None:
        origin = None if fetched else source.id
        origins = [None] if origin is None else [origin, None]
        features = await engine.work.story_features(article)
        scored = await engine.stories.scored(features, origin, now)
        scored += [
            pair
            for key in origins
            if (batch := batch_stories.get(key)) is not None
            for pair in batch.scored_features(features)
            if pair[0] >= SAME_STORY_THRESHOLD
        ]
        scored.sort(key=lambda pair: pair[0], reverse=True)
        story = [earlier for _, earlier in scored][:STORY_COMPARE_MAX]
        if story:
            context = replace(context, story=story)
            joined = story[0]
            if joined.article_id < 0 and joined.story_id is None:  # a new story of this batch
                story_of = -joined.article_id - 1
            else:
                story_id = joined.story_id
        if candidate.canonical_url:  # the batch's articles are cited by URL: they have no id yet
            # Its story id, when it joins a stored story; None: its own, known once it is stored.
            own_story = story_id
            batch_stories.setdefault(origin, StoryIndex()).add(
                StoryArticle(
                    -position - 1, candidate.canonical_url, candidate.title, candidate.text, now, own_story
                ),
                features,
            )
    brief = await engine.work.brief(article, context)  # in a worker process: the loop keeps its turns
    first_seen = existing.article.first_seen_at if existing is not None else now
    briefed = replace(
        entry,
        brief=brief,
        story_id=story_id,
        story_of=story_of,
        # A link many entries share is not this article's page: nothing there to watch.
        next_check_at=_watch_schedule(candidate.canonical_url, first_seen, candidate.published, now)
        if candidate.url_is_identity
        else None,
    )
    return briefed, features
