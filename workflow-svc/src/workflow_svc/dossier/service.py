"""The rules of processing: who may do what at which step, deadlines, hand-offs, and the events."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from contracts import EventData
from contracts.intake import DossierAccepted, DossierSupplemented, DossierSupplementRequested, DossierWithdrawn
from contracts.interop import StatusReported, SystemRegistered, SystemRevoked
from contracts.workflow import (
    DeadlineApproaching,
    DossierExtended,
    DossierForwarded,
    DossierOverdue,
    DossierProcessingStarted,
    DossierRefused,
    DossierResultReady,
    DossierStepChanged,
    HandoffCompleted,
    HandoffRequested,
    TaskAssigned,
)
from servicekit.auth import Principal
from servicekit.outbox import add_event
from vncalendar import default_calendar
from workflow_svc.definition.schemas import DefinitionBody, StepDef
from workflow_svc.definition.service import DefinitionService
from workflow_svc.dossier.models import ActionEntry, Consultation, Dossier, ExternalSystem, Handoff
from workflow_svc.dossier.repository import DossierRepository
from workflow_svc.dossier.schemas import (
    ActionRequest,
    ActionResult,
    ConsultationRead,
    ControlSheet,
    ControlSheetRow,
    DossierRead,
    HandoffRead,
    LogEntryRead,
    TaskPage,
    TaskRead,
)
from workflow_svc.errors import Conflict, Forbidden, Invalid, NotFound, Problem
from workflow_svc.settings import Settings
from workflow_svc.timer.durations import Delay
from workflow_svc.timer.models import Timer

log = logging.getLogger(__name__)

SOURCE = "/workflow-svc"
# Entries at the boundary between the lead agency and the agency a part was handed off to: both see them.
BOUNDARY_ACTIONS = frozenset({"handoff", "accept_handoff", "refuse_handoff", "complete_handoff", "recall_handoff"})
# An auto-forward fired within this much of its scheduled time was handed over as configured (form 05).
TIMER_GRACE = timedelta(minutes=5)
EXTERNAL = "external"
EXTERNAL_STEP = StepDef(code=EXTERNAL, name="Chuyển phần mềm một cửa của cơ quan giải quyết")
OUTCOME_STEPS = {
    "result_ready": StepDef(code="result_ready", name="Trả kết quả", terminal=True, outcome="result_ready"),
    "rejected": StepDef(code="rejected", name="Trả văn bản từ chối", terminal=True, outcome="rejected"),
}
WORKING_ROLES = ("reception", "specialist", "leader")
RESULT_LABELS = {"early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn"}


def now_utc() -> datetime:
    return datetime.now(UTC)


def due_token(due_at: datetime) -> int:
    """Deadline timers remember the appointment they were set for (minutes since the epoch)."""
    return int(due_at.timestamp() // 60)


def judge(finished: datetime, due: datetime) -> Literal["early", "on_time", "late"]:
    """Early: finished on an earlier day than the appointment; on time: by the appointment; else late."""
    if finished > due:
        return "late"
    tz = default_calendar().tz
    return "early" if finished.astimezone(tz).date() < due.astimezone(tz).date() else "on_time"


@dataclass
class Actor:
    id: str | None
    name: str
    role: str | None
    agency: str | None
    department: str | None = None

    @classmethod
    def of(cls, p: Principal, role: str | None) -> Actor:
        return cls(p.id, p.full_name or p.username, role, p.agency_code, p.department)


SYSTEM = Actor(None, "Hệ thống", "system", None)


@dataclass
class Emitter:
    """Outbox events of one transaction; ids derive from the idempotency key or the timer, when given."""

    session: AsyncSession
    base_id: str | None
    n: int = 0
    emitted: list[str] = field(default_factory=list)

    def __call__(self, payload: EventData, code: str) -> None:
        self.n += 1
        event_id = f"{self.base_id}-{self.n}" if self.base_id else None
        add_event(self.session, payload, source=SOURCE, subject=code, event_id=event_id)
        self.emitted.append(payload.event_type)


def definition_of(d: Dossier) -> DefinitionBody:
    return DefinitionBody.model_validate(d.definition["body"])


def step_of(d: Dossier, code: str | None = None) -> StepDef:
    wanted = code or d.step
    for s in definition_of(d).steps:
        if s.code == wanted:
            return s
    if wanted == EXTERNAL:  # the agency processes in its own one-stop software (issue 7)
        return EXTERNAL_STEP
    if wanted in OUTCOME_STEPS:  # a definition without that outcome, finished by a one-stop system
        return OUTCOME_STEPS[wanted]
    raise Problem(f"Bước '{wanted}' không có trong quy trình của hồ sơ.", status=500, slug="internal")


class DossierService:
    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.repo = DossierRepository(session)
        self.cal = default_calendar()

    # --- starting and stopping (events from intake and interop) -------------------------------------
    async def start(self, p: DossierAccepted, event_id: str) -> None:
        if await self.repo.get(p.code) is not None:
            return
        resolved = await DefinitionService(self.session).resolve(p.procedure_code)
        body = resolved.body
        now = now_utc()
        d = Dossier(
            code=p.code, procedure_code=p.procedure_code, procedure_name=p.procedure_name, agency_code=p.agency_code,
            applicant_name=p.applicant_name, definition_code=resolved.code, definition_version=resolved.version,
            definition={"procedure_code": resolved.code, "version": resolved.version,
                        "body": body.model_dump(mode="json")},
            status="active", step=body.start, step_seq=0, step_entered_at=p.received_at,
            received_at=p.received_at, due_at=p.due_at, original_due_at=p.due_at, overdue=False,
            draft_documents=[], version=1, interagency=list(dict.fromkeys(p.interagency)),
            agency_name=p.agency_name,
        )
        self.repo.add(d)
        emit = Emitter(self.session, f"start-{event_id}"[:50])
        start = step_of(d, body.start)
        self._enter(d, start, now, emit, assignee=None, started_at=p.received_at)
        await self.repo.flush()
        await self._append(d, SYSTEM, "start", now, from_step=None, to_step=start.code,
                           data={"to_agency": d.step_agency, "to_step_due_at": _iso(d.step_due_at)})
        emit(DossierStepChanged(code=d.code, procedure_code=d.procedure_code, agency_code=d.agency_code, at=now,
                                actor_name=SYSTEM.name, step=start.code, from_step=None, to_step=start.code,
                                role=start.role, step_agency=d.step_agency, step_due_at=d.step_due_at,
                                action="start"), d.code)
        self._schedule_deadline(d, now)
        system = await self.external_system_of(d.agency_code)
        if system is not None:
            await self._hand_to_system(d, system, now, emit)

    # --- one-stop systems (issue 7) -----------------------------------------------------------------------
    async def external_system_of(self, agency: str) -> str | None:
        """The agency's active one-stop system (registered through interop, or configured explicitly)."""
        code = await self.repo.active_system(agency)
        if code is None and agency in self.settings.external_agency_set:
            return f"configured:{agency}"
        return code

    async def system_registered(self, p: SystemRegistered) -> None:
        row = await self.session.get(ExternalSystem, p.system_code)
        if row is None:
            self.repo.add(ExternalSystem(system_code=p.system_code, agency_code=p.agency_code, name=p.name,
                                         active=True, updated_at=now_utc()))
        else:
            row.agency_code, row.name, row.active, row.updated_at = p.agency_code, p.name, True, now_utc()
        await self.repo.flush()

    async def system_revoked(self, p: SystemRevoked) -> None:
        row = await self.session.get(ExternalSystem, p.system_code)
        if row is not None:
            row.active, row.updated_at = False, now_utc()
            await self.repo.flush()

    async def _hand_to_system(self, d: Dossier, system: str, now: datetime, emit: Emitter) -> None:
        """Instead of the specialist department: the agency's own software processes it (requested)."""
        h = Handoff(id=str(uuid.uuid4()), dossier_code=d.code, lead_agency=d.agency_code,
                    target_agency=d.agency_code, status="requested", requested_at=now, requested_by=SYSTEM.name,
                    note="Chuyển phần mềm một cửa của cơ quan giải quyết", documents=[], system_code=system)
        self.repo.add(h)
        d.handoff_id = h.id
        await self._move(d, "external_handoff", EXTERNAL_STEP, SYSTEM, now, emit, started=False,
                         comment="Chuyển hồ sơ sang phần mềm một cửa của cơ quan", target_agency=d.agency_code)
        emit(HandoffRequested(code=d.code, procedure_code=d.procedure_code, agency_code=d.agency_code, at=now,
                              actor_name=SYSTEM.name, step=d.step, target_agency=d.agency_code,
                              handoff_id=h.id), d.code)

    async def withdrawn(self, p: DossierWithdrawn) -> None:
        d = await self.repo.lock(p.code)
        if d is None or d.status != "active":
            return
        now = now_utc()
        d.status, d.finished_at = "withdrawn", p.at
        await self._save(d)
        await self.repo.cancel_timers(d.code, now)
        await self._append(d, Actor(p.actor_id, p.applicant_name or "Người nộp hồ sơ", "citizen", None), "withdrawn",
                           now, from_step=d.step, to_step=d.step, reason=p.reason)

    async def supplement_requested(self, p: DossierSupplementRequested) -> None:
        """The clock stops while the dossier waits on the applicant (domain.md: those days do not count)."""
        d = await self.repo.lock(p.code)
        if d is None or d.status != "active" or d.paused_at is not None:
            return
        d.paused_at = p.at
        await self._save(d)
        await self._append(d, SYSTEM, "paused", now_utc(), from_step=d.step, to_step=d.step,
                           comment="Chờ người nộp bổ sung hồ sơ", data={"round": p.round})

    async def supplemented(self, p: DossierSupplemented) -> None:
        d = await self.repo.lock(p.code)
        if d is None or d.status != "active" or d.paused_at is None:
            return
        waited = self.cal.working_time_between(d.paused_at, max(p.at, d.paused_at))
        now = now_utc()
        d.due_at = self.cal.add_working_time(d.due_at, waited)
        if d.step_due_at is not None:
            d.step_due_at = min(self.cal.add_working_time(d.step_due_at, waited), d.due_at)
        d.paused_at = None
        await self._save(d)
        await self.repo.cancel_timers(d.code, now)
        step = step_of(d)
        if step.auto_forward_to is not None and d.step_due_at is not None:
            self.repo.add_timer(d.code, "auto_forward", d.step_due_at, d.step_seq)
        elif d.step_due_at is not None and d.step_due_at < d.due_at:
            self.repo.add_timer(d.code, "step_due", d.step_due_at, d.step_seq)
        self._schedule_deadline(d, now)
        await self._append(d, SYSTEM, "resumed", now, from_step=d.step, to_step=d.step,
                           data={"waited_seconds": waited.total_seconds(), "due_at": d.due_at.isoformat()})

    async def external_status(self, p: StatusReported, event_id: str) -> None:
        """A status update from the one-stop system a dossier was handed off to advances it (issue 7)."""
        d = await self.repo.lock(p.dossier_code)
        h = await self.repo.handoff(d.handoff_id) if d is not None and d.handoff_id else None
        if (d is None or d.status != "active" or d.step != EXTERNAL or h is None or h.system_code is None
                or h.target_agency != p.agency_code):
            log.info("status %s of %s from %s ignored: the dossier is not handed off to that agency's system",
                     p.national_status, p.dossier_code, p.agency_code)
            return
        now = now_utc()
        actor = Actor(None, p.officer or "Phần mềm một cửa", "external", p.agency_code, p.department)
        emit = Emitter(self.session, f"interop-{event_id}"[:50])
        common: dict[str, Any] = {"code": d.code, "procedure_code": d.procedure_code, "agency_code": d.agency_code,
                                  "at": now, "actor_name": actor.name}
        if p.new_due_at is not None and p.new_due_at > d.due_at:
            old_due = await self._reschedule(d, p.new_due_at, now)
            reason = p.note or "Cơ quan giải quyết hẹn lại ngày trả kết quả"
            await self._append(d, actor, "external_extended", now, from_step=d.step, to_step=d.step, reason=reason,
                               data={"old_due_at": old_due.isoformat(), "new_due_at": d.due_at.isoformat()})
            emit(DossierExtended(**common, step=d.step, reason=reason, old_due_at=old_due, new_due_at=d.due_at),
                 d.code)
        status = p.national_status
        docs = [{str(k): str(v) for k, v in doc.items()} for doc in p.result_documents]
        if status in (2, 4):
            if h.status == "requested":
                h.status, h.answered_at = "accepted", now
                await self._stay(d, "external_accepted", actor, now, None, target_agency=d.agency_code,
                                 comment=p.note)
                emit(DossierProcessingStarted(**common, step=d.step), d.code)
        elif status == 5:
            await self._stay(d, "external_note", actor, now, None, comment=p.note or "Yêu cầu bổ sung hồ sơ")
        elif status in (3, 8):
            reason = p.note or "Cơ quan giải quyết từ chối giải quyết hồ sơ"
            h.status, h.answered_at, h.result = "refused", now, reason
            d.handoff_id, d.refusal_reason = None, reason
            target = self._outcome_step(d, "rejected")
            await self._move(d, "external_refused", target, actor, now, emit, reason=reason,
                             target_agency=d.agency_code)
            emit(HandoffCompleted(**common, step=d.step, target_agency=d.agency_code, handoff_id=h.id,
                                  outcome="refused"), d.code)
        elif status == 9:
            h.status, h.completed_at, h.result = "completed", now, p.note
            h.documents = docs
            d.handoff_id = None
            d.draft_documents = docs or d.draft_documents
            await self._move(d, "external_result", self._outcome_step(d, "result_ready"), actor, now, emit,
                             comment=p.note, target_agency=d.agency_code)
            emit(HandoffCompleted(**common, step=d.step, target_agency=d.agency_code, handoff_id=h.id,
                                  outcome="completed"), d.code)

    def _outcome_step(self, d: Dossier, outcome: str) -> StepDef:
        found = next((s for s in definition_of(d).steps if s.outcome == outcome), None)
        return found if found is not None else OUTCOME_STEPS[outcome]

    # --- reads ---------------------------------------------------------------------------------------
    async def visible(self, code: str, p: Principal) -> Dossier:
        d = await self.repo.get(code)
        if d is None or not p.is_officer or p.agency_code is None:
            raise NotFound("Không tìm thấy hồ sơ.")
        if p.agency_code != d.agency_code and not await self.repo.is_handoff_target(code, p.agency_code):
            raise NotFound("Không tìm thấy hồ sơ.")
        return d

    async def read(self, code: str, p: Principal) -> DossierRead:
        d = await self.visible(code, p)
        return await self._view(d, p)

    def _visible_log(self, d: Dossier, entries: list[ActionEntry], agency: str | None) -> list[ActionEntry]:
        """Each agency sees its own internal work and the hand-off boundary, never the other's internals."""
        if agency == d.agency_code:
            return [e for e in entries if e.actor_agency in (None, d.agency_code) or e.action in BOUNDARY_ACTIONS]
        return [e for e in entries
                if e.actor_agency == agency or (e.action in BOUNDARY_ACTIONS and e.target_agency == agency)]

    async def _view(self, d: Dossier, p: Principal) -> DossierRead:
        lead = p.agency_code == d.agency_code
        consults = await self.repo.consultations(d.code)
        handoff = await self.repo.handoff(d.handoff_id) if d.handoff_id else None
        actions = [a for a in self._candidates(d) if self._refusal(d, p, a, handoff, consults) is None]
        handoffs = await self.repo.handoffs(d.code)
        if not lead:
            handoffs = [h for h in handoffs if h.target_agency == p.agency_code]
            consults = []
        mine = lead or d.step_agency == p.agency_code
        return DossierRead(
            code=d.code, procedure_code=d.procedure_code, agency_code=d.agency_code, status=d.status, step=d.step,
            step_name=step_of(d).name, step_role=d.step_role, step_agency=d.step_agency,
            assignee=d.assignee_id if mine else None, assignee_name=d.assignee_name if mine else None,
            step_due_at=d.step_due_at, due_at=d.due_at,
            original_due_at=d.original_due_at, received_at=d.received_at, finished_at=d.finished_at,
            overdue=d.overdue, version=d.version,
            definition={"procedure_code": d.definition_code, "version": d.definition_version},
            actions=actions,
            handoffs=[HandoffRead.model_validate(h, from_attributes=True) for h in handoffs],
            consultations=[ConsultationRead.model_validate(c, from_attributes=True) for c in consults],
            history=[LogEntryRead.model_validate(e, from_attributes=True)
                     for e in self._visible_log(d, await self.repo.log(d.code), p.agency_code)],
            interagency=list(d.interagency or []),
        )

    async def tasks(self, p: Principal, page: int, size: int) -> TaskPage:
        roles = [r for r in WORKING_ROLES if p.has(r)]
        if not roles or p.agency_code is None:
            raise Forbidden("Danh sách công việc dành cho cán bộ tiếp nhận, chuyên môn hoặc lãnh đạo.")
        rows, total = await self.repo.tasks(agency=p.agency_code, roles=roles, officer_id=p.id,
                                            department=p.department, page=page, size=size)
        now = now_utc()
        items = [
            TaskRead(code=r.code, procedure_code=r.procedure_code, procedure_name=r.procedure_name, kind=r.kind,
                     step=r.step, assignee=r.assignee, step_due_at=r.step_due_at, due_at=r.due_at,
                     overdue=bool(r.overdue) or r.due_at < now,
                     step_overdue=r.step_due_at is not None and r.step_due_at < now)
            for r in rows
        ]
        return TaskPage(items=items, total=total, page=page, size=size)

    async def control_sheet(self, code: str, p: Principal) -> ControlSheet:
        """Form 05: one row per hand-over between units (who gave, who received, when) and the result."""
        d = await self.visible(code, p)
        steps = {s.code: s for s in definition_of(d).steps}
        log = self._visible_log(d, await self.repo.log(code), p.agency_code)
        rows: list[ControlSheetRow] = []
        for i, e in enumerate(log):
            if e.from_step is None or e.to_step is None or e.from_step == e.to_step:
                continue
            if p.agency_code != d.agency_code and p.agency_code not in (e.data.get("from_agency"),
                                                                        e.data.get("to_agency")):
                continue
            receiver = next((x for x in log[i + 1:] if x.from_step == e.to_step and x.actor_id), None)
            step_due = _parse(e.data.get("from_step_due_at"))
            handed_at = e.at
            scheduled = _parse(e.data.get("scheduled_at"))
            if scheduled is not None and e.at - scheduled <= TIMER_GRACE:
                handed_at = scheduled  # the automatic transfer fired as configured: judged at its scheduled time
            rows.append(ControlSheetRow(
                no=len(rows) + 1, at=e.at, action=e.action,
                from_unit=steps[e.from_step].name if e.from_step in steps else e.from_step,
                from_agency=e.data.get("from_agency"), given_by=e.actor_name,
                to_unit=steps[e.to_step].name if e.to_step in steps else e.to_step,
                to_agency=e.data.get("to_agency"),
                received_by=receiver.actor_name if receiver else e.data.get("assignee_name"),
                received_at=receiver.at if receiver else None, step_due_at=step_due,
                result=judge(handed_at, step_due) if step_due else None, note=e.reason or e.comment,
            ))
        result = judge(d.finished_at, d.due_at) if d.finished_at and d.status != "withdrawn" else None
        return ControlSheet(
            code=d.code, procedure_code=d.procedure_code, procedure_name=d.procedure_name,
            applicant_name=d.applicant_name, agency_code=d.agency_code, received_at=d.received_at, due_at=d.due_at,
            original_due_at=d.original_due_at, finished_at=d.finished_at, rows=rows, result=result,
            result_label=RESULT_LABELS.get(result) if result else None,
        )

    async def apology(self, code: str, p: Principal) -> bytes:
        """Form 04 of the latest extension, as a PDF (Vietnamese, signed by the head of the agency)."""
        from workflow_svc.forms.form04 import render

        d = await self.visible(code, p)
        if p.agency_code != d.agency_code:
            raise NotFound("Hồ sơ chưa có phiếu xin lỗi và hẹn lại ngày trả kết quả.")
        form = next((e.data["form_04"] for e in reversed(await self.repo.log(code))
                     if e.action == "extend" and "form_04" in e.data), None)
        if form is None:
            raise NotFound("Hồ sơ chưa có phiếu xin lỗi và hẹn lại ngày trả kết quả.")
        return render(form)

    # --- actions ---------------------------------------------------------------------------------------
    def _candidates(self, d: Dossier) -> list[str]:
        if d.status != "active":
            return []
        step = step_of(d)
        return ["claim", *step.actions.keys(), "reply_consult", "recall_handoff"] if not step.terminal else []

    def _refusal(
        self, d: Dossier, p: Principal, action: str, handoff: Handoff | None, consults: list[Consultation],
    ) -> Problem | None:
        """Why ``p`` may not do ``action`` now (None when allowed). Order: state (409), then rights (403)."""
        if d.status != "active":
            return Conflict("Hồ sơ đã kết thúc xử lý.", slug="dossier-closed")
        step = step_of(d)
        if action == "reply_consult":
            open_ = [c for c in consults if c.status == "open" and c.department == p.department]
            if not open_:
                return Conflict("Không có yêu cầu xin ý kiến nào đang chờ phòng của bạn.", slug="no-consultation")
            if p.agency_code != d.agency_code or not p.has("specialist", "leader"):
                return Forbidden("Chỉ cán bộ của phòng được xin ý kiến mới trả lời được.")
            return None
        if action == "recall_handoff":
            if handoff is None or handoff.status != "requested":
                return Conflict("Chỉ thu hồi được yêu cầu liên thông chưa được tiếp nhận.", slug="handoff-state")
            if p.agency_code != d.agency_code or not p.has("specialist", "leader"):
                return Forbidden("Chỉ cán bộ của cơ quan chủ trì mới thu hồi được yêu cầu liên thông.")
            return None
        if step.terminal or (action != "claim" and action not in step.actions):
            return Conflict(f"Thao tác '{action}' không thực hiện được ở bước '{step.name}'.", slug="wrong-step")
        if action == "extend":  # form 04 is signed by the head of the resolving agency
            if not p.has("leader") or p.agency_code != d.agency_code:
                return Forbidden("Phiếu xin lỗi, hẹn lại ngày trả kết quả (mẫu 04) do lãnh đạo cơ quan giải quyết ký.")
            if now_utc() < Delay.parse(self.settings.deadline_warning_before).before(d.due_at):
                return Conflict("Chỉ gia hạn hồ sơ sắp đến hạn hoặc đã quá hạn.", slug="not-late")
            return None
        if step.role is None or not p.has(step.role) or p.agency_code != d.step_agency:
            return Forbidden(f"Bước '{step.name}' do {step.role} của cơ quan {d.step_agency} xử lý.")
        if action == "claim":
            if d.assignee_id is not None:
                return Conflict("Hồ sơ đã có cán bộ nhận xử lý.", slug="already-claimed")
            return None
        if d.assignee_id is not None and d.assignee_id != p.id:
            return Forbidden("Hồ sơ đang do cán bộ khác xử lý.")
        if action in ("propose", "propose_refusal") and any(c.status == "open" for c in consults):
            return Conflict("Đang chờ ý kiến của phòng phối hợp; chưa thể trình.", slug="consultation-pending")
        if action in ("accept_handoff", "refuse_handoff") and (handoff is None or handoff.status != "requested"):
            return Conflict("Yêu cầu liên thông không còn chờ tiếp nhận.", slug="handoff-state")
        if action == "complete_handoff" and (handoff is None or handoff.status != "accepted"):
            return Conflict("Phải tiếp nhận hồ sơ liên thông trước khi trả kết quả.", slug="handoff-state")
        return None

    async def act(self, code: str, p: Principal, body: ActionRequest, event_id: str | None) -> ActionResult:
        d = await self.visible(code, p)
        if body.version is not None and body.version != d.version:
            raise Conflict("Hồ sơ đã được xử lý bởi người khác; vui lòng tải lại.", slug="version-conflict")
        consults = await self.repo.consultations(code)
        handoff = await self.repo.handoff(d.handoff_id) if d.handoff_id else None
        refusal = self._refusal(d, p, body.action, handoff, consults)
        if refusal is not None:
            raise refusal
        step = step_of(d)
        own_role = next((r for r in ("specialist", "leader") if p.has(r)), None)
        actor = Actor.of(p, {"reply_consult": own_role, "recall_handoff": own_role, "extend": "leader"}.get(
            body.action, step.role))
        now = now_utc()
        emit = Emitter(self.session, event_id)
        extra: dict[str, Any] = {}
        a = body.action
        docs = [x.as_dict() for x in body.documents]
        try:
            if a == "claim":
                d.assignee_id, d.assignee_name = p.id, actor.name
                await self._stay(d, a, actor, now, body)
            elif a == "forward":
                await self._move(d, a, step_of(d, step.actions[a]), actor, now, emit, body=body)
            elif a == "propose":
                if not docs:
                    raise Invalid.field(("body", "documents"), "Cần đính kèm dự thảo văn bản kết quả.")
                d.draft_documents = docs
                await self._move(d, a, step_of(d, step.actions[a]), actor, now, emit, body=body)
            elif a == "approve":
                if docs:
                    d.draft_documents = docs
                await self._move(d, a, step_of(d, step.actions[a]), actor, now, emit, body=body)
            elif a == "return_for_rework":
                if not (body.reason or body.comment):
                    raise Invalid.field(("body", "reason"), "Cần nêu lý do trả lại để xử lý lại.")
                await self._move(d, a, step_of(d, step.actions[a]), actor, now, emit, body=body)
            elif a == "propose_refusal":
                if not body.reason:
                    raise Invalid.field(("body", "reason"), "Cần nêu rõ lý do từ chối giải quyết hồ sơ.")
                d.refusal_reason = body.reason
                if docs:
                    d.draft_documents = docs
                await self._move(d, a, step_of(d, step.actions[a]), actor, now, emit, body=body)
            elif a == "approve_refusal":
                reason = body.reason or d.refusal_reason
                if not reason:
                    raise Invalid.field(("body", "reason"), "Cần nêu rõ lý do từ chối giải quyết hồ sơ.")
                d.refusal_reason = reason
                await self._move(d, a, step_of(d, step.actions[a]), actor, now, emit, body=body)
            elif a == "consult":
                await self._consult(d, actor, now, body)
            elif a == "reply_consult":
                await self._reply(d, consults, actor, now, body)
            elif a == "handoff":
                extra["handoff_id"] = await self._handoff(d, step, actor, now, emit, body)
            elif a == "accept_handoff":
                assert handoff is not None
                handoff.status, handoff.answered_at = "accepted", now
                d.assignee_id, d.assignee_name = p.id, actor.name
                await self._stay(d, a, actor, now, body, target_agency=handoff.target_agency)
            elif a in ("refuse_handoff", "complete_handoff"):
                assert handoff is not None
                await self._handoff_back(d, step, handoff, actor, now, emit, body)
            elif a == "recall_handoff":
                assert handoff is not None
                await self._recall(d, step, handoff, actor, now, emit, body)
            elif a == "extend":
                extra["form_04"] = await self._extend(d, actor, now, emit, body)
        except StaleDataError:
            raise Conflict("Hồ sơ vừa được xử lý bởi người khác; vui lòng tải lại.", slug="version-conflict") from None
        view = await self._view(d, p)
        return ActionResult(**view.model_dump(), performed=a, **extra)

    # --- transitions ------------------------------------------------------------------------------------
    def _step_agency(self, d: Dossier, step: StepDef, target_agency: str | None = None) -> str:
        return (target_agency or d.step_agency or d.agency_code) if step.agency == "target" else d.agency_code

    def _step_due(self, d: Dossier, step: StepDef, now: datetime) -> datetime | None:
        if step.terminal:
            return None
        if step.auto_forward_to is not None:
            return Delay.parse(self.settings.auto_forward_after).after(max(now, d.received_at))
        legal = self.cal.working_time_between(d.received_at, d.due_at)
        if step.share <= 0 or legal <= timedelta(0):
            return d.due_at
        return min(self.cal.add_working_time(now, legal * step.share), d.due_at)

    def _enter(
        self, d: Dossier, step: StepDef, now: datetime, emit: Emitter, *, assignee: tuple[str, str | None] | None,
        target_agency: str | None = None, started_at: datetime | None = None,
    ) -> None:
        d.step = step.code
        d.step_role = step.role
        d.step_agency = self._step_agency(d, step, target_agency)
        d.step_seq = (d.step_seq or 0) + 1
        d.step_entered_at = now
        d.assignee_id, d.assignee_name = assignee if assignee else (None, None)
        d.step_due_at = self._step_due(d, step, started_at or now)
        if step.terminal:
            d.status = "result_ready" if step.outcome == "result_ready" else "rejected"
            d.finished_at = now
            return
        if step.auto_forward_to is not None and d.step_due_at is not None:
            self.repo.add_timer(d.code, "auto_forward", d.step_due_at, d.step_seq)
        elif d.step_due_at is not None and d.step_due_at < d.due_at:
            self.repo.add_timer(d.code, "step_due", d.step_due_at, d.step_seq)
        if step.role is not None:
            emit(TaskAssigned(code=d.code, procedure_code=d.procedure_code, agency_code=d.step_agency, at=now,
                              step=step.code, role=step.role, assignee_id=d.assignee_id,
                              step_due_at=d.step_due_at), d.code)

    def _schedule_deadline(self, d: Dossier, now: datetime) -> None:
        token = due_token(d.due_at)
        warn_at = Delay.parse(self.settings.deadline_warning_before).before(d.due_at)
        if warn_at < d.due_at:
            self.repo.add_timer(d.code, "deadline_warning", max(warn_at, now), token)
        self.repo.add_timer(d.code, "overdue", d.due_at, token)

    async def _save(self, d: Dossier) -> None:
        """Flushes the dossier first: the version check (and its row lock) precede every other write."""
        await self.repo.flush()

    async def _append(
        self, d: Dossier, actor: Actor, action: str, now: datetime, *, from_step: str | None, to_step: str | None,
        comment: str | None = None, reason: str | None = None, documents: list[dict[str, str]] | None = None,
        target_agency: str | None = None, data: dict[str, Any] | None = None,
    ) -> None:
        # The dossier's version (checked when it is saved) decides which of two concurrent actions wins; the log's
        # sequence number only orders rows, so a number taken meanwhile by a timer's note is simply taken again.
        for attempt in range(5):
            entry = ActionEntry(
                dossier_code=d.code, seq=await self.repo.next_seq(d.code), at=now, actor_id=actor.id,
                actor_name=actor.name, actor_role=actor.role, actor_agency=actor.agency,
                actor_department=actor.department, action=action, from_step=from_step, to_step=to_step,
                comment=comment, reason=reason, assignee_id=d.assignee_id, target_agency=target_agency,
                documents=documents or [], data=data or {},
            )
            try:
                async with self.session.begin_nested():
                    self.repo.add(entry)
                    await self.repo.flush()
                return
            except IntegrityError:
                if attempt == 4:
                    raise Conflict("Hồ sơ vừa được xử lý bởi người khác; vui lòng tải lại.",
                                   slug="version-conflict") from None

    async def _stay(
        self, d: Dossier, action: str, actor: Actor, now: datetime, body: ActionRequest | None,
        target_agency: str | None = None, data: dict[str, Any] | None = None, comment: str | None = None,
    ) -> None:
        self._touch(d)
        await self._save(d)
        await self._append(d, actor, action, now, from_step=d.step, to_step=d.step,
                           comment=comment or (body.comment if body else None), reason=body.reason if body else None,
                           documents=[x.as_dict() for x in body.documents] if body else None,
                           target_agency=target_agency, data=data)

    def _touch(self, d: Dossier) -> None:
        """Every action changes the dossier row, so two concurrent actions conflict on its version."""
        from sqlalchemy.orm.attributes import flag_modified

        flag_modified(d, "step_seq")

    async def _move(
        self, d: Dossier, action: str, target: StepDef, actor: Actor, now: datetime, emit: Emitter, *,
        body: ActionRequest | None = None, comment: str | None = None, target_agency: str | None = None,
        reason: str | None = None, started: bool = True, data: dict[str, Any] | None = None,
    ) -> None:
        from_step, from_agency, from_due = step_of(d), d.step_agency, d.step_due_at
        start_code = definition_of(d).start
        assignee = (body.assignee, body.assignee_name) if body and body.assignee else None
        self._enter(d, target, now, emit, assignee=assignee, target_agency=target_agency)
        self._touch(d)
        await self._save(d)
        if target.terminal:
            await self.repo.cancel_timers(d.code, now)
        await self._append(
            d, actor, action, now, from_step=from_step.code, to_step=target.code,
            comment=comment or (body.comment if body else None), reason=reason or (body.reason if body else None),
            documents=[x.as_dict() for x in body.documents] if body else None, target_agency=target_agency,
            data={"from_agency": from_agency, "to_agency": d.step_agency, "from_step_due_at": _iso(from_due),
                  "to_step_due_at": _iso(d.step_due_at), "assignee_name": d.assignee_name, **(data or {})},
        )
        common: dict[str, Any] = {
            "code": d.code, "procedure_code": d.procedure_code, "agency_code": d.agency_code, "at": now,
            "actor_id": actor.id, "actor_name": actor.name}
        emit(DossierForwarded(**common, step=target.code, from_step=from_step.code, to_step=target.code,
                              department=target.department or target.name), d.code)
        emit(DossierStepChanged(**common, step=target.code, from_step=from_step.code, to_step=target.code,
                                role=target.role, step_agency=d.step_agency, step_due_at=d.step_due_at,
                                action=action, documents=[x.as_dict() for x in body.documents] if body else []),
             d.code)
        if from_step.code == start_code and not target.terminal and started:
            emit(DossierProcessingStarted(**common, step=target.code), d.code)
        if target.terminal and target.outcome == "result_ready":
            note = comment or (body.comment if body else None)
            emit(DossierResultReady(**common, step=target.code, result_documents=d.draft_documents,
                                    finished_at=now, note=note), d.code)
        elif target.terminal and target.outcome == "rejected":
            emit(DossierRefused(**common, step=target.code, reason=d.refusal_reason or reason or "",
                                finished_at=now), d.code)

    async def _consult(self, d: Dossier, actor: Actor, now: datetime, body: ActionRequest) -> None:
        if not body.department:
            raise Invalid.field(("body", "department"), "Cần chọn phòng chuyên môn được xin ý kiến.")
        if body.department == actor.department:
            raise Invalid.field(("body", "department"), "Phòng được xin ý kiến phải khác phòng chủ trì.")
        self.repo.add(Consultation(dossier_code=d.code, agency_code=d.agency_code, department=body.department,
                                   status="open", question=body.comment, requested_at=now,
                                   requested_by=actor.name, due_at=d.step_due_at))
        await self._stay(d, "consult", actor, now, body, data={"department": body.department})

    async def _reply(self, d: Dossier, consults: list[Consultation], actor: Actor, now: datetime,
                     body: ActionRequest) -> None:
        if not body.comment:
            raise Invalid.field(("body", "comment"), "Cần nhập ý kiến của phòng phối hợp.")
        c = next(c for c in consults if c.status == "open" and c.department == actor.department)
        c.status, c.opinion, c.answered_by, c.answered_at = "answered", body.comment, actor.name, now
        await self._stay(d, "reply_consult", actor, now, body, data={"department": c.department})

    async def _handoff(self, d: Dossier, step: StepDef, actor: Actor, now: datetime, emit: Emitter,
                       body: ActionRequest) -> str:
        if not body.target_agency:
            raise Invalid.field(("body", "target_agency"), "Cần chọn cơ quan phối hợp liên thông.")
        if body.target_agency == d.agency_code:
            raise Invalid.field(("body", "target_agency"), "Cơ quan phối hợp phải khác cơ quan chủ trì.")
        partners = list(d.interagency or [])
        if not partners:
            raise Invalid.field(("body", "target_agency"),
                                "Thủ tục này không có cơ quan phối hợp liên thông; không thể chuyển liên thông.")
        if body.target_agency not in partners:
            raise Invalid.field(("body", "target_agency"),
                                f"Cơ quan {body.target_agency} không thuộc danh sách cơ quan phối hợp liên thông "
                                f"của thủ tục ({', '.join(partners)}).")
        h = Handoff(id=str(uuid.uuid4()), dossier_code=d.code, lead_agency=d.agency_code,
                    target_agency=body.target_agency, status="requested", requested_at=now,
                    requested_by=actor.name, note=body.comment, documents=[x.as_dict() for x in body.documents])
        self.repo.add(h)
        d.handoff_id = h.id
        await self._move(d, "handoff", step_of(d, step.actions["handoff"]), actor, now, emit, body=body,
                         target_agency=body.target_agency)
        emit(HandoffRequested(code=d.code, procedure_code=d.procedure_code, agency_code=d.agency_code, at=now,
                              actor_id=actor.id, actor_name=actor.name, step=d.step,
                              target_agency=h.target_agency, handoff_id=h.id), d.code)
        return h.id

    async def _handoff_back(self, d: Dossier, step: StepDef, h: Handoff, actor: Actor, now: datetime,
                            emit: Emitter, body: ActionRequest) -> None:
        a = body.action
        if a == "refuse_handoff" and not body.reason:
            raise Invalid.field(("body", "reason"), "Cần nêu lý do không tiếp nhận hồ sơ liên thông.")
        if a == "complete_handoff" and not (body.comment or body.documents):
            raise Invalid.field(("body", "comment"), "Cần gửi kết quả giải quyết phần việc liên thông.")
        if a == "refuse_handoff":
            h.status, h.answered_at, h.result = "refused", now, body.reason
        else:
            h.status, h.completed_at, h.result = "completed", now, body.comment
            h.documents = [*h.documents, *(x.as_dict() for x in body.documents)]
        d.handoff_id = None
        await self._move(d, a, step_of(d, step.actions[a]), actor, now, emit, body=body,
                         target_agency=h.target_agency)
        emit(HandoffCompleted(code=d.code, procedure_code=d.procedure_code, agency_code=d.agency_code, at=now,
                              actor_id=actor.id, actor_name=actor.name, step=d.step, target_agency=h.target_agency,
                              handoff_id=h.id, outcome="refused" if a == "refuse_handoff" else "completed"), d.code)

    async def _recall(self, d: Dossier, step: StepDef, h: Handoff, actor: Actor, now: datetime, emit: Emitter,
                      body: ActionRequest) -> None:
        """The lead agency takes back a hand-off nobody accepted yet: the dossier can never get stuck."""
        h.status, h.answered_at, h.result = "recalled", now, body.reason or body.comment
        d.handoff_id = None
        back = step.actions.get("refuse_handoff") or step.actions.get("complete_handoff")
        if back is None:  # a one-stop system's step: to the specialist step the desk forwards dossiers to
            start = step_of(d, definition_of(d).start)
            back = start.auto_forward_to or start.actions.get("forward")
        if back is None:
            raise Conflict("Quy trình không có bước để thu hồi hồ sơ liên thông về.", slug="handoff-state")
        await self._move(d, "recall_handoff", step_of(d, back), actor, now, emit, body=body,
                         target_agency=h.target_agency)
        emit(HandoffCompleted(code=d.code, procedure_code=d.procedure_code, agency_code=d.agency_code, at=now,
                              actor_id=actor.id, actor_name=actor.name, step=d.step, target_agency=h.target_agency,
                              handoff_id=h.id, outcome="recalled"), d.code)

    async def _reschedule(self, d: Dossier, new_due: datetime, now: datetime) -> datetime:
        """A new appointment: deadline timers follow it; returns the old one."""
        old_due = d.due_at
        d.due_at = new_due
        d.overdue = False
        if d.step_due_at is not None and d.step_due_at >= old_due:
            d.step_due_at = new_due
        self._touch(d)
        await self._save(d)
        await self.repo.cancel_timers(d.code, now, kinds=("deadline_warning", "overdue"))
        self._schedule_deadline(d, now)
        return old_due

    async def _extend(self, d: Dossier, actor: Actor, now: datetime, emit: Emitter,
                      body: ActionRequest) -> dict[str, Any]:
        if not body.reason:
            raise Invalid.field(("body", "reason"), "Cần nêu lý do chậm trễ.")
        if body.new_due_at is None and body.extra_days is None:
            raise Invalid.field(("body", "new_due_at"), "Cần hẹn lại ngày trả kết quả (new_due_at hoặc extra_days).")
        new_due = body.new_due_at or self.cal.add_working_days(max(d.due_at, now), body.extra_days or 0)
        if new_due <= d.due_at or new_due <= now:
            raise Invalid.field(("body", "new_due_at"), "Ngày hẹn mới phải sau ngày hẹn hiện tại và sau thời điểm này.")
        old_due = d.due_at
        tz = self.cal.tz
        form = {
            "form": "04", "title": "Phiếu xin lỗi và hẹn lại ngày trả kết quả", "code": d.code,
            "applicant_name": d.applicant_name, "procedure_name": d.procedure_name, "agency_code": d.agency_code,
            "received_at": d.received_at.isoformat(), "old_due_at": old_due.isoformat(), "reason": body.reason,
            "apology": (f"Cơ quan giải quyết hồ sơ xin lỗi Ông/Bà {d.applicant_name or ''} vì hồ sơ mã {d.code} "
                        f"chưa được giải quyết đúng hẹn ngày {old_due.astimezone(tz):%d/%m/%Y %H:%M} "
                        f"(lý do: {body.reason}). Hồ sơ sẽ được trả kết quả vào ngày "
                        f"{new_due.astimezone(tz):%d/%m/%Y %H:%M}. Mong Ông/Bà thông cảm."),
            "new_due_at": new_due.isoformat(), "signed_by": actor.name, "signed_by_title": "Lãnh đạo cơ quan",
            "agency_name": d.agency_name, "issued_at": now.isoformat(),
        }
        await self._reschedule(d, new_due, now)
        await self._append(d, actor, "extend", now, from_step=d.step, to_step=d.step, comment=body.comment,
                           reason=body.reason, data={"form_04": form})
        emit(DossierExtended(code=d.code, procedure_code=d.procedure_code, agency_code=d.agency_code, at=now,
                             actor_id=actor.id, actor_name=actor.name, step=d.step, reason=body.reason,
                             old_due_at=old_due, new_due_at=new_due), d.code)
        return form

    # --- timers ---------------------------------------------------------------------------------------------
    async def fire(self, t: Timer, d: Dossier | None) -> str:
        """The effect of one due timer, in the claiming transaction; 'stale' when the dossier moved on."""
        if d is None or d.status != "active" or d.paused_at is not None:
            return "stale"
        now = now_utc()
        emit = Emitter(self.session, f"timer-{t.id}")
        common: dict[str, Any] = {
            "code": d.code, "procedure_code": d.procedure_code, "agency_code": d.agency_code, "at": now,
            "step": d.step}
        if t.kind == "auto_forward":
            step = step_of(d)
            if t.token != d.step_seq or step.auto_forward_to is None:
                return "stale"
            await self._move(d, "forward", step_of(d, step.auto_forward_to), SYSTEM, now, emit,
                             comment="Tự động chuyển phòng chuyên môn (R-INT-4)",
                             data={"scheduled_at": t.fire_at.isoformat()})
        elif t.kind == "step_due":
            if t.token != d.step_seq:
                return "stale"
            await self._append(d, SYSTEM, "step_deadline_passed", now, from_step=d.step, to_step=d.step)
        elif t.kind == "deadline_warning":
            if t.token != due_token(d.due_at):
                return "stale"
            emit(DeadlineApproaching(**common, due_at=d.due_at), d.code)
            await self._append(d, SYSTEM, "deadline_warning", now, from_step=d.step, to_step=d.step)
        elif t.kind == "overdue":
            if t.token != due_token(d.due_at) or d.overdue:
                return "stale"
            d.overdue = True
            await self._save(d)
            emit(DossierOverdue(**common, due_at=d.due_at), d.code)
            await self._append(d, SYSTEM, "overdue", now, from_step=d.step, to_step=d.step)
        else:
            return "stale"
        return "fired"


def _iso(v: datetime | None) -> str | None:
    return v.isoformat() if v else None


def _parse(v: Any) -> datetime | None:
    return datetime.fromisoformat(v) if isinstance(v, str) else None
