"""Bounded requests: a body size limit per route enforced before anything parses the body (413), a read
timeout on each chunk of a body (408), and the HTTP server's limits on the request head (`BoundedHttp`).

Before: four unauthenticated 200 MB JSON bodies took the server from 240 MB to 2.5 GB, and 500 connections
that never finished their headers stayed open."""

from __future__ import annotations

import asyncio
import sys

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

#: (method, path) whose bodies are declarations; every other route gets the smaller default limit
DECLARATION_ROUTES = frozenset({("POST", "/api/v1/declarations"), ("POST", "/web/declarations/new")})


def _problem_bytes(status: int, title: str, detail: str) -> bytes:
    import json

    return json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail}).encode()


class BodyLimits:
    """ASGI middleware: refuse a body larger than its route's limit from its Content-Length before the app
    runs, and count the bytes of a chunked body as they arrive (413 as soon as it passes the limit)."""

    def __init__(self, app: ASGIApp, *, default: int, declarations: int, timeout_s: float):
        self.app, self.default, self.declarations, self.timeout_s = app, default, declarations, timeout_s

    def limit(self, scope: Scope) -> int:
        return self.declarations if (scope["method"], scope["path"]) in DECLARATION_ROUTES else self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope)
        length = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if length is not None and (not length.isdigit() or int(length) > limit):
            bad = not length.isdigit()
            status, title = (400, "Bad request") if bad else (413, "Content too large")
            detail = "Content-Length is not a number" if bad else f"the body may have at most {limit} bytes"
            await self._answer(send, status, title, detail)
            return
        seen = 0

        async def bounded_receive() -> Message:
            nonlocal seen
            try:  # asyncio's timeout: a third of anyio's CancelScope in CPU, once per chunk of every request
                async with asyncio.timeout(self.timeout_s):
                    message = await receive()
            except TimeoutError:
                raise HTTPException(408, f"the body did not arrive within {self.timeout_s:g} s") from None
            seen += len(message.get("body", b""))
            if seen > limit:
                raise HTTPException(413, f"the body may have at most {limit} bytes")
            return message

        await self.app(scope, bounded_receive, send)

    @staticmethod
    async def _answer(send: Send, status: int, title: str, detail: str) -> None:
        body = _problem_bytes(status, title, detail)
        headers = [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class BoundedHttp(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline for each request head and a limit on its size.

    A connection that has not sent a complete request line and headers within ``header_timeout_s`` of its
    first byte (or of connecting) is closed; a head larger than ``max_header_bytes`` answers 431 and closes.
    Class attributes, set by `configure` in each server process before it accepts connections."""

    header_timeout_s = 10.0
    max_header_bytes = 16 * 1024

    @classmethod
    def configure(cls, *, header_timeout_s: float, max_header_bytes: int) -> None:
        cls.header_timeout_s, cls.max_header_bytes = header_timeout_s, max_header_bytes

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_bytes = 0
        self._head_timer = self.loop.call_later(self.header_timeout_s, self._head_too_slow)

    def _arm(self) -> None:
        self._disarm()
        self._head_bytes = 0
        self._head_timer = self.loop.call_later(self.header_timeout_s, self._head_too_slow)

    def _disarm(self) -> None:
        timer = getattr(self, "_head_timer", None)
        if timer is not None:
            timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self._head_timer is None and (self.cycle is None or self.cycle.response_complete):
            self._arm()  # the first byte of a new request on a kept-alive connection
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = 0

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def _count(self, n: int) -> None:
        self._head_bytes += n
        if self._head_bytes > self.max_header_bytes and not self.transport.is_closing():
            body = _problem_bytes(431, "Request header fields too large", "the request head is too large")
            self.transport.write(
                b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: application/problem+json\r\n"
                b"content-length: " + str(len(body)).encode() + b"\r\nconnection: close\r\n\r\n" + body
            )
            self.transport.close()

    def on_headers_complete(self) -> None:
        self._disarm()
        if not self.transport.is_closing():
            super().on_headers_complete()

    def connection_lost(self, exc) -> None:
        self._disarm()
        super().connection_lost(exc)


#: assumption: the GIL switch interval of a server process, 0.5 ms instead of Python's 5 ms. After each database
#: call the writer thread needs the GIL back, and while the event loop is busy it waits up to this long (a batch
#: makes ~7 such calls); in-process trials at 16 concurrent submissions gave ~1.3x the throughput, same CPU.
SWITCH_INTERVAL_S = 0.0005


def freeze_heap() -> int:
    """Move every object alive now into the garbage collector's permanent generation (``gc.freeze``); call once
    in a server process after its app is built, before it serves. Returns how many objects were frozen.

    The service imports ~200,000 long-lived objects (modules, classes, schemas; `corridor.transit.route` brings
    pandas and scipy), and each full (generation 2) collection walked them all: 120-170 ms a collection, during
    which the event loop and every request stood still. Under load these came every 0.5-3 s (measured with
    ``gc.callbacks`` in ``corridor serve`` during the load benchmark's closed loop at 16-64 clients), a stall
    longer than the open loop's p99 target by itself. Frozen objects are never walked again (nor freed: they
    are the modules and app that live as long as the process anyway)."""
    import gc

    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def uvicorn_options(settings) -> dict:
    """Keyword arguments of ``uvicorn.run`` that apply the connection limits of ``settings`` (request head,
    idle keep-alive, connections per process); also sets this server process's GIL switch interval
    (`SWITCH_INTERVAL_S`)."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    BoundedHttp.configure(
        header_timeout_s=settings.header_timeout_s, max_header_bytes=settings.max_header_bytes
    )
    return {
        "http": "corridor.transit.limits:BoundedHttp",
        "timeout_keep_alive": settings.keep_alive_s,
        "limit_concurrency": settings.max_connections,
    }
