"""The digest stage: the briefs new since a point in time, grouped by story, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from bot.models import Brief, Digest, DigestItem
from bot.store import ArticleRecord

_EPOCH = datetime.min.replace(tzinfo=UTC)


def brief_time(brief: Brief, article: ArticleRecord | None = None) -> datetime:
    """The time a reader would put on the brief: last update, else publication, else first seen."""
    return brief.updated or brief.published or (article.first_seen_at if article else None) or _EPOCH


def build_digest(
    rows: Sequence[tuple[ArticleRecord, Brief]], *, max_items: int, now: datetime | None = None
) -> Digest:
    """Group briefs by story. `rows` come newest version first; only an article's newest counts."""
    latest: dict[int, tuple[ArticleRecord, Brief]] = {}
    for article, brief in rows:
        latest.setdefault(article.id, (article, brief))
    stories: dict[int, list[tuple[ArticleRecord, Brief]]] = {}
    for article, brief in latest.values():
        stories.setdefault(article.story_id, []).append((article, brief))
    for items in stories.values():
        items.sort(key=lambda row: brief_time(row[1], row[0]), reverse=True)
    ordered = sorted(stories.items(), key=lambda kv: brief_time(kv[1][0][1], kv[1][0][0]), reverse=True)

    grouped: list[tuple[DigestItem, ...]] = []
    shown = 0
    for story_id, items in ordered:
        room = max_items - shown
        if room <= 0:
            break
        group = tuple(DigestItem(brief, story_id) for _, brief in items[:room])
        grouped.append(group)
        shown += len(group)
    total = len(latest)
    return Digest(stories=tuple(grouped), more=total - shown, generated_at=now, items_total=total)
