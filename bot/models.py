"""Plain data passed between the pipeline's stages.

fetch -> extract -> store -> brief -> digest -> render. Each stage takes and returns these
frozen dataclasses; none of them knows about SQL, HTTP sessions or Discord.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime


class SourceKind(enum.StrEnum):
    FEED = "feed"  # RSS / Atom / JSON Feed URL
    PAGE = "page"  # one article page, re-fetched to catch edits
    LOCAL = "local"  # a local file or folder (text, HTML or a feed file)
    REQUESTED = "requested"  # articles fetched on a user's request (/summarize URL); never polled


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """A source as configured by an operator or a moderator."""

    name: str
    location: str  # URL, or a filesystem path for LOCAL
    kind: SourceKind


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One HTTP fetch. `body` is None when the server answered 304 Not Modified."""

    url: str  # the final URL, after redirects
    status: int
    body: bytes | None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item of a feed, as the feed describes it (before any page fetch)."""

    guid: str | None
    url: str | None
    title: str | None
    author: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    content_html: str | None = None  # full content (content:encoded, atom:content, content_html)
    summary_html: str | None = None  # teaser / description


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str | None
    link: str | None
    entries: tuple[FeedEntry, ...]
    author: str | None = None  # the feed's own author/owner; entries without one are left None
    updated: datetime | None = None  # the feed's last-updated date, UTC


@dataclass(frozen=True, slots=True)
class ExtractedArticle:
    """Article text and metadata pulled out of an HTML page or a text file."""

    text: str  # paragraphs separated by blank lines
    title: str | None = None
    canonical_url: str | None = None
    author: str | None = None
    published: datetime | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """One article as a source shows it now: what a source reader hands the engine."""

    canonical_url: str | None
    guid: str | None
    title: str | None
    text: str
    author: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    # False: the link is not the article's own page (many entries of its feed share it), so it
    # neither identifies the article nor is fetched for its text (see bot.store.identity).
    url_is_identity: bool = True


@dataclass(frozen=True, slots=True)
class ArticleDraft(Candidate):
    """What the pipeline hands the store: a candidate, with the source it came through."""

    source_id: int = field(kw_only=True)

    @classmethod
    def of(cls, candidate: Candidate, *, source_id: int) -> ArticleDraft:
        return cls(
            canonical_url=candidate.canonical_url,
            guid=candidate.guid,
            title=candidate.title,
            text=candidate.text,
            author=candidate.author,
            published=candidate.published,
            updated=candidate.updated,
            url_is_identity=candidate.url_is_identity,
            source_id=source_id,
        )


class QuoteKind(enum.StrEnum):
    STATEMENT = "statement"  # a complete sentence or clause said by someone
    FRAGMENT = "fragment"  # a few quoted words inside a paraphrase


@dataclass(frozen=True, slots=True)
class Quote:
    text: str  # the quoted words, without the quotation marks
    speaker: str | None
    kind: QuoteKind = QuoteKind.STATEMENT
    start: int = 0  # character offsets of the quoted words in the article text
    end: int = 0
    # (start, end) of each quoted piece, when the quote runs over several paragraphs or is
    # interrupted by its attribution ("My hope," he said, "is that ..."); () means (start, end).
    spans: tuple[tuple[int, int], ...] = ()


class ChangeKind(enum.StrEnum):
    SENTENCE_ADDED = "sentence_added"
    SENTENCE_REMOVED = "sentence_removed"
    SENTENCE_EDITED = "sentence_edited"
    HEADLINE_CHANGED = "headline_changed"
    QUOTE_ADDED = "quote_added"
    QUOTE_REMOVED = "quote_removed"
    NUMBER_CHANGED = "number_changed"
    NEW_IN_STORY = "new_in_story"  # a sentence earlier coverage of the story did not have


class WordOp(enum.StrEnum):
    SAME = "="
    DELETED = "-"
    INSERTED = "+"


@dataclass(frozen=True, slots=True)
class WordDiffPart:
    op: WordOp
    text: str


@dataclass(frozen=True, slots=True)
class Change:
    kind: ChangeKind
    before: str | None = None
    after: str | None = None
    words: tuple[WordDiffPart, ...] = ()  # for SENTENCE_EDITED and HEADLINE_CHANGED


class ChangeBasis(enum.StrEnum):
    PREVIOUS_VERSION = "previous_version"
    STORY = "story"  # earlier articles on the same story
    FIRST_REPORT = "first_report"


@dataclass(frozen=True, slots=True)
class Changes:
    basis: ChangeBasis
    items: tuple[Change, ...] = ()
    against: tuple[str, ...] = ()  # URLs or ids of what was compared against

    @classmethod
    def first_report(cls) -> Changes:
        return cls(ChangeBasis.FIRST_REPORT)


@dataclass(frozen=True, slots=True)
class Brief:
    headline: str
    summary: tuple[str, ...]
    quotes: tuple[Quote, ...]
    changes: Changes
    url: str | None = None
    source: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    article_id: int | None = None
    version_id: int | None = None
    id: str | None = None  # caller's id in the JSON Lines batch interface


@dataclass(frozen=True, slots=True)
class StoryArticle:
    """An earlier article, as the story matcher sees it."""

    article_id: int
    url: str | None
    title: str | None
    text: str
    seen_at: datetime
    story_id: int | None = None  # the story it already belongs to (the store fills it in)


@dataclass(frozen=True, slots=True)
class DigestItem:
    brief: Brief
    story_id: int


@dataclass(frozen=True, slots=True)
class Digest:
    stories: tuple[tuple[DigestItem, ...], ...]  # grouped by story, newest story first
    more: int = 0  # items left out past the configured limit
    generated_at: datetime | None = None
    items_total: int = field(default=0)
    mention_roles: tuple[int, ...] = ()  # roles a filter asked to ping (bot.service.filters)


def utc_now() -> datetime:
    """The one clock every stage defaults to (tests pass their own)."""
    return datetime.now(UTC)
