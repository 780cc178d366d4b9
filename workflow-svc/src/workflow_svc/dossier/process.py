"""A dossier's process as plain data: its definition (kept whole when it started) and the steps in it."""

from __future__ import annotations

from typing import Any

from contracts.vocabulary import STEP_VI, Step
from workflow_svc.definition.schemas import DefinitionBody, StepDef
from workflow_svc.errors import Problem

EXTERNAL = Step.EXTERNAL.value
EXTERNAL_STEP = StepDef(code=EXTERNAL, name=STEP_VI[Step.EXTERNAL])
OUTCOME_STEPS = {
    outcome: StepDef(code=outcome, name=STEP_VI[Step(outcome)], terminal=True, outcome=outcome)
    for outcome in ("result_ready", "rejected")
}


def body_of(definition: dict[str, Any]) -> DefinitionBody:
    """``definition`` as stored on the dossier: ``{"procedure_code", "version", "body"}``."""
    return DefinitionBody.model_validate(definition["body"])


def find_step(body: DefinitionBody, code: str) -> StepDef:
    for s in body.steps:
        if s.code == code:
            return s
    if code == EXTERNAL:  # the agency processes in its own one-stop software
        return EXTERNAL_STEP
    if code in OUTCOME_STEPS:  # a definition without that outcome, finished by a one-stop system
        return OUTCOME_STEPS[code]
    raise Problem(f"Bước '{code}' không có trong quy trình của hồ sơ.", status=500, slug="internal")


def outcome_step(body: DefinitionBody, outcome: str) -> StepDef:
    """The definition's step ending with ``outcome``, or the built-in one when it has none."""
    found = next((s for s in body.steps if s.outcome == outcome), None)
    return found if found is not None else OUTCOME_STEPS[outcome]


def recall_target(body: DefinitionBody, step: StepDef) -> str | None:
    """Where a recalled hand-off returns: the step a refusal or a result would return to; for a one-stop
    system's step, the specialist step the desk forwards dossiers to."""
    back = step.actions.get("refuse_handoff") or step.actions.get("complete_handoff")
    if back is None:
        start = find_step(body, body.start)
        back = start.auto_forward_to or start.actions.get("forward")
    return back
