from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.form.models import FormBlob, ProcedureForm


class FormRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def store_blob(self, sha256: str, content: bytes) -> None:
        await self.session.execute(
            insert(FormBlob).values(sha256=sha256, size=len(content), content=content)
            .on_conflict_do_nothing(index_elements=["sha256"]))

    def add(self, form: ProcedureForm) -> None:
        self.session.add(form)

    async def get(self, procedure_code: str, form_id: uuid.UUID) -> ProcedureForm | None:
        return await self.session.scalar(
            select(ProcedureForm).where(ProcedureForm.id == form_id, ProcedureForm.procedure_code == procedure_code))

    async def content(self, sha256: str) -> bytes | None:
        return await self.session.scalar(select(FormBlob.content).where(FormBlob.sha256 == sha256))
