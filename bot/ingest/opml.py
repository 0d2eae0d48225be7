"""OPML, the feed readers' list format: read a subscription list, write one.

Reading is listparser's (lenient with the OPML real readers export, nested folders included);
writing is a plain OPML 2.0 document from the standard library's ElementTree.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

import listparser

from bot.errors import NewsbriefError
from bot.ingest.urls import canonicalize_url, is_http_url

OPML_MAX_BYTES = 1_000_000  # a subscription list is small; anything bigger is not one
OPML_MAX_FEEDS = 200


class OpmlError(NewsbriefError, ValueError):
    """A file that is not a usable OPML subscription list; `reason` says what to do."""


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    url: str  # canonical http(s) URL
    title: str


@dataclass(frozen=True, slots=True)
class OpmlList:
    feeds: tuple[OpmlFeed, ...]
    skipped: int  # outlines whose URL was not an http(s) address, or repeated


def parse_opml(data: bytes) -> OpmlList:
    """The feeds of an OPML document, in order, each once."""
    if len(data) > OPML_MAX_BYTES:
        raise OpmlError(
            f"That file is over {OPML_MAX_BYTES // 1000} KB: an OPML list of feeds is much smaller."
        )
    if not data.strip():
        raise OpmlError("That file is empty: export an OPML file from your feed reader and attach it.")
    # listparser takes a str as a URL or a path; bytes are parsed as the document itself.
    parsed = listparser.parse(data)
    entries = parsed.get("feeds") or []
    if not entries:
        detail = f" ({parsed.get('bozo_exception')})" if parsed.get("bozo") else ""
        raise OpmlError(
            f"No feeds found in that file{detail}: it should be an OPML export with `xmlUrl` outlines."
        )
    feeds: dict[str, OpmlFeed] = {}
    skipped = 0
    for entry in entries:
        url = str(entry.get("url") or "").strip()
        if not is_http_url(url) or "@" in urlsplit(url).netloc:
            skipped += 1
            continue
        canonical = canonicalize_url(url)
        if canonical in feeds:
            skipped += 1
            continue
        title = " ".join(str(entry.get("title") or "").split()) or urlsplit(canonical).hostname or canonical
        feeds[canonical] = OpmlFeed(canonical, title[:80])
    if len(feeds) > OPML_MAX_FEEDS:
        raise OpmlError(f"That file lists {len(feeds)} feeds; import at most {OPML_MAX_FEEDS} at a time.")
    return OpmlList(tuple(feeds.values()), skipped)


def export_opml(feeds: Iterable[OpmlFeed], *, title: str, now: datetime | None = None) -> bytes:
    """An OPML 2.0 document listing `feeds`, UTF-8."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(now or datetime.now(UTC))
    body = ET.SubElement(root, "body")
    for feed in feeds:
        ET.SubElement(body, "outline", type="rss", text=feed.title, title=feed.title, xmlUrl=feed.url)
    ET.indent(root)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True)) + b"\n"
