"""Agencies: the list, and an admin adding one under an existing parent."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.agency.models import Agency
from catalog_svc.agency.repository import AgencyRepository
from catalog_svc.agency.schemas import AgencyCreate
from catalog_svc.errors import Conflict, Invalid


class AgencyService:
    def __init__(self, session: AsyncSession) -> None:
        self.repo = AgencyRepository(session)

    async def all(self, parent: str | None) -> Sequence[Agency]:
        return await self.repo.all(parent)

    async def create(self, body: AgencyCreate) -> Agency:
        if await self.repo.get(body.code) is not None:
            raise Conflict(f"Cơ quan có mã {body.code} đã tồn tại.")
        if body.parent_code is not None and await self.repo.get(body.parent_code) is None:
            raise Invalid.field(("body", "parent_code"), f"Không có cơ quan cấp trên mã {body.parent_code}.")
        agency = Agency(code=body.code, name=body.name, parent_code=body.parent_code)
        self.repo.add(agency)
        return agency
