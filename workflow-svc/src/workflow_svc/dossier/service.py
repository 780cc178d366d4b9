"""Processing of one dossier: started by intake's acceptance, moved by officers' actions, paused while the
applicant supplements. The rules live in rules.py, the actions in actions.py, hand-offs in handoff.py,
timers in timer/service.py, reads in views.py; this module ties them to a request or an event."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from contracts.intake import DossierAccepted, DossierSupplemented, DossierSupplementRequested, DossierWithdrawn
from contracts.workflow import DossierExtended, DossierStepChanged
from servicekit.auth import Principal
from servicekit.problems import Unavailable
from workflow_svc.definition.service import DefinitionService
from workflow_svc.dossier import rules
from workflow_svc.dossier.actions import ACTIONS, Ctx
from workflow_svc.dossier.handoff import HandoffService
from workflow_svc.dossier.models import Dossier, Handoff
from workflow_svc.dossier.schemas import ActionRequest, ActionResult
from workflow_svc.dossier.state import caller_of, situation, step_of
from workflow_svc.dossier.transitions import SYSTEM, Actor, Emitter, Transitions, iso, now_utc
from workflow_svc.dossier.views import DossierViews
from workflow_svc.errors import Conflict, Invalid
from workflow_svc.settings import Settings

# asks intake which of these file ids may not go with the dossier (workflow_svc.intake.client)
FileCheck = Callable[[list[str]], Awaitable[dict[str, str]]]

RESUMED_REASON = "Người nộp đã bổ sung hồ sơ: ngày hẹn trả kết quả lùi lại bằng thời gian chờ bổ sung"


class DossierService:
    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.tx = Transitions(session, settings)
        self.repo = self.tx.repo
        self.handoffs = HandoffService(session, settings, self.tx)
        self.views = DossierViews(session, settings)

    # --- events from intake -------------------------------------------------------------------------------
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
            agency_name=p.agency_name, owner_id=p.applicant_user_id, supplement_rounds=0,
        )
        self.repo.add(d)
        emit = Emitter(self.session, f"start-{event_id}"[:50])
        start = step_of(d, body.start)
        self.tx.enter(d, start, now, emit, assignee=None, started_at=p.received_at)
        await self.repo.flush()
        await self.tx.append(d, SYSTEM, "start", now, from_step=None, to_step=start.code,
                             data={"to_agency": d.step_agency, "to_step_due_at": iso(d.step_due_at)})
        emit(DossierStepChanged(code=d.code, procedure_code=d.procedure_code, agency_code=d.agency_code, at=now,
                                actor_name=SYSTEM.name, step=start.code, from_step=None, to_step=start.code,
                                to_step_name=start.name, role=start.role, step_agency=d.step_agency,
                                step_due_at=d.step_due_at, action="start"), d.code)
        self.tx.schedule_deadline(d, now)
        system = await self.handoffs.external_system_of(d.agency_code)
        if system is not None:
            await self.handoffs.to_system(d, system, now, emit)

    async def withdrawn(self, p: DossierWithdrawn) -> None:
        d = await self.repo.lock(p.code)
        if d is None or d.status != "active":
            return
        now = now_utc()
        d.status, d.finished_at = "withdrawn", p.at
        await self.tx.save(d)
        await self.tx.timers.cancel(d.code, now)
        await self.tx.note(d, Actor(p.actor_id, p.applicant_name or "Người nộp hồ sơ", "citizen", None), "withdrawn",
                           now, reason=p.reason)

    async def supplement_requested(self, p: DossierSupplementRequested) -> None:
        """The clock stops while the dossier waits on the applicant (those days do not count)."""
        d = await self.repo.lock(p.code)
        if d is None or d.status != "active" or d.paused_at is not None:
            return
        d.paused_at = p.at
        await self.tx.save(d)
        await self.tx.note(d, SYSTEM, "paused", now_utc(), comment="Chờ người nộp bổ sung hồ sơ",
                           data={"round": p.round})

    async def supplemented(self, p: DossierSupplemented, event_id: str | None = None) -> None:
        """The applicant supplemented: the clock runs again, both deadlines later by the working time waited;
        the dossier is where it was, with whoever held it. Intake learns the new appointment."""
        d = await self.repo.lock(p.code)
        if d is None or d.status != "active" or d.paused_at is None:
            return
        now = now_utc()
        old_due = d.due_at
        d.due_at, d.step_due_at, waited = rules.resumed(d.due_at, d.step_due_at, d.paused_at, p.at, self.tx.cal)
        d.paused_at = None
        self.tx.touch(d)
        await self.tx.save(d)
        await self.tx.timers.cancel(d.code, now)
        self.tx.schedule_step(d, step_of(d))
        self.tx.schedule_deadline(d, now)
        await self.tx.note(d, SYSTEM, "resumed", now, data={
            "waited_seconds": waited.total_seconds(), "due_at": d.due_at.isoformat(), "old_due_at": old_due.isoformat(),
            "round": p.round})
        if d.due_at != old_due:
            emit = Emitter(self.session, f"resume-{event_id}"[:50] if event_id else None)
            emit(DossierExtended(code=d.code, procedure_code=d.procedure_code, agency_code=d.agency_code, at=now,
                                 actor_name=SYSTEM.name, step=d.step, reason=RESUMED_REASON, old_due_at=old_due,
                                 new_due_at=d.due_at), d.code)

    # --- officers' actions ---------------------------------------------------------------------------------
    async def _check_files(self, d: Dossier, handoff: Handoff | None, body: ActionRequest,
                           refused_files: FileCheck | None) -> None:
        """A file named in the action must be one intake lets the actor attach to this dossier (already in it,
        or the actor's own upload no other dossier holds); the draft already on the dossier needs no asking.
        422 naming each refused ``documents[i].file_id``."""
        known = {doc.get("file_id") for doc in [*d.draft_documents, *(handoff.documents if handoff else [])]}
        asked = {doc.file_id for doc in body.documents if doc.file_id and doc.file_id not in known}
        if not asked:
            return
        if refused_files is None:
            raise Unavailable("Không kiểm tra được tệp đính kèm, vui lòng thử lại sau.")
        refused = await refused_files(sorted(asked))
        errors: list[dict[str, Any]] = []
        messages: list[str] = []
        for i, doc in enumerate(body.documents):
            if doc.file_id in refused:
                errors.append({"loc": ["body", "documents", i, "file_id"], "msg": refused[doc.file_id]})
                messages.append(f"{doc.name}: {refused[doc.file_id]}")
        if errors:
            raise Invalid("Tệp đính kèm không hợp lệ: " + " ".join(messages), errors=errors)

    async def act(self, code: str, p: Principal, body: ActionRequest, event_id: str | None, *,
                  refused_files: FileCheck | None = None) -> ActionResult:
        d = await self.views.visible(code, p)
        if body.version is not None and body.version != d.version:
            raise Conflict("Hồ sơ đã được xử lý bởi người khác; vui lòng tải lại.", slug="version-conflict")
        consults = await self.repo.consultations(code)
        handoff = await self.repo.handoff(d.handoff_id) if d.handoff_id else None
        s = situation(d, handoff, consults, self.tx.warning_from(d.due_at))
        caller = caller_of(p)
        now = now_utc()
        refusal = rules.refusal(s, caller, body.action, now)
        if refusal is not None:
            raise refusal
        missing = rules.input_problem(body, s, caller)
        if missing is not None:
            raise missing
        await self._check_files(d, handoff, body, refused_files)
        actor = Actor.of(p, rules.actor_role(body.action, s.step, caller))
        ctx = Ctx(tx=self.tx, handoffs=self.handoffs, d=d, step=s.step, principal=p, actor=actor, body=body,
                  now=now, emit=Emitter(self.session, event_id), handoff=handoff, consults=consults, situation=s)
        try:
            extra: dict[str, Any] = await ACTIONS[body.action](ctx)
        except StaleDataError:
            raise Conflict("Hồ sơ vừa được xử lý bởi người khác; vui lòng tải lại.", slug="version-conflict") from None
        view = await self.views.view(d, p)
        return ActionResult(**view.model_dump(), performed=body.action, **extra)
