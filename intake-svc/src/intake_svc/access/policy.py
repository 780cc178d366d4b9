"""Who may read a dossier (its detail with the applicant's data, its history and every file in it).

- the applicant who owns it;
- the officers of the agency that received it (desk, specialists, leaders);
- the officers of a partner agency the dossier was handed to (liên thông), while that hand-off is pending
  or once it was carried out (not after the partner refused it or the lead took it back);
- an inspector (``auditor``), for any dossier of the province — reading only: every write needs another role.

Anyone else is told the dossier does not exist (404).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from intake_svc.access.repository import AccessRepository
from intake_svc.dossier.models import Dossier
from servicekit.auth import Principal


def is_owner(principal: Principal, dossier: Dossier) -> bool:
    return dossier.owner_id is not None and dossier.owner_id == principal.id and principal.has("citizen")


class AccessPolicy:
    def __init__(self, session: AsyncSession) -> None:
        self.repo = AccessRepository(session)

    async def may_read(self, principal: Principal, dossier: Dossier) -> bool:
        if is_owner(principal, dossier):
            return True
        if not principal.is_officer:
            return False
        if principal.has("auditor"):
            return True
        if principal.agency_code is None:
            return False
        if principal.agency_code == dossier.agency_code:
            return True
        return await self.repo.is_partner(dossier.id, principal.agency_code)
