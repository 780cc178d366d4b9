from __future__ import annotations

import copy
from typing import Any

from workflow_svc.definition.defaults import DEFAULT_DEFINITION
from workflow_testkit import Env

URL = "/api/v1/workflow/definitions"


def simple() -> dict[str, Any]:
    return {
        "start": "reception",
        "steps": [
            {"code": "reception", "name": "Tiếp nhận", "role": "reception", "actions": {"forward": "specialist"},
             "auto_forward_to": "specialist"},
            {"code": "specialist", "name": "Phòng Tư pháp thẩm định", "role": "specialist", "share": 0.5,
             "actions": {"propose": "leader"}},
            {"code": "leader", "name": "Chủ tịch ký", "role": "leader", "share": 0.5,
             "actions": {"approve": "done", "return_for_rework": "specialist"}},
            {"code": "done", "name": "Trả kết quả", "terminal": True, "outcome": "result_ready"},
        ],
    }


async def test_default_definition_serves_any_procedure(env: Env) -> None:
    r = await env.client.get(f"{URL}/2.000635", headers=env.officer("specialist"))
    assert r.status_code == 200
    body = r.json()
    assert body["is_default"] is True and body["version"] == 0 and body["start"] == "reception"
    assert {s["code"] for s in body["steps"]} == {s.code for s in DEFAULT_DEFINITION.steps}
    assert (await env.client.get(f"{URL}/2.000635", headers=env.tokens.header())).status_code == 403


async def test_put_is_for_admins_and_validated(env: Env) -> None:
    admin = env.tokens.header(sub="admin", roles=("admin",), agency_code="000.00.00.H19")
    assert (await env.client.put(f"{URL}/1.001612", json=simple(), headers=env.officer("leader"))).status_code == 403

    unreachable = simple()
    unreachable["steps"].append({"code": "orphan", "name": "Mồ côi", "role": "specialist",
                                 "actions": {"propose": "leader"}})
    r = await env.client.put(f"{URL}/1.001612", json=unreachable, headers=admin)
    assert r.status_code == 422 and "orphan" in r.json()["detail"]
    assert r.json()["errors"][0]["loc"] == ["body", "steps", 4]

    dead_end = simple()
    dead_end["steps"][1]["actions"]["forward"] = "stuck"
    dead_end["steps"].append({"code": "stuck", "name": "Chờ mãi", "role": "specialist", "actions": {"consult": None}})
    r = await env.client.put(f"{URL}/1.001612", json=dead_end, headers=admin)
    assert r.status_code == 422 and "'stuck' là ngõ cụt" in r.json()["detail"]

    missing = copy.deepcopy(simple())
    missing["steps"][1]["actions"]["propose"] = "nowhere"
    r = await env.client.put(f"{URL}/1.001612", json=missing, headers=admin)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "steps", 1, "actions", "propose"]

    bad_action = simple()
    bad_action["steps"][1]["actions"]["teleport"] = "leader"
    assert (await env.client.put(f"{URL}/1.001612", json=bad_action, headers=admin)).status_code == 422

    r = await env.client.put(f"{URL}/1.001612", json=simple(), headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 1 and r.json()["is_default"] is False


async def test_a_dossier_keeps_the_version_it_started_with(env: Env) -> None:
    admin = env.tokens.header(sub="admin", roles=("admin",), agency_code="000.00.00.H19")
    spec, leader = env.officer("specialist"), env.officer("leader")
    assert (await env.client.put(f"{URL}/1.001612", json=simple(), headers=admin)).status_code == 200
    code = await env.accept(procedure="1.001612")
    d = await env.wait_step(code, "specialist", spec)
    assert d["definition"] == {"procedure_code": "1.001612", "version": 1}
    assert "handoff" not in d["actions"]

    v2 = simple()
    v2["steps"][1]["name"] = "Phòng Tư pháp (bản 2)"
    assert (await env.client.put(f"{URL}/1.001612", json=v2, headers=admin)).json()["version"] == 2

    d = await env.get(code, spec)
    assert d["step_name"] == "Phòng Tư pháp thẩm định" and d["definition"]["version"] == 1
    await env.act(code, spec, action="propose", documents=[{"name": "Dự thảo"}])
    r = await env.act(code, leader, action="approve")
    assert r.status_code == 200 and r.json()["step"] == "done" and r.json()["status"] == "result_ready"
    other = await env.accept(procedure="1.001612")
    assert (await env.wait_step(other, "specialist", spec))["definition"]["version"] == 2


async def test_step_shares_may_not_exceed_the_whole_time_on_any_path(env: Env) -> None:
    from workflow_svc.definition.validation import validate_definition

    validate_definition(DEFAULT_DEFINITION.model_copy(deep=True))  # the default itself, hand-off path included
    admin = env.tokens.header(sub="admin", roles=("admin",), agency_code="000.00.00.H19")
    body = simple()
    body["steps"][2]["share"] = 0.6  # 0.5 + 0.6 along reception → specialist → leader
    r = await env.client.put(f"{URL}/1.001612", json=body, headers=admin)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["loc"] == ["body", "steps", 2, "share"] and "leader" in r.json()["detail"]
    default = DEFAULT_DEFINITION.model_dump(mode="json")
    interagency = next(s for s in default["steps"] if s["code"] == "interagency")
    interagency["share"] = 0.5  # the hand-off path: specialist 0.45 + interagency 0.5 + leader 0.25
    r = await env.client.put(f"{URL}/1.001612", json=default, headers=admin)
    assert r.status_code == 422 and "vượt quá 1" in r.json()["detail"]
    body["steps"][2]["share"] = 0.5  # rework loops do not add time
    assert (await env.client.put(f"{URL}/1.001612", json=body, headers=admin)).status_code == 200
