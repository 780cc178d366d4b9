from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from intake_svc.deps import CalendarDep, NowDep, SessionDep
from intake_svc.rating.models import DossierRating
from intake_svc.rating.schemas import RatingCreate, RatingRead
from intake_svc.rating.service import RatingService
from servicekit.auth import Principal, require_roles
from servicekit.idempotency import IdempotencyDep

router = APIRouter(prefix="/api/v1", tags=["ratings"])

Citizen = Annotated[Principal, require_roles("citizen")]


def _read(code: str, r: DossierRating) -> RatingRead:
    return RatingRead(code=code, overall=r.overall, timeliness=r.timeliness, conduct=r.conduct, guidance=r.guidance,
                      comment=r.comment, rated_at=r.rated_at)


@router.post("/dossiers/{code}/rating", status_code=201, response_model=RatingRead,
             responses={409: {"description": "not returned yet, or already rated"}})
async def rate_dossier(idem: IdempotencyDep, code: str, body: RatingCreate, principal: Citizen, session: SessionDep,
                       calendar: CalendarDep, now: NowDep) -> Response:
    """The owner rates a returned dossier once; a second rating is 409."""
    if (replayed := await idem.start(body.model_dump(mode="json"))) is not None:
        return replayed
    dossier, rating = await RatingService(session, calendar=calendar, now=now).rate(
        principal, code, body, event_id=idem.event_id)
    answer = jsonable_encoder(_read(dossier.code, rating))
    idem.store(201, answer)
    return JSONResponse(answer, status_code=201)


@router.get("/dossiers/{code}/rating", response_model=RatingRead)
async def read_rating(code: str, principal: Citizen, session: SessionDep, calendar: CalendarDep) -> RatingRead:
    dossier, rating = await RatingService(session, calendar=calendar).read(principal, code)
    return _read(dossier.code, rating)
