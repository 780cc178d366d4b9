from __future__ import annotations

from fastapi import APIRouter

from catalog_svc.deps import SessionDep
from catalog_svc.sector.schemas import SectorRead
from catalog_svc.sector.service import SectorService

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"])


@router.get("/sectors", response_model=list[SectorRead])
async def list_sectors(session: SessionDep) -> list[SectorRead]:
    """Every sector, by name: a plain array (docs/contract.md), the list is small and bounded."""
    return [SectorRead.model_validate(r) for r in await SectorService(session).all()]
