from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from intake_svc.deps import CalendarDep, CatalogDep, CurrentUser, NowDep, SessionDep, SettingsDep
from intake_svc.feedback.models import Feedback
from intake_svc.feedback.schemas import (
    STATUS_VI,
    FeedbackAnswer,
    FeedbackCreate,
    FeedbackPage,
    FeedbackRead,
    PublicFeedback,
    PublicFeedbackPage,
)
from intake_svc.feedback.service import FeedbackService, redact
from servicekit.auth import Principal, require_roles
from servicekit.idempotency import IdempotencyDep

router = APIRouter(prefix="/api/v1", tags=["feedback"])

Citizen = Annotated[Principal, require_roles("citizen")]
PageNo = Annotated[int, Query(ge=1, le=100_000)]
Size = Annotated[int, Query(ge=1, le=100)]
AgencyQ = Annotated[str | None, Query(min_length=1, max_length=20)]


def _read(f: Feedback, names: dict[str, str], principal: Principal, now: datetime) -> FeedbackRead:
    officer = principal.is_officer
    return FeedbackRead(
        id=f.id, about=f.about, ref=f.ref, subject_name=f.subject_name, agency_code=f.agency_code,  # type: ignore[arg-type]
        agency_name=names.get(f.agency_code), title=f.title, body=f.body, status=f.status,  # type: ignore[arg-type]
        status_label=STATUS_VI[f.status], received_at=f.received_at, due_at=f.due_at,
        overdue=f.overdue(now),
        answer=f.answer, answered_at=f.answered_at, answered_by_name=f.answered_by_name, public=f.public,
        author_name=f.author_name if officer else None)


def _service(session: SessionDep, calendar: CalendarDep, settings: SettingsDep, catalog: CatalogDep | None = None,
             now: datetime | None = None) -> FeedbackService:
    return FeedbackService(session, calendar=calendar, days=settings.feedback_days, catalog=catalog, now=now)


@router.post("/feedback", status_code=201, response_model=FeedbackRead)
async def send_feedback(idem: IdempotencyDep, body: FeedbackCreate, principal: Citizen, session: SessionDep,
                        calendar: CalendarDep, settings: SettingsDep, catalog: CatalogDep, now: NowDep) -> Response:
    """Feedback about one of the citizen's dossiers, a procedure or an agency; routed to the agency concerned."""
    if (replayed := await idem.start(body.model_dump(mode="json"))) is not None:
        return replayed
    f = await _service(session, calendar, settings, catalog, now).send(principal, body, event_id=idem.event_id)
    answer = jsonable_encoder(_read(f, await catalog.agency_names(), principal, now))
    idem.store(201, answer)
    return JSONResponse(answer, status_code=201)


@router.get("/feedback", response_model=FeedbackPage)
async def list_feedback(principal: CurrentUser, session: SessionDep, calendar: CalendarDep, settings: SettingsDep,
                        catalog: CatalogDep, now: NowDep,
                        status: Annotated[Literal["open", "answered"] | None, Query()] = None,
                        overdue: Annotated[bool, Query(description="only those unanswered past the deadline")] = False,
                        agency: AgencyQ = None, page: PageNo = 1, size: Size = 20) -> FeedbackPage:
    """A citizen's own; officers: their agency's (admin and auditors: any, ``agency`` filters)."""
    rows, total = await _service(session, calendar, settings, now=now).page(
        principal, status=status, overdue=overdue, agency=agency, page=page, size=size)
    names = await catalog.agency_names()
    return FeedbackPage(items=[_read(f, names, principal, now) for f in rows], total=total, page=page, size=size)


@router.get("/feedback/{feedback_id}", response_model=FeedbackRead)
async def read_feedback(feedback_id: uuid.UUID, principal: CurrentUser, session: SessionDep, calendar: CalendarDep,
                        settings: SettingsDep, catalog: CatalogDep, now: NowDep) -> FeedbackRead:
    f = await _service(session, calendar, settings, now=now).visible(principal, feedback_id)
    return _read(f, await catalog.agency_names(), principal, now)


@router.post("/feedback/{feedback_id}/answer", response_model=FeedbackRead)
async def answer_feedback(idem: IdempotencyDep, feedback_id: uuid.UUID, body: FeedbackAnswer, principal: CurrentUser,
                          session: SessionDep, calendar: CalendarDep, settings: SettingsDep, catalog: CatalogDep,
                          now: NowDep) -> Response:
    """An officer of the agency answers; ``public`` publishes the question and the answer without personal data."""
    if (replayed := await idem.start(body.model_dump(mode="json"))) is not None:
        return replayed
    f = await _service(session, calendar, settings, now=now).answer(principal, feedback_id, body,
                                                                    event_id=idem.event_id)
    answer = jsonable_encoder(_read(f, await catalog.agency_names(), principal, now))
    idem.store(200, answer)
    return JSONResponse(answer, status_code=200)


@router.get("/public/feedback", response_model=PublicFeedbackPage, tags=["public"])
async def list_public_feedback(session: SessionDep, calendar: CalendarDep, settings: SettingsDep,
                               catalog: CatalogDep, agency: AgencyQ = None, page: PageNo = 1,
                               size: Size = 20) -> PublicFeedbackPage:
    """Answers the agencies published: no author, no dossier code, identifiers in the text hidden."""
    rows, total = await _service(session, calendar, settings).public_page(agency=agency, page=page, size=size)
    names = await catalog.agency_names()
    items = []
    for f in rows:
        assert f.answer is not None and f.answered_at is not None
        hide = [f.author_name, f.ref if f.about == "dossier" else None]
        items.append(PublicFeedback(
            id=f.id, about=f.about, subject_name=f.subject_name, agency_code=f.agency_code,  # type: ignore[arg-type]
            agency_name=names.get(f.agency_code), title=redact(f.title, hide), body=redact(f.body, hide),
            received_at=f.received_at, answer=redact(f.answer, hide), answered_at=f.answered_at))
    return PublicFeedbackPage(items=items, total=total, page=page, size=size)
