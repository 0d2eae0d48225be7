"""Reading sources: a feed URL, a watched page, or a local file or folder.

Each reader turns what it read into `Candidate`s (an article as seen now, with no store ids) or
raises `SourceError` with words a moderator understands. Nothing here writes to the store, so a
source that fails part-way stores nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

from bot.errors import NewsbriefError
from bot.ingest.extract import ExtractError, extract_article, html_fragment_to_text, text_article
from bot.ingest.feeds import (
    DEFAULT_MAX_ENTRIES,
    FeedError,
    entry_needs_page,
    parse_feed,
    parse_feed_capped,
    sniff,
)
from bot.ingest.fetch import Fetcher, FetchError
from bot.ingest.urls import CREDENTIALS_REFUSED, canonicalize_url, has_credentials
from bot.models import Candidate, ExtractedArticle, FeedEntry, FetchResult, ParsedFeed

log = logging.getLogger(__name__)

# Files in a local folder that are never articles.
_SKIPPED_NAMES = ("readme", "license", ".")
MAX_ARTICLE_BYTES = 5 * 1024 * 1024  # a local or piped article, like a fetched body (fetch_max_body_mb)
_ARTICLE_SUFFIXES = {".txt", ".text", ".md", ".html", ".htm"}
_FEED_SUFFIXES = {".xml", ".rss", ".atom", ".json", ".feed"}
# What the first bytes of common binary files say they are, for the message that refuses them.
_BINARY_SIGNATURES = (
    (b"\x1f\x8b", "a gzip file (decompress it first)"),
    (b"PK\x03\x04", "a zip archive"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a program"),
    (b"%PDF-", "a PDF"),
    (b"\x89PNG", "an image"),
    (b"\xff\xd8\xff", "an image"),
    (b"GIF8", "an image"),
    (b"BZh", "a bzip2 file (decompress it first)"),
    (b"\xfd7zXZ", "an xz file (decompress it first)"),
)
_BINARY_CHECK_BYTES = 8192
# Text in any encoding but UTF-16 has next to no control bytes (0x00-0x1f but for whitespace and
# ESC, and 0x7f); random or compressed bytes have about 11%. Above this share it is not text.
_MAX_CONTROL_SHARE = 0.05
_TEXT_CONTROLS = frozenset("\t\n\v\f\r\x1b")
_TEXT_CONTROL_BYTES = frozenset(ord(c) for c in _TEXT_CONTROLS)


class SourceError(NewsbriefError):
    """The whole source failed; `reason` is shown to moderators as it is."""

    def __init__(self, reason: str, *, retryable: bool = True) -> None:
        super().__init__(reason)
        self.retryable = retryable


@dataclass(frozen=True, slots=True)
class ItemFailure:
    """One entry of a source that could not be read; the rest of the source still counts."""

    where: str
    reason: str


@dataclass(frozen=True, slots=True)
class Validators:
    """What tells us next time whether a URL changed: its ETag, Last-Modified and body hash."""

    etag: str | None
    last_modified: str | None
    body_hash: str | None


@dataclass(frozen=True, slots=True)
class SourceRead:
    candidates: tuple[Candidate, ...] = ()
    pending: tuple[FeedEntry, ...] = ()  # teaser entries whose pages are still to be read
    failures: tuple[ItemFailure, ...] = ()
    not_modified: bool = False  # 304, or the very same bytes as last time
    validators: Validators | None = None  # None: nothing to remember (a local source)
    title: str | None = None  # the feed's own title
    skipped: tuple[ItemFailure, ...] = ()  # entries that are no article (no text, no link), with why
    beyond_cap: int = 0  # entries the feed listed beyond feed_max_entries: counted, not read


@dataclass(frozen=True, slots=True)
class FeedRead:
    """A feed body read: its title, the entries that carry their text (as candidates), the teasers
    waiting for their page, the entries skipped with why, and how many it listed beyond the cap."""

    title: str | None
    candidates: tuple[Candidate, ...]
    pending: tuple[FeedEntry, ...]
    skipped: tuple[ItemFailure, ...]
    beyond_cap: int = 0


def read_feed_body(body: bytes, url: str | None, content_type: str | None, max_entries: int) -> FeedRead:
    """A feed body parsed (its newest `max_entries` entries, see bot.ingest.feeds.parse_feed_capped)
    and its entries' HTML turned into text: all the CPU work of reading a feed, in one call, so the
    engine can run it in a worker process. Raises FeedError."""
    capped = parse_feed_capped(body, url=url, content_type=content_type, max_entries=max_entries)
    full, teasers, skipped = split_feed_entries(capped.feed)
    return FeedRead(capped.feed.title, tuple(full), tuple(teasers), tuple(skipped), capped.beyond_cap)


# Reads a feed body (see read_feed_body), or raises SourceError; the engine's runs in a worker
# process with a time budget (bot.service.work).
FeedParser = Callable[[bytes, str | None, str | None], Awaitable[FeedRead]]
# Text and metadata of a fetched page (see article_from_body), or SourceError; the engine's runs
# in a worker process with a time budget.
Extractor = Callable[[bytes, str, str | None], Awaitable[ExtractedArticle]]


async def parse_in_place(body: bytes, url: str | None, content_type: str | None) -> FeedRead:
    """A FeedParser that parses right here, with the default cap (for callers with no pool)."""
    try:
        return read_feed_body(body, url, content_type, DEFAULT_MAX_ENTRIES)
    except FeedError as exc:
        raise SourceError(exc.reason, retryable=False) from exc


async def extract_in_thread(body: bytes, url: str, content_type: str | None) -> ExtractedArticle:
    """An Extractor for callers with no pool: in a thread, so the event loop keeps its turns."""
    return await asyncio.to_thread(article_from_body, body, url=url, content_type=content_type)


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def canonical(url: str | None) -> str | None:
    if not url:
        return None
    if url.startswith(("http://", "https://")):
        return canonicalize_url(url)
    return url


def page_candidate(page: ExtractedArticle, url: str, entry: FeedEntry | None) -> Candidate:
    # Honour the page's rel=canonical only when it is a web address: a page must not be able
    # to claim to be a local file or some other scheme.
    canonical_url = canonical(page.canonical_url) if (page.canonical_url or "").startswith("http") else None
    return Candidate(
        canonical_url=canonical_url or canonical(url),
        guid=entry.guid if entry else None,
        title=(entry.title if entry and entry.title else None) or page.title,
        text=page.text,
        author=(entry.author if entry else None) or page.author,
        published=(entry.published if entry else None) or page.published,
        updated=entry.updated if entry else None,
    )


def _entry_candidate(entry: FeedEntry) -> Candidate:
    html = entry.content_html or entry.summary_html or ""
    return Candidate(
        canonical_url=canonical(entry.url),
        guid=entry.guid,
        title=entry.title,
        text=html_fragment_to_text(html),
        author=entry.author,
        published=entry.published,
        updated=entry.updated,
    )


def split_entries(feed: ParsedFeed) -> tuple[list[Candidate], list[FeedEntry]]:
    """Entries that carry their full text become candidates; teasers wait for their page."""
    full, teasers, _ = split_feed_entries(feed)
    return full, teasers


def split_feed_entries(feed: ParsedFeed) -> tuple[list[Candidate], list[FeedEntry], list[ItemFailure]]:
    """Candidates (entries with their full text), teasers (waiting for their page), and the
    entries skipped, each with its reason.

    A link that entries with different GUIDs share (a podcast's home page; one page with
    `#fragment`s) is no entry's own page: such an entry is known by its GUID and its own text,
    and its link is never fetched as its article.
    """
    full: list[Candidate] = []
    teasers: list[FeedEntry] = []
    skipped: list[ItemFailure] = []
    shared = shared_links(feed.entries)
    for entry in feed.entries:
        link = canonical(entry.url)
        if link in shared:
            candidate = replace(_entry_candidate(entry), url_is_identity=False)
            if candidate.text.strip():
                full.append(candidate)
            else:
                reason = f"no text of its own, and its link is shared by {shared[link]} entries of the feed"
                skipped.append(ItemFailure(entry.guid or link or "an entry", reason))
        elif entry_needs_page(entry) and entry.url:
            teasers.append(entry)
        else:
            candidate = _entry_candidate(entry)
            if candidate.text.strip():
                full.append(candidate)
            else:
                skipped.append(ItemFailure(entry.title or entry.guid or "an entry", "no text and no link"))
    return full, teasers, skipped


def shared_links(entries: Iterable[FeedEntry]) -> dict[str, int]:
    """Links (canonical) that entries with different GUIDs share, with how many GUIDs share each."""
    guids: dict[str, set[str]] = {}
    for entry in entries:
        link = canonical(entry.url)
        if link and entry.guid:
            guids.setdefault(link, set()).add(entry.guid)
    return {link: len(found) for link, found in guids.items() if len(found) > 1}


def parse_feed_or_fail(body: bytes, *, url: str, content_type: str | None) -> ParsedFeed:
    try:
        return parse_feed(body, url=url, content_type=content_type)
    except FeedError as exc:
        raise SourceError(exc.reason, retryable=False) from exc


def control_share(text: str) -> float:
    """The share of `text` that is control characters (or U+FFFD, what undecodable bytes became)."""
    if not text:
        return 0.0
    odd = sum(1 for c in text if (c < " " and c not in _TEXT_CONTROLS) or c in "\x7f\ufffd")
    return odd / len(text)


def _utf16_codec(head: bytes) -> str | None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if len(head) > 1 and (head[0] == 0) != (head[1] == 0):  # ASCII as UTF-16, without a BOM
        return "utf-16-be" if head[0] == 0 else "utf-16-le"
    return None


def binary_kind(body: bytes) -> str | None:
    """What a body that is not text is ("an image", "a program", "binary data"), or None for text."""
    for signature, kind in _BINARY_SIGNATURES:
        if body.startswith(signature):
            return kind
    head = body[:_BINARY_CHECK_BYTES]
    if not head:
        return None
    codec = _utf16_codec(head)
    if codec is not None:
        share = control_share(head[: len(head) // 2 * 2].decode(codec, "replace"))
    else:
        share = sum(1 for b in head if (b < 0x20 and b not in _TEXT_CONTROL_BYTES) or b == 0x7F) / len(head)
    return "binary data" if share > _MAX_CONTROL_SHARE else None


def refuse_binary(body: bytes, *, name: str) -> None:
    """Raise SourceError when a body cannot be an article: bytes that are not text.

    (A fetched body the server calls an image, a PDF or an archive never gets here: the fetcher
    refuses it by its Content-Type before reading it.)"""
    kind = binary_kind(body)
    if kind is not None:
        raise SourceError(f"{name} is {kind}, not a text or HTML article", retryable=False)


def article_from_body(
    body: bytes, *, url: str, content_type: str | None = None, name: str | None = None
) -> ExtractedArticle:
    """Text and metadata of one article, from an HTML page or a plain-text body; never from binary data.

    `name` is how a refusal names the body (default: the file's name, or the URL)."""
    refuse_binary(body, name=name or _display_name(url))
    kind = sniff(body, content_type=content_type, filename=urlsplit(url).path)
    if kind in ("feed", "json_feed"):
        raise SourceError("expected an article page but got a feed: add it as a feed source instead")
    try:
        if kind == "text":
            return text_article(body.decode("utf-8", errors="replace"))
        return extract_article(body, url=url)
    except ExtractError as exc:
        raise SourceError(exc.reason, retryable=False) from exc


def _display_name(url: str) -> str:
    """How a message names what was read: a file by its name, a web page by its URL."""
    if url.startswith("file:"):
        return _local_path(url).name or url
    return url


# ---- web sources -------------------------------------------------------------------------


async def fetch_or_fail(fetcher: Fetcher, url: str, **conditional: str | None) -> FetchResult:
    try:
        return await fetcher.fetch(url, **conditional)
    except FetchError as exc:
        raise SourceError(exc.reason, retryable=exc.retryable) from exc


async def fetch_page(fetcher: Fetcher, url: str, extract: Extractor = extract_in_thread) -> ExtractedArticle:
    """One article page through the guarded fetcher, with its text extracted.

    Extraction is CPU work (seconds for a huge page): `extract` does it off the event loop, so
    the gateway and every command keep their turns while it runs."""
    result = await fetch_or_fail(fetcher, url)
    return await extract(result.body or b"", result.url, result.content_type)


def url_candidate(page: ExtractedArticle, url: str) -> Candidate:
    """A page known by the URL it was asked for (canonicalised), whatever it redirects to or calls
    itself: a watched page, or an article a member asked for."""
    return replace(page_candidate(page, url, None), canonical_url=canonical(url))


async def _fetch_if_changed(
    fetcher: Fetcher, url: str, last: Validators, fetched: FetchResult | None
) -> tuple[FetchResult | None, Validators]:
    """The response, or None when it is a 304 or the very same bytes as last time.

    `fetched` is a response to `url` the caller got moments ago (a new source's check), used
    instead of asking again."""
    result = fetched or await fetch_or_fail(fetcher, url, etag=last.etag, last_modified=last.last_modified)
    if result.not_modified or result.body is None:
        return None, last
    now = Validators(result.etag, result.last_modified, body_hash(result.body))
    return (None if now.body_hash == last.body_hash else result), now


def _unchanged(validators: Validators) -> SourceRead:
    return SourceRead(not_modified=True, validators=validators)


async def read_feed_url(
    fetcher: Fetcher,
    url: str,
    last: Validators,
    fetched: FetchResult | None = None,
    *,
    parse: FeedParser = parse_in_place,
) -> SourceRead:
    """A feed source, read when it changed. `parse` raises SourceError for a body that is no feed."""
    result, now = await _fetch_if_changed(fetcher, url, last, fetched)
    if result is None or result.body is None:
        return _unchanged(now)
    feed = await parse(result.body, result.url, result.content_type)
    return SourceRead(
        title=feed.title,
        candidates=feed.candidates,
        pending=feed.pending,
        validators=now,
        skipped=feed.skipped,
        beyond_cap=feed.beyond_cap,
    )


async def read_page_url(
    fetcher: Fetcher,
    url: str,
    last: Validators,
    fetched: FetchResult | None = None,
    *,
    extract: Extractor = extract_in_thread,
) -> SourceRead:
    result, now = await _fetch_if_changed(fetcher, url, last, fetched)
    if result is None or result.body is None:
        return _unchanged(now)
    page = await extract(result.body, result.url, result.content_type)
    return SourceRead(candidates=(url_candidate(page, url),), validators=now)


# ---- local sources -----------------------------------------------------------------------


def _local_path(url: str) -> Path:
    return Path(unquote(urlsplit(url).path))


def _is_article_file(path: Path) -> bool:
    name = path.name.lower()
    return path.is_file() and not name.startswith(_SKIPPED_NAMES)


def read_local_file(path: Path, *, max_bytes: int = MAX_ARTICLE_BYTES) -> ExtractedArticle:
    return article_from_body(read_local_bytes(path, max_bytes=max_bytes), url=path.as_uri())


def read_local_bytes(path: Path, *, max_bytes: int = MAX_ARTICLE_BYTES) -> bytes:
    try:
        if path.stat().st_size > max_bytes:
            raise SourceError(
                f"{path.name} is too large: over {max_bytes // (1024 * 1024)} MB", retryable=False
            )
        body = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read {path.name}: {exc.strerror or exc}") from exc
    return body


def read_limited(stream: BinaryIO, *, max_bytes: int = MAX_ARTICLE_BYTES) -> bytes:
    """At most `max_bytes` from a stream (standard input), or SourceError: an article is not that big."""
    body = stream.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise SourceError(f"the input is too large: over {max_bytes // (1024 * 1024)} MB", retryable=False)
    return body


def _read_local_feed(path: Path, body: bytes, read: SourceReadBuilder) -> None:
    try:
        feed = parse_feed(body, url=path.as_uri())
    except FeedError as exc:
        read.failures.append(ItemFailure(path.name, exc.reason))
        return
    full, teasers = split_entries(feed)
    read.candidates.extend(full)
    read.pending.extend(teasers)


@dataclass(slots=True)
class SourceReadBuilder:
    candidates: list[Candidate]
    pending: list[FeedEntry]
    failures: list[ItemFailure]

    def freeze(self) -> SourceRead:
        return SourceRead(tuple(self.candidates), tuple(self.pending), tuple(self.failures))


def read_local(location: str) -> SourceRead:
    """A local file or folder. Feeds are read first, so their titles and dates win."""
    root = Path(location)
    if not root.exists():
        raise SourceError(f"not found: {root}", retryable=False)
    files = sorted(p for p in root.iterdir() if _is_article_file(p)) if root.is_dir() else [root]
    read = SourceReadBuilder([], [], [])
    feeds, articles = [], []
    for path in files:
        suffix = path.suffix.lower()
        if suffix in _FEED_SUFFIXES:
            feeds.append(path)
        elif suffix in _ARTICLE_SUFFIXES or not root.is_dir():
            articles.append(path)
    for path in feeds:
        try:
            _read_local_feed(path, path.read_bytes(), read)
        except OSError as exc:
            read.failures.append(ItemFailure(path.name, f"cannot read: {exc.strerror or exc}"))
    # A file a local feed links to is read through that entry, with the feed's title and dates.
    linked = {entry.url for entry in read.pending}
    for path in articles:
        if path.as_uri() in linked:
            continue
        try:
            page = read_local_file(path)
        except SourceError as exc:
            read.failures.append(ItemFailure(path.name, exc.reason))
            continue
        read.candidates.append(page_candidate(page, path.as_uri(), None))
    if root.is_file() and not read.candidates and not read.pending and read.failures:
        raise SourceError(read.failures[0].reason, retryable=False)
    return read.freeze()


# ---- pages behind feed teasers -----------------------------------------------------------

PageReader = Callable[[FeedEntry], Awaitable[Candidate]]


def page_reader(fetcher: Fetcher, *, allow_local: bool, extract: Extractor = extract_in_thread) -> PageReader:
    """Reads the page a teaser links to. Only a local source may link to local files."""

    async def read(entry: FeedEntry) -> Candidate:
        url = entry.url or ""
        if url.startswith("file:"):
            if not allow_local:
                raise SourceError("refused: a web feed may not point at local files", retryable=False)
            path = _local_path(url)
            body = await asyncio.to_thread(read_local_bytes, path)
            return page_candidate(await extract(body, path.as_uri(), None), url, entry)
        return page_candidate(await fetch_page(fetcher, url, extract), url, entry)

    return read


def refuse_credentials(url: str) -> None:
    if has_credentials(url):
        raise SourceError(CREDENTIALS_REFUSED, retryable=False)
