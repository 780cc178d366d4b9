from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from interop_svc.deps import SessionDep
from interop_svc.push.service import deliveries_of
from interop_svc.system.service import SystemService
from servicekit.auth import Principal, require_roles
from servicekit.timefmt import VNDateTime

router = APIRouter(prefix="/api/v1/interop/systems", tags=["interop: systems"])
Admin = Annotated[Principal, require_roles("admin")]


class PushDeliveryRead(BaseModel):
    id: int
    dossier_code: str
    change_seq: int
    message_id: str
    status: str
    attempts: int
    next_attempt_at: VNDateTime
    last_status_code: int | None
    last_error: str | None
    created_at: VNDateTime
    delivered_at: VNDateTime | None


@router.get("/{code}/push", response_model=list[PushDeliveryRead])
async def list_push_deliveries(
    code: str,
    session: SessionDep,
    admin: Admin,
    status: Annotated[Literal["pending", "delivered", "failed"] | None, Query(description="trạng thái")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[PushDeliveryRead]:
    """Push deliveries to this system, newest first (``status=failed``: what never arrived, with the last error)."""
    system = await SystemService(session).get(code)
    rows = await deliveries_of(session, system, status, limit)
    return [
        PushDeliveryRead(id=r.id, dossier_code=r.dossier_code, change_seq=r.change_seq, message_id=r.message_id,
                         status=r.status, attempts=r.attempts, next_attempt_at=r.next_attempt_at,
                         last_status_code=r.last_status_code, last_error=r.last_error, created_at=r.created_at,
                         delivered_at=r.delivered_at)
        for r in rows
    ]
