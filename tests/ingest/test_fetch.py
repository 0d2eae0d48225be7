from __future__ import annotations

import asyncio
import gzip
import socket
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import aiohttp
import pytest
from aiohttp import web

import bot
from bot.ingest.fetch import AddressPolicy, Fetcher, FetchError, FetchSettings, parse_retry_after
from bot.models import FetchResult
from tests.httpserver import (
    LOCAL_FETCH_SETTINGS,
    Handler,
    LocalServer,
    StaticResolver,
    never_answer,
    redirect,
    respond,
)

MB = 1024 * 1024


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(LOCAL_FETCH_SETTINGS) as local_fetcher:
        yield local_fetcher


async def fetch_error(fetcher: Fetcher, url: str) -> FetchError:
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch(url)
    return caught.value


# --- successful fetches --------------------------------------------------------------------------


async def test_200_returns_body_and_metadata(server: LocalServer, fetcher: Fetcher) -> None:
    server.add("/article", respond("<p>Hello</p>", content_type="text/html; charset=utf-8"))

    result = await fetcher.fetch(server.url("/article"))

    assert result.status == 200
    assert result.body == b"<p>Hello</p>"
    assert result.content_type == "text/html; charset=utf-8"
    assert result.url == server.url("/article")
    assert not result.not_modified
    seen = server.requests_to("/article")[0].headers
    assert seen["User-Agent"] == bot.USER_AGENT
    assert "gzip" in seen["Accept-Encoding"]


async def test_accept_header_is_sent(server: LocalServer, fetcher: Fetcher) -> None:
    server.add("/feed", respond("<rss/>", content_type="application/rss+xml"))

    await fetcher.fetch(server.url("/feed"), accept="application/rss+xml")

    assert server.requests_to("/feed")[0].headers["Accept"] == "application/rss+xml"


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),  # zlib-wrapped, as the spec says
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some servers send
    ],
)
async def test_compressed_body_is_decoded(
    server: LocalServer, fetcher: Fetcher, encoding: str, compress: Callable[[bytes], bytes]
) -> None:
    text = b"The council voted 7 to 2. " * 200
    server.add("/c", respond(compress(text), headers={"Content-Encoding": encoding}))

    result = await fetcher.fetch(server.url("/c"))

    assert result.body == text


async def test_concatenated_gzip_members_are_one_body(server: LocalServer, fetcher: Fetcher) -> None:
    server.add(
        "/c",
        respond(gzip.compress(b"first ") + gzip.compress(b"second"), headers={"Content-Encoding": "gzip"}),
    )

    result = await fetcher.fetch(server.url("/c"))

    assert result.body == b"first second"


async def test_gzip_streamed_in_small_pieces_is_decoded_whole(server: LocalServer, fetcher: Fetcher) -> None:
    text = b"".join(b"paragraph %d of a long story. " % n for n in range(100_000))
    compressed = gzip.compress(text)

    async def small_pieces(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Encoding": "gzip"})
        await response.prepare(request)
        for start in range(0, len(compressed), 1000):
            await response.write(compressed[start : start + 1000])
        await response.write_eof()
        return response

    server.add("/pieces", small_pieces)

    result = await fetcher.fetch(server.url("/pieces"))

    assert len(text) > 3 * MB
    assert result.body == text


async def test_relative_redirect_is_followed(server: LocalServer, fetcher: Fetcher) -> None:
    server.add("/old", redirect("/new?x=1", status=301))
    server.add("/new", respond("moved here"))

    result = await fetcher.fetch(server.url("/old"))

    assert result.body == b"moved here"
    assert result.url == server.url("/new?x=1")


async def test_allowed_hostname_via_resolver(server: LocalServer, fetcher: Fetcher) -> None:
    server.add("/a", respond("named"))
    resolver = StaticResolver({"news.example": "127.0.0.1"})
    async with Fetcher(LOCAL_FETCH_SETTINGS, resolver=resolver) as named_fetcher:
        result = await named_fetcher.fetch(server.url("/a", host="news.example"))

    assert result.body == b"named"
    assert server.requests_to("/a")[0].host == f"news.example:{server.port}"


# --- conditional GET -----------------------------------------------------------------------------

ETAG = '"v1-abc"'
LAST_MODIFIED = "Wed, 01 May 2024 10:00:00 GMT"


async def conditional_handler(request: web.Request) -> web.StreamResponse:
    if request.headers.get("If-None-Match") == ETAG:
        return web.Response(status=304, headers={"ETag": ETAG})
    return web.Response(text="<rss>v1</rss>", headers={"ETag": ETAG, "Last-Modified": LAST_MODIFIED})


async def test_conditional_get_round_trip(server: LocalServer, fetcher: Fetcher) -> None:
    server.add("/feed", conditional_handler)

    first = await fetcher.fetch(server.url("/feed"))
    second = await fetcher.fetch(server.url("/feed"), etag=first.etag, last_modified=first.last_modified)

    assert (first.status, first.body, first.etag, first.last_modified) == (
        200,
        b"<rss>v1</rss>",
        ETAG,
        LAST_MODIFIED,
    )
    assert second.status == 304
    assert second.not_modified
    assert second.body is None
    assert second.etag == ETAG
    first_seen, second_seen = (request.headers for request in server.requests_to("/feed"))
    assert "If-None-Match" not in first_seen
    assert "If-Modified-Since" not in first_seen
    assert second_seen["If-None-Match"] == ETAG
    assert second_seen["If-Modified-Since"] == LAST_MODIFIED


# --- HTTP errors ---------------------------------------------------------------------------------


async def test_404_has_a_readable_reason(server: LocalServer, fetcher: Fetcher) -> None:
    server.add("/gone", respond("nope", status=404))

    error = await fetch_error(fetcher, server.url("/gone"))

    assert error.reason == "HTTP 404 Not Found"
    assert error.status == 404
    assert not error.retryable
    assert error.url == server.url("/gone")


@pytest.mark.parametrize(("status", "retryable"), [(410, False), (429, True), (500, True), (503, True)])
async def test_http_error_retryability(
    server: LocalServer, fetcher: Fetcher, status: int, retryable: bool
) -> None:
    server.add("/e", respond("", status=status, headers={"Retry-After": "120"}))

    error = await fetch_error(fetcher, server.url("/e"))

    assert error.reason.startswith(f"HTTP {status} ")
    assert error.retryable is retryable
    assert error.retry_after_s == 120.0


def test_parse_retry_after() -> None:
    now = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
    assert parse_retry_after("30", now=now) == 30.0
    assert parse_retry_after("Wed, 01 May 2024 10:01:30 GMT", now=now) == 90.0
    assert parse_retry_after("Wed, 01 May 2024 09:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None) is None


# --- broken and oversized bodies -----------------------------------------------------------------


async def test_truncated_gzip_body_is_a_clear_error(server: LocalServer, fetcher: Fetcher) -> None:
    whole = gzip.compress(b"A long article body. " * 500)
    server.add("/t", respond(whole[: len(whole) // 2], headers={"Content-Encoding": "gzip"}))

    error = await fetch_error(fetcher, server.url("/t"))

    assert error.reason == "broken response: truncated gzip body"
    assert error.retryable


async def test_corrupt_gzip_body_is_a_clear_error(server: LocalServer, fetcher: Fetcher) -> None:
    server.add("/t", respond(b"\x1f\x8b\x08\x00not really gzip at all", headers={"Content-Encoding": "gzip"}))

    error = await fetch_error(fetcher, server.url("/t"))

    assert error.reason.startswith("broken response: invalid gzip data")
    assert not error.retryable


async def test_unsupported_encoding_is_a_clear_error(server: LocalServer, fetcher: Fetcher) -> None:
    server.add("/br", respond(b"\x8b\x02\x80hello\x03", headers={"Content-Encoding": "br"}))

    error = await fetch_error(fetcher, server.url("/br"))

    assert error.reason == "broken response: unsupported content encoding br"


async def test_connection_closed_mid_body(server: LocalServer, fetcher: Fetcher) -> None:
    async def short_body(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": "1000"})
        await response.prepare(request)
        await response.write(b"only this much")
        assert request.transport is not None
        request.transport.close()
        return response

    server.add("/short", short_body)

    error = await fetch_error(fetcher, server.url("/short"))

    assert error.reason == "broken response: the connection closed before the body was complete"
    assert error.retryable


@dataclass
class StreamedBody:
    """What a streaming handler managed to hand to the transport before the client gave up."""

    sent: int = 0
    done: asyncio.Event | None = None


def stream_bytes(
    total: int, record: StreamedBody, *, declare_length: bool, chunk: bytes = b"x" * (64 * 1024)
) -> Handler:

    async def handler(request: web.Request) -> web.StreamResponse:
        headers = {"Content-Length": str(total)} if declare_length else {}
        response = web.StreamResponse(headers=headers)
        try:
            await response.prepare(request)
            while record.sent < total:
                piece = chunk[: total - record.sent]
                await response.write(piece)
                record.sent += len(piece)
            await response.write_eof()
        finally:
            assert record.done is not None
            record.done.set()
        return response

    return handler


async def test_50_mb_stream_is_cut_off_at_the_cap(server: LocalServer, fetcher: Fetcher) -> None:
    record = StreamedBody(done=asyncio.Event())
    server.add("/huge", stream_bytes(50 * MB, record, declare_length=False))

    tracemalloc.start()
    try:
        error = await fetch_error(fetcher, server.url("/huge"))
        _, peak_bytes = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert record.done is not None
    await asyncio.wait_for(record.done.wait(), timeout=10)

    assert error.reason == "response too large: over 5 MB"
    assert not error.retryable
    assert record.sent < 50 * MB, "the server had to send the whole body"
    assert peak_bytes < 20 * MB, f"the fetcher held {peak_bytes / MB:.1f} MB"


async def test_declared_length_over_the_cap_is_refused_before_reading(server: LocalServer) -> None:
    record = StreamedBody(done=asyncio.Event())
    server.add("/huge", stream_bytes(50 * MB, record, declare_length=True))
    settings = replace(LOCAL_FETCH_SETTINGS, max_body_bytes=1 * MB)

    async with Fetcher(settings) as small_fetcher:
        error = await fetch_error(small_fetcher, server.url("/huge"))
    assert record.done is not None
    await asyncio.wait_for(record.done.wait(), timeout=10)

    assert error.reason == "response too large: over 1 MB"
    assert record.sent < 50 * MB


def gzip_bomb(decompressed_bytes: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(MB)
    parts = [compressor.compress(zeros) for _ in range(decompressed_bytes // MB)]
    return b"".join([*parts, compressor.flush()])


async def test_gzip_bomb_is_stopped_at_the_decompressed_cap(server: LocalServer, fetcher: Fetcher) -> None:
    bomb = gzip_bomb(64 * MB)
    assert len(bomb) < 1 * MB  # small on the wire, so only the decompressed cap can catch it
    server.add("/bomb", respond(bomb, headers={"Content-Encoding": "gzip"}))

    error = await fetch_error(fetcher, server.url("/bomb"))

    assert error.reason == "response too large: over 20 MB once decompressed"
    assert not error.retryable


# --- address and scheme guards -------------------------------------------------------------------


async def test_redirect_to_metadata_address_is_refused(server: LocalServer, fetcher: Fetcher) -> None:
    server.add("/r", redirect("http://169.254.169.254/latest/meta-data/"))

    error = await fetch_error(fetcher, server.url("/r"))

    assert error.reason == "refused: redirect to link-local address 169.254.169.254"
    assert not error.retryable


async def test_redirect_to_name_resolving_privately_is_refused(server: LocalServer) -> None:
    resolver = StaticResolver({"news.example": "127.0.0.1", "intranet.example": "10.1.2.3"})
    server.add("/r", redirect("http://intranet.example/admin"))

    async with Fetcher(LOCAL_FETCH_SETTINGS, resolver=resolver) as named_fetcher:
        error = await fetch_error(named_fetcher, server.url("/r", host="news.example"))

    assert error.reason == "refused: redirect to intranet.example, which resolves to private address 10.1.2.3"


async def test_name_resolving_privately_is_refused(fetcher: Fetcher) -> None:
    resolver = StaticResolver({"intranet.example": "10.1.2.3"})
    async with Fetcher(LOCAL_FETCH_SETTINGS, resolver=resolver) as named_fetcher:
        error = await fetch_error(named_fetcher, "http://intranet.example/")

    assert error.reason == "refused: intranet.example resolves to private address 10.1.2.3"
    assert not error.retryable


async def test_redirect_loop_is_too_many_redirects(server: LocalServer, fetcher: Fetcher) -> None:
    server.add("/a", redirect("/b"))
    server.add("/b", redirect("/a"))

    error = await fetch_error(fetcher, server.url("/a"))

    assert error.reason == "too many redirects (over 5)"
    assert len(server.requests) == 6  # the first request and five redirects


async def test_server_that_never_answers_times_out(server: LocalServer) -> None:
    server.add("/silent", never_answer(asyncio.Event()))
    settings = replace(LOCAL_FETCH_SETTINGS, total_timeout_s=0.3)

    async with Fetcher(settings) as quick_fetcher:
        error = await fetch_error(quick_fetcher, server.url("/silent"))

    assert error.reason == "not reachable: timed out after 0.3 s"
    assert error.retryable


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://10.0.0.5/", "refused: private address 10.0.0.5"),
        ("http://192.168.1.1:8080/admin", "refused: private address 192.168.1.1"),
        ("http://127.0.0.1/", "refused: loopback address 127.0.0.1"),
        ("http://169.254.169.254/", "refused: link-local address 169.254.169.254"),
        ("http://224.0.0.1/", "refused: multicast address 224.0.0.1"),
        ("http://0.0.0.0/", "refused: unspecified address 0.0.0.0"),
        ("http://[::1]/", "refused: loopback address ::1"),
        ("http://[fe80::1]/", "refused: link-local address fe80::1"),
        ("http://[fc00::5]/", "refused: private address fc00::5"),
        ("http://[::ffff:10.0.0.5]/", "refused: private address ::ffff:a00:5"),
        ("http://[::ffff:127.0.0.1]/", "refused: loopback address ::ffff:7f00:1"),
    ],
)
async def test_literal_non_public_address_is_refused(url: str, reason: str) -> None:
    async with Fetcher(FetchSettings()) as strict_fetcher:
        error = await fetch_error(strict_fetcher, url)

    assert error.reason == reason
    assert not error.retryable


async def test_a_refused_literal_address_stays_refused_with_its_own_wording(
    server: LocalServer,
) -> None:
    # The verdict for a host is remembered: the second fetch, and a redirect to the same address,
    # are refused as the first was, each with its own words; an allowed address still connects.
    server.add("/r", redirect("http://10.0.0.5/next"))
    server.add("/ok", respond("fine"))
    settings = replace(LOCAL_FETCH_SETTINGS, allowed_addresses=("127.0.0.1",))
    async with Fetcher(settings) as fetcher:
        first = await fetch_error(fetcher, "http://10.0.0.5/")
        again = await fetch_error(fetcher, "http://10.0.0.5/other")
        redirected = await fetch_error(fetcher, server.url("/r"))
        allowed = await fetcher.fetch(server.url("/ok"))
        allowed_again = await fetcher.fetch(server.url("/ok"))

    assert first.reason == again.reason == "refused: private address 10.0.0.5"
    assert redirected.reason == "refused: redirect to private address 10.0.0.5"
    assert (allowed.body, allowed_again.body) == (b"fine", b"fine")


async def test_localhost_is_refused_unless_allowed(server: LocalServer) -> None:
    server.add("/a", respond("local"))

    async with Fetcher(FetchSettings()) as strict_fetcher:
        error = await fetch_error(strict_fetcher, server.url("/a", host="localhost"))

    assert error.reason.startswith("refused: localhost resolves to loopback address ")
    assert server.requests == []


@pytest.mark.parametrize(
    "url", ["ftp://example.com/file", "file:///etc/passwd", "gopher://example.com/", "javascript:alert(1)"]
)
async def test_non_http_scheme_is_refused(fetcher: Fetcher, url: str) -> None:
    error = await fetch_error(fetcher, url)

    assert error.reason == "refused: only http and https URLs are allowed"


async def test_redirect_to_non_http_scheme_is_refused(server: LocalServer, fetcher: Fetcher) -> None:
    server.add("/r", redirect("file:///etc/passwd"))

    error = await fetch_error(fetcher, server.url("/r"))

    assert error.reason == "redirect to a non-http URL refused: only http and https URLs are allowed"


async def test_allow_private_lets_loopback_through(server: LocalServer) -> None:
    server.add("/a", respond("ok"))

    async with Fetcher(FetchSettings(allow_private=True)) as open_fetcher:
        result = await open_fetcher.fetch(server.url("/a"))

    assert result.body == b"ok"


def test_address_policy() -> None:
    policy = AddressPolicy.from_settings(FetchSettings(allowed_addresses=("10.20.0.0/16", "127.0.0.1")))
    assert policy.refusal("93.184.216.34") is None
    assert policy.refusal("2606:2800:220:1:248:1893:25c8:1946") is None
    assert policy.refusal("10.20.3.4") is None
    assert policy.refusal("::ffff:10.20.3.4") is None
    assert policy.refusal("10.21.0.1") == "private"
    assert policy.refusal("127.0.0.2") == "loopback"
    assert policy.refusal("100.64.0.1") is not None  # carrier-grade NAT space is not public
    assert policy.refusal("64:ff9b::a00:5") == "private"  # NAT64 wrapping 10.0.0.5
    assert policy.refusal("not an address") == "unrecognised"
    with pytest.raises(ValueError, match="allowed_addresses"):
        FetchSettings(allowed_addresses=("10.0.0.0/33",))


# --- network failures ----------------------------------------------------------------------------


async def test_connection_refused(fetcher: Fetcher) -> None:
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        closed_port = placeholder.getsockname()[1]  # nothing listens once the socket is closed

    error = await fetch_error(fetcher, f"http://127.0.0.1:{closed_port}/")

    assert error.reason == "connection refused"
    assert error.retryable


async def test_unknown_host(fetcher: Fetcher) -> None:
    async with Fetcher(LOCAL_FETCH_SETTINGS, resolver=StaticResolver({})) as named_fetcher:
        error = await fetch_error(named_fetcher, "http://example.invalid/")

    assert error.reason == "could not resolve host example.invalid"
    assert not error.retryable


async def test_fetch_before_start_is_a_programming_error() -> None:
    with pytest.raises(RuntimeError):
        await Fetcher(LOCAL_FETCH_SETTINGS).fetch("http://127.0.0.1/")


# --- concurrency limits --------------------------------------------------------------------------


@dataclass
class InFlight:
    """Counts requests a handler is holding, and the most it ever held at once."""

    limit: int
    now: int = 0
    peak: int = 0

    def __post_init__(self) -> None:
        self.reached = asyncio.Event()
        self.gate = asyncio.Event()

    async def handler(self, request: web.Request) -> web.StreamResponse:
        self.now += 1
        self.peak = max(self.peak, self.now)
        if self.now >= self.limit:
            self.reached.set()
        try:
            await self.gate.wait()
        finally:
            self.now -= 1
        return web.Response(text="ok")


async def round_trip(server: LocalServer) -> None:
    """A full request on a separate connection: requests sent before it have reached the server."""
    async with aiohttp.ClientSession() as probe, probe.get(server.url("/probe")) as response:
        await response.read()


async def hold_until_limit(
    in_flight: InFlight, server: LocalServer, tasks: list[asyncio.Task[FetchResult]]
) -> None:
    try:
        await asyncio.wait_for(in_flight.reached.wait(), timeout=10)
        await round_trip(server)
        assert in_flight.now == in_flight.limit
    finally:
        in_flight.gate.set()
        await asyncio.gather(*tasks, return_exceptions=True)


async def test_per_host_limit_is_respected(server: LocalServer) -> None:
    in_flight = InFlight(limit=3)
    server.add("/slow", in_flight.handler)
    server.add("/probe", respond("pong"))

    async with Fetcher(replace(LOCAL_FETCH_SETTINGS, max_per_host=3)) as limited_fetcher:
        tasks: list[asyncio.Task[FetchResult]] = [
            asyncio.create_task(limited_fetcher.fetch(server.url(f"/slow?n={n}"))) for n in range(10)
        ]
        await hold_until_limit(in_flight, server, tasks)

    assert in_flight.peak == 3
    assert len(server.requests_to("/slow")) == 10
    assert [task.result().status for task in tasks] == [200] * 10


async def test_global_limit_is_respected_across_hosts(server: LocalServer) -> None:
    in_flight = InFlight(limit=2)
    server.add("/slow", in_flight.handler)
    server.add("/probe", respond("pong"))
    hosts = ["a.example", "b.example", "c.example"]
    resolver = StaticResolver(dict.fromkeys(hosts, "127.0.0.1"))
    settings = replace(LOCAL_FETCH_SETTINGS, max_connections=2, max_per_host=4)

    async with Fetcher(settings, resolver=resolver) as limited_fetcher:
        tasks: list[asyncio.Task[FetchResult]] = [
            asyncio.create_task(limited_fetcher.fetch(server.url("/slow", host=host))) for host in hosts * 2
        ]
        await hold_until_limit(in_flight, server, tasks)

    assert in_flight.peak == 2
    assert {request.host for request in server.requests_to("/slow")} == {
        f"{host}:{server.port}" for host in hosts
    }


# --- gzip bytes with no Content-Encoding -----------------------------------------------------


async def test_gzip_without_content_encoding_is_decompressed(server: LocalServer, fetcher: Fetcher) -> None:
    feed = b"<?xml version='1.0'?><rss version='2.0'><channel><title>Zipped</title></channel></rss>"
    server.add("/feed.xml.gz", respond(gzip.compress(feed), content_type="application/rss+xml"))

    result = await fetcher.fetch(server.url("/feed.xml.gz"))

    assert result.body == feed


async def test_undeclared_gzip_is_held_to_the_decompressed_cap(server: LocalServer, fetcher: Fetcher) -> None:
    server.add("/bomb", respond(gzip_bomb(64 * MB)))

    error = await fetch_error(fetcher, server.url("/bomb"))

    assert error.reason == "response too large: over 20 MB once decompressed"


async def test_undeclared_corrupt_gzip_says_what_it_is(server: LocalServer, fetcher: Fetcher) -> None:
    server.add("/t", respond(b"\x1f\x8b\x08\x00not really gzip at all"))

    error = await fetch_error(fetcher, server.url("/t"))

    assert "starts like gzip (with no Content-Encoding) but does not decompress" in error.reason
