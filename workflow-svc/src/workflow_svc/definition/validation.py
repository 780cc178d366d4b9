"""Checks a definition before it is saved: every step reachable, none a dead end (422 naming the step)."""

from __future__ import annotations

from typing import Any

from workflow_svc.definition.schemas import DEFINED_ACTIONS, STAY_ACTIONS, DefinitionBody
from workflow_svc.errors import Invalid


def _bad(loc: list[Any], msg: str) -> Invalid:
    return Invalid(msg, errors=[{"loc": ["body", *loc], "msg": msg}])


def validate_definition(body: DefinitionBody) -> DefinitionBody:
    """Normalises (stay actions point at their own step) and raises ``Invalid`` on the first problem."""
    index: dict[str, int] = {}
    for i, step in enumerate(body.steps):
        if step.code in index:
            raise _bad(["steps", i, "code"], f"Bước '{step.code}' bị khai báo trùng.")
        index[step.code] = i
    if body.start not in index:
        raise _bad(["start"], f"Bước bắt đầu '{body.start}' không có trong danh sách bước.")
    steps = {s.code: s for s in body.steps}
    for i, step in enumerate(body.steps):
        where = f"Bước '{step.code}'"
        if step.terminal:
            if step.actions or step.auto_forward_to:
                raise _bad(["steps", i, "actions"], f"{where} là bước kết thúc nên không có thao tác.")
            if step.outcome is None:
                raise _bad(["steps", i, "outcome"], f"{where} là bước kết thúc nhưng thiếu kết quả (outcome).")
            continue
        if step.outcome is not None:
            raise _bad(["steps", i, "outcome"], f"{where} không phải bước kết thúc nên không có kết quả.")
        if step.role is None:
            raise _bad(["steps", i, "role"], f"{where} thiếu vai trò xử lý.")
        for action, target in list(step.actions.items()):
            if action not in DEFINED_ACTIONS:
                raise _bad(["steps", i, "actions", action], f"{where}: thao tác '{action}' không được hỗ trợ.")
            if action in STAY_ACTIONS:
                if target not in (None, step.code):
                    raise _bad(["steps", i, "actions", action],
                               f"{where}: thao tác '{action}' giữ hồ sơ tại bước, không chuyển sang bước khác.")
                step.actions[action] = step.code
                continue
            if target is None or target not in steps:
                raise _bad(["steps", i, "actions", action], f"{where}: thao tác '{action}' dẫn tới bước không tồn tại.")
            nxt = steps[target]
            if action == "approve" and nxt.outcome != "result_ready":
                raise _bad(["steps", i, "actions", action], f"{where}: 'approve' phải dẫn tới bước trả kết quả.")
            if action == "approve_refusal" and nxt.outcome != "rejected":
                raise _bad(["steps", i, "actions", action], f"{where}: 'approve_refusal' phải dẫn tới bước từ chối.")
            if action == "handoff" and nxt.agency != "target":
                raise _bad(["steps", i, "actions", action],
                           f"{where}: 'handoff' phải dẫn tới một bước của cơ quan phối hợp (agency = target).")
            if action in ("refuse_handoff", "complete_handoff", "accept_handoff") and step.agency != "target":
                raise _bad(["steps", i, "actions", action],
                           f"{where}: '{action}' chỉ dùng ở bước của cơ quan phối hợp liên thông.")
            back = action in ("refuse_handoff", "complete_handoff")
            if step.agency == "target" and nxt.agency == "lead" and not back:
                raise _bad(["steps", i, "actions", action],
                           f"{where}: hồ sơ chỉ trở về cơ quan chủ trì qua 'complete_handoff' hoặc 'refuse_handoff'.")
        if step.auto_forward_to is not None and step.auto_forward_to != step.actions.get("forward"):
            raise _bad(["steps", i, "auto_forward_to"],
                       f"{where}: bước tự động chuyển phải là đích của thao tác 'forward'.")
    # Unreachable steps: walk from the start.
    seen = {body.start}
    todo = [body.start]
    while todo:
        for target in steps[todo.pop()].actions.values():
            if target and target not in seen:
                seen.add(target)
                todo.append(target)
    for i, step in enumerate(body.steps):
        if step.code not in seen:
            raise _bad(["steps", i], f"Bước '{step.code}' không thể tới được từ bước bắt đầu '{body.start}'.")
    # Dead ends: every step must be able to reach a terminal step.
    finishing = {s.code for s in body.steps if s.terminal}
    changed = True
    while changed:
        changed = False
        for step in body.steps:
            if step.code not in finishing and any(t in finishing for t in step.actions.values() if t):
                finishing.add(step.code)
                changed = True
    for i, step in enumerate(body.steps):
        if step.code not in finishing:
            raise _bad(["steps", i], f"Bước '{step.code}' là ngõ cụt: không dẫn tới bước kết thúc nào.")
    _check_shares(body, index)
    return body


# Going back for rework repeats a step within the time it already had: not a new share of the time.
_REWORK = frozenset({"return_for_rework"})
_MAX_WALK = 200_000
_EPS = 1e-9


def _check_shares(body: DefinitionBody, index: dict[str, int]) -> None:
    """Along any path from the start (each action used once, rework excluded, hand-off round trips
    included) the shares of the distinct steps visited must not exceed the whole legal time (1)."""
    steps = {s.code: s for s in body.steps}
    budget = [_MAX_WALK]

    def walk(code: str, used: frozenset[tuple[str, str]], seen: frozenset[str], total: float) -> None:
        budget[0] -= 1
        if budget[0] < 0:
            return  # pathological definitions: the prefix already checked is what we can afford
        for action, target in steps[code].actions.items():
            edge = (code, action)
            if not target or action in _REWORK or target == code or edge in used:
                continue
            share = 0.0 if target in seen else steps[target].share
            if total + share > 1 + _EPS:
                raise _bad(["steps", index[target], "share"],
                           f"Bước '{target}': tổng tỷ lệ thời gian các bước trên một đường xử lý vượt quá 1 "
                           f"({total + share:.2f}).")
            walk(target, used | {edge}, seen | {target}, total + share)

    walk(body.start, frozenset(), frozenset({body.start}), steps[body.start].share)
