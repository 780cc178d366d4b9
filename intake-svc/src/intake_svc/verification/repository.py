from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from intake_svc.verification.models import IssuedPaper


class IssuedPaperRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, *, dossier_id: uuid.UUID, form: str, name: str, sha256: str, signer: str | None,
                     issued_at: datetime) -> None:
        """Once per distinct content (a re-download of the same bytes adds nothing)."""
        await self.session.execute(insert(IssuedPaper).values(
            id=uuid.uuid4(), dossier_id=dossier_id, form=form, name=name, sha256=sha256, signer=signer,
            issued_at=issued_at).on_conflict_do_nothing(index_elements=["dossier_id", "sha256"]))

    async def of_dossier(self, dossier_id: uuid.UUID) -> list[IssuedPaper]:
        rows = await self.session.scalars(select(IssuedPaper).where(IssuedPaper.dossier_id == dossier_id)
                                          .order_by(IssuedPaper.issued_at, IssuedPaper.id))
        return list(rows)
