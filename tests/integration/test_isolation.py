"""Servers cannot reach into each other, and one channel's long rate limit holds up no other.

Two guilds, the real discord.py client against the fake Discord, sources on 127.0.0.1. Guild A
is the default world's guild; guild B ("Elsewhere") has its own moderator and channel.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.discord.client import RATE_LIMIT_WAIT_MAX

# The harness and its fixtures are test_bot's; pytest finds fixtures by name in this module.
from tests.botkit import (
    FERRY,
    IDS,
    LIBRARY,
    OTHER_CHANNEL,
    OTHER_GUILD,
    OTHER_MOD,
    PRANK,
    Harness,
    add_feed,
    answer,
    is_ephemeral,
    rss,
    text_of,
)
from tests.httpserver import respond

pytest_plugins = ["tests.fakediscord.fixtures"]

PIRATE_FERRY = (
    FERRY.replace("night crossings", "pirate crossings")
    .replace("Marta Okafor", "Captain Hook")
    .replace("Okafor", "Hook")
)


def teaser_rss(items: list[tuple[str, str, str]]) -> str:
    """A feed of teasers: (guid, link, headline); the text is on the linked page."""
    entries = "".join(
        f"<item><guid isPermaLink='false'>{guid}</guid><link>{link}</link><title>{headline}</title>"
        f"<pubDate>Mon, 23 Nov 2026 10:00:00 GMT</pubDate><description>{headline}…</description></item>"
        for guid, link, headline in items
    )
    return (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>Teasers</title>"
        f"<link>https://teasers.example/</link><description>d</description>{entries}</channel></rss>"
    )


def page(headline: str, text: str) -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
    return f"<html><head><title>{headline}</title></head><body><article><h1>{headline}</h1>{paragraphs}</article></body></html>"


async def as_b(h: Harness, name: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    return await h.command(name, options, user=OTHER_MOD, guild=OTHER_GUILD, channel=OTHER_CHANNEL)


async def add_teasers(
    h: Harness,
    path: str,
    items: list[tuple[str, str, str]],
    *,
    guild: str = IDS.guild,
    name: str | None = None,
) -> None:
    h.web.add(path, respond(teaser_rss(items), content_type="application/rss+xml"))
    options = {"url": h.web.url(path)} | ({"name": name} if name else {})
    reply = await (
        as_b(h, "source add", options) if guild == OTHER_GUILD else h.command("source add", options)
    )
    assert "Added" in reply["content"], reply
    await h.engine.poll()


async def a_article_ids(h: Harness) -> list[int]:
    return [c.article_id for c in await h.engine.store.suggest_articles(int(IDS.guild), "")]


async def test_a_feed_cannot_rewrite_another_servers_article(harness: Harness) -> None:
    h = harness
    # Guild A: a full-text feed (its own claim) and a teaser whose page the bot fetched (shared).
    await add_feed(h, [("ferry", "Night ferry to stop", FERRY)])
    h.web.add("/library", respond(page("Library opens Sundays", LIBRARY)))
    await add_teasers(h, "/teasers.xml", [("lib", h.web.url("/library"), "Library opens Sundays")])
    await h.command("digest set", {"channel": IDS.briefs_channel, "schedule": "daily 08:00"})
    [library_id, ferry_id] = await a_article_ids(h)

    # Guild B's feed claims other texts for both URLs, in full: the bot fetches neither.
    rewritten = PIRATE_FERRY.replace("Harlow Bay", "Pirate Bay")
    b_items = rss([("ferry", "Night ferry to stop", PIRATE_FERRY)]).replace(
        "</channel>",
        f"<item><guid>b-lib</guid><link>{h.web.url('/library')}</link><title>Library opens Sundays</title>"
        f"<content:encoded><![CDATA[{''.join(f'<p>{p}</p>' for p in rewritten.split(chr(10) * 2))}]]>"
        "</content:encoded></item></channel>",
    )
    h.web.add("/b.xml", respond(b_items, content_type="application/rss+xml"))
    library_fetches = len(h.web.requests_to("/library"))
    assert "Added" in (await as_b(h, "source add", {"url": h.web.url("/b.xml")}))["content"]
    await h.engine.poll()
    assert len(h.web.requests_to("/library")) == library_fetches

    # A's articles are as A's sources said: one version each, no pirate anywhere A looks.
    for article_id in (ferry_id, library_id):
        assert len(await h.engine.store.list_versions(article_id)) == 1
        brief = await h.command("brief", {"article": str(article_id)}, user=IDS.reader)
        assert "pirate" not in text_of(brief).lower() and "Hook" not in text_of(brief)
    assert is_ephemeral(await h.command("search", {"query": "pirate"}, user=IDS.reader))
    assert "No quotes match" in text_of(await h.command("quote", {"speaker": "Hook"}, user=IDS.reader))
    assert await a_article_ids(h) == [library_id, ferry_id]
    h.clock.now += timedelta(hours=2)
    await h.bot.deliver_digests()
    digest = "\n".join(text_of(m) for m in h.channel())
    assert "Night ferry to stop" in digest and "pirate" not in digest.lower()

    # B sees what its own source said about the same URLs, and nothing of A's text.
    found = await as_b(h, "search", {"query": "pirate crossings"})
    assert "Night ferry to stop" in text_of(found)
    assert is_ephemeral(await as_b(h, "search", {"query": "Okafor"}))
    assert "We cannot run a ferry" in text_of(await as_b(h, "quote", {"speaker": "Hook"}))
    mine = await as_b(h, "brief", {"article": str(ferry_id)})
    assert "Okafor" not in text_of(mine) and "night crossings" not in text_of(mine)


async def test_a_teaser_link_reads_only_what_the_bot_fetches_there(harness: Harness) -> None:
    h = harness
    # A's private feed carries its article in full; its link answers nobody else.
    private = h.web.url("/members/ferry")
    h.web.add("/members/ferry", respond("login required", status=403))
    h.web.add(
        "/private.xml",
        respond(
            rss([("ferry", "Night ferry to stop", FERRY)]).replace("https://harlow.example/ferry", private),
            content_type="application/rss+xml",
        ),
    )
    assert "Added" in (await h.command("source add", {"url": h.web.url("/private.xml")}))["content"]
    await h.engine.poll()
    [ferry_id] = await a_article_ids(h)

    # B's teaser feed links to that URL: the bot fetches it for B, and is refused.
    await add_teasers(h, "/b-teasers.xml", [("t1", private, "Night ferry to stop")], guild=OTHER_GUILD)
    assert len(h.web.requests_to("/members/ferry")) == 1
    for command, options in (
        ("search", {"query": "ferry captains"}),
        ("brief", {"article": str(ferry_id)}),
        ("brief", {"article": private}),
        ("changes", {"article": str(ferry_id)}),
        ("quote", {"speaker": "Okafor"}),
    ):
        reply = await as_b(h, command, options)
        assert "qualified to steer" not in text_of(reply) and "1,200" not in text_of(reply), (command, reply)
    for command, option, typed in (
        ("brief", "article", private),
        ("brief", "article", "ferry"),
        ("quote", "speaker", "oka"),
    ):
        handle = await h.fake.inject_autocomplete(
            command, {option: typed}, option, guild_id=OTHER_GUILD, user_id=OTHER_MOD
        )
        assert (await answer(handle))["choices"] == [], (command, typed)
    assert await h.engine.store.counts(int(OTHER_GUILD)) == {"sources": 1, "articles": 0, "versions": 0}

    # Once the page is public, B gets the page as the bot reads it: the bot's copy, not A's.
    h.web.add(
        "/members/ferry", respond(page("Ferry: members' summary", LIBRARY.replace("library", "ferry office")))
    )
    h.clock.now += timedelta(hours=1)
    await h.engine.poll(force=True)
    found = await as_b(h, "search", {"query": "ferry office"})
    assert "ferry office" in text_of(found).lower() and "Okafor" not in text_of(found)
    assert is_ephemeral(await h.command("search", {"query": "ferry office"}, user=IDS.reader))

    # A page the bot fetched for one server is the URL's, shared: another server's teaser to it
    # reuses the bot's stored copy instead of fetching again.
    h.web.add("/public", respond(page("Council warns of fake alert", PRANK)))
    await add_teasers(
        h,
        "/a-teasers.xml",
        [("p", h.web.url("/public"), "Council warns of fake alert")],
        name="Our secret club",
    )
    await add_teasers(
        h, "/b-more.xml", [("q", h.web.url("/public"), "Council warns of fake alert")], guild=OTHER_GUILD
    )
    assert len(h.web.requests_to("/public")) == 1
    assert "Council warns of fake alert" in text_of(await as_b(h, "search", {"query": "prankster"}))
    # It is the page's, labelled by its site: nothing says which server's source found it first.
    [public_id] = [c.article_id for c in await h.engine.store.suggest_articles(int(OTHER_GUILD), "council")]
    shown = text_of(await as_b(h, "brief", {"article": str(public_id)}))
    assert "secret club" not in shown.lower() and "Teasers" not in shown and "127.0.0.1" in shown


async def test_pausing_a_shared_source_pauses_it_for_that_server_only(harness: Harness) -> None:
    h = harness
    await add_feed(h, [("ferry", "Night ferry to stop", FERRY)])
    assert "Already" not in (await as_b(h, "source add", {"url": h.web.url("/feed.xml")}))["content"]
    await h.engine.poll()
    assert "Paused" in (await as_b(h, "source pause", {"source": h.web.url("/feed.xml")}))["content"]

    # The feed has a new article: A, which did not pause, gets it; B does not.
    h.web.add(
        "/feed.xml",
        respond(
            rss([("ferry", "Night ferry to stop", FERRY), ("library", "Library opens Sundays", LIBRARY)]),
            content_type="application/rss+xml",
        ),
    )
    before = len(h.web.requests_to("/feed.xml"))
    h.clock.now += timedelta(hours=1)
    await h.engine.poll()
    assert len(h.web.requests_to("/feed.xml")) == before + 1
    assert "Library opens Sundays" in text_of(
        await h.command("search", {"query": "library"}, user=IDS.reader)
    )
    assert is_ephemeral(await as_b(h, "search", {"query": "library"}))
    assert "Night ferry" in text_of(await as_b(h, "search", {"query": "ferry"}))  # from before the pause

    # A's list shows nothing of B's pause; B's shows B's own.
    mine = text_of(await h.command("source list")).lower()
    assert "paused" not in mine and "other-moderator" not in mine
    theirs = text_of(await as_b(h, "source list")).lower()
    assert "paused by other-moderator" in theirs

    # When A pauses too, nobody wants it: it is not fetched. B's resume brings it back, for B only.
    await h.command("source pause", {"source": h.web.url("/feed.xml")})
    h.clock.now += timedelta(hours=1)
    await h.engine.poll()
    assert len(h.web.requests_to("/feed.xml")) == before + 1
    await as_b(h, "source resume", {"source": h.web.url("/feed.xml")})
    await h.engine.poll()
    assert len(h.web.requests_to("/feed.xml")) == before + 2
    assert "Library opens Sundays" in text_of(await as_b(h, "search", {"query": "library"}))
    assert "paused" in text_of(await h.command("source list")).lower()


async def test_urls_with_credentials_are_refused(harness: Harness) -> None:
    h = harness
    h.web.add(
        "/feed.xml",
        respond(rss([("ferry", "Night ferry to stop", FERRY)]), content_type="application/rss+xml"),
    )
    secret = h.web.url("/feed.xml").replace("://", "://reader:hunter2@")
    for command, options in (
        ("source add", {"url": secret}),
        ("source test", {"url": secret}),
        ("summarize", {"target": secret}),
    ):
        reply = await h.command(command, options)
        assert is_ephemeral(reply), (command, reply)
        assert "user name or password" in text_of(reply) and "access token" in text_of(reply)
        assert "hunter2" not in text_of(reply)
    assert h.web.requests_to("/feed.xml") == []
    assert await h.engine.store.list_sources() == []

    # A feed whose entry links carry one: the teaser is not fetched; full text is kept, its link not.
    leaky = rss([("ferry", "Night ferry to stop", FERRY)]).replace(
        "https://harlow.example/ferry", "https://reader:hunter2@harlow.example/ferry"
    )
    await add_feed(h, [], path="/empty.xml")
    h.web.add("/empty.xml", respond(leaky, content_type="application/rss+xml"))
    await add_teasers(h, "/t.xml", [("t", secret, "Secret teaser")])
    h.clock.now += timedelta(hours=1)
    await h.engine.poll(force=True)
    [ferry_id] = await a_article_ids(h)
    assert "hunter2" not in text_of(await h.command("brief", {"article": str(ferry_id)}))
    assert "hunter2" not in text_of(await h.command("source list"))
    assert h.web.requests_to("/feed.xml") == []


async def test_a_long_rate_limit_on_one_channel_defers_only_that_channel(harness: Harness) -> None:
    h = harness
    await h.command("digest set", {"channel": IDS.briefs_channel, "schedule": "daily 08:00"})
    await as_b(h, "digest set", {"channel": OTHER_CHANNEL, "schedule": "daily 08:00"})
    await add_feed(h, [("ferry", "Night ferry to stop", FERRY)])
    await add_feed(
        h, [("library", "Library opens Sundays", LIBRARY)], path="/b.xml", guild=OTHER_GUILD, user=OTHER_MOD
    )
    slow = f"/channels/{IDS.briefs_channel}/messages"
    h.fake.fail_next("POST", slow, 429, retry_after=86400)  # a day: far over RATE_LIMIT_WAIT_MAX
    assert RATE_LIMIT_WAIT_MAX < 86400

    h.clock.now += timedelta(hours=2)
    await h.bot.deliver_digests()
    assert "Library opens Sundays" in "\n".join(text_of(m) for m in h.channel(OTHER_CHANNEL))
    assert h.channel() == []
    [channel] = await h.engine.store.digest_channels(int(IDS.guild))
    assert channel.status == "failing" and "rate-limited" in (channel.status_detail or "")

    # Within Discord's wait the channel is left alone; the other is not posted to twice.
    tried = len([r for r in h.fake.requests if r.path == slow])
    h.clock.now += timedelta(hours=1)
    await h.bot.deliver_digests()
    assert len([r for r in h.fake.requests if r.path == slow]) == tried
    assert len(h.channel(OTHER_CHANNEL)) == 1

    # After it, the digest still in the outbox is posted, once.
    h.clock.now += timedelta(days=1)
    await h.bot.deliver_digests()
    await h.bot.deliver_digests()
    posted = h.channel()
    assert len(posted) == 1 and "Night ferry to stop" in text_of(posted[0])
    assert len(h.channel(OTHER_CHANNEL)) == 1
    [channel] = await h.engine.store.digest_channels(int(IDS.guild))
    assert channel.status == "ok"
