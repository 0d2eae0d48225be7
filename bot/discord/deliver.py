"""The post stage: scheduled digests, delivered to each channel exactly once.

A digest run renders the briefs new since the channel's cursor and writes every message of it
into an outbox, in the same transaction that advances the cursor and the next run time. Then
the outbox is delivered in order. Each message carries a short marker and a nonce:

- Discord acknowledged it and we recorded that: it is `sent` and never posted again.
- We sent it but did not hear back (a crash, a dropped connection): it is `attempted`. Before
  posting it again we look for its marker among the channel's recent messages; if it is there,
  it is recorded as sent. The nonce (with `enforce_nonce`) makes Discord itself drop a repeat.
- We never got to it: it is `pending` and goes out on the next run.

Schedules missed while the bot was down are caught up once: a channel whose next run time has
passed gets one digest, and its next run is the first slot after now.

A channel Discord rate-limits for long (a 429 asking to wait more than the client's
`max_ratelimit_timeout`) is deferred alone: its messages stay in the outbox, untried until the
wait is over, and every other channel is delivered on time.

Nothing here imports discord.py: the bot hands in a `Poster`, and tests can hand in their own.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from bot.discord.limits import MESSAGE_CONTENT_MAX, MESSAGE_NONCE_MAX
from bot.discord.render import DigestMessage, digest_messages
from bot.fitting import fit
from bot.models import Brief
from bot.service.digests import build_digest
from bot.service.filters import FilterItem, apply_filters
from bot.service.schedule import ScheduleError, due_once, parse_schedule
from bot.store import ArticleRecord, DigestChannel, OutboxItem, Store, VersionRecord

if TYPE_CHECKING:
    from bot.discord.threads import StoryThreads

log = logging.getLogger(__name__)

ROUTE_KEY = "newsbrief_route"  # in an outbox payload: the story thread it is for (bot.discord.threads)


class PostForbidden(Exception):
    """The bot may not post in the channel (403), or the channel is gone (404)."""


class PostFailed(Exception):
    """Posting failed in a way that may pass (5xx, a dropped connection): try again later."""


class PostRateLimited(PostFailed):
    """Discord asked us to wait `retry_after` seconds before posting in this channel again."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(
            f"Discord rate-limited the channel for {_duration(retry_after)}; posting resumes after that"
        )
        self.retry_after = retry_after


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"


class Poster(Protocol):
    async def send(self, channel_id: int, payload: dict[str, Any], *, nonce: str) -> int:
        """Post one message; return its id. Raise PostForbidden or PostFailed."""
        ...

    async def find_marker(self, channel_id: int, marker: str) -> int | None:
        """The id of a recent message of ours that carries `marker`, if there is one."""
        ...

    async def crosspost(self, channel_id: int, message_id: int) -> bool:
        """Publish a message posted in an announcement channel to the channels following it;
        False (nothing done) when the channel is not one. Raise PostForbidden or PostFailed."""
        ...


@dataclass(slots=True)
class DeliveryReport:
    channel_id: int
    composed: int = 0  # messages put in the outbox by this run
    sent: int = 0
    recovered: int = 0  # found already in the channel after an unacknowledged send
    error: str | None = None


@dataclass(frozen=True, slots=True)
class PreparedDigest:
    messages: tuple[DigestMessage, ...]
    cursor: int  # the newest version id covered
    items: int


@dataclass(slots=True)
class DigestService:
    store: Store
    poster: Poster
    clock: Callable[[], datetime]
    summary_sentences: int = 2
    default_max_items: int = 10
    # Channels Discord told us to leave alone, until when: their messages wait in the outbox.
    deferred: dict[int, datetime] = field(default_factory=dict)
    threads: StoryThreads | None = None  # story threads, for the channels that turn them on
    # Many processes (README, "Many processes"): the guilds this one delivers (its gateway
    # shards'), and with `holder` set, a channel is delivered only under this process's lease on
    # it (bot.store.leases), so two processes never post one channel's messages side by side.
    owns_guild: Callable[[int], bool] = lambda _guild_id: True
    holder: str | None = None
    lease_time: timedelta = timedelta(seconds=30)

    # ---- composing --------------------------------------------------------------------

    async def prepare(self, channel: DigestChannel) -> PreparedDigest:
        """The digest the channel would get now, without storing anything (for /digest preview)."""
        limit = channel.max_items or self.default_max_items
        # A new source whose first poll ended in the background: its backlog ends now.
        await self.store.settle_backlog(at=self.clock())
        # Up to the oldest version still waiting for its brief (the work stage, bot.service.briefing):
        # it and what came after wait for the next digest, so the cursor never passes it unlisted.
        pending = await self.store.oldest_pending_brief()
        rows = await self.store.briefs_for_digest(
            channel.guild_id,
            after_version_id=channel.cursor_version_id,
            up_to_version_id=pending - 1 if pending is not None else None,
            limit=limit * 20,
            channel_id=channel.channel_id,
        )
        rows = sorted(rows, key=lambda row: row[2].id, reverse=True)
        # Past what the filters leave out too: a left-out article is not listed in a later digest.
        cursor = max((version.id for _, _, version in rows), default=channel.cursor_version_id)
        rows, roles = await self._filtered(channel, rows)
        digest = build_digest(
            [(article, brief) for article, brief, _ in rows], max_items=limit, now=self.clock()
        )
        digest = replace(digest, mention_roles=tuple(sorted(roles)))
        threads = await self.threads.setting(channel.channel_id) if self.threads else None
        messages = (
            digest_messages(digest, summary_sentences=self.summary_sentences, story_per_message=bool(threads))
            if rows
            else []
        )
        if threads is not None and self.threads is not None and messages:
            messages = await self.threads.route(channel.channel_id, threads, digest, messages)
        return PreparedDigest(tuple(messages), cursor, digest.items_total)

    async def _filtered(
        self, channel: DigestChannel, rows: list[tuple[ArticleRecord, Brief, VersionRecord]]
    ) -> tuple[list[tuple[ArticleRecord, Brief, VersionRecord]], frozenset[int]]:
        """The rows the channel's filters list, and the roles their include rules ping."""
        rules = await self.store.digest_filters(channel.guild_id, channel.channel_id)
        if not rules or not rows:
            return rows, frozenset()
        sources = await self.store.sources_of(channel.guild_id, (article.id for article, _, _ in rows))
        items = [
            FilterItem(brief, version.text, frozenset(sources.get(article.id, ())))
            for article, brief, version in rows
        ]
        listed, roles = apply_filters(items, rules, channel_id=channel.channel_id)
        return [row for row, keep in zip(rows, listed, strict=True) if keep], roles

    async def compose(self, channel: DigestChannel, *, scheduled: bool) -> int:
        """Render the channel's digest into the outbox and advance its cursor; the message count."""
        now = self.clock()
        prepared = await self.prepare(channel)
        schedule = parse_schedule(channel.schedule, channel.timezone)
        next_run = (
            due_once(channel.next_run_at, now, schedule, anchor=channel.anchor_at)[1]
            if scheduled
            else channel.next_run_at
        )
        run_key = f"v{channel.cursor_version_id}-v{prepared.cursor}"
        total = len(prepared.messages)
        parts = [
            _outbox_part(channel.channel_id, run_key, number, total, message)
            for number, message in enumerate(prepared.messages, start=1)
        ]
        queued = await self.store.enqueue_digest(
            channel.channel_id,
            run_key=run_key,
            parts=parts,
            new_cursor_version_id=prepared.cursor,
            ran_at=now,
            next_run_at=next_run,
            claim=channel,
        )
        if parts and not queued:
            log.info("digest channel %s: this slot was queued by another process", channel.channel_id)
            return 0
        return total

    # ---- running ----------------------------------------------------------------------

    async def tick(self) -> list[DeliveryReport]:
        """What the scheduler calls: compose every due digest, then deliver the whole outbox."""
        now = self.clock()
        reports: dict[int, DeliveryReport] = {}
        for channel in await self.store.due_digest_channels(now):
            if not self.owns_guild(channel.guild_id):
                continue
            report = reports.setdefault(channel.channel_id, DeliveryReport(channel.channel_id))
            try:
                report.composed += await self.compose(channel, scheduled=True)
            except ScheduleError as exc:  # a schedule stored by an older version that no longer parses
                report.error = exc.reason
                await self.store.set_channel_status(channel.channel_id, "failing", exc.reason, now)
        for report in await self.deliver():
            merged = reports.setdefault(report.channel_id, report)
            if merged is not report:
                merged.sent, merged.recovered, merged.error = report.sent, report.recovered, report.error
        return list(reports.values())

    async def run_now(self, channel: DigestChannel) -> DeliveryReport:
        """`/digest now`: compose off-schedule and deliver at once."""
        composed = await self.compose(channel, scheduled=False)
        [report] = await self.deliver(channel.channel_id) or [DeliveryReport(channel.channel_id)]
        report.composed = composed
        return report

    async def deliver(self, channel_id: int | None = None) -> list[DeliveryReport]:
        """Post every pending outbox message, in order; a failing channel stops at its first failure,
        and a rate-limited one is not tried again before Discord's wait is over."""
        reports: dict[int, DeliveryReport] = {}
        now = self.clock()
        stopped = {channel for channel, until in self.deferred.items() if until > now}
        for channel in [c for c, until in self.deferred.items() if until <= now]:
            del self.deferred[channel]
        items = await self._owned_posts(channel_id, stopped)
        for item in items:
            if item.channel_id in self.deferred and item.channel_id not in reports:
                until = self.deferred[item.channel_id]
                reports[item.channel_id] = DeliveryReport(
                    item.channel_id,
                    error=f"Discord rate-limited the channel until {until:%H:%M} UTC; it waits",
                )
            if item.channel_id in stopped or not await self._still_ours(item.channel_id):
                continue
            report = reports.setdefault(item.channel_id, DeliveryReport(item.channel_id))
            try:
                recovered = await self._deliver_one(item)
            except (PostForbidden, PostFailed) as exc:
                # The rest of this channel's messages wait, in order, for the next run.
                stopped.add(item.channel_id)
                report.error = str(exc)
                if isinstance(exc, PostRateLimited):
                    self.deferred[item.channel_id] = self.clock() + timedelta(seconds=exc.retry_after)
                status = "forbidden" if isinstance(exc, PostForbidden) else "failing"
                await self.store.set_channel_status(item.channel_id, status, str(exc), self.clock())
                log.warning("digest channel %s (%s, will retry): %s", item.channel_id, status, exc)
                continue
            if recovered:
                report.recovered += 1
            else:
                report.sent += 1
        for report in reports.values():
            if report.error is None:
                await self.store.set_channel_status(report.channel_id, "ok", None, self.clock())
        if self.holder is not None:
            await self._release_channels({item.channel_id for item in items})
        return list(reports.values())

    async def _owned_posts(self, channel_id: int | None, stopped: set[int]) -> list[OutboxItem]:
        """The pending posts of this process's guilds; with `holder`, of the channels it could
        claim (one held by another process is added to `stopped` and waits for it)."""
        items = await self.store.pending_posts(channel_id)
        if not items:
            return items
        guild_of = {channel.channel_id: channel.guild_id for channel in await self.store.digest_channels()}
        items = [item for item in items if self.owns_guild(guild_of.get(item.channel_id, 0))]
        if self.holder is not None:
            for channel in dict.fromkeys(item.channel_id for item in items):
                lease = await self.store.claim_key(
                    "channel", channel, self.holder, now=self.clock(), ttl=self.lease_time
                )
                if lease is None:
                    stopped.add(channel)
        return items

    async def _still_ours(self, channel_id: int) -> bool:
        """Renew this process's lease on the channel before each post (a long delivery keeps it)."""
        if self.holder is None:
            return True
        lease = await self.store.claim_key(
            "channel", channel_id, self.holder, now=self.clock(), ttl=self.lease_time
        )
        return lease is not None

    async def _release_channels(self, channels: set[int]) -> None:
        assert self.holder is not None
        for channel in channels:
            lease = await self.store.claim_key(
                "channel", channel, self.holder, now=self.clock(), ttl=self.lease_time
            )
            if lease is not None:
                await self.store.finish_lease(lease, self.holder, next_due_at=self.clock(), at=self.clock())

    async def _deliver_one(self, item: OutboxItem) -> bool:
        """Post one outbox message; True when it turned out to be in the channel already."""
        payload = json.loads(item.payload)
        route = payload.pop(ROUTE_KEY, None)
        if route is not None and route["kind"] != "open" and self.threads is not None:
            await self.store.mark_attempted(item.id)
            await self.store.mark_sent(
                item.id, await self.threads.deliver(item, payload, route), self.clock()
            )
            return False
        if item.state == "attempted":
            found = await self.poster.find_marker(item.channel_id, item.marker)
            if found is not None:
                await self.store.mark_sent(item.id, found, self.clock())
                if route is not None and self.threads is not None:
                    await self.threads.opened(item, found, route)
                return True
        await self.store.mark_attempted(item.id)
        message_id = await self.poster.send(item.channel_id, payload, nonce=item.nonce)
        await self.store.mark_sent(item.id, message_id, self.clock())
        if route is not None and self.threads is not None:
            await self.threads.opened(item, message_id, route)
        await self._publish(item.channel_id, message_id)
        return False

    async def _publish(self, channel_id: int, message_id: int) -> None:
        """Crosspost a digest message if its guild asked for it (and the channel is an announcement
        channel). The message is posted either way: a failed publish is logged, not retried."""
        channel = await self.store.get_digest_channel(channel_id)
        if channel is None or not await self.store.get_publish_digests(channel.guild_id):
            return
        try:
            await self.poster.crosspost(channel_id, message_id)
        except (PostForbidden, PostFailed) as exc:
            log.warning("could not publish digest message %s in %s: %s", message_id, channel_id, exc)


def _outbox_part(
    channel_id: int, run_key: str, number: int, total: int, message: DigestMessage
) -> tuple[str, str, str]:
    """(payload JSON, marker, nonce) of one digest message, stable for the same run and part."""
    digest = hashlib.sha256(f"{channel_id}:{run_key}:{number}:{message.key}".encode()).hexdigest()
    marker = f"ref {digest[:10]}"
    nonce = f"nb{digest[: MESSAGE_NONCE_MAX - 2]}"
    payload = message.payload()
    if message.route is not None:
        payload[ROUTE_KEY] = dict(message.route)
    footer = f"-# Newsbrief digest · part {number}/{total} · {marker}"
    content = payload.get("content", "")
    room = MESSAGE_CONTENT_MAX - len(footer) - 1
    payload["content"] = (fit(content, room) + "\n" + footer) if content else footer
    return json.dumps(payload, ensure_ascii=False), marker, nonce
