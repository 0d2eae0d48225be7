"""The store: one facade (`Store`) over parts split by domain, on SQLite or PostgreSQL.

Everything goes in and out as plain frozen records (bot/store/records.py) and bot.models types.
"""

from bot.store.brief_queue import PendingBrief
from bot.store.database import create_store_engine
from bot.store.facade import Store
from bot.store.part import BriefCodec
from bot.store.records import (
    SNIPPET_END,
    SNIPPET_START,
    ArticleChoice,
    ArticleRecord,
    DigestChannel,
    DigestStatus,
    FilterKind,
    FilterRule,
    FoundEntry,
    GuildSource,
    NewEntry,
    NotFoundError,
    OutboxItem,
    OutboxState,
    SavedVersion,
    SearchHit,
    SourceRecord,
    SpeakerQuote,
    StoredEntry,
    StoreError,
    VersionRecord,
)

__all__ = [
    "SNIPPET_END",
    "SNIPPET_START",
    "ArticleChoice",
    "ArticleRecord",
    "BriefCodec",
    "DigestChannel",
    "DigestStatus",
    "FilterKind",
    "FilterRule",
    "FoundEntry",
    "GuildSource",
    "NewEntry",
    "NotFoundError",
    "OutboxItem",
    "OutboxState",
    "PendingBrief",
    "SavedVersion",
    "SearchHit",
    "SourceRecord",
    "SpeakerQuote",
    "Store",
    "StoreError",
    "StoredEntry",
    "VersionRecord",
    "create_store_engine",
]
