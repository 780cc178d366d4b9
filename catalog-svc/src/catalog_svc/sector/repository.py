from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.sector.models import Sector


class SectorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, code: str) -> Sector | None:
        return await self.session.get(Sector, code)

    async def all(self) -> Sequence[Sector]:
        return (await self.session.scalars(select(Sector).order_by(Sector.name, Sector.code))).all()

    async def upsert_missing(self, sectors: list[dict[str, str]]) -> int:
        if not sectors:
            return 0
        result = await self.session.execute(
            insert(Sector).values(sectors).on_conflict_do_nothing(index_elements=["code"]).returning(Sector.code))
        return len(result.all())
