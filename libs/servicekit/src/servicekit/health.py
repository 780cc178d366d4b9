"""``/healthz`` (the process is alive) and ``/readyz`` (its database and NATS are reachable)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

ReadyCheck = Callable[[Request], Awaitable[dict[str, Any]]]


async def check_database(request: Request) -> dict[str, Any]:
    try:
        async with asyncio.timeout(2):
            async with request.app.state.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        return {"database": "ok"}
    except Exception:
        return {"database": "unavailable"}


async def check_nats(request: Request) -> dict[str, Any]:
    nc = getattr(request.app.state, "nc", None)
    return {"nats": "ok" if nc is not None and nc.is_connected else "unavailable"}


def health_router(extra: list[ReadyCheck] | None = None) -> APIRouter:
    router = APIRouter(tags=["health"])
    checks: list[ReadyCheck] = [check_database, check_nats, *(extra or [])]

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        results: dict[str, Any] = {}
        for part in await asyncio.gather(*(c(request) for c in checks)):
            results.update(part)
        ok = all(v == "ok" or (isinstance(v, dict) and v.get("status") == "ok") for v in results.values())
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", "checks": results}, status_code=200 if ok else 503
        )

    return router
