"""The visitor behind each request, the CSRF check every POST passes, and the headers every page carries."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import Request

from portal.account.service import SessionService, Visitor
from portal.api import ApiError, client_address
from portal.errors import CsrfRefused, LoginRequired
from portal.web.render import COOKIE
from servicekit.db import SessionDep

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
PAGE_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
STATIC_CACHE = (b"cache-control", b"public, max-age=31536000, immutable")
ERROR_PAGE = (
    "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
    "content=\"width=device-width, initial-scale=1\"><title>Có lỗi xảy ra — Dịch vụ công Đồng Nai</title>"
    "<link rel=\"stylesheet\" href=\"/static/portal.css\"></head><body><main id=\"noi-dung\" class=\"container\">"
    "<h1>Có lỗi xảy ra</h1><p>Hệ thống gặp sự cố, vui lòng thử lại sau ít phút. Thông tin bạn đã lưu nháp vẫn còn."
    "</p><p><a href=\"/\">Về trang chủ</a></p></main></body></html>"
).encode()


async def current_visitor(request: Request, db: SessionDep) -> Visitor | None:
    if hasattr(request.state, "visitor"):
        visitor: Visitor | None = request.state.visitor
        return visitor
    settings = request.app.state.settings
    sessions = SessionService(db, days=settings.session_days)
    found = await sessions.find(request.cookies.get(COOKIE))
    if found is not None and found.token is None and found.refresh_token and found.user_id:
        # the short-lived access token expired: the refresh token gets a new one (rotated: it is used up)
        async def grant(refresh_token: str) -> dict[str, Any] | None:
            try:
                token: dict[str, Any] = await request.app.state.api.post(
                    "/api/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token})
            except ApiError as exc:
                if exc.status not in (400, 401, 422):
                    raise
                return None
            return token

        await sessions.renew(found, grant)
    request.state.visitor = found
    return found


async def visitor_with_session(request: Request, db: SessionDep) -> Visitor:
    visitor = await current_visitor(request, db)
    if visitor is None:
        settings = request.app.state.settings
        raw, visitor = await SessionService(db, days=settings.session_days).start()
        request.state.visitor = visitor
        request.state.set_cookie = (raw, settings.session_days * 86400)
    return visitor


async def logged_in_visitor(request: Request, db: SessionDep) -> Visitor:
    visitor = await current_visitor(request, db)
    if visitor is None or not visitor.logged_in:
        raise LoginRequired(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    return visitor


async def check_csrf(request: Request, db: SessionDep) -> None:
    """Every POST carries the session's CSRF token (a form field, or a header for the small script)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    visitor = await current_visitor(request, db)
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form(max_part_size=1024 * 1024)
            value = form.get("csrf_token")
            sent = value if isinstance(value, str) else None
    if visitor is None or not sent or not hmac.compare_digest(sent.encode(), visitor.csrf.encode()):
        raise CsrfRefused()


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]


class PageHeaders:
    """Pure ASGI middleware (no per-request task like BaseHTTPMiddleware): CSP and friends on every answer,
    and a year of caching for /static files, whose URLs change with their content."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")
        for name, value in scope.get("headers", []):
            if name == b"x-forwarded-for":
                client_address.set(value.decode("latin-1").split(",")[-1].strip()[:64])
                break
        else:
            client = scope.get("client")
            client_address.set(client[0] if client else None)
        replaced = False

        async def wrapped(message: Message) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if message.get("status") == 500 and (b"content-type", b"application/problem+json") in headers:
                    # the kit's last-resort answer to an unexpected error is JSON; a person gets a page
                    replaced = True
                    headers = [(b"content-type", b"text/html; charset=utf-8"),
                               (b"content-length", str(len(ERROR_PAGE)).encode())]
                if any(k.lower() == b"content-security-policy" for k, _ in headers):
                    # a response with its own policy (a document shown in the console's frame) keeps it
                    headers.extend(h for h in PAGE_HEADERS if h[0] != b"content-security-policy")
                else:
                    headers.extend(PAGE_HEADERS)
                if static and message.get("status") == 200:
                    headers.append(STATIC_CACHE)
                message["headers"] = headers
            elif message["type"] == "http.response.body" and replaced:
                if message.get("more_body"):
                    return
                message = {"type": "http.response.body", "body": ERROR_PAGE}
            await send(message)

        await self.app(scope, receive, wrapped)
