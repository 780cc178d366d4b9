"""The action table: what each officer action does once the rules allowed it and its body is complete."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from contracts.workflow import DossierExtended, SupplementRequested
from servicekit.auth import Principal
from workflow_svc.definition.schemas import StepDef
from workflow_svc.dossier import rules
from workflow_svc.dossier.handoff import HandoffService
from workflow_svc.dossier.models import Consultation, Dossier, Handoff
from workflow_svc.dossier.schemas import ActionRequest
from workflow_svc.dossier.state import step_of
from workflow_svc.dossier.transitions import Actor, Emitter, Transitions, common
from workflow_svc.forms.form04 import form_04
from workflow_svc.officer.service import OfficerService


@dataclass
class Ctx:
    """One allowed action being carried out."""

    tx: Transitions
    handoffs: HandoffService
    d: Dossier
    step: StepDef
    principal: Principal
    actor: Actor
    body: ActionRequest
    now: datetime
    emit: Emitter
    handoff: Handoff | None
    consults: list[Consultation]
    situation: rules.Situation

    @property
    def docs(self) -> list[dict[str, str]]:
        return [x.as_dict() for x in self.body.documents]

    async def advance(self) -> None:
        """Along the definition's edge named by the action."""
        a = self.body.action
        await self.tx.move(self.d, a, step_of(self.d, self.step.actions[a]), self.actor, self.now, self.emit,
                           body=self.body)


# What an action adds to its answer (a hand-off id, form 04), beyond the dossier's new view.
Extra = dict[str, Any]
Handler = Callable[[Ctx], Awaitable[Extra]]


async def claim(c: Ctx) -> Extra:
    c.d.assignee_id, c.d.assignee_name = c.principal.id, c.actor.name
    await c.tx.stay(c.d, "claim", c.actor, c.now, c.body)
    return {}


async def advance(c: Ctx) -> Extra:
    await c.advance()
    return {}


async def propose(c: Ctx) -> Extra:
    c.d.draft_documents = c.docs
    await c.advance()
    return {}


async def approve(c: Ctx) -> Extra:
    if c.docs:  # the leader may replace the draft by the signed result
        c.d.draft_documents = c.docs
    await c.advance()
    return {}


async def propose_refusal(c: Ctx) -> Extra:
    c.d.refusal_reason = c.body.reason
    if c.docs:
        c.d.draft_documents = c.docs
    await c.advance()
    return {}


async def approve_refusal(c: Ctx) -> Extra:
    c.d.refusal_reason = c.body.reason or c.d.refusal_reason
    await c.advance()
    return {}


async def consult(c: Ctx) -> Extra:
    d, b = c.d, c.body
    assert b.department is not None  # checked by the rules
    c.tx.repo.add(Consultation(dossier_code=d.code, agency_code=d.agency_code, department=b.department,
                               status="open", question=b.comment, requested_at=c.now,
                               requested_by=c.actor.name, due_at=d.step_due_at))
    await c.tx.stay(d, "consult", c.actor, c.now, b, data={"department": b.department})
    return {}


async def reply_consult(c: Ctx) -> Extra:
    open_ = next(x for x in c.consults if x.status == "open" and x.department == c.actor.department)
    open_.status, open_.opinion, open_.answered_by, open_.answered_at = "answered", c.body.comment, c.actor.name, c.now
    await c.tx.stay(c.d, "reply_consult", c.actor, c.now, c.body, data={"department": open_.department})
    return {}


async def handoff(c: Ctx) -> Extra:
    return {"handoff_id": await c.handoffs.request(c.d, c.step, c.actor, c.now, c.emit, c.body)}


async def accept_handoff(c: Ctx) -> Extra:
    assert c.handoff is not None  # checked by the rules
    await c.handoffs.accept(c.d, c.handoff, c.actor, c.now, c.body)
    return {}


async def answer_handoff(c: Ctx) -> Extra:
    assert c.handoff is not None
    await c.handoffs.answer(c.d, c.step, c.handoff, c.actor, c.now, c.emit, c.body)
    return {}


async def recall_handoff(c: Ctx) -> Extra:
    assert c.handoff is not None
    await c.handoffs.recall(c.d, c.step, c.handoff, c.actor, c.now, c.emit, c.body)
    return {}


async def extend(c: Ctx) -> Extra:
    """A late dossier gets a new appointment and the apology (form 04) signed by the head of the agency."""
    d, b = c.d, c.body
    assert b.reason is not None
    new_due = rules.extension_due(b, d.due_at, c.now, c.tx.cal)
    old_due = d.due_at
    form = form_04(d, reason=b.reason, old_due=old_due, new_due=new_due, signed_by=c.actor.name, issued_at=c.now)
    await c.tx.reschedule(d, new_due, c.now)
    await c.tx.note(d, c.actor, "extend", c.now, comment=b.comment, reason=b.reason, data={"form_04": form})
    c.emit(DossierExtended(**common(d, c.actor, c.now), step=d.step, reason=b.reason, old_due_at=old_due,
                           new_due_at=new_due), d.code)
    return {"form_04": form}


async def release(c: Ctx) -> Extra:
    """The assignee gives the task back to the step's role: any officer of it may claim it."""
    c.d.assignee_id, c.d.assignee_name, c.d.previous_assignee_id = None, None, None
    await c.tx.stay(c.d, "release", c.actor, c.now, c.body)
    c.tx.task_assigned(c.d, c.step, c.now, c.emit)
    return {}


async def reassign(c: Ctx) -> Extra:
    """A leader gives the task (claimed or not) to another officer of the agency holding the step."""
    d, b = c.d, c.body
    assert b.assignee is not None  # checked by the rules
    found = await OfficerService(c.tx.session).get(b.assignee)
    candidate = (rules.Candidate(found.user_id, frozenset(found.roles), found.agency_code, found.active)
                 if found is not None else None)
    if (problem := rules.assignee_problem(b, c.situation, candidate)) is not None:
        raise problem
    assert found is not None
    old_id, old_name = d.assignee_id, d.assignee_name
    d.previous_assignee_id = old_id
    d.assignee_id, d.assignee_name = found.user_id, found.full_name
    await c.tx.stay(d, "reassign", c.actor, c.now, b, data={
        "from_assignee": old_id, "from_assignee_name": old_name, "assignee_name": found.full_name})
    c.tx.task_assigned(d, c.step, c.now, c.emit)
    return {}


async def request_supplement(c: Ctx) -> Extra:
    """The specialist asks the applicant for more (form 02): the clock stops until intake reports the supplement;
    the dossier then returns to this step and this specialist."""
    d, b = c.d, c.body
    d.paused_at = c.now
    d.supplement_rounds = (d.supplement_rounds or 0) + 1
    if d.assignee_id is None:
        d.assignee_id, d.assignee_name = c.principal.id, c.actor.name
    form = {"form": "02", "title": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", "code": d.code,
            "applicant_name": d.applicant_name, "procedure_name": d.procedure_name, "items": list(b.items),
            "note": b.note, "round": d.supplement_rounds, "contact_officer": c.actor.name,
            "agency_name": d.agency_name, "issued_at": c.now.isoformat()}
    await c.tx.stay(d, "request_supplement", c.actor, c.now, b, comment=b.note,
                    data={"items": list(b.items), "round": d.supplement_rounds, "form_02": form})
    c.emit(SupplementRequested(**common(d, c.actor, c.now), step=d.step, items=list(b.items), note=b.note,
                               requested_by=c.actor.name, round=d.supplement_rounds), d.code)
    return {}


ACTIONS: dict[str, Handler] = {
    "claim": claim,
    "forward": advance,
    "propose": propose,
    "approve": approve,
    "return_for_rework": advance,
    "propose_refusal": propose_refusal,
    "approve_refusal": approve_refusal,
    "consult": consult,
    "reply_consult": reply_consult,
    "handoff": handoff,
    "accept_handoff": accept_handoff,
    "refuse_handoff": answer_handoff,
    "complete_handoff": answer_handoff,
    "recall_handoff": recall_handoff,
    "extend": extend,
    "release": release,
    "reassign": reassign,
    "request_supplement": request_supplement,
}
