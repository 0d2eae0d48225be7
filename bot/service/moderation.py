"""What a server's moderators manage: its sources, digest channels, moderator role and notices.

The moderation cogs call this and render what it returns. It checks what was asked (addresses,
schedules, backfill) and says what is wrong in words; it knows nothing of Discord.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from bot.errors import NewsbriefError
from bot.fitting import fit
from bot.ingest.opml import OpmlError, OpmlFeed, export_opml, parse_opml
from bot.ingest.urls import canonicalize_url, is_http_url
from bot.models import SourceKind, SourceSpec
from bot.service.filters import check_rule
from bot.service.polling import Engine, SourcePreview
from bot.service.schedule import Schedule, ScheduleError, parse_schedule
from bot.store import DigestChannel, FilterKind, FilterRule, GuildSource, SourceRecord, Store
from bot.store.backfill import Backfill, BackfillError, parse_backfill
from bot.store.retries import RetrySummary
from bot.store.threads import ThreadSetting

__all__ = [
    "AddedSource",
    "DigestChannel",
    "FilterKind",
    "FilterRule",
    "GuildSource",
    "GuildStatus",
    "ImportReport",
    "Moderation",
    "ModerationError",
    "NoDigestHere",
    "RetrySummary",
    "SetDigest",
    "SourceList",
    "SourceNotFound",
    "SourceRequest",
    "check_schedule",
    "check_source_request",
]

SOURCE_NAME_MAX = 80  # a source's name, as /source add takes it and every listing shows it


class ModerationError(NewsbriefError):
    """A moderator's request that cannot be done as asked; the reason says what to do instead."""


class SourceNotFound(ModerationError):
    """The guild follows no source matching what was typed (`typed`, as it was typed)."""

    def __init__(self, typed: str) -> None:
        super().__init__(f"This server has no source “{typed[:80]}”. See `/source list`.")
        self.typed = typed


class NoDigestHere(ModerationError):
    def __init__(self, channel_id: int | None) -> None:
        where = f"<#{channel_id}>" if channel_id else "this channel"
        super().__init__(f"{where} has no digest. Set one with `/digest set`.")


@dataclass(frozen=True, slots=True)
class SourceRequest:
    """A checked `/source add`: an http(s) address, and the backfill asked for (None: not asked)."""

    url: str
    backfill: Backfill
    backfill_asked: bool


@dataclass(frozen=True, slots=True)
class AddedSource:
    source: SourceRecord
    created: bool
    shown_name: str
    preview: SourcePreview
    backfill: Backfill | None  # what was set now; None when an existing subscription kept its own

    @property
    def is_new_to_the_bot(self) -> bool:
        """Never read yet: its first poll should run now rather than at the next interval."""
        source = self.source
        return source.last_success_at is None and source.last_error_at is None and not source.paused


@dataclass(frozen=True, slots=True)
class SourceList:
    entries: list[GuildSource]
    retries: dict[int, RetrySummary]
    broken_channels: list[DigestChannel]
    filters: dict[int, list[FilterRule]]  # by source id


@dataclass(frozen=True, slots=True)
class ImportReport:
    added: int
    already: int
    skipped: int


@dataclass(frozen=True, slots=True)
class SetDigest:
    channel: DigestChannel
    schedule: Schedule


@dataclass(frozen=True, slots=True)
class GuildStatus:
    sources: list[GuildSource]
    failing: list[GuildSource]
    articles: int
    digests: list[tuple[DigestChannel, Schedule]]


def check_source_request(url: str, backfill: str | None) -> SourceRequest:
    url = url.strip()
    try:
        wanted = parse_backfill(backfill)
    except BackfillError as exc:
        raise ModerationError(exc.reason) from exc
    if not is_http_url(url):
        raise ModerationError(
            "A source must be an http:// or https:// address, e.g. `https://example.com/feed.xml`."
        )
    return SourceRequest(url, wanted, backfill is not None)


def check_schedule(schedule: str, timezone: str | None) -> Schedule:
    try:
        return parse_schedule(schedule, timezone)
    except ScheduleError as exc:
        raise ModerationError(exc.reason) from exc


class Moderation:
    def __init__(self, store: Store, engine: Engine, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._engine = engine
        self._clock = clock

    # --- sources ---------------------------------------------------------------------------

    async def find_source(self, guild_id: int, typed: str) -> GuildSource:
        found = await self._store.find_guild_source(guild_id, typed)
        if found is None:
            raise SourceNotFound(typed)
        return found

    async def source_choices(self, guild_id: int, typed: str) -> list[GuildSource]:
        wanted = typed.casefold()
        return [
            e
            for e in await self._store.guild_sources(guild_id)
            if wanted in e.name.casefold() or wanted in e.source.location.casefold()
        ]

    async def preview(self, url: str, *, limit: int) -> SourcePreview:
        if not is_http_url(url.strip()):
            raise ModerationError("Give an http:// or https:// address.")
        return await self._engine.preview_source(url.strip(), limit=limit)

    async def add_source(
        self,
        guild_id: int,
        request: SourceRequest,
        *,
        channel_id: int | None,
        name: str | None,
        added_by: int,
    ) -> AddedSource:
        # Fetch once first: a URL that is not reachable or not readable is refused with the reason.
        preview = await self._engine.preview_source(request.url, limit=0)
        default_name = preview.title or urlsplit(request.url).hostname or request.url
        # The source's own name is its title, shown in every follower's briefs; the name given
        # here is this server's alone.
        spec = SourceSpec(
            name=fit(default_name, SOURCE_NAME_MAX),
            location=canonicalize_url(preview.location),
            kind=preview.kind,
        )
        shown_name = fit(name or default_name, SOURCE_NAME_MAX)
        record, created = await self._store.subscribe(
            guild_id, spec, channel_id=channel_id, added_by=added_by, name=shown_name
        )
        backfill = None
        if created or request.backfill_asked:
            backfill = request.backfill
            await self._store.set_backfill(guild_id, record.id, backfill, at=self._clock())
        return AddedSource(record, created, shown_name, preview, backfill)

    async def remove_source(self, guild_id: int, source_id: int) -> None:
        await self._store.unsubscribe(guild_id, source_id)
        await self._store.remove_source_filters(guild_id, source_id)

    async def source_list(self, guild_id: int) -> SourceList:
        entries = await self._store.guild_sources(guild_id)
        retries = await self._store.retry_summaries()
        channels = await self._store.digest_channels(guild_id)
        by_source: dict[int, list[FilterRule]] = {}
        for rule in await self._store.guild_filters(guild_id):
            if rule.source_id is not None:
                by_source.setdefault(rule.source_id, []).append(rule)
        return SourceList(entries, retries, [c for c in channels if c.status != "ok"], by_source)

    async def pause_source(self, guild_id: int, source_id: int, *, by: str) -> None:
        # This server's subscription only: other servers following the source are not affected.
        await self._store.set_subscription_paused(
            guild_id, source_id, True, f"paused by {by}", at=self._clock()
        )

    async def resume_source(self, guild_id: int, source_id: int) -> None:
        await self._store.set_subscription_paused(guild_id, source_id, False)

    async def export_feeds(self, guild_id: int) -> tuple[int, bytes]:
        """The guild's feeds as OPML, and how many there are."""
        entries = await self._store.guild_sources(guild_id)
        feeds = [OpmlFeed(e.source.location, e.name) for e in entries if e.source.kind is SourceKind.FEED]
        if not feeds:
            raise ModerationError("This server follows no feeds yet. Add one with `/source add`.")
        return len(feeds), export_opml(feeds, title="Newsbrief sources", now=self._clock())

    async def import_feeds(self, guild_id: int, data: bytes, *, added_by: int) -> ImportReport:
        """Follow every feed of an OPML file not followed yet; they post new articles only."""
        try:
            wanted = parse_opml(data)
        except OpmlError as exc:
            raise ModerationError(exc.reason) from exc
        followed = {e.source.location for e in await self._store.guild_sources(guild_id)}
        added = 0
        for feed in wanted.feeds:
            if feed.url in followed:
                continue
            spec = SourceSpec(name=feed.title, location=feed.url, kind=SourceKind.FEED)
            record, created = await self._store.subscribe(guild_id, spec, added_by=added_by)
            if created:
                await self._store.set_backfill(guild_id, record.id, Backfill(), at=self._clock())
                added += 1
        return ImportReport(added, len(wanted.feeds) - added, wanted.skipped)

    # --- digests ---------------------------------------------------------------------------

    async def digest_channel(self, guild_id: int, channel_id: int | None) -> DigestChannel:
        """The guild's digest in this channel; a channel of another guild has none here."""
        found = await self._store.get_digest_channel(channel_id) if channel_id else None
        if found is None or found.guild_id != guild_id:
            raise NoDigestHere(channel_id)
        return found

    async def has_digest(self, channel_id: int) -> bool:
        return await self._store.get_digest_channel(channel_id) is not None

    async def set_digest(
        self,
        guild_id: int,
        channel_id: int,
        schedule: Schedule,
        *,
        items: int | None,
        created_by: int,
    ) -> SetDigest:
        """Set (or change) a channel's digest; changing only the schedule keeps its item count."""
        if items is None:
            current = await self._store.get_digest_channel(channel_id)
            items = current.max_items if current is not None else None
        now = self._clock()
        record = await self._store.set_digest_channel(
            channel_id,
            guild_id=guild_id,
            schedule=schedule.spec,
            timezone=schedule.timezone,
            anchor_at=now,
            next_run_at=schedule.next_after(now, anchor=now),
            max_items=items,
            created_by=created_by,
        )
        return SetDigest(record, schedule)

    async def remove_digest(self, channel_id: int) -> None:
        await self._store.remove_digest_channel(channel_id)

    async def set_publish_digests(self, guild_id: int, enabled: bool) -> None:
        await self._store.set_publish_digests(guild_id, enabled)

    async def set_story_threads(
        self, guild_id: int, channel_id: int, *, enabled: bool, forum: bool, auto_archive_minutes: int
    ) -> ThreadSetting:
        """Story threads on or off in one of the guild's digest channels (bot.discord.threads)."""
        await self.digest_channel(guild_id, channel_id)
        return await self._store.set_thread_setting(
            channel_id,
            guild_id=guild_id,
            enabled=enabled,
            forum=forum,
            auto_archive_minutes=auto_archive_minutes,
        )

    async def story_threads(self, channel_id: int) -> ThreadSetting | None:
        return await self._store.get_thread_setting(channel_id)

    # --- filters ---------------------------------------------------------------------------

    async def add_filter(
        self,
        guild_id: int,
        *,
        kind: FilterKind,
        value: str,
        exclude: bool,
        channel_id: int | None,
        source: str | None,
        mention_role_id: int | None,
        created_by: int,
    ) -> FilterRule:
        """A rule on one digest channel or on one source the guild follows (see bot.service.filters)."""
        if (channel_id is None) == (source is None):
            raise ModerationError("Give the filter a `channel` (a digest channel) or a `source`, not both.")
        if exclude and mention_role_id is not None:
            raise ModerationError("An exclude filter pings nobody: give `mention` to an include filter.")
        checked = check_rule(kind, value)
        source_id = None
        if source is not None:
            source_id = (await self.find_source(guild_id, source)).source.id
        elif channel_id is not None:
            await self.digest_channel(guild_id, channel_id)
        return await self._store.add_filter(
            guild_id,
            kind=kind,
            value=checked,
            exclude=exclude,
            at=self._clock(),
            channel_id=channel_id,
            source_id=source_id,
            mention_role_id=mention_role_id,
            created_by=created_by,
        )

    async def filters(self, guild_id: int) -> list[FilterRule]:
        return await self._store.guild_filters(guild_id)

    async def remove_filter(self, guild_id: int, filter_id: int) -> None:
        if not await self._store.remove_filter(guild_id, filter_id):
            raise ModerationError(f"This server has no filter #{filter_id}. See `/filter list`.")

    # --- the guild's settings and status -----------------------------------------------------

    async def moderator_role(self, guild_id: int) -> int | None:
        return await self._store.get_moderator_role(guild_id)

    async def set_moderator_role(self, guild_id: int, role_id: int | None) -> None:
        await self._store.set_moderator_role(guild_id, role_id)

    async def set_notice_channel(self, guild_id: int, channel_id: int | None) -> None:
        await self._store.set_notice_channel(guild_id, channel_id)

    async def status(self, guild_id: int) -> GuildStatus:
        sources = await self._store.guild_sources(guild_id)
        failing = [s for s in sources if s.source.consecutive_failures or s.source.paused]
        counts = await self._store.counts(guild_id)
        digests = [
            (channel, parse_schedule(channel.schedule, channel.timezone))
            for channel in await self._store.digest_channels(guild_id)
        ]
        return GuildStatus(sources, failing, counts.get("articles", 0), digests)
