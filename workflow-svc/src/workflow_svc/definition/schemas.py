"""A process definition: the steps of one procedure's processing, as versioned data."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from servicekit.timefmt import VNDateTime

Role = Literal["reception", "specialist", "leader"]
Outcome = Literal["result_ready", "rejected"]

# Actions that move the dossier between steps (their target is named in the definition).
MOVE_ACTIONS = frozenset({
    "forward", "propose", "approve", "return_for_rework", "propose_refusal", "approve_refusal",
    "handoff", "refuse_handoff", "complete_handoff",
})
# Actions that keep the dossier at its step (their target, if given, must be the step itself).
STAY_ACTIONS = frozenset({"consult", "extend", "accept_handoff"})
DEFINED_ACTIONS = MOVE_ACTIONS | STAY_ACTIONS
# Always available to whoever may act at a step; never listed in a definition.
IMPLICIT_ACTIONS = frozenset({"claim", "reply_consult", "recall_handoff", "release", "reassign", "request_supplement"})
ALL_ACTIONS = DEFINED_ACTIONS | IMPLICIT_ACTIONS


class StepDef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=50, pattern=r"^[a-z0-9_]+$")
    name: str = Field(min_length=1, max_length=200)
    role: Role | None = None
    agency: Literal["lead", "target"] = "lead"  # target = the agency a hand-off went to
    department: str | None = Field(default=None, max_length=200)
    share: float = Field(default=0.0, ge=0, le=1, description="share of the legal processing time")
    actions: dict[str, str | None] = Field(default_factory=dict, description="action → next step (null: stays)")
    auto_forward_to: str | None = Field(default=None, description="step the auto-forward timer moves it to")
    terminal: bool = False
    outcome: Outcome | None = None


class DefinitionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: str = Field(min_length=1, max_length=50)
    steps: list[StepDef] = Field(min_length=1, max_length=50)


class DefinitionRead(DefinitionBody):
    procedure_code: str
    version: int
    is_default: bool
    updated_at: VNDateTime | None = None
    updated_by: str | None = None
