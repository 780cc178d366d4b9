from __future__ import annotations

import asyncio
import json

from devkit.testing import eventually
from workflow_testkit import LEAD, OTHER, THIRD, Env, later


async def test_auto_forward_then_leader_approves_and_result_ready_is_published(env: Env) -> None:
    js = env.nc.jetstream()
    sub = await js.subscribe("workflow.dossier.result_ready.v1", ordered_consumer=True)
    spec, leader = env.officer("specialist", name="Trần Thị Bình"), env.officer("leader", name="Lê Văn Cường")
    code = await env.accept()
    d = await env.wait_step(code, "specialist", spec)  # auto-forwarded after WORKFLOW_AUTO_FORWARD_AFTER
    assert d["due_at"] and d["step_due_at"] and d["assignee"] is None
    assert {"claim", "propose", "propose_refusal", "consult", "handoff"} <= set(d["actions"])
    assert [e["data"]["to_step"] for e in await env.events("workflow.dossier.forwarded.v1", code)] == ["specialist"]
    assert len(await env.events("workflow.dossier.processing_started.v1", code)) == 1

    assert (await env.act(code, spec, action="claim")).status_code == 200
    r = await env.act(code, spec, action="propose", comment="Đủ điều kiện")
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "documents"]
    r = await env.act(code, spec, action="propose", documents=[{"name": "Dự thảo giấy chứng nhận"}])
    assert r.status_code == 200, r.text
    assert r.json()["step"] == "leader"
    assert (await env.act(code, spec, action="approve")).status_code == 403  # a leader signs
    r = await env.act(code, spec, action="propose", documents=[{"name": "x"}])
    assert r.status_code == 409  # the dossier moved on: propose is no action of the leader's step
    r = await env.act(code, leader, action="approve", comment="Đồng ý")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "result_ready" and r.json()["actions"] == []

    [event] = await env.events("workflow.dossier.result_ready.v1", code)
    data = event["data"]
    assert data["code"] == code and data["agency_code"] == LEAD and data["procedure_code"] == "1.001612"
    assert data["result_documents"] == [{"name": "Dự thảo giấy chứng nhận"}]
    assert data["actor_name"] == "Lê Văn Cường" and data["finished_at"]
    msg = await sub.next_msg(timeout=5)  # the relay really published it to JetStream
    assert json.loads(msg.data)["subject"] == code

    sheet = (await env.client.get(f"/api/v1/workflow/dossiers/{code}/control-sheet", headers=leader)).json()
    assert [(row["from_unit"][:12], row["to_unit"][:12]) for row in sheet["rows"]] == [
        ("Bộ phận tiếp", "Phòng chuyên"), ("Phòng chuyên", "Lãnh đạo xem"), ("Lãnh đạo xem", "Trả kết quả")]
    assert sheet["rows"][0]["given_by"] == "Hệ thống" and sheet["rows"][0]["received_by"] == "Trần Thị Bình"
    assert sheet["result"] in ("early", "on_time") and sheet["form"] == "05"
    history = (await env.get(code, leader))["history"]
    assert [h["action"] for h in history] == ["start", "forward", "claim", "propose", "approve"]


async def test_refusal_needs_reasons_and_a_leader(env: Env) -> None:
    spec, leader = env.officer("specialist"), env.officer("leader")
    code = await env.accept()
    await env.wait_step(code, "specialist", spec)
    r = await env.act(code, spec, action="propose_refusal", comment="không đủ")
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "reason"]
    r = await env.act(code, spec, action="propose_refusal", reason="Không đủ điều kiện theo Điều 8 Luật Hôn nhân")
    assert r.status_code == 200 and r.json()["step"] == "leader_refusal"
    assert (await env.act(code, spec, action="approve_refusal")).status_code == 403  # a specialist cannot sign
    r = await env.act(code, leader, action="approve_refusal")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "rejected"
    [event] = await env.events("workflow.dossier.refused.v1", code)
    assert event["data"]["reason"] == "Không đủ điều kiện theo Điều 8 Luật Hôn nhân"
    assert not await env.events("workflow.dossier.result_ready.v1", code)


async def test_leader_returns_for_rework_with_a_reason(env: Env) -> None:
    spec, leader = env.officer("specialist"), env.officer("leader")
    code = await env.accept()
    await env.wait_step(code, "specialist", spec)
    await env.act(code, spec, action="propose", documents=[{"name": "Dự thảo"}])
    assert (await env.act(code, leader, action="return_for_rework")).status_code == 422
    r = await env.act(code, leader, action="return_for_rework", reason="Sai tên người nộp")
    assert r.status_code == 200 and r.json()["step"] == "specialist"


async def test_inter_agency_handoff_round_trip(env: Env) -> None:
    spec, other, third = env.officer("specialist"), env.officer("specialist", OTHER), env.officer("specialist", THIRD)
    code = await env.accept()
    await env.wait_step(code, "specialist", spec)
    assert (await env.client.get(f"/api/v1/workflow/dossiers/{code}", headers=other)).status_code == 404
    r = await env.act(code, spec, action="handoff", comment="Đề nghị xác minh")
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "target_agency"]
    r = await env.act(code, spec, action="handoff", target_agency=OTHER, comment="Đề nghị xác minh",
                      documents=[{"name": "Bản sao hồ sơ"}])
    assert r.status_code == 200, r.text
    handoff_id = r.json()["handoff_id"]
    assert r.json()["step"] == "interagency" and r.json()["step_agency"] == OTHER
    [req] = await env.events("workflow.dossier.handoff_requested.v1", code)
    assert req["data"]["target_agency"] == OTHER and req["data"]["handoff_id"] == handoff_id

    assert (await env.client.get(f"/api/v1/workflow/dossiers/{code}", headers=third)).status_code == 404
    assert (await env.get(code, spec))["actions"] == ["recall_handoff"]  # the lead waits (or takes it back)
    tasks = (await env.client.get("/api/v1/workflow/tasks", headers=other)).json()
    assert [t["code"] for t in tasks["items"]] == [code]
    assert (await env.act(code, other, action="complete_handoff", comment="x")).status_code == 409  # not accepted yet
    assert set((await env.get(code, other))["actions"]) == {"claim", "accept_handoff", "refuse_handoff"}
    assert (await env.act(code, other, action="accept_handoff")).status_code == 200
    r = await env.act(code, other, action="complete_handoff", comment="Đã xác minh: hợp lệ",
                      documents=[{"name": "Văn bản xác minh"}])
    assert r.status_code == 200, r.text
    assert r.json()["step"] == "specialist" and r.json()["step_agency"] == LEAD
    assert r.json()["handoffs"][0]["status"] == "completed"
    [done] = await env.events("workflow.dossier.handoff_completed.v1", code)
    assert done["data"]["outcome"] == "completed" and done["data"]["target_agency"] == OTHER
    sheet = (await env.client.get(f"/api/v1/workflow/dossiers/{code}/control-sheet", headers=other)).json()
    assert [(r["from_agency"], r["to_agency"]) for r in sheet["rows"]][-2:] == [(LEAD, OTHER), (OTHER, LEAD)]


async def test_other_agency_may_refuse_a_handoff(env: Env) -> None:
    spec, other = env.officer("specialist"), env.officer("specialist", OTHER)
    code = await env.accept()
    await env.wait_step(code, "specialist", spec)
    await env.act(code, spec, action="handoff", target_agency=OTHER)
    assert (await env.act(code, other, action="refuse_handoff")).status_code == 422
    r = await env.act(code, other, action="refuse_handoff", reason="Không thuộc thẩm quyền")
    assert r.status_code == 200 and r.json()["step"] == "specialist"
    [done] = await env.events("workflow.dossier.handoff_completed.v1", code)
    assert done["data"]["outcome"] == "refused"


async def test_concurrent_actions_one_wins_the_other_gets_409(env: Env) -> None:
    a = env.officer("specialist", sub="officer-a")
    b = env.officer("specialist", sub="officer-b")
    code = await env.accept()
    await env.wait_step(code, "specialist", a)
    docs = [{"name": "Dự thảo"}]
    for _ in range(3):
        r1, r2 = await asyncio.gather(env.act(code, a, action="claim"), env.act(code, b, action="claim"))
        assert sorted([r1.status_code, r2.status_code]) == [200, 409], (r1.text, r2.text)
        winner = a if r1.status_code == 200 else b
        assert r1.status_code == 409 or r2.status_code == 409
        r1, r2 = await asyncio.gather(env.act(code, winner, action="propose", documents=docs),
                                      env.act(code, winner, action="handoff", target_agency=OTHER))
        assert sorted([r1.status_code, r2.status_code]) == [200, 409], (r1.text, r2.text)
        d = await env.get(code, winner)
        if d["step"] == "leader":
            await env.act(code, env.officer("leader"), action="return_for_rework", reason="làm lại")
        else:
            other = env.officer("specialist", OTHER)
            await env.act(code, other, action="refuse_handoff", reason="không")
    history = (await env.get(code, a))["history"]
    assert [h["seq"] for h in history] == list(range(1, len(history) + 1))


async def test_stale_version_is_refused(env: Env) -> None:
    spec = env.officer("specialist")
    code = await env.accept()
    d = await env.wait_step(code, "specialist", spec)
    assert (await env.act(code, spec, action="claim", version=d["version"])).status_code == 200
    r = await env.act(code, spec, action="propose", documents=[{"name": "x"}], version=d["version"])
    assert r.status_code == 409


async def test_idempotency_key_replays_and_refuses_another_body(env: Env) -> None:
    spec = env.officer("specialist")
    code = await env.accept()
    await env.wait_step(code, "specialist", spec)
    r1 = await env.act(code, spec, key="k-1", action="claim", comment="nhận")
    r2 = await env.act(code, spec, key="k-1", action="claim", comment="nhận")
    assert r1.status_code == r2.status_code == 200 and r1.json() == r2.json()
    assert r2.headers.get("idempotent-replayed") == "true"
    assert (await env.act(code, spec, key="k-1", action="claim", comment="khác")).status_code == 409
    assert [h["action"] for h in (await env.get(code, spec))["history"]].count("claim") == 1


async def test_roles_and_agencies_are_checked(env: Env) -> None:
    spec, reception = env.officer("specialist"), env.officer("reception")
    code = await env.accept()
    await env.wait_step(code, "specialist", spec)
    assert (await env.act(code, reception, action="claim")).status_code == 403
    assert (await env.act(code, env.officer("specialist", OTHER), action="claim")).status_code == 404
    citizen = env.tokens.header(roles=("citizen",))
    assert (await env.client.get(f"/api/v1/workflow/dossiers/{code}", headers=citizen)).status_code == 404
    assert (await env.client.get("/api/v1/workflow/tasks")).status_code == 401
    r = await env.act(code, spec, action="fly_away")
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "action"]
    assert (await env.act("000.00.15.H19-000000-0000", spec, action="claim")).status_code == 404
    await env.act(code, spec, action="claim")
    r = await env.act(code, env.officer("specialist", sub="someone-else"), action="propose", documents=[{"name": "x"}])
    assert r.status_code == 403


async def test_task_list_sorted_by_deadline_unassigned_or_mine(env: Env) -> None:
    me, colleague = env.officer("specialist", sub="me"), env.officer("specialist", sub="colleague")
    soon = await env.accept(due_days=2)
    late = await env.accept(due_days=10)
    mid = await env.accept(due_days=5)
    for c in (soon, late, mid):
        await env.wait_step(c, "specialist", me)
    await env.act(mid, colleague, action="claim")
    await env.act(late, me, action="claim")
    r = await env.client.get("/api/v1/workflow/tasks", headers=me)
    assert r.status_code == 200
    body = r.json()
    assert [t["code"] for t in body["items"]] == [soon, late]
    assert body["total"] == 2 and body["page"] == 1 and body["items"][0]["overdue"] is False
    assert body["items"][1]["assignee"] == "me"
    leader_tasks = (await env.client.get("/api/v1/workflow/tasks", headers=env.officer("leader"))).json()
    assert leader_tasks["items"] == []
    page2 = (await env.client.get("/api/v1/workflow/tasks?page=2&size=1", headers=me)).json()
    assert [t["code"] for t in page2["items"]] == [late]


async def test_consultation_blocks_the_proposal_until_answered(env: Env) -> None:
    lead = env.officer("specialist", department="Phòng Tư pháp")
    helper = env.officer("specialist", sub="helper", department="Phòng Tài nguyên")
    code = await env.accept()
    await env.wait_step(code, "specialist", lead)
    assert (await env.act(code, lead, action="consult")).status_code == 422
    r = await env.act(code, lead, action="consult", department="Phòng Tài nguyên", comment="Xin ý kiến về đất")
    assert r.status_code == 200 and r.json()["consultations"][0]["status"] == "open"
    r = await env.act(code, lead, action="propose", documents=[{"name": "x"}])
    assert r.status_code == 409
    tasks = (await env.client.get("/api/v1/workflow/tasks", headers=helper)).json()["items"]
    assert any(t["code"] == code and t["kind"] == "consultation" for t in tasks)
    assert "reply_consult" in (await env.get(code, helper))["actions"]
    assert (await env.act(code, helper, action="reply_consult")).status_code == 422
    assert (await env.act(code, helper, action="reply_consult", comment="Đồng ý")).status_code == 200
    assert (await env.act(code, lead, action="propose", documents=[{"name": "x"}])).status_code == 200


async def test_extend_a_late_dossier_gives_form_04(env: Env) -> None:
    spec = env.officer("specialist", name="Trần Thị Bình")
    head = env.officer("leader", name="Phạm Văn Đức")
    code = await env.accept(due_at=later(30))  # far from due: extension refused
    await env.wait_step(code, "specialist", spec)
    r = await env.act(code, head, action="extend", reason="Chờ xác minh", extra_days=2)
    assert r.status_code == 409
    code = await env.accept(due_at=later(1.0))
    await env.wait_step(code, "specialist", spec)
    assert "extend" not in (await env.get(code, spec))["actions"]
    assert "extend" in (await env.get(code, head))["actions"]
    # form 04 is signed by the head of the resolving agency: a specialist may not
    r = await env.act(code, spec, action="extend", reason="Chờ kết quả xác minh của UBND xã", extra_days=2)
    assert r.status_code == 403
    r = await env.act(code, env.officer("leader", OTHER), action="extend", reason="x", extra_days=2)
    assert r.status_code == 404  # another agency's leader does not even see it
    assert (await env.act(code, head, action="extend", extra_days=2)).status_code == 422
    pdf = await env.client.get(f"/api/v1/workflow/dossiers/{code}/apology", headers=head)
    assert pdf.status_code == 404  # no extension yet
    r = await env.act(code, head, action="extend", reason="Chờ kết quả xác minh của UBND xã", extra_days=2)
    assert r.status_code == 200, r.text
    form = r.json()["form_04"]
    assert form["form"] == "04" and "xin lỗi" in form["apology"] and form["reason"].startswith("Chờ")
    assert form["signed_by"] == "Phạm Văn Đức" and form["received_at"] and form["old_due_at"] and form["new_due_at"]
    pdf = await env.client.get(f"/api/v1/workflow/dossiers/{code}/apology", headers=spec)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and b"/FontFile2" in pdf.content and b"BeVietnamPro" in pdf.content
    assert b"/Title" in pdf.content
    assert r.json()["due_at"] > r.json()["original_due_at"]
    # docs/contract.md: times in Asia/Ho_Chi_Minh with their offset — the dossier's and the form's alike, never Z
    body = r.json()
    times = [body[k] for k in ("due_at", "original_due_at", "received_at", "step_due_at")]
    times += [h["at"] for h in body["history"]] + [form[k] for k in ("received_at", "old_due_at", "new_due_at")]
    assert all(t.endswith("+07:00") for t in times), times
    assert '"Z' not in r.text and 'Z"' not in r.text
    [event] = await env.events("workflow.dossier.extended.v1", code)
    assert event["data"]["new_due_at"] and event["data"]["old_due_at"]


async def test_deadline_warning_and_overdue_mark(env: Env) -> None:
    spec = env.officer("specialist")
    code = await env.accept(due_at=later(0.8))

    async def overdue() -> bool:
        return bool(await env.events("workflow.dossier.overdue.v1", code))

    await eventually(overdue, timeout=10)
    assert len(await env.events("workflow.deadline.approaching.v1", code)) == 1
    d = await env.get(code, spec)
    assert d["overdue"] is True
    tasks = (await env.client.get("/api/v1/workflow/tasks", headers=spec)).json()["items"]
    assert [t["overdue"] for t in tasks if t["code"] == code] == [True]


async def test_handoff_only_to_the_procedures_partners(env: Env) -> None:
    spec = env.officer("specialist")
    code = await env.accept()  # the procedure's partners: OTHER only
    await env.wait_step(code, "specialist", spec)
    r = await env.act(code, spec, action="handoff", target_agency=THIRD)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "target_agency"]
    lone = await env.accept(interagency=())
    await env.wait_step(lone, "specialist", spec)
    r = await env.act(lone, spec, action="handoff", target_agency=OTHER)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "target_agency"]
    assert (await env.get(code, spec))["interagency"] == [OTHER]


async def test_lead_recalls_a_handoff_not_yet_accepted(env: Env) -> None:
    spec, other, leader = env.officer("specialist"), env.officer("specialist", OTHER), env.officer("leader")
    code = await env.accept()
    await env.wait_step(code, "specialist", spec)
    await env.act(code, spec, action="handoff", target_agency=OTHER)
    assert (await env.act(code, other, action="recall_handoff")).status_code == 403  # only the lead agency
    r = await env.act(code, leader, action="recall_handoff", reason="Đã có đủ thông tin")
    assert r.status_code == 200, r.text
    assert r.json()["step"] == "specialist" and r.json()["step_agency"] == LEAD
    assert r.json()["handoffs"][0]["status"] == "recalled"
    assert (await env.client.get(f"/api/v1/workflow/dossiers/{code}", headers=other)).status_code == 404
    [done] = await env.events("workflow.dossier.handoff_completed.v1", code)
    assert done["data"]["outcome"] == "recalled"
    # once accepted, it can no longer be recalled
    await env.act(code, spec, action="handoff", target_agency=OTHER)
    assert (await env.act(code, other, action="accept_handoff")).status_code == 200
    assert (await env.act(code, spec, action="recall_handoff")).status_code == 409


async def test_each_agency_sees_only_its_own_work(env: Env) -> None:
    """Agency isolation: A's officers never see B's internal tasks and vice versa."""
    spec, leader = env.officer("specialist"), env.officer("leader")
    other, other_leader = env.officer("specialist", OTHER), env.officer("leader", OTHER)
    code = await env.accept()
    internal_a = await env.accept()  # a dossier of A's that is never handed off
    internal_b = await env.accept(agency=OTHER, interagency=(LEAD,))  # one B processes itself
    await env.wait_step(code, "specialist", spec)
    await env.wait_step(internal_a, "specialist", spec)
    await env.wait_step(internal_b, "specialist", other)
    await env.act(code, spec, action="claim", comment="Nội bộ A: đang thẩm định")
    await env.act(code, spec, action="consult", department="Phòng Tài chính", comment="Nội bộ A")
    await env.act(code, env.officer("specialist", department="Phòng Tài chính"), action="reply_consult",
                  comment="Ý kiến nội bộ A")
    await env.act(code, spec, action="handoff", target_agency=OTHER, comment="Đề nghị xác minh")

    async def task_codes(h: dict[str, str]) -> set[str]:
        return {t["code"] for t in (await env.client.get("/api/v1/workflow/tasks", headers=h)).json()["items"]}

    assert code in await task_codes(other) and internal_b in await task_codes(other)
    assert internal_a not in await task_codes(other) | await task_codes(other_leader)  # B never sees A's tasks
    assert code not in await task_codes(spec) and internal_b not in await task_codes(spec) | await task_codes(leader)
    assert (await env.client.get(f"/api/v1/workflow/dossiers/{internal_a}", headers=other)).status_code == 404
    assert (await env.client.get(f"/api/v1/workflow/dossiers/{internal_b}", headers=spec)).status_code == 404

    await env.act(code, other, action="accept_handoff")
    await env.act(code, other, action="claim", comment="Nội bộ B")
    b_view = await env.get(code, other)
    assert [h["action"] for h in b_view["history"]] == ["handoff", "accept_handoff"]  # B's claim is B's own
    assert b_view["consultations"] == [] and [h["target_agency"] for h in b_view["handoffs"]] == [OTHER]
    a_view = await env.get(code, leader)
    assert "Nội bộ B" not in json.dumps(a_view)  # A never sees B's internal work
    assert [h["action"] for h in a_view["history"]] == ["start", "forward", "claim", "consult", "reply_consult",
                                                        "handoff", "accept_handoff"]
    await env.act(code, other, action="complete_handoff", comment="Đã xác minh")
    b_view = await env.get(code, other)
    assert "Nội bộ A" not in json.dumps(b_view) and "Ý kiến nội bộ A" not in json.dumps(b_view)
    assert b_view["assignee"] is None  # who holds it inside A is A's business
    sheet = (await env.client.get(f"/api/v1/workflow/dossiers/{code}/control-sheet", headers=other)).json()
    assert all(OTHER in (r["from_agency"], r["to_agency"]) for r in sheet["rows"])


async def test_an_agency_that_refused_the_handoff_no_longer_sees_the_dossier(env: Env) -> None:
    spec, other = env.officer("specialist"), env.officer("specialist", OTHER)
    code = await env.accept()
    await env.wait_step(code, "specialist", spec)
    await env.act(code, spec, action="handoff", target_agency=OTHER)
    assert (await env.act(code, other, action="refuse_handoff", reason="Không thuộc thẩm quyền")).status_code == 200
    assert (await env.client.get(f"/api/v1/workflow/dossiers/{code}", headers=other)).status_code == 404
    assert (await env.client.get(f"/api/v1/workflow/dossiers/{code}/control-sheet", headers=other)).status_code == 404


async def test_the_same_idempotency_key_sent_at_once_replays_the_first_answer(env: Env) -> None:
    spec = env.officer("specialist", name="Trần Thị Bình")
    code = await env.accept()
    await env.wait_step(code, "specialist", spec)
    assert (await env.act(code, spec, action="claim")).status_code == 200
    docs = [{"name": "Dự thảo giấy chứng nhận"}]
    answers = await asyncio.gather(*(env.act(code, spec, key="same-key", action="propose", documents=docs)
                                     for _ in range(10)))
    assert [r.status_code for r in answers] == [200] * 10, [r.text for r in answers]
    assert len({r.text for r in answers}) == 1
    assert len(await env.events("workflow.dossier.forwarded.v1", code)) == 2  # auto-forward, then the proposal
