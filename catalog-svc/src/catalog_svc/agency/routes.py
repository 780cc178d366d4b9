from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from catalog_svc.agency.schemas import AgencyCreate, AgencyRead
from catalog_svc.agency.service import AgencyService
from catalog_svc.deps import SessionDep
from servicekit.auth import Principal, require_roles
from servicekit.idempotency import IdempotencyDep

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"])


@router.get("/agencies", response_model=list[AgencyRead])
async def list_agencies(
    session: SessionDep,
    parent: str | None = Query(None, max_length=13, description="only the direct children of this agency"),
) -> list[AgencyRead]:
    """Every agency (a plain array, docs/contract.md); the province's agencies number in the hundreds."""
    return [AgencyRead.model_validate(r) for r in await AgencyService(session).all(parent)]


@router.post("/agencies", status_code=201, response_model=AgencyRead)
async def create_agency(idem: IdempotencyDep,
    body: AgencyCreate, request: Request, session: SessionDep,
    admin: Annotated[Principal, require_roles("admin")],
) -> AgencyRead | Response:
    if (replay := await idem.start(body.model_dump())) is not None:
        return replay
    agency = await AgencyService(session).create(body)
    read = AgencyRead.model_validate(agency)
    idem.store(201, read.model_dump(mode="json"))
    return read
