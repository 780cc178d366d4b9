"""The effect of one due timer: the desk's auto-forward, a step's or the dossier's deadline."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.workflow import DeadlineApproaching, DossierOverdue
from workflow_svc.dossier import rules
from workflow_svc.dossier.models import Dossier
from workflow_svc.dossier.state import step_of
from workflow_svc.dossier.transitions import SYSTEM, Emitter, Transitions, now_utc
from workflow_svc.settings import Settings
from workflow_svc.timer.models import Timer


class TimerService:
    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.session = session
        self.tx = Transitions(session, settings)

    async def fire(self, t: Timer, d: Dossier | None) -> str:
        """Applies ``t`` in the claiming transaction; 'stale' when the dossier moved on since it was set."""
        if d is None or d.status != "active" or d.paused_at is not None:
            return "stale"
        tx = self.tx
        now = now_utc()
        emit = Emitter(self.session, f"timer-{t.id}")
        fields: dict[str, Any] = {
            "code": d.code, "procedure_code": d.procedure_code, "agency_code": d.agency_code, "at": now,
            "step": d.step}
        if t.kind == "auto_forward":
            step = step_of(d)
            if t.token != d.step_seq or step.auto_forward_to is None:
                return "stale"
            await tx.move(d, "forward", step_of(d, step.auto_forward_to), SYSTEM, now, emit,
                          comment="Tự động chuyển phòng chuyên môn (R-INT-4)",
                          data={"scheduled_at": t.fire_at.isoformat()})
        elif t.kind == "step_due":
            if t.token != d.step_seq:
                return "stale"
            await tx.note(d, SYSTEM, "step_deadline_passed", now)
        elif t.kind == "deadline_warning":
            if t.token != rules.due_token(d.due_at):
                return "stale"
            emit(DeadlineApproaching(**fields, due_at=d.due_at), d.code)
            await tx.note(d, SYSTEM, "deadline_warning", now)
        elif t.kind == "overdue":
            if t.token != rules.due_token(d.due_at) or d.overdue:
                return "stale"
            d.overdue = True
            await tx.save(d)
            emit(DossierOverdue(**fields, due_at=d.due_at), d.code)
            await tx.note(d, SYSTEM, "overdue", now)
        else:
            return "stale"
        return "fired"
