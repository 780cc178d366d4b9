from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from portal.draft.models import Draft


class DraftRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: str, procedure_code: str) -> dict[str, Any] | None:
        data = await self.session.scalar(
            select(Draft.data).where(Draft.user_id == user_id, Draft.procedure_code == procedure_code))
        return dict(data) if data is not None else None

    async def put(self, user_id: str, procedure_code: str, data: dict[str, Any]) -> None:
        stmt = insert(Draft).values(user_id=user_id, procedure_code=procedure_code, data=data)
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=[Draft.user_id, Draft.procedure_code], set_={"data": data, "updated_at": func.now()}))

    async def delete(self, user_id: str, procedure_code: str) -> None:
        await self.session.execute(
            delete(Draft).where(Draft.user_id == user_id, Draft.procedure_code == procedure_code))
