from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from workflow_svc.definition.models import ProcessDefinition


class DefinitionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def latest(self, procedure_code: str) -> ProcessDefinition | None:
        return await self.session.scalar(
            select(ProcessDefinition)
            .where(ProcessDefinition.procedure_code == procedure_code)
            .order_by(ProcessDefinition.version.desc())
            .limit(1)
        )

    async def next_version(self, procedure_code: str) -> int:
        current = await self.session.scalar(
            select(func.max(ProcessDefinition.version)).where(ProcessDefinition.procedure_code == procedure_code)
        )
        return (current or 0) + 1

    async def add(self, row: ProcessDefinition) -> None:
        self.session.add(row)
        await self.session.flush()
