"""Processing steps in the applicant's history, counter dossiers from one-stop software,
the new event fields, the receipt's agency name and current documents, and API times in +07:00."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from contracts import CloudEvent
from contracts.interop import CounterDossierReceived, StatusReported
from contracts.vocabulary import VN_TZ as VN
from contracts.workflow import (
    DossierForwarded,
    DossierProcessingStarted,
    DossierRefused,
    DossierResultReady,
    DossierStepChanged,
    HandoffCompleted,
    HandoffRequested,
)
from devkit import events
from intake_svc.dossier.handlers import (
    on_counter_dossier,
    on_forwarded,
    on_handoff_completed,
    on_handoff_requested,
    on_processing_started,
    on_rejected,
    on_result_ready,
    on_status_reported,
    on_step_changed,
)
from intake_svc.dossier.status import derive
from intake_testkit import AGENCY, LLTP, PDF_BYTES, Env, dossier_body

INTERAGENCY = "1.000689.000.02.30.H19"  # liên thông khai sinh – thường trú – BHYT, UBND phường Trảng Dài


async def _handle(env: Env, handler: Any, event: CloudEvent, *extra: Any) -> None:
    async with env.app.state.sessionmaker() as session, session.begin():
        await handler(event, session, *extra)


async def _accepted(env: Env) -> str:
    code = str((await env.submit(env.citizen())).json()["code"])
    ok = await env.client.post(f"/api/v1/dossiers/{code}/reception", headers=env.reception(),
                               json={"decision": "accept"})
    assert ok.status_code == 200, ok.text
    return code


async def test_history_shows_every_processing_step(env: Env) -> None:
    citizen = env.citizen()
    code = await _accepted(env)
    common = {"code": code, "procedure_code": LLTP, "agency_code": AGENCY}
    t1, t2, t3 = (datetime(2026, 12, 1, h, 0, tzinfo=VN) for h in (9, 10, 11))
    forwarded = events.event(DossierForwarded(**common, at=t1, actor_name="Hệ thống", from_step="reception",
                                        to_step="specialist", department="Phòng Hành chính tư pháp"))
    await _handle(env, on_forwarded, forwarded)
    # the same move reported as a step change too: one row; the same event twice: one row
    await _handle(env, on_step_changed, events.event(DossierStepChanged(
        **common, at=t1, from_step="reception", to_step="specialist", role="specialist")))
    await _handle(env, on_forwarded, forwarded)
    await _handle(env, on_processing_started, events.event(DossierProcessingStarted(
        **common, at=t1, actor_name="Chuyên viên Hòa", step="specialist")))
    step = events.event(DossierStepChanged(**common, at=t2, actor_id="sp-1", actor_name="Chuyên viên Hòa",
                                     from_step="specialist", to_step="leader", role="leader", action="propose"))
    await _handle(env, on_step_changed, step)
    await _handle(env, on_step_changed, step)
    await _handle(env, on_handoff_requested, events.event(HandoffRequested(
        **common, at=t2, actor_name="Lãnh đạo Sở", target_agency="000.00.91.H19", handoff_id="h-1")))
    await _handle(env, on_handoff_completed, events.event(HandoffCompleted(
        **common, at=t3, actor_name="Cán bộ Công an", target_agency="000.00.91.H19", handoff_id="h-1",
        outcome="completed")))
    assert (await env.client.get(f"/api/v1/tracking/{code}")).json()["status"] == "processing"
    await _handle(env, on_result_ready, events.event(DossierResultReady(
        **common, at=t3, finished_at=t3, actor_name="Lãnh đạo Sở", note="Đã ký phiếu lý lịch tư pháp")))

    history = (await env.client.get(f"/api/v1/dossiers/{code}/history", headers=citizen)).json()
    assert [h["action"] for h in history] == [
        "submit", "accept", "forward", "processing_started", "step_changed", "handoff_requested",
        "handoff_completed", "result_ready"]
    assert derive((h["action"], h["to_status"]) for h in history).value == "result_ready"
    fwd, step_row, hreq, hdone, ready = history[2], history[4], history[5], history[6], history[7]
    assert fwd["note"] == "Chuyển hồ sơ đến: Phòng Hành chính tư pháp" and fwd["actor"] == "Hệ thống"
    assert fwd["from_status"] == fwd["to_status"] == "accepted"
    assert step_row["actor"] == "Chuyên viên Hòa" and step_row["from_status"] == step_row["to_status"] == "processing"
    assert "Lãnh đạo xem xét, ký duyệt" in step_row["note"]
    assert hreq["note"] == "Chuyển hồ sơ liên thông đến cơ quan 000.00.91.H19"
    assert hdone["note"] == "Cơ quan 000.00.91.H19 đã giải quyết xong phần việc liên thông"
    assert ready["note"] == "Đã ký phiếu lý lịch tư pháp" and ready["to_status"] == "result_ready"
    # every time the API returns is in Vietnam's time with its offset
    assert all(h["at"].endswith("+07:00") for h in history)
    assert history[1]["data"]["due_at"].endswith("+07:00")
    dossier = (await env.client.get(f"/api/v1/dossiers/{code}", headers=citizen)).json()
    for key in ("submitted_at", "received_at", "due_at", "completed_at"):
        assert dossier[key].endswith("+07:00"), key
    listed = (await env.client.get("/api/v1/dossiers", headers=citizen)).json()["items"]
    assert listed[0]["submitted_at"].endswith("+07:00")
    tracked = (await env.client.get(f"/api/v1/tracking/{code}")).json()
    assert tracked["submitted_at"].endswith("+07:00") and tracked["due_at"].endswith("+07:00")


async def test_refused_after_processing_by_the_renamed_event(env: Env) -> None:
    code = await _accepted(env)
    at = datetime(2026, 12, 1, 9, 0, tzinfo=VN)
    event = events.event(DossierRefused(code=code, procedure_code=LLTP, agency_code=AGENCY, at=at, finished_at=at,
                                  reason="Không đủ điều kiện cấp phiếu", actor_name="Lãnh đạo Sở"))
    assert event.type == "workflow.dossier.refused.v1"
    await _handle(env, on_rejected, event)
    await _handle(env, on_rejected, event)
    history = (await env.client.get(f"/api/v1/dossiers/{code}/history", headers=env.citizen())).json()
    assert [h["action"] for h in history] == ["submit", "accept", "rejected"]
    assert history[-1]["note"] == "Không đủ điều kiện cấp phiếu"
    # the refusal notice (form 03) carries the leader's reason
    form = await env.client.get(f"/api/v1/dossiers/{code}/forms/03", headers=env.citizen())
    assert form.status_code == 200 and form.content.startswith(b"%PDF")
    assert (await env.client.get(f"/api/v1/dossiers/{code}/forms/02", headers=env.citizen())).status_code == 404


async def test_counter_dossier_from_one_stop_software(env: Env) -> None:
    code = f"{AGENCY}-261201-9001"
    received = datetime(2026, 12, 1, 8, 30, tzinfo=VN)
    due = datetime(2026, 12, 15, 8, 30, tzinfo=VN)
    event = events.event(CounterDossierReceived(
        message_id="msg-1", dossier_code=code, procedure_code=LLTP, agency_code=AGENCY,
        applicant_name="Trần Thị Quầy", received_at=received, due_at=due, national_status=2))
    await _handle(env, on_counter_dossier, event, env.app.state.catalog)
    await _handle(env, on_counter_dossier, events.event(CounterDossierReceived(  # another message, same dossier
        message_id="msg-2", dossier_code=code, procedure_code=LLTP, agency_code=AGENCY,
        applicant_name="Trần Thị Quầy", received_at=received, due_at=due, national_status=2)),
        env.app.state.catalog)

    tracked = await env.client.get(f"/api/v1/tracking/{code}")
    assert tracked.status_code == 200, tracked.text
    body = tracked.json()
    assert body["status"] == "accepted" and body["national_status"] == 2
    assert body["procedure_name"].startswith("Cấp Phiếu lý lịch tư pháp")
    assert datetime.fromisoformat(body["due_at"]) == due and body["due_at"].endswith("+07:00")
    assert "Trần Thị Quầy" not in tracked.text

    # the agency's officers see it in their list; citizens and other agencies do not
    listed = (await env.client.get("/api/v1/dossiers", headers=env.reception())).json()
    assert [i["code"] for i in listed["items"]] == [code] and listed["items"][0]["applicant_name"] == "Trần Thị Quầy"
    assert (await env.client.get("/api/v1/dossiers", headers=env.citizen())).json()["total"] == 0
    assert (await env.client.get(f"/api/v1/dossiers/{code}", headers=env.citizen())).status_code == 404
    other = env.reception(agency="000.00.02.H19", sub="officer-9")
    assert (await env.client.get(f"/api/v1/dossiers/{code}", headers=other)).status_code == 404
    read = (await env.client.get(f"/api/v1/dossiers/{code}", headers=env.reception())).json()
    assert read["status"] == "accepted" and read["received_at"].endswith("+07:00")

    # its one-stop software reports the statuses (no workflow): 4, then a new appointment, 9, 10
    def report(n: int, status: int, at: datetime, **kw: Any) -> CloudEvent:
        return events.event(StatusReported(message_id=f"st-{n}", dossier_code=code, agency_code=AGENCY,
                                     national_status=status, at=at, **kw))

    processing = report(1, 4, datetime(2026, 12, 2, 9, 0, tzinfo=VN), officer="Chuyên viên Bình",
                        department="Phòng Hành chính tư pháp")
    await _handle(env, on_status_reported, processing)
    await _handle(env, on_status_reported, processing)  # the same event again: nothing new
    new_due = datetime(2026, 12, 18, 16, 0, tzinfo=VN)
    await _handle(env, on_status_reported, report(2, 4, datetime(2026, 12, 3, 9, 0, tzinfo=VN),
                                                  note="Gia hạn để xác minh", new_due_at=new_due))
    body = (await env.client.get(f"/api/v1/tracking/{code}")).json()
    assert body["status"] == "processing" and datetime.fromisoformat(body["due_at"]) == new_due
    await _handle(env, on_status_reported, report(3, 9, datetime(2026, 12, 10, 9, 0, tzinfo=VN)))
    await _handle(env, on_status_reported, report(4, 10, datetime(2026, 12, 11, 9, 0, tzinfo=VN)))
    body = (await env.client.get(f"/api/v1/tracking/{code}")).json()
    assert body["status"] == "returned" and body["national_status"] == 10 and body["completed_at"]

    history = (await env.client.get(f"/api/v1/dossiers/{code}/history", headers=env.reception())).json()
    assert [h["action"] for h in history] == ["counter_received", "status_reported", "status_reported",
                                              "status_reported", "status_reported"]
    assert [h["to_status"] for h in history] == ["accepted", "processing", "processing", "result_ready", "returned"]
    assert history[1]["actor"] == "Chuyên viên Bình" and history[1]["note"] == "Phòng Hành chính tư pháp"
    assert derive((h["action"], h["to_status"]) for h in history).value == "returned"
    rows = await env.sql("SELECT channel, owner_id FROM dossiers WHERE code = :c", c=code)
    assert rows == [("counter", None)]


async def test_counter_status_mapping_and_online_dossiers_untouched(env: Env) -> None:
    # an unknown procedure: recorded with its code as the name; refused (3) at the counter
    code = f"{AGENCY}-261201-9002"
    at = datetime(2026, 12, 1, 8, 0, tzinfo=VN)
    await _handle(env, on_counter_dossier, events.event(CounterDossierReceived(
        message_id="m", dossier_code=code, procedure_code="9.999999.000.00.15.H19", agency_code=AGENCY,
        applicant_name="Lê Văn C", received_at=at, national_status=1)), env.app.state.catalog)
    assert (await env.client.get(f"/api/v1/tracking/{code}")).json()["procedure_name"] == "9.999999.000.00.15.H19"
    await _handle(env, on_status_reported, events.event(StatusReported(
        message_id="s", dossier_code=code, agency_code=AGENCY, national_status=7, at=at)))
    assert (await env.client.get(f"/api/v1/tracking/{code}")).json()["status"] == "withdrawn"

    # an online dossier moves through workflow only: a one-stop status report does not touch it
    online = await _accepted(env)
    await _handle(env, on_status_reported, events.event(StatusReported(
        message_id="s2", dossier_code=online, agency_code=AGENCY, national_status=10, at=at)))
    assert (await env.client.get(f"/api/v1/tracking/{online}")).json()["status"] == "accepted"


async def test_events_carry_documents_form_data_interagency_and_agency_name(env: Env) -> None:
    citizen = env.citizen()
    files = {c: await env.upload(citizen, PDF_BYTES + uuid.uuid4().hex.encode(), f"{c}.pdf")
             for c in ("TP1", "TP2", "TP3", "TP4")}
    body = dossier_body(list(files.items()), procedure_code=INTERAGENCY)
    submitted = await env.client.post("/api/v1/dossiers", json=body, headers=citizen)
    assert submitted.status_code == 201, submitted.text
    code = submitted.json()["code"]
    desk = env.reception(agency="000.02.30.H19", sub="officer-td")
    asked = await env.client.post(f"/api/v1/dossiers/{code}/reception", headers=desk, json={
        "decision": "request_supplement", "missing_items": ["Tờ khai rõ nét"]})
    assert asked.status_code == 200, asked.text
    again = await env.upload(citizen, PDF_BYTES + b"to-khai-moi", "TP1-moi.pdf")
    supplied = await env.client.post(f"/api/v1/dossiers/{code}/supplements", headers=citizen, json={
        "documents": [{"requirement_code": "TP1", "file_id": again}], "form_data": {"ghi_chu": "đã sửa"}})
    assert supplied.status_code == 200, supplied.text
    accepted = await env.client.post(f"/api/v1/dossiers/{code}/reception", headers=desk, json={"decision": "accept"})
    assert accepted.status_code == 200, accepted.text

    rows = {r[0]: json.loads(r[1])["data"] for r in await env.sql("SELECT subject, body FROM kit_outbox")}
    sub = rows["intake.dossier.submitted.v1"]
    assert sub["form_data"] == body["form_data"]
    assert [d["requirement_code"] for d in sub["documents"]] == ["TP1", "TP2", "TP3", "TP4"]
    first = sub["documents"][0]
    assert first["file_id"] == files["TP1"] and first["media_type"] == "application/pdf"
    assert len(first["sha256"]) == 64 and first["size"] > 0 and first["name"]
    sup = rows["intake.dossier.supplemented.v1"]
    assert [d["file_id"] for d in sup["documents"]] == [again] and len(sup["documents"][0]["sha256"]) == 64
    assert sup["form_data"]["ghi_chu"] == "đã sửa" and sup["form_data"]["muc_dich"] == body["form_data"]["muc_dich"]
    acc = rows["intake.dossier.accepted.v1"]
    assert acc["interagency"] == ["000.00.91.H19", "000.00.92.H19"]
    assert acc["agency_name"] == "Ủy ban nhân dân phường Trảng Dài"

    # the receipt names the agency and lists the current set: TP1 once (the resubmitted file)
    receipt = await env.client.get(f"/api/v1/dossiers/{code}/receipt", headers=citizen)
    assert receipt.status_code == 200
    from intake_svc.dossier.repository import DossierRepository
    from intake_svc.receipt.service import current_documents, receipt_data

    async with env.app.state.sessionmaker() as session:
        repo = DossierRepository(session)
        dossier = await repo.by_code(code)
        assert dossier is not None
        docs = await repo.documents(dossier.id)
    assert len(docs) == 5
    current = current_documents(docs)
    assert [(d.requirement_code, str(d.file_id)) for d in current] == [
        ("TP1", again), ("TP2", files["TP2"]), ("TP3", files["TP3"]), ("TP4", files["TP4"])]
    assert receipt.content.startswith(b"%PDF")
    printed = receipt_data(dossier, current, "Cán bộ", await env.app.state.catalog.agency_name(dossier.agency_code))
    assert printed.agency_name == "Ủy ban nhân dân phường Trảng Dài"
    assert [d.name for d in printed.documents] == [d.name for d in current]
    assert len(printed.documents) == 4
