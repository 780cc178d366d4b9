from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from contracts.intake import DossierWithdrawn
from contracts.interop import StatusReported
from devkit.testing import eventually
from workflow_testkit import LEAD, OTHER, Env


async def test_withdrawn_dossier_stops_processing(env: Env) -> None:
    spec = env.officer("specialist")
    code = await env.accept()
    await env.wait_step(code, "specialist", spec)
    await env.publish(DossierWithdrawn(code=code, procedure_code="1.001612", agency_code=LEAD, status="withdrawn",
                                       national_status=7, at=datetime.now(UTC), reason="Không còn nhu cầu"))

    async def stopped() -> bool:
        return (await env.get(code, spec))["status"] == "withdrawn"

    await eventually(stopped, timeout=10)
    d = await env.get(code, spec)
    assert d["actions"] == [] and d["history"][-1]["action"] == "withdrawn"
    assert (await env.act(code, spec, action="claim")).status_code == 409
    tasks = (await env.client.get("/api/v1/workflow/tasks", headers=spec)).json()["items"]
    assert code not in [t["code"] for t in tasks]


async def test_status_for_a_dossier_not_handed_to_a_system_is_ignored(env: Env) -> None:
    spec = env.officer("specialist")
    code = await env.accept()
    await env.wait_step(code, "specialist", spec)
    for agency in (OTHER, LEAD):
        await env.publish(StatusReported(message_id=str(uuid.uuid4()), dossier_code=code, agency_code=agency,
                                         national_status=9, at=datetime.now(UTC), note="Đã xử lý xong"))
    marker = await env.accept()  # published after the reports: once it is in, the reports were consumed
    await env.wait_step(marker, "specialist", spec)
    await asyncio.sleep(0.3)
    d = await env.get(code, spec)
    assert d["status"] == "active" and d["step"] == "specialist"
    assert not await env.events("workflow.dossier.result_ready.v1", code)


async def test_step_changed_on_every_transition_and_the_leaders_note(env: Env) -> None:
    spec, leader = env.officer("specialist"), env.officer("leader", name="Lê Văn Cường")
    code = await env.accept()
    await env.wait_step(code, "specialist", spec)
    await env.act(code, spec, action="propose", documents=[{"name": "Dự thảo"}])
    await env.act(code, leader, action="return_for_rework", reason="Sửa tên")
    await env.act(code, spec, action="handoff", target_agency=OTHER)
    await env.act(code, env.officer("specialist", OTHER), action="accept_handoff")
    await env.act(code, env.officer("specialist", OTHER), action="complete_handoff", comment="Xong")
    await env.act(code, spec, action="propose", documents=[{"name": "Dự thảo 2"}])
    r = await env.act(code, leader, action="approve", comment="Đồng ý, ký ban hành")
    assert r.status_code == 200, r.text
    changes = [(e["data"]["from_step"], e["data"]["to_step"], e["data"]["action"])
               for e in await env.events("workflow.dossier.step_changed.v1", code)]
    assert changes == [
        (None, "reception", "start"), ("reception", "specialist", "forward"), ("specialist", "leader", "propose"),
        ("leader", "specialist", "return_for_rework"), ("specialist", "interagency", "handoff"),
        ("interagency", "specialist", "complete_handoff"), ("specialist", "leader", "propose"),
        ("leader", "result", "approve")]
    [ready] = await env.events("workflow.dossier.result_ready.v1", code)
    assert ready["data"]["note"] == "Đồng ý, ký ban hành"
    assert ready["type"] == "workflow.dossier.result_ready.v1"
    # form 05: the automatic transfer fired as configured is on time, not late
    sheet = (await env.client.get(f"/api/v1/workflow/dossiers/{code}/control-sheet", headers=leader)).json()
    assert sheet["rows"][0]["given_by"] == "Hệ thống" and sheet["rows"][0]["result"] in ("on_time", "early")


async def test_refusal_publishes_the_refused_event(env: Env) -> None:
    spec, leader = env.officer("specialist"), env.officer("leader")
    code = await env.accept()
    await env.wait_step(code, "specialist", spec)
    await env.act(code, spec, action="propose_refusal", reason="Không đủ điều kiện")
    await env.act(code, leader, action="approve_refusal")
    [refused] = await env.events("workflow.dossier.refused.v1", code)
    assert refused["type"] == "workflow.dossier.refused.v1" and refused["data"]["reason"] == "Không đủ điều kiện"
    changes = await env.events("workflow.dossier.step_changed.v1", code)
    assert changes[-1]["data"]["to_step"] == "refused"


async def test_the_same_accepted_event_twice_creates_one_dossier(env: Env) -> None:
    from workflow_testkit import accepted, new_code

    code = new_code()
    await env.publish(accepted(code), event_id="same-id")
    await env.publish(accepted(code))  # a re-emission with another id
    spec = env.officer("specialist")
    await env.wait_step(code, "specialist", spec)
    history = (await env.get(code, spec))["history"]
    assert [h["action"] for h in history] == ["start", "forward"]


async def test_time_waiting_on_the_applicant_does_not_count(env: Env) -> None:
    from datetime import timedelta

    from contracts.intake import DossierSupplemented, DossierSupplementRequested
    from vncalendar import default_calendar

    spec = env.officer("specialist")
    code = await env.accept()
    before = await env.wait_step(code, "specialist", spec)
    cal = default_calendar()
    # a working morning, so the pause is office time whatever the hour the suite runs
    monday = datetime(2026, 11, 30, 8, 0, tzinfo=cal.tz)
    common = {"code": code, "procedure_code": "1.001612", "agency_code": LEAD, "national_status": 5}
    await env.publish(DossierSupplementRequested(**common, status="supplement_requested", at=monday,
                                                 missing_items=["Bản sao CCCD"], round=1))

    async def history_has(action: str) -> bool:
        return action in [h["action"] for h in (await env.get(code, spec))["history"]]

    await eventually(lambda: history_has("paused"), timeout=10)
    await env.publish(DossierSupplemented(**common, status="accepted", at=monday + timedelta(hours=2), round=1))
    await eventually(lambda: history_has("resumed"), timeout=10)
    after = await env.get(code, spec)
    shift = cal.working_time_between(datetime.fromisoformat(before["due_at"]), datetime.fromisoformat(after["due_at"]))
    assert shift == timedelta(hours=2)
