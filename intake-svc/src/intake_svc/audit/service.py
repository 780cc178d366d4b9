"""The read log: who (id, name, roles, agency) read which personal data or document of which dossier, when.

Written in the reading request's own transaction (one small INSERT), so a read that is answered is logged.
The applicant reading their own dossier is not logged.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from intake_svc.access.policy import is_owner
from intake_svc.audit.models import ReadEntry
from intake_svc.audit.repository import ReadLogRepository
from intake_svc.dossier.models import Dossier
from intake_svc.file.models import StoredFile
from servicekit.auth import Principal

What = Literal["dossier", "file", "receipt", "form"]


class ReadLog:
    def __init__(self, session: AsyncSession, now: datetime | None = None) -> None:
        self.repo = ReadLogRepository(session)
        self.now = now or datetime.now(UTC)

    def record(self, principal: Principal, dossier: Dossier, what: What, file: StoredFile | None = None) -> None:
        if is_owner(principal, dossier):
            return
        roles = ",".join(r for r in principal.roles if r != "citizen") or ",".join(principal.roles) or "-"
        self.repo.add(ReadEntry(
            at=self.now, actor_id=principal.id, actor_name=principal.full_name or principal.username,
            role=roles[:120], agency_code=principal.agency_code, dossier_id=dossier.id, dossier_code=dossier.code,
            what=what, file_id=file.id if file else None, file_name=file.name if file else None))

    async def page(self, *, dossier_code: str | None, actor_id: str | None, page: int,
                   size: int) -> tuple[list[ReadEntry], int]:
        return await self.repo.page(dossier_code=dossier_code, actor_id=actor_id, page=page, size=size)
