from __future__ import annotations

import csv
import json
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.ingest.feeds import FeedError, entry_needs_page, parse_feed, sniff
from bot.models import FeedEntry, ParsedFeed

FEED_URL = "https://news.example.org/feeds/world.xml"

RSS2 = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Example World News</title>
  <link>https://news.example.org/</link>
  <managingEditor>desk@example.org (World Desk)</managingEditor>
  <lastBuildDate>Tue, 02 Jan 2024 09:30:00 GMT</lastBuildDate>
  <item>
    <title>Bridge reopens after repairs</title>
    <link>/2024/01/02/bridge-reopens</link>
    <guid isPermaLink="false">story-1001</guid>
    <dc:creator>Ana Lima</dc:creator>
    <pubDate>Tue, 02 Jan 2024 10:00:00 +0200</pubDate>
    <description>The bridge is open again&#8230;</description>
    <content:encoded><![CDATA[<p>The bridge is open again.</p>
      <p>Traffic resumed at noon.</p>]]></content:encoded>
  </item>
  <item>
    <title>Council &amp; mayor meet</title>
    <link>https://news.example.org/2024/01/01/council</link>
    <guid>https://news.example.org/?p=1000</guid>
    <pubDate>Mon, 01 Jan 2024 08:00:00 GMT</pubDate>
    <description>Short teaser.</description>
  </item>
</channel>
</rss>
"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="html">Ocean &lt;b&gt;Log&lt;/b&gt;</title>
  <link href="https://blog.example.net/"/>
  <updated>2024-03-05T12:00:00Z</updated>
  <author><name>Marta Reyes</name></author>
  <entry>
    <id>tag:blog.example.net,2024:post-7</id>
    <title>Whales return</title>
    <link rel="alternate" href="posts/whales.html"/>
    <published>2024-03-04T23:30:00-05:00</published>
    <updated>2024-03-05T11:00:00Z</updated>
    <summary>Whales came back.</summary>
    <content type="html">&lt;p&gt;Whales came back to the bay this week.&lt;/p&gt;</content>
  </entry>
</feed>
"""

RSS1 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://rdf.example.com/">
    <title>RDF News</title><link>https://rdf.example.com/</link><description>d</description>
  </channel>
  <item rdf:about="https://rdf.example.com/a">
    <title>First</title><link>https://rdf.example.com/a</link>
    <description>One.</description><dc:date>2024-02-01T10:00:00+01:00</dc:date>
  </item>
</rdf:RDF>
"""

RSS091 = b"""<?xml version="1.0"?>
<rss version="0.91"><channel><title>Old</title><link>http://old.example.com/</link>
<description>x</description>
<item><title>Ancient post</title><link>http://old.example.com/1</link><description>Hi</description></item>
</channel></rss>
"""

HTML_PAGE = b"""<!DOCTYPE html>
<html><head><title>Example home</title></head>
<body><div class="nav">Home</div><p>Welcome to our site.</p></body></html>
"""


def json_feed(version: str = "https://jsonfeed.org/version/1.1", **extra: Any) -> bytes:
    document: dict[str, Any] = {
        "version": version,
        "title": "JSON Times",
        "home_page_url": "https://json.example.com/",
        "authors": [{"name": "Desk"}],
        "items": [
            {
                "id": 42,
                "url": "/a/42",
                "title": "Answer found",
                "content_html": "<p>It is 42.</p>",
                "summary": "The answer",
                "date_published": "2024-01-15T12:00:00+01:00",
                "date_modified": "2024-01-15T13:00:00Z",
                "authors": [{"name": "Jane Smith"}, {"name": "Li Wei"}],
            },
            {
                "id": "b",
                "url": "https://json.example.com/b",
                "content_text": "Plain <text> one.\n\nPlain text two.",
                "date_published": "2024-01-14T10:30:00",
            },
        ],
    }
    document.update(extra)
    return json.dumps(document).encode()


# ---- parse_feed: good feeds -------------------------------------------------------------------


def test_rss2_keeps_entries_content_dates_and_resolves_links() -> None:
    feed = parse_feed(RSS2, url=FEED_URL)
    assert feed.title == "Example World News"
    assert feed.link == "https://news.example.org/"
    assert feed.updated == datetime(2024, 1, 2, 9, 30, tzinfo=UTC)
    assert len(feed.entries) == 2
    first, second = feed.entries
    assert first.guid == "story-1001"
    assert first.url == "https://news.example.org/2024/01/02/bridge-reopens"
    assert first.title == "Bridge reopens after repairs"
    assert first.author == "Ana Lima"
    assert first.published == datetime(2024, 1, 2, 8, 0, tzinfo=UTC)
    assert first.published is not None and first.published.utcoffset() is not None
    assert first.content_html is not None and "Traffic resumed at noon." in first.content_html
    assert first.summary_html == "The bridge is open again…"
    assert second.title == "Council & mayor meet"
    assert second.content_html is None
    assert second.summary_html == "Short teaser."


def test_atom_entry_fields_and_html_title() -> None:
    feed = parse_feed(ATOM, url="https://blog.example.net/atom.xml")
    assert feed.title == "Ocean Log"
    assert feed.author == "Marta Reyes"
    assert feed.updated == datetime(2024, 3, 5, 12, 0, tzinfo=UTC)
    (entry,) = feed.entries
    assert entry.guid == "tag:blog.example.net,2024:post-7"
    assert entry.url == "https://blog.example.net/posts/whales.html"
    assert entry.published == datetime(2024, 3, 5, 4, 30, tzinfo=UTC)
    assert entry.updated == datetime(2024, 3, 5, 11, 0, tzinfo=UTC)
    assert entry.content_html == "<p>Whales came back to the bay this week.</p>"
    assert entry.summary_html == "<p>Whales came back.</p>"  # type="text" is escaped into HTML


@pytest.mark.parametrize(
    ("body", "title", "entry_title", "entry_url"),
    [
        (RSS1, "RDF News", "First", "https://rdf.example.com/a"),
        (RSS091, "Old", "Ancient post", "http://old.example.com/1"),
    ],
)
def test_rss1_and_rss091(body: bytes, title: str, entry_title: str, entry_url: str) -> None:
    feed = parse_feed(body)
    assert feed.title == title
    assert [(e.title, e.url) for e in feed.entries] == [(entry_title, entry_url)]


def test_rss1_date_is_utc_and_counts_as_published() -> None:
    (entry,) = parse_feed(RSS1).entries
    assert entry.published == datetime(2024, 2, 1, 9, 0, tzinfo=UTC)


def test_updated_is_not_faked_from_published() -> None:
    first = parse_feed(RSS2).entries[0]
    assert first.published is not None
    assert first.updated is None


def test_feed_with_no_items_is_an_empty_feed() -> None:
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title></channel></rss>'
    assert parse_feed(body) == ParsedFeed(title="Quiet", link=None, entries=())


def test_slightly_broken_feed_with_entries_still_parses() -> None:
    # a bare "&" and an unclosed <channel>: not well-formed, but the entries are readable
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Tom & Jerry news</title>'
        b"<item><title>Chase</title><link>https://tj.example.com/chase</link>"
        b"<description>Cat chases mouse</description></item></rss>"
    )
    feed = parse_feed(body)
    assert [e.title for e in feed.entries] == ["Chase"]
    assert feed.entries[0].url == "https://tj.example.com/chase"


def test_undeclared_prefixes_on_every_element_are_repaired() -> None:
    body = (
        b"<rss rss:version='2.0'><rss:channel><rss:title>Prefixed</rss:title>"
        b"<rss:item><rss:title>One</rss:title><rss:link>https://p.example.com/1</rss:link></rss:item>"
        b"<rss:item><rss:title>Two</rss:title><rss:link>https://p.example.com/2</rss:link></rss:item>"
        b"</rss:channel></rss>"
    )
    feed = parse_feed(body)
    assert [e.url for e in feed.entries] == ["https://p.example.com/1", "https://p.example.com/2"]


def test_utf16_feed_is_decoded() -> None:
    body = RSS091.replace(b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="utf-16"?>')
    feed = parse_feed(body.decode().replace("Ancient", "Ältere").encode("utf-16"))
    assert feed.entries[0].title == "Ältere post"


def test_remote_feed_cannot_hand_out_file_or_javascript_links() -> None:
    body = RSS091.replace(b"http://old.example.com/1", b"file:///etc/passwd")
    assert parse_feed(body, url="https://old.example.com/rss").entries[0].url is None
    body = RSS091.replace(b"http://old.example.com/1", b"javascript:alert(1)")
    assert parse_feed(body, url="https://old.example.com/rss").entries[0].url is None


def test_local_feed_may_link_to_local_files() -> None:
    body = RSS091.replace(b"http://old.example.com/1", b"posts/one.html")
    entry = parse_feed(body, url="file:///srv/news/feed.xml").entries[0]
    assert entry.url == "file:///srv/news/posts/one.html"


# ---- JSON Feed --------------------------------------------------------------------------------


def test_json_feed_1_1() -> None:
    feed = parse_feed(json_feed(), url="https://json.example.com/feed.json")
    assert feed.title == "JSON Times"
    assert feed.link == "https://json.example.com/"
    assert feed.author == "Desk"
    first, second = feed.entries
    assert first == FeedEntry(
        guid="42",
        url="https://json.example.com/a/42",
        title="Answer found",
        author="Jane Smith, Li Wei",
        published=datetime(2024, 1, 15, 11, 0, tzinfo=UTC),
        updated=datetime(2024, 1, 15, 13, 0, tzinfo=UTC),
        content_html="<p>It is 42.</p>",
        summary_html="<p>The answer</p>",
    )
    # content_text is escaped into HTML paragraphs so every entry's content is HTML
    assert second.content_html == "<p>Plain &lt;text&gt; one.</p><p>Plain text two.</p>"
    assert second.title is None
    assert second.published == datetime(2024, 1, 14, 10, 30, tzinfo=UTC)


def test_json_feed_1_0_single_author_and_base_from_feed_url() -> None:
    body = json_feed(
        "https://jsonfeed.org/version/1",
        authors=None,
        author={"name": "Old Style"},
        feed_url="https://json.example.com/feed.json",
    )
    feed = parse_feed(body)
    assert feed.author == "Old Style"
    assert feed.entries[0].url == "https://json.example.com/a/42"


def test_json_that_is_not_a_feed() -> None:
    with pytest.raises(FeedError) as caught:
        parse_feed(b'{"hello": "world", "items": []}')
    assert caught.value.reason == "not a feed: JSON that is not a JSON Feed"


def test_broken_json() -> None:
    with pytest.raises(FeedError) as caught:
        parse_feed(b'{"version": "https://jsonfeed.org/version/1.1", "items": [')
    assert caught.value.reason.startswith("not a feed: broken JSON (")


# ---- parse_feed: not feeds ---------------------------------------------------------------------


def test_html_page_is_not_a_feed_even_when_labelled_as_one() -> None:
    with pytest.raises(FeedError) as caught:
        parse_feed(HTML_PAGE, url="https://example.com/feed", content_type="application/rss+xml")
    assert caught.value.reason == "not a feed: got an HTML page"


@pytest.mark.parametrize("body", [b"", b"   \n", b'<?xml version="1.0"?>\n<!-- nothing here -->\n'])
def test_empty_document(body: bytes) -> None:
    with pytest.raises(FeedError) as caught:
        parse_feed(body)
    assert caught.value.reason == "not a feed: empty document"


def test_broken_xml_without_entries_names_the_problem() -> None:
    body = b'<?xml version="1.0"?>\n<rss version="2.0">\n<channel>\n<title>Bad</titel>\n'
    with pytest.raises(FeedError) as caught:
        parse_feed(body)
    assert caught.value.reason.startswith("not a feed: broken XML (")
    assert "line" in caught.value.reason


@pytest.mark.parametrize(
    "body",
    [
        b"\x00\x01\x02\xff" * 200,
        b"[" * 100_000 + b"]" * 100_000,
        b"{" * 50_000,
        b"<" * 10_000,
        b"<rss><channel><item>" * 2_000,
        b"just some words, not a feed at all",
        b"<opml version='2.0'><body/></opml>",
        "<rss version='2.0'><channel><item><title>\udcff</title></item></channel></rss>".encode(
            "utf-8", "surrogateescape"
        ),
    ],
)
def test_odd_bodies_give_a_parsed_feed_or_feed_error(body: bytes) -> None:
    try:
        result = parse_feed(body)
    except FeedError as error:
        assert error.reason.startswith("not a feed: ")
    else:
        assert isinstance(result, ParsedFeed)


def test_root_element_found_after_long_padding_or_doctype() -> None:
    padded = b" \n" * 5_000 + RSS091
    assert [e.title for e in parse_feed(padded).entries] == ["Ancient post"]
    subset = b"".join(b'<!ENTITY e%d "x">' % i for i in range(1_000))
    with_doctype = RSS091.replace(b"<rss", b"<!DOCTYPE rss [" + subset + b"]>\n<rss", 1)
    assert sniff(with_doctype) == "feed"
    assert [e.title for e in parse_feed(with_doctype).entries] == ["Ancient post"]


def test_body_that_is_a_file_name_is_not_opened(tmp_path: Path) -> None:
    # feedparser.parse() opens a str/bytes argument as a path if it can: we must never let it
    feed_file = tmp_path / "secret.xml"
    feed_file.write_bytes(RSS2)
    with pytest.raises(FeedError):
        parse_feed(str(feed_file).encode())


def test_external_entities_are_not_resolved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    connections: list[object] = []

    def no_connect(*args: object, **kwargs: object) -> None:
        connections.append(args)
        raise OSError("network is off in tests")

    monkeypatch.setattr(socket, "create_connection", no_connect)
    monkeypatch.setattr(socket.socket, "connect", no_connect)
    body = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY file SYSTEM "{secret.as_uri()}">\n'
        '<!ENTITY web SYSTEM "http://127.0.0.1:9/x.dtd">\n]>\n'
        '<rss version="2.0"><channel><title>T</title><item><title>a &file; b &web; c</title>'
        "<link>https://e.example.com/1</link></item></channel></rss>"
    ).encode()
    try:
        feed = parse_feed(body, url="https://e.example.com/feed")
    except FeedError:
        feed = ParsedFeed(title=None, link=None, entries=())
    assert all("TOP-SECRET" not in (e.title or "") for e in feed.entries)
    assert connections == []


# ---- sniff -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "filename", "expected"),
    [
        (RSS2, None, None, "feed"),
        (RSS2, "text/html; charset=utf-8", None, "feed"),  # mislabelled feeds are common
        (ATOM, "text/plain", "atom.txt", "feed"),
        (RSS1, None, None, "feed"),
        (b"\xef\xbb\xbf\n\n  " + RSS091, None, None, "feed"),
        (RSS091.decode().encode("utf-16"), None, None, "feed"),
        (HTML_PAGE, "application/rss+xml", "feed.xml", "html"),
        (b'<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"/>', None, None, "html"),
        (b"<p>A fragment</p>", None, None, "html"),
        (json_feed(), None, None, "json_feed"),
        (json_feed(), "application/json", "feed.json", "json_feed"),
        (b'{"not": "a feed"}', "application/json", None, "text"),
        (b"Plain words.\n\nMore words.", None, None, "text"),
        (b"Plain words.", "text/plain", None, "text"),
        (b"Plain words.", None, "notes.txt", "text"),
        (b"Plain words.", None, "story.html", "html"),
        (b"", None, None, "text"),
        (b"<3 this plain note", None, None, "text"),
        (b"<!-- a comment only -->", None, None, "text"),
        (b"<unknown-root>data</unknown-root>", "application/xml", None, "feed"),
    ],
)
def test_sniff(body: bytes, content_type: str | None, filename: str | None, expected: str) -> None:
    assert sniff(body, content_type=content_type, filename=filename) == expected


# ---- entry_needs_page ------------------------------------------------------------------------

LONG = "This sentence is part of a complete article text. " * 20


def entry(
    content: str | None = None, summary: str | None = None, url: str | None = "https://e.x/1"
) -> FeedEntry:
    return FeedEntry(guid="g", url=url, title="t", content_html=content, summary_html=summary)


@pytest.mark.parametrize(
    ("item", "needs"),
    [
        (entry(content=f"<p>{LONG}</p>", summary="Teaser…"), False),
        (entry(content="<p>A short but complete post.</p>"), False),
        (entry(summary="<p>Police closed the road on Monday.</p>"), True),
        (entry(summary=f"<p>{LONG}</p>"), False),
        (entry(summary=f"<p>{LONG} and then [&#8230;]</p>"), True),
        (entry(summary=f"<p>{LONG}</p><p><a href='/x'>Read more</a></p>"), True),
        (entry(summary=f"<p>{LONG}</p><p>Continue reading →</p>"), True),
        (entry(summary=f"<p>{LONG} [...]</p><p>The post Foo appeared first on Bar News.</p>"), True),
        (entry(), True),
        (entry(summary="Short teaser.", url=None), False),
        (entry(content="<p>Opening lines of the story...</p>", summary=f"<p>{LONG}</p>"), False),
        (entry(content="<p>Opening lines of the story...</p>", summary="Opening…"), True),
    ],
)
def test_entry_needs_page(item: FeedEntry, needs: bool) -> None:
    assert entry_needs_page(item) is needs


# ---- robustness on the shared real-world feeds -----------------------------------------------


def test_every_shared_feed_parses_or_gives_feed_error(shared_dir: Path) -> None:
    folder = shared_dir / "eval" / "feeds"
    with (folder / "MANIFEST.tsv").open(encoding="utf-8") as manifest:
        rows = [row for row in csv.DictReader(manifest, delimiter="\t") if row["kind"] == "input"]
    assert rows
    real_parsed = 0
    for row in rows:
        body = (folder / row["file"]).read_bytes()
        try:
            feed = parse_feed(body, url=row["url"] or None)
        except FeedError as error:
            assert error.reason.startswith("not a feed: "), row["file"]
            continue
        if row["file"].startswith("fastfeedparser-benchmark/"):
            real_parsed += 1
            assert feed.entries, row["file"]
            for item in feed.entries:
                for moment in (item.published, item.updated):
                    assert moment is None or moment.tzinfo is not None
    real_total = sum(row["file"].startswith("fastfeedparser-benchmark/") for row in rows)
    assert real_parsed == real_total


def test_discover_feeds_reads_alternate_links_in_the_head() -> None:
    from bot.ingest.feeds import discover_feeds

    page = b"""<html><head><title>Echo</title>
    <link rel="stylesheet" href="/s.css">
    <link rel="alternate" type="application/rss+xml" title="All news" href="/feed.xml">
    <LINK REL='alternate' TYPE='application/atom+xml' HREF='https://echo.example/atom?x=1&amp;y=2'>
    <link rel="alternate" type="text/html" hreflang="fr" href="/fr/">
    <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
    </head><body><link rel="alternate" type="application/rss+xml" href="/body-feed.xml"></body></html>"""
    assert discover_feeds(page, url="https://echo.example/news/") == [
        "https://echo.example/feed.xml",
        "https://echo.example/atom?x=1&y=2",
    ]
    assert discover_feeds(b"<html><head></head><body>no feeds</body></html>", url="https://x.example/") == []
