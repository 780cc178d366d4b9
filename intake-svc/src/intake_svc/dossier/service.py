"""The front-office rules: submission, the reception desk's decisions, supplements, withdrawal, the
status changes that arrive from processing, and the hand-over of the result.

Every change is one appended ``dossier_actions`` row plus the cached status on the dossier, written
with an optimistic version check, and the matching event in the outbox, all in the caller's transaction.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.intake import (
    DossierAccepted,
    DossierDelivered,
    DossierEvent,
    DossierRefused,
    DossierSubmitted,
    DossierSupplemented,
    DossierSupplementRequested,
    DossierWithdrawn,
)
from contracts.vocabulary import VN_TZ as VN
from contracts.vocabulary import Channel, NationalStatus, ReturnMethod
from formschema import FormSchema, form_errors
from intake_svc.access.policy import AccessPolicy
from intake_svc.access.repository import AccessRepository
from intake_svc.catalog.client import CatalogClient, Procedure
from intake_svc.dossier.models import Dossier, DossierAction, DossierDocument
from intake_svc.dossier.repository import DossierRepository
from intake_svc.dossier.schemas import (
    DeliveryCreate,
    DocumentRef,
    DossierCreate,
    ReceptionDecision,
    SupplementCreate,
    WithdrawCreate,
)
from intake_svc.dossier.status import (
    FROM_NATIONAL,
    INFO_ACTIONS,
    LABEL_VI,
    NATIONAL,
    Status,
    national_of,
    next_status,
)
from intake_svc.errors import Conflict, Invalid, NotFound
from intake_svc.file.models import StoredFile
from intake_svc.file.repository import FileRepository
from intake_svc.payment.fees import assess
from servicekit.auth import Principal
from servicekit.outbox import add_event
from servicekit.problems import Problem
from vncalendar import WorkCalendar

log = logging.getLogger(__name__)

SOURCE = "/intake-svc"
MIN_ONLINE_LEVEL = 3
RECEPTION_LIMIT = timedelta(hours=8)  # working hours (Decree 45/2020, Art. 15)

ACTION_VI = {
    "accept": "tiếp nhận", "request_supplement": "yêu cầu bổ sung", "refuse": "từ chối tiếp nhận",
    "supplement": "bổ sung", "withdraw": "rút hồ sơ", "deliver": "trả kết quả",
}


@dataclass(frozen=True)
class Actor:
    id: str | None
    name: str | None
    role: str

    @classmethod
    def of(cls, principal: Principal, role: str) -> Actor:
        return cls(principal.id, principal.full_name or principal.username, role)


def dossier_code(agency_code: str, day: datetime, n: int) -> str:
    return f"{agency_code}-{day.astimezone(VN):%y%m%d}-{n:04d}"


class DossierReader:
    """Reads that need no calendar or catalog: a dossier's documents, its action log, public tracking."""

    def __init__(self, session: AsyncSession) -> None:
        self.repo = DossierRepository(session)

    async def documents(self, dossier: Dossier) -> list[DossierDocument]:
        return await self.repo.documents(dossier.id)

    async def file_types(self, docs: list[DossierDocument]) -> dict[uuid.UUID, tuple[str, int]]:
        return await self.repo.file_types([d.file_id for d in docs])

    async def actions(self, dossier: Dossier) -> list[DossierAction]:
        return await self.repo.actions(dossier.id)

    async def tracked(self, code: str) -> Dossier | None:
        """The dossier a tracking code names, for the public tracking page (no caller: no access check)."""
        return await self.repo.by_code(code)


class DossierService:
    def __init__(self, session: AsyncSession, *, calendar: WorkCalendar, catalog: CatalogClient | None = None,
                 now: datetime | None = None) -> None:
        self.session = session
        self.repo = DossierRepository(session)
        self.files = FileRepository(session)
        self.catalog = catalog
        self.calendar = calendar
        self.now = now or datetime.now(VN)
        self._owned: dict[uuid.UUID, StoredFile] = {}  # the caller's files read while checking documents
        # what submit() wrote: the documents and their files' (media type, size), for the answer without reading
        # them back
        self.written: tuple[list[DossierDocument], dict[uuid.UUID, tuple[str, int]]] | None = None

    # reads -------------------------------------------------------------------------------------

    async def visible(self, principal: Principal, code: str) -> Dossier:
        """A dossier the caller may read (access/policy.py: owner, its agency, partners, auditors); else 404."""
        dossier = await self.repo.by_code(code)
        if dossier is None or not await AccessPolicy(self.session).may_read(principal, dossier):
            raise NotFound("Không tìm thấy hồ sơ.")
        return dossier

    async def for_reception(self, principal: Principal, code: str) -> Dossier:
        dossier = await self.repo.by_code(code)
        if dossier is None or not principal.agency_code or dossier.agency_code != principal.agency_code:
            raise NotFound("Không tìm thấy hồ sơ.")
        return dossier

    async def owned(self, principal: Principal, code: str) -> Dossier:
        dossier = await self.repo.by_code(code)
        if dossier is None or dossier.owner_id != principal.id:
            raise NotFound("Không tìm thấy hồ sơ.")
        return dossier

    # submission --------------------------------------------------------------------------------

    async def _documents(
        self, principal: Principal, procedure: dict[str, Any], refs: list[DocumentRef], *, require_all: bool,
        dossier: Dossier | None = None,
    ) -> list[DossierDocument]:
        """Checks the references against the pinned procedure and the caller's own files; 422 naming each.
        An officer's upload (counter intake) that another dossier already holds belongs to that dossier's
        applicant: it is refused like a file of someone else."""
        reqs = {d["code"]: d for d in procedure["documents"]}
        files = await self.files.owned(principal.id, [r.file_id for r in refs])
        self._owned.update(files)
        if principal.is_officer and files:
            held = await AccessRepository(self.session).holders(list(files))
            files = {fid: f for fid, f in files.items()
                     if not held.get(fid) or (dossier is not None and held[fid] == {dossier.id})}
        errors: list[dict[str, Any]] = []
        docs: list[DossierDocument] = []
        for i, ref in enumerate(refs):
            req = reqs.get(ref.requirement_code)
            if req is None:
                errors.append({"loc": ["body", "documents", i, "requirement_code"],
                               "msg": f"Thủ tục không có thành phần hồ sơ mã {ref.requirement_code}."})
                continue
            if ref.file_id not in files:
                errors.append({"loc": ["body", "documents", i, "file_id"],
                               "msg": f"Không tìm thấy tệp đính kèm cho thành phần {ref.requirement_code}."})
                continue
            docs.append(DossierDocument(requirement_code=req["code"], name=req["name"], file_id=ref.file_id,
                                        original=bool(req.get("original")), copies=int(req.get("copies") or 1)))
        if require_all:
            given = {r.requirement_code for r in refs}
            for req in procedure["documents"]:
                if req.get("required") and req["code"] not in given:
                    errors.append({"loc": ["body", "documents", req["code"]],
                                   "msg": f"Thiếu thành phần hồ sơ bắt buộc: {req['name']} ({req['code']})."})
        if errors:
            missing = [e["msg"] for e in errors]
            raise Invalid("Hồ sơ chưa hợp lệ: " + " ".join(missing), errors=errors)
        return docs

    async def _document_facts(self, principal: Principal, docs: list[DossierDocument]) -> list[dict[str, Any]]:
        """What one-stop software needs of each attached file (the events carry it)."""
        ids = [d.file_id for d in docs]
        # read by _documents a moment ago (the caller's own files): no second query
        files = ({i: self._owned[i] for i in ids} if all(i in self._owned for i in ids)
                 else await self.files.owned(principal.id, ids))
        facts = []
        for d in docs:
            f = files.get(d.file_id)
            facts.append({"file_id": str(d.file_id), "name": d.name, "requirement_code": d.requirement_code,
                          "sha256": f.sha256 if f else None, "size": f.size if f else None,
                          "media_type": f.media_type if f else None})
        return facts

    async def _interagency(self, dossier: Dossier) -> list[str]:
        """The procedure's liên thông partners: pinned at submission, or read from the catalog for older dossiers."""
        pinned = dossier.procedure.get("interagency")
        if pinned is not None:
            return [str(a) for a in pinned]
        if self.catalog is None:
            return []
        try:
            procedure = await self.catalog.procedure(dossier.procedure_code, dossier.procedure_revision)
        except Problem:
            log.warning("catalog unavailable: dossier %s accepted without its inter-agency list", dossier.code)
            return []
        return list(procedure.snapshot()["interagency"]) if procedure else []

    async def _agency_name(self, code: str) -> str | None:
        return await self.catalog.agency_name(code) if self.catalog is not None else None

    async def _procedure(self, code: str, *, online: bool = True) -> Procedure:
        assert self.catalog is not None
        procedure = await self.catalog.procedure(code)
        if procedure is None:
            raise Invalid.field(("body", "procedure_code"), f"Không tìm thấy thủ tục {code} trong danh mục.")
        if online and procedure.level < MIN_ONLINE_LEVEL:
            raise Invalid.field(
                ("body", "procedure_code"),
                f"Thủ tục này là dịch vụ công mức độ {procedure.level}: chưa nhận hồ sơ trực tuyến "
                "(cần mức độ 3 trở lên).",
            )
        return procedure

    async def _form_schema(self, dossier: Dossier) -> dict[str, Any] | None:
        """The online form of the dossier's pinned revision: in its snapshot, or read from the catalog for
        dossiers pinned before snapshots carried it."""
        if "form_schema" in dossier.procedure:
            return dossier.procedure["form_schema"]  # type: ignore[no-any-return]
        if self.catalog is None or not dossier.procedure_revision:
            return None
        procedure = await self.catalog.procedure(dossier.procedure_code, dossier.procedure_revision)
        return procedure.snapshot()["form_schema"] if procedure else None

    @staticmethod
    def _check_form(schema: FormSchema | dict[str, Any] | None, form_data: dict[str, Any],
                    errors: list[dict[str, Any]]) -> None:
        """422 naming every field of the form (and the other ``errors`` found meanwhile) in one answer."""
        errors = form_errors(schema, form_data) + errors
        if errors:
            raise Invalid("Hồ sơ chưa hợp lệ: " + " ".join(e["msg"] for e in errors), errors=errors)
    @staticmethod
    def _filing_agency(principal: Principal, procedure: Procedure, body: DossierCreate, *, desk: bool) -> str:
        """Where the dossier is filed: one of the procedure's agencies (the desk files at its own agency)."""
        if desk:
            agency = principal.agency_code or ""
            if body.agency_code is not None and body.agency_code != agency:
                raise Invalid.field(("body", "agency_code"),
                                    f"Bộ phận một cửa chỉ tiếp nhận hồ sơ cho cơ quan của mình ({agency}).")
            if agency not in procedure.agencies:
                raise Invalid.field(("body", "procedure_code"),
                                    f"Cơ quan {agency} không thực hiện thủ tục {procedure.code}.")
            return agency
        agency = body.agency_code or procedure.agency_code
        if agency not in procedure.agencies:
            raise Invalid.field(("body", "agency_code"),
                                f"Thủ tục {procedure.code} không nộp tại cơ quan {agency}; chọn một trong các cơ "
                                f"quan: {', '.join(procedure.agencies)}.")
        return agency

    async def submit(self, principal: Principal, body: DossierCreate, *, event_id: str | None) -> Dossier:
        """An applicant's online dossier, or (a reception officer) one brought to the counter or by post on
        behalf of an applicant without an account: the officer types the applicant in and uploads the files."""
        desk = principal.has("reception") and not principal.has("citizen")
        if desk and body.channel == "online":
            raise Invalid.field(("body", "channel"),
                                "Bộ phận một cửa chỉ tiếp nhận hồ sơ trực tiếp (counter) hoặc qua bưu chính (postal).")
        if not desk and body.channel not in (None, "online"):
            raise Invalid.field(("body", "channel"), "Hồ sơ của công dân chỉ nộp trực tuyến (online).")
        if not desk and not body.applicant.phone:
            raise Invalid.field(("body", "applicant", "phone"), "Cần số điện thoại di động của người nộp hồ sơ.")
        channel = (body.channel or "counter") if desk else "online"
        # the counter receives every procedure; online filing needs level 3 or more
        procedure = await self._procedure(body.procedure_code, online=not desk)
        agency = self._filing_agency(principal, procedure, body, desk=desk)
        snapshot = procedure.snapshot()
        try:
            docs = await self._documents(principal, snapshot, body.documents, require_all=True)
        except Invalid as exc:
            self._check_form(procedure.form, body.form_data, exc.errors or [])
            raise
        self._check_form(procedure.form, body.form_data, [])
        if body.return_method == ReturnMethod.ONLINE and procedure.level < 4:
            raise Invalid.field(("body", "return_method"),
                                "Chỉ thủ tục mức độ 4 mới trả kết quả trực tuyến; "
                                "hãy chọn nhận tại quầy hoặc bưu chính.")
        if body.return_method == "online" and desk:
            raise Invalid.field(("body", "return_method"),
                                "Người nộp không có tài khoản nên không nhận kết quả trực tuyến; "
                                "hãy chọn nhận tại quầy hoặc bưu chính.")

        facts = await self._document_facts(principal, docs)
        # The number is taken last, right before the inserts, so the counter row stays locked briefly: one flush
        # writes the dossier, its documents, the log and the event (foreign keys order the inserts).
        now = self.now
        n = await self.repo.next_number(agency, now.astimezone(VN).date())
        dossier = Dossier(
            id=uuid.uuid4(), code=dossier_code(agency, now, n), procedure_code=procedure.code,
            procedure_name=procedure.name, procedure_revision=procedure.revision, level=procedure.level,
            procedure=snapshot, agency_code=agency, owner_id=None if desk else principal.id,
            applicant=body.applicant.model_dump(), form_data=body.form_data, return_method=body.return_method,
            channel=channel, status=Status.SUBMITTED.value, national_status=NATIONAL[Status.SUBMITTED],
            submitted_at=now, supplement_round=0, waiting_seconds=0, version=1,
            fees_due=None, fees_paid=0, fee_lines=[], payment_pending=False,
            # Decree 45/2020: the desk checks an online dossier within 8 working hours of its arrival
            reception_due_at=self.calendar.add_working_time(now, RECEPTION_LIMIT) if not desk else None,
        )
        if snapshot.get("fee_timing") == "submission":
            # the procedure asks for its fees with the application: assessed (and payable) at once
            dossier.fee_lines, dossier.fees_due = assess(snapshot, None)
        self.repo.add(dossier)
        for doc in docs:
            doc.dossier_id = dossier.id
            self.repo.add(doc)
        data: dict[str, Any] = {"procedure_revision": procedure.revision,
                                "documents": [d.requirement_code for d in docs], "channel": channel}
        if dossier.reception_due_at is not None:
            data["reception_due_at"] = dossier.reception_due_at.isoformat()
        note = {"counter": "Tiếp nhận trực tiếp tại Bộ phận một cửa",
                "postal": "Tiếp nhận hồ sơ gửi qua bưu chính"}.get(channel)
        self._log(dossier, "submit", None, Status.SUBMITTED, Actor.of(principal, "reception" if desk else "citizen"),
                  note, data, event_id)
        self._emit(dossier, DossierSubmitted, principal.id, event_id, procedure_name=procedure.name,
                   procedure_revision=procedure.revision, level=procedure.level,
                   documents=facts, form_data=dossier.form_data,
                   reception_due_at=dossier.reception_due_at)
        await self.repo.flush()
        types = {d.file_id: (self._owned[d.file_id].media_type, int(self._owned[d.file_id].size)) for d in docs
                 if d.file_id in self._owned}
        self.written = (sorted(docs, key=lambda d: (d.round, d.id)), types)
        return dossier

    # transitions -------------------------------------------------------------------------------

    async def _transition(
        self, dossier: Dossier, action: str, actor: Actor, *, note: str | None = None,
        data: dict[str, Any] | None = None, values: dict[str, Any] | None = None, event_id: str | None = None,
        expected_version: int | None = None, at: datetime | None = None,
    ) -> Status:
        current = Status(dossier.status)
        target = next_status(action, current)
        if target is None:
            raise Conflict(
                f"Không thể {ACTION_VI.get(action, action)} khi hồ sơ đang ở trạng thái “{LABEL_VI[current]}”.",
                slug="invalid-transition", status_now=current.value,
            )
        version = dossier.version
        if expected_version is not None and expected_version != version:
            raise Conflict("Hồ sơ vừa được người khác cập nhật; vui lòng tải lại.", slug="version-conflict")
        pending = bool((values or {}).get("payment_pending", dossier.payment_pending))
        changes = {**(values or {}), "status": target.value, "national_status": national_of(target, pending)}
        if not await self.repo.save_transition(dossier, version, changes):
            raise Conflict("Hồ sơ vừa được người khác cập nhật; vui lòng tải lại.", slug="version-conflict")
        self._log(dossier, action, current, target, actor, note, data or {}, event_id, at=at)
        return target

    def _log(self, dossier: Dossier, action: str, from_status: Status | None, to_status: Status, actor: Actor,
             note: str | None, data: dict[str, Any], event_id: str | None, *, at: datetime | None = None) -> None:
        self.repo.add(DossierAction(
            dossier_id=dossier.id, at=at or self.now, actor_id=actor.id, actor_name=actor.name, role=actor.role,
            action=action, from_status=from_status.value if from_status else None, to_status=to_status.value,
            note=note, data=data, event_id=event_id,
        ))

    def _emit(self, dossier: Dossier, cls: type[DossierEvent], actor_id: str | None, event_id: str | None,
              **fields: Any) -> None:
        applicant = dossier.applicant
        payload = cls(
            code=dossier.code, procedure_code=dossier.procedure_code, agency_code=dossier.agency_code,
            status=Status(dossier.status), national_status=NationalStatus(dossier.national_status), at=self.now,
            actor_id=actor_id,
            applicant_user_id=dossier.owner_id, applicant_name=applicant.get("full_name"),
            applicant_email=applicant.get("email"), applicant_phone=applicant.get("phone"),
            channel=Channel(dossier.channel), **fields,
        )
        add_event(self.session, payload, source=SOURCE, subject=dossier.code, event_id=event_id)

    def appointment(self, received_at: datetime, procedure: dict[str, Any]) -> datetime:
        pt = procedure.get("processing_time") or {}
        value, unit = float(pt.get("value") or 0), str(pt.get("unit") or "working_days")
        # calendar units are rolled to a working day: an appointment never falls on a day off
        return self.calendar.add_duration(received_at, value, unit, roll_to_working_day=True)

    async def decide(self, principal: Principal, code: str, body: ReceptionDecision, *,
                     event_id: str | None) -> Dossier:
        dossier = await self.for_reception(principal, code)
        actor = Actor.of(principal, "reception")
        # the first decision ends the reception limit's clock (counted late when after reception_due_at)
        first: dict[str, Any] = {"reception_decided_at": self.now} if dossier.reception_decided_at is None else {}
        if body.decision == "accept":
            due = self.appointment(self.now, dossier.procedure)
            values: dict[str, Any] = {"received_at": self.now, "due_at": due, **first}
            if dossier.fees_due is None or body.fees is not None:
                lines, total = assess(dossier.procedure, [f.model_dump() for f in body.fees] if body.fees else None)
                values |= {"fee_lines": lines, "fees_due": total}
            await self._transition(dossier, "accept", actor, note=body.note, event_id=event_id,
                                   expected_version=body.version, values=values,
                                   data={"received_at": self.now.isoformat(), "due_at": due.isoformat(),
                                         "fees_due": values.get("fees_due", dossier.fees_due),
                                         "fee_lines": values.get("fee_lines", dossier.fee_lines)})
            pt = dossier.procedure["processing_time"]
            self._emit(dossier, DossierAccepted, principal.id, event_id, procedure_name=dossier.procedure_name,
                       received_at=self.now, due_at=due, processing_time_value=float(pt["value"]),
                       processing_time_unit=str(pt["unit"]), return_method=dossier.return_method, level=dossier.level,
                       fees_due=values.get("fees_due", dossier.fees_due),
                       interagency=await self._interagency(dossier),
                       agency_name=await self._agency_name(dossier.agency_code))
        elif body.decision == "request_supplement":
            items = body.missing_items or []
            round_no = dossier.supplement_round + 1
            # form 02 (Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ)
            form02 = {"form": "02", "applicant": dossier.applicant.get("full_name"),
                      "request": dossier.procedure_name, "items": items, "reason": body.reason or body.note,
                      "contact_officer": actor.name, "round": round_no}
            await self._transition(dossier, "request_supplement", actor, note=body.note, event_id=event_id,
                                   expected_version=body.version, data=form02,
                                   values={"supplement_round": round_no, "supplement_requested_at": self.now,
                                           "supplement_stage": None, **first})
            self._emit(dossier, DossierSupplementRequested, principal.id, event_id, missing_items=items,
                       note=body.note, round=round_no)
        else:
            reason = (body.reason or "").strip()
            # form 03 (Phiếu từ chối tiếp nhận giải quyết hồ sơ)
            form03 = {"form": "03", "applicant": dossier.applicant.get("full_name"),
                      "request": dossier.procedure_name, "reasons": reason, "officer": actor.name}
            await self._transition(dossier, "refuse", actor, note=body.note or reason, event_id=event_id,
                                   expected_version=body.version, data=form03,
                                   values={"completed_at": self.now, **first})
            self._emit(dossier, DossierRefused, principal.id, event_id, reason=reason)
        return dossier

    async def supplement(self, principal: Principal, code: str, body: SupplementCreate, *,
                         event_id: str | None) -> Dossier:
        """The applicant's supplement: back to the desk, or (asked during processing) back to the same step and
        specialist, with the appointment moved by the office time waited (the clock stopped meanwhile)."""
        dossier = await self.owned(principal, code)
        if dossier.status != Status.SUPPLEMENT_REQUESTED:
            raise Conflict("Hồ sơ không ở trạng thái chờ bổ sung.", slug="invalid-transition",
                           status_now=dossier.status)
        docs = await self._documents(principal, dossier.procedure, body.documents, require_all=False, dossier=dossier)
        if not docs and body.form_data is None:
            raise Invalid.field(("body", "documents"), "Cần đính kèm tài liệu bổ sung hoặc cập nhật thông tin tờ khai.")
        if body.form_data is not None:
            # the form as amended must fit the revision the dossier was filed under
            self._check_form(await self._form_schema(dossier), {**dossier.form_data, **body.form_data}, [])
        requested = dossier.supplement_requested_at or self.now
        waited = self.calendar.working_time_between(requested, self.now)
        waited_s = max(0, int(waited / timedelta(seconds=1)))
        processing = dossier.supplement_stage == "processing"
        values: dict[str, Any] = {"waiting_seconds": dossier.waiting_seconds + waited_s,
                                  "supplement_requested_at": None, "supplement_stage": None}
        data: dict[str, Any] = {"round": dossier.supplement_round, "documents": [d.requirement_code for d in docs],
                                "waited_seconds": waited_s, "requested_at": requested.isoformat()}
        if processing and dossier.due_at is not None and waited > timedelta(0):
            values["due_at"] = self.calendar.add_working_time(dossier.due_at, waited)
            data |= {"old_due_at": dossier.due_at.isoformat(), "due_at": values["due_at"].isoformat()}
        if body.form_data is not None:
            values["form_data"] = {**dossier.form_data, **body.form_data}
        await self._transition(
            dossier, "processing_supplement" if processing else "supplement", Actor.of(principal, "citizen"),
            note=body.note, event_id=event_id, values=values, data=data,
        )
        for doc in docs:
            doc.dossier_id = dossier.id
            doc.round = dossier.supplement_round
            self.repo.add(doc)
        self._emit(dossier, DossierSupplemented, principal.id, event_id, round=dossier.supplement_round,
                   documents=await self._document_facts(principal, docs),
                   form_data=dossier.form_data if body.form_data is not None else None,
                   stage="processing" if processing else "reception",
                   due_at=dossier.due_at if processing else None)
        return dossier

    async def processing_supplement_requested(
        self, code: str, *, at: datetime, actor_id: str | None, actor_name: str | None, items: list[str],
        note: str | None, event_id: str | None,
    ) -> bool:
        """A specialist asked the applicant for more documents (workflow): the dossier waits on the applicant
        (form 02 in its history, the applicant notified like a desk request); a repeat changes nothing."""
        dossier = await self.repo.by_code(code)
        if dossier is None:
            log.warning("supplement request for unknown dossier %s", code)
            return False
        if event_id is not None and await self.repo.has_event(dossier.id, event_id):
            return False
        if next_status("processing_request_supplement", Status(dossier.status)) is None:
            log.info("supplement request ignored: dossier %s is %s", code, dossier.status)
            return False
        self.now = at
        round_no = dossier.supplement_round + 1
        actor = Actor(actor_id, actor_name, "specialist")
        form02 = {"form": "02", "stage": "processing", "applicant": dossier.applicant.get("full_name"),
                  "request": dossier.procedure_name, "items": items, "reason": note,
                  "contact_officer": actor.name, "round": round_no}
        await self._transition(dossier, "processing_request_supplement", actor, note=note, data=form02,
                               event_id=event_id, at=at,
                               values={"supplement_round": round_no, "supplement_requested_at": at,
                                       "supplement_stage": "processing"})
        # a new event id: this is intake's own fact, not a copy of workflow's event
        self._emit(dossier, DossierSupplementRequested, actor_id, None, missing_items=items, note=note,
                   round=round_no, stage="processing")
        return True

    async def withdraw(self, principal: Principal, code: str, body: WithdrawCreate, *,
                       event_id: str | None) -> Dossier:
        dossier = await self.owned(principal, code)
        await self._transition(dossier, "withdraw", Actor.of(principal, "citizen"), note=body.reason,
                               event_id=event_id, values={"completed_at": self.now})
        self._emit(dossier, DossierWithdrawn, principal.id, event_id, reason=body.reason)
        return dossier

    async def deliver(self, principal: Principal, code: str, body: DeliveryCreate, *,
                      event_id: str | None) -> Dossier:
        dossier = await self.for_reception(principal, code)
        if body.method == ReturnMethod.ONLINE and dossier.level < 4:
            raise Invalid.field(("body", "method"), "Chỉ thủ tục mức độ 4 mới trả kết quả trực tuyến.")
        if body.method == ReturnMethod.ONLINE and (dossier.fees_due or 0) > (dossier.fees_paid or 0):
            raise Conflict("Chưa thanh toán đủ phí, lệ phí: chưa thể trả kết quả trực tuyến.", slug="fees-unpaid",
                           fees_due=dossier.fees_due, fees_paid=dossier.fees_paid)
        tracking = body.postal_tracking.strip() if body.postal_tracking else None
        await self._transition(dossier, "deliver", Actor.of(principal, "reception"), note=body.note,
                               event_id=event_id, values={"returned_at": self.now},
                               data={"method": body.method, "postal_tracking": tracking})
        self._emit(dossier, DossierDelivered, principal.id, event_id, method=body.method, postal_tracking=tracking)
        return dossier

    # processing (events from workflow-svc) -----------------------------------------------------

    async def from_workflow(self, code: str, action: str, *, at: datetime, actor_id: str | None,
                            actor_name: str | None, note: str | None = None, values: dict[str, Any] | None = None,
                            data: dict[str, Any] | None = None, event_id: str | None = None) -> bool:
        """Applies a processing status change; a stale, repeated or out-of-order event is recorded nowhere (False).

        Step changes, forwards and hand-offs (``INFO_ACTIONS``) are history rows that leave the status as is."""
        dossier = await self.repo.by_code(code)
        if dossier is None:
            log.warning("workflow event %s for unknown dossier %s", action, code)
            return False
        if event_id is not None and await self.repo.has_event(dossier.id, event_id):
            log.info("workflow event %s for %s already recorded (%s)", action, code, event_id)
            return False
        if action in INFO_ACTIONS:
            transition = (data or {}).get("transition")
            if transition and await self.repo.has_transition(dossier.id, transition):
                return False  # the same move reported twice (forwarded and step_changed): one row
            status = Status(dossier.status)
            self._log(dossier, action, status, status, Actor(actor_id, actor_name, "workflow"), note, data or {},
                      event_id, at=at)
            return True
        if next_status(action, Status(dossier.status)) is None:
            log.info("workflow event %s ignored: dossier %s is %s", action, code, dossier.status)
            return False
        self.now = at
        await self._transition(dossier, action, Actor(actor_id, actor_name, "workflow"), note=note,
                               values=values, data=data, event_id=event_id, at=at)
        return True

    # counter dossiers (reported by an agency's one-stop software through interop-svc) --------------

    async def record_counter_dossier(
        self, *, code: str, procedure_code: str, agency_code: str, applicant_name: str, received_at: datetime,
        due_at: datetime | None, national_status: NationalStatus, event_id: str | None,
    ) -> bool:
        """Records a dossier received at an agency's counter, so tracking and the agency's lists show it.
        Idempotent: a code already known is left as it is (False)."""
        if await self.repo.by_code(code) is not None:
            log.info("counter dossier %s already known", code)
            return False
        status = FROM_NATIONAL.get(national_status, Status.ACCEPTED)
        procedure = None
        if self.catalog is not None:
            try:
                procedure = await self.catalog.procedure(procedure_code)
            except Problem:
                log.warning("catalog unavailable: counter dossier %s recorded without its procedure", code)
        snapshot = procedure.snapshot() if procedure else {"code": procedure_code, "documents": [], "fees": []}
        dossier = Dossier(
            id=uuid.uuid4(), code=code, procedure_code=procedure_code,
            procedure_name=procedure.name if procedure else procedure_code,
            procedure_revision=procedure.revision if procedure else 0, level=procedure.level if procedure else 0,
            procedure=snapshot, agency_code=agency_code, owner_id=None, applicant={"full_name": applicant_name},
            form_data={}, return_method=ReturnMethod.COUNTER, channel=Channel.COUNTER, status=status.value,
            national_status=NATIONAL[status], submitted_at=received_at,
            received_at=received_at if status not in (Status.SUBMITTED, Status.REFUSED) else None, due_at=due_at,
            completed_at=received_at if status in (Status.REFUSED, Status.WITHDRAWN) else None,
            returned_at=received_at if status is Status.RETURNED else None,
            supplement_round=0, waiting_seconds=0, version=1, fees_due=None, fees_paid=0, fee_lines=[],
            payment_pending=False,
        )
        self.repo.add(dossier)
        await self.repo.flush()
        self._log(dossier, "counter_received", None, status, Actor(None, None, "one_stop"),
                  "Tiếp nhận trực tiếp tại Bộ phận một cửa (phần mềm một cửa điện tử của cơ quan)",
                  {"national_status": national_status, "received_at": received_at.isoformat(),
                   "due_at": due_at.isoformat() if due_at else None}, event_id, at=received_at)
        await self.repo.flush()
        return True

    async def status_reported(
        self, code: str, *, national_status: NationalStatus, at: datetime, officer: str | None, department: str | None,
        note: str | None, new_due_at: datetime | None, event_id: str | None,
    ) -> bool:
        """A counter dossier's status from its one-stop software (no workflow involved). Online dossiers
        move through workflow's events instead: ignored here (False)."""
        dossier = await self.repo.by_code(code)
        if dossier is None or dossier.channel != Channel.COUNTER:
            return False
        if event_id is not None and await self.repo.has_event(dossier.id, event_id):
            return False
        target = FROM_NATIONAL.get(national_status)
        if target is None:
            log.warning("status %s reported for %s: unknown national code", national_status, code)
            return False
        current = Status(dossier.status)
        values: dict[str, Any] = {"status": target.value, "national_status": NATIONAL[target]}
        if new_due_at is not None:
            values["due_at"] = new_due_at
        if target in (Status.RESULT_READY, Status.REJECTED, Status.REFUSED, Status.WITHDRAWN) \
                and dossier.completed_at is None:
            values["completed_at"] = at
        if target is Status.RETURNED:
            values["returned_at"] = at
            if dossier.completed_at is None:
                values["completed_at"] = at
        if target not in (Status.SUBMITTED, Status.REFUSED) and dossier.received_at is None:
            values["received_at"] = at
        if not await self.repo.save_transition(dossier, dossier.version, values):
            raise Conflict("Hồ sơ vừa được người khác cập nhật.", slug="version-conflict")
        parts = [p for p in (department, note) if p]
        self._log(dossier, "status_reported", current, target, Actor(None, officer, "one_stop"),
                  " — ".join(parts) or LABEL_VI[target],
                  {"national_status": national_status, "department": department,
                   "new_due_at": new_due_at.isoformat() if new_due_at else None}, event_id, at=at)
        return True
