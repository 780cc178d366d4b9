from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notify_svc.contact.models import DossierContact, DossierTask


class ContactRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert_contact(self, code: str, **values: Any) -> None:
        """Keeps what is known: a later event without a field does not erase it."""
        values = {k: v for k, v in values.items() if v is not None}
        stmt = insert(DossierContact).values(code=code, updated_at=datetime.now(UTC), **values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[DossierContact.code],
            set_={**{k: getattr(stmt.excluded, k) for k in values}, "updated_at": func.now()},
        )
        await self.session.execute(stmt)

    async def contact(self, code: str) -> DossierContact | None:
        return await self.session.get(DossierContact, code)

    async def upsert_task(self, code: str, *, role: str, agency_code: str, assignee_id: str | None,
                          step: str | None, at: datetime) -> None:
        """The latest assignment wins; an older event arriving late does not overwrite a newer one."""
        values = {"role": role, "agency_code": agency_code, "assignee_id": assignee_id, "step": step, "at": at}
        stmt = insert(DossierTask).values(code=code, **values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[DossierTask.code], set_={k: getattr(stmt.excluded, k) for k in values},
            where=DossierTask.at <= stmt.excluded.at,
        )
        await self.session.execute(stmt)

    async def task(self, code: str) -> DossierTask | None:
        return (await self.session.scalars(select(DossierTask).where(DossierTask.code == code))).one_or_none()
