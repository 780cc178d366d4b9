from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from catalog_svc.agency.models import Agency
from catalog_svc.agency.repository import AgencyRepository
from catalog_svc.agency.schemas import AgencyCreate, AgencyRead
from catalog_svc.deps import SessionDep
from catalog_svc.errors import Conflict, Invalid
from servicekit.auth import Principal, require_roles
from servicekit.idempotency import Idempotency

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"])


@router.get("/agencies", response_model=list[AgencyRead])
async def list_agencies(
    session: SessionDep,
    parent: str | None = Query(None, max_length=13, description="only the direct children of this agency"),
) -> list[AgencyRead]:
    """Every agency (a plain array, docs/contract.md); the province's agencies number in the hundreds."""
    return [AgencyRead.model_validate(r) for r in await AgencyRepository(session).all(parent)]


@router.post("/agencies", status_code=201, response_model=AgencyRead)
async def create_agency(
    body: AgencyCreate, request: Request, session: SessionDep,
    admin: Annotated[Principal, require_roles("admin")],
) -> AgencyRead | Response:
    idem = Idempotency(session, request, admin.id, body.model_dump())
    if (replay := await idem.replay()) is not None:
        return replay
    repo = AgencyRepository(session)
    if await repo.get(body.code) is not None:
        raise Conflict(f"Cơ quan có mã {body.code} đã tồn tại.")
    if body.parent_code is not None and await repo.get(body.parent_code) is None:
        raise Invalid.field(("body", "parent_code"), f"Không có cơ quan cấp trên mã {body.parent_code}.")
    agency = Agency(code=body.code, name=body.name, parent_code=body.parent_code)
    repo.add(agency)
    read = AgencyRead.model_validate(agency)
    idem.store(201, read.model_dump(mode="json"))
    return read
