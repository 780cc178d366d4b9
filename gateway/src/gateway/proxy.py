"""The gateway's hot path: a raw ASGI reverse proxy on pooled aiohttp connections.

Request and response bodies are streamed in both directions (an upload is never held whole in memory);
a service that is down answers 503 problem+json at once, a slow one 504 after the timeout.
Measured choice: aiohttp keeps ~70 % of direct throughput where httpx kept ~5 % (docs/design.md § Measured choices).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from servicekit.problems import TYPE_BASE

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
UPSTREAM_DROPPED = HOP_BY_HOP | {b"x-request-id", b"date", b"server"}
STATUS_TITLES = {
    413: "Dữ liệu quá lớn",
    502: "Dịch vụ phía sau trả lời lỗi",
    503: "Dịch vụ tạm thời không sẵn sàng",
    504: "Dịch vụ phía sau không trả lời kịp",
}


@dataclass(frozen=True)
class Route:
    prefix: str
    service: str


def problem_bytes(status: int, detail: str, slug: str) -> bytes:
    return json.dumps(
        {"type": TYPE_BASE + slug, "title": STATUS_TITLES.get(status, "Lỗi"), "status": status, "detail": detail},
        ensure_ascii=False,
    ).encode()


async def send_problem(send: Send, status: int, detail: str, slug: str, request_id: bytes) -> None:
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
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    pass


class Proxy:
    """ASGI middleware: requests whose path starts with a routed prefix go upstream; others to ``app``."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: list[Route],
        upstreams: dict[str, str],
        max_body: int,
        connect_timeout: float,
        timeout: float,
        pool_size: int,
        cors_origins: list[str] | None = None,
        fallback: str | None = None,
        own_paths: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.fallback = fallback
        self.own_paths = own_paths
        self.cors_origins = {o.rstrip("/").encode() for o in cors_origins or []}
        self.routes = sorted(routes, key=lambda r: -len(r.prefix))
        self.upstreams = {k: v.rstrip("/") for k, v in upstreams.items()}
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
            auto_decompress=False,
            timeout=self.timeout,
            skip_auto_headers=("User-Agent", "Accept-Encoding", "Content-Type"),
        )

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()

    def match(self, path: str) -> str | None:
        for r in self.routes:
            if (
                path == r.prefix
                or path.startswith(r.prefix + "/")
                or (r.prefix.endswith("/") and path.startswith(r.prefix))
            ):
                return self.upstreams.get(r.service)
        if self.fallback is not None and not path.startswith(self.own_paths):
            return self.upstreams.get(self.fallback)
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        origin = _header(scope, b"origin")
        if origin is not None and origin in self.cors_origins:
            if scope["method"] == "OPTIONS" and _header(scope, b"access-control-request-method"):
                await self._preflight(send, origin, scope, request_id)
                return
            send = _with_cors(send, origin)
        upstream = self.match(scope["path"])
        if upstream is None:
            for k, v in scope["headers"]:
                if k == b"content-length" and v.isdigit() and int(v) > LOCAL_MAX_BODY:
                    await send_problem(send, 413, "Nội dung vượt quá giới hạn 1 MB.", "payload-too-large", request_id)
                    return
            await self.app(scope, receive, _with_headers(send, request_id))
            return
        await self.forward(upstream, scope, receive, send, request_id)

    async def forward(self, upstream: str, scope: Scope, receive: Receive, send: Send, request_id: bytes) -> None:
        assert self.session is not None, "proxy not started"
        headers: list[tuple[str, str]] = []
        content_length: int | None = None
        chunked = False
        for k, v in scope["headers"]:
            if k == b"content-length":
                try:
                    content_length = int(v)
                except ValueError:
                    await send_problem(send, 400, "Content-Length không hợp lệ.", "bad-request", request_id)
                    return
            if k == b"transfer-encoding":
                chunked = True
            if k in HOP_BY_HOP or k == b"x-request-id" or k == b"x-forwarded-for":
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
        headers.append(("X-Forwarded-For", client[0] if client else "unknown"))
        headers.append(("X-Forwarded-Proto", scope.get("scheme", "http")))
        url = upstream + scope.get("raw_path", scope["path"].encode()).decode("latin-1")
        if scope.get("query_string"):
            url += "?" + scope["query_string"].decode("latin-1")

        data: Any = None
        overflow: list[bool] = []
        if content_length or chunked:
            data = self._stream_body(receive, overflow)
        started = False
        try:
            async with await self._request(scope["method"], url, headers, data) as resp:
                # the server adds its own date and server headers; the security headers are the gateway's
                out = [(k.lower(), v) for k, v in resp.raw_headers if k.lower() not in UPSTREAM_DROPPED]
                present = {k for k, _ in out}
                out.append((b"x-request-id", request_id))
                out.extend((k, v) for k, v in SECURITY_HEADERS if k not in present)
                await send({"type": "http.response.start", "status": resp.status, "headers": out})
                started = True
                async for chunk in resp.content.iter_chunked(64 * 1024):
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b""})
        except BodyTooLarge:
            if not started:
                await send_problem(send, 413, "Nội dung vượt quá giới hạn cho phép.", "payload-too-large", request_id)
        except (aiohttp.ClientConnectorError, aiohttp.ServerDisconnectedError) as exc:
            log.warning("upstream %s unavailable: %s", upstream, exc)
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
            log.warning("upstream %s error: %s", upstream, exc)
            if not started:
                await send_problem(send, 502, "Dịch vụ phía sau trả lời lỗi.", "bad-gateway", request_id)

    async def _request(
        self, method: str, url: str, headers: list[tuple[str, str]], data: Any
    ) -> aiohttp.ClientResponse:
        """Sends upstream; a request without a body is retried once when a pooled connection turns out closed."""
        assert self.session is not None
        try:
            return await self.session.request(
                method, url, headers=headers, data=data, allow_redirects=False, compress=None
            )
        except aiohttp.ServerDisconnectedError:
            if data is not None or method not in ("GET", "HEAD", "OPTIONS"):
                raise
            return await self.session.request(
                method, url, headers=headers, data=None, allow_redirects=False, compress=None
            )

    async def _stream_body(self, receive: Receive, overflow: list[bool]) -> AsyncIterator[bytes]:
        total = 0
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


def _with_headers(send: Send, request_id: bytes) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id), *SECURITY_HEADERS]
        await send(message)

    return wrapped
