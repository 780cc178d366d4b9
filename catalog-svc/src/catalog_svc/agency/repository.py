from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.agency.models import Agency


class AgencyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, code: str) -> Agency | None:
        return await self.session.get(Agency, code)

    async def existing(self, codes: set[str]) -> set[str]:
        if not codes:
            return set()
        return set((await self.session.scalars(select(Agency.code).where(Agency.code.in_(codes)))).all())

    async def all(self, parent: str | None) -> Sequence[Agency]:
        query = select(Agency)
        if parent is not None:
            query = query.where(Agency.parent_code == parent)
        return (await self.session.scalars(query.order_by(Agency.code))).all()

    def add(self, agency: Agency) -> None:
        self.session.add(agency)

    async def upsert_missing(self, agencies: list[dict[str, str | None]]) -> int:
        """Inserts parents before children (the list is ordered so that parents come first)."""
        added = 0
        for row in agencies:
            result = await self.session.execute(
                insert(Agency).values(row).on_conflict_do_nothing(index_elements=["code"]).returning(Agency.code))
            added += len(result.all())
        return added
