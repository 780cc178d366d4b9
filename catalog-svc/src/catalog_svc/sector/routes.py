from __future__ import annotations

from fastapi import APIRouter, Query

from catalog_svc.deps import SessionDep
from catalog_svc.procedure.schemas import Page
from catalog_svc.sector.repository import SectorRepository
from catalog_svc.sector.schemas import SectorRead

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"])


@router.get("/sectors", response_model=Page[SectorRead])
async def list_sectors(
    session: SessionDep, page: int = Query(1, ge=1), size: int = Query(100, ge=1, le=500)
) -> Page[SectorRead]:
    rows, total = await SectorRepository(session).page((page - 1) * size, size)
    return Page[SectorRead](items=[SectorRead.model_validate(r) for r in rows], total=total, page=page, size=size)
