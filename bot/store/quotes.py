"""Quotes by speaker, for a guild.

A part of the `Store` facade (bot/store/facade.py)."""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy import (
    func,
    or_,
    select,
)
from sqlalchemy.engine import RowMapping

from bot.models import Brief, Quote, QuoteKind
from bot.store.part import BriefCodec, StorePart
from bot.store.records import SpeakerQuote
from bot.store.schema import (
    articles,
    briefs,
    quotes,
    versions,
)
from bot.store.visibility import (
    visible_to,
)

logger = logging.getLogger(__name__)


# Suggestions a caller gets unless it asks for another number, and the most it may ask for.
SUGGESTIONS_DEFAULT = 25
SUGGESTIONS_MAX = 100
# Speakers autocomplete with nothing typed: distinct names among this many newest quotes.
RECENT_SPEAKER_QUOTES = 500
# Above every other character in binary (UTF-8 / C collation) order: `key < prefix + this` ends a
# prefix range.
PREFIX_RANGE_END = "\U0010ffff"


def quote_rows(article_id: int, version_id: int, brief: Brief, codec: BriefCodec) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for position, quote in enumerate(brief.quotes):
        speaker_key, surname_key = codec.speaker_keys(quote.speaker)
        rows.append(
            {
                "version_id": version_id,
                "position": position,
                "article_id": article_id,
                "speaker": quote.speaker,
                "speaker_key": speaker_key,
                "surname_key": surname_key,
                "text": quote.text,
                "kind": quote.kind.value,
                "start_offset": quote.start,
                "end_offset": quote.end,
                "spans": json.dumps([list(span) for span in quote.spans]) if quote.spans else None,
            }
        )
    return rows


def quote_from_row(row: RowMapping) -> Quote:
    spans = json.loads(row["spans"]) if row["spans"] else []
    return Quote(
        text=row["text"],
        speaker=row["speaker"],
        kind=QuoteKind(row["kind"]),
        start=row["start_offset"],
        end=row["end_offset"],
        spans=tuple((int(start), int(end)) for start, end in spans),
    )


class QuoteRecords(StorePart):
    async def quotes_by_speaker(self, guild_id: int, speaker: str, *, limit: int = 25) -> list[SpeakerQuote]:
        """What a person said in the guild's articles, newest first, from each article's latest
        version only. `speaker` matches a whole name or a surname, in any case ("okafor" finds
        Marta Okafor)."""
        key = self._codec.speaker_lookup_key(speaker)
        if not key or limit <= 0:
            return []
        query = (
            select(
                quotes,
                articles.c.canonical_url,
                func.coalesce(versions.c.title, articles.c.title).label("title"),
                versions.c.seen_at,
                briefs.c.brief_json,
            )
            .select_from(
                quotes.join(articles, articles.c.id == quotes.c.article_id)
                .join(versions, versions.c.id == quotes.c.version_id)
                .outerjoin(briefs, briefs.c.version_id == quotes.c.version_id)
            )
            .where(
                or_(quotes.c.speaker_key == key, quotes.c.surname_key == key),
                articles.c.latest_version_id == quotes.c.version_id,
                visible_to(guild_id, articles.c.id),
            )
            .order_by(quotes.c.version_id.desc(), quotes.c.position)
            .limit(limit)
        )
        async with self._read() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [
            SpeakerQuote(
                quote=quote_from_row(row),
                article_id=row["article_id"],
                version_id=row["version_id"],
                headline=self._codec.headline(row["brief_json"]) or row["title"] or "",
                url=row["canonical_url"],
                seen_at=row["seen_at"],
            )
            for row in rows
        ]

    async def speakers(self, guild_id: int, prefix: str, *, limit: int = SUGGESTIONS_DEFAULT) -> list[str]:
        """Autocomplete: named speakers quoted in the guild's articles (latest versions). Those whose
        whole name starts with `prefix` come first, then those whose surname does, each in
        alphabetical order of that key; nothing typed: the most recently quoted."""
        limit = min(limit, SUGGESTIONS_MAX)
        if limit <= 0:
            return []
        key = self._codec.speaker_lookup_key(prefix)
        where = [
            quotes.c.surname_key.is_not(None),
            articles.c.latest_version_id == quotes.c.version_id,
            visible_to(guild_id, articles.c.id),
        ]
        joined = quotes.join(articles, articles.c.id == quotes.c.article_id)
        async with self._read() as connection:
            if not key:
                recent = (
                    await connection.execute(
                        select(quotes.c.speaker, quotes.c.speaker_key)
                        .select_from(joined)
                        .where(*where)
                        .order_by(quotes.c.version_id.desc(), quotes.c.position)
                        .limit(RECENT_SPEAKER_QUOTES)
                    )
                ).all()
                names: dict[str, str] = {}
                for name, name_key in recent:
                    names.setdefault(name_key, name)
                return list(names.values())[:limit]
            found: dict[str, str] = {}
            for column in (quotes.c.speaker_key, quotes.c.surname_key):
                # Walks the (key, version_id) index in key order and stops once enough distinct
                # names are found; counting each name's quotes would read every match.
                matches = (
                    await connection.execute(
                        select(column.label("sort_key"), quotes.c.speaker_key, quotes.c.speaker)
                        .distinct()
                        .select_from(joined)
                        .where(column.between(key, key + PREFIX_RANGE_END), *where)
                        .order_by(column)
                        .limit(limit * 2)
                    )
                ).all()
                for _, name_key, name in matches:
                    found.setdefault(name_key, name)
                if len(found) >= limit:
                    break
        return list(found.values())[:limit]
