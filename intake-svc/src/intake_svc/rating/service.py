"""The applicant's satisfaction rating: once, by the owner, after the result was returned (national status 10).
The event carries the levels (not the comment) to the statistics, where they make the satisfaction indicator."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.intake import DossierRated
from intake_svc.dossier.models import Dossier
from intake_svc.dossier.service import DossierService
from intake_svc.dossier.status import Status
from intake_svc.errors import Conflict, NotFound
from intake_svc.rating.models import DossierRating
from intake_svc.rating.repository import RatingRepository
from intake_svc.rating.schemas import RatingCreate
from servicekit.auth import Principal
from vncalendar import WorkCalendar


class RatingService:
    def __init__(self, session: AsyncSession, *, calendar: WorkCalendar, now: datetime | None = None) -> None:
        self.dossiers = DossierService(session, calendar=calendar, now=now)
        self.now = self.dossiers.now
        self.repo = RatingRepository(session)
        self.session = session

    async def rate(self, principal: Principal, code: str, body: RatingCreate, *,
                   event_id: str | None) -> tuple[Dossier, DossierRating]:
        dossier = await self.dossiers.owned(principal, code)
        await self.repo.lock_dossier(dossier.id)
        if dossier.status != Status.RETURNED:
            raise Conflict("Chỉ đánh giá được hồ sơ đã trả kết quả.", slug="not-returned", status_now=dossier.status)
        if await self.repo.of_dossier(dossier.id) is not None:
            raise Conflict("Hồ sơ này đã được đánh giá; mỗi hồ sơ chỉ đánh giá một lần.", slug="already-rated")
        rating = DossierRating(
            dossier_id=dossier.id, agency_code=dossier.agency_code, procedure_code=dossier.procedure_code,
            rater_id=principal.id, overall=body.overall, timeliness=body.timeliness, conduct=body.conduct,
            guidance=body.guidance, comment=(body.comment or "").strip() or None, rated_at=self.now)
        self.repo.add(rating)
        await self.session.flush()
        self.dossiers._emit(dossier, DossierRated, principal.id, event_id, overall=body.overall,
                            timeliness=body.timeliness, conduct=body.conduct, guidance=body.guidance,
                            rated_at=self.now)
        return dossier, rating

    async def read(self, principal: Principal, code: str) -> tuple[Dossier, DossierRating]:
        dossier = await self.dossiers.owned(principal, code)
        rating = await self.repo.of_dossier(dossier.id)
        if rating is None:
            raise NotFound("Hồ sơ chưa được đánh giá.")
        return dossier, rating
