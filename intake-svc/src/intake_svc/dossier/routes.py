from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from intake_svc.audit.service import ReadLog
from intake_svc.deps import CalendarDep, CatalogDep, CurrentUser, NowDep, SessionDep, SettingsDep, WorkflowDep
from intake_svc.dossier.models import Dossier, DossierDocument
from intake_svc.dossier.schemas import (
    TRACKING_CODE,
    DeliveryCreate,
    DocumentRead,
    DossierCreate,
    DossierRead,
    HistoryEntry,
    ReceptionDecision,
    SupplementCreate,
    TrackingRead,
    WithdrawCreate,
)
from intake_svc.dossier.service import DossierReader, DossierService
from intake_svc.dossier.status import LABEL_VI, Status
from intake_svc.errors import Conflict, NotFound
from intake_svc.receipt.service import current_documents, letter_pdf, receipt_pdf
from intake_svc.verification.qr import verify_url
from intake_svc.verification.service import VerificationService
from servicekit.auth import Principal, require_roles
from servicekit.idempotency import IdempotencyDep, IdempotentAction
from servicekit.timefmt import vn_times

router = APIRouter(prefix="/api/v1", tags=["dossiers"])

Citizen = Annotated[Principal, require_roles("citizen")]
Reception = Annotated[Principal, require_roles("reception")]
# citizens file online; reception officers register counter and postal dossiers on an applicant's behalf
Filer = Annotated[Principal, require_roles("citizen", "reception")]


async def _read(session: SessionDep, dossier: Dossier, now: datetime,
                written: tuple[list[DossierDocument], dict[uuid.UUID, tuple[str, int]]] | None = None) -> DossierRead:
    """The dossier as its readers see it; ``written``: its documents and their files' facts, when the caller has
    just written them (a submission), instead of reading them back."""
    if written is not None:
        docs, types = written
    else:
        reader = DossierReader(session)
        docs = await reader.documents(dossier)
        types = await reader.file_types(docs)
    return DossierRead(
        code=dossier.code, procedure_code=dossier.procedure_code, procedure_name=dossier.procedure_name,
        procedure_revision=dossier.procedure_revision, level=dossier.level, agency_code=dossier.agency_code,
        status=dossier.status, status_label=LABEL_VI[Status(dossier.status)],
        national_status=dossier.national_status, applicant=dossier.applicant, form_data=dossier.form_data,
        documents=[DocumentRead(requirement_code=d.requirement_code, name=d.name, file_id=d.file_id,
                                original=d.original, copies=d.copies, round=d.round,
                                media_type=types.get(d.file_id, ("application/octet-stream", 0))[0],
                                size=types.get(d.file_id, ("", 0))[1]) for d in docs],
        return_method=dossier.return_method, channel=dossier.channel, submitted_at=dossier.submitted_at,
        reception_due_at=dossier.reception_due_at, reception_overdue=dossier.reception_overdue(now),
        received_at=dossier.received_at,
        due_at=dossier.due_at, completed_at=dossier.completed_at, returned_at=dossier.returned_at,
        supplement_round=dossier.supplement_round, waiting_seconds=dossier.waiting_seconds, version=dossier.version,
        fees_due=dossier.fees_due, fees_paid=dossier.fees_paid or 0, fee_lines=dossier.fee_lines or [],
        payment_pending=bool(dossier.payment_pending),
    )


async def _answer(session: SessionDep, idem: IdempotentAction, dossier: Dossier, status: int,
                  now: datetime, written: tuple[list[DossierDocument], dict[uuid.UUID, tuple[str, int]]] | None = None,
                  ) -> Response:
    # encoded once, by pydantic: the same JSON is sent and kept for a replay (jsonable_encoder's walk and two
    # json.dumps before)
    body = (await _read(session, dossier, now, written)).model_dump_json()
    idem.store_encoded(status, body)
    return Response(body, status_code=status, media_type="application/json")


@router.post("/dossiers", status_code=201, response_model=DossierRead)
async def submit_dossier(idem: IdempotencyDep,
                         body: DossierCreate, request: Request, principal: Filer, session: SessionDep,
                         catalog: CatalogDep, calendar: CalendarDep, now: NowDep) -> Response:
    if (replayed := await idem.start(body.model_dump(mode="json"))) is not None:
        return replayed
    service = DossierService(session, calendar=calendar, catalog=catalog, now=now)
    dossier = await service.submit(principal, body, event_id=idem.event_id)
    return await _answer(session, idem, dossier, 201, now, service.written)


@router.get("/dossiers/{code}", response_model=DossierRead)
async def read_dossier(code: str, principal: CurrentUser, session: SessionDep, calendar: CalendarDep,
                       now: NowDep) -> DossierRead:
    dossier = await DossierService(session, calendar=calendar).visible(principal, code)
    ReadLog(session, now).record(principal, dossier, "dossier")
    return await _read(session, dossier, now)


@router.get("/dossiers/{code}/history", response_model=list[HistoryEntry])
async def read_history(code: str, principal: CurrentUser, session: SessionDep,
                       calendar: CalendarDep) -> list[HistoryEntry]:
    dossier = await DossierService(session, calendar=calendar).visible(principal, code)
    actions = await DossierReader(session).actions(dossier)
    return [HistoryEntry(at=a.at, actor=a.actor_name, actor_id=a.actor_id, role=a.role, action=a.action,
                         from_status=a.from_status, to_status=a.to_status, note=a.note, data=vn_times(a.data or {}))
            for a in actions]


@router.post("/dossiers/{code}/reception", response_model=DossierRead)
async def decide_reception(idem: IdempotencyDep,
                           code: str, body: ReceptionDecision, request: Request, principal: Reception,
                           session: SessionDep, calendar: CalendarDep, catalog: CatalogDep, now: NowDep) -> Response:
    if (replayed := await idem.start(body.model_dump(mode="json"))) is not None:
        return replayed
    dossier = await DossierService(session, calendar=calendar, catalog=catalog, now=now).decide(
        principal, code, body, event_id=idem.event_id)
    return await _answer(session, idem, dossier, 200, now)


@router.post("/dossiers/{code}/supplements", response_model=DossierRead)
async def supplement_dossier(idem: IdempotencyDep,
                             code: str, body: SupplementCreate, request: Request, principal: Citizen,
                             session: SessionDep, calendar: CalendarDep, catalog: CatalogDep, now: NowDep) -> Response:
    if (replayed := await idem.start(body.model_dump(mode="json"))) is not None:
        return replayed
    dossier = await DossierService(session, calendar=calendar, catalog=catalog, now=now).supplement(
        principal, code, body, event_id=idem.event_id)
    return await _answer(session, idem, dossier, 200, now)


@router.post("/dossiers/{code}/withdraw", response_model=DossierRead)
async def withdraw_dossier(idem: IdempotencyDep, code: str, body: WithdrawCreate, request: Request, principal: Citizen,
                           session: SessionDep, calendar: CalendarDep, now: NowDep) -> Response:
    if (replayed := await idem.start(body.model_dump(mode="json"))) is not None:
        return replayed
    dossier = await DossierService(session, calendar=calendar, now=now).withdraw(
        principal, code, body, event_id=idem.event_id)
    return await _answer(session, idem, dossier, 200, now)


@router.post("/dossiers/{code}/delivery", response_model=DossierRead)
async def deliver_result(idem: IdempotencyDep, code: str, body: DeliveryCreate, request: Request, principal: Reception,
                         session: SessionDep, calendar: CalendarDep, now: NowDep) -> Response:
    if (replayed := await idem.start(body.model_dump(mode="json"))) is not None:
        return replayed
    dossier = await DossierService(session, calendar=calendar, now=now).deliver(
        principal, code, body, event_id=idem.event_id)
    return await _answer(session, idem, dossier, 200, now)


async def _receipt(session: SessionDep, catalog: CatalogDep, settings: SettingsDep, dossier: Dossier,
                   now: datetime) -> bytes:
    """Form 01 with the QR code of its public verification page; its hash is recorded so a copy can be checked."""
    docs = await DossierReader(session).documents(dossier)
    actions = await DossierReader(session).actions(dossier)
    officer = next((a.actor_name for a in reversed(actions) if a.action == "accept"), None)
    agency_name = await catalog.agency_name(dossier.agency_code)
    pdf = await asyncio.to_thread(receipt_pdf, dossier, current_documents(docs), officer, agency_name,
                                  verify_url(settings.public_url, dossier.code))
    await VerificationService(session).record_form01(dossier, pdf, agency_name, now)
    return pdf


def _pdf(content: bytes, filename: str) -> Response:
    return Response(content, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "private, no-store"})


@router.get("/dossiers/{code}/receipt", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "Mẫu số 01 (PDF)"}})
async def read_receipt(code: str, principal: CurrentUser, session: SessionDep, calendar: CalendarDep,
                       catalog: CatalogDep, settings: SettingsDep, now: NowDep) -> Response:
    dossier = await DossierService(session, calendar=calendar).visible(principal, code)
    if dossier.received_at is None or dossier.due_at is None:
        raise Conflict("Hồ sơ chưa được tiếp nhận nên chưa có giấy tiếp nhận và hẹn trả kết quả.",
                       slug="not-received")
    ReadLog(session, now).record(principal, dossier, "receipt")
    return _pdf(await _receipt(session, catalog, settings, dossier, now), f"giay-tiep-nhan-{dossier.code}.pdf")


FORM_FILES = {"01": "giay-tiep-nhan", "02": "phieu-yeu-cau-bo-sung", "03": "phieu-tu-choi-tiep-nhan",
              "04": "phieu-xin-loi-hen-lai"}


@router.get("/dossiers/{code}/forms/{form}", response_class=Response,
            responses={200: {"content": {"application/pdf": {}},
                             "description": "Mẫu số 01, 02, 03 (Thông tư 01/2018/TT-VPCP); 04 cho chủ hồ sơ"}})
async def read_form(code: str, form: str, request: Request, principal: CurrentUser, session: SessionDep,
                    calendar: CalendarDep, catalog: CatalogDep, settings: SettingsDep, workflow: WorkflowDep,
                    now: NowDep) -> Response:
    """404 when that form does not exist for the dossier (not received, never asked to supplement, not refused)."""
    dossier = await DossierService(session, calendar=calendar).visible(principal, code)
    missing = NotFound(f"Hồ sơ chưa có mẫu số {form}.")
    if form not in FORM_FILES:
        raise missing
    filename = f"{FORM_FILES[form]}-{dossier.code}.pdf"
    if form == "01":
        if dossier.received_at is None or dossier.due_at is None:
            raise missing
        ReadLog(session, now).record(principal, dossier, "receipt")
        return _pdf(await _receipt(session, catalog, settings, dossier, now), filename)
    actions = await DossierReader(session).actions(dossier)
    if form == "04":
        # issued with an extension (workflow's apology and new appointment); workflow lets the owner read it, so
        # it is asked with the owner's own token
        if dossier.owner_id != principal.id or not any(a.action == "extended" for a in actions):
            raise missing
        return _pdf(await workflow.form(dossier.code, "04", request.headers.get("Authorization", "")), filename)
    agency_name = await catalog.agency_name(dossier.agency_code)
    pdf = await asyncio.to_thread(letter_pdf, dossier, form, actions, agency_name)
    if pdf is None:
        raise missing
    ReadLog(session, now).record(principal, dossier, "form")  # the applicant's name, address and phone
    return _pdf(pdf, filename)


@router.get("/tracking/{code}", response_model=TrackingRead, tags=["tracking"])
async def track_dossier(code: str, session: SessionDep) -> TrackingRead:
    dossier = await DossierReader(session).tracked(code) if TRACKING_CODE.match(code) else None
    if dossier is None:
        raise NotFound("Không tìm thấy hồ sơ với mã này.")
    return TrackingRead(code=dossier.code, procedure_name=dossier.procedure_name, status=dossier.status,
                        status_label=LABEL_VI[Status(dossier.status)], national_status=dossier.national_status,
                        submitted_at=dossier.submitted_at, due_at=dossier.due_at, completed_at=dossier.completed_at)
