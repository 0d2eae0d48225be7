"""Backfill: which of a subscription's articles its digests post.

A new subscription posts only what is new: an article published after the source was added, or
(with no publication date) first seen through the source after its backlog was read. `latest N`
adds the source's N newest articles from before; `all` posts everything (subscriptions made
before backfill existed, which keep the behaviour they had). Every article is stored and
searchable whatever the setting: this decides digests only.

The backlog of undated articles: for a source already polled when the guild subscribed, what it
had by then; for a new source, what its first poll read (`backlog_until` is set when that poll
ends, and by the next digest run if it never did).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal, or_, select
from sqlalchemy.orm import aliased

from bot.store.schema import article_sources, articles, guild_sources

BACKFILL_LATEST_MAX = 100


class BackfillMode(StrEnum):
    NONE = "none"
    LATEST = "latest"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class Backfill:
    mode: BackfillMode = BackfillMode.NONE
    count: int = 0  # for LATEST: how many of the newest earlier articles

    def describe(self) -> str:
        if self.mode is BackfillMode.LATEST:
            return f"its {self.count} newest earlier article{'' if self.count == 1 else 's'}, then new ones"
        if self.mode is BackfillMode.ALL:
            return "every article it has, then new ones"
        return "new articles only"


_LATEST = re.compile(r"(?:latest|last|newest)?\s*(\d+)")


def parse_backfill(text: str | None) -> Backfill:
    """`none`, `latest N` (or just `N`), `all`; BackfillError with what to type otherwise."""
    words = " ".join((text or "none").casefold().split())
    if words in {"none", "no", "0", ""}:
        return Backfill()
    if words == "all":
        return Backfill(BackfillMode.ALL)
    match = _LATEST.fullmatch(words)
    if match is None:
        raise BackfillError(
            f"Backfill must be `none`, `latest N` (N from 1 to {BACKFILL_LATEST_MAX}) or `all`."
        )
    count = int(match.group(1))
    if count == 0:
        return Backfill()
    if count > BACKFILL_LATEST_MAX:
        raise BackfillError(
            f"Backfill `latest {count}` is too many: at most {BACKFILL_LATEST_MAX}, or `all` for everything."
        )
    return Backfill(BackfillMode.LATEST, count)


class BackfillError(ValueError):
    """A backfill option that is not one of the forms; `reason` says what to type."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _article_time(article: Any, link: Any) -> ColumnElement[Any]:
    return func.coalesce(article.c.published, link.c.first_seen_at)


def postable() -> ColumnElement[bool]:
    """The article (`articles`), linked through `article_sources` to the subscription
    (`guild_sources`), may be posted in that subscription's digests."""
    published_after = and_(
        articles.c.published.is_not(None),
        or_(guild_sources.c.posts_after.is_(None), articles.c.published > guild_sources.c.posts_after),
    )
    seen_after = and_(
        articles.c.published.is_(None),
        guild_sources.c.backlog_until.is_not(None),
        article_sources.c.first_seen_at > guild_sources.c.backlog_until,
    )
    return or_(
        guild_sources.c.backfill == BackfillMode.ALL.value,
        published_after,
        seen_after,
        and_(
            guild_sources.c.backfill == BackfillMode.LATEST.value,
            _newer_in_backlog() < guild_sources.c.backfill_latest,
        ),
    )


def _newer_in_backlog() -> Any:
    """How many of the source's backlog articles are newer than this one (ties: by id)."""
    other_link = aliased(article_sources)
    other = aliased(articles)
    this_time = _article_time(articles, article_sources)
    other_time = _article_time(other, other_link)
    in_backlog = or_(
        guild_sources.c.backlog_until.is_(None), other_link.c.first_seen_at <= guild_sources.c.backlog_until
    )
    return (
        select(func.count(literal(1)))
        .select_from(other_link.join(other, other.c.id == other_link.c.article_id))
        .where(
            other_link.c.source_id == guild_sources.c.source_id,
            in_backlog,
            or_(other_time > this_time, and_(other_time == this_time, other.c.id < articles.c.id)),
        )
        # Correlated to the enclosing statements' articles, link and subscription alike.
        .correlate_except(other_link, other)
        .scalar_subquery()
    )
