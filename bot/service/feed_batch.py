"""The poll stage storing a source's articles as one batch: one look-up, one transaction, no briefs.

What the poll saw of one source, stored at once: the store is asked once which of the articles
are stored already (`Store.find_entries`, for when a watched page is next due), and all are
stored by one `Store.store_new_entries`, each new or changed version without a brief: it is
searchable at once, and queued for the work stage (bot.service.briefing), which briefs and
matches stories oldest first. `Engine.store_article` is this for one candidate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.ingest.sources import ItemFailure
from bot.models import ArticleDraft, Candidate
from bot.service.polling import Outcome, _text_can_identify, _watch_schedule
from bot.store import NewEntry, SourceRecord, StoredEntry

if TYPE_CHECKING:
    from bot.service.polling import Engine, SourceReport


async def store_candidates(
    engine: Engine, source: SourceRecord, candidates: Sequence[tuple[Candidate, bool]], report: SourceReport
) -> list[StoredEntry | None]:
    """Store a poll's (candidate, fetched) pairs of one source, oldest first, counting them in
    `report` (the new versions' ids in `report.versions`); per candidate, what was stored (None:
    it had no text)."""
    usable: list[int] = []
    for position, (candidate, _) in enumerate(candidates):
        if not candidate.text.strip():
            report.failures.append(ItemFailure(candidate.canonical_url or "entry", "no article text"))
            report.count(Outcome.FAILED)
        else:
            usable.append(position)
    answer: list[StoredEntry | None] = [None] * len(candidates)
    if not usable:
        return answer
    now = engine.clock()
    entries = [
        NewEntry(
            draft=ArticleDraft.of(candidates[position][0], source_id=source.id),
            # A long text is fingerprinted in a worker process (bot.service.work), off the loop.
            text_hash=await engine.work.fingerprint(candidates[position][0].text),
            fetched=candidates[position][1],
            text_identifies=_text_can_identify(candidates[position][0]),
        )
        for position in usable
    ]
    found = await engine.store.find_entries(entries)
    watched: list[NewEntry] = []
    for entry, position, existing in zip(entries, usable, found, strict=True):
        candidate = candidates[position][0]
        first_seen = existing.article.first_seen_at if existing is not None else now
        # A link many entries share is not this article's page: nothing there to watch.
        next_check = (
            _watch_schedule(candidate.canonical_url, first_seen, candidate.published, now)
            if candidate.url_is_identity
            else None
        )
        watched.append(replace(entry, next_check_at=next_check))
    stored = await engine.store.store_new_entries(watched, seen_at=now)
    for position, result in zip(usable, stored, strict=True):
        answer[position] = result
        report.count(Outcome(result.outcome))
        if result.outcome != "unchanged":
            report.versions.append(result.version.id)
    if report.versions:
        engine.briefing.wake()
    return answer
