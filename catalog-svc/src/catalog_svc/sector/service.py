"""Sectors: read-only through the API (the catalog loader fills them)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.sector.models import Sector
from catalog_svc.sector.repository import SectorRepository


class SectorService:
    def __init__(self, session: AsyncSession) -> None:
        self.repo = SectorRepository(session)

    async def all(self) -> Sequence[Sector]:
        return await self.repo.all()
