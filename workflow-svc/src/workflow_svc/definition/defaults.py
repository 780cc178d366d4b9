"""The built-in process every procedure follows unless an admin saved its own (Art. 4.3.b)."""

from __future__ import annotations

from contracts.vocabulary import STEP_VI, Step
from workflow_svc.definition.schemas import DefinitionBody

DEFAULT_CODE = "default"
S = Step

DEFAULT_DEFINITION = DefinitionBody.model_validate({
    "start": S.RECEPTION,
    "steps": [
        {"code": S.RECEPTION, "name": STEP_VI[S.RECEPTION], "role": "reception",
         "actions": {"forward": S.SPECIALIST}, "auto_forward_to": S.SPECIALIST},
        {"code": S.SPECIALIST, "name": STEP_VI[S.SPECIALIST], "role": "specialist", "share": 0.45,
         "actions": {"propose": S.LEADER, "propose_refusal": S.LEADER_REFUSAL, "consult": None,
                     "handoff": S.INTERAGENCY, "extend": None}},
        {"code": S.LEADER, "name": STEP_VI[S.LEADER], "role": "leader", "share": 0.25,
         "actions": {"approve": S.RESULT, "return_for_rework": S.SPECIALIST, "extend": None}},
        {"code": S.LEADER_REFUSAL, "name": STEP_VI[S.LEADER_REFUSAL], "role": "leader", "share": 0.25,
         "actions": {"approve_refusal": S.REFUSED, "return_for_rework": S.SPECIALIST}},
        {"code": S.INTERAGENCY, "name": STEP_VI[S.INTERAGENCY], "role": "specialist",
         "agency": "target", "share": 0.3,
         "actions": {"accept_handoff": None, "refuse_handoff": S.SPECIALIST, "complete_handoff": S.SPECIALIST}},
        {"code": S.RESULT, "name": STEP_VI[S.RESULT], "role": "reception", "terminal": True,
         "outcome": "result_ready"},
        {"code": S.REFUSED, "name": STEP_VI[S.REFUSED], "role": "reception", "terminal": True,
         "outcome": "rejected"},
    ],
})
