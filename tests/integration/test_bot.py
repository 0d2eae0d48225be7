"""The real bot, with the real discord.py client, against the fake Discord on 127.0.0.1.

Sources are served by a local HTTP server; the store is a fresh SQLite file per test.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.discord.client import NewsbriefBot
from bot.service.polling import Engine
from tests.botkit import (
    BOT_START,
    FERRY,
    IDS,
    LIBRARY,
    OTHER_CHANNEL,
    OTHER_GUILD,
    OTHER_MOD,
    PRANK,
    SPORTS_CHANNEL,
    Harness,
    add_feed,
    answer,
    bot_settings,
    is_ephemeral,
    rss,
    text_of,
    two_guild_world,
)
from tests.clock import Clock
from tests.fakediscord import FakeDiscord, OpenApiIndex, running_client
from tests.httpserver import LocalServer, respond

pytest_plugins = ["tests.fakediscord.fixtures"]


# ---- commands are registered within Discord's limits ---------------------------------------------


async def test_every_command_is_registered(harness: Harness) -> None:
    names = {c["name"] for c in harness.fake.commands[None]}
    assert names >= {"brief", "summarize", "quote", "changes", "search", "source", "digest", "newsbrief"}
    source = harness.fake.registered_command("source", None)
    assert source is not None and int(source["default_member_permissions"]) == 1 << 5  # Manage Server
    assert {o["name"] for o in source["options"]} == {
        "add",
        "remove",
        "list",
        "pause",
        "resume",
        "test",
        "import",
        "export",
    }
    digest = harness.fake.registered_command("digest", None)
    assert digest is not None and {o["name"] for o in digest["options"]} == {
        "set",
        "now",
        "preview",
        "off",
        "publish",
        "threads",
    }
    for command in harness.fake.commands[None]:
        for option in command.get("options", []):
            assert option.get("description"), (command["name"], option["name"])


# ---- sources -------------------------------------------------------------------------------------


async def test_moderator_manages_sources(harness: Harness) -> None:
    h = harness
    h.web.add(
        "/feed.xml",
        respond(rss([("ferry", "Night ferry to stop", FERRY)]), content_type="application/rss+xml"),
    )
    added = await h.command("source add", {"url": h.web.url("/feed.xml")})
    # read at once, not at the next poll interval
    assert (
        is_ephemeral(added)
        and "Added **Harlow Bay Local** — a feed. 1 article stored now." in added["content"]
    )
    assert (await h.engine.store.counts())["articles"] == 1
    assert len(h.web.requests_to("/feed.xml")) == 1  # checked and read in one fetch
    again = await h.command("source add", {"url": h.web.url("/feed.xml")})
    assert "Already following" in again["content"] and "stored now" not in again["content"]
    listed = await h.command("source list")
    assert "Harlow Bay Local" in text_of(listed) and "last fetch" in text_of(listed)
    [entry] = await h.engine.store.guild_sources(int(IDS.guild))
    paused = await h.command("source pause", {"source": str(entry.source.id)})
    assert "Paused" in paused["content"]
    assert "paused" in text_of(await h.command("source list"))
    report = await h.engine.poll()
    assert report.sources[0].skipped is not None
    assert "Resumed" in (await h.command("source resume", {"source": str(entry.source.id)}))["content"]
    assert "Removed" in (await h.command("source remove", {"source": "Harlow Bay Local"}))["content"]
    assert await h.engine.store.guild_sources(int(IDS.guild)) == []


async def test_a_slow_first_poll_goes_on_after_the_reply(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = harness
    # the module the bot loaded: discord.py loads an extension as a fresh module in sys.modules
    monkeypatch.setattr(sys.modules["cogs.sources"], "FIRST_POLL_WAIT_SECONDS", 0)
    h.web.add(
        "/feed.xml",
        respond(rss([("ferry", "Night ferry to stop", FERRY)]), content_type="application/rss+xml"),
    )
    added = await h.command("source add", {"url": h.web.url("/feed.xml")})
    assert "Its articles are being fetched now." in added["content"]
    await h.bot.wait_for_jobs()
    assert (await h.engine.store.counts())["articles"] == 1


async def test_source_test_shows_briefs_and_stores_nothing(harness: Harness) -> None:
    h = harness
    h.web.add(
        "/preview.xml",
        respond(rss([("ferry", "Night ferry to stop", FERRY)]), content_type="application/rss+xml"),
    )
    reply = await h.command("source test", {"url": h.web.url("/preview.xml")})
    assert is_ephemeral(reply)
    assert "Night ferry to stop" in text_of(reply) and "Marta Okafor" in text_of(reply)
    assert (await h.engine.store.counts())["articles"] == 0


async def test_a_home_page_is_followed_through_the_feed_it_declares(harness: Harness) -> None:
    h = harness
    h.web.add(
        "/news.xml",
        respond(rss([("ferry", "Night ferry to stop", FERRY)]), content_type="application/rss+xml"),
    )
    h.web.add(
        "/",
        respond(
            f"<html><head><title>Harlow Bay Local</title><link rel='alternate' "
            f"type='application/rss+xml' href='{h.web.url('/news.xml')}'></head>"
            "<body><nav><a href='/a'>News</a> <a href='/b'>Sport</a></nav></body></html>"
        ),
    )
    added = await h.command("source add", {"url": h.web.url("/")})
    assert "a feed" in added["content"], added
    [entry] = await h.engine.store.guild_sources(int(IDS.guild))
    assert entry.source.location == h.web.url("/news.xml")
    assert "1 article stored now" in added["content"]
    assert len(h.web.requests_to("/news.xml")) == 1
    h.web.add(
        "/nofeed", respond("<html><head><title>Menu</title></head><body><a href='/x'>x</a></body></html>")
    )
    refused = await h.command("source add", {"url": h.web.url("/nofeed")})
    assert is_ephemeral(refused) and "no feed" in refused["content"]


async def test_bad_sources_get_clear_ephemeral_errors(harness: Harness) -> None:
    h = harness
    reply = await h.command("source add", {"url": "ftp://example.com/feed"})
    assert is_ephemeral(reply) and "http://" in reply["content"]
    reply = await h.command("source add", {"url": "http://169.254.169.254/latest/meta-data/"})
    assert is_ephemeral(reply) and "link-local" in reply["content"]
    h.web.add("/page.html", respond("<html><body><p>Welcome</p></body></html>"))
    h.web.add(
        "/broken.xml",
        respond(
            "<?xml version='1.0'?><rss><channel><item><title>x</titl", content_type="application/rss+xml"
        ),
    )
    reply = await h.command("source add", {"url": h.web.url("/broken.xml")})
    assert is_ephemeral(reply) and "not a feed" in reply["content"]
    assert await h.engine.store.guild_sources(int(IDS.guild)) == []


async def test_a_reader_cannot_manage_sources_or_digests(harness: Harness) -> None:
    h = harness
    for command, options in (
        ("source add", {"url": "https://example.com/feed"}),
        ("source list", {}),
        ("digest set", {"channel": IDS.briefs_channel, "schedule": "daily 08:00"}),
    ):
        reply = await h.command(command, options, user=IDS.reader)
        assert is_ephemeral(reply) and "Only moderators" in reply["content"], command
    assert await h.engine.store.guild_sources(int(IDS.guild)) == []


async def test_a_moderator_role_grants_moderation(harness: Harness) -> None:
    h = harness
    refused = await h.command("newsbrief moderator-role", {"role": IDS.everyone_role}, user=IDS.reader)
    assert "Manage Server" in refused["content"]
    await h.command("newsbrief moderator-role", {"role": IDS.everyone_role}, user=IDS.owner)
    reply = await h.command("source list", user=IDS.reader)
    assert not (reply.get("content") or "").startswith("Only moderators")


# ---- reading -------------------------------------------------------------------------------------


async def test_brief_summarize_quote_changes_search(harness: Harness) -> None:
    h = harness
    await add_feed(
        h, [("ferry", "Night ferry to stop", FERRY), ("library", "Library opens Sundays", LIBRARY)]
    )
    choices = await answer(
        await h.fake.inject_autocomplete(
            "brief", {"article": "ferry"}, "article", guild_id=IDS.guild, user_id=IDS.reader
        )
    )
    [ferry] = [c for c in choices["choices"] if "Night ferry" in c["name"]]

    brief = await h.command("brief", {"article": ferry["value"]}, user=IDS.reader)
    [embed] = brief["embeds"]
    assert embed["title"] == "Night ferry to stop" and embed["url"] == "https://harlow.example/ferry"
    assert "Marta Okafor" in text_of(brief) and "first report" in text_of(brief).lower()

    short = await h.command("summarize", {"target": ferry["value"], "sentences": 1}, user=IDS.reader)
    assert "night crossings in January" in short["embeds"][0]["description"]
    assert "5-2" not in short["embeds"][0]["description"]

    quotes = await h.command("quote", {"article": ferry["value"]}, user=IDS.reader)
    assert "We cannot run a ferry without people qualified to steer it" in text_of(quotes)
    by_speaker = await h.command("quote", {"speaker": "Okafor"}, user=IDS.reader)
    assert "We cannot run a ferry" in text_of(by_speaker) and "Whitfield" not in text_of(by_speaker)

    found = await h.command("search", {"query": "library Sundays"}, user=IDS.reader)
    assert "Library opens Sundays" in text_of(found) and "Night ferry" not in text_of(found)
    nothing = await h.command("search", {"query": "volcano"}, user=IDS.reader)
    assert is_ephemeral(nothing) and "No stored article matches" in nothing["content"]

    # An edit: the next poll stores a second version; /changes shows the changed words.
    h.web.add(
        "/feed.xml",
        respond(
            rss([("ferry", "Night ferry to stop", FERRY.replace("5-2", "6-1"))]),
            content_type="application/rss+xml",
        ),
    )
    await h.engine.poll()
    changes = await h.command("changes", {"article": ferry["value"]}, user=IDS.reader)
    assert "6-1" in text_of(changes) and "5-2" in text_of(changes)
    assert "version 2 of 2" in text_of(changes)
    # A third version: the newest edit comes first, the earlier one is a page away.
    h.web.add(
        "/feed.xml",
        respond(
            rss(
                [
                    (
                        "ferry",
                        "Night ferry to stop",
                        FERRY.replace("5-2", "6-1").replace("$2.4 million", "$3 million"),
                    )
                ]
            ),
            content_type="application/rss+xml",
        ),
    )
    await h.engine.poll()
    handle = await h.fake.inject_slash_command(
        "changes",
        {"article": ferry["value"]},
        guild_id=IDS.guild,
        channel_id=IDS.briefs_channel,
        user_id=IDS.reader,
    )
    newest = await answer(handle)
    assert "version 3 of 3" in text_of(newest) and "$3 million" in text_of(newest)
    message = await handle.original()
    older = await (
        await h.fake.inject_button_click(message, _button(message, "Next"), user_id=IDS.reader)
    ).callback()
    assert "version 2 of 3" in text_of(older["data"]) and "6-1" in text_of(older["data"])


async def test_summarize_a_url_and_refuse_private_ones(harness: Harness) -> None:
    h = harness
    page = "".join(f"<p>{p}</p>" for p in LIBRARY.split("\n\n"))
    h.web.add(
        "/library",
        respond(
            f"<html><head><title>Library to open on Sundays</title></head><body><article><h1>Library to open on Sundays</h1>{page}</article></body></html>"
        ),
    )
    reply = await h.command("summarize", {"target": h.web.url("/library")}, user=IDS.reader)
    assert reply["embeds"][0]["title"] == "Library to open on Sundays"
    # Asked again, unchanged: the stored brief, and still one article.
    again = await h.command("summarize", {"target": h.web.url("/library")}, user=IDS.reader)
    assert again["embeds"][0]["title"] == "Library to open on Sundays"
    assert (await h.engine.store.counts())["articles"] == 1
    # Now stored and visible to this guild only.
    assert (await h.command("search", {"query": "library"}, user=IDS.reader))["embeds"]
    other = await h.command(
        "search", {"query": "library"}, user=OTHER_MOD, guild=OTHER_GUILD, channel=OTHER_CHANNEL
    )
    assert is_ephemeral(other)
    refused = await h.command("summarize", {"target": "http://10.1.2.3/secret"}, user=IDS.reader)
    assert "private address" in refused["content"]
    unknown = await h.command("brief", {"article": "no such thing at all"}, user=IDS.reader)
    assert is_ephemeral(unknown) and "/search" in unknown["content"]


async def test_guilds_see_only_their_own_articles_and_share_fetches(harness: Harness) -> None:
    h = harness
    await add_feed(h, [("ferry", "Night ferry to stop", FERRY)])
    await add_feed(
        h,
        [("library", "Library opens Sundays", LIBRARY)],
        path="/other.xml",
        guild=OTHER_GUILD,
        user=OTHER_MOD,
    )
    mine = await h.command("search", {"query": "ferry"}, user=IDS.reader)
    assert "Night ferry" in text_of(mine)
    theirs = await h.command(
        "search", {"query": "ferry"}, user=OTHER_MOD, guild=OTHER_GUILD, channel=OTHER_CHANNEL
    )
    assert is_ephemeral(theirs)
    # The other guild follows the first feed too: one source, polled once, visible to both.
    h.fake.requests.clear()
    before = len(h.web.requests_to("/feed.xml"))
    await h.command(
        "source add",
        {"url": h.web.url("/feed.xml")},
        user=OTHER_MOD,
        guild=OTHER_GUILD,
        channel=OTHER_CHANNEL,
    )
    await h.engine.poll()
    assert len(h.web.requests_to("/feed.xml")) - before == 2  # the add's check, then one poll
    assert (await h.engine.store.counts())["articles"] == 2
    shared = await h.command(
        "search", {"query": "ferry"}, user=OTHER_MOD, guild=OTHER_GUILD, channel=OTHER_CHANNEL
    )
    assert "Night ferry" in text_of(shared)


# ---- digests -------------------------------------------------------------------------------------


async def set_digest(
    h: Harness, channel: str = IDS.briefs_channel, schedule: str = "daily 08:00"
) -> dict[str, Any]:
    return await h.command("digest set", {"channel": channel, "schedule": schedule})


async def test_a_digest_is_posted_on_schedule_with_the_right_items(harness: Harness) -> None:
    h = harness
    reply = await set_digest(h)
    assert "every day at 08:00" in reply["content"]
    await add_feed(
        h, [("ferry", "Night ferry to stop", FERRY), ("library", "Library opens Sundays", LIBRARY)]
    )
    await h.bot.deliver_digests()
    assert h.channel() == []  # 07:00: not due yet
    h.clock.now += timedelta(hours=1, minutes=1)
    await h.bot.deliver_digests()
    posted = h.channel()
    assert posted and all(m["author"]["id"] == IDS.bot_user for m in posted)
    text = "\n".join(text_of(m) for m in posted)
    assert "Night ferry to stop" in text and "Library opens Sundays" in text
    assert "We cannot run a ferry" in text
    assert h.channel(IDS.locked_channel) == []
    # The next day's digest has only what is new since.
    await add_feed(h, [("prank", "Council warns of fake alert", PRANK)], path="/prank.xml")
    h.clock.now += timedelta(days=1)
    await h.bot.deliver_digests()
    second = h.channel()[len(posted) :]
    assert second and "Council warns of fake alert" in "\n".join(text_of(m) for m in second)
    assert "Night ferry to stop" not in "\n".join(text_of(m) for m in second)


async def test_missed_schedules_are_caught_up_once(harness: Harness) -> None:
    h = harness
    await set_digest(h, schedule="every 1h")
    await add_feed(h, [("ferry", "Night ferry to stop", FERRY)])
    h.clock.now += timedelta(hours=10)  # the bot was down for ten slots
    await h.bot.deliver_digests()
    await h.bot.deliver_digests()
    assert len(h.channel()) == 1


async def test_article_text_pings_nobody_and_shows_markdown_literally(harness: Harness) -> None:
    h = harness
    await set_digest(h)
    await add_feed(h, [("prank", "Council warns of fake @everyone alert", PRANK)])
    h.clock.now += timedelta(hours=2)
    await h.bot.deliver_digests()
    posts = [
        r for r in h.fake.requests if r.method == "POST" and r.route == "/channels/{channel_id}/messages"
    ]
    assert posts
    for request in posts:
        assert request.body["allowed_mentions"]["parse"] == []
        body = json.dumps(request.body, ensure_ascii=False)
        assert "@everyone" not in body.replace("@\u200beveryone", "")
        assert "<@123456789>" not in body
        assert "\\\\*\\\\*URGENT\\\\*\\\\*" in body  # the Markdown stars arrive escaped


async def test_a_channel_the_bot_cannot_post_in_is_reported(harness: Harness) -> None:
    h = harness
    await set_digest(h, channel=IDS.locked_channel)
    await add_feed(h, [("ferry", "Night ferry to stop", FERRY)])
    h.clock.now += timedelta(hours=2)
    await h.bot.deliver_digests()
    assert h.channel(IDS.locked_channel) == []
    listed = text_of(await h.command("source list"))
    assert f"<#{IDS.locked_channel}>" in listed and "permission" in listed
    status = text_of(await h.command("newsbrief status"))
    assert "permission" in status and "Articles stored" in status


async def test_a_channel_the_bot_visibly_cannot_post_in_is_refused_up_front(harness: Harness) -> None:
    h = harness
    refused = await set_digest(h, channel=IDS.readonly_channel)
    assert is_ephemeral(refused)
    assert f"I cannot post in <#{IDS.readonly_channel}>: give me Send Messages" in refused["content"]
    assert await h.engine.store.digest_channels(int(IDS.guild)) == []
    h.web.add(
        "/feed.xml",
        respond(rss([("ferry", "Night ferry to stop", FERRY)]), content_type="application/rss+xml"),
    )
    pinned = await h.command("source add", {"url": h.web.url("/feed.xml"), "channel": IDS.readonly_channel})
    assert is_ephemeral(pinned) and "I cannot post in" in pinned["content"]
    assert await h.engine.store.guild_sources(int(IDS.guild)) == []
    # a channel the bot can post in, but with no digest yet: added, with what to do next
    added = await h.command("source add", {"url": h.web.url("/feed.xml"), "channel": IDS.briefs_channel})
    assert "Added" in added["content"]
    assert f"<#{IDS.briefs_channel}> has no digest yet: set one with `/digest set`" in added["content"]


async def test_a_restart_mid_digest_posts_every_item_exactly_once(
    tmp_path: Path, web: LocalServer, discord_openapi: OpenApiIndex | None
) -> None:
    settings = bot_settings(tmp_path).model_copy(update={"digest_max_items": 30})
    clock = Clock(BOT_START)
    topics = [
        "ferry",
        "library",
        "bridge",
        "school",
        "harbour",
        "market",
        "museum",
        "park",
        "road",
        "clinic",
        "pool",
        "theatre",
        "station",
        "farm",
        "beach",
        "forest",
        "airport",
        "stadium",
        "castle",
        "canal",
        "zoo",
        "pier",
        "tower",
        "mill",
        "depot",
    ]
    items = [
        (
            f"story{i}",
            f"Story number {i} of the day",
            f"The {topic} in Town {i} will close for repairs next spring, the council of Town {i} said on Monday.\n\n"
            f"Repairs to the {topic} will cost about {i + 2} million dollars and take {i + 3} months, officials said.\n\n"
            f'"The {topic} has served Town {i} well, but it needs the work," said mayor Alex Rivera.',
        )
        for i, topic in enumerate(topics)
    ]
    web.add("/feed.xml", respond(rss(items), content_type="application/rss+xml"))
    async with FakeDiscord(two_guild_world(), openapi=discord_openapi) as fake:
        async with Engine.open(settings, clock=clock) as engine:
            bot = NewsbriefBot(settings, engine, clock=clock, start_scheduler=False, guild_ready_timeout=0.1)
            async with running_client(bot, fake):
                h = Harness(fake, bot, engine, clock, web, settings)
                await h.command("digest set", {"channel": IDS.briefs_channel, "schedule": "daily 08:00"})
                await h.command("source add", {"url": web.url("/feed.xml"), "backfill": "all"})
                await engine.poll()
                # The second message reaches Discord, but the bot never hears back; then it stops.
                fake.lose_ack_next(IDS.briefs_channel, skip=1, times=1)
                clock.now += timedelta(hours=2)
                await bot.deliver_digests()
                outbox = await engine.store.outbox_items(int(IDS.briefs_channel))
                parts = len(outbox)
                assert parts >= 3
                states = [item.state for item in outbox]
                assert "sent" in states and states[-1] != "sent"
        # A new process: the same database, a new client.
        async with Engine.open(settings, clock=clock) as engine:
            bot = NewsbriefBot(settings, engine, clock=clock, start_scheduler=False, guild_ready_timeout=0.1)
            async with running_client(bot, fake):
                posts_before = len(fake.requests_to("POST", "/channels/{channel_id}/messages"))
                await bot.deliver_digests()
                reposted = len(fake.requests_to("POST", "/channels/{channel_id}/messages")) - posts_before
                # The unacknowledged message was found in the channel, not posted again.
                assert reposted == parts - 2
                outbox = await engine.store.outbox_items(int(IDS.briefs_channel))
                assert [item.state for item in outbox] == ["sent"] * parts
        messages = fake.channel_messages(IDS.briefs_channel)
        assert len(messages) == parts
        markers = [m["content"].rsplit("ref ", 1)[1] for m in messages]
        assert len(set(markers)) == parts
        seen = "\n".join(text_of(m) for m in messages)
        for i in range(len(items)):
            assert seen.count(f"Story number {i} of the day") == 1, i
        violations = fake.take_violations()
    assert not violations


async def test_digest_commands(harness: Harness) -> None:
    h = harness
    bad = await set_digest(h, schedule="dialy 8")
    assert is_ephemeral(bad) and "daily 08:00" in bad["content"]
    bad_zone = await h.command(
        "digest set", {"channel": IDS.briefs_channel, "schedule": "daily 08:00", "timezone": "Mars/Olympus"}
    )
    assert "timezone" in bad_zone["content"]
    await set_digest(h, schedule="daily 08:00")
    nothing = await h.command("digest preview")
    assert "Nothing new" in nothing["content"]
    await add_feed(h, [("ferry", "Night ferry to stop", FERRY)])
    preview = await h.command("digest preview")
    assert is_ephemeral(preview) and "Night ferry to stop" in text_of(preview)
    assert h.channel() == []
    now = await h.command("digest now")
    assert "Posted" in now["content"]
    assert "Night ferry to stop" in "\n".join(text_of(m) for m in h.channel())
    status = text_of(await h.command("newsbrief status", user=IDS.reader))
    assert f"<#{IDS.briefs_channel}>" in status and "08:00" in status
    off = await h.command("digest off")
    assert "No more digests" in off["content"]
    again = await h.command("digest now")
    assert "has no digest" in again["content"]


async def test_a_channel_sets_how_many_articles_its_digest_lists(harness: Harness) -> None:
    h = harness
    capped = await h.command(
        "digest set", {"channel": IDS.briefs_channel, "schedule": "daily 08:00", "items": 1}
    )
    assert "up to 1 article each" in capped["content"]
    # another schedule, no items given: the cap stays
    changed = await set_digest(h, schedule="every 2h")
    assert "up to 1 article each" in changed["content"]
    # Discord itself refuses a number out of the registered range
    digest = h.fake.registered_command("digest", None)
    assert digest is not None
    [set_] = [o for o in digest["options"] if o["name"] == "set"]
    [items] = [o for o in set_["options"] if o["name"] == "items"]
    assert (items["min_value"], items["max_value"]) == (1, 50)
    await add_feed(
        h, [("ferry", "Night ferry to stop", FERRY), ("library", "Library opens Sundays", LIBRARY)]
    )
    assert "Posted" in (await h.command("digest now"))["content"]
    posted = "\n".join(text_of(m) for m in h.channel())
    assert posted.count("Night ferry to stop") + posted.count("Library opens Sundays") == 1
    assert "and 1 more" in posted


async def test_search_results_page_with_buttons(harness: Harness) -> None:
    h = harness
    items = [
        (
            f"h{i}",
            f"Harbour wall report {i}",
            f"The harbour wall in Town {i} needs repairs costing {i + 1} million dollars, engineers said on Friday.\n\n"
            f"Work on the harbour in Town {i} could start in the spring, the port authority of Town {i} said.",
        )
        for i in range(12)
    ]
    await add_feed(h, items)
    handle = await h.fake.inject_slash_command(
        "search", {"query": "harbour"}, guild_id=IDS.guild, channel_id=IDS.briefs_channel, user_id=IDS.reader
    )
    first = await answer(handle)
    assert "1/3" in text_of(first)
    message = await handle.original()
    click = await h.fake.inject_button_click(message, _button(message, "Next"), user_id=IDS.reader)
    turned = await click.callback()
    assert turned["type"] == 7  # the message is updated in place
    assert "2/3" in text_of(turned["data"])
    assert text_of(turned["data"]) != text_of(first)
    stranger = await h.fake.inject_button_click(message, _button(message, "Next"), user_id=IDS.moderator)
    refused = await stranger.callback()
    assert (
        refused["type"] == 4
        and is_ephemeral(refused["data"])
        and "someone else's" in refused["data"]["content"]
    )


def _button(message: dict[str, Any], label: str) -> str:
    for row in message.get("components") or []:
        for button in row.get("components") or []:
            if label in (button.get("label") or ""):
                return str(button["custom_id"])
    raise LookupError(label)


async def test_rate_limits_and_server_errors_do_not_lose_or_repeat_a_digest(harness: Harness) -> None:
    h = harness
    await set_digest(h)
    await add_feed(h, [("ferry", "Night ferry to stop", FERRY)])
    route = "/channels/{channel_id}/messages"
    h.fake.fail_next("POST", route, 429, retry_after=0.01)  # discord.py waits and retries
    h.fake.fail_next("POST", route, 503, times=10)  # down for longer than discord.py retries
    h.clock.now += timedelta(hours=2)
    await h.bot.deliver_digests()
    assert h.channel() == []
    statuses = [r.status for r in h.fake.requests_to("POST", route)]
    assert statuses[0] == 429 and statuses[1:] and set(statuses[1:]) == {503}
    [channel] = await h.engine.store.digest_channels(int(IDS.guild))
    assert channel.status == "failing" and "503" in (channel.status_detail or "")
    # Discord is back: the next run posts the digest that is still in the outbox, once.
    h.fake.failures.clear()
    await h.bot.deliver_digests()
    await h.bot.deliver_digests()
    posted = h.channel()
    assert len(posted) == 1 and "Night ferry to stop" in text_of(posted[0])
    [channel] = await h.engine.store.digest_channels(int(IDS.guild))
    assert channel.status == "ok"


async def test_a_source_pinned_to_a_channel_goes_only_to_that_digest(harness: Harness) -> None:
    h = harness
    await set_digest(h)
    await set_digest(h, channel=SPORTS_CHANNEL)
    h.web.add(
        "/sports.xml",
        respond(
            rss([("match", "Harlow Bay wins the cup", PRANK.replace("prankster", "striker"))]),
            content_type="application/rss+xml",
        ),
    )
    pinned = await h.command(
        "source add", {"url": h.web.url("/sports.xml"), "channel": SPORTS_CHANNEL, "backfill": "all"}
    )
    assert "Added" in pinned["content"]
    await add_feed(h, [("ferry", "Night ferry to stop", FERRY)])
    h.clock.now += timedelta(hours=2)
    await h.bot.deliver_digests()
    general = "\n".join(text_of(m) for m in h.channel())
    sports = "\n".join(text_of(m) for m in h.channel(SPORTS_CHANNEL))
    assert "Night ferry to stop" in general and "Harlow Bay wins the cup" not in general
    assert "Harlow Bay wins the cup" in sports and "Night ferry to stop" in sports


async def test_every_article_option_autocompletes(harness: Harness) -> None:
    h = harness
    await add_feed(
        h, [("ferry", "Night ferry to stop", FERRY), ("library", "Library opens Sundays", LIBRARY)]
    )
    for command, option in (
        ("brief", "article"),
        ("summarize", "target"),
        ("quote", "article"),
        ("changes", "article"),
    ):
        handle = await h.fake.inject_autocomplete(
            command, {option: "libr"}, option, guild_id=IDS.guild, user_id=IDS.reader
        )
        choices = (await answer(handle))["choices"]
        assert [c["name"].split(" · ")[0] for c in choices] == ["Library opens Sundays"], (command, choices)
    speakers = await answer(
        await h.fake.inject_autocomplete(
            "quote", {"speaker": "oka"}, "speaker", guild_id=IDS.guild, user_id=IDS.reader
        )
    )
    assert [c["value"] for c in speakers["choices"]] == ["Marta Okafor"]
