"""Backfill through the fake Discord: a new source posts only what is new unless asked for more."""

from __future__ import annotations

from datetime import timedelta

# The harness and its fixtures are test_bot's; pytest finds fixtures by name in this module.
from tests.botkit import (
    FERRY,
    IDS,
    LIBRARY,
    PRANK,
    Harness,
    is_ephemeral,
    text_of,
)
from tests.httpserver import respond

pytest_plugins = ["tests.fakediscord.fixtures"]

# The harness clock starts on Sun, 29 Nov 2026 07:00 UTC.
BEFORE = "Mon, 23 Nov 2026 10:00:00 GMT"
EARLIER = "Sun, 22 Nov 2026 10:00:00 GMT"
AFTER = "Sun, 29 Nov 2026 07:30:00 GMT"


def dated_rss(items: list[tuple[str, str, str, str | None]]) -> str:
    """(guid, headline, text, pubDate or None for an undated entry)."""
    entries = "".join(
        f"<item><guid isPermaLink='false'>{guid}</guid><link>https://harlow.example/{guid}</link>"
        f"<title>{headline}</title>{f'<pubDate>{date}</pubDate>' if date else ''}"
        f"<description>{headline}</description><content:encoded><![CDATA["
        + "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
        + "]]></content:encoded></item>"
        for guid, headline, text, date in items
    )
    return (
        "<?xml version='1.0'?><rss version='2.0' xmlns:content='http://purl.org/rss/1.0/modules/content/'>"
        f"<channel><title>Harlow</title><link>https://harlow.example/</link><description>d</description>{entries}"
        "</channel></rss>"
    )


def serve(h: Harness, items: list[tuple[str, str, str, str | None]]) -> None:
    h.web.add("/feed.xml", respond(dated_rss(items), content_type="application/rss+xml"))


async def digest_text(h: Harness) -> str:
    """Run the daily digest that is due next and return what it posted."""
    before = len(h.channel())
    h.clock.now += timedelta(days=1)
    await h.bot.deliver_digests()
    return "\n".join(text_of(m) for m in h.channel()[before:])


async def test_by_default_only_new_articles_are_posted_but_all_are_searchable(harness: Harness) -> None:
    h = harness
    await h.command("digest set", {"channel": IDS.briefs_channel, "schedule": "daily 08:00"})
    serve(
        h,
        [
            ("ferry", "Night ferry to stop", FERRY, BEFORE),
            ("library", "Library opens Sundays", LIBRARY, None),
        ],
    )
    added = await h.command("source add", {"url": h.web.url("/feed.xml")})
    assert "Digests post new articles only" in added["content"]
    await h.engine.poll()
    assert await digest_text(h) == ""  # the backlog, dated or not, is not posted
    found = text_of(await h.command("search", {"query": "ferry"}))
    assert "Night ferry to stop" in found  # but it is stored and searchable
    # A dated article published since, and an undated one first seen since, are posted.
    serve(
        h,
        [
            ("prank", "Council warns of fake alert", PRANK, AFTER),
            ("ferry", "Night ferry to stop", FERRY, BEFORE),
            ("library", "Library opens Sundays", LIBRARY, None),
            ("bridge", "Bridge reopens", LIBRARY.replace("library", "bridge"), None),
        ],
    )
    h.clock.now += timedelta(hours=1)
    await h.engine.poll()
    posted = await digest_text(h)
    assert "Council warns of fake alert" in posted and "Bridge reopens" in posted
    assert "Night ferry to stop" not in posted and "Library opens Sundays" not in posted


async def test_latest_n_posts_the_newest_earlier_articles_and_all_posts_everything(harness: Harness) -> None:
    h = harness
    await h.command("digest set", {"channel": IDS.briefs_channel, "schedule": "daily 08:00"})
    serve(
        h,
        [
            ("ferry", "Night ferry to stop", FERRY, BEFORE),
            ("library", "Library opens Sundays", LIBRARY, EARLIER),
        ],
    )
    added = await h.command("source add", {"url": h.web.url("/feed.xml"), "backfill": "latest 1"})
    assert "its 1 newest earlier article, then new ones" in added["content"]
    posted = await digest_text(h)
    assert "Night ferry to stop" in posted and "Library opens Sundays" not in posted
    # Adding it again with `all` changes this server's setting; what was posted is not posted again.
    again = await h.command("source add", {"url": h.web.url("/feed.xml"), "backfill": "all"})
    assert "Already following" in again["content"] and "every article it has" in again["content"]
    assert "Night ferry to stop" not in await digest_text(h)  # the digest's cursor moved on


async def test_a_wrong_backfill_gets_one_line_and_adds_nothing(harness: Harness) -> None:
    h = harness
    serve(h, [("ferry", "Night ferry to stop", FERRY, BEFORE)])
    for wrong, expected in (("lots", "must be `none`, `latest N`"), ("latest 5000", "at most 100")):
        reply = await h.command("source add", {"url": h.web.url("/feed.xml"), "backfill": wrong})
        assert is_ephemeral(reply) and expected in reply["content"] and "\n" not in reply["content"]
    assert await h.engine.store.guild_sources(int(IDS.guild)) == []
