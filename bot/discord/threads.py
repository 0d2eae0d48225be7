"""Story threads: each story a digest channel lists gets a thread, and what comes later goes in it.

With threads on (`/digest threads`), a digest puts each story in its own message, and the
message of a story's first brief opens a thread named after it (in a forum channel, each new
story is a forum post instead, its brief the post's first message). Later versions of the
article, and later articles on the same story, still appear in the digest, and are posted into
the story's thread as follow-ups (bot.discord.thread_render): for a new version what changed,
with the PNG redline attached; for another outlet's article what it adds.

Threads go through the digest outbox like every digest message, so each is posted once: a
message's `route` says which thread it is for, and is resolved only when it is delivered. A
follow-up is posted straight into its thread (one request); only when Discord refuses is the
thread looked at: an archived one is reopened (PATCH archived=false) and the follow-up posted
again, one that cannot be reopened (locked, deleted, or reopening refused) is replaced by a new
thread whose first message links to the old one.

Nothing is lost when Discord refuses threads (no Create Public Threads, no Send Messages in
Threads): the digest is posted as always, and the guild's notice channel hears it once
(bot.discord.notices, subject "threads:CHANNEL").
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from bot.discord.deliver import ROUTE_KEY, Poster, PostFailed, PostForbidden
from bot.discord.limits import ATTACHMENT_DESCRIPTION_MAX
from bot.discord.render import DigestMessage
from bot.discord.thread_render import REDLINE_FILENAME, continued_line, followup_messages, thread_name
from bot.models import Digest
from bot.redline import render_redline
from bot.store import OutboxItem, Store
from bot.store.threads import THREAD_STATUS_FORBIDDEN, THREAD_STATUS_OK, StoryThread, ThreadSetting

log = logging.getLogger(__name__)

__all__ = ["ROUTE_KEY", "StoryThreads", "ThreadPoster"]
OPEN, POST, THREAD = "open", "post", "thread"  # route kinds
THREAD_OPEN, THREAD_ARCHIVED, THREAD_LOCKED, THREAD_GONE = "open", "archived", "locked", "gone"
FORBIDDEN_THREADS = "missing permission to create threads (Create Public Threads)"
FORBIDDEN_IN_THREADS = "missing permission to post in threads (Send Messages in Threads)"
MAX_THREAD_TRIES = 3  # as it is, reopened, replaced


@dataclass(frozen=True, slots=True)
class Picture:
    filename: str
    data: bytes
    description: str  # alt text


class ThreadPoster(Protocol):
    async def start_thread(
        self, channel_id: int, message_id: int, *, name: str, auto_archive_minutes: int
    ) -> int:
        """Open a thread on a message; its id. A message that has one already: that thread's id.
        Raise PostForbidden or PostFailed."""
        ...

    async def create_thread(
        self, channel_id: int, *, name: str, auto_archive_minutes: int, payload: dict[str, Any], forum: bool
    ) -> tuple[int, int]:
        """A new thread with `payload` as its first message (a forum post when `forum`):
        (thread id, first message id). Raise PostForbidden or PostFailed."""
        ...

    async def thread_state(self, thread_id: int) -> str:
        """THREAD_OPEN, THREAD_ARCHIVED, THREAD_LOCKED (archived and locked) or THREAD_GONE."""
        ...

    async def unarchive(self, thread_id: int) -> None:
        """Raise PostForbidden when Discord refuses (a locked thread, a missing permission)."""
        ...

    async def post_in_thread(
        self, thread_id: int, payload: dict[str, Any], *, nonce: str, picture: Picture | None
    ) -> int:
        """Post one message in a thread; its id. Raise PostForbidden or PostFailed."""
        ...


class StoryPoster(Poster, ThreadPoster, Protocol):
    """What story threads post through: the digest's poster, with threads."""


def with_route(message: DigestMessage, route: dict[str, Any] | None) -> DigestMessage:
    return replace(message, route=route) if route is not None else message


@dataclass(slots=True)
class StoryThreads:
    store: Store
    poster: StoryPoster
    clock: Callable[[], datetime]
    summary_sentences: int = 2

    async def setting(self, channel_id: int) -> ThreadSetting | None:
        """The channel's setting when it has threads on, else None."""
        found = await self.store.get_thread_setting(channel_id)
        return found if found is not None and found.enabled else None

    # ---- composing ----------------------------------------------------------------------

    async def route(
        self, channel_id: int, setting: ThreadSetting, digest: Digest, messages: Sequence[DigestMessage]
    ) -> list[DigestMessage]:
        """The digest's messages (one story each) with where each goes, and the follow-ups of the
        stories that already have a thread in the channel, after them."""
        heads = {story[0].story_id: story[0].brief for story in digest.stories}
        known = await self.store.story_threads(channel_id, heads)
        routed: list[DigestMessage] = []
        current: int | None = None  # the story whose message continues, in a forum
        for message in messages:
            story_id = message.stories[0] if message.stories else None
            if story_id is not None:
                current = story_id
            if story_id is not None and story_id not in known:
                kind = POST if setting.forum else OPEN
                route = {"kind": kind, "story_id": story_id, "name": thread_name(heads[story_id].headline)}
                routed.append(with_route(self._forum_body(message, setting), route))
            elif setting.forum:
                # A forum holds posts only: what a known story brings goes in as its follow-ups,
                # a message continuing a new story goes into its post, the "…and N more" line nowhere.
                continues = story_id is None and current is not None and current not in known
                if continues and any("title" in embed for embed in message.embeds):
                    routed.append(with_route(message, {"kind": THREAD, "story_id": current}))
            elif story_id is not None:
                routed.append(self._pointing_to(message, known[story_id].thread_id))
            else:
                routed.append(message)
        for story in digest.stories:
            if story[0].story_id in known:
                for item in story:
                    routed.extend(
                        followup_messages(
                            item.brief, story_id=item.story_id, summary_sentences=self.summary_sentences
                        )
                    )
        return routed

    @staticmethod
    def _pointing_to(message: DigestMessage, thread_id: int) -> DigestMessage:
        # A channel mention links to the thread and pings nobody.
        line = f"🧵 More on this story, and what changed: <#{thread_id}>"
        return replace(message, content=f"{message.content}\n{line}" if message.content else line)

    @staticmethod
    def _forum_body(message: DigestMessage, setting: ThreadSetting) -> DigestMessage:
        if not setting.forum or not message.content:
            return message
        # A forum post's title is the story: the digest's own header line is left out.
        pings = " ".join(f"<@&{role}>" for role in message.mention_roles)
        return replace(message, content=pings)

    # ---- delivering ---------------------------------------------------------------------

    async def opened(self, item: OutboxItem, message_id: int, route: dict[str, Any]) -> None:
        """After a story's digest message is posted: open its thread on it. A refusal is
        recorded for a notice; the digest stays posted, and the story's next item tries again."""
        setting = await self.store.get_thread_setting(item.channel_id)
        if setting is None:
            return
        story_id, name = int(route["story_id"]), str(route["name"])
        try:
            thread_id = await self.poster.start_thread(
                item.channel_id, message_id, name=name, auto_archive_minutes=setting.auto_archive_minutes
            )
        except PostForbidden as exc:
            await self._refused(setting, f"{FORBIDDEN_THREADS}: {exc}")
            return
        except PostFailed as exc:
            log.warning("could not open a thread on message %s in %s: %s", message_id, item.channel_id, exc)
            return
        await self.store.record_story_thread(item.channel_id, story_id, thread_id, name=name, at=self.clock())
        await self._allowed(setting)

    async def deliver(self, item: OutboxItem, payload: dict[str, Any], route: dict[str, Any]) -> int:
        """Post a message routed to a story's thread (a forum post, or into a thread); the message id,
        or 0 when nothing could be posted and nothing will be (the digest has the item anyway)."""
        setting = await self.store.get_thread_setting(item.channel_id)
        story_id = int(route["story_id"])
        known = (await self.store.story_threads(item.channel_id, [story_id])).get(story_id)
        forum = setting.forum if setting is not None else False
        minutes = setting.auto_archive_minutes if setting is not None else 1440
        if route["kind"] == POST:
            if known is not None:
                return known.thread_id  # posted before a crash: the story has its post already
            name = str(route["name"])
            thread_id, message_id = await self.poster.create_thread(
                item.channel_id, name=name, auto_archive_minutes=minutes, payload=payload, forum=True
            )
            await self.store.record_story_thread(
                item.channel_id, story_id, thread_id, name=name, at=self.clock()
            )
            return message_id
        if known is None:
            return 0  # its thread was never opened (refused): the digest lists the item
        if item.state == "attempted":
            found = await self.poster.find_marker(known.thread_id, item.marker)
            if found is not None:
                return found
        picture = await self._picture(route)
        try:
            message_id = await self._post(item, payload, picture, known, forum=forum, minutes=minutes)
        except PostForbidden as exc:
            if setting is not None:
                await self._refused(setting, str(exc))
            log.warning("follow-up for story %s in %s not posted: %s", story_id, item.channel_id, exc)
            return 0
        if setting is not None:
            await self._allowed(setting)
        return message_id

    async def _post(
        self,
        item: OutboxItem,
        payload: dict[str, Any],
        picture: Picture | None,
        known: StoryThread,
        *,
        forum: bool,
        minutes: int,
    ) -> int:
        """Post into the story's thread, first as it is (one request, the usual case); when Discord
        refuses, find out why: an archived thread is reopened, a locked or deleted one (or one
        that cannot be reopened) replaced; an open one means the bot may not post in threads."""
        thread_id = known.thread_id
        reopened = False
        for _ in range(MAX_THREAD_TRIES):
            try:
                return await self.poster.post_in_thread(thread_id, payload, nonce=item.nonce, picture=picture)
            except PostForbidden as exc:
                state = await self.poster.thread_state(thread_id)
                if state == THREAD_OPEN:
                    raise PostForbidden(f"{FORBIDDEN_IN_THREADS}: {exc}") from exc
            if state == THREAD_ARCHIVED and not reopened:
                reopened = True
                try:
                    await self.poster.unarchive(thread_id)
                    continue
                except PostForbidden as exc:
                    log.info("thread %s cannot be reopened (%s): a new one replaces it", thread_id, exc)
            thread_id = await self._replace(
                item.channel_id, known.story_id, known.name, thread_id, forum, minutes
            )
        raise PostForbidden(f"{FORBIDDEN_IN_THREADS}: Discord refused every thread tried")

    async def _replace(
        self, channel_id: int, story_id: int, name: str, old_thread_id: int, forum: bool, minutes: int
    ) -> int:
        """A new thread for the story, its first message linking to the one it replaces."""
        first = {"content": continued_line(old_thread_id), "allowed_mentions": {"parse": []}}
        thread_id, _ = await self.poster.create_thread(
            channel_id, name=name, auto_archive_minutes=minutes, payload=first, forum=forum
        )
        await self.store.record_story_thread(
            channel_id, story_id, thread_id, name=name, at=self.clock(), previous_thread_id=old_thread_id
        )
        return thread_id

    async def _picture(self, route: dict[str, Any]) -> Picture | None:
        version_id = route.get("redline_version_id")
        if version_id is None:
            return None
        brief = await self.store.get_brief(int(version_id))
        if brief is None:
            return None
        redline = render_redline(
            brief.changes, headline=brief.headline, alt_text_max=ATTACHMENT_DESCRIPTION_MAX
        )
        return Picture(REDLINE_FILENAME, redline.png, redline.alt_text) if redline is not None else None

    async def _refused(self, setting: ThreadSetting, detail: str) -> None:
        log.warning("story threads in %s refused: %s", setting.channel_id, detail)
        if setting.status != THREAD_STATUS_FORBIDDEN or setting.status_detail != detail:
            await self.store.set_thread_status(setting.channel_id, THREAD_STATUS_FORBIDDEN, detail)

    async def _allowed(self, setting: ThreadSetting) -> None:
        if setting.status != THREAD_STATUS_OK:
            await self.store.set_thread_status(setting.channel_id, THREAD_STATUS_OK, None)
