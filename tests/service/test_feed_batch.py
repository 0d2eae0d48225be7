"""The engine storing a poll's articles of one source as one batch (bot/service/feed_batch.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.models import ChangeBasis, SourceKind, SourceSpec
from bot.service.polling import Engine
from tests.clock import Clock
from tests.feedkit import ARTICLE, rss
from tests.httpserver import LocalServer, respond
from tests.paths import ROOT

FOLLOW_UP = (
    "Elmsworth council confirmed on Tuesday that the public pool will close in March for repairs "
    "costing $850,000.\n\n"
    "The repairs will take about eight months, the council's parks officer Lena Marsh said.\n\n"
    "A group of swimmers has started a petition asking the council to keep the pool open until June.\n\n"
    '"We train there every morning," said Colm Reyes, who started the petition.\n\n'
    "By Wednesday evening more than 1,400 residents had signed it, according to the organisers, "
    "who plan to hand it to the council at its next public meeting in February."
)


def as_fragment(text: str) -> str:
    return "".join(f"<p>{p}</p>" for p in text.split("\n\n"))


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    settings = load_settings(
        ROOT / "config" / "newsbrief.toml",
        data_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'test.db'}",
        allowed_addresses=["127.0.0.1"],
    )
    async with Engine.open(settings, clock=Clock()) as opened:
        yield opened


async def test_two_articles_on_one_story_in_one_feed_are_one_story(
    engine: Engine, server: LocalServer
) -> None:
    items = [
        ("p1", "https://elmsworth.example/pool", "Pool to close", as_fragment(ARTICLE)),
        (
            "p2",
            "https://elmsworth.example/petition",
            "Swimmers petition to keep pool open",
            as_fragment(FOLLOW_UP),
        ),
    ]
    server.add("/feed.xml", respond(rss(items), content_type="application/rss+xml"))
    source = await engine.store.upsert_source(
        SourceSpec(name="Echo", location=server.url("/feed.xml"), kind=SourceKind.FEED)
    )
    report = await engine.poll_source(source, force=True)
    assert (report.new, report.failed, report.error) == (2, 0, None)
    first, second = report.briefs
    assert first.changes.basis is ChangeBasis.FIRST_REPORT
    # The second is compared with the first, stored in the same transaction.
    assert second.changes.basis is ChangeBasis.STORY
    assert "petition" in " ".join(c.after or "" for c in second.changes.items)
    assert second.changes.against == ("https://elmsworth.example/pool",)
    a = await engine.store.get_article(first.article_id or 0)
    b = await engine.store.get_article(second.article_id or 0)
    assert a is not None and b is not None and a.story_id == b.story_id == a.id
    digest = await engine.digest()
    assert len(digest.stories) == 1 and len(digest.stories[0]) == 2
    # Polled again: nothing new, nothing briefed.
    again = await engine.poll_source(source, force=True)
    assert (again.new, again.updated, again.unchanged, again.briefs) == (0, 0, 2, [])
