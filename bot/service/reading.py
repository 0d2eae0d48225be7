"""What a server's members read: briefs, summaries, quotes, changes and search, for one guild.

The reading cogs call this and render what it returns; it reads the store and knows nothing of
Discord. Every read takes the guild, so a member only ever sees what their server's sources
stored (and the pages fetched for it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.errors import NewsbriefError
from bot.models import Brief, ChangeBasis, Changes, Quote
from bot.service.polling import Engine
from bot.store import ArticleChoice, ArticleRecord, SearchHit, SpeakerQuote, Store

# /summarize accepts a stored article or an article's address; anything address-like that is not
# http(s) gets this instead of a search for its words.
FULL_ADDRESS_NEEDED = "Give a full http:// or https:// address, or pick a stored article from the list."


class ReadingError(NewsbriefError):
    """What a member asked for is not there; the reason says what to do instead."""


class ArticleNotFound(ReadingError):
    """No stored article of this guild matches what was typed (`typed`, as it was typed)."""

    def __init__(self, typed: str) -> None:
        super().__init__(
            f"No stored article matches “{typed[:80]}”. Pick one from the list as you type, "
            "or use `/search` to find it."
        )
        self.typed = typed


@dataclass(frozen=True, slots=True)
class ChangePage:
    """One stored edit of an article: what changed since the version before it."""

    label: str
    changes: Changes
    url: str | None


@dataclass(frozen=True, slots=True)
class ChangeHistory:
    """An article's edits, newest first; `edits` is empty while only one version is stored."""

    brief: Brief
    versions: int
    first_seen_at: datetime
    edits: tuple[ChangePage, ...]


def is_article_address(target: str) -> bool:
    """True for an http(s) address; raises for something address-like we cannot fetch."""
    lowered = target.strip().lower()
    if lowered.startswith(("http://", "https://")):
        return True
    if "://" in lowered or lowered.startswith("www."):
        raise ReadingError(FULL_ADDRESS_NEEDED)
    return False


def matches_speaker(said_by: str | None, wanted: str | None) -> bool:
    """Every word of `wanted` is a word of the speaker's name ("Cole" finds "Ben Cole")."""
    if not wanted:
        return True
    if not said_by:
        return False
    wanted_words, speaker_words = wanted.casefold().split(), said_by.casefold().split()
    return all(word in speaker_words for word in wanted_words)


def contains_words(text: str, words: str | None) -> bool:
    return not words or all(word in text.casefold() for word in words.casefold().split())


class Reading:
    def __init__(self, store: Store, engine: Engine) -> None:
        self._store = store
        self._engine = engine

    async def resolve_article(self, guild_id: int, value: str) -> ArticleRecord:
        """The stored article an option names: an id picked from autocomplete, or words to search for."""
        value = value.strip()
        if value.isdigit() and await self._store.article_visible(guild_id, int(value)):
            article = await self._store.get_article(int(value))
            if article is not None:
                return article
        hits = await self._store.search(value, guild_id=guild_id, limit=1) if value else []
        if hits:
            article = await self._store.get_article(hits[0].article_id)
            if article is not None:
                return article
        raise ArticleNotFound(value)

    async def latest_brief(self, article: ArticleRecord) -> Brief:
        brief = await self._store.latest_brief(article.id)
        if brief is None:
            raise ReadingError("The brief of that article is being written; try again in a moment.")
        return brief

    async def suggest_articles(self, guild_id: int, typed: str, *, limit: int) -> list[ArticleChoice]:
        return await self._store.suggest_articles(guild_id, typed, limit=limit)

    async def summarize(self, guild_id: int, target: str | ArticleRecord, sentences: int | None) -> Brief:
        """The brief of a stored article, or of the article at an address (fetched, stored, and
        from then on visible to this guild), with `sentences` summary sentences if given."""
        if isinstance(target, str) and is_article_address(target):
            record, brief = await self._engine.fetch_article(target.strip())
            await self._store.grant_article(guild_id, record.id)
        else:
            record = (
                target if isinstance(target, ArticleRecord) else await self.resolve_article(guild_id, target)
            )
            brief = await self.latest_brief(record)
        if sentences is not None and sentences != len(brief.summary):
            version = await self._store.latest_version(record.id)
            if version is not None:
                # In a worker process: the summary of a long article takes seconds of CPU.
                summary = await self._engine.work.summary(version.text, sentences, title=version.title)
                brief = replace(brief, summary=summary)
        return brief

    async def quotes_in(
        self, article: ArticleRecord, *, speaker: str | None, contains: str | None
    ) -> tuple[Brief, list[Quote]]:
        """An article's quotes, those by `speaker` and containing `contains` where given."""
        brief = await self.latest_brief(article)
        wanted = [q for q in brief.quotes if matches_speaker(q.speaker, speaker)]
        return brief, [q for q in wanted if contains_words(q.text, contains)]

    async def quotes_by_speaker(
        self, guild_id: int, speaker: str, *, contains: str | None, limit: int
    ) -> list[SpeakerQuote]:
        said = await self._store.quotes_by_speaker(guild_id, speaker, limit=limit)
        return [s for s in said if contains_words(s.quote.text, contains)]

    async def speakers(self, guild_id: int, prefix: str, *, limit: int) -> list[str]:
        return await self._store.speakers(guild_id, prefix, limit=limit)

    async def change_history(self, record: ArticleRecord) -> ChangeHistory:
        versions = await self._store.list_versions(record.id)
        brief = await self.latest_brief(record)
        first_seen = versions[0].seen_at if versions else record.first_seen_at
        edits: list[ChangePage] = []
        # Newest edit first; each later version's brief holds what changed since the one before.
        for version in reversed(versions[1:]):
            version_brief = await self._store.get_brief(version.id)
            if version_brief is None or version_brief.changes.basis is not ChangeBasis.PREVIOUS_VERSION:
                continue
            label = f"{version_brief.headline} · version {version.number} of {len(versions)}"
            edits.append(ChangePage(label, version_brief.changes, version_brief.url))
        return ChangeHistory(brief, len(versions), first_seen, tuple(edits))

    async def search(self, guild_id: int, query: str, *, limit: int, offset: int = 0) -> Sequence[SearchHit]:
        return await self._store.search(query, guild_id=guild_id, limit=limit, offset=offset)
