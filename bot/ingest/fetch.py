"""The guarded HTTP fetcher: the pipeline's only way onto the network.

Sources are added by moderators, so every URL is untrusted. The fetcher therefore:

- speaks only http and https;
- refuses to connect to private, loopback, link-local, multicast, reserved and otherwise
  non-public addresses. The check runs inside the connector's DNS resolver, on the addresses
  that will actually be connected to, so a hostname that resolves (or re-resolves, DNS
  rebinding) to 10.x is refused; literal-IP URLs are refused up front for a clearer message.
  Redirects are followed here, one hop at a time, so every hop goes through the same checks;
- limits concurrency globally and per host, and bounds each fetch by a connect and total timeout;
- caps the body twice while streaming: on the wire (compressed) and after decompression,
  which it does itself in bounded steps so a gzip bomb cannot exhaust memory;
- supports conditional GET (ETag / Last-Modified -> 304 with no body);
- turns every failure into a FetchError whose reason a moderator can read.
"""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import logging
import socket
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from types import TracebackType
from typing import Self

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from multidict import CIMultiDictProxy
from yarl import URL

import bot
from bot.errors import NewsbriefError
from bot.ingest.urls import HTTP_SCHEMES
from bot.models import FetchResult

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Worth trying again later: the server or the path to it may recover.
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
READ_CHUNK_BYTES = 64 * 1024
DECOMPRESS_STEP_BYTES = 256 * 1024
LITERAL_VERDICTS_KEPT = 4096  # hosts whose address check is remembered
_NAT64_PREFIX = ipaddress.IPv6Network("64:ff9b::/96")
# Media types that are never an article page or a feed: refused before their body is read.
# (application/octet-stream is not among them: servers send text under it too.)
_BINARY_MEDIA_PREFIXES = ("image/", "audio/", "video/", "font/")
_BINARY_MEDIA_TYPES = frozenset(
    {
        "application/pdf",
        "application/zip",
        "application/gzip",
        "application/x-gzip",
        "application/x-tar",
        "application/x-bzip2",
        "application/x-xz",
        "application/x-7z-compressed",
        "application/vnd.rar",
        "application/x-rar-compressed",
        "application/x-executable",
        "application/x-msdownload",
        "application/vnd.microsoft.portable-executable",
        "application/wasm",
        "application/msword",
    }
)


def binary_media_type(content_type: str | None) -> str | None:
    """The media type of a Content-Type that can be no article or feed (an image, a PDF, ...), or None."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type.startswith(_BINARY_MEDIA_PREFIXES) or media_type in _BINARY_MEDIA_TYPES:
        return media_type
    return None


class FetchError(NewsbriefError):
    """A fetch that did not produce a usable response.

    `reason` is meant for moderators ("HTTP 404 Not Found", "refused: private address 10.0.0.5");
    `retryable` says whether trying again later could succeed; `retry_after_s` carries the
    server's Retry-After, when it sent one.
    """

    def __init__(
        self,
        reason: str,
        *,
        retryable: bool,
        url: str | None = None,
        status: int | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(reason)
        self.retryable = retryable
        self.url = url
        self.status = status
        self.retry_after_s = retry_after_s

    def __str__(self) -> str:
        return self.reason


@dataclass(frozen=True, slots=True)
class FetchSettings:
    max_body_bytes: int = 5 * 1024 * 1024  # compressed (on the wire)
    max_decompressed_bytes: int = 20 * 1024 * 1024
    connect_timeout_s: float = 10.0
    total_timeout_s: float = 20.0  # per fetch, all redirect hops and the body included
    max_redirects: int = 5
    max_connections: int = 64  # global concurrency limit
    max_per_host: int = 4  # per-host limit
    allow_private: bool = False
    # IPs or CIDRs allowed even though private/loopback, e.g. ("127.0.0.1",) in tests.
    allowed_addresses: tuple[str, ...] = ()
    user_agent: str = bot.USER_AGENT

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "max_decompressed_bytes", "max_connections", "max_per_host"):
            if getattr(self, name) < 1:
                raise ValueError(f"FetchSettings.{name} must be at least 1")
        if self.max_redirects < 0:
            raise ValueError("FetchSettings.max_redirects must not be negative")
        if self.connect_timeout_s <= 0 or self.total_timeout_s <= 0:
            raise ValueError("FetchSettings timeouts must be positive")
        _parse_networks(self.allowed_addresses)  # fail at configuration time, not on first fetch


# --- address policy ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Which IP addresses the fetcher may connect to."""

    allow_private: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_settings(cls, settings: FetchSettings) -> AddressPolicy:
        return cls(settings.allow_private, _parse_networks(settings.allowed_addresses))

    def refusal(self, address: str) -> str | None:
        """Why `address` is refused ("private", "loopback", ...), or None when it is allowed."""
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return None if self.allow_private else "unrecognised"
        if self.allow_private or self._explicitly_allowed(ip):
            return None
        return non_public_category(ip)

    def _explicitly_allowed(self, ip: IPAddress) -> bool:
        candidates = [ip, _unwrap_ipv4(ip)]
        return any(candidate in network for candidate in candidates for network in self.allowed_networks)


def non_public_category(ip: IPAddress) -> str | None:
    """The kind of non-public address `ip` is, or None for a public address."""
    ip = _unwrap_ipv4(ip)
    checks = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
        ("non-public", not ip.is_global),
    )
    return next((category for category, matches in checks if matches), None)


def _unwrap_ipv4(ip: IPAddress) -> IPAddress:
    """The IPv4 address inside an IPv4-mapped or NAT64 IPv6 address; otherwise `ip` itself."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip in _NAT64_PREFIX:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def _parse_networks(specs: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    try:
        return tuple(ipaddress.ip_network(spec.strip(), strict=False) for spec in specs)
    except ValueError as exc:
        raise ValueError(f"FetchSettings.allowed_addresses: {exc}") from exc


def _literal_ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.partition("%")[0])
    except ValueError:
        return None


class RefusedAddressError(OSError):
    """Raised by GuardedResolver; an OSError so aiohttp's connector passes it through intact."""

    def __init__(self, hostname: str, address: str, category: str) -> None:
        super().__init__(f"{hostname} resolves to {category} address {address}")
        self.hostname = hostname
        self.address = address
        self.category = category


class GuardedResolver(AbstractResolver):
    """Wraps a resolver and drops the addresses the policy refuses.

    aiohttp connects only to what the resolver returns, so filtering here closes the gap between
    "checked" and "connected to" that DNS rebinding would otherwise exploit.
    """

    def __init__(self, base: AbstractResolver, policy: AddressPolicy) -> None:
        self._base = base
        self._policy = policy

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        resolved = await self._base.resolve(host, port, family)
        allowed = [result for result in resolved if self._policy.refusal(result["host"]) is None]
        if resolved and not allowed:
            first = resolved[0]["host"]
            raise RefusedAddressError(host.rstrip("."), first, self._policy.refusal(first) or "refused")
        if len(allowed) < len(resolved):
            logger.info("dropped %d refused address(es) for %s", len(resolved) - len(allowed), host)
        return allowed

    async def close(self) -> None:
        await self._base.close()


# --- limits ------------------------------------------------------------------------------------


@dataclass(slots=True)
class _HostSlots:
    semaphore: asyncio.Semaphore
    users: int = 0


@dataclass(slots=True)
class _HostLimiter:
    """A semaphore per host, created on demand and dropped when nobody uses it."""

    per_host: int
    _hosts: dict[str, _HostSlots] = field(default_factory=dict)

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        slots = self._hosts.get(host)
        if slots is None:
            slots = self._hosts[host] = _HostSlots(asyncio.Semaphore(self.per_host))
        slots.users += 1
        try:
            async with slots.semaphore:
                yield
        finally:
            slots.users -= 1
            if slots.users == 0:
                del self._hosts[host]


@dataclass(slots=True)
class _TimeBudget:
    """The total timeout, spent only while talking to servers (not while queued for a slot)."""

    total_s: float
    spent_s: float = 0.0

    @asynccontextmanager
    async def spending(self) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            async with asyncio.timeout(max(self.total_s - self.spent_s, 0.0)):
                yield
        finally:
            self.spent_s += loop.time() - started


# --- body decoding -----------------------------------------------------------------------------


class _BodyTooLarge(Exception):
    pass


class _BrokenBody(Exception):
    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


GZIP_MAGIC = b"\x1f\x8b\x08"  # a gzip member's first bytes: its magic number and "deflate"


class _BoundedDecoder:
    """Undoes a Content-Encoding in bounded steps, refusing to produce more than `limit` bytes."""

    def __init__(self, encoding: str, limit: int) -> None:
        self._encoding = encoding
        self._limit = limit
        self._output = bytearray()
        self._decompressor: zlib._Decompress | None = None
        self._undeclared = False  # gzip told by its magic bytes, not by a Content-Encoding

    def feed(self, data: bytes) -> None:
        if self._encoding == "identity" and not self._output and data.startswith(GZIP_MAGIC):
            # Gzip bytes served without Content-Encoding (a .xml.gz, a misconfigured server):
            # told by their magic bytes, and decompressed within the same limit.
            self._encoding = "gzip"
            self._undeclared = True
        if self._encoding == "identity":
            self._append(data)
            return
        while data:
            if self._decompressor is None:
                self._decompressor = zlib.decompressobj(self._wbits(data))
            elif self._decompressor.eof:
                data = self._next_member(data)
                continue
            try:
                # max_length bounds each step, so a tiny input cannot expand into a huge chunk.
                step = min(self._limit - len(self._output) + 1, DECOMPRESS_STEP_BYTES)
                chunk = self._decompressor.decompress(data, step)
            except zlib.error as exc:
                if self._undeclared:
                    reason = "the body starts like gzip (with no Content-Encoding) but does not decompress"
                    raise _BrokenBody(f"{reason} ({exc})") from exc
                raise _BrokenBody(f"invalid {self._encoding} data ({exc})") from exc
            self._append(chunk)
            eof = self._decompressor.eof
            data = self._decompressor.unused_data if eof else self._decompressor.unconsumed_tail

    def finish(self) -> bytes:
        if self._decompressor is not None:
            self._append(self._decompressor.flush())
            if not self._decompressor.eof:
                # Usually the server gave up mid-response, which may not happen next time.
                raise _BrokenBody(f"truncated {self._encoding} body", retryable=True)
        return bytes(self._output)

    def _next_member(self, data: bytes) -> bytes:
        """Concatenated gzip members are one valid body; anything else after the end is ignored."""
        if self._encoding == "gzip" and data.startswith(b"\x1f\x8b"):
            self._decompressor = None  # feed() starts a fresh decompressor for the next member
            return data
        if data.strip(b"\x00\r\n\t "):
            logger.debug("ignoring %d bytes after the end of the %s stream", len(data), self._encoding)
        return b""

    def _wbits(self, first_bytes: bytes) -> int:
        if self._encoding == "gzip":
            return 16 + zlib.MAX_WBITS
        # "deflate" should be zlib-wrapped, but some servers send a raw deflate stream.
        is_zlib = (
            len(first_bytes) >= 2 and first_bytes[0] & 0x0F == 8 and int.from_bytes(first_bytes[:2]) % 31 == 0
        )
        return zlib.MAX_WBITS if is_zlib else -zlib.MAX_WBITS

    def _append(self, data: bytes) -> None:
        if len(self._output) + len(data) > self._limit:
            raise _BodyTooLarge
        self._output += data


def _content_encoding(headers: CIMultiDictProxy[str]) -> str:
    raw = ",".join(headers.getall("Content-Encoding", []))
    codings = [coding.strip().lower() for coding in raw.split(",") if coding.strip()]
    codings = [coding for coding in codings if coding != "identity"]
    if not codings:
        return "identity"
    if len(codings) == 1 and codings[0] in {"gzip", "x-gzip", "deflate"}:
        return "gzip" if codings[0] == "x-gzip" else codings[0]
    raise _BrokenBody(f"unsupported content encoding {', '.join(codings)}")


# --- the fetcher -------------------------------------------------------------------------------


class Fetcher:
    """Fetches URLs over one shared aiohttp session, within the limits of `FetchSettings`.

    Use `async with Fetcher(settings) as fetcher:`, or call `start()` and `close()` yourself.
    `resolver` replaces the system DNS resolver (tests map made-up hostnames with it); the
    address policy applies to whatever it returns.
    """

    def __init__(
        self, settings: FetchSettings | None = None, *, resolver: AbstractResolver | None = None
    ) -> None:
        self.settings = settings or FetchSettings()
        self._policy = AddressPolicy.from_settings(self.settings)
        self._base_resolver = resolver
        self._session: aiohttp.ClientSession | None = None
        self._resolver: GuardedResolver | None = None
        self._global_slots: asyncio.Semaphore | None = None
        self._host_limiter = _HostLimiter(self.settings.max_per_host)
        # The policy's answer for each host seen (a literal IP parsed and checked once, not per fetch).
        self._literal_verdicts: dict[str, tuple[IPAddress, str] | None] = {}

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def start(self) -> None:
        if self._session is not None:
            return
        settings = self.settings
        self._resolver = GuardedResolver(self._base_resolver or aiohttp.ThreadedResolver(), self._policy)
        connector = aiohttp.TCPConnector(
            limit=settings.max_connections,
            limit_per_host=settings.max_per_host,
            resolver=self._resolver,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,  # decompressed by _BoundedDecoder, under a size cap
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=settings.connect_timeout_s),
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
            trust_env=False,  # proxies from the environment would bypass the address checks
        )
        self._global_slots = asyncio.Semaphore(settings.max_connections)

    async def close(self) -> None:
        session, resolver = self._session, self._resolver
        self._session = self._resolver = None
        if session is not None:
            await session.close()
        if resolver is not None:
            await resolver.close()

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
    ) -> FetchResult:
        """GET `url`, following redirects. Raises FetchError for anything but a 2xx or a 304."""
        if self._session is None or self._global_slots is None:
            raise RuntimeError("Fetcher.fetch() called before start()")
        headers = {"Accept": accept or DEFAULT_ACCEPT}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        budget = _TimeBudget(self.settings.total_timeout_s)
        async with self._global_slots:
            try:
                return await self._follow(self._session, url, headers, budget)
            except FetchError as exc:
                exc.url = exc.url or url
                logger.info("fetch %s failed: %s", url, exc.reason)
                raise

    async def _follow(
        self, session: aiohttp.ClientSession, url: str, headers: dict[str, str], budget: _TimeBudget
    ) -> FetchResult:
        target = _parse_target(url)
        for hop in range(self.settings.max_redirects + 1):
            self._check_literal_address(target, is_redirect=hop > 0)
            async with self._host_limiter.slot(target.host or ""):
                outcome = await self._request(session, target, headers, budget, is_redirect=hop > 0)
            if isinstance(outcome, FetchResult):
                return outcome
            target = outcome
        raise FetchError(f"too many redirects (over {self.settings.max_redirects})", retryable=False)

    async def _request(
        self,
        session: aiohttp.ClientSession,
        target: URL,
        headers: dict[str, str],
        budget: _TimeBudget,
        *,
        is_redirect: bool,
    ) -> FetchResult | URL:
        """One hop: the final result, or the URL a redirect points to."""
        try:
            async with (
                budget.spending(),
                session.get(target, headers=headers, allow_redirects=False) as response,
            ):
                if response.status in REDIRECT_STATUSES and "Location" in response.headers:
                    return _redirect_target(response)
                if response.status == 304:
                    return self._result(response, None)
                if not 200 <= response.status < 300:
                    raise _http_error(response)
                binary = binary_media_type(response.headers.get("Content-Type"))
                if binary is not None:
                    raise FetchError(
                        f"the server sent {binary}, not a text or HTML page or a feed", retryable=False
                    )
                return self._result(response, await self._read_body(response))
        except FetchError:
            raise
        except TimeoutError as exc:
            # Our own budget; aiohttp's connect timeout is a TimeoutError subclass handled below.
            if isinstance(exc, aiohttp.ServerTimeoutError):
                raise _connection_error(exc, target, is_redirect=is_redirect) from exc
            raise FetchError(
                f"not reachable: timed out after {_seconds(self.settings.total_timeout_s)}", retryable=True
            ) from exc
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            raise _connection_error(exc, target, is_redirect=is_redirect) from exc
        except Exception as exc:
            # Callers rely on FetchError being the only failure; log the surprise for a bug report.
            logger.warning("unexpected error fetching %s", target, exc_info=True)
            raise FetchError(f"request failed: {type(exc).__name__}", retryable=True) from exc

    async def _read_body(self, response: aiohttp.ClientResponse) -> bytes:
        settings = self.settings
        too_large = FetchError(f"response too large: over {_size(settings.max_body_bytes)}", retryable=False)
        declared = response.content_length
        if declared is not None and declared > settings.max_body_bytes:
            response.close()
            raise too_large
        try:
            decoder = _BoundedDecoder(_content_encoding(response.headers), settings.max_decompressed_bytes)
            received = 0
            async for chunk in response.content.iter_chunked(READ_CHUNK_BYTES):
                received += len(chunk)
                if received > settings.max_body_bytes:
                    raise too_large
                decoder.feed(chunk)
            return decoder.finish()
        except _BodyTooLarge:
            raise FetchError(
                f"response too large: over {_size(settings.max_decompressed_bytes)} once decompressed",
                retryable=False,
            ) from None
        except _BrokenBody as exc:
            raise FetchError(f"broken response: {exc}", retryable=exc.retryable) from exc
        finally:
            if not response.content.at_eof():
                response.close()  # drop the connection rather than drain what we refused to read

    def _result(self, response: aiohttp.ClientResponse, body: bytes | None) -> FetchResult:
        return FetchResult(
            url=str(response.url),
            status=response.status,
            body=body,
            content_type=response.headers.get("Content-Type"),
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
        )

    def _check_literal_address(self, target: URL, *, is_redirect: bool) -> None:
        """aiohttp skips the resolver for literal IPs, so those are checked here."""
        host = target.host or ""
        if host in self._literal_verdicts:
            verdict = self._literal_verdicts[host]
        else:
            verdict = self._literal_verdict(host)
            if len(self._literal_verdicts) >= LITERAL_VERDICTS_KEPT:
                self._literal_verdicts.clear()  # a bound, not an LRU: an entry is cheap to make again
            self._literal_verdicts[host] = verdict
        if verdict is None:
            return
        ip, category = verdict
        prefix = "refused: redirect to" if is_redirect else "refused:"
        raise FetchError(f"{prefix} {category} address {ip}", retryable=False)

    def _literal_verdict(self, host: str) -> tuple[IPAddress, str] | None:
        """(the address, why it is refused) for a refused literal IP; None for a name or an allowed IP."""
        ip = _literal_ip(host)
        if ip is None:
            return None
        category = self._policy.refusal(str(ip))
        return None if category is None else (ip, category)


# --- helpers that turn responses and exceptions into FetchError ----------------------------------


def _parse_target(url: str) -> URL:
    try:
        target = URL(url.strip())
    except (ValueError, TypeError) as exc:
        raise FetchError(f"not a valid URL: {url!r}", retryable=False) from exc
    _check_scheme(target, is_redirect=False)
    return target


def _check_scheme(target: URL, *, is_redirect: bool) -> None:
    if target.scheme.lower() not in HTTP_SCHEMES:
        where = "redirect to a non-http URL refused" if is_redirect else "refused"
        raise FetchError(f"{where}: only http and https URLs are allowed", retryable=False)
    if not target.host:
        raise FetchError(f"not a valid URL (no host): {target}", retryable=False)


def _redirect_target(response: aiohttp.ClientResponse) -> URL:
    location = response.headers["Location"]
    try:
        target = response.url.join(URL(location))
    except ValueError as exc:
        raise FetchError(f"broken response: invalid redirect location {location!r}", retryable=False) from exc
    _check_scheme(target, is_redirect=True)
    return target


def _http_error(response: aiohttp.ClientResponse) -> FetchError:
    status = response.status
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = response.reason or ""
    retryable = status in RETRYABLE_STATUSES or status >= 500
    return FetchError(
        f"HTTP {status} {phrase}".rstrip(),
        retryable=retryable,
        status=status,
        retry_after_s=parse_retry_after(response.headers.get("Retry-After")),
    )


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


def _connection_error(exc: BaseException, target: URL, *, is_redirect: bool) -> FetchError:
    host = target.host or str(target)
    if isinstance(exc, aiohttp.ClientConnectorError):
        cause = exc.os_error
        if isinstance(cause, RefusedAddressError):
            if is_redirect:
                reason = f"refused: redirect to {cause.hostname}, which resolves to {cause.category} address"
            else:
                reason = f"refused: {cause.hostname} resolves to {cause.category} address"
            return FetchError(f"{reason} {cause.address}", retryable=False)
        if isinstance(exc, aiohttp.ClientConnectorDNSError):
            permanent = isinstance(cause, socket.gaierror) and cause.errno == socket.EAI_NONAME
            return FetchError(f"could not resolve host {host}", retryable=not permanent)
        if isinstance(exc, aiohttp.ClientConnectorCertificateError):
            return FetchError(f"refused: TLS certificate of {host} is not valid", retryable=False)
        if isinstance(exc, aiohttp.ClientSSLError):
            return FetchError(f"not reachable: TLS handshake with {host} failed", retryable=True)
        if isinstance(cause, ConnectionRefusedError):
            return FetchError("connection refused", retryable=True)
        return FetchError(f"not reachable: {cause.strerror or cause}", retryable=True)
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return FetchError(f"not reachable: could not connect to {host} in time", retryable=True)
    if isinstance(exc, aiohttp.ServerTimeoutError):
        return FetchError(f"not reachable: {host} stopped answering", retryable=True)
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return FetchError(
            "broken response: the server closed the connection without answering", retryable=True
        )
    if isinstance(exc, aiohttp.ClientPayloadError):
        return FetchError(
            "broken response: the connection closed before the body was complete", retryable=True
        )
    if isinstance(exc, aiohttp.InvalidURL):
        return FetchError(f"not a valid URL: {exc}", retryable=False)
    if isinstance(exc, aiohttp.ClientResponseError):
        return FetchError(f"broken response: {exc.message}", retryable=False)
    if isinstance(exc, ValueError):
        return FetchError(f"not a valid URL: {exc}", retryable=False)
    return FetchError(f"request failed: {exc}", retryable=True)


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _size(value: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value} bytes"
