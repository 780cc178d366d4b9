"""The front-office path end to end: upload → submit → supplement round → accept → processing → delivery."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import pytest

from contracts.vocabulary import VN_TZ as VN
from contracts.workflow import DossierProcessingStarted, DossierResultReady
from devkit import events
from devkit.testing import eventually
from intake_svc.dossier.status import derive
from intake_testkit import AGENCY, LLTP, PDF_BYTES, Env


@pytest.fixture
def background() -> bool:
    return True  # this module needs the relay and the workflow consumers on real NATS


async def _publish(nats_url: str, payload: Any) -> None:
    await events.publish(nats_url, events.event(payload))


async def test_full_front_office_path(env: Env, stack: Any) -> None:
    citizen, desk = env.citizen(), env.reception()
    # submitted on Wednesday 11/02/2026, the week before Tết
    env.clock.fixed = datetime(2026, 2, 11, 10, 0, tzinfo=VN)
    submitted = await env.submit(citizen, key="submit-1")
    assert submitted.status_code == 201, submitted.text
    dossier = submitted.json()
    code = dossier["code"]
    assert re.fullmatch(rf"{re.escape(AGENCY)}-260211-0001", code)
    assert dossier["status"] == "submitted" and dossier["national_status"] == 1
    assert dossier["procedure_revision"] >= 1

    # the desk asks for a supplement (form 02 content in the log)
    env.clock.fixed = datetime(2026, 2, 11, 14, 0, tzinfo=VN)
    asked = await env.client.post(f"/api/v1/dossiers/{code}/reception", headers=desk, json={
        "decision": "request_supplement", "note": "Bản sao CCCD bị mờ",
        "missing_items": ["Bản sao Căn cước công dân rõ nét"], "reason": "Không đọc được số CCCD"})
    assert asked.status_code == 200, asked.text
    assert asked.json()["status"] == "supplement_requested" and asked.json()["national_status"] == 5

    # the citizen supplements the next morning: the waiting time is recorded
    env.clock.fixed = datetime(2026, 2, 12, 8, 0, tzinfo=VN)
    extra = await env.upload(citizen, PDF_BYTES + b"cccd")
    supplied = await env.client.post(f"/api/v1/dossiers/{code}/supplements", headers=citizen, json={
        "documents": [{"requirement_code": "TP4", "file_id": extra}], "note": "Đã bổ sung bản rõ nét"})
    assert supplied.status_code == 200, supplied.text
    assert supplied.json()["status"] == "submitted"
    assert supplied.json()["waiting_seconds"] == (3 * 60 + 30) * 60  # office time 14:00-17:00 + 07:30-08:00

    # accepted Thursday 12/02 09:00: 10 working days skip the weekends and Tết (16-20/02)
    env.clock.fixed = datetime(2026, 2, 12, 9, 0, tzinfo=VN)
    accepted = await env.client.post(f"/api/v1/dossiers/{code}/reception", headers=desk,
                                     json={"decision": "accept", "note": "Hồ sơ đầy đủ"})
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert body["status"] == "accepted" and body["national_status"] == 2
    assert datetime.fromisoformat(body["received_at"]) == datetime(2026, 2, 12, 9, 0, tzinfo=VN)
    assert datetime.fromisoformat(body["due_at"]) == datetime(2026, 3, 5, 9, 0, tzinfo=VN)

    receipt = await env.client.get(f"/api/v1/dossiers/{code}/receipt", headers=citizen)
    assert receipt.status_code == 200 and receipt.headers["content-type"] == "application/pdf"
    pdf = receipt.content
    assert pdf.startswith(b"%PDF") and b"/FontFile2" in pdf and b"BeVietnamPro" in pdf

    # processing happens in workflow-svc; its events come back over JetStream
    at = datetime(2026, 2, 24, 10, 0, tzinfo=VN)
    await _publish(stack.nats.url, DossierProcessingStarted(
        code=code, procedure_code=LLTP, agency_code=AGENCY, at=at, actor_id="sp-1", actor_name="Chuyên viên Hòa"))

    async def status_is(expected: str) -> bool:
        r = await env.client.get(f"/api/v1/tracking/{code}")
        return bool(r.json()["status"] == expected)

    await eventually(lambda: status_is("processing"), timeout=10)
    done = datetime(2026, 3, 2, 15, 0, tzinfo=VN)
    await _publish(stack.nats.url, DossierResultReady(
        code=code, procedure_code=LLTP, agency_code=AGENCY, at=done, finished_at=done, actor_id="ld-1",
        actor_name="Lãnh đạo Sở", result_documents=[{"name": "Phiếu LLTP số 1"}]))
    await eventually(lambda: status_is("result_ready"), timeout=10)

    env.clock.fixed = datetime(2026, 3, 3, 9, 0, tzinfo=VN)
    delivered = await env.client.post(f"/api/v1/dossiers/{code}/delivery", headers=desk,
                                      json={"method": "postal", "postal_tracking": "EMS123456789VN", "note": "Gửi EMS"})
    assert delivered.status_code == 200, delivered.text
    assert delivered.json()["status"] == "returned" and delivered.json()["national_status"] == 10

    # the history shows every step with who and when
    history = (await env.client.get(f"/api/v1/dossiers/{code}/history", headers=citizen)).json()
    assert [h["action"] for h in history] == [
        "submit", "request_supplement", "supplement", "accept", "processing_started", "result_ready", "deliver"]
    assert [h["to_status"] for h in history] == [
        "submitted", "supplement_requested", "submitted", "accepted", "processing", "result_ready", "returned"]
    assert [h["actor"] for h in history] == [
        "Nguyễn Văn An", "Lê Thị Tiếp Nhận", "Nguyễn Văn An", "Lê Thị Tiếp Nhận", "Chuyên viên Hòa", "Lãnh đạo Sở",
        "Lê Thị Tiếp Nhận"]
    assert all(h["at"] and h["role"] for h in history)
    assert history[1]["data"]["items"] == ["Bản sao Căn cước công dân rõ nét"] and history[1]["data"]["form"] == "02"
    assert history[-1]["data"]["postal_tracking"] == "EMS123456789VN"
    # the cached status is the fold of the log
    assert derive((h["action"], h["to_status"]) for h in history).value == "returned"

    # public tracking: no personal data at all
    tracking = await env.client.get(f"/api/v1/tracking/{code}")
    assert tracking.status_code == 200
    assert set(tracking.json()) == {"code", "procedure_name", "status", "status_label", "national_status",
                                    "submitted_at", "due_at", "completed_at"}
    text = tracking.text
    for personal in ("Nguyễn Văn An", "075090001234", "0912345678", "an.nguyen@example.vn", "Võ Thị Sáu"):
        assert personal not in text

    # every change went out through the outbox, with the applicant's contacts for notify-svc
    rows = await env.sql("SELECT subject, body FROM kit_outbox ORDER BY seq")
    subjects = [r[0] for r in rows]
    assert subjects == ["intake.dossier.submitted.v1", "intake.dossier.supplement_requested.v1",
                        "intake.dossier.supplemented.v1", "intake.dossier.accepted.v1", "intake.dossier.delivered.v1"]
    for _, raw in rows:
        data = json.loads(raw)["data"]
        assert data["code"] == code and data["applicant_email"] == "an.nguyen@example.vn"
        assert data["applicant_phone"] == "0912345678" and data["applicant_user_id"] == "citizen-1"
    accepted_event = json.loads(rows[3][1])["data"]
    assert datetime.fromisoformat(accepted_event["due_at"]) == datetime(2026, 3, 5, 9, 0, tzinfo=VN)
    assert accepted_event["processing_time_value"] == 10 and accepted_event["return_method"] == "postal"
    # the relay publishes them to JetStream
    async def all_sent() -> bool:
        return not await env.sql("SELECT 1 FROM kit_outbox WHERE sent_at IS NULL")

    await eventually(all_sent, timeout=10)
