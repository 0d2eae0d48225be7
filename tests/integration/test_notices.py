"""Failure notices through the fake Discord: one message per change of state, never one per failure."""

from __future__ import annotations

from datetime import timedelta

# The harness and its fixtures are test_bot's; pytest finds fixtures by name in this module.
from tests.botkit import (
    FERRY,
    IDS,
    Harness,
    add_feed,
    is_ephemeral,
    rss,
    text_of,
)
from tests.httpserver import respond

pytest_plugins = ["tests.fakediscord.fixtures"]


def notices(h: Harness) -> list[str]:
    return [text_of(m) for m in h.channel(IDS.briefs_channel) if "Newsbrief notice" in text_of(m)]


async def poll_and_tick(h: Harness, times: int = 1) -> None:
    for _ in range(times):
        h.clock.now += timedelta(days=1)  # past any backoff
        await h.engine.poll()
        await h.bot.deliver_digests()


async def test_a_failing_source_is_announced_once_then_its_return_and_its_pause(harness: Harness) -> None:
    h = harness
    reply = await h.command("newsbrief notices", {"channel": IDS.briefs_channel})
    assert is_ephemeral(reply) and "failing 3 times in a row" in reply["content"]
    await add_feed(h, [("ferry", "Night ferry to stop", FERRY)])
    await poll_and_tick(h)
    assert notices(h) == []  # all is well: nothing to say
    h.web.add("/feed.xml", respond("nope", status=500))
    await poll_and_tick(h, 2)
    assert notices(h) == []  # two failures: not yet
    await poll_and_tick(h, 3)
    [failing] = notices(h)
    assert "Harlow Bay Local** is failing" in failing and "HTTP 500" in failing and "/source list" in failing
    h.web.add(
        "/feed.xml",
        respond(rss([("ferry", "Night ferry to stop", FERRY)]), content_type="application/rss+xml"),
    )
    await poll_and_tick(h, 2)
    assert len(notices(h)) == 2 and "is back" in notices(h)[1]
    h.web.add("/feed.xml", respond("nope", status=500))
    await poll_and_tick(h, 12)  # paused after 10 failures in a row; polls after that are skipped
    assert len(notices(h)) == 4
    assert "is failing" in notices(h)[2] and "was paused after 10 failed fetches" in notices(h)[3]
    assert "`/source resume`" in notices(h)[3]
    sent = await h.engine.store.sent_notices(int(IDS.guild))
    assert len(sent) == 4 and len({n.message_id for n in sent}) == 4


async def test_a_digest_channel_the_bot_cannot_post_in_is_announced_once(harness: Harness) -> None:
    h = harness
    await h.command("newsbrief notices", {"channel": IDS.briefs_channel})
    await h.command("digest set", {"channel": IDS.locked_channel, "schedule": "every 1h"})
    await add_feed(h, [("ferry", "Night ferry to stop", FERRY)])
    for _ in range(3):
        h.clock.now += timedelta(hours=2)
        await h.bot.deliver_digests()
    [closed] = notices(h)
    assert f"I can no longer post digests in <#{IDS.locked_channel}>" in closed and "Send Messages" in closed


async def test_notices_are_off_until_a_channel_is_set_and_can_be_turned_off(harness: Harness) -> None:
    h = harness
    await add_feed(h, [("ferry", "Night ferry to stop", FERRY)])
    h.web.add("/feed.xml", respond("nope", status=500))
    await poll_and_tick(h, 4)
    assert notices(h) == []
    refused = await h.command("newsbrief notices", {"channel": IDS.readonly_channel})
    assert is_ephemeral(refused) and "I cannot post in" in refused["content"]
    off = await h.command("newsbrief notices")
    assert (
        off["content"] == "Notices are off."
        and await h.engine.store.get_notice_channel(int(IDS.guild)) is None
    )
