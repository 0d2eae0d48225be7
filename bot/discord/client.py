"""The Discord client: a thin layer over the engine.

It loads one cog per command group (`cogs/`), runs the engine's polling and the digest service
on APScheduler, posts through discord.py, and turns errors into replies a user can act on.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import io
import logging
import signal
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import aiohttp
import discord
import discord.gateway
import discord.http
import yarl
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from discord import app_commands
from discord.ext import commands

from bot.config import Settings, load_sources
from bot.discord.deliver import DigestService, PostFailed, PostForbidden, PostRateLimited
from bot.discord.interactions import NotModerator, UserError, reply_error
from bot.discord.limits import THREAD_AUTO_ARCHIVE_MINUTES
from bot.discord.notices import NoticeService
from bot.discord.threads import (
    FORBIDDEN_IN_THREADS,
    FORBIDDEN_THREADS,
    THREAD_ARCHIVED,
    THREAD_GONE,
    THREAD_LOCKED,
    THREAD_OPEN,
    Picture,
    StoryThreads,
)
from bot.errors import NewsbriefError
from bot.ingest.sources import SourceError
from bot.models import FetchResult, utc_now
from bot.service.moderation import Moderation
from bot.service.polling import Engine, SourceReport
from bot.service.reading import Reading
from bot.service.startup import open_engine
from bot.service.workers import SharedPolling
from bot.store import SourceRecord
from bot.store.leases import process_name

log = logging.getLogger(__name__)

EXTENSIONS = ("cogs.reading", "cogs.sources", "cogs.digests", "cogs.filters", "cogs.status")
SHUTDOWN_GRACE = timedelta(seconds=5)  # how long a stop waits for a poll or digest run in progress
# The longest rate-limit wait discord.py sits out; a longer one raises RateLimited instead, so one
# channel's day-long 429 defers that channel's digest, not every server's. 30 s is discord.py's minimum.
RATE_LIMIT_WAIT_MAX = 30.0
# Discord's error code for opening a thread on a message that has one (a retry after a lost answer).
THREAD_ALREADY_CREATED = 160004
THREAD_IS_ARCHIVED = 50083  # its code for a message posted to an archived thread


def point_discord_at(api_base: str, gateway_url: str | None) -> None:
    """Send discord.py's REST calls and gateway connection to these addresses.

    discord.py reads both from class attributes, so this is process-wide by nature; it is set
    once at start-up from NEWSBRIEF_DISCORD_API_BASE / NEWSBRIEF_DISCORD_GATEWAY_URL (a REST
    proxy in front of Discord, as large bots run, or the fake Discord in tests).
    """
    discord.http.Route.BASE = api_base.rstrip("/")
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


@contextlib.contextmanager
def posting_errors(*, forbidden: str, not_found: str) -> Iterator[None]:
    """Turn what discord.py raises while posting into the digest service's three outcomes."""
    try:
        yield
    except discord.Forbidden as exc:
        raise PostForbidden(forbidden) from exc
    except discord.NotFound as exc:
        raise PostForbidden(not_found) from exc
    except discord.RateLimited as exc:  # a wait longer than RATE_LIMIT_WAIT_MAX
        raise PostRateLimited(exc.retry_after) from exc
    except discord.HTTPException as exc:  # discord.py already retried short 429s and 5xx
        raise PostFailed(f"Discord answered HTTP {exc.status}") from exc
    except (TimeoutError, OSError, discord.DiscordException) as exc:
        raise PostFailed(f"connection to Discord failed: {type(exc).__name__}") from exc
    except Exception as exc:  # aiohttp's disconnect errors are not OSErrors
        if type(exc).__module__.startswith("aiohttp"):
            raise PostFailed(f"connection to Discord failed: {type(exc).__name__}") from exc
        raise


def _archive_duration(minutes: int) -> Literal[60, 1440, 4320, 10080]:
    if minutes not in THREAD_AUTO_ARCHIVE_MINUTES:
        raise ValueError(
            f"Discord archives threads after {THREAD_AUTO_ARCHIVE_MINUTES} minutes, not {minutes}"
        )
    return minutes  # type: ignore[return-value]


def _allowed_mentions(payload: dict[str, Any]) -> discord.AllowedMentions:
    """Nobody, except the roles the payload names (a filter's mention, bot.service.filters)."""
    roles = (payload.get("allowed_mentions") or {}).get("roles") or []
    if not roles:
        return discord.AllowedMentions.none()
    return discord.AllowedMentions(
        everyone=False, users=False, replied_user=False, roles=[discord.Object(int(role)) for role in roles]
    )


class DiscordPoster:
    """Posts digest messages with discord.py; the digest service's `Poster`."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def _channel(self, channel_id: int) -> discord.abc.Messageable:
        channel = await self._channel_object(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            raise PostForbidden("the channel is not a text channel")
        return channel

    async def send(self, channel_id: int, payload: dict[str, Any], *, nonce: str) -> int:
        channel = await self._channel(channel_id)
        embeds = [discord.Embed.from_dict(e) for e in payload.get("embeds", [])]
        with posting_errors(
            forbidden="missing permission to post (Send Messages / Embed Links)",
            not_found="the channel no longer exists",
        ):
            message = await channel.send(
                content=payload.get("content") or None,
                embeds=embeds,
                allowed_mentions=_allowed_mentions(payload),
                nonce=nonce,
            )
        return message.id

    async def crosspost(self, channel_id: int, message_id: int) -> bool:
        channel = await self._channel(channel_id)
        if not isinstance(channel, discord.TextChannel) or not channel.is_news():
            return False
        with posting_errors(
            forbidden="missing permission to publish (Send Messages)",
            not_found="the message or channel no longer exists",
        ):
            await channel.get_partial_message(message_id).publish()
        return True

    # ---- story threads (bot.discord.threads) ----------------------------------------------

    async def start_thread(
        self, channel_id: int, message_id: int, *, name: str, auto_archive_minutes: int
    ) -> int:
        channel = await self._channel(channel_id)
        if not isinstance(channel, discord.TextChannel):
            raise PostForbidden("threads open on messages of text channels only")
        with posting_errors(forbidden=FORBIDDEN_THREADS, not_found="the message or channel no longer exists"):
            try:
                thread = await channel.get_partial_message(message_id).create_thread(
                    name=name, auto_archive_duration=_archive_duration(auto_archive_minutes)
                )
            except discord.HTTPException as exc:
                if exc.code == THREAD_ALREADY_CREATED:
                    return message_id  # a thread opened on a message has the message's id
                raise
        return thread.id

    async def create_thread(
        self, channel_id: int, *, name: str, auto_archive_minutes: int, payload: dict[str, Any], forum: bool
    ) -> tuple[int, int]:
        channel = await self._channel_object(channel_id)
        duration = _archive_duration(auto_archive_minutes)
        embeds = [discord.Embed.from_dict(e) for e in payload.get("embeds", [])]
        content = payload.get("content") or None
        mentions = _allowed_mentions(payload)
        if forum:
            if not isinstance(channel, discord.ForumChannel):
                raise PostForbidden("the channel is not a forum channel")
            with posting_errors(
                forbidden="missing permission to post (Send Messages / Embed Links)",
                not_found="the channel no longer exists",
            ):
                created = await channel.create_thread(
                    name=name,
                    auto_archive_duration=duration,
                    content=content,
                    embeds=embeds,
                    allowed_mentions=mentions,
                )
            return created.thread.id, created.message.id
        if not isinstance(channel, discord.TextChannel):
            raise PostForbidden("threads open in text channels only")
        with posting_errors(forbidden=FORBIDDEN_THREADS, not_found="the channel no longer exists"):
            thread = await channel.create_thread(
                name=name, type=discord.ChannelType.public_thread, auto_archive_duration=duration
            )
        with posting_errors(forbidden=FORBIDDEN_IN_THREADS, not_found="the thread no longer exists"):
            message = await thread.send(content=content, embeds=embeds, allowed_mentions=mentions)
        return thread.id, message.id

    async def thread_state(self, thread_id: int) -> str:
        try:
            with posting_errors(forbidden="the bot cannot see the thread", not_found="the thread is gone"):
                thread = await self.client.fetch_channel(thread_id)
        except PostForbidden as exc:
            if isinstance(exc.__cause__, discord.NotFound):
                return THREAD_GONE
            raise
        if not isinstance(thread, discord.Thread):
            return THREAD_GONE
        if thread.locked:
            return THREAD_LOCKED
        return THREAD_ARCHIVED if thread.archived else THREAD_OPEN

    async def unarchive(self, thread_id: int) -> None:
        with posting_errors(forbidden="Discord refused to reopen the thread", not_found="the thread is gone"):
            thread = await self.client.fetch_channel(thread_id)
            if not isinstance(thread, discord.Thread):
                raise PostForbidden("the thread is gone")
            await thread.edit(archived=False)

    async def post_in_thread(
        self, thread_id: int, payload: dict[str, Any], *, nonce: str, picture: Picture | None
    ) -> int:
        thread = self.client.get_partial_messageable(thread_id, type=discord.ChannelType.public_thread)
        embeds = [discord.Embed.from_dict(e) for e in payload.get("embeds", [])]
        files = (
            [
                discord.File(
                    io.BytesIO(picture.data), filename=picture.filename, description=picture.description
                )
            ]
            if picture is not None
            else []
        )
        with posting_errors(forbidden=FORBIDDEN_IN_THREADS, not_found="the thread no longer exists"):
            try:
                message = await thread.send(
                    content=payload.get("content") or None,
                    embeds=embeds,
                    files=files,
                    allowed_mentions=_allowed_mentions(payload),
                    nonce=nonce,
                )
            except discord.HTTPException as exc:
                if exc.code == THREAD_IS_ARCHIVED:
                    raise PostForbidden("the thread is archived") from exc
                raise
        return message.id

    async def _channel_object(self, channel_id: int) -> object:
        channel = self.client.get_channel(channel_id)
        if channel is None:
            with posting_errors(
                forbidden="the bot cannot see the channel (missing View Channel)",
                not_found="the channel no longer exists",
            ):
                channel = await self.client.fetch_channel(channel_id)
        return channel

    async def find_marker(self, channel_id: int, marker: str) -> int | None:
        channel = await self._channel(channel_id)
        me = self.client.user
        try:
            async for message in channel.history(limit=50):
                if me is not None and message.author.id == me.id and marker in (message.content or ""):
                    return message.id
        except discord.RateLimited as exc:
            raise PostRateLimited(exc.retry_after) from exc
        except discord.HTTPException as exc:
            raise PostFailed(f"could not read the channel's recent messages (HTTP {exc.status})") from exc
        return None


class NewsbriefBot(commands.Bot):
    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        *,
        clock: Callable[[], datetime] = utc_now,
        start_scheduler: bool = True,
        **options: Any,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            tree_cls=NewsbriefTree,
            **({"max_ratelimit_timeout": RATE_LIMIT_WAIT_MAX} | options),
        )
        self.settings = settings
        self.engine = engine
        self.clock = clock
        self.started_at = clock()
        # Beside other processes on one PostgreSQL, work is shared under leases in this name.
        self.shared = engine.store.dialect == "postgresql" or settings.shard_ids is not None
        self.holder = process_name(
            "bot" if settings.shard_ids is None else f"shards-{settings.shards or 'all'}"
        )
        if settings.shard_ids is not None:
            # Says in every REST call which process made it (a REST proxy's log, the fake's records).
            self.http.user_agent += f" Newsbrief-Shards/{','.join(map(str, settings.shard_ids))}"
        self.digests = DigestService(
            engine.store,
            DiscordPoster(self),
            clock,
            default_max_items=settings.digest_max_items,
            threads=StoryThreads(engine.store, DiscordPoster(self), clock),
            owns_guild=self.owns_guild,
            holder=self.holder if self.shared else None,
            lease_time=timedelta(seconds=settings.lease_seconds),
        )
        self.reading = Reading(engine.store, engine)
        self.moderation = Moderation(engine.store, engine, clock)
        self.notices = NoticeService(
            engine.store,
            DiscordPoster(self),
            clock,
            failures_for_notice=settings.notice_after_failures,
            owns_guild=self.owns_guild,
        )
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self._start_scheduler = start_scheduler
        self._jobs: set[asyncio.Task[Any]] = set()
        self._stop_polling = asyncio.Event()
        self._shared_polling: asyncio.Task[None] | None = None

    def owns_guild(self, guild_id: int) -> bool:
        """Whether this process delivers the guild's digests and notices: the process that holds
        the guild's gateway shard does, (guild_id >> 22) % shard_count as Discord routes guilds."""
        shard_ids = self.settings.shard_ids
        if shard_ids is None or self.settings.shard_count is None:
            return True
        return (guild_id >> 22) % self.settings.shard_count in shard_ids

    async def setup_hook(self) -> None:
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        await self.tree.sync()
        if self._start_scheduler:
            self.start_jobs()

    def start_jobs(self) -> None:
        now = datetime.now(UTC)
        # Both jobs run once right away: a restart catches up missed digests at once (and once).
        if self.settings.run_polls and self.engine.store.dialect == "postgresql":
            # Shared with `newsbrief worker`s and other bots: each source once per interval.
            polling = SharedPolling(self.engine, holder=self.holder, clock=self.clock)
            self._shared_polling = asyncio.create_task(self._poll_shared(polling))
        elif self.settings.run_polls:
            self.scheduler.add_job(
                self.poll_once,
                IntervalTrigger(minutes=self.settings.poll_interval_minutes),
                id="poll",
                next_run_time=now,
                coalesce=True,
                max_instances=1,
            )
        self.scheduler.add_job(
            self.deliver_digests,
            IntervalTrigger(seconds=self.settings.digest_check_seconds),
            id="digests",
            next_run_time=now,
            coalesce=True,
            max_instances=1,
        )
        self.scheduler.start()

    @contextlib.contextmanager
    def _job(self, name: str) -> Iterator[None]:
        """Track a scheduled job so that shutdown can let it finish; never let it kill the scheduler."""
        task = asyncio.current_task()
        if task is not None:
            self._jobs.add(task)
        try:
            yield
        except asyncio.CancelledError:
            # Shutdown outwaited its grace period. Every article is stored in its own transaction
            # and the outbox keeps unsent messages, so the next start picks up where this stopped.
            log.info("%s interrupted by shutdown", name)
        except Exception:
            log.exception("%s failed", name)
        finally:
            if task is not None:
                self._jobs.discard(task)

    async def poll_once(self) -> None:
        with self._job("poll"):
            report = await self.engine.poll()
            failed = [s for s in report.sources if s.error]
            log.info(
                "polled %d sources, %d failing, %d new briefs",
                len(report.sources),
                len(failed),
                len(report.briefs),
            )

    async def _poll_shared(self, polling: SharedPolling) -> None:
        with self._job("shared polling"):
            await polling.run(self._stop_polling)

    def start_first_poll(
        self, source: SourceRecord, fetched: FetchResult | None = None
    ) -> asyncio.Task[SourceReport | None]:
        """Poll a just-added source now rather than at the next interval, as a tracked job.

        `fetched` is the response the command got when it checked the source, read rather than
        fetched again. The command waits a little for the result; if the source is slow, the poll
        goes on in the background and shutdown lets it finish like any job.
        """

        async def first_poll() -> SourceReport | None:
            # Beside the scheduled poll, not behind it: the engine polls one source at a time
            # (its per-source lock), so the two never race to store the same articles.
            with self._job(f"first poll of source {source.id}"):
                report = await self.engine.poll_source(source, force=True, fetched=fetched)
                if not report.error:
                    # What this poll read is the new subscriptions' backlog (bot.store.backfill).
                    await self.engine.store.settle_backlog(at=self.clock(), source_id=source.id)
                return report
            return None  # the job failed or was interrupted; it is logged, and the next poll retries

        return asyncio.create_task(first_poll())

    async def deliver_digests(self) -> None:
        with self._job("digest run"):
            await self.digests.tick()
            # After the digests: a channel a digest just found closed is announced in this run.
            await self.notices.tick()

    async def wait_for_jobs(self) -> None:
        """Wait until the jobs running now (polls, digest runs) have finished."""
        if self._jobs:
            await asyncio.wait(set(self._jobs))

    async def close(self) -> None:
        self._stop_polling.set()
        if self.scheduler.running:
            self.scheduler.pause()  # start nothing new
        # A job still running after the grace period is cancelled with the loop (see `_job`).
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(SHUTDOWN_GRACE.total_seconds()):
                await self.wait_for_jobs()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await super().close()


class ShardedNewsbriefBot(NewsbriefBot, commands.AutoShardedBot):
    """The bot on discord.py's AutoShardedClient: one process runs the gateway shards `shard_ids`
    of `shard_count` and receives the events of those shards' guilds only."""


def make_bot(settings: Settings, engine: Engine) -> NewsbriefBot:
    """The bot for these settings: sharded when shard_count is set, else one plain connection."""
    if settings.shard_ids is None:
        return NewsbriefBot(settings, engine)
    return ShardedNewsbriefBot(
        settings, engine, shard_ids=list(settings.shard_ids), shard_count=settings.shard_count
    )


class NewsbriefTree(app_commands.CommandTree[NewsbriefBot]):
    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        if isinstance(original, UserError):
            await reply_error(interaction, str(original))
        elif isinstance(original, SourceError):
            await reply_error(interaction, f"Could not fetch that: {original.reason}.")
        elif isinstance(original, NewsbriefError):
            await reply_error(interaction, original.reason)
        elif isinstance(original, NotModerator | app_commands.MissingPermissions):
            await reply_error(interaction, str(original))
        elif isinstance(original, app_commands.NoPrivateMessage):
            await reply_error(interaction, "Newsbrief commands work inside a server, not in direct messages.")
        elif isinstance(original, app_commands.TransformerError):
            await reply_error(interaction, f"“{original.value}” is not a valid value for that option.")
        else:
            log.error(
                "command %s failed",
                interaction.command and interaction.command.qualified_name,
                exc_info=original,
            )
            await reply_error(
                interaction, "Something went wrong on our side; it has been logged. Try again later."
            )


CLOSE_AUTHENTICATION_FAILED = 4004  # the gateway's close code for a token it does not accept


def _network_reason(exc: BaseException) -> str:
    cause = exc.os_error if isinstance(exc, aiohttp.ClientConnectorError) else exc
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused"
    if isinstance(cause, socket.gaierror):
        return "host not found"
    if isinstance(cause, TimeoutError):
        return "timed out"
    return (cause.strerror if isinstance(cause, OSError) and cause.strerror else type(cause).__name__).lower()


def discord_problem(exc: BaseException, settings: Settings) -> str | None:
    """One line for why the bot cannot go on talking to Discord, or None when `exc` is not that."""
    if isinstance(exc, discord.LoginFailure):
        return (
            "Discord refused the token in DISCORD_TOKEN; copy the bot's token again "
            "(Developer Portal → your application → Bot → Reset Token)"
        )
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        return "Discord refused the bot's intents; Newsbrief needs no privileged intent: turn them off"
    if isinstance(exc, discord.ConnectionClosed):
        if exc.code == CLOSE_AUTHENTICATION_FAILED:
            return (
                "Discord closed the connection: the token in DISCORD_TOKEN is no longer valid "
                "(was it reset?); put the bot's new token in DISCORD_TOKEN and start again"
            )
        why = f": {exc.reason}" if exc.reason else ""
        return f"Discord closed the connection (close code {exc.code}{why}); start the bot again"
    if isinstance(exc, discord.GatewayNotFound):
        return "Discord's gateway cannot be found (a Discord outage?); try again later"
    if isinstance(exc, discord.HTTPException):
        return f"Discord answered HTTP {exc.status} while the bot started; try again later"
    if isinstance(exc, OSError | aiohttp.ClientError | TimeoutError):
        return (
            f"cannot reach Discord at {settings.discord_api_base} ({_network_reason(exc)}); "
            "check the network connection (or NEWSBRIEF_DISCORD_API_BASE)"
        )
    return None


async def run_bot(settings: Settings, token: str) -> int:
    """Start the bot; SIGTERM/SIGINT close it cleanly (the outbox keeps what was not posted).

    Discord refusing the token, at start or later, or not being reachable, ends the run with a
    NewsbriefError that says so in one line."""
    point_discord_at(settings.discord_api_base, settings.discord_gateway_url)
    # Newsbrief has no voice: discord.py's start-up warnings that voice libraries are missing are noise.
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
    async with open_engine(settings) as engine:
        await engine.sync_sources(load_sources(settings.sources_file))
        bot = make_bot(settings, engine)
        # What is loaded at start lives as long as the bot: keep it out of the collector's full
        # passes, which otherwise land on a command as a 50-90 ms pause (bench/commands.py).
        gc.collect()
        gc.freeze()
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        async with bot:
            runner = asyncio.create_task(bot.start(token))
            stopper = asyncio.create_task(stop.wait())
            done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if stopper in done:
                log.info("stopping on signal")
                await bot.close()
            stopper.cancel()
            await asyncio.wait({runner}, timeout=10)
            if not runner.done():
                log.warning("the Discord connection did not close within 10 s")
                runner.cancel()
            elif not runner.cancelled() and (exc := runner.exception()) is not None:
                problem = discord_problem(exc, settings)
                if problem is None:
                    raise exc
                raise NewsbriefError(problem) from exc
    return 0
