"""``/healthz`` (the process is alive) and ``/readyz`` (it can do its work: take it out of rotation if not).

A check answers ``ok``, ``degraded`` (the service still does its work: it stays in rotation, 200, and says what
is wrong) or ``unavailable`` (503). NATS away is ``degraded`` while the outbox keeps the events the service
writes: submissions still succeed, the relay publishes them when the bus is back. Only when the outbox holds
more than ``outbox_ready_limit`` events is the service taken out."""

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
    if nc is not None and nc.is_connected:
        return {"nats": "ok"}
    settings = getattr(request.app.state, "settings", None)
    limit = int(getattr(settings, "outbox_ready_limit", 100_000))
    try:
        async with asyncio.timeout(2):
            async with request.app.state.engine.connect() as conn:
                # counted up to the limit only: cheap however long the bus has been away
                pending = int(
                    (
                        await conn.execute(
                            text("SELECT count(*) FROM (SELECT 1 FROM kit_outbox WHERE sent_at IS NULL LIMIT :n) s"),
                            {"n": limit + 1},
                        )
                    ).scalar_one()
                )
    except Exception:
        return {"nats": {"status": "unavailable"}}
    return {"nats": {"status": "degraded" if pending <= limit else "unavailable", "outbox_pending": pending}}


def status_of(value: Any) -> str:
    return str(value.get("status", "ok")) if isinstance(value, dict) else str(value)


def overall(results: dict[str, Any]) -> str:
    states = {status_of(v) for v in results.values()}
    if states - {"ok", "degraded"}:
        return "unavailable"
    return "degraded" if "degraded" in states else "ok"


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
        status = overall(results)
        return JSONResponse({"status": status, "checks": results}, status_code=503 if status == "unavailable" else 200)

    return router
