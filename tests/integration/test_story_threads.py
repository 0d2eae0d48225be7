"""Story threads through the fake Discord, with the real discord.py client: a story's first brief
opens a thread on its digest message, and later versions and later articles post into it."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.discord.limits import THREAD_NAME_MAX
from tests.botkit import FERRY, IDS, LIBRARY, Harness, add_feed, bot_in, republish, text_of, two_guild_world
from tests.fakediscord import OpenApiIndex
from tests.fakediscord.world import PERM_CREATE_PUBLIC_THREADS, PERM_SEND_MESSAGES_IN_THREADS, FakeChannel
from tests.httpserver import LocalServer, respond
from tests.integration.test_isolation import page, teaser_rss

pytest_plugins = ["tests.fakediscord.fixtures"]

FORUM = "1100000000000000015"
NO_THREADS = "1100000000000000016"
NO_THREAD_POSTS = "1100000000000000017"
FROM_MESSAGE = "/channels/{channel_id}/messages/{message_id}/threads"
IN_CHANNEL = "/channels/{channel_id}/threads"

# The ferry story as a second outlet tells it: the same event, and one thing the first did not say.
FERRY_ELSEWHERE = """The Harlow Bay transport board voted 5-2 on Tuesday to stop the ferry's night crossings in January, after the operator lost two of its four captains.

The 9 p.m. and 11 p.m. sailings will be cut for at least three months, affecting about 1,200 passengers a week, the board said.

Marta Okafor, who chairs the board, said a $2.4 million grant would train six new captains.

Harbour workers plan a protest outside the Harlow Bay terminal on Friday evening against the cuts."""

EDITED = FERRY.replace("voted 5-2", "voted 6-1")


def world_with(*channels: FakeChannel) -> Any:
    world = two_guild_world()
    base = world.guilds[0]
    return dataclasses.replace(
        world, guilds=(dataclasses.replace(base, channels=(*base.channels, *channels)), *world.guilds[1:])
    )


@pytest.fixture
async def h(tmp_path: Path, discord_openapi: OpenApiIndex | None) -> AsyncIterator[Harness]:
    denied = str(PERM_CREATE_PUBLIC_THREADS | PERM_SEND_MESSAGES_IN_THREADS)
    overwrite = ({"id": IDS.bot_user, "type": 1, "allow": "0", "deny": denied},)
    world = world_with(
        FakeChannel(FORUM, IDS.guild, "news-forum", position=5, forum=True),
        FakeChannel(
            NO_THREADS, IDS.guild, "no-threads", position=6, threads_forbidden=True, overwrites=overwrite
        ),
        FakeChannel(NO_THREAD_POSTS, IDS.guild, "no-thread-posts", position=7, thread_posts_forbidden=True),
    )
    async with LocalServer() as web, bot_in(world, tmp_path, web, discord_openapi) as harness:
        yield harness


async def run_digest(h: Harness) -> None:
    h.clock.now += timedelta(hours=2)
    await h.bot.deliver_digests()


async def threaded_digest(h: Harness, channel: str = IDS.briefs_channel) -> dict[str, Any]:
    await h.command("digest set", {"channel": channel, "schedule": "every 1h"})
    reply = await h.command("digest threads", {"enabled": True, "channel": channel})
    await add_feed(h, [("ferry", "Night ferry to stop", FERRY)])
    await run_digest(h)
    return reply


def thread_texts(h: Harness, thread_id: str) -> list[str]:
    return [text_of(m) for m in h.channel(thread_id)]


async def test_a_guild_that_sets_nothing_sees_no_threads(h: Harness) -> None:
    await h.command("digest set", {"channel": IDS.briefs_channel, "schedule": "every 1h"})
    await add_feed(
        h, [("ferry", "Night ferry to stop", FERRY), ("library", "Library opens Sundays", LIBRARY)]
    )
    await run_digest(h)
    [digest] = h.channel()  # both stories in one message, as always
    assert "Night ferry" in text_of(digest) and "Library" in text_of(digest)
    await republish(
        h, [("ferry", "Night ferry to stop", EDITED), ("library", "Library opens Sundays", LIBRARY)]
    )
    await run_digest(h)
    assert len(h.channel()) == 2
    assert h.fake.threads == {}
    assert not h.fake.requests_to("POST", FROM_MESSAGE) and not h.fake.requests_to("POST", IN_CHANNEL)


async def test_the_first_brief_opens_a_thread_and_an_edit_posts_its_change_with_a_redline(h: Harness) -> None:
    reply = await threaded_digest(h)
    assert "own thread" in reply["content"] and "1 day" in reply["content"] and "⚠️" not in reply["content"]
    [digest] = h.channel()
    [thread] = h.fake.threads_in(IDS.briefs_channel)
    assert thread.id == digest["id"] and thread.name == "Night ferry to stop"
    assert thread.auto_archive_duration == 1440
    assert h.channel(thread.id) == []  # the digest message is the thread's start

    await republish(h, [("ferry", "Night ferry to stop", EDITED)])
    await run_digest(h)
    assert len(h.channel()) == 2  # the digest still lists the edit
    [followup] = h.channel(thread.id)
    assert "New version" in text_of(followup) and "5-2" in text_of(followup) and "6-1" in text_of(followup)
    [attachment] = followup["attachments"]
    assert attachment["filename"] == "redline.png"
    [sent] = [
        r
        for r in h.fake.requests_to("POST", "/channels/{channel_id}/messages")
        if r.path.endswith(f"/{thread.id}/messages")
    ]
    [described] = sent.body["attachments"]
    assert described["description"].startswith("Redline of what changed")
    png = [data for name, data in h.fake.uploads if name == "redline.png"]
    assert png and png[-1].startswith(b"\x89PNG")
    assert len(h.fake.threads_in(IDS.briefs_channel)) == 1  # no second thread for the same story
    # An open thread costs its follow-up one request: the post itself.
    to_thread = [r for r in h.fake.requests if r.path.startswith(f"/channels/{thread.id}")]
    assert [(r.method, r.route) for r in to_thread] == [("POST", "/channels/{channel_id}/messages")]


async def add_teasers(h: Harness, path: str, guid: str, headline: str, text: str) -> None:
    """A feed whose item's text is on its page (fetched pages are what outlets share a story on)."""
    link = h.web.url(f"/pages/{guid}")
    h.web.add(f"/pages/{guid}", respond(page(headline, text), content_type="text/html"))
    h.web.add(path, respond(teaser_rss([(guid, link, headline)]), content_type="application/rss+xml"))
    await h.command("source add", {"url": h.web.url(path), "backfill": "all"})
    await h.engine.poll()


async def test_another_outlets_article_on_the_story_posts_what_it_adds(h: Harness) -> None:
    await h.command("digest set", {"channel": IDS.briefs_channel, "schedule": "every 1h"})
    await h.command("digest threads", {"enabled": True})
    await add_teasers(h, "/local.xml", "ferry", "Night ferry to stop", FERRY)
    await run_digest(h)
    [thread] = h.fake.threads_in(IDS.briefs_channel)
    await add_teasers(h, "/courier.xml", "courier-ferry", "Ferry night sailings cut", FERRY_ELSEWHERE)
    await run_digest(h)
    [followup] = h.channel(thread.id)
    text = text_of(followup)
    assert "adds to the story" in text and "protest" in text and "earlier coverage" in text
    assert "Night ferry to stop" not in text or "Ferry night sailings cut" in text
    assert followup["attachments"] == []  # a picture is for an edit only
    assert len(h.fake.threads_in(IDS.briefs_channel)) == 1


async def test_an_archived_thread_is_reopened_for_a_follow_up(h: Harness) -> None:
    await threaded_digest(h)
    [thread] = h.fake.threads_in(IDS.briefs_channel)
    h.fake.archive_thread(thread.id)
    await republish(h, [("ferry", "Night ferry to stop", EDITED)])
    await run_digest(h)
    [reopen] = h.fake.requests_to("PATCH", "/channels/{channel_id}")
    assert reopen.body == {"archived": False} and reopen.status == 200
    assert not thread.archived and len(h.channel(thread.id)) == 1
    assert len(h.fake.threads_in(IDS.briefs_channel)) == 1


@pytest.mark.parametrize("how", ["locked", "deleted"])
async def test_a_thread_that_cannot_be_reopened_is_replaced_by_one_linked_to_it(h: Harness, how: str) -> None:
    await threaded_digest(h)
    [old] = h.fake.threads_in(IDS.briefs_channel)
    if how == "locked":
        h.fake.archive_thread(old.id, locked=True)
    else:
        h.fake.delete_thread(old.id)
    await republish(h, [("ferry", "Night ferry to stop", EDITED)])
    await run_digest(h)
    new = [t for t in h.fake.threads_in(IDS.briefs_channel) if t.id != old.id]
    [replacement] = new
    assert replacement.name == old.name
    first, followup = thread_texts(h, replacement.id)
    assert f"Continued from <#{old.id}>" in first
    assert "6-1" in followup
    # The next follow-up goes to the new thread, not the old one.
    await republish(h, [("ferry", "Night ferry to stop", EDITED.replace("18 months", "two years"))])
    await run_digest(h)
    assert len(h.channel(replacement.id)) == 3


async def test_a_forum_channel_gets_a_post_per_story_and_follow_ups_in_it(h: Harness) -> None:
    reply = await h.command("digest set", {"channel": FORUM, "schedule": "every 1h"})
    assert "Digests for" in reply["content"]
    await add_feed(
        h, [("ferry", "Night ferry to stop", FERRY), ("library", "Library opens Sundays", LIBRARY)]
    )
    await run_digest(h)
    posts = h.fake.threads_in(FORUM)
    assert sorted(p.name for p in posts) == ["Library opens Sundays", "Night ferry to stop"]
    assert h.channel(FORUM) == []  # a forum holds posts only
    ferry = next(p for p in posts if p.name.startswith("Night"))
    [starter] = h.channel(ferry.id)
    assert "Night ferry to stop" in text_of(starter) and "Newsbrief digest**" not in text_of(starter)
    await republish(
        h, [("ferry", "Night ferry to stop", EDITED), ("library", "Library opens Sundays", LIBRARY)]
    )
    await run_digest(h)
    assert len(h.fake.threads_in(FORUM)) == 2
    _, followup = h.channel(ferry.id)
    assert "6-1" in text_of(followup) and followup["attachments"][0]["filename"] == "redline.png"
    off = await h.command("digest threads", {"enabled": False, "channel": FORUM})
    assert "cannot be turned off" in off["content"]


async def test_a_long_headline_names_its_thread_within_100_characters(h: Harness) -> None:
    long = "Night ferry to stop " + " ".join(f"crossing{n}" for n in range(40))
    await h.command("digest set", {"channel": IDS.briefs_channel, "schedule": "every 1h"})
    await h.command("digest threads", {"enabled": True})
    await add_feed(h, [("ferry", long, FERRY)])
    await run_digest(h)
    [thread] = h.fake.threads_in(IDS.briefs_channel)
    assert len(thread.name) <= THREAD_NAME_MAX and thread.name.startswith("Night ferry to stop")
    assert thread.name.endswith("…")


async def test_missing_thread_permissions_give_one_notice_and_the_digest_is_still_posted(h: Harness) -> None:
    await h.command("newsbrief notices", {"channel": IDS.briefs_channel})
    reply = await threaded_digest(h, NO_THREADS)
    assert "Create Public Threads" in reply["content"]
    assert len(h.channel(NO_THREADS)) == 1 and h.fake.threads_in(NO_THREADS) == []
    await republish(h, [("ferry", "Night ferry to stop", EDITED)])
    await run_digest(h)
    assert len(h.channel(NO_THREADS)) == 2  # every digest posted
    notices = [text_of(m) for m in h.channel() if "Newsbrief notice" in text_of(m)]
    [notice] = notices
    assert "story threads" in notice and "Create Public Threads" in notice


async def test_a_follow_up_discord_refuses_is_noticed_once_and_nothing_else_stops(h: Harness) -> None:
    await h.command("newsbrief notices", {"channel": IDS.briefs_channel})
    await threaded_digest(h, NO_THREAD_POSTS)
    [thread] = h.fake.threads_in(NO_THREAD_POSTS)
    for text in (EDITED, EDITED.replace("18 months", "two years")):
        await republish(h, [("ferry", "Night ferry to stop", text)])
        await run_digest(h)
    assert len(h.channel(NO_THREAD_POSTS)) == 3 and h.channel(thread.id) == []
    [notice] = [text_of(m) for m in h.channel() if "Newsbrief notice" in text_of(m)]
    assert "Send Messages in Threads" in notice
    channel = await h.engine.store.get_digest_channel(int(NO_THREAD_POSTS))
    assert channel is not None and channel.status == "ok"


async def test_a_change_filter_decides_which_edits_are_followed_up(h: Harness) -> None:
    await threaded_digest(h)
    [thread] = h.fake.threads_in(IDS.briefs_channel)
    await h.command("filter add", {"kind": "change", "value": "number", "channel": IDS.briefs_channel})
    reworded = FERRY.replace("said on Tuesday", "said on Tuesday evening")
    await republish(h, [("ferry", "Night ferry to stop", reworded)])  # no number changed
    await run_digest(h)
    assert h.channel(thread.id) == []
    await republish(h, [("ferry", "Night ferry to stop", reworded.replace("voted 5-2", "voted 6-1"))])
    await run_digest(h)
    [followup] = h.channel(thread.id)
    assert "6-1" in text_of(followup) and "evening" not in text_of(followup)


async def test_a_follow_up_whose_answer_was_lost_is_found_in_its_thread_not_posted_twice(h: Harness) -> None:
    await threaded_digest(h)
    [thread] = h.fake.threads_in(IDS.briefs_channel)
    await republish(h, [("ferry", "Night ferry to stop", EDITED)])
    h.fake.lose_ack_next(thread.id)
    await run_digest(h)
    assert len(h.channel(thread.id)) == 1  # Discord has it; the bot did not hear back
    outbox = await h.engine.store.outbox_items(int(IDS.briefs_channel))
    assert outbox[-1].state == "attempted"
    await run_digest(h)
    assert len(h.channel(thread.id)) == 1
    outbox = await h.engine.store.outbox_items(int(IDS.briefs_channel))
    assert [item.state for item in outbox] == ["sent"] * len(outbox)
    assert outbox[-1].message_id == int(h.channel(thread.id)[0]["id"])


async def test_a_digest_message_of_a_story_with_a_thread_points_to_it(h: Harness) -> None:
    await threaded_digest(h)
    [thread] = h.fake.threads_in(IDS.briefs_channel)
    await republish(h, [("ferry", "Night ferry to stop", EDITED)])
    await run_digest(h)
    assert f"<#{thread.id}>" in h.channel()[-1]["content"]


async def test_opening_a_thread_again_on_its_message_gives_the_same_thread(h: Harness) -> None:
    """After a lost answer, the retried open finds Discord's 160004 and keeps the thread it made."""
    await threaded_digest(h)
    [thread] = h.fake.threads_in(IDS.briefs_channel)
    threads = h.bot.digests.threads
    assert threads is not None
    again = await threads.poster.start_thread(
        int(IDS.briefs_channel), int(thread.id), name="Night ferry to stop", auto_archive_minutes=1440
    )
    assert again == int(thread.id) and len(h.fake.threads_in(IDS.briefs_channel)) == 1
    assert h.fake.requests_to("POST", FROM_MESSAGE)[-1].status == 400
