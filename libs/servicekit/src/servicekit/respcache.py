"""Public reads answered from memory: a pure ASGI middleware that keeps the encoded body of ``GET`` answers
of chosen paths, with a strong ``ETag`` and ``Cache-Control``, and answers ``If-None-Match`` with 304.

Correct across replicas because the owner invalidates it from its own events: :meth:`ResponseCache.clear` is
called for each event the service publishes about what these paths show (every replica receives them), and
after any write request this replica served. A body is stored only if no invalidation happened while it was
being computed (a generation counter), and only while :attr:`ResponseCache.live` says the invalidation feed
is connected: with the bus down, answers are computed every time (still with their ``ETag``).

A ``static`` store keeps answers that do not change while the process runs (a service's own certificate, the
published schemas): always live, never emptied.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass(frozen=True, slots=True)
class Entry:
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes


def etag_of(body: bytes) -> bytes:
    return b'"' + hashlib.blake2b(body, digest_size=12).hexdigest().encode() + b'"'


def _matches(if_none_match: bytes, etag: bytes) -> bool:
    if if_none_match.strip() == b"*":
        return True
    return any(tag.strip().removeprefix(b"W/") == etag for tag in if_none_match.split(b","))


_KEPT = {b"content-type"}


class CacheStore:
    """The bodies kept, shared by the middleware and whoever invalidates them (the service's event feed)."""

    def __init__(self, *, max_entries: int = 4096, static: bool = False) -> None:
        self.max_entries = max_entries
        self.static = static
        self.entries: OrderedDict[bytes, Entry] = OrderedDict()
        self.generation = 0
        self.hits = 0
        self._nc: Any = None
        self._reconnects = 0

    def clear(self) -> None:
        self.generation += 1
        self.entries.clear()

    def live(self) -> bool:
        """True while the invalidation feed is connected; a reconnection (events may have been missed while
        away) empties the cache first."""
        if self.static:
            return True
        nc = self._nc
        if nc is None or not nc.is_connected:
            return False
        reconnects = nc.stats["reconnects"]
        if reconnects != self._reconnects:
            self._reconnects = reconnects
            self.clear()
        return True

    async def follow(self, nc: Any, subject: str) -> None:
        """Empties the cache on every message of ``subject`` (core NATS: every replica gets each event)."""

        async def on_event(msg: Any) -> None:
            self.clear()

        await nc.subscribe(subject, cb=on_event)
        await nc.flush()
        self._reconnects = nc.stats["reconnects"]
        self.clear()
        self._nc = nc

    def put(self, key: bytes, entry: Entry) -> None:
        self.entries[key] = entry
        if len(self.entries) > self.max_entries:
            self.entries.popitem(last=False)


class ResponseCache:
    """ASGI middleware: ``cacheable(path)`` chooses the paths, ``store`` keeps the bodies."""

    def __init__(self, app: ASGIApp, *, store: CacheStore, cacheable: Callable[[str], bool],
                 cache_control: str = "public, max-age=30") -> None:
        self.app = app
        self.store = store
        self.cacheable = cacheable
        self.cache_control = cache_control.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method not in ("GET", "HEAD"):
            if self.store.static:
                await self.app(scope, receive, send)
                return
            try:
                await self.app(scope, receive, send)
            finally:
                self.store.clear()  # this replica changed something: never serve what it showed before
            return
        if not self.cacheable(scope["path"]):
            await self.app(scope, receive, send)
            return
        if_none_match = b""
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                if_none_match = value
        key = scope.get("raw_path", scope["path"].encode()) + b"?" + scope["query_string"]
        store = self.store
        live = store.live()
        entry = store.entries.get(key) if live else None
        if entry is not None:
            store.hits += 1
            store.entries.move_to_end(key)
            await self._answer(send, entry, if_none_match, head=method == "HEAD")
            return
        if method == "HEAD":
            await self.app(scope, receive, send)
            return
        generation = store.generation
        start: Message | None = None
        chunks: list[bytes] = []
        passthrough = False

        async def capture(message: Message) -> None:
            nonlocal start, passthrough
            if passthrough:
                await send(message)
            elif message["type"] == "http.response.start":
                if message["status"] != 200:
                    passthrough = True
                    await send(message)
                else:
                    start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    assert start is not None
                    body = b"".join(chunks)
                    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() in _KEPT]
                    done = Entry(headers, body, etag_of(body))
                    if live and generation == store.generation:
                        store.put(key, done)
                    await self._answer(send, done, if_none_match, head=False, extra=start.get("headers", []))
            else:
                await send(message)

        await self.app(scope, receive, capture)

    async def _answer(self, send: Send, entry: Entry, if_none_match: bytes, *, head: bool,
                      extra: list[tuple[bytes, bytes]] | None = None) -> None:
        headers = [(k, v) for k, v in (extra or entry.headers) if k.lower() not in (b"content-length", b"etag",
                                                                                     b"cache-control")]
        headers += [(b"etag", entry.etag), (b"cache-control", self.cache_control)]
        if if_none_match and _matches(if_none_match, entry.etag):
            headers = [(k, v) for k, v in headers if k.lower() != b"content-type"]
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        headers.append((b"content-length", str(len(entry.body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head else entry.body})
