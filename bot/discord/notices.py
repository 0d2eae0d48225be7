"""Failure notices: one message in a guild's notice channel when something it relies on changes.

Subjects are the guild's sources (its subscriptions it has not paused itself), its digest
channels, and their story threads (`forbidden` when Discord refused to open or post in one). A
source is `ok`, `failing` (at least `notice_after_failures` failed fetches in a row) or `paused`
(by the bot, after `pause_after_failures`); a digest channel is `ok` or `forbidden` (the bot can
no longer post there). A notice is posted when a subject's state changes, and only
then: the state each subject was last announced in is stored with the queued notice, in one
transaction, and the notices are delivered like digest messages (marker and nonce: once).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.discord.deliver import Poster, PostFailed, PostForbidden
from bot.discord.limits import MESSAGE_CONTENT_MAX, MESSAGE_NONCE_MAX
from bot.discord.render import escape
from bot.fitting import fit
from bot.store import GuildSource, Store
from bot.store.notices import Notice, NoticeChange

log = logging.getLogger(__name__)

OK, FAILING, PAUSED, FORBIDDEN = "ok", "failing", "paused", "forbidden"


def source_state(entry: GuildSource, failures_for_notice: int) -> str:
    source = entry.source
    if source.paused:
        return PAUSED
    if source.consecutive_failures >= failures_for_notice:
        return FAILING
    return OK


def source_notice(entry: GuildSource, before: str, now: str) -> str | None:
    """What to tell the guild about the source's change of state (None: nothing worth a notice)."""
    name = f"**{escape(fit(entry.name, 80))}**"
    failures = entry.source.consecutive_failures
    error = escape(fit(entry.source.last_error or "no reason given", 300))
    if now == FAILING and before == OK:
        return (
            f"⚠️ {name} is failing: its last {failures} fetches failed ({error}). "
            "It is retried with backoff; see `/source list`."
        )
    if now == PAUSED:
        return (
            f"⏸️ {name} was paused after {failures} failed fetches ({error}). "
            "Once the site works again, `/source resume` it."
        )
    if now == OK:
        return f"✅ {name} is back: it was fetched fine again."
    return None


def channel_notice(channel_id: int, detail: str | None, now: str) -> str:
    if now == FORBIDDEN:
        return (
            f"⚠️ I can no longer post digests in <#{channel_id}>: "
            f"{escape(fit(detail or 'no permission', 200))}. "
            "Give me View Channel, Send Messages and Embed Links there; its digests wait until then."
        )
    return f"✅ I can post digests in <#{channel_id}> again; what waited is posted."


def threads_notice(channel_id: int, detail: str | None, now: str) -> str:
    if now == FORBIDDEN:
        return (
            f"⚠️ I cannot use story threads in <#{channel_id}>: "
            f"{escape(fit(detail or 'no permission', 200))}. "
            "Give me Create Public Threads and Send Messages in Threads there; its digests are still posted."
        )
    return f"✅ Story threads work in <#{channel_id}> again."


def notice_message(guild_id: int, subject: str, state: str, at: datetime, text: str) -> tuple[str, str, str]:
    """(payload JSON, marker, nonce), the marker in the text so a lost acknowledgement is recovered."""
    digest = hashlib.sha256(f"notice:{guild_id}:{subject}:{state}:{at.isoformat()}".encode()).hexdigest()
    marker = f"ref {digest[:10]}"
    footer = f"\n-# Newsbrief notice · {marker}"
    content = fit(text, MESSAGE_CONTENT_MAX - len(footer)) + footer
    return json.dumps({"content": content}), marker, f"nn{digest[: MESSAGE_NONCE_MAX - 2]}"


@dataclass(slots=True)
class NoticeService:
    store: Store
    poster: Poster
    clock: Callable[[], datetime]
    failures_for_notice: int = 3
    # The guilds this process speaks for (their gateway shard's process, when sharded).
    owns_guild: Callable[[int], bool] = lambda _guild_id: True

    async def tick(self) -> int:
        """Look for changes, queue their notices, post what is queued; the notices posted."""
        for guild_id, channel_id in (await self.store.notice_channels()).items():
            if self.owns_guild(guild_id):
                await self.check_guild(guild_id, channel_id)
        return await self.deliver()

    async def check_guild(self, guild_id: int, channel_id: int) -> None:
        now = self.clock()
        known = await self.store.notice_states(guild_id)
        changes: list[NoticeChange] = []

        def changed(subject: str, state: str, text: str | None) -> None:
            if known.get(subject, OK) == state:
                return
            message = notice_message(guild_id, subject, state, now, text) if text else None
            changes.append(NoticeChange(subject, state, message))

        for entry in await self.store.guild_sources(guild_id):
            if entry.paused and not entry.source.paused:
                continue  # the guild's own pause: nothing it needs to be told about
            subject = f"source:{entry.source.id}"
            state = source_state(entry, self.failures_for_notice)
            changed(subject, state, source_notice(entry, known.get(subject, OK), state))
        for channel in await self.store.digest_channels(guild_id):
            state = FORBIDDEN if channel.status == FORBIDDEN else OK
            changed(
                f"channel:{channel.channel_id}",
                state,
                channel_notice(channel.channel_id, channel.status_detail, state),
            )
        for setting in await self.store.thread_settings(guild_id):
            state = FORBIDDEN if setting.enabled and setting.status == FORBIDDEN else OK
            changed(
                f"threads:{setting.channel_id}",
                state,
                threads_notice(setting.channel_id, setting.status_detail, state),
            )
        if changes:
            await self.store.record_notices(guild_id, channel_id, changes, at=now)

    async def deliver(self) -> int:
        """Post the queued notices in order; a channel that fails keeps its notices for next time."""
        stopped: set[int] = set()
        sent = 0
        for notice in await self.store.pending_notices():
            if notice.channel_id in stopped or not self.owns_guild(notice.guild_id):
                continue
            try:
                await self._deliver_one(notice)
            except (PostForbidden, PostFailed) as exc:
                stopped.add(notice.channel_id)
                log.warning("notice channel %s (will retry): %s", notice.channel_id, exc)
                continue
            sent += 1
        return sent

    async def _deliver_one(self, notice: Notice) -> None:
        if notice.state == "attempted":
            found = await self.poster.find_marker(notice.channel_id, notice.marker)
            if found is not None:
                await self.store.mark_notice(notice.id, "sent", message_id=found, at=self.clock())
                return
        await self.store.mark_notice(notice.id, "attempted", at=self.clock())
        message_id = await self.poster.send(notice.channel_id, json.loads(notice.payload), nonce=notice.nonce)
        await self.store.mark_notice(notice.id, "sent", message_id=message_id, at=self.clock())
