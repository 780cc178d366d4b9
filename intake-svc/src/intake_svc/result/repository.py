from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from intake_svc.result.models import ResultDocument


class ResultRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, doc: ResultDocument) -> None:
        self.session.add(doc)

    async def of_dossier(self, dossier_id: uuid.UUID) -> list[ResultDocument]:
        rows = await self.session.scalars(
            select(ResultDocument).where(ResultDocument.dossier_id == dossier_id).order_by(ResultDocument.position))
        return list(rows)

    async def get(self, dossier_id: uuid.UUID, doc_id: uuid.UUID) -> ResultDocument | None:
        return await self.session.scalar(
            select(ResultDocument).where(ResultDocument.dossier_id == dossier_id, ResultDocument.id == doc_id))
