from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from workflow_svc.officer.models import Officer


class OfficerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert(self, values: dict[str, Any]) -> None:
        stmt = insert(Officer).values(**values)
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=[Officer.user_id], set_={k: stmt.excluded[k] for k in values if k != "user_id"}))

    async def get(self, user_id: str) -> Officer | None:
        return await self.session.get(Officer, user_id)

    async def of_agency(self, agency: str, role: str | None) -> list[Officer]:
        q = select(Officer).where(Officer.agency_code == agency, Officer.active)
        if role is not None:
            q = q.where(Officer.roles.contains([role]))
        return list(await self.session.scalars(q.order_by(Officer.full_name, Officer.username)))
