"""``GET /api/v1/audit/verify``: every service's hash-chained audit log verified, side by side.

Each service verifies its own chain (``GET /audit/verify`` beside its ``/readyz``, with the caller's token,
so the service checks the role itself); the gateway adds its own and answers per service
``{entries, valid, first_broken?}``. A service that cannot be asked is reported, never skipped silently.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import aiohttp
from fastapi import APIRouter, Request
from pydantic import BaseModel

from servicekit import audit
from servicekit.auth import Principal, require_roles

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
Inspector = Annotated[Principal, require_roles("admin", "auditor")]
VERIFY_PATH = "/api/v1/audit/verify"


class ChainReport(BaseModel):
    entries: int | None = None
    valid: bool | None = None
    anchors: int | None = None
    first_broken: dict[str, Any] | None = None
    error: str | None = None


class AuditVerification(BaseModel):
    valid: bool
    services: dict[str, ChainReport]


@router.get("/verify", response_model=AuditVerification, response_model_exclude_none=True,
            summary="Kiểm tra chuỗi băm của nhật ký kiểm toán của mọi dịch vụ")
async def verify_audit_chains(principal: Inspector, request: Request) -> AuditVerification:
    session: aiohttp.ClientSession = request.app.state.proxy.session
    upstreams: dict[str, str] = request.app.state.audit_upstreams
    auth = {"Authorization": request.headers.get("authorization", "")}

    async def one(name: str, base: str) -> tuple[str, ChainReport]:
        try:
            async with session.get(base.rstrip("/") + "/audit/verify", headers=auth,
                                   timeout=aiohttp.ClientTimeout(total=300)) as r:
                if r.status != 200:
                    return name, ChainReport(error=f"HTTP {r.status}")
                return name, ChainReport.model_validate(await r.json())
        except (aiohttp.ClientError, TimeoutError) as exc:
            return name, ChainReport(error=f"không kết nối được ({type(exc).__name__})")

    async def own() -> tuple[str, ChainReport]:
        key = request.app.state.audit_key
        async with request.app.state.sessionmaker() as s:
            result = await audit.verify(s, [key.public_key()] if key else [], service="gateway")
        return "gateway", ChainReport.model_validate(result.as_dict())

    results = dict(await asyncio.gather(own(), *(one(n, u) for n, u in upstreams.items())))
    return AuditVerification(valid=all(r.valid is True for r in results.values()), services=results)
