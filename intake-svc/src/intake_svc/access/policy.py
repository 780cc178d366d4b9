"""Who may read a dossier (its detail with the applicant's data, its history and every file in it).

- the applicant who owns it;
- the officers of the agency that received it (desk, specialists, leaders);
- the officers of a partner agency the dossier was handed to (liên thông), while that hand-off is pending
  or once it was carried out (not after the partner refused it or the lead took it back);
- an inspector (``auditor``), for any dossier of the province — reading only: every write needs another role.

Anyone else is told the dossier does not exist (404).

Which files may be named in a dossier's processing (a proposal, a result, a hand-off's answer):
:meth:`AccessPolicy.attachable`. A file already in that dossier; or one the actor uploaded that no other dossier
holds. Never another applicant's upload, nor a file of another dossier (issue: a result that pointed at
anyone's file released one citizen's private upload to another).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from intake_svc.access.repository import AccessRepository
from intake_svc.dossier.models import Dossier
from servicekit.auth import Principal
from servicekit.problems import NotFound


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

    async def attachable_to(self, principal: Principal, code: str, file_ids: Sequence[str]) -> dict[str, str]:
        dossier = await self.repo.dossier(code)
        if dossier is None or not await self.may_read(principal, dossier) or set(principal.roles) == {"auditor"}:
            raise NotFound("Không tìm thấy hồ sơ.")
        return await self.attachable(principal, dossier, file_ids)

    async def attachable(self, principal: Principal, dossier: Dossier, file_ids: Sequence[str]) -> dict[str, str]:
        """Each refused file id with the reason (Vietnamese); an empty answer when all may be attached."""
        parsed: dict[str, uuid.UUID] = {}
        refused: dict[str, str] = {}
        for raw in file_ids:
            try:
                parsed[raw] = uuid.UUID(raw)
            except ValueError:
                refused[raw] = "Mã tệp không hợp lệ."
        files = await self.repo.files_by_id(list(parsed.values()))
        holders = await self.repo.holders(list(files))
        for raw, fid in parsed.items():
            stored = files.get(fid)
            held = holders.get(fid, set())
            if stored is None:
                refused[raw] = "Không tìm thấy tệp trên hệ thống."
            elif dossier.id in held:
                continue
            elif stored.owner_id != principal.id:
                refused[raw] = "Tệp không thuộc hồ sơ này và không do người thực hiện tải lên."
            elif held:
                refused[raw] = "Tệp đã thuộc một hồ sơ khác."
        return refused
