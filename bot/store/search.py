"""Search: full text (FTS5 on SQLite, tsvector on PostgreSQL) and title suggestions.

A part of the `Store` facade (bot/store/facade.py)."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import Any

from sqlalchemy import (
    bindparam,
    func,
    select,
    text,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.part import StorePart
from bot.store.records import SNIPPET_END, SNIPPET_START, ArticleChoice, SearchHit
from bot.store.schema import (
    POSTGRESQL_TS_CONFIG,
    SQLITE_FTS_TABLE,
    SQLITE_TITLE_FTS_TABLE,
    UtcDateTime,
    article_sources,
    article_urls,
    articles,
    briefs,
    guild_articles,
    guild_sources,
    versions,
)
from bot.store.visibility import (
    VISIBLE_SQL,
    visible_to,
)

logger = logging.getLogger(__name__)


MAX_SEARCH_TERMS = 32
MAX_SEARCH_TERM_CHARS = 64
MAX_SEARCH_LIMIT = 100
SNIPPET_ELLIPSIS = "…"
SNIPPET_TOKENS = 24
# PostgreSQL refuses tsvectors over 1 MB; no news article needs more text than this indexed.
POSTGRESQL_INDEXED_CHARS = 200_000
SEARCH_TERM = re.compile(r"[^\W_]+")
# Suggestions a caller gets unless it asks for another number, and the most it may ask for.
SUGGESTIONS_DEFAULT = 25
SUGGESTIONS_MAX = 100
# Newest articles for a guild: first look among this many newest articles (enough for a guild that
# sees much), then per source (fast for a guild that sees little).
NEWEST_SCAN_WINDOW = 1000
# Search ranks the best of the newest this-many matches (visible to the guild), not every match:
# ranking all ~100k matches of a common word took 130-300 ms. News is read by recency, so the
# best of recent matches is what is wanted; a rarer word has fewer matches and is ranked in full.
SEARCH_RANK_WINDOW = 2000


def search_terms(query: str) -> list[str]:
    """Words of arbitrary user text, safe to hand to either search backend.

    Operators, quotes and punctuation are dropped (so `"`, `AND OR`, `*` can never be syntax
    errors); repeated words count once.
    """
    terms: list[str] = []
    seen: set[str] = set()
    for match in SEARCH_TERM.finditer(query):
        term = match.group()[:MAX_SEARCH_TERM_CHARS]
        key = term.casefold()
        if key not in seen:
            seen.add(key)
            terms.append(term)
        if len(terms) == MAX_SEARCH_TERMS:
            break
    return terms


def fts5_match_expression(terms: list[str]) -> str:
    # Each term a quoted string: FTS5 then treats AND/OR/NEAR/* inside it as plain words.
    # Juxtaposed strings are ANDed.
    return " ".join('"' + term.replace('"', '""') + '"' for term in terms)


def title_match_expression(terms: list[str]) -> str:
    # Every word, the last one as a prefix: it is probably still being typed.
    quoted = ['"' + term.replace('"', '""') + '"' for term in terms]
    quoted[-1] += "*"
    return " ".join(quoted)


def postgresql_title_query(terms: list[str]) -> str:
    # search_terms() leaves letters and digits only, so no tsquery syntax can get in; ":A" keeps
    # the match to the title (weight A in article_search).
    return " & ".join([*(f"{term}:A" for term in terms[:-1]), f"{terms[-1]}:*A"])


# Ranking runs on the FTS5 table alone, as its own statement; Store._search_sqlite then looks up
# the page of hits, and their snippets (snippet() costs ~0.1 ms a row: for the page only). FTS5
# walks a term's matches by rowid, so `ORDER BY rowid DESC LIMIT :window` reads only the newest
# window of matches and bm25() runs on those alone. Ties go to the newest stored version (the
# higher id), i.e. the most recently seen.
SQLITE_SEARCH_RANKED_TEMPLATE = f"""
    SELECT version_id, score FROM (
        SELECT rowid AS version_id, bm25({SQLITE_FTS_TABLE}, 4.0, 1.0) AS score
        FROM {SQLITE_FTS_TABLE}
        WHERE {SQLITE_FTS_TABLE} MATCH :match {{visibility}}
        ORDER BY rowid DESC
        LIMIT :window
    )
    ORDER BY score, version_id DESC
    LIMIT :limit OFFSET :offset
    """
SQLITE_SEARCH_RANKED = text(SQLITE_SEARCH_RANKED_TEMPLATE.format(visibility=""))
SQLITE_SEARCH_RANKED_FOR_GUILD = text(
    SQLITE_SEARCH_RANKED_TEMPLATE.format(
        visibility=f"AND EXISTS (SELECT 1 FROM articles AS a WHERE a.latest_version_id = "
        f"{SQLITE_FTS_TABLE}.rowid AND {VISIBLE_SQL.format(a='a.id')})"
    )
)
# With MATCH, `rowid IN (...)` is one index seek per id (a rowid range would rescan the matches).
SQLITE_SEARCH_SNIPPETS = text(
    f"""
    SELECT rowid AS version_id,
           snippet({SQLITE_FTS_TABLE}, 1, :mark_start, :mark_end, :ellipsis, :tokens) AS snippet
    FROM {SQLITE_FTS_TABLE}
    WHERE {SQLITE_FTS_TABLE} MATCH :match AND rowid IN :version_ids
    """
).bindparams(bindparam("version_ids", expanding=True))

# FTS5 walks its matches in rowid (article id) order, newest first, and stops at the limit.
SQLITE_TITLE_SUGGEST = text(
    f"""
    SELECT rowid AS article_id FROM {SQLITE_TITLE_FTS_TABLE}
    WHERE {SQLITE_TITLE_FTS_TABLE} MATCH :match AND {VISIBLE_SQL.format(a=SQLITE_TITLE_FTS_TABLE + ".rowid")}
    ORDER BY rowid DESC
    LIMIT :limit
    """
)
POSTGRESQL_TITLE_SUGGEST = text(
    f"""
    SELECT s.article_id FROM article_search AS s
    WHERE s.document @@ to_tsquery('{POSTGRESQL_TS_CONFIG}', :query)
      AND {VISIBLE_SQL.format(a="s.article_id")}
    ORDER BY s.article_id DESC
    LIMIT :limit
    """
)


POSTGRESQL_HEADLINE_OPTIONS = (
    f'StartSel="{SNIPPET_START}", StopSel="{SNIPPET_END}", MaxWords={SNIPPET_TOKENS}, MinWords=12, '
    f'MaxFragments=1, FragmentDelimiter="{SNIPPET_ELLIPSIS}"'
)

# Same shape as on SQLite: the newest SEARCH_RANK_WINDOW matches (ids only: ts_rank reads the
# whole tsvector, so it runs on the window alone), ranked, then the page of hits joined.
POSTGRESQL_SEARCH_TEMPLATE = f"""
    SELECT t.article_id AS article_id, t.version_id AS version_id, t.rank AS rank, v.seen_at AS seen_at,
           coalesce(v.title, a.title) AS title, a.canonical_url AS url,
           ts_headline('{POSTGRESQL_TS_CONFIG}', left(v.text, {POSTGRESQL_INDEXED_CHARS}),
                       plainto_tsquery('{POSTGRESQL_TS_CONFIG}', :query), :headline_options) AS snippet
    FROM (
        SELECT w.article_id, w.version_id, ts_rank(s.document, q.query) AS rank
        FROM (
            SELECT s.article_id, s.version_id
            FROM article_search AS s
            CROSS JOIN plainto_tsquery('{POSTGRESQL_TS_CONFIG}', :query) AS q(query)
            WHERE s.document @@ q.query {{visibility}}
            ORDER BY s.version_id DESC
            LIMIT :window
        ) AS w
        JOIN article_search AS s ON s.article_id = w.article_id
        CROSS JOIN plainto_tsquery('{POSTGRESQL_TS_CONFIG}', :query) AS q(query)
        ORDER BY rank DESC, w.version_id DESC
        LIMIT :limit OFFSET :offset
    ) AS t
    JOIN versions AS v ON v.id = t.version_id
    JOIN articles AS a ON a.id = t.article_id
    ORDER BY t.rank DESC, t.version_id DESC
    """
POSTGRESQL_SEARCH_ALL = text(POSTGRESQL_SEARCH_TEMPLATE.format(visibility="")).columns(seen_at=UtcDateTime())
POSTGRESQL_SEARCH_FOR_GUILD = text(
    POSTGRESQL_SEARCH_TEMPLATE.format(visibility="AND " + VISIBLE_SQL.format(a="s.article_id"))
).columns(seen_at=UtcDateTime())


class SearchRecords(StorePart):
    async def search(
        self, query: str, *, guild_id: int | None = None, limit: int = 10, offset: int = 0
    ) -> list[SearchHit]:
        """Articles (their latest version) matching every word of `query`.

        Best match first among the newest SEARCH_RANK_WINDOW matches (so a word in most articles
        is answered in milliseconds); ties newest first (the most recently stored version). Any
        text is accepted: operators and punctuation are ignored, and a query without words finds
        nothing. guild_id: only articles visible to that guild; None: all (the CLI).
        """
        terms = search_terms(query)
        limit = min(limit, MAX_SEARCH_LIMIT)
        if not terms or limit <= 0:
            return []
        offset = max(offset, 0)
        async with self._read() as connection:
            if self._dialect == "postgresql":
                hits = await self._search_postgresql(connection, terms, guild_id, limit, offset)
            else:
                hits = await self._search_sqlite(connection, terms, guild_id, limit, offset)
            made = await self._made_headlines(connection, [h.version_id for h in hits if not h.title])
        # An article without a title is shown by the headline its brief made, as everywhere else.
        return [replace(h, title=made[h.version_id]) if h.version_id in made else h for h in hits]

    async def _made_headlines(self, connection: AsyncConnection, version_ids: list[int]) -> dict[int, str]:
        """The brief's headline of each of these versions that has a brief."""
        if not version_ids:
            return {}
        rows = await connection.execute(
            select(briefs.c.version_id, briefs.c.brief_json).where(briefs.c.version_id.in_(version_ids))
        )
        made = {version_id: self._codec.headline(brief_json) for version_id, brief_json in rows}
        return {version_id: headline for version_id, headline in made.items() if headline}

    @staticmethod
    async def _search_postgresql(
        connection: AsyncConnection, terms: list[str], guild_id: int | None, limit: int, offset: int
    ) -> list[SearchHit]:
        params = {
            "query": " ".join(terms),
            "headline_options": POSTGRESQL_HEADLINE_OPTIONS,
            "window": SEARCH_RANK_WINDOW,
            "limit": limit,
            "offset": offset,
        }
        statement = POSTGRESQL_SEARCH_ALL
        if guild_id is not None:
            statement = POSTGRESQL_SEARCH_FOR_GUILD
            params["guild_id"] = guild_id
        rows = (await connection.execute(statement, params)).mappings()
        return [
            SearchHit(
                article_id=row["article_id"],
                version_id=row["version_id"],
                title=row["title"],
                url=row["url"],
                snippet=row["snippet"] or "",
                seen_at=row["seen_at"],
                rank=float(row["rank"]),
            )
            for row in rows
        ]

    @staticmethod
    async def _search_sqlite(
        connection: AsyncConnection, terms: list[str], guild_id: int | None, limit: int, offset: int
    ) -> list[SearchHit]:
        match = fts5_match_expression(terms)
        params: dict[str, Any] = {
            "match": match,
            "window": SEARCH_RANK_WINDOW,
            "limit": limit,
            "offset": offset,
        }
        statement = SQLITE_SEARCH_RANKED
        if guild_id is not None:
            statement = SQLITE_SEARCH_RANKED_FOR_GUILD
            params["guild_id"] = guild_id
        ranked = (await connection.execute(statement, params)).mappings().all()
        if not ranked:
            return []
        version_ids = [row["version_id"] for row in ranked]
        snippets = await SearchRecords._sqlite_snippets(connection, match, version_ids)
        details = {
            row["id"]: row
            for row in (
                await connection.execute(
                    select(
                        versions.c.id,
                        versions.c.article_id,
                        versions.c.seen_at,
                        func.coalesce(versions.c.title, articles.c.title).label("title"),
                        articles.c.canonical_url,
                    )
                    .select_from(versions.join(articles, articles.c.id == versions.c.article_id))
                    # The index holds only latest versions; the check keeps a stale entry out.
                    .where(
                        versions.c.id.in_(version_ids),
                        articles.c.latest_version_id == versions.c.id,
                    )
                )
            ).mappings()
        }
        return [
            SearchHit(
                article_id=detail["article_id"],
                version_id=detail["id"],
                title=detail["title"],
                url=detail["canonical_url"],
                snippet=snippets.get(row["version_id"]) or "",
                seen_at=detail["seen_at"],
                rank=-float(row["score"]),
            )
            for row in ranked
            if (detail := details.get(row["version_id"])) is not None
        ]

    @staticmethod
    async def _sqlite_snippets(
        connection: AsyncConnection, match: str, version_ids: list[int]
    ) -> dict[int, str | None]:
        params: dict[str, Any] = {
            "match": match,
            "version_ids": version_ids,
            "mark_start": SNIPPET_START,
            "mark_end": SNIPPET_END,
            "ellipsis": SNIPPET_ELLIPSIS,
            "tokens": SNIPPET_TOKENS,
        }
        rows = (await connection.execute(SQLITE_SEARCH_SNIPPETS, params)).all()
        return {version_id: snippet for version_id, snippet in rows}

    async def suggest_articles(
        self, guild_id: int, text: str, *, limit: int = SUGGESTIONS_DEFAULT
    ) -> list[ArticleChoice]:
        """Autocomplete: the guild's articles whose title has every typed word (the last one as a
        prefix), newest stored first; nothing typed: the newest stored articles. An article id
        (`123`, `#123`) or a stored URL puts that article first."""
        limit = min(limit, SUGGESTIONS_MAX)
        if limit <= 0:
            return []
        typed = text.strip()
        async with self._read() as connection:
            exact = await self._exact_article(connection, guild_id, typed)
            terms = search_terms(typed)
            if exact is not None and (typed.startswith(("http://", "https://")) or not terms):
                ids = [exact]
            elif terms:
                ids = await self._articles_by_title(connection, guild_id, terms, limit)
            else:
                ids = await self._newest_articles(connection, guild_id, limit)
            if exact is not None:
                ids = [exact, *(i for i in ids if i != exact)][:limit]
            return await self._article_choices(connection, ids)

    async def _exact_article(self, connection: AsyncConnection, guild_id: int, typed: str) -> int | None:
        article_id: int | None = None
        number = typed.removeprefix("#")
        if number.isdigit() and len(number) < 10:
            article_id = int(number)
        elif typed.startswith(("http://", "https://")):
            # Several articles may carry the URL (each source's, and the fetched one): the
            # guild's own, newest first.
            article_id = (
                await connection.execute(
                    select(article_urls.c.article_id)
                    .where(article_urls.c.url == typed, visible_to(guild_id, article_urls.c.article_id))
                    .order_by(article_urls.c.article_id.desc())
                    .limit(1)
                )
            ).scalar_one_or_none()
        if article_id is None:
            return None
        visible = (
            await connection.execute(
                select(visible_to(guild_id, articles.c.id)).where(
                    articles.c.id == article_id, articles.c.latest_version_id.is_not(None)
                )
            )
        ).scalar_one_or_none()
        return article_id if visible else None

    async def _articles_by_title(
        self, connection: AsyncConnection, guild_id: int, terms: list[str], limit: int
    ) -> list[int]:
        if self._dialect == "postgresql":
            params: dict[str, Any] = {
                "query": postgresql_title_query(terms),
                "guild_id": guild_id,
                "limit": limit,
            }
            return list((await connection.execute(POSTGRESQL_TITLE_SUGGEST, params)).scalars())
        params = {"match": title_match_expression(terms), "guild_id": guild_id, "limit": limit}
        return list((await connection.execute(SQLITE_TITLE_SUGGEST, params)).scalars())

    async def _newest_articles(self, connection: AsyncConnection, guild_id: int, limit: int) -> list[int]:
        newest = select(func.max(articles.c.id)).scalar_subquery()
        recent = list(
            (
                await connection.execute(
                    select(articles.c.id)
                    .where(
                        articles.c.id > newest - NEWEST_SCAN_WINDOW,
                        articles.c.latest_version_id.is_not(None),
                        visible_to(guild_id, articles.c.id),
                    )
                    .order_by(articles.c.id.desc())
                    .limit(limit)
                )
            ).scalars()
        )
        if len(recent) == limit:
            return recent
        # The newest `limit` of each subscribed source (an index range each) and of the grants,
        # merged: the overall newest `limit` are among them. Scanning all articles for visible
        # ones would be slow for a guild that sees few.
        source_ids = (
            await connection.execute(
                select(guild_sources.c.source_id).where(guild_sources.c.guild_id == guild_id)
            )
        ).scalars()
        parts = [
            select(article_sources.c.article_id)
            .where(article_sources.c.source_id == source_id)
            .order_by(article_sources.c.article_id.desc())
            .limit(limit)
            .subquery()
            .select()
            for source_id in source_ids
        ]
        parts.append(
            select(guild_articles.c.article_id)
            .where(guild_articles.c.guild_id == guild_id)
            .order_by(guild_articles.c.article_id.desc())
            .limit(limit)
            .subquery()
            .select()
        )
        found = list((await connection.execute(union_all(*parts))).scalars())
        # A paused subscription's source may hold articles the guild does not see.
        visible = (
            await connection.execute(
                select(articles.c.id).where(articles.c.id.in_(found), visible_to(guild_id, articles.c.id))
            )
        ).scalars()
        return sorted(set(visible), reverse=True)[:limit]

    async def _article_choices(
        self, connection: AsyncConnection, article_ids: list[int]
    ) -> list[ArticleChoice]:
        if not article_ids:
            return []
        rows = (
            await connection.execute(
                select(
                    articles.c.id,
                    func.coalesce(versions.c.title, articles.c.title).label("title"),
                    articles.c.first_seen_at,
                    briefs.c.brief_json,
                )
                .select_from(
                    articles.join(versions, versions.c.id == articles.c.latest_version_id).outerjoin(
                        briefs, briefs.c.version_id == articles.c.latest_version_id
                    )
                )
                .where(articles.c.id.in_(article_ids))
            )
        ).mappings()
        by_id = {row["id"]: row for row in rows}
        return [
            ArticleChoice(
                article_id=i,
                # An untitled article is offered by the headline its brief made.
                title=by_id[i]["title"] or self._codec.headline(by_id[i]["brief_json"]) or None,
                seen_at=by_id[i]["first_seen_at"],
            )
            for i in article_ids
            if i in by_id
        ]
