"""What the store hands out: plain frozen records, and how rows become them."""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, Self, TypeVar

from sqlalchemy.engine import RowMapping

from bot.models import (
    ArticleDraft,
    Brief,
    Quote,
    SourceKind,
    utc_now,  # noqa: F401  (the store's parts take it from here)
)

logger = logging.getLogger(__name__)


# Around matched words in SearchHit.snippet: private-use characters, which no article text holds;
# each front end shows them its own way (bold in Discord and in the terminal).
SNIPPET_START = "\ue000"
SNIPPET_END = "\ue001"


class StoreError(Exception):
    """The store could not do what was asked."""


class NotFoundError(StoreError, LookupError):
    """No source / article / version with that id."""


class DigestStatus(enum.StrEnum):
    OK = "ok"
    FORBIDDEN = "forbidden"  # the bot may not post there (missing permission, channel gone)
    FAILING = "failing"  # posting failed for another reason; retried


class OutboxState(enum.StrEnum):
    PENDING = "pending"  # never tried
    ATTEMPTED = "attempted"  # sent to Discord at least once, no confirmation recorded
    SENT = "sent"


@dataclass(frozen=True, slots=True)
class SourceRecord:
    id: int
    name: str
    kind: SourceKind
    location: str
    paused: bool
    pause_reason: str | None
    last_success_at: datetime | None
    # Kept after a later success, so moderators can see the last problem; it is current only
    # while last_error_at is later than last_success_at (see `failing`).
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    next_attempt_at: datetime | None
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    created_at: datetime
    # Listed in the config file; False for a source only guilds added (unpolled once none does).
    from_config: bool = True

    @property
    def failing(self) -> bool:
        return self.consecutive_failures > 0


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    id: int
    source_id: int  # the source that first found it; other sources may share it
    canonical_url: str | None  # the latest URL seen; every URL ever seen still finds it
    guid: str | None
    title: str | None
    author: str | None
    published: datetime | None
    updated: datetime | None
    first_seen_at: datetime
    last_seen_at: datetime
    next_check_at: datetime | None  # when a watched page is due for a re-fetch
    story_id: int
    latest_version_id: int
    # The source whose feed supplied the text, or None: fetched by the bot from its own URL.
    origin_source_id: int | None = None


@dataclass(frozen=True, slots=True)
class VersionRecord:
    id: int
    article_id: int
    number: int  # 1, 2, ... per article
    seen_at: datetime
    title: str | None
    text: str
    text_hash: str


@dataclass(frozen=True, slots=True)
class SearchHit:
    article_id: int
    version_id: int
    title: str | None
    url: str | None
    snippet: str  # matched words wrapped in SNIPPET_START / SNIPPET_END
    seen_at: datetime  # when this (latest) version was first seen
    rank: float  # higher is better; only comparable within one result list


@dataclass(frozen=True, slots=True)
class GuildSource:
    """A source as one guild subscribes to it: the shared source, and the guild's name for it."""

    guild_id: int
    source: SourceRecord
    name: str
    channel_id: int | None  # where the guild wants its briefs posted, if anywhere
    added_by: int | None
    added_at: datetime
    paused: bool = False  # this guild's pause; the source itself may still be polled for others
    pause_reason: str | None = None


@dataclass(frozen=True, slots=True)
class ArticleChoice:
    """An autocomplete choice."""

    article_id: int
    title: str | None
    seen_at: datetime  # when the article was first stored


@dataclass(frozen=True, slots=True)
class SpeakerQuote:
    quote: Quote
    article_id: int
    version_id: int
    headline: str
    url: str | None
    seen_at: datetime  # when the version the quote is from was first seen


@dataclass(frozen=True, slots=True)
class DigestChannel:
    channel_id: int
    guild_id: int
    schedule: str
    timezone: str
    anchor_at: datetime
    next_run_at: datetime
    last_run_at: datetime | None
    cursor_version_id: int  # versions with ids up to this were covered by an earlier digest
    max_items: int | None
    status: DigestStatus
    status_detail: str | None
    status_at: datetime | None
    created_by: int | None


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    channel_id: int
    run_key: str
    part: int  # 0, 1, ...: the order to post a run's messages in
    payload: str  # JSON: the message (content + embeds)
    marker: str  # text inside the message, found by scanning the channel after a crash
    nonce: str
    state: OutboxState
    message_id: int | None
    attempts: int
    created_at: datetime
    sent_at: datetime | None


if TYPE_CHECKING:
    from _typeshed import DataclassInstance

RecordT = TypeVar("RecordT", bound="DataclassInstance")


def record_from_row(cls: type[RecordT], row: RowMapping, **converted: Any) -> RecordT:
    """A record dataclass from a row whose columns are named like its fields; `converted` are the
    fields that need more than the column's value (enums, booleans)."""
    values = {f.name: row[f.name] for f in fields(cls) if f.name not in converted}
    return cls(**values, **converted)


def source_record(row: RowMapping) -> SourceRecord:
    return record_from_row(
        SourceRecord,
        row,
        kind=SourceKind(row["kind"]),
        paused=bool(row["paused"]),
        from_config=bool(row["from_config"]),
    )


def article_record(row: RowMapping) -> ArticleRecord:
    if row["story_id"] is None or row["latest_version_id"] is None:
        raise StoreError(f"article {row['id']} has no version: it was not stored through save_version")
    return record_from_row(ArticleRecord, row)


def version_record(row: RowMapping) -> VersionRecord:
    return record_from_row(VersionRecord, row)


def digest_channel_record(row: RowMapping) -> DigestChannel:
    return record_from_row(DigestChannel, row, status=DigestStatus(row["status"]))


def outbox_item_record(row: RowMapping) -> OutboxItem:
    return record_from_row(OutboxItem, row, state=OutboxState(row["state"]))


def require_aware(value: datetime, name: str) -> datetime:
    # Checked up front (the column type checks too) so a naive time fails before any write,
    # and comparisons in Python below never mix naive and aware.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")
    return value.astimezone(UTC)


def later(first: datetime, second: datetime) -> datetime:
    return max(first, second)


@dataclass(frozen=True, slots=True)
class NewEntry:
    """One article as a poll saw it, for `Store.store_new_entries` (bot/store/batch.py)."""

    draft: ArticleDraft
    text_hash: str  # text_fingerprint of draft.text
    # The bot fetched the text from the article's own URL (shared), rather than the draft's
    # source supplying it (that source's alone): see `Store.save_version`.
    fetched: bool = False
    # Whether the text may say which stored article this is (False for a teaser many share).
    text_identifies: bool = True
    brief: Brief | None = None  # None: stored without one, filled in later (`store_briefs`)
    story_id: int | None = None  # a new article's story; None: its own. A new version: None keeps it
    # A new article joining the story of the batch's entry at this position (stored before it).
    story_of: int | None = None
    next_check_at: datetime | None = None  # for a new version: when to re-fetch its page


@dataclass(frozen=True, slots=True)
class FoundEntry:
    """The stored article an entry is (`Store.find_entries`), its latest version and that one's brief."""

    article: ArticleRecord
    latest: VersionRecord | None
    latest_brief: Brief | None


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """What `Store.store_new_entries` did with one entry."""

    outcome: Literal["new", "updated", "unchanged"]
    article: ArticleRecord
    version: VersionRecord  # the new version; when unchanged, the latest one
    brief: Brief | None  # the stored brief, ids filled in (None: none given, or unchanged)


class SavedVersion(tuple[ArticleRecord, VersionRecord]):
    """What `Store.save_version` stored: (article, version), unpacked as a pair.

    `new_version` False: another writer had just stored this text, so the version is that one.
    """

    new_version: bool

    def __new__(cls, article: ArticleRecord, version: VersionRecord, *, new_version: bool = True) -> Self:
        saved = super().__new__(cls, (article, version))
        saved.new_version = new_version
        return saved


class FilterKind(enum.StrEnum):
    KEYWORD = "keyword"  # words, as a phrase, in the headline or the text
    SPEAKER = "speaker"  # someone quoted ("quotes by X")
    REGEX = "regex"  # an RE2 pattern on the headline and the text
    CHANGE = "change"  # an edit of this kind: headline, number, quote or sentence


@dataclass(frozen=True, slots=True)
class FilterRule:
    """A moderator's rule on what a digest lists (bot.service.filters says how rules combine)."""

    id: int
    guild_id: int
    channel_id: int | None  # on this digest channel, or
    source_id: int | None  # on this source, for this guild
    kind: FilterKind
    value: str
    exclude: bool
    mention_role_id: int | None
    created_at: datetime


def filter_record(row: RowMapping) -> FilterRule:
    return record_from_row(FilterRule, row, kind=FilterKind(row["kind"]), exclude=bool(row["exclude"]))
