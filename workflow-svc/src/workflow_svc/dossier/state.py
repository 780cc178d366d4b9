"""The rows of a dossier as the plain data the rules take (see rules.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from servicekit.auth import Principal
from workflow_svc.definition.schemas import DefinitionBody, StepDef
from workflow_svc.dossier.models import Consultation, Dossier, Handoff
from workflow_svc.dossier.process import body_of, find_step
from workflow_svc.dossier.rules import Caller, Situation


def definition_of(d: Dossier) -> DefinitionBody:
    return body_of(d.definition)


def step_of(d: Dossier, code: str | None = None) -> StepDef:
    return find_step(definition_of(d), code or d.step)


def caller_of(p: Principal) -> Caller:
    return Caller(p.id, frozenset(p.roles), p.agency_code, p.department)


def situation(d: Dossier, handoff: Handoff | None, consults: Sequence[Consultation],
              warning_from: datetime) -> Situation:
    return Situation(
        status=d.status, step=step_of(d), agency_code=d.agency_code, step_agency=d.step_agency,
        assignee_id=d.assignee_id, due_at=d.due_at, warning_from=warning_from,
        handoff_status=handoff.status if handoff is not None else None,
        open_consultations=tuple(c.department for c in consults if c.status == "open"),
        refusal_reason=d.refusal_reason, interagency=tuple(d.interagency or ()),
        awaiting_applicant=d.paused_at is not None, previous_assignee_id=d.previous_assignee_id,
    )
