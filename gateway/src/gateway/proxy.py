"""The gateway's hot path: a raw ASGI reverse proxy on pooled aiohttp connections.

Request and response bodies are streamed in both directions (an upload is never held whole in memory);
a service that is down answers 503 problem+json at once, a slow one 504 after the timeout.
A service may run as several replicas (comma-separated base URLs): requests go round-robin; a replica that
refuses connections is skipped for a moment and the request goes to the next one (nothing was sent); a
replica that drops a request it received (crash, restart) has that request sent once more to another
replica when repeating it is safe: an idempotent method, or a request carrying an ``Idempotency-Key``
(the service replays the answer if the first try did commit). Such bodies up to ``RETRY_BUFFER`` are read
whole first so they can be sent again; larger ones stream and are not retried once sent.
Measured choice: aiohttp keeps ~70 % of direct throughput where httpx kept ~5 % (docs/design.md § Measured choices).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from servicekit.problems import TYPE_BASE
from servicekit.respcache import CacheStore, ResponseCache
from servicekit.telemetry import REQUEST_ID_SCOPE

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"host",
    }
)
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
]
LOCAL_MAX_BODY = 1024 * 1024
# set by the gateway itself on the way upstream (the trace context is the gateway's client span's)
OWN_HEADERS = frozenset({b"x-request-id", b"x-forwarded-for", b"traceparent", b"tracestate", b"baggage"})
UPSTREAM_DROPPED = HOP_BY_HOP | {b"x-request-id", b"date", b"server"}
STATUS_TITLES = {
    401: "Chưa xác thực",
    429: "Quá nhiều yêu cầu",
    413: "Dữ liệu quá lớn",
    502: "Dịch vụ phía sau trả lời lỗi",
    503: "Dịch vụ tạm thời không sẵn sàng",
    504: "Dịch vụ phía sau không trả lời kịp",
}


IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_BUFFER = 8 * 1024 * 1024
WHOLE_BODY = 256 * 1024  # answers up to this size (declared) are read whole, then sent in one message
DOWN_FOR = 2.0  # seconds a replica that refused a connection is tried last


@dataclass(frozen=True)
class Route:
    prefix: str
    service: str


class Upstream:
    """The replicas of one service, taken in turn; one that refused a connection goes last for ``DOWN_FOR``."""

    def __init__(self, bases: str | list[str]) -> None:
        items = bases.split(",") if isinstance(bases, str) else bases
        self.bases = [b.strip().rstrip("/") for b in items if b.strip()]
        self.address = ",".join(self.bases)  # the client span's server.address
        self._next = 0
        self._down_until: dict[str, float] = {}

    def order(self) -> list[str]:
        n = len(self.bases)
        start = self._next % n
        self._next += 1
        turn = self.bases[start:] + self.bases[:start]
        if not self._down_until:
            return turn
        now = time.monotonic()
        up = [b for b in turn if self._down_until.get(b, 0.0) <= now]
        return up + [b for b in turn if b not in up]

    def mark_down(self, base: str) -> None:
        self._down_until[base] = time.monotonic() + DOWN_FOR

    def mark_up(self, base: str) -> None:
        self._down_until.pop(base, None)


def problem_bytes(status: int, detail: str, slug: str) -> bytes:
    return json.dumps(
        {"type": TYPE_BASE + slug, "title": STATUS_TITLES.get(status, "Lỗi"), "status": status, "detail": detail},
        ensure_ascii=False,
    ).encode()


async def send_problem(
    send: Send, status: int, detail: str, slug: str, request_id: bytes, extra: dict[str, str] | None = None
) -> None:
    body = problem_bytes(status, detail, slug)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", request_id),
                *SECURITY_HEADERS,
                *((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (extra or {}).items()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


@dataclass(frozen=True)
class ReadCache:
    """A service's public reads kept in the gateway's memory (servicekit.respcache): ``cacheable`` paths of
    ``service``, answered without a trip upstream until the service's next event empties ``store``; a write
    this gateway sends to the service empties it at once."""

    service: str
    store: CacheStore
    cacheable: Callable[[str], bool]


@dataclass(frozen=True)
class Refusal:
    """What a guard answers instead of proxying: a problem with its status and headers."""

    status: int
    detail: str
    slug: str
    headers: dict[str, str] | None = None


Guard = Callable[[Scope], Awaitable[Refusal | None]]


_tracer = trace.get_tracer("gateway.proxy")


class BodyTooLarge(Exception):
    pass


class Proxy:
    """ASGI middleware: requests whose path starts with a routed prefix go upstream; others to ``app``."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: list[Route],
        upstreams: Mapping[str, str | list[str]],
        max_body: int,
        connect_timeout: float,
        timeout: float,
        pool_size: int,
        cors_origins: list[str] | None = None,
        fallback: str | None = None,
        own_paths: tuple[str, ...] = (),
        guard: Guard | None = None,
        address_of: Callable[[Scope], str] | None = None,
        own_exact: tuple[str, ...] = (),
        read_cache: ReadCache | None = None,
    ) -> None:
        self.app = app
        self.read_cache = read_cache
        # behind the guard: a cached answer is refused, counted and traced like a proxied one
        self._cached = (ResponseCache(self._forward_scope, store=read_cache.store, cacheable=read_cache.cacheable)
                        if read_cache else None)
        self.guard = guard
        self.address_of = address_of  # the client's address (X-Forwarded-For believed from trusted proxies only)
        self.own_exact = frozenset(own_exact)  # answered by the gateway itself although under a routed prefix
        self.fallback = fallback
        self.own_paths = own_paths
        self.cors_origins = {o.rstrip("/").encode() for o in cors_origins or []}
        self.routes = sorted(routes, key=lambda r: -len(r.prefix))
        self.upstreams = {k: Upstream(v) for k, v in upstreams.items()}
        self.max_body = max_body
        self.timeout = aiohttp.ClientTimeout(total=None, connect=connect_timeout, sock_read=timeout)
        self.pool_size = pool_size
        self.session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(
            limit=self.pool_size, limit_per_host=self.pool_size, ttl_dns_cache=300, keepalive_timeout=30
        )
        self.session = aiohttp.ClientSession(
            connector=connector,
            # never a cookie jar: one would keep what a service sets for one user (the portal's session) and send
            # it with every later request to that host, whoever makes it (hosts by name; IPs are never stored)
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            timeout=self.timeout,
            skip_auto_headers=("User-Agent", "Accept-Encoding", "Content-Type"),
        )

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()

    def match(self, path: str) -> Upstream | None:
        found = self.match_route(path)
        return found[1] if found else None

    def match_route(self, path: str) -> tuple[str, Upstream | None] | None:
        """(the route for spans and metrics, the service's replicas) of a proxied path."""
        if path in self.own_exact:
            return None
        for r in self.routes:
            if (
                path == r.prefix
                or path.startswith(r.prefix + "/")
                or (r.prefix.endswith("/") and path.startswith(r.prefix))
            ):
                return r.prefix.rstrip("/") + "/*", self.upstreams.get(r.service)
        if self.fallback is not None and not path.startswith(self.own_paths):
            return "/*", self.upstreams.get(self.fallback)
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = scope.get(REQUEST_ID_SCOPE) or _request_id(scope)
        origin = _header(scope, b"origin")
        if origin is not None and origin in self.cors_origins:
            if scope["method"] == "OPTIONS" and _header(scope, b"access-control-request-method"):
                await self._preflight(send, origin, scope, request_id)
                return
            send = _with_cors(send, origin)
        found = self.match_route(scope["path"])
        upstream = found[1] if found else None
        if found is not None:
            scope["dvc.route"] = found[0]  # the server span's http.route (TelemetryMiddleware)
        if upstream is not None and self.guard is not None:
            refusal = await self.guard(scope)
            if refusal is not None:
                await send_problem(send, refusal.status, refusal.detail, refusal.slug, request_id, refusal.headers)
                return
        if upstream is None:
            for k, v in scope["headers"]:
                if k == b"content-length" and v.isdigit() and int(v) > LOCAL_MAX_BODY:
                    await send_problem(send, 413, "Nội dung vượt quá giới hạn 1 MB.", "payload-too-large", request_id)
                    return
            await self.app(scope, receive, _with_headers(send, request_id))
            return
        cache = self.read_cache
        if cache is not None and self._cached is not None and upstream is self.upstreams.get(cache.service):
            if scope["method"] in ("GET", "HEAD") and cache.cacheable(scope["path"]):
                scope[REQUEST_ID_SCOPE] = request_id
                await self._cached(scope, receive, _with_headers(send, request_id, only_missing=True))
                return
            if scope["method"] not in ("GET", "HEAD", "OPTIONS"):
                try:
                    await self.traced_forward(upstream, scope, receive, send, request_id)
                finally:
                    cache.store.clear()  # this gateway changed something there: never serve what it showed before
                return
        await self.traced_forward(upstream, scope, receive, send, request_id)

    async def _forward_scope(self, scope: Scope, receive: Receive, send: Send) -> None:
        """What the read cache calls on a miss: the proxied call to the cached service."""
        assert self.read_cache is not None
        upstream = self.upstreams[self.read_cache.service]
        await self.traced_forward(upstream, scope, receive, send, scope[REQUEST_ID_SCOPE])

    async def traced_forward(self, upstream: Upstream, scope: Scope, receive: Receive, send: Send,
                             request_id: bytes) -> None:
        """The proxied call as a client span (its context goes upstream as ``traceparent``); a 5xx the client
        gets, the gateway's own 502/503/504 included, marks it failed."""
        method = scope["method"]
        status = [0]

        async def send_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        span = _tracer.start_span(method, kind=SpanKind.CLIENT, attributes={
            "http.request.method": method, "url.path": scope["path"], "server.address": upstream.address})
        with trace.use_span(span, end_on_exit=True):
            await self.forward(upstream, scope, receive, send_status, request_id)
            if span.is_recording() and status[0]:
                span.set_attribute("http.response.status_code", status[0])
            if status[0] >= 500 or status[0] == 0:
                span.set_status(Status(StatusCode.ERROR))

    async def forward(self, upstream: Upstream, scope: Scope, receive: Receive, send: Send, request_id: bytes) -> None:
        assert self.session is not None, "proxy not started"
        headers: list[tuple[str, str]] = []
        content_length: int | None = None
        chunked = False
        keyed = False
        for k, v in scope["headers"]:
            if k == b"idempotency-key":
                keyed = True
            if k == b"content-length":
                try:
                    content_length = int(v)
                except ValueError:
                    await send_problem(send, 400, "Content-Length không hợp lệ.", "bad-request", request_id)
                    return
            if k == b"transfer-encoding":
                chunked = True
            if k in HOP_BY_HOP or k in OWN_HEADERS:
                continue
            headers.append((k.decode("latin-1"), v.decode("latin-1")))
        if content_length is not None and content_length > self.max_body:
            await send_problem(
                send,
                413,
                f"Nội dung vượt quá giới hạn {self.max_body // (1024 * 1024)} MB.",
                "payload-too-large",
                request_id,
            )
            return
        client = scope.get("client")
        headers.append(("X-Request-Id", request_id.decode()))
        address = self.address_of(scope) if self.address_of is not None else (client[0] if client else "unknown")
        headers.append(("X-Forwarded-For", address))
        headers.append(("X-Forwarded-Proto", scope.get("scheme", "http")))
        carrier: dict[str, str] = {}
        propagate.inject(carrier)  # W3C traceparent of the client span, and the request id in the baggage
        headers.extend(carrier.items())
        target = scope.get("raw_path", scope["path"].encode()).decode("latin-1")
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        method = scope["method"]
        retryable = method in IDEMPOTENT_METHODS or keyed

        data: Any = None
        overflow: list[bool] = []
        body_sent: list[bool] = []
        started = False
        try:
            if content_length or chunked:
                if retryable and content_length is not None and content_length <= RETRY_BUFFER:
                    data = await self._read_body(receive, overflow)
                else:
                    data = self._stream_body(receive, overflow, body_sent)
            async with await self._send_to_replicas(upstream, method, target, headers, data, retryable,
                                                    body_sent) as resp:
                # the server adds its own date and server headers; the security headers are the gateway's
                out = [(k, v) for k, v in ((k.lower(), v) for k, v in resp.raw_headers) if k not in UPSTREAM_DROPPED]
                present = {k for k, _ in out}
                out.append((b"x-request-id", request_id))
                out.extend((k, v) for k, v in SECURITY_HEADERS if k not in present)
                length = resp.content_length
                if length is not None and length <= WHOLE_BODY:
                    # a small answer (a procedure, a search page) read whole and passed on as one message
                    body = await resp.read()
                    await send({"type": "http.response.start", "status": resp.status, "headers": out})
                    started = True
                    await send({"type": "http.response.body", "body": body})
                    return
                await send({"type": "http.response.start", "status": resp.status, "headers": out})
                started = True
                async for chunk in resp.content.iter_chunked(64 * 1024):
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b""})
        except BodyTooLarge:
            if not started:
                await send_problem(send, 413, "Nội dung vượt quá giới hạn cho phép.", "payload-too-large", request_id)
        except (aiohttp.ClientConnectorError, aiohttp.ServerDisconnectedError) as exc:
            log.warning("upstream %s unavailable: %s", ",".join(upstream.bases), exc)
            if not started:
                await send_problem(
                    send,
                    503,
                    "Dịch vụ tạm thời không sẵn sàng, vui lòng thử lại sau.",
                    "service-unavailable",
                    request_id,
                )
        except TimeoutError:
            if not started:
                await send_problem(send, 504, "Dịch vụ phía sau không trả lời kịp.", "upstream-timeout", request_id)
        except aiohttp.ClientError as exc:
            if overflow and not started:  # aiohttp wraps the error our body stream raised
                await send_problem(send, 413, "Nội dung vượt quá giới hạn cho phép.", "payload-too-large", request_id)
                return
            log.warning("upstream %s error: %s", ",".join(upstream.bases), exc)
            if not started:
                await send_problem(send, 502, "Dịch vụ phía sau trả lời lỗi.", "bad-gateway", request_id)

    async def _send_to_replicas(
        self,
        upstream: Upstream,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        data: Any,
        retryable: bool,
        body_sent: list[bool],
    ) -> aiohttp.ClientResponse:
        """Sends to one replica after another: on to the next when one refuses the connection (the request never
        reached it), and once more elsewhere when one drops a request that is safe to repeat. A single replica
        is tried again itself after a drop: a pooled connection it had already closed."""
        assert self.session is not None
        replays = data is None or isinstance(data, bytes)
        candidates = upstream.order()
        i, redone = 0, False
        while True:
            base = candidates[i % len(candidates)]
            try:
                resp = await self.session.request(
                    method, base + target, headers=headers, data=data, allow_redirects=False, compress=None
                )
            except aiohttp.ClientConnectorError:
                upstream.mark_down(base)
                i += 1
                if i < len(candidates) and (replays or not body_sent):
                    continue
                raise
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
                if redone or not replays or not retryable:
                    raise
                log.warning("upstream %s dropped %s %s (%s); sending it once more", base, method, target, exc)
                redone = True
                i += 1
                continue
            upstream.mark_up(base)
            return resp

    async def _read_body(self, receive: Receive, overflow: list[bool]) -> bytes:
        """The whole body (bounded by ``max_body``; called for declared lengths up to ``RETRY_BUFFER``), so it
        can be sent again."""
        return b"".join([chunk async for chunk in self._stream_body(receive, overflow, [])])

    async def _stream_body(self, receive: Receive, overflow: list[bool], sent: list[bool]) -> AsyncIterator[bytes]:
        total = 0
        sent.append(True)
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.max_body:
                overflow.append(True)
                raise BodyTooLarge()
            if chunk:
                yield chunk
            if not message.get("more_body", False):
                return

    async def _preflight(self, send: Send, origin: bytes, scope: Scope, request_id: bytes) -> None:
        requested = _header(scope, b"access-control-request-headers")
        headers = [
            (b"access-control-allow-origin", origin),
            (b"vary", b"Origin"),
            (b"access-control-allow-methods", b"GET, POST, PUT, PATCH, DELETE, OPTIONS"),
            (b"access-control-allow-headers", requested or b"authorization, content-type, idempotency-key"),
            (b"access-control-max-age", b"600"),
            (b"x-request-id", request_id),
        ]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})


def _header(scope: Scope, name: bytes) -> bytes | None:
    for k, v in scope["headers"]:
        if k == name:
            return bytes(v)
    return None


def _with_cors(send: Send, origin: bytes) -> Send:
    """CORS for allow-listed origins on every response, the gateway's own and the proxied ones alike."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [
                *message.get("headers", []),
                (b"access-control-allow-origin", origin),
                (b"vary", b"Origin"),
                (b"access-control-expose-headers", b"x-request-id"),
            ]
        await send(message)

    return wrapped


def _request_id(scope: Scope) -> bytes:
    for k, v in scope["headers"]:
        if k == b"x-request-id" and 0 < len(v) <= 100 and all(32 < c < 127 for c in v):
            return bytes(v)
    return uuid.uuid4().hex.encode()


def _with_headers(send: Send, request_id: bytes, *, only_missing: bool = False) -> Send:
    """The request id and the security headers on the answer (``only_missing``: those it does not carry yet)."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = message.get("headers", [])
            ours = [(b"x-request-id", request_id), *SECURITY_HEADERS]
            if only_missing:
                present = {k.lower() for k, _ in headers}
                ours = [(k, v) for k, v in ours if k not in present]
            message["headers"] = [*headers, *ours]
        await send(message)

    return wrapped
