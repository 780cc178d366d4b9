from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from catalog_svc.agency.schemas import AgencyCreate, AgencyDetail, AgencyRead, AgencyUpdate
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


AgencyCode = Annotated[str, Path(max_length=13, description="the agency's code, e.g. 000.00.15.H19")]


@router.get("/agencies/{code}", response_model=AgencyDetail, responses={404: {"description": "no such agency"}})
async def read_agency(code: AgencyCode, session: SessionDep) -> AgencyDetail:
    """One agency with its contact details (address, phone, email)."""
    return AgencyDetail.model_validate(await AgencyService(session).get(code))


@router.patch("/agencies/{code}", response_model=AgencyDetail, responses={404: {"description": "no such agency"}})
async def update_agency(idem: IdempotencyDep, code: AgencyCode, body: AgencyUpdate, request: Request,
                        session: SessionDep, admin: Annotated[Principal, require_roles("admin")],
                        ) -> AgencyDetail | Response:
    """An administrator changes an agency's name, parent or contact details; a field left out stays as it is,
    an empty address, phone or email clears it. The code never changes."""
    if (replay := await idem.start(body.model_dump(exclude_unset=True))) is not None:
        return replay
    agency = await AgencyService(session).update(code, body, event_id=idem.event_id)
    read = AgencyDetail.model_validate(agency)
    idem.store(200, read.model_dump(mode="json"))
    return read
