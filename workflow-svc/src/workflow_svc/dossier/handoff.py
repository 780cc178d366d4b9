"""The hand-off life cycle (liên thông): to a partner agency or to an agency's own one-stop software.

requested → accepted | refused | recalled, then completed; a one-stop system advances it by status reports.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.interop import StatusReported, SystemRegistered, SystemRevoked
from contracts.vocabulary import STEP_VI, NationalStatus, Step
from contracts.workflow import DossierExtended, DossierProcessingStarted, HandoffCompleted, HandoffRequested
from workflow_svc.definition.schemas import StepDef
from workflow_svc.dossier.models import Dossier, ExternalSystem, Handoff
from workflow_svc.dossier.process import EXTERNAL, EXTERNAL_STEP, outcome_step, recall_target
from workflow_svc.dossier.schemas import ActionRequest
from workflow_svc.dossier.state import definition_of, step_of
from workflow_svc.dossier.transitions import SYSTEM, Actor, Emitter, Transitions, common, now_utc
from workflow_svc.errors import Conflict
from workflow_svc.settings import Settings

log = logging.getLogger(__name__)


class HandoffService:
    def __init__(self, session: AsyncSession, settings: Settings, tx: Transitions | None = None) -> None:
        self.session = session
        self.settings = settings
        self.tx = tx or Transitions(session, settings)
        self.repo = self.tx.repo

    # --- to a partner agency (actions of officers) ---------------------------------------------------------
    async def request(self, d: Dossier, step: StepDef, actor: Actor, now: datetime, emit: Emitter,
                      body: ActionRequest) -> str:
        assert body.target_agency is not None  # checked by the rules
        h = Handoff(id=str(uuid.uuid4()), dossier_code=d.code, lead_agency=d.agency_code,
                    target_agency=body.target_agency, status="requested", requested_at=now,
                    requested_by=actor.name, note=body.comment, documents=[x.as_dict() for x in body.documents])
        self.repo.add(h)
        d.handoff_id = h.id
        await self.tx.move(d, "handoff", step_of(d, step.actions["handoff"]), actor, now, emit, body=body,
                           target_agency=body.target_agency)
        emit(HandoffRequested(**common(d, actor, now), step=d.step, target_agency=h.target_agency,
                              handoff_id=h.id), d.code)
        return h.id

    async def accept(self, d: Dossier, h: Handoff, actor: Actor, now: datetime, body: ActionRequest) -> None:
        h.status, h.answered_at = "accepted", now
        d.assignee_id, d.assignee_name = actor.id, actor.name
        await self.tx.stay(d, "accept_handoff", actor, now, body, target_agency=h.target_agency)

    async def answer(self, d: Dossier, step: StepDef, h: Handoff, actor: Actor, now: datetime, emit: Emitter,
                     body: ActionRequest) -> None:
        """The partner refuses the part, or completes it; either way the dossier returns to the lead."""
        a = body.action
        if a == "refuse_handoff":
            h.status, h.answered_at, h.result = "refused", now, body.reason
        else:
            h.status, h.completed_at, h.result = "completed", now, body.comment
            h.documents = [*h.documents, *(x.as_dict() for x in body.documents)]
        d.handoff_id = None
        await self.tx.move(d, a, step_of(d, step.actions[a]), actor, now, emit, body=body,
                           target_agency=h.target_agency)
        emit(HandoffCompleted(**common(d, actor, now), step=d.step, target_agency=h.target_agency,
                              handoff_id=h.id, outcome="refused" if a == "refuse_handoff" else "completed"), d.code)

    async def recall(self, d: Dossier, step: StepDef, h: Handoff, actor: Actor, now: datetime, emit: Emitter,
                     body: ActionRequest) -> None:
        """The lead agency takes back a hand-off nobody accepted yet: the dossier can never get stuck."""
        h.status, h.answered_at, h.result = "recalled", now, body.reason or body.comment
        d.handoff_id = None
        back = recall_target(definition_of(d), step)
        if back is None:
            raise Conflict("Quy trình không có bước để thu hồi hồ sơ liên thông về.", slug="handoff-state")
        await self.tx.move(d, "recall_handoff", step_of(d, back), actor, now, emit, body=body,
                           target_agency=h.target_agency)
        emit(HandoffCompleted(**common(d, actor, now), step=d.step, target_agency=h.target_agency,
                              handoff_id=h.id, outcome="recalled"), d.code)

    # --- to the agency's one-stop software -----------------------------------------------------------------
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

    async def to_system(self, d: Dossier, system: str, now: datetime, emit: Emitter) -> None:
        """Instead of the specialist department: the agency's own software processes it (requested)."""
        h = Handoff(id=str(uuid.uuid4()), dossier_code=d.code, lead_agency=d.agency_code,
                    target_agency=d.agency_code, status="requested", requested_at=now, requested_by=SYSTEM.name,
                    note=STEP_VI[Step.EXTERNAL], documents=[], system_code=system)
        self.repo.add(h)
        d.handoff_id = h.id
        await self.tx.move(d, "external_handoff", EXTERNAL_STEP, SYSTEM, now, emit, started=False,
                           comment="Chuyển hồ sơ sang phần mềm một cửa của cơ quan", target_agency=d.agency_code)
        emit(HandoffRequested(**common(d, SYSTEM, now), step=d.step, target_agency=d.agency_code,
                              handoff_id=h.id), d.code)

    async def external_status(self, p: StatusReported, event_id: str) -> None:
        """A status update from the one-stop system a dossier was handed off to advances it."""
        d = await self.repo.lock(p.dossier_code)
        h = await self.repo.handoff(d.handoff_id) if d is not None and d.handoff_id else None
        if (d is None or d.status != "active" or d.step != EXTERNAL or h is None or h.system_code is None
                or h.target_agency != p.agency_code):
            log.info("status %s of %s from %s ignored: the dossier is not handed off to that agency's system",
                     p.national_status, p.dossier_code, p.agency_code)
            return
        tx = self.tx
        now = now_utc()
        actor = Actor(None, p.officer or "Phần mềm một cửa", "external", p.agency_code, p.department)
        emit = Emitter(self.session, f"interop-{event_id}"[:50])
        fields = common(d, actor, now)
        if p.new_due_at is not None and p.new_due_at > d.due_at:
            old_due = await tx.reschedule(d, p.new_due_at, now)
            reason = p.note or "Cơ quan giải quyết hẹn lại ngày trả kết quả"
            await tx.note(d, actor, "external_extended", now, reason=reason,
                          data={"old_due_at": old_due.isoformat(), "new_due_at": d.due_at.isoformat()})
            emit(DossierExtended(**fields, step=d.step, reason=reason, old_due_at=old_due, new_due_at=d.due_at),
                 d.code)
        status = p.national_status
        docs = [{str(k): str(v) for k, v in doc.items()} for doc in p.result_documents]
        if status in (NationalStatus.RECEIVED, NationalStatus.PROCESSING):
            if h.status == "requested":
                h.status, h.answered_at = "accepted", now
                await tx.stay(d, "external_accepted", actor, now, None, target_agency=d.agency_code, comment=p.note)
                emit(DossierProcessingStarted(**fields, step=d.step), d.code)
        elif status == NationalStatus.SUPPLEMENT_REQUESTED:
            await tx.stay(d, "external_note", actor, now, None, comment=p.note or "Yêu cầu bổ sung hồ sơ")
        elif status in (NationalStatus.NOT_RECEIVED, NationalStatus.STOPPED):
            reason = p.note or "Cơ quan giải quyết từ chối giải quyết hồ sơ"
            h.status, h.answered_at, h.result = "refused", now, reason
            d.handoff_id, d.refusal_reason = None, reason
            await tx.move(d, "external_refused", outcome_step(definition_of(d), "rejected"), actor, now, emit,
                          reason=reason, target_agency=d.agency_code)
            emit(HandoffCompleted(**fields, step=d.step, target_agency=d.agency_code, handoff_id=h.id,
                                  outcome="refused"), d.code)
        elif status == NationalStatus.FINISHED:
            h.status, h.completed_at, h.result = "completed", now, p.note
            h.documents = docs
            d.handoff_id = None
            d.draft_documents = docs or d.draft_documents
            await tx.move(d, "external_result", outcome_step(definition_of(d), "result_ready"), actor, now, emit,
                          comment=p.note, target_agency=d.agency_code)
            emit(HandoffCompleted(**fields, step=d.step, target_agency=d.agency_code, handoff_id=h.id,
                                  outcome="completed"), d.code)
