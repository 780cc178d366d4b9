"""How a dossier changes: entering a step, moving, staying, the action log, deadline timers, outbox events.

Every write of the engine goes through here; the action table (actions.py), the hand-off life cycle
(handoff.py), the timers (timer/service.py) and the intake events (service.py) only decide what to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from contracts import EventData
from contracts.vocabulary import ResultDocumentRef
from contracts.workflow import (
    DossierForwarded,
    DossierProcessingStarted,
    DossierRefused,
    DossierResultReady,
    DossierStepChanged,
    TaskAssigned,
)
from servicekit.auth import Principal
from servicekit.outbox import add_event
from vncalendar import default_calendar
from workflow_svc.definition.schemas import StepDef
from workflow_svc.dossier import rules
from workflow_svc.dossier.models import ActionEntry, Dossier
from workflow_svc.dossier.repository import DossierRepository
from workflow_svc.dossier.schemas import ActionRequest
from workflow_svc.dossier.state import definition_of, step_of
from workflow_svc.errors import Conflict
from workflow_svc.settings import Settings
from workflow_svc.timer.durations import Delay
from workflow_svc.timer.repository import TimerRepository

SOURCE = "/workflow-svc"


def now_utc() -> datetime:
    return datetime.now(UTC)


def iso(v: datetime | None) -> str | None:
    return v.isoformat() if v else None


@dataclass
class Actor:
    """Who acted, as written in the log."""

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


def common(d: Dossier, actor: Actor, now: datetime) -> dict[str, Any]:
    """The fields every workflow event of ``d`` carries."""
    return {"code": d.code, "procedure_code": d.procedure_code, "agency_code": d.agency_code, "at": now,
            "actor_id": actor.id, "actor_name": actor.name}


class Transitions:
    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.repo = DossierRepository(session)
        self.timers = TimerRepository(session)
        self.cal = default_calendar()

    def warning_from(self, due_at: datetime) -> datetime:
        return Delay.parse(self.settings.deadline_warning_before).before(due_at)

    # --- steps ---------------------------------------------------------------------------------------------
    def enter(
        self, d: Dossier, step: StepDef, now: datetime, emit: Emitter, *, assignee: tuple[str, str | None] | None,
        target_agency: str | None = None, started_at: datetime | None = None,
    ) -> None:
        d.step = step.code
        d.step_role = step.role
        d.step_agency = rules.step_agency(step, lead=d.agency_code, current=d.step_agency, target=target_agency)
        d.step_seq = (d.step_seq or 0) + 1
        d.step_entered_at = now
        d.assignee_id, d.assignee_name = assignee if assignee else (None, None)
        d.previous_assignee_id = None
        d.step_due_at = rules.step_due(
            step, entered=started_at or now, received_at=d.received_at, due_at=d.due_at,
            auto_forward_at=Delay.parse(self.settings.auto_forward_after).after, cal=self.cal)
        if step.terminal:
            d.status = "result_ready" if step.outcome == "result_ready" else "rejected"
            d.finished_at = now
            return
        self.schedule_step(d, step)
        if step.role is not None:
            self.task_assigned(d, step, now, emit)

    def task_assigned(self, d: Dossier, step: StepDef, now: datetime, emit: Emitter) -> None:
        """The step's task waits in an officer's list (its assignee's, or every officer of its role)."""
        assert step.role is not None
        emit(TaskAssigned(code=d.code, procedure_code=d.procedure_code, agency_code=d.step_agency or d.agency_code,
                          at=now, step=step.code, role=step.role, assignee_id=d.assignee_id,
                          step_due_at=d.step_due_at), d.code)

    def schedule_step(self, d: Dossier, step: StepDef) -> None:
        """The desk's auto-forward, or the note that the step's own deadline passed."""
        if step.auto_forward_to is not None and d.step_due_at is not None:
            self.timers.add(d.code, "auto_forward", d.step_due_at, d.step_seq)
        elif d.step_due_at is not None and d.step_due_at < d.due_at:
            self.timers.add(d.code, "step_due", d.step_due_at, d.step_seq)

    def schedule_deadline(self, d: Dossier, now: datetime) -> None:
        token = rules.due_token(d.due_at)
        warn_at = self.warning_from(d.due_at)
        if warn_at < d.due_at:
            self.timers.add(d.code, "deadline_warning", max(warn_at, now), token)
        self.timers.add(d.code, "overdue", d.due_at, token)

    async def reschedule(self, d: Dossier, new_due: datetime, now: datetime) -> datetime:
        """A new appointment: deadline timers follow it; returns the old one."""
        old_due = d.due_at
        d.due_at = new_due
        d.overdue = False
        if d.step_due_at is not None and d.step_due_at >= old_due:
            d.step_due_at = new_due
        self.touch(d)
        await self.save(d)
        await self.timers.cancel(d.code, now, kinds=("deadline_warning", "overdue"))
        self.schedule_deadline(d, now)
        return old_due

    # --- writes ----------------------------------------------------------------------------------------------
    async def save(self, d: Dossier) -> None:
        """Flushes the dossier first: the version check (and its row lock) precede every other write."""
        await self.repo.flush()

    def touch(self, d: Dossier) -> None:
        """Every action changes the dossier row, so two concurrent actions conflict on its version."""
        flag_modified(d, "step_seq")

    async def append(
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

    async def note(self, d: Dossier, actor: Actor, action: str, now: datetime, **kw: Any) -> None:
        """A log entry that leaves the dossier at its step."""
        await self.append(d, actor, action, now, from_step=d.step, to_step=d.step, **kw)

    async def stay(
        self, d: Dossier, action: str, actor: Actor, now: datetime, body: ActionRequest | None,
        target_agency: str | None = None, data: dict[str, Any] | None = None, comment: str | None = None,
    ) -> None:
        self.touch(d)
        await self.save(d)
        await self.note(d, actor, action, now, comment=comment or (body.comment if body else None),
                        reason=body.reason if body else None,
                        documents=[x.as_dict() for x in body.documents] if body else None,
                        target_agency=target_agency, data=data)

    async def move(
        self, d: Dossier, action: str, target: StepDef, actor: Actor, now: datetime, emit: Emitter, *,
        body: ActionRequest | None = None, comment: str | None = None, target_agency: str | None = None,
        reason: str | None = None, started: bool = True, data: dict[str, Any] | None = None,
    ) -> None:
        from_step, from_agency, from_due = step_of(d), d.step_agency, d.step_due_at
        start_code = definition_of(d).start
        assignee = (body.assignee, body.assignee_name) if body and body.assignee else None
        self.enter(d, target, now, emit, assignee=assignee, target_agency=target_agency)
        self.touch(d)
        await self.save(d)
        if target.terminal:
            await self.timers.cancel(d.code, now)
        await self.append(
            d, actor, action, now, from_step=from_step.code, to_step=target.code,
            comment=comment or (body.comment if body else None), reason=reason or (body.reason if body else None),
            documents=[x.as_dict() for x in body.documents] if body else None, target_agency=target_agency,
            data={"from_agency": from_agency, "to_agency": d.step_agency, "from_step_due_at": iso(from_due),
                  "to_step_due_at": iso(d.step_due_at), "assignee_name": d.assignee_name, **(data or {})},
        )
        fields = common(d, actor, now)
        attached = cast(list[ResultDocumentRef], [x.as_dict() for x in body.documents] if body else [])
        emit(DossierForwarded(**fields, step=target.code, from_step=from_step.code, to_step=target.code,
                              from_step_name=from_step.name, to_step_name=target.name,
                              department=target.department or target.name), d.code)
        emit(DossierStepChanged(**fields, step=target.code, from_step=from_step.code, to_step=target.code,
                                from_step_name=from_step.name, to_step_name=target.name, role=target.role,
                                step_agency=d.step_agency, step_due_at=d.step_due_at,
                                action=action, documents=attached), d.code)
        if from_step.code == start_code and not target.terminal and started:
            emit(DossierProcessingStarted(**fields, step=target.code), d.code)
        if target.terminal and target.outcome == "result_ready":
            note = comment or (body.comment if body else None)
            docs = cast(list[ResultDocumentRef], d.draft_documents)
            emit(DossierResultReady(**fields, step=target.code, result_documents=docs, finished_at=now, note=note),
                 d.code)
        elif target.terminal and target.outcome == "rejected":
            emit(DossierRefused(**fields, step=target.code, reason=d.refusal_reason or reason or "",
                                finished_at=now), d.code)
