from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from intake_svc.dossier.models import Dossier
from intake_svc.rating.models import DossierRating


class RatingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of_dossier(self, dossier_id: uuid.UUID, *, lock: bool = False) -> DossierRating | None:
        query = select(DossierRating).where(DossierRating.dossier_id == dossier_id)
        return await self.session.scalar(query.with_for_update() if lock else query)

    def add(self, rating: DossierRating) -> None:
        self.session.add(rating)

    async def lock_dossier(self, dossier_id: uuid.UUID) -> None:
        """Two ratings of one dossier sent at once are decided one after the other."""
        await self.session.execute(select(Dossier.id).where(Dossier.id == dossier_id).with_for_update())
