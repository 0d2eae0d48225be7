"""Local HTTP servers for tests: aiohttp apps on 127.0.0.1 with handlers the test supplies.

    async with LocalServer() as server:
        server.add("/feed.xml", respond(FEED_XML, content_type="application/rss+xml"))
        server.add("/old", redirect("/feed.xml"))
        result = await fetcher.fetch(server.url("/old"))
        assert server.requests[0].headers["User-Agent"].startswith("Newsbrief/")

The fetcher refuses loopback addresses by default, so tests pass `LOCAL_FETCH_SETTINGS` (or
their own FetchSettings with `allowed_addresses=LOOPBACK`). `StaticResolver` maps made-up
hostnames ("news.example") to 127.0.0.1, for tests that need several hosts or a name that
resolves to a private address.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from multidict import CIMultiDictProxy

from bot.ingest.fetch import FetchSettings

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

LOOPBACK = ("127.0.0.1",)
LOCAL_FETCH_SETTINGS = FetchSettings(allowed_addresses=LOOPBACK)


@dataclass(frozen=True, slots=True)
class SeenRequest:
    """A request as the server received it."""

    method: str
    path_qs: str
    headers: CIMultiDictProxy[str]
    host: str | None  # the Host header, which tells names mapped by StaticResolver apart


class LocalServer:
    """An aiohttp server on 127.0.0.1 and a free port, recording every request it receives.

    Handlers are cancelled when their client disconnects, so a handler that waits forever
    (for an Event nobody sets) does not hold up shutdown.
    """

    def __init__(self) -> None:
        self.requests: list[SeenRequest] = []
        self._handlers: dict[str, Handler] = {}
        self.app = web.Application()
        # One catch-all route, so handlers can be added after the server has started.
        self.app.router.add_route("*", "/{path:.*}", self._dispatch)
        self._runner: web.AppRunner | None = None
        self._socket: socket.socket | None = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def add(self, path: str, handler: Handler) -> None:
        """Answer requests for `path` (any method, any query string) with `handler`."""
        self._handlers[path] = handler

    async def start(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self._runner = web.AppRunner(
            self.app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        await web.SockSite(self._runner, self._socket).start()

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    @property
    def port(self) -> int:
        if self._socket is None:
            raise RuntimeError("LocalServer is not started")
        port: int = self._socket.getsockname()[1]
        return port

    def url(self, path: str = "/", *, host: str = "127.0.0.1") -> str:
        """The URL of `path` on this server; `host` can be a name a StaticResolver maps here."""
        return f"http://{host}:{self.port}{path}"

    def requests_to(self, path: str) -> list[SeenRequest]:
        return [request for request in self.requests if request.path_qs.partition("?")[0] == path]

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(SeenRequest(request.method, request.path_qs, request.headers, request.host))
        handler = self._handlers.get(request.path)
        if handler is None:
            raise web.HTTPNotFound(text=f"LocalServer has no handler for {request.path}")
        return await handler(request)


# --- ready-made handlers -------------------------------------------------------------------------


def respond(
    body: bytes | str,
    *,
    status: int = 200,
    content_type: str = "text/html; charset=utf-8",
    headers: Mapping[str, str] | None = None,
) -> Handler:
    """A handler that always answers with `body`."""
    payload = body.encode() if isinstance(body, str) else body

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.Response(body=payload, status=status, headers=dict(headers or {}))
        response.content_type = content_type.partition(";")[0]
        if "charset=" in content_type:
            response.charset = content_type.partition("charset=")[2]
        return response

    return handler


def redirect(location: str, *, status: int = 302) -> Handler:
    """A handler that redirects to `location` (absolute or relative)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, headers={"Location": location})

    return handler


def never_answer(event: asyncio.Event) -> Handler:
    """A handler that waits for `event`; with an event nobody sets, the client must time out."""

    async def handler(request: web.Request) -> web.StreamResponse:
        await event.wait()
        return web.Response(text="too late")

    return handler


# --- name resolution -----------------------------------------------------------------------------


class StaticResolver(AbstractResolver):
    """Resolves hostnames from a fixed table ({"news.example": "127.0.0.1"}); others fail.

    Pass it as `Fetcher(settings, resolver=StaticResolver(...))`; the fetcher's address policy
    still applies to the addresses it returns.
    """

    def __init__(self, table: Mapping[str, str]) -> None:
        self._table = {name.lower().rstrip("."): address for name, address in table.items()}

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        address = self._table.get(host.lower().rstrip("."))
        if address is None:
            # The error a real lookup of an unknown name gives, so callers see the same behaviour.
            raise socket.gaierror(socket.EAI_NONAME, f"StaticResolver has no address for {host}")
        address_family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=address_family,
                proto=0,
                flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
            )
        ]

    async def close(self) -> None:
        return None
