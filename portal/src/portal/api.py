"""The portal's only way into the platform: the gateway's public REST API, as any other frontend uses it."""

from __future__ import annotations

import contextvars
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

# the browser's address as the gateway forwarded it to the portal: passed on with each API call, so the gateway
# (which lists the portal among its trusted proxies) limits and throttles per person, not per portal
client_address: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_address", default=None)


@dataclass
class ApiError(Exception):
    """A problem+json answer (or a transport failure, status 503) from the gateway."""

    status: int
    detail: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)
    title: str = ""
    # the OAuth error code of the token call (``mfa_required``, ``invalid_grant``…) and the problem's type URI
    error: str = ""
    problem_type: str = ""

    @classmethod
    def from_response(cls, r: httpx.Response) -> ApiError:
        try:
            body = r.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        listed = body.get("errors")
        errors: list[Any] = listed if isinstance(listed, list) else []
        return cls(status=r.status_code, detail=str(body.get("detail") or body.get("title") or ""),
                   errors=[e for e in errors if isinstance(e, dict)], title=str(body.get("title") or ""),
                   error=str(body.get("error") or ""), problem_type=str(body.get("type") or ""))

    @property
    def slug(self) -> str:
        """The last segment of the problem's type (``…/invalid-otp`` → ``invalid-otp``)."""
        return self.problem_type.rsplit("/", 1)[-1]

    def field_errors(self) -> dict[str, str]:
        """``errors[].loc`` → the last meaningful name in it (``body.applicant.phone`` → ``applicant.phone``)."""
        out: dict[str, str] = {}
        for e in self.errors:
            loc = [str(p) for p in e.get("loc", []) if p not in ("body", "query", "path")]
            if loc:
                out.setdefault(".".join(loc), str(e.get("msg", "")))
        return out


class Api:
    def __init__(self, base_url: str, timeout: float) -> None:
        self.client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout, connect=5.0),
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=100),
            follow_redirects=False,
        )

    async def close(self) -> None:
        await self.client.aclose()

    async def request(self, method: str, path: str, *, token: str | None = None, idempotent: bool = False,
                      **kwargs: Any) -> httpx.Response:
        headers: dict[str, str] = dict(kwargs.pop("headers", None) or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if idempotent:
            headers["Idempotency-Key"] = str(uuid.uuid4())
        if (address := client_address.get()) is not None:
            headers.setdefault("X-Forwarded-For", address)
        try:
            r = await self.client.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise ApiError(503, "Hệ thống tạm thời không trả lời, vui lòng thử lại sau ít phút.") from exc
        if r.status_code >= 400:
            raise ApiError.from_response(r)
        return r

    async def get(self, path: str, *, token: str | None = None, **kwargs: Any) -> Any:
        return (await self.request("GET", path, token=token, **kwargs)).json()

    async def post(self, path: str, *, token: str | None = None, **kwargs: Any) -> Any:
        r = await self.request("POST", path, token=token, idempotent=True, **kwargs)
        return r.json() if r.content else None


class TTLCache:
    """Public catalog data that changes rarely (sectors, agencies, a procedure) reused for a short while:
    the home and search pages stay fast under load without going stale for long."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._items: dict[str, tuple[float, Any]] = {}

    async def get(self, key: str, load: Any) -> Any:
        hit = self._items.get(key)
        now = time.monotonic()
        if hit is not None and now - hit[0] < self.seconds:
            return hit[1]
        value = await load()
        if self.seconds > 0:
            if len(self._items) > 2000:
                self._items.clear()
            self._items[key] = (now, value)
        return value

    def forget(self, key: str) -> None:
        """After this replica changed the data (e.g. an editor's announcement): read it again next time."""
        self._items.pop(key, None)
