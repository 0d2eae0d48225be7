from __future__ import annotations

import pytest

from bot.ingest.urls import canonicalize_url, is_http_url, is_tracking_param


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        # scheme and host case, default ports, empty path
        ("HTTP://Example.COM", "http://example.com/"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:80/a", "https://example.com:80/a"),
        ("http://example.com:8080", "http://example.com:8080/"),
        ("http://example.com./a", "http://example.com/a"),
        ("http://[2001:DB8::1]:80/a", "http://[2001:db8::1]/a"),
        # fragments dropped, hashbang kept
        ("https://example.com/story#comments", "https://example.com/story"),
        ("https://example.com/#!/story/12", "https://example.com/#!/story/12"),
        # tracking parameters stripped, the rest sorted by name
        (
            "https://example.com/a?utm_source=rss&utm_medium=feed&id=7",
            "https://example.com/a?id=7",
        ),
        ("https://example.com/a?UTM_Campaign=x", "https://example.com/a"),
        (
            "https://example.com/a?fbclid=IwAR0&gclid=1&mc_cid=2&mc_eid=3&igshid=4&ref_src=twsrc&_ga=5&ocid=6&cmpid=7",
            "https://example.com/a",
        ),
        ("https://example.com/a?b=2&a=1&c=3", "https://example.com/a?a=1&b=2&c=3"),
        # repeated names keep their order; values are kept byte for byte
        ("https://example.com/a?tag=z&id=1&tag=a", "https://example.com/a?id=1&tag=z&tag=a"),
        ("https://example.com/s?q=a+b%20c&page=2", "https://example.com/s?page=2&q=a+b%20c"),
        ("https://example.com/a?flag&x=", "https://example.com/a?flag&x="),
        ("https://example.com/a?", "https://example.com/a"),
        # path: dot segments resolved, escapes normalised, trailing slash and case kept
        ("https://example.com/a/./b/../c", "https://example.com/a/c"),
        ("https://example.com/../a", "https://example.com/a"),
        ("https://example.com/%7euser/%2f%c3%a9", "https://example.com/~user/%2F%C3%A9"),
        ("https://example.com/News/", "https://example.com/News/"),
        ("https://example.com/news", "https://example.com/news"),
        ("https://www.example.com/a", "https://www.example.com/a"),
        # surrounding whitespace, user info
        ("  https://example.com/a \n", "https://example.com/a"),
        ("https://user:pw@Example.com/a", "https://user:pw@example.com/a"),
        # not http(s): returned stripped, otherwise untouched
        ("ftp://Example.com/a?utm_source=x", "ftp://Example.com/a?utm_source=x"),
        ("mailto:desk@example.com", "mailto:desk@example.com"),
        ("/relative/path?utm_source=x", "/relative/path?utm_source=x"),
        ("http://example.com:99999/", "http://example.com:99999/"),
    ],
)
def test_canonicalize_url(url: str, canonical: str) -> None:
    assert canonicalize_url(url) == canonical


@pytest.mark.parametrize(
    "url",
    [
        "HTTP://Example.COM:80/a/../b?utm_source=x&z=1&a=2#top",
        "https://example.com/%7ex/?b=1&a=2",
        "https://[::1]/",
    ],
)
def test_canonicalize_url_is_idempotent(url: str) -> None:
    once = canonicalize_url(url)
    assert canonicalize_url(once) == once


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://example.com", True),
        ("https://example.com/a?b=1", True),
        ("HTTPS://EXAMPLE.COM/", True),
        ("http://127.0.0.1:8080/", True),
        ("http://[::1]/", True),
        (" https://example.com ", True),
        ("ftp://example.com/", False),
        ("file:///etc/passwd", False),
        ("javascript:alert(1)", False),
        ("//example.com/a", False),
        ("example.com", False),
        ("http://", False),
        ("http:///path", False),
        ("http://example.com:port/", False),
        ("http://[::1/", False),
        ("", False),
    ],
)
def test_is_http_url(url: str, expected: bool) -> None:
    assert is_http_url(url) is expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("utm_source", True),
        ("Utm_Term", True),
        ("fbclid", True),
        ("id", False),
        ("ref", False),
        ("page", False),
    ],
)
def test_is_tracking_param(name: str, expected: bool) -> None:
    assert is_tracking_param(name) is expected
