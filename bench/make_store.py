"""Build a large synthetic SQLite store for benchmarks: `python bench/make_store.py PATH --articles 100000`.

The schema comes from the real migrations (Store.open); rows are then bulk-inserted with the
sqlite3 module in one transaction, which is ~50x faster than going through Store.save_version.
Texts are made from a small invented vocabulary with Zipf-like word frequencies (so common words
match many articles, as in real news) and are of realistic length (150-700 words). Everything is
seeded: the same arguments give the same store.

Guilds, for visibility-filtered queries:
  BIG_GUILD subscribes to 3/4 of the sources, MID_GUILD to a fifth, SMALL_GUILD to 2 sources;
  a tenth of the articles are also linked to a second source, and some are granted directly.
Speakers: SPEAKER_COUNT invented names; each brief quotes 0-4 of them.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import itertools
import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.brief.serialize import BRIEF_JSON, brief_to_json, speaker_keys
from bot.models import Brief, Changes, Quote, QuoteKind
from bot.store import Store

BIG_GUILD = 1_000_000_000_000_000_001
MID_GUILD = 1_000_000_000_000_000_002
SMALL_GUILD = 1_000_000_000_000_000_003
SOURCE_COUNT = 200
SPEAKER_COUNT = 3000
VOCABULARY_SIZE = 5000
SHARED_FRACTION = 0.10  # articles also seen through a second source
EDITED_FRACTION = 0.15  # articles with a second version
GRANTS_PER_GUILD = 50
START = datetime(2026, 1, 1, tzinfo=UTC)
SYLLABLES = tuple(
    [
        "ka",
        "ri",
        "mo",
        "ta",
        "le",
        "shi",
        "na",
        "vo",
        "pe",
        "lu",
        "dan",
        "ter",
        "ol",
        "mi",
        "sa",
        "ro",
        "ve",
        "in",
        "go",
        "ur",
        "ba",
        "ne",
        "fi",
        "ko",
        "ma",
        "di",
        "so",
        "re",
        "tu",
        "el",
        "an",
        "por",
        "ste",
        "min",
        "har",
        "bri",
        "gal",
        "fen",
        "dor",
    ]
)
INSERT_SOURCE = (
    "INSERT INTO sources (id, name, kind, location, paused, consecutive_failures, created_at, "
    "from_config) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_ARTICLE = (
    "INSERT INTO articles (id, source_id, canonical_url, guid, title, first_seen_at, last_seen_at, "
    "story_id, latest_version_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_LINK = "INSERT OR IGNORE INTO article_sources (article_id, source_id, first_seen_at) VALUES (?, ?, ?)"
INSERT_VERSION = (
    "INSERT INTO versions (id, article_id, number, seen_at, title, text, text_hash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
INSERT_QUOTE = (
    "INSERT INTO quotes (version_id, position, article_id, speaker, speaker_key, surname_key, text, "
    "kind, start_offset, end_offset) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0)"
)
INDEX_TITLES = (
    "INSERT INTO article_title_fts(rowid, title) SELECT a.id, coalesce(v.title, a.title) "
    "FROM articles AS a JOIN versions AS v ON v.id = a.latest_version_id"
)


@dataclass(frozen=True, slots=True)
class Vocabulary:
    words: list[str]
    cumulative: list[float]

    def sample(self, rng: random.Random, count: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cumulative, k=count)


def invented_words(rng: random.Random, count: int, syllables: tuple[int, int]) -> list[str]:
    seen: set[str] = set()
    words: list[str] = []
    while len(words) < count:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(*syllables)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def vocabulary(rng: random.Random) -> Vocabulary:
    words = invented_words(rng, VOCABULARY_SIZE, (1, 4))
    weights = [1.0 / rank for rank in range(1, len(words) + 1)]
    return Vocabulary(words, list(itertools.accumulate(weights)))


def speaker_names(rng: random.Random) -> list[str]:
    first = [w.capitalize() for w in invented_words(rng, 300, (2, 3))]
    last = [w.capitalize() for w in invented_words(rng, 1500, (2, 4))]
    names = {f"{rng.choice(first)} {rng.choice(last)}" for _ in range(SPEAKER_COUNT * 2)}
    return sorted(names)[:SPEAKER_COUNT]


def article_text(rng: random.Random, vocab: Vocabulary) -> str:
    paragraphs = []
    for _ in range(rng.randint(3, 12)):
        sentences = []
        for _ in range(rng.randint(2, 4)):
            words = vocab.sample(rng, rng.randint(8, 22))
            sentences.append(" ".join(words).capitalize() + ".")
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs)


def brief_for(rng: random.Random, vocab: Vocabulary, title: str, speakers: list[str], quoted: int) -> Brief:
    said = tuple(
        Quote(
            text=" ".join(vocab.sample(rng, rng.randint(6, 18))),
            speaker=rng.choice(speakers),
            kind=QuoteKind.STATEMENT,
        )
        for _ in range(quoted)
    )
    summary = tuple(" ".join(vocab.sample(rng, 15)).capitalize() + "." for _ in range(3))
    return Brief(headline=title, summary=summary, quotes=said, changes=Changes.first_report())


def iso(value: datetime) -> str:
    # How SQLAlchemy's DateTime stores a (naive UTC) datetime on SQLite.
    return value.replace(tzinfo=None).isoformat(sep=" ")


def source_rows(created: str) -> Iterator[tuple[object, ...]]:
    for n in range(1, SOURCE_COUNT + 1):
        yield (n, f"Source {n}", "feed", f"https://source{n}.test/feed.xml", 0, 0, created, 1)


def subscriptions(rng: random.Random) -> list[tuple[int, int]]:
    ids = list(range(1, SOURCE_COUNT + 1))
    big = rng.sample(ids, SOURCE_COUNT * 3 // 4)
    mid = rng.sample(ids, SOURCE_COUNT // 5)
    small = rng.sample(ids, 2)
    return [(BIG_GUILD, s) for s in big] + [(MID_GUILD, s) for s in mid] + [(SMALL_GUILD, s) for s in small]


def build(path: Path, articles: int, seed: int) -> None:
    rng = random.Random(seed)
    vocab = vocabulary(rng)
    speakers = speaker_names(rng)
    asyncio.run(create_schema(path))
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("BEGIN")
    created = iso(START)
    db.executemany(INSERT_SOURCE, source_rows(created))
    db.executemany(
        "INSERT INTO guild_sources (guild_id, source_id, name, added_at) VALUES (?, ?, ?, ?)",
        [(guild, source, f"Source {source}", created) for guild, source in subscriptions(rng)],
    )
    version_id = 0
    for article_id in range(1, articles + 1):
        seen = START + timedelta(minutes=5 * article_id)
        source_id = rng.randint(1, SOURCE_COUNT)
        url = f"https://source{source_id}.test/story/{article_id}"
        title_words = vocab.sample(rng, rng.randint(6, 12))
        editions = 2 if rng.random() < EDITED_FRACTION else 1
        for number in range(1, editions + 1):
            version_id += 1
            title = (
                " ".join(title_words).capitalize()
                if number == 1
                else " ".join(title_words[::-1]).capitalize()
            )
            body = article_text(rng, vocab)
            at = iso(seen + timedelta(hours=number - 1))
            if number == 1:
                db.execute(
                    INSERT_ARTICLE,
                    (article_id, source_id, url, url, title, at, at, article_id, version_id),
                )
                db.execute("INSERT INTO article_urls (url, article_id) VALUES (?, ?)", (url, article_id))
                db.execute(
                    "INSERT INTO article_guids (source_id, guid, article_id) VALUES (?, ?, ?)",
                    (source_id, url, article_id),
                )
                db.execute(INSERT_LINK, (article_id, source_id, at))
                if rng.random() < SHARED_FRACTION:
                    other = rng.randint(1, SOURCE_COUNT)
                    db.execute(INSERT_LINK, (article_id, other, at))
            else:
                db.execute(
                    "UPDATE articles SET title = ?, last_seen_at = ?, latest_version_id = ? WHERE id = ?",
                    (title, at, version_id, article_id),
                )
            db.execute(
                INSERT_VERSION,
                (version_id, article_id, number, at, title, body, f"h{version_id}"),
            )
            brief = brief_for(rng, vocab, title, speakers, rng.choice((0, 1, 1, 2, 2, 3, 4)))
            stored = dataclasses.replace(brief, article_id=article_id, version_id=version_id)
            db.execute(
                "INSERT INTO briefs (version_id, brief_json, created_at) VALUES (?, ?, ?)",
                (version_id, brief_to_json(stored), at),
            )
            db.executemany(
                INSERT_QUOTE,
                [
                    (
                        version_id,
                        position,
                        article_id,
                        q.speaker,
                        *speaker_keys(q.speaker),
                        q.text,
                        q.kind.value,
                    )
                    for position, q in enumerate(brief.quotes)
                ],
            )
        if article_id % 20_000 == 0:
            print(f"  {article_id} articles", flush=True)
    for guild in (BIG_GUILD, MID_GUILD, SMALL_GUILD):
        db.executemany(
            "INSERT OR IGNORE INTO guild_articles (guild_id, article_id, added_at) VALUES (?, ?, ?)",
            [(guild, rng.randint(1, articles), created) for _ in range(GRANTS_PER_GUILD)],
        )
    # The search indexes hold each article's latest version / current title only, as the store keeps them.
    db.execute(
        "INSERT INTO version_fts(rowid, title, text) SELECT v.id, v.title, v.text FROM versions AS v "
        "JOIN articles AS a ON a.latest_version_id = v.id"
    )
    db.execute(INDEX_TITLES)
    db.execute("COMMIT")
    db.execute("INSERT INTO version_fts(version_fts) VALUES ('optimize')")
    db.execute("INSERT INTO article_title_fts(article_title_fts) VALUES ('optimize')")
    db.execute("ANALYZE")
    db.close()


async def create_schema(path: Path) -> None:
    async with await Store.open(f"sqlite+aiosqlite:///{path}", codec=BRIEF_JSON):
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("path", type=Path)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.path.exists():
        raise SystemExit(f"{args.path} exists: give a new path")
    started = time.perf_counter()
    build(args.path, args.articles, args.seed)
    size_mb = args.path.stat().st_size / 1e6
    print(
        f"{args.articles} articles -> {args.path} ({size_mb:.0f} MB) in {time.perf_counter() - started:.0f}s"
    )


if __name__ == "__main__":
    main()
