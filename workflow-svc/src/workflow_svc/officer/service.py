"""The agency's officers, projected from the gateway's events: the choice a leader reassigns a task to."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.gateway import OfficerSaved
from servicekit.auth import Principal
from workflow_svc.errors import Forbidden
from workflow_svc.officer.models import Officer
from workflow_svc.officer.repository import OfficerRepository
from workflow_svc.officer.schemas import OfficerRead

WORKING_ROLES = ("reception", "specialist", "leader")


class OfficerService:
    def __init__(self, session: AsyncSession) -> None:
        self.repo = OfficerRepository(session)

    async def saved(self, p: OfficerSaved) -> None:
        """The account as it is now replaces what was known (events of one account arrive in order)."""
        await self.repo.upsert({
            "user_id": p.user_id, "username": p.username, "full_name": p.full_name, "roles": list(p.roles),
            "agency_code": p.agency_code, "department": p.department, "active": p.active,
            "updated_at": datetime.now(UTC)})

    async def of_agency(self, p: Principal, role: str | None) -> list[OfficerRead]:
        if p.agency_code is None or not p.has(*WORKING_ROLES):
            raise Forbidden("Danh sách cán bộ dành cho cán bộ tiếp nhận, chuyên môn hoặc lãnh đạo của cơ quan.")
        return [OfficerRead(id=o.user_id, username=o.username, full_name=o.full_name, roles=list(o.roles),
                            department=o.department)
                for o in await self.repo.of_agency(p.agency_code, role)]

    async def get(self, user_id: str) -> Officer | None:
        return await self.repo.get(user_id)
