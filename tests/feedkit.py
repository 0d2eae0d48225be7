"""Feeds and pages for the engine tests: a sample article, an RSS builder, an article page."""

from __future__ import annotations

ARTICLE = """The town of Elmsworth will close its only public pool in March for repairs, the council said on Monday.

The repairs will cost $850,000 and take about eight months, according to the council's parks officer, Lena Marsh.

"The pool is forty years old and the pipes are failing," Marsh said. "We would rather close it for a season than lose it for good."

Swimmers will be able to use the pool in nearby Tull Green during the closure.

The council will hold a public meeting about the plans on February 3."""


def rss(items: list[tuple[str, str, str, str]]) -> str:
    """A small RSS 2.0 feed: (guid, link, title, html description) per item."""
    body = "".join(
        f"<item><guid isPermaLink='false'>{guid}</guid><link>{link}</link><title>{title}</title>"
        f"<pubDate>Mon, 23 Nov 2026 10:00:00 GMT</pubDate><description><![CDATA[{html}]]></description></item>"
        for guid, link, title, html in items
    )
    return (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>Elmsworth Echo</title>"
        f"<link>https://elmsworth.example/</link><description>d</description>{body}</channel></rss>"
    )


def as_html(text: str, title: str) -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
    return f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{paragraphs}</article></body></html>"


BIG_PAGE_SENTENCE = (
    "The council said on Tuesday that the harbour ferry number {n} would keep its night crossings "
    "until the spring, after the operator hired {n} more captains for the winter timetable. "
)


def big_page(megabytes: float = 4.5) -> bytes:
    """An article page of about `megabytes` MB, every paragraph its own (numbered), so extraction
    keeps them all: what a moderator may add as a page to watch."""
    parts: list[str] = []
    size = 0
    while size < megabytes * 1_000_000:
        parts.append("<p>" + BIG_PAGE_SENTENCE.format(n=len(parts)) * 3 + "</p>\n")
        size += len(parts[-1])
    body = "<html><head><title>Ferry timetable</title></head><body><article>" + "".join(parts)
    return (body + "</article></body></html>").encode()
