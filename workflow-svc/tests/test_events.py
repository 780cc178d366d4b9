from __future__ import annotations

import uuid
from datetime import UTC, datetime

from workflow_testkit import LEAD, OTHER, Env

from contracts.intake import DossierWithdrawn
from contracts.interop import StatusReported
from servicekit.testing import eventually


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


async def test_one_stop_system_finishing_drives_result_ready(env: Env) -> None:
    spec = env.officer("specialist")
    code = await env.accept()
    await env.wait_step(code, "specialist", spec)

    def report(agency: str, status: int) -> StatusReported:
        return StatusReported(message_id=str(uuid.uuid4()), dossier_code=code, agency_code=agency,
                              national_status=status, at=datetime.now(UTC), officer="Nguyễn Văn An",
                              note="Đã xử lý xong", result_documents=[{"name": "Giấy chứng nhận", "file_id": "r1"}])

    await env.publish(report(OTHER, 9))  # another agency's system cannot finish our dossier
    await env.publish(report(LEAD, 5))  # not finished yet
    await env.publish(report(LEAD, 9))

    async def ready() -> list[dict[str, object]]:
        return await env.events("workflow.dossier.result_ready.v1", code)

    [event] = await eventually(ready, timeout=10)
    assert event["data"]["result_documents"] == [{"name": "Giấy chứng nhận", "file_id": "r1"}]
    assert event["data"]["actor_name"] == "Nguyễn Văn An"
    d = await env.get(code, spec)
    assert d["status"] == "result_ready" and d["history"][-1]["action"] == "external_result"


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
