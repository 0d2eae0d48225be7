"""/source import (an attached OPML file) and /source export (an OPML attachment), through the fake Discord."""

from __future__ import annotations

from bot.ingest.opml import OpmlFeed, export_opml, parse_opml

# The harness and its fixtures are test_bot's; pytest finds fixtures by name in this module.
from tests.botkit import (
    FERRY,
    IDS,
    Harness,
    add_feed,
    is_ephemeral,
    web,  # noqa: F401,
)
from tests.httpserver import respond

pytest_plugins = ["tests.fakediscord.fixtures"]


def attach(h: Harness, data: bytes) -> str:
    h.web.add("/upload/feeds.opml", respond(data, content_type="text/x-opml"))
    return h.fake.add_attachment("feeds.opml", h.web.url("/upload/feeds.opml"), len(data))


async def test_an_attached_opml_file_is_followed_and_exported_again(harness: Harness) -> None:
    h = harness
    await add_feed(h, [("ferry", "Night ferry to stop", FERRY)])
    listed = [
        OpmlFeed(h.web.url("/feed.xml"), "Again"),  # followed already
        OpmlFeed("https://bay.example/rss", "Bay Times"),
        OpmlFeed("https://coast.example/atom", "Coast"),
    ]
    reply = await h.command("source import", {"file": attach(h, export_opml(listed, title="mine"))})
    assert is_ephemeral(reply)
    assert "Imported 2 feeds; 1 already followed, 0 skipped" in reply["content"]
    names = sorted(e.name for e in await h.engine.store.guild_sources(int(IDS.guild)))
    assert names == ["Bay Times", "Coast", "Harlow Bay Local"]
    exported = await h.command("source export")
    assert is_ephemeral(exported) and "3 feeds, as OPML" in exported["content"]
    filename, data = h.fake.uploads[-1]
    assert filename == "newsbrief-sources.opml"
    assert sorted(f.url for f in parse_opml(data).feeds) == sorted(
        ["https://bay.example/rss", "https://coast.example/atom", h.web.url("/feed.xml")]
    )


async def test_a_file_that_is_not_opml_gets_one_line_and_adds_nothing(harness: Harness) -> None:
    h = harness
    reply = await h.command("source import", {"file": attach(h, b"<html><body>not a list</body></html>")})
    assert is_ephemeral(reply) and "No feeds found in that file" in reply["content"]
    assert await h.engine.store.guild_sources(int(IDS.guild)) == []
    empty = await h.command("source export")
    assert "follows no feeds yet" in empty["content"]
