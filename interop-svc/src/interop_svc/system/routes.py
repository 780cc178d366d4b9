from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from interop_svc.deps import SessionDep
from interop_svc.system.models import System
from interop_svc.system.schemas import (
    CertificateRead,
    CertificateRotate,
    SystemCreate,
    SystemCreated,
    SystemRead,
    SystemRevoke,
)
from interop_svc.system.service import SystemService
from servicekit.auth import Principal, require_roles
from servicekit.idempotency import IdempotencyDep

router = APIRouter(prefix="/api/v1/interop/systems", tags=["interop: systems"])
Admin = Annotated[Principal, require_roles("admin")]


def _service(request: Request, session: SessionDep) -> SystemService:
    return SystemService(session, overlap_hours=request.app.state.settings.certificate_overlap_hours,
                         agencies=request.app.state.agencies)


def system_read(system: System) -> SystemRead:
    now = datetime.now(UTC)
    return SystemRead(
        code=system.code, name=system.name, agency_code=system.agency_code, client_id=system.client_id,
        push_url=system.push_url, status=system.status, created_at=system.created_at, revoked_at=system.revoked_at,
        certificates=[
            CertificateRead(
                fingerprint=c.fingerprint, subject=c.subject, key_type=c.key_type, not_before=c.not_before,
                not_after=c.not_after, added_at=c.added_at, valid_until=c.valid_until, revoked_at=c.revoked_at,
                trusted=system.status == "active" and c.trusted_at(now),
            )
            for c in system.certificates
        ],
    )


@router.post("", status_code=201, response_model=SystemCreated)
async def register_system(idem: IdempotencyDep,
                          data: SystemCreate, request: Request, session: SessionDep, admin: Admin) -> Response:
    if (replayed := await idem.start(data.model_dump())) is not None:
        return replayed
    registration = await _service(request, session).register(data, admin)
    body = SystemCreated(**system_read(registration.system).model_dump(), client_secret=registration.client_secret)
    # The secret is shown once: a replay with the same Idempotency-Key answers without it.
    idem.store(201, body.model_copy(update={"client_secret": None}).model_dump(mode="json"))
    return JSONResponse(body.model_dump(mode="json"), status_code=201)


@router.get("", response_model=list[SystemRead])
async def list_systems(request: Request, session: SessionDep, admin: Admin) -> list[SystemRead]:
    return [system_read(s) for s in await _service(request, session).list()]


@router.get("/{code}", response_model=SystemRead)
async def get_system(code: str, request: Request, session: SessionDep, admin: Admin) -> SystemRead:
    return system_read(await _service(request, session).get(code))


@router.put("/{code}/certificate", response_model=SystemRead)
async def rotate_certificate(
    code: str, data: CertificateRotate, request: Request, session: SessionDep, admin: Admin
) -> SystemRead:
    return system_read(await _service(request, session).rotate_certificate(code, data))


@router.post("/{code}/certificates/{fingerprint}/revoke", response_model=SystemRead)
async def revoke_certificate(
    code: str, fingerprint: str, request: Request, session: SessionDep, admin: Admin
) -> SystemRead:
    return system_read(await _service(request, session).revoke_certificate(code, fingerprint))


@router.post("/{code}/revoke", response_model=SystemRead)
async def revoke_system(
    code: str, request: Request, session: SessionDep, admin: Admin, data: SystemRevoke | None = None
) -> SystemRead:
    return system_read(await _service(request, session).revoke(code, data.reason if data else None))
