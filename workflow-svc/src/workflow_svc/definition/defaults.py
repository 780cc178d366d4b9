"""The built-in process every procedure follows unless an admin saved its own (Art. 4.3.b)."""

from __future__ import annotations

from workflow_svc.definition.schemas import DefinitionBody

DEFAULT_CODE = "default"

DEFAULT_DEFINITION = DefinitionBody.model_validate({
    "start": "reception",
    "steps": [
        {"code": "reception", "name": "Bộ phận tiếp nhận và trả kết quả chuyển hồ sơ", "role": "reception",
         "actions": {"forward": "specialist"}, "auto_forward_to": "specialist"},
        {"code": "specialist", "name": "Phòng chuyên môn thẩm định, đề xuất", "role": "specialist", "share": 0.45,
         "actions": {"propose": "leader", "propose_refusal": "leader_refusal", "consult": None,
                     "handoff": "interagency", "extend": None}},
        {"code": "leader", "name": "Lãnh đạo xem xét, ký duyệt", "role": "leader", "share": 0.25,
         "actions": {"approve": "result", "return_for_rework": "specialist", "extend": None}},
        {"code": "leader_refusal", "name": "Lãnh đạo xem xét văn bản từ chối", "role": "leader", "share": 0.25,
         "actions": {"approve_refusal": "refused", "return_for_rework": "specialist"}},
        {"code": "interagency", "name": "Cơ quan phối hợp liên thông giải quyết", "role": "specialist",
         "agency": "target", "share": 0.3,
         "actions": {"accept_handoff": None, "refuse_handoff": "specialist", "complete_handoff": "specialist"}},
        {"code": "result", "name": "Trả kết quả", "role": "reception", "terminal": True, "outcome": "result_ready"},
        {"code": "refused", "name": "Trả văn bản từ chối", "role": "reception", "terminal": True,
         "outcome": "rejected"},
    ],
})
