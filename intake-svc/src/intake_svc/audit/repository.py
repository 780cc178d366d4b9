from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from intake_svc.audit.models import ReadEntry


class ReadLogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, entry: ReadEntry) -> None:
        self.session.add(entry)

    async def page(self, *, dossier_code: str | None, actor_id: str | None, page: int,
                   size: int) -> tuple[list[ReadEntry], int]:
        conds = []
        if dossier_code is not None:
            conds.append(ReadEntry.dossier_code == dossier_code)
        if actor_id is not None:
            conds.append(ReadEntry.actor_id == actor_id)
        total = int(await self.session.scalar(select(func.count()).select_from(ReadEntry).where(*conds)) or 0)
        rows = await self.session.scalars(
            select(ReadEntry).where(*conds).order_by(ReadEntry.id.desc()).offset((page - 1) * size).limit(size))
        return list(rows), total
