"""Feed bodies -> ParsedFeed: RSS 0.9x/1.0/2.0 and Atom via feedparser, JSON Feed 1.0/1.1 by hand.

feedparser is only ever handed an in-memory stream, never a string: given a string it would
fetch URLs and open local file names. Its SAX parser has external entities switched off and it
strips DOCTYPEs down to plain text entities, so a feed cannot make us read files or the network.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import io
import json
import logging
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import PurePosixPath
from typing import Any, Final, Literal
from urllib.parse import urljoin, urlsplit

import feedparser

from bot.errors import NewsbriefError
from bot.ingest.extract import html_fragment_to_text
from bot.models import FeedEntry, ParsedFeed

log = logging.getLogger(__name__)

BodyKind = Literal["feed", "html", "text", "json_feed"]

JSON_FEED_VERSION_PREFIX: Final = "https://jsonfeed.org/version/"
# Below this much text, with no full content, an entry is taken for a teaser.
TEASER_MAX_CHARS: Final = 500
_SNIFF_WINDOW: Final = 4096
# The most entries one feed gives a poll (the setting feed_max_entries says how many a poll keeps).
DEFAULT_MAX_ENTRIES: Final = 500
# What the bot keeps of an entry's short fields; a feed may put anything in them.
TITLE_MAX_CHARS: Final = 300
AUTHOR_MAX_CHARS: Final = 200
GUID_MAX_CHARS: Final = 512  # a longer GUID is kept as its hash: still unique, and fits an index
URL_MAX_CHARS: Final = 4096  # a longer link is no page address: the entry is kept without it
# feedparser looks for an e-mail address in every author-like field with a regex that is quadratic
# in the field's length (40,000 characters: 5 to 10 s). These fields are cut, in the raw XML,
# to this many bytes before feedparser sees them; no name or address is that long.
RAW_PERSON_MAX_BYTES: Final = 256


class FeedError(NewsbriefError):
    """The body is not a usable feed. `reason` is fit to show a moderator."""


@dataclass(frozen=True, slots=True)
class CappedFeed:
    """A parsed feed cut to its newest `max_entries` entries, and how many more it had."""

    feed: ParsedFeed
    beyond_cap: int = 0  # entries the feed listed beyond the cap: counted, not read


# ---------------------------------------------------------------------------------------------
# Sniffing

_FEED_ROOTS: Final = frozenset({"rss", "feed", "rdf", "channel"})
_XML_PROLOG: Final = re.compile(
    r"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>|\s+)*", re.S | re.I
)
_FIRST_TAG: Final = re.compile(r"<\s*([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")
_HTML_DOCTYPE: Final = re.compile(r"<!DOCTYPE\s+html", re.I)
_HTML_MARKERS: Final = re.compile(r"<(?:html|head|body|div|p|article|meta|title)[\s>/]", re.I)
_FEED_MARKERS: Final = re.compile(r"<(?:rss|feed|rdf:RDF|channel)[\s>]", re.I)

_FEED_TYPES: Final = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml",
                      "text/xml", "application/x-rss+xml", "text/rss+xml")  # fmt: skip
_FEED_EXTENSIONS: Final = frozenset({".xml", ".rss", ".atom", ".rdf", ".feed"})
_HTML_EXTENSIONS: Final = frozenset({".html", ".htm", ".xhtml", ".shtml", ".php", ".asp", ".aspx"})
_TEXT_EXTENSIONS: Final = frozenset({".txt", ".text", ".md", ".markdown", ".rst"})


def sniff(body: bytes, *, content_type: str | None = None, filename: str | None = None) -> BodyKind:
    """What a body is. The content decides when it is clear; content-type and extension break ties.

    Servers mislabel feeds (RSS as text/html or text/plain is common), so a body that opens with
    an <rss>, <feed> or <rdf:RDF> root is a feed whatever the header says.
    """
    head = _decode_head(body)
    stripped = head.lstrip()
    declared = _declared_kind(content_type, filename)
    if stripped.startswith(("{", "[")):
        # generic JSON is only a feed if it says so; the feed media type is trusted outright
        if _is_json_feed(body) or _media_type(content_type) == "application/feed+json":
            return "json_feed"
        return "text"
    root = _root_element(stripped) if stripped.startswith("<") else None
    if root is None and stripped.startswith("<") and len(body) > _SNIFF_WINDOW:
        # a long DOCTYPE subset or comment can fill the window before the root element
        root = _root_element(_decode_head(body, len(body)).lstrip())
    if root is not None:
        if root in _FEED_ROOTS:
            return "feed"
        if root == "html" or _HTML_DOCTYPE.search(stripped[:1024]):
            return "html"
        if declared in ("feed", "html"):
            return declared
        return "html" if _HTML_MARKERS.search(head) else "feed"
    # junk before the markup (a stray line, a BOM of the wrong kind): look a little further in
    if _FEED_MARKERS.search(head[:1024]):
        return "feed"
    if _HTML_MARKERS.search(head[:1024]):
        return "html"
    if declared == "json_feed":
        return "text"  # declared JSON but is not: let the text path deal with it
    return declared or "text"


def _decode_head(body: bytes, window: int = _SNIFF_WINDOW) -> str:
    head = body[:window]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", "replace")
    if len(head) > 1 and head[0] == 0 and head[1] != 0:
        return head.decode("utf-16-be", "replace")
    if len(head) > 1 and head[0] != 0 and head[1] == 0:
        return head.decode("utf-16-le", "replace")
    # leading whitespace can be long (generators that pad with blank lines): skip it first
    return body.removeprefix(b"\xef\xbb\xbf").lstrip()[:window].decode("utf-8", "replace")


def _root_element(text: str) -> str | None:
    prolog = _XML_PROLOG.match(text)
    rest = text[prolog.end() :] if prolog else text
    tag = _FIRST_TAG.match(rest)
    return tag.group(2).lower() if tag else None


def _declared_kind(content_type: str | None, filename: str | None) -> BodyKind | None:
    if content_type:
        media = _media_type(content_type)
        if media in ("application/feed+json", "application/json"):
            return "json_feed"
        if media in _FEED_TYPES or (media.endswith(("+xml", "/xml")) and media != "application/xhtml+xml"):
            return "feed"
        if media in ("text/html", "application/xhtml+xml"):
            return "html"
        if media == "text/plain":
            return "text"
    if filename:
        suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
        if suffix in _FEED_EXTENSIONS:
            return "feed"
        if suffix in _HTML_EXTENSIONS:
            return "html"
        if suffix == ".json":
            return "json_feed"
        if suffix in _TEXT_EXTENSIONS:
            return "text"
    return None


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _is_json_feed(body: bytes) -> bool:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return False
    return _json_feed_version(document) is not None


def _json_feed_version(document: Any) -> str | None:
    if not isinstance(document, dict):
        return None
    version = document.get("version")
    if isinstance(version, str) and version.startswith(JSON_FEED_VERSION_PREFIX):
        return version
    return None


# ---------------------------------------------------------------------------------------------
# Parsing


def parse_feed(
    body: bytes,
    *,
    url: str | None = None,
    content_type: str | None = None,
    max_entries: int = DEFAULT_MAX_ENTRIES,
) -> ParsedFeed:
    """Parse an RSS, Atom or JSON Feed body. Raises only FeedError.

    Slightly broken XML is accepted when feedparser still finds entries in it. Relative links
    are resolved against `url` (the feed's own URL). At most `max_entries` entries are kept
    (see `parse_feed_capped`).
    """
    return parse_feed_capped(body, url=url, content_type=content_type, max_entries=max_entries).feed


def parse_feed_capped(
    body: bytes, *, url: str | None = None, content_type: str | None, max_entries: int
) -> CappedFeed:
    """Parse a feed body and keep its newest `max_entries` entries, counting the rest.

    A feed of 100,000 entries is cut in its raw bytes before any parsing: its first and last
    `max_entries` items are parsed (feeds list newest first, or oldest first) and the newest of
    those kept, so the time and memory it takes do not grow with what the feed lists. Kept
    fields are capped (TITLE_MAX_CHARS, AUTHOR_MAX_CHARS, ...). Raises only FeedError.
    """
    try:
        return _parse_feed(body, url=url, content_type=content_type, max_entries=max(1, max_entries))
    except FeedError:
        raise
    except Exception as exc:  # the contract is FeedError only; feedparser has many odd corners
        log.warning("unexpected error parsing feed %s", url or "<body>", exc_info=True)
        raise FeedError(f"not a feed: could not be parsed ({type(exc).__name__})") from exc


def _parse_feed(body: bytes, *, url: str | None, content_type: str | None, max_entries: int) -> CappedFeed:
    if not body or not body.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise FeedError("not a feed: empty document")
    head = _decode_head(body).lstrip()
    if head.startswith("<") and _root_element(_decode_head(body, len(body))) is None:
        raise FeedError("not a feed: empty document")  # only a prolog: declaration, comments
    kind = sniff(body, content_type=content_type)
    if kind == "json_feed" or head.startswith(("{", "[")):
        feed, cut = _parse_json_feed(body, url, max_entries)
        json_capped = _newest(feed, max_entries)
        return replace(json_capped, beyond_cap=json_capped.beyond_cap + cut)
    if kind == "html":
        raise FeedError("not a feed: got an HTML page")
    if kind == "text":
        raise FeedError("not a feed: plain text, not XML")
    body, cut = _cut_items(_cap_person_fields(body), max_entries)
    capped = _newest(_parse_xml_feed(body, url), max_entries)
    return replace(capped, beyond_cap=capped.beyond_cap + cut)


def _newest(feed: ParsedFeed, max_entries: int) -> CappedFeed:
    """The feed with its kept fields capped and only its newest `max_entries` entries, in feed order.

    Newest by date when every entry has one; otherwise the first ones, as feeds list newest first."""
    entries = [_capped_fields(entry) for entry in feed.entries]
    beyond = max(0, len(entries) - max_entries)
    if beyond:
        dates = [entry.published or entry.updated for entry in entries]
        if all(dates):
            ranked = sorted(range(len(entries)), key=lambda i: dates[i] or _EPOCH, reverse=True)
            keep = set(ranked[:max_entries])
            entries = [entry for i, entry in enumerate(entries) if i in keep]
        else:
            entries = entries[:max_entries]
    capped = replace(
        feed,
        entries=tuple(entries),
        title=_cut(feed.title, TITLE_MAX_CHARS),
        author=_cut(feed.author, AUTHOR_MAX_CHARS),
    )
    return CappedFeed(capped, beyond)


_EPOCH: Final = datetime.fromtimestamp(0, tz=UTC)


def _capped_fields(entry: FeedEntry) -> FeedEntry:
    guid = entry.guid
    if guid is not None and len(guid) > GUID_MAX_CHARS:
        guid = "sha256:" + hashlib.sha256(guid.encode("utf-8", "surrogatepass")).hexdigest()
    url = entry.url if entry.url is None or len(entry.url) <= URL_MAX_CHARS else None
    title = _cut(entry.title, TITLE_MAX_CHARS)
    author = _cut(entry.author, AUTHOR_MAX_CHARS)
    if (guid, url, title, author) == (entry.guid, entry.url, entry.title, entry.author):
        return entry
    return replace(entry, guid=guid, url=url, title=title, author=author)


def _cut(value: str | None, limit: int) -> str | None:
    if value is None or len(value) <= limit:
        return value
    return value[: limit - 1].rstrip() + "…"


_PERSON_OPEN: Final = re.compile(
    rb"<(?:[\w.\-]+:)?(?:author|creator|publisher|contributor|managingEditor|webMaster|name|email)"
    rb"(?:\s[^<>]*)?>",
    re.I,
)
_CDATA_OPEN: Final = re.compile(rb"\s*<!\[CDATA\[")


def _cap_person_fields(body: bytes, limit: int = RAW_PERSON_MAX_BYTES) -> bytes:
    """The raw XML with the text of every author-like element cut to `limit` bytes.

    One pass over the body (each element's text is found with bytes.find), so a body built of
    unclosed elements costs no more than a plain one."""
    out: list[bytes] = []
    copied = 0  # body[:copied] is in `out` (as it was, or cut)
    position = 0
    while (opening := _PERSON_OPEN.search(body, position)) is not None:
        start = opening.end()
        if body[start - 2 : start] == b"/>":  # an empty element: what follows is not its text
            position = start
            continue
        cdata = _CDATA_OPEN.match(body, start)
        if cdata is not None:
            start = cdata.end()
            end = body.find(b"]]>", start)
        else:
            end = body.find(b"<", start)
        if end < 0:
            break
        if end - start > limit:
            out.append(body[copied : start + _safe_cut(body, start, limit)])
            copied = end
        position = end
    if not out:
        return body
    out.append(body[copied:])
    return b"".join(out)


def _safe_cut(body: bytes, start: int, limit: int) -> int:
    """How many bytes of body[start:] to keep at most `limit`: not inside a UTF-8 character or an entity."""
    keep = limit
    while keep > 0 and 0x80 <= body[start + keep] < 0xC0:  # a UTF-8 continuation byte
        keep -= 1
    ampersand = body.rfind(b"&", start + max(0, keep - 12), start + keep)
    if ampersand >= 0 and body.find(b";", ampersand, start + keep) < 0:
        keep = ampersand - start
    return keep


_ITEM_START: Final = re.compile(rb"<(?:[\w.\-]+:)?(?:item|entry)[\s>/]")
_ITEM_END: Final = re.compile(rb"</(?:[\w.\-]+:)?(?:item|entry)\s*>")


def _cut_items(body: bytes, max_entries: int) -> tuple[bytes, int]:
    """The raw XML with all but its first and last `max_entries` items removed, and how many went.

    A feed with no more than twice that many items is left whole."""
    starts = [match.start() for match in _ITEM_START.finditer(body)]
    if len(starts) <= 2 * max_entries:
        return body, 0
    first_end = _ITEM_END.search(body, starts[max_entries - 1])
    last_start = starts[len(starts) - max_entries]
    if first_end is None or first_end.end() > last_start:
        return body, 0  # not items one after another: leave the body to the parser
    return body[: first_end.end()] + body[last_start:], len(starts) - 2 * max_entries


def _parse_xml_feed(body: bytes, url: str | None) -> ParsedFeed:
    result = _feedparser(body, url)
    if not result.get("entries") and result.get("bozo"):
        repaired = _declare_namespace_prefixes(body)
        if repaired is not None:
            retry = _feedparser(repaired, url)
            if retry.get("entries"):
                result = retry
    channel: Mapping[str, Any] = result.get("feed", {})
    raw_entries: Sequence[Mapping[str, Any]] = result.get("entries", [])
    problem = result.get("bozo_exception") if result.get("bozo") else None
    if not raw_entries:
        # a feed with no items yet is fine; broken XML that yields nothing is not
        if problem is not None and not isinstance(problem, _HARMLESS_BOZO):
            raise FeedError(f"not a feed: broken XML ({_describe_xml_error(problem)})")
        if not result.get("version"):
            raise FeedError("not a feed: XML without an RSS, Atom or RDF root")
    elif problem is not None and not isinstance(problem, _HARMLESS_BOZO) and not _has_closing_root(body):
        # A document cut off part-way is half a feed: storing its entries would store half of
        # what the publisher sent, so refuse it and try again at the next poll.
        raise FeedError(f"not a feed: broken XML, the document ends early ({_describe_xml_error(problem)})")
    elif problem is not None:
        log.info("feed %s is malformed but usable: %s", url or "<body>", problem)
    return ParsedFeed(
        title=_text_value(channel, "title"),
        link=_absolute(channel.get("link"), url),
        entries=tuple(_xml_entry(raw, url) for raw in raw_entries),
        author=_person_name(channel),
        updated=_struct_to_datetime(_own(channel, "updated_parsed") or _own(channel, "published_parsed")),
    )


_CLOSING_ROOT: Final = re.compile(rb"</(?:[\w.\-]+:)?(?:rss|feed|RDF)\s*>")


def _has_closing_root(body: bytes) -> bool:
    return _CLOSING_ROOT.search(body[-4096:]) is not None


# Encoding guesses and media-type complaints say nothing about whether the XML itself is usable.
_HARMLESS_BOZO: Final = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


def _feedparser(body: bytes, url: str | None) -> Any:
    # feedparser takes the base URL for relative links from Content-Location; a Content-Type
    # must go with it or feedparser assumes ISO-8859-1 for undeclared encodings.
    headers = {"content-type": "application/xml"}
    if url and urlsplit(url).scheme in ("http", "https"):
        # feedparser mangles file:// bases (file://srv/...); _absolute resolves those instead
        headers["content-location"] = url
    # Content HTML is only ever turned into text (html_fragment_to_text, which drops scripts,
    # styles and embeds), never shown or kept as HTML, so feedparser's sanitizer and its rewriting
    # of relative links inside it are work for nothing: half to three quarters of its parse time on the
    # shared real feeds. Links and GUIDs are still resolved (feedparser does those either way); on those
    # feeds every entry's GUID, link, title, dates and teaser-or-not stay the same; 38 content or
    # summary texts of 3,373 entries change (an embed's fallback text, a paragraph break).
    return feedparser.parse(
        io.BytesIO(body), response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )


_PREFIXED_TAG: Final = re.compile(rb"<(/?)([A-Za-z_][\w.\-]*):")
_DECLARED_PREFIX: Final = re.compile(rb"xmlns:([A-Za-z_][\w.\-]*)\s*=")


def _declare_namespace_prefixes(body: bytes) -> bytes | None:
    """The body with undeclared element prefixes dropped (`<rss:item>` -> `<item>`), or None.

    Some generators prefix every element with a namespace they never declare; feedparser then
    sees no <item> at all. Dropping the prefix is the reading the author evidently meant.
    """
    declared = set(_DECLARED_PREFIX.findall(body))
    undeclared = {prefix for _, prefix in _PREFIXED_TAG.findall(body)} - declared
    if not undeclared:
        return None

    def drop(match: re.Match[bytes]) -> bytes:
        return b"<" + match.group(1) if match.group(2) in undeclared else match.group(0)

    return _PREFIXED_TAG.sub(drop, body)


def _own(raw: Mapping[str, Any], key: str) -> Any:
    # FeedParserDict.get("updated_parsed") silently answers with published_parsed (feedparser
    # issue 310); read the plain dict so "updated" means the feed really said updated.
    return dict.get(raw, key) if isinstance(raw, dict) else raw.get(key)


def _describe_xml_error(exc: object) -> str:
    if exc is None:
        return "unreadable"
    get_message = getattr(exc, "getMessage", None)
    get_line = getattr(exc, "getLineNumber", None)
    if callable(get_message) and callable(get_line):
        line = get_line()
        return f"{get_message()} at line {line}" if line else str(get_message())
    message = str(exc).strip() or type(exc).__name__
    return message[:120]


def _xml_entry(raw: Mapping[str, Any], feed_url: str | None) -> FeedEntry:
    published = _struct_to_datetime(_own(raw, "published_parsed"))
    updated = _struct_to_datetime(_own(raw, "updated_parsed"))
    return FeedEntry(
        guid=_clean(raw.get("id")),
        url=_absolute(raw.get("link"), feed_url),
        title=_text_value(raw, "title"),
        author=_person_name(raw),
        # An entry's only date is its publication date as far as we can know: RSS 1.0's
        # dc:date and Atom's required <updated> are what such feeds use for "published".
        published=published or updated,
        updated=updated,
        content_html=_full_content(raw),
        summary_html=_summary_html(raw),
    )


def _full_content(raw: Mapping[str, Any]) -> str | None:
    contents: Sequence[Mapping[str, Any]] = raw.get("content") or ()
    # Several <content> elements happen (e.g. a plain-text and an HTML one): keep the richest.
    best: str | None = None
    for content in contents:
        value = _as_html(content.get("value"), content.get("type"))
        if value and (best is None or len(value) > len(best)):
            best = value
    return best


def _summary_html(raw: Mapping[str, Any]) -> str | None:
    detail = raw.get("summary_detail") or {}
    return _as_html(raw.get("summary"), detail.get("type"))


def _as_html(value: object, media_type: object) -> str | None:
    """Feed text as HTML: plain-text values are escaped into paragraphs so callers see one format."""
    if not isinstance(value, str) or not value.strip():
        return None
    if media_type == "text/plain":
        return _text_to_html(value)
    return value.strip()


def _text_to_html(text: str) -> str:
    paragraphs = [p.strip() for p in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n")) if p.strip()]
    return "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)


def _text_value(raw: Mapping[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if not isinstance(value, str):
        return None
    detail = raw.get(f"{key}_detail") or {}
    if detail.get("type") in ("text/html", "application/xhtml+xml"):
        value = html_fragment_to_text(value)
    return _clean(value)


def _person_name(raw: Mapping[str, Any]) -> str | None:
    names: list[str] = []
    for person in raw.get("authors") or ():
        name = _clean(person.get("name")) if isinstance(person, Mapping) else None
        if name and name not in names:
            names.append(name)
    if names:
        return ", ".join(names)
    return _clean(raw.get("author"))


def _struct_to_datetime(value: object) -> datetime | None:
    # feedparser normalises every date it understands to a UTC struct_time
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _clean(value: object) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if not isinstance(value, str | int | float):
        return None
    cleaned = " ".join(str(value).split())
    return cleaned or None


def _absolute(link: object, base: str | None) -> str | None:
    """`link` made absolute against `base`; None unless it is http(s) (or file, in a local feed).

    A remote feed must not be able to point the fetcher at file:// or other schemes.
    """
    link = _clean(link)
    if link is None:
        return None
    absolute = urljoin(base, link) if base else link
    allowed = {"http", "https"}
    if base and urlsplit(base).scheme == "file":
        allowed.add("file")
    return absolute if urlsplit(absolute).scheme in allowed else None


# ---------------------------------------------------------------------------------------------
# JSON Feed (https://www.jsonfeed.org/version/1.1/)


def _parse_json_feed(body: bytes, url: str | None, max_entries: int) -> tuple[ParsedFeed, int]:
    try:
        document = json.loads(body)
    except RecursionError as exc:
        raise FeedError("not a feed: JSON nested too deeply") from exc
    except ValueError as exc:
        detail = f"{exc.msg} at line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else "undecodable"
        raise FeedError(f"not a feed: broken JSON ({detail})") from exc
    if _json_feed_version(document) is None:
        raise FeedError("not a feed: JSON that is not a JSON Feed")
    base = url or _clean(document.get("feed_url")) or _clean(document.get("home_page_url"))
    items = document.get("items")
    if not isinstance(items, list):
        raise FeedError("not a feed: JSON Feed without an items list")
    cut = 0
    if len(items) > 2 * max_entries:  # as with XML: the first and last items, the newest kept later
        cut = len(items) - 2 * max_entries
        items = items[:max_entries] + items[-max_entries:]
    feed = ParsedFeed(
        title=_clean(document.get("title")),
        link=_absolute(document.get("home_page_url"), base),
        entries=tuple(_json_entry(item, base) for item in items if isinstance(item, dict)),
        author=_json_authors(document),
        updated=None,
    )
    return feed, cut


def _json_entry(item: Mapping[str, Any], base: str | None) -> FeedEntry:
    content_html = _as_html(item.get("content_html"), "text/html") or _as_html(
        item.get("content_text"), "text/plain"
    )
    return FeedEntry(
        guid=_clean(item.get("id")),
        url=_absolute(item.get("url") or item.get("external_url"), base),
        title=_clean(item.get("title")),
        author=_json_authors(item),
        published=parse_feed_date(item.get("date_published")),
        updated=parse_feed_date(item.get("date_modified")),
        content_html=content_html,
        summary_html=_as_html(item.get("summary"), "text/plain"),
    )


def _json_authors(owner: Mapping[str, Any]) -> str | None:
    # 1.1 has an "authors" list; 1.0 had a single "author" object
    people = owner.get("authors")
    if not isinstance(people, list):
        people = [owner.get("author")]
    names: list[str] = []
    for person in people:
        name = _clean(person.get("name")) if isinstance(person, dict) else None
        if name and name not in names:
            names.append(name)
    return ", ".join(names) or None


def parse_feed_date(value: object) -> datetime | None:
    """An RFC 3339 (or, leniently, RFC 822) date string as an aware UTC datetime."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    parsed: datetime | None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)  # undated zone: UTC is the least surprising guess
    return parsed.astimezone(UTC)


# ---------------------------------------------------------------------------------------------
# Teasers

_TEASER_ENDINGS: Final = re.compile(
    r"(?:\.\.\.|…|\[…\]|\[\.\.\.\]|\(…\)|\(\.\.\.\)|read more|continue reading"
    r"|read the full (?:story|article)|keep reading|more»|more »|→)\W*$",
    re.I,
)
# WordPress appends "The post X appeared first on Y." to every excerpt
_WORDPRESS_FOOTER: Final = re.compile(r"\n*The post .{1,300} appeared first on .{1,200}\.?\s*$", re.S)


def entry_needs_page(entry: FeedEntry) -> bool:
    """True when the feed gives only a teaser and the linked page must be fetched for the text.

    Full content that does not end like a cut-off teaser is enough; an entry with no link
    cannot be completed, so it never needs a page.
    """
    if not entry.url:
        return False
    if entry.content_html:
        content = _teaser_text(entry.content_html)
        if content and not _TEASER_ENDINGS.search(content):
            return False
    summary = _teaser_text(entry.summary_html or "")
    if not summary:
        return True
    return len(summary) < TEASER_MAX_CHARS or bool(_TEASER_ENDINGS.search(summary))


def _teaser_text(fragment: str) -> str:
    return _WORDPRESS_FOOTER.sub("", html_fragment_to_text(fragment)).strip()


_FEED_LINK_TYPES: Final = {
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rdf+xml",
}
_LINK_TAG: Final = re.compile(rb"<link\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE: Final = re.compile(rb"""([a-zA-Z-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""")


def discover_feeds(page: bytes, *, url: str) -> list[str]:
    """Feed URLs a page declares with <link rel="alternate" type="application/rss+xml" ...>, in order.

    How a reader finds a site's feed from its home page (RSS autodiscovery). Only the page's
    <head> is looked at, and only http(s) links are returned.
    """
    head = page[: page.lower().find(b"</head>")] if b"</head>" in page.lower() else page[:200_000]
    found: list[str] = []
    for tag in _LINK_TAG.findall(head):
        attributes = {
            name.lower().decode(): html.unescape(value.strip(b"\"'").decode("utf-8", "replace"))
            for name, value in _ATTRIBUTE.findall(tag)
        }
        rel = attributes.get("rel", "").lower().split()
        kind = attributes.get("type", "").lower().split(";")[0].strip()
        href = attributes.get("href", "").strip()
        if "alternate" in rel and kind in _FEED_LINK_TYPES and href:
            absolute = urljoin(url, href)
            if urlsplit(absolute).scheme in ("http", "https") and absolute not in found:
                found.append(absolute)
    return found
