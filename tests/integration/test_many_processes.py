"""Many processes on one PostgreSQL, as README's "Many processes" runs them: two gateway shard
processes (`newsbrief run --shards N --shard-count 2 --no-poll`) and two `newsbrief worker`s,
real subprocesses, against 50 local feeds and 4 guilds (two on each shard) over several poll
intervals, with one worker killed mid-poll and one shard killed mid-digest.

PostgreSQL only (NEWSBRIEF_TEST_DATABASE_URL): the test makes a database of its own on that
server and drops it afterwards. Nothing waits for a time: every step waits on a condition (the
database, the fake Discord or the feed server says it happened), with a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web

from bot.brief.serialize import BRIEF_JSON
from bot.models import SourceKind, SourceSpec
from bot.service.workers import SOURCE_LEASE, interval_number
from bot.store import Store
from bot.store.backfill import Backfill, BackfillMode
from tests.botkit import rss
from tests.fakediscord import FakeDiscord, default_world
from tests.fakediscord.world import FakeChannel, FakeGuild, FakeMember, FakeWorld
from tests.httpserver import LocalServer
from tests.paths import ROOT
from tests.storekit import PG_URL, fresh_database

FEEDS = 50
SHARD_COUNT = 2
INTERVAL_SECONDS = 5.0  # the poll interval the processes run with (NEWSBRIEF_POLL_INTERVAL_MINUTES)
# A killed process's claims are taken over after this long. Long enough that a poll slowed down by
# a busy machine (briefs hold the GIL; polls wait for pooled connections) still renews in time.
LEASE_SECONDS = 4.0
DEADLINE = 40.0  # the longest any one condition is waited for: a safety net, never a timer
MODERATOR = "1100000000000000201"

pytestmark = pytest.mark.skipif(
    PG_URL is None, reason="needs PostgreSQL: set NEWSBRIEF_TEST_DATABASE_URL (many processes share one)"
)


def guild_id(number: int) -> int:
    # Snowflakes whose shard, (id >> 22) % 2, is number % 2: guilds 0 and 2 on shard 0, 1 and 3 on 1.
    return ((1_000 + number) << 22) | 7


def channel_id(number: int) -> int:
    return guild_id(number) + 100


def four_guild_world() -> FakeWorld:
    world = default_world()
    base = world.guilds[0]
    guilds = tuple(
        FakeGuild(
            id=str(guild_id(number)),
            name=f"Guild {number}",
            owner_id=world.owner.id,
            roles=(dataclasses.replace(base.roles[0], id=str(guild_id(number))),),
            channels=(FakeChannel(str(channel_id(number)), str(guild_id(number)), "briefs"),),
            members=(FakeMember(world.bot_user), base.member(MODERATOR)),
        )
        for number in range(4)
    )
    return dataclasses.replace(world, guilds=guilds)


_WORDS = ("council", "harbour", "school", "bridge", "library", "clinic", "market", "ferry", "depot")


def article_text(feed: int, edition: int) -> str:
    """Text of its own for each feed and edition, long enough to be an article."""
    place = f"Town{feed}"
    sentences = [
        f"The {place} {_WORDS[(feed + k + edition) % len(_WORDS)]} board voted {k + 3} to {edition + 1} "
        f"on issue {edition * 100 + k} after a long debate about the {_WORDS[(feed * 3 + k) % len(_WORDS)]}."
        for k in range(8)
    ]
    return "\n\n".join(" ".join(sentences[i : i + 2]) for i in range(0, 8, 2))


@dataclasses.dataclass
class Feeds:
    """The 50 feeds: feed i lists one item per edition so far; every hit is kept with its time."""

    server: LocalServer
    edition: int = 1
    hits: dict[int, list[float]] = dataclasses.field(default_factory=dict)
    held: int | None = None  # a feed whose requests wait, so a worker is caught mid-poll
    release: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)
    holding: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)

    def path(self, feed: int) -> str:
        return f"/feed/{feed}.xml"

    def link(self, feed: int, edition: int) -> str:
        return f"https://news{feed}.example/story/{edition}"

    def serve(self) -> None:
        for feed in range(FEEDS):
            self.server.add(self.path(feed), self._handler(feed))

    def _handler(self, feed: int) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handler(request: web.Request) -> web.StreamResponse:
            self.hits.setdefault(feed, []).append(time.time())
            if feed == self.held and not self.release.is_set():
                self.holding.set()
                await self.release.wait()
            items = [
                (f"f{feed}e{edition}", f"Story {edition} of feed {feed}", article_text(feed, edition))
                for edition in self.editions_of(feed)
            ]
            body = rss(items, title=f"Feed {feed}").replace(
                "https://harlow.example/f", f"https://news{feed}.example/story/f"
            )
            return web.Response(body=body.encode(), content_type="application/rss+xml")

        return handler

    def editions_of(self, feed: int) -> list[int]:
        """The editions the feed has an item of: the first, then one in five feeds each edition
        (few new articles an interval keep the briefs' CPU, shared by six processes, low)."""
        return [
            edition for edition in range(1, self.edition + 1) if edition == 1 or (feed + edition) % 5 == 3
        ]

    def expected(self, guild: int) -> set[str]:
        """Every item the guild's feeds have listed (guild g follows the feeds i with i % 4 == g)."""
        return {
            f"https://news{feed}.example/story/f{feed}e{edition}"
            for feed in range(guild, FEEDS, 4)
            for edition in self.editions_of(feed)
        }


async def wait_for(what: str, condition: Callable[[], Awaitable[bool]]) -> None:
    """Wait until `condition()` holds, looking again every 50 ms (the servers run in between);
    fail, saying what was awaited, after DEADLINE. The check is the condition, never the time."""
    try:
        async with asyncio.timeout(DEADLINE):
            # The other processes change the database, which sends no event to wait on.
            while not await condition():  # noqa: ASYNC110
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"not within {DEADLINE} s: {what}") from None


@dataclasses.dataclass
class Processes:
    env: dict[str, str]
    log_dir: Path
    running: dict[str, asyncio.subprocess.Process] = dataclasses.field(default_factory=dict)

    async def start(self, name: str, *args: str) -> asyncio.subprocess.Process:
        log = (self.log_dir / f"{name}.log").open("ab")
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *args, "-v", cwd=ROOT, env=self.env, stdout=log, stderr=log
        )
        log.close()
        self.running[name] = process
        return process

    async def kill(self, name: str) -> None:
        process = self.running.pop(name)
        process.send_signal(signal.SIGKILL)
        await process.wait()

    async def stop_all(self) -> dict[str, int]:
        codes: dict[str, int] = {}
        for process in self.running.values():
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for name, process in self.running.items():
            try:
                codes[name] = await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                codes[name] = await process.wait()
        self.running.clear()
        return codes

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(self.log_dir.glob("*.log")))


def posted_items(fake: FakeDiscord, guild: int) -> list[str]:
    """The article links of every digest message in the guild's channel, in order, repeats kept."""
    return [
        embed["url"]
        for message in fake.channel_messages(str(channel_id(guild)))
        for embed in message.get("embeds") or []
        if embed.get("url")
    ]


def posted_by(fake: FakeDiscord, guild: int) -> set[str]:
    """Which shard processes posted into the guild's channel (they say so in their User-Agent)."""
    path = f"/channels/{channel_id(guild)}/messages"
    return {
        request.user_agent.rpartition("Newsbrief-Shards/")[2]
        for request in fake.requests
        if request.method == "POST" and request.path == path and request.status == 200
    }


async def test_two_shards_and_two_workers_share_the_work_exactly_once(tmp_path: Path) -> None:
    async with contextlib.AsyncExitStack() as stack:
        database_url = await stack.enter_async_context(fresh_database("nb_many"))
        fake = await stack.enter_async_context(
            FakeDiscord(four_guild_world(), shard_count=SHARD_COUNT, safety_timeout=DEADLINE)
        )
        server = await stack.enter_async_context(LocalServer())
        feeds = Feeds(server)
        feeds.serve()

        sources_file = tmp_path / "sources.toml"
        sources_file.write_text("")
        store = await Store.open(database_url, codec=BRIEF_JSON)
        stack.push_async_callback(store.close)
        now = datetime.now(UTC)
        source_of_feed: dict[int, int] = {}
        for feed in range(FEEDS):
            number = feed % 4
            spec = SourceSpec(f"Feed {feed}", server.url(feeds.path(feed)), SourceKind.FEED)
            source, _ = await store.subscribe(guild_id(number), spec, channel_id=channel_id(number))
            await store.set_backfill(guild_id(number), source.id, Backfill(BackfillMode.ALL), at=now)
            source_of_feed[feed] = source.id
        for number in range(4):
            await store.set_digest_channel(
                channel_id(number),
                guild_id=guild_id(number),
                schedule="every 1h",
                timezone="UTC",
                anchor_at=now,
                next_run_at=now + timedelta(days=1),  # the test says when a digest slot comes
                max_items=50,
            )

        processes = Processes(
            {
                **os.environ,
                "DISCORD_TOKEN": fake.world.bot_token,
                "NEWSBRIEF_DISCORD_API_BASE": fake.api_base,
                "NEWSBRIEF_DISCORD_GATEWAY_URL": fake.gateway_url,
                "NEWSBRIEF_DATABASE_URL": database_url,
                "NEWSBRIEF_DATA_DIR": str(tmp_path),
                "NEWSBRIEF_SOURCES_FILE": str(sources_file),
                "NEWSBRIEF_ALLOWED_ADDRESSES": '["127.0.0.1"]',
                "NEWSBRIEF_POLL_INTERVAL_MINUTES": str(INTERVAL_SECONDS / 60),
                "NEWSBRIEF_LEASE_SECONDS": str(LEASE_SECONDS),
                "NEWSBRIEF_DIGEST_CHECK_SECONDS": "0.5",
                "NEWSBRIEF_FEED_PARSE_PROCESSES": "1",
                "NEWSBRIEF_SOURCE_POLL_TIMEOUT_SECONDS": "20",
            },
            tmp_path,
        )
        stack.push_async_callback(processes.stop_all)
        shard_args = ("run", "--shard-count", str(SHARD_COUNT), "--no-poll")
        await processes.start("shard0", *shard_args, "--shards", "0")
        await processes.start("shard1", *shard_args, "--shards", "1")
        await processes.start("worker0", "worker")
        await processes.start("worker1", "worker")

        async def runs() -> dict[int, int]:
            return {state.key: state.runs for state in await store.lease_states(SOURCE_LEASE)}

        async def polled_since(mark: dict[int, int], more: int = 1) -> bool:
            done = await runs()
            return len(done) == FEEDS and all(done[key] >= mark.get(key, 0) + more for key in done)

        async def digest_slot() -> None:
            """A digest slot comes for every channel (as its schedule would bring it)."""
            for number in range(4):
                await store.set_digest_channel(
                    channel_id(number),
                    guild_id=guild_id(number),
                    schedule="every 1h",
                    timezone="UTC",
                    anchor_at=now,
                    next_run_at=datetime.now(UTC),
                    max_items=50,
                )

        async def all_posted() -> bool:
            return all(set(posted_items(fake, number)) >= feeds.expected(number) for number in range(4))

        try:
            # Both shards identify with their shard, and every source gets polled.
            await wait_for("shards", lambda: _true(len(fake.gateway.live_sessions) == SHARD_COUNT))
            assert sorted(map(tuple, filter(None, fake.gateway.identified_shards))) == [(0, 2), (1, 2)]
            await wait_for("first polls", lambda: polled_since({}))
            counted_from = time.time()  # the workers are past their start: their intervals count

            # Interval by interval: a new edition, its items polled, a digest slot, all posted once.
            for edition in (2,):
                mark = await runs()
                feeds.edition = edition
                await wait_for(f"edition {edition} polled", functools.partial(polled_since, mark, 2))
                await digest_slot()
                await wait_for(f"edition {edition} posted", all_posted)

            # A worker killed mid-poll: feed 5 holds its request; whoever polls it is killed.
            feeds.edition = 3
            feeds.held = 5
            await wait_for("a worker caught polling feed 5", lambda: _true(feeds.holding.is_set()))
            states = {state.key: state for state in await store.lease_states(SOURCE_LEASE)}
            holder = states[source_of_feed[5]].holder
            assert holder is not None and holder.startswith("worker:")
            victim = next(name for name, p in processes.running.items() if f":{p.pid}:" in holder)
            taken_by_victim = {key for key, state in states.items() if state.holder == holder}
            await processes.kill(victim)
            feeds.release.set()
            mark = await runs()
            await wait_for("the other worker took feed 5 over", functools.partial(polled_since, mark, 2))

            # A shard killed mid-digest: its channel's post is created, and the answer held back.
            victim_guild = 1  # on shard 1
            fake.hold_posts(str(channel_id(victim_guild)))
            await digest_slot()
            await wait_for("shard 1 caught posting", lambda: _true(bool(fake.held_posts)))
            await processes.kill("shard1")
            fake.release_posts()
            await processes.start("shard1", *shard_args, "--shards", "1")
            await wait_for("everything posted after the restart", all_posted)
            # Nothing left in any outbox, so no repeat can still come.
            await wait_for("outboxes empty", lambda: _empty(store))
            counted_until = time.time()
        except BaseException:
            print(processes.logs())
            raise
        codes = await processes.stop_all()
        assert all(code == 0 for code in codes.values()), (codes, processes.logs())
        print(processes.logs())  # shown by pytest when an assertion below fails

        # Every digest item posted exactly once, for each guild by the process holding its shard.
        for number in range(4):
            items = posted_items(fake, number)
            repeats = [url for url, count in Counter(items).items() if count > 1]
            assert not repeats, f"guild {number} got these twice: {repeats}"
            assert set(items) == feeds.expected(number)
            assert posted_by(fake, number) == {str(number % SHARD_COUNT)}

        # Every source polled exactly once in each of its poll intervals that lie wholly between
        # the workers' first polls and the stop. A source the killed worker held is fetched again
        # by its successor in that interval: it is counted apart.
        interval = timedelta(seconds=INTERVAL_SECONDS)
        counted = 0
        for feed, hits in feeds.hits.items():
            source_id = source_of_feed[feed]
            if source_id in taken_by_victim:
                continue
            numbers = Counter(
                interval_number(source_id, datetime.fromtimestamp(hit, UTC), interval) for hit in hits
            )
            first = interval_number(source_id, datetime.fromtimestamp(counted_from, UTC), interval) + 1
            last = interval_number(source_id, datetime.fromtimestamp(counted_until, UTC), interval) - 1
            assert last - first >= 2, "the test ran fewer than three whole poll intervals"
            assert [numbers[n] for n in range(first, last + 1)] == [1] * (last - first + 1), (
                feed,
                first,
                last,
                sorted(numbers.items()),
            )
            counted += 1
        assert counted >= FEEDS - len(taken_by_victim)
        assert not fake.take_violations()


async def _true(value: bool) -> bool:
    return value


async def _empty(store: Store) -> bool:
    return not await store.pending_posts()
