from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, union
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from intake_svc.access.models import ACTIVE_PARTNER, DossierPartner, ProcessFile
from intake_svc.dossier.models import Dossier, DossierDocument
from intake_svc.file.models import StoredFile
from intake_svc.result.models import ResultDocument


class AccessRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def is_partner(self, dossier_id: uuid.UUID, agency_code: str) -> bool:
        return bool(await self.session.scalar(
            select(DossierPartner.agency_code).where(
                DossierPartner.dossier_id == dossier_id, DossierPartner.agency_code == agency_code,
                DossierPartner.status.in_(ACTIVE_PARTNER))))

    async def set_partner(self, dossier_id: uuid.UUID, agency_code: str, handoff_id: str, status: str,
                          at: datetime, *, new_handoff: bool) -> None:
        """A new hand-off replaces the agency's row (a repeated request event changes nothing); an outcome
        applies only to the hand-off it answers."""
        stmt = insert(DossierPartner).values(dossier_id=dossier_id, agency_code=agency_code, handoff_id=handoff_id,
                                             status=status, updated_at=at)
        excluded = stmt.excluded
        where = (DossierPartner.handoff_id != excluded.handoff_id) if new_handoff \
            else (DossierPartner.handoff_id == excluded.handoff_id)
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=[DossierPartner.dossier_id, DossierPartner.agency_code],
            set_={"handoff_id": excluded.handoff_id, "status": excluded.status, "updated_at": excluded.updated_at},
            where=where))

    async def existing_files(self, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        if not ids:
            return set()
        return set(await self.session.scalars(select(StoredFile.id).where(StoredFile.id.in_(list(ids)))))

    async def add_process_files(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(insert(ProcessFile).values(rows).on_conflict_do_nothing(
                index_elements=[ProcessFile.dossier_id, ProcessFile.file_id]))

    async def dossiers_of_file(self, file_id: uuid.UUID) -> list[Dossier]:
        """The dossiers holding the file: as one of the applicant's documents or attached during processing."""
        ids = union(select(DossierDocument.dossier_id).where(DossierDocument.file_id == file_id),
                    select(ProcessFile.dossier_id).where(ProcessFile.file_id == file_id)).subquery()
        rows = await self.session.scalars(select(Dossier).where(Dossier.id.in_(select(ids.c.dossier_id)))
                                          .order_by(Dossier.submitted_at))
        return list(rows)

    async def dossier(self, code: str) -> Dossier | None:
        return await self.session.scalar(select(Dossier).where(Dossier.code == code))

    async def files_by_id(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, StoredFile]:
        if not ids:
            return {}
        return {f.id: f for f in await self.session.scalars(select(StoredFile).where(StoredFile.id.in_(list(ids))))}

    async def holders(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, set[uuid.UUID]]:
        """For each file, the dossiers holding it (applicant's documents, processing files, results)."""
        if not ids:
            return {}
        rows: Any = union(
            select(DossierDocument.file_id, DossierDocument.dossier_id).where(DossierDocument.file_id.in_(ids)),
            select(ProcessFile.file_id, ProcessFile.dossier_id).where(ProcessFile.file_id.in_(ids)),
            select(ResultDocument.source_file_id, ResultDocument.dossier_id).where(
                ResultDocument.source_file_id.in_(ids)),
            select(ResultDocument.file_id, ResultDocument.dossier_id).where(ResultDocument.file_id.in_(ids)),
        )
        out: dict[uuid.UUID, set[uuid.UUID]] = {}
        for file_id, dossier_id in (await self.session.execute(rows)).all():
            out.setdefault(file_id, set()).add(dossier_id)
        return out

    async def process_files(self, dossier_id: uuid.UUID) -> list[ProcessFile]:
        rows = await self.session.scalars(
            select(ProcessFile).where(ProcessFile.dossier_id == dossier_id).order_by(ProcessFile.id))
        return list(rows)
