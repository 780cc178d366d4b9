"""Issue 13, the intake side: counter and postal dossiers typed in by the desk, a procedure filed at one of
several agencies, the desk's 8-working-hour reception limit, supplements asked during processing, forms 02/03."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from contracts import CloudEvent
from contracts.workflow import DossierProcessingStarted, SupplementRequested
from intake_svc.dossier.handlers import on_processing_started, on_supplement_requested
from intake_testkit import AGENCY, LLTP, PDF_BYTES, Env, dossier_body

VN = ZoneInfo("Asia/Ho_Chi_Minh")
KHAI_SINH = "1.001193.000.01.30.H19"  # Đăng ký khai sinh: carried out by the wards Tân Phong and Trảng Dài
TAN_PHONG, TRANG_DAI = "000.01.30.H19", "000.02.30.H19"
BIRTH = {"ho_ten_tre": "Nguyễn Minh Khang", "ngay_sinh_tre": "2026-11-20", "gioi_tinh_tre": "Nam",
         "noi_sinh": "Bệnh viện Đa khoa Đồng Nai", "ho_ten_me": "Trần Thị Bích", "quan_he": "Mẹ"}


async def _handle(env: Env, handler, payload) -> None:  # type: ignore[no-untyped-def]
    event = CloudEvent.of(payload, source="/workflow-svc", subject=payload.code)
    async with env.app.state.sessionmaker() as session, session.begin():
        await handler(event, session)


async def _outbox(env: Env, event_type: str) -> list[dict[str, Any]]:
    rows = await env.sql("SELECT body FROM kit_outbox WHERE subject = :t ORDER BY seq", t=event_type)
    return [json.loads(r[0])["data"] for r in rows]


def _walk_in(docs: list[tuple[str, str]], **extra: Any) -> dict[str, Any]:
    body = dossier_body(docs)
    body["applicant"] = {"full_name": "Trần Thị Bích", "id_number": "075190004321",
                         "address": "5 Phan Chu Trinh, Biên Hòa, Đồng Nai", "email": "bich.tran@example.vn"}
    body.update({"return_method": "counter", "channel": "counter", **extra})
    return body


async def test_counter_dossier_typed_in_by_the_desk(env: Env) -> None:
    desk = env.reception()
    env.clock.fixed = datetime(2026, 12, 7, 9, 0, tzinfo=VN)
    tp1 = await env.upload(desk, PDF_BYTES + b"scan-1")
    tp2 = await env.upload(desk, PDF_BYTES + b"scan-2", "giay-to.pdf")
    body = _walk_in([("TP1", tp1), ("TP2", tp2)])
    headers = {**desk, "Idempotency-Key": "counter-1"}
    made = await env.client.post("/api/v1/dossiers", json=body, headers=headers)
    assert made.status_code == 201, made.text
    dossier = made.json()
    code = dossier["code"]
    assert re.fullmatch(rf"{re.escape(AGENCY)}-261207-0001", code)
    assert dossier["channel"] == "counter" and dossier["status"] == "submitted"
    assert dossier["applicant"]["phone"] is None and dossier["reception_due_at"] is None
    again = await env.client.post("/api/v1/dossiers", json=body, headers=headers)
    assert again.json()["code"] == code and again.headers.get("idempotent-replayed") == "true"
    assert len(await env.sql("SELECT 1 FROM dossiers")) == 1
    # no account: no owner; the desk's agency sees it, another agency's desk and citizens do not
    assert (await env.sql("SELECT owner_id FROM dossiers"))[0][0] is None
    assert (await env.client.get(f"/api/v1/dossiers/{code}", headers=env.reception("000.00.14.H19"))).status_code == 404
    assert (await env.client.get(f"/api/v1/dossiers/{code}", headers=env.citizen())).status_code == 404
    listed = (await env.client.get("/api/v1/dossiers", headers=desk)).json()["items"]
    assert [(d["code"], d["channel"]) for d in listed] == [(code, "counter")]
    submitted = await _outbox(env, "intake.dossier.submitted.v1")
    assert submitted[0]["channel"] == "counter" and submitted[0]["applicant_user_id"] is None
    assert submitted[0]["applicant_email"] == "bich.tran@example.vn"

    # form 01 does not exist before acceptance; the desk decides at once and prints it
    assert (await env.client.get(f"/api/v1/dossiers/{code}/forms/01", headers=desk)).status_code == 404
    accepted = await env.client.post(f"/api/v1/dossiers/{code}/reception", headers=desk, json={"decision": "accept"})
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert (await _outbox(env, "intake.dossier.accepted.v1"))[0]["channel"] == "counter"
    form01 = await env.client.get(f"/api/v1/dossiers/{code}/forms/01", headers=desk)
    assert form01.status_code == 200 and form01.headers["content-type"] == "application/pdf"
    assert b"/FontFile2" in form01.content and b"BeVietnamPro" in form01.content
    history = (await env.client.get(f"/api/v1/dossiers/{code}/history", headers=desk)).json()
    assert [(h["action"], h["role"], h["actor"]) for h in history] == [
        ("submit", "reception", "Lê Thị Tiếp Nhận"), ("accept", "reception", "Lê Thị Tiếp Nhận")]
    assert history[0]["data"]["channel"] == "counter"


async def test_counter_dossier_refusals_name_the_field(env: Env) -> None:
    desk = env.reception()
    tp1, tp2 = await env.upload(desk), await env.upload(desk, name="b.pdf")
    docs = [("TP1", tp1), ("TP2", tp2)]
    online = await env.client.post("/api/v1/dossiers", headers=desk, json=_walk_in(docs, channel="online"))
    assert online.status_code == 422 and online.json()["errors"][0]["loc"] == ["body", "channel"]
    other = await env.client.post("/api/v1/dossiers", headers=desk, json=_walk_in(docs, agency_code=TAN_PHONG))
    assert other.status_code == 422 and other.json()["errors"][0]["loc"] == ["body", "agency_code"]
    # a desk files only where its agency carries the procedure out
    foreign = env.reception(TAN_PHONG)
    f1, f2 = await env.upload(foreign), await env.upload(foreign, name="b.pdf")
    wrong = await env.client.post("/api/v1/dossiers", headers=foreign, json=_walk_in([("TP1", f1), ("TP2", f2)]))
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["loc"] == ["body", "procedure_code"]
    # the citizen's files are not the desk's to attach
    citizen = env.citizen()
    c1, c2 = await env.upload(citizen), await env.upload(citizen, name="b.pdf")
    theirs = await env.client.post("/api/v1/dossiers", headers=desk, json=_walk_in([("TP1", c1), ("TP2", c2)]))
    assert theirs.status_code == 422
    assert ["body", "documents", 0, "file_id"] in [e["loc"] for e in theirs.json()["errors"]]
    # citizens file online only, and give a phone
    postal = await env.submit(citizen, channel="postal")
    assert postal.status_code == 422 and postal.json()["errors"][0]["loc"] == ["body", "channel"]
    body = dossier_body([])
    body["applicant"].pop("phone")
    nophone = await env.client.post("/api/v1/dossiers", headers=citizen, json=body)
    assert nophone.status_code == 422 and nophone.json()["errors"][0]["loc"] == ["body", "applicant", "phone"]
    assert (await env.sql("SELECT count(*) FROM dossiers"))[0][0] == 0


async def test_postal_dossier(env: Env) -> None:
    desk = env.reception()
    tp1, tp2 = await env.upload(desk), await env.upload(desk, name="b.pdf")
    made = await env.client.post("/api/v1/dossiers", headers=desk,
                                 json=_walk_in([("TP1", tp1), ("TP2", tp2)], channel="postal", return_method="postal"))
    assert made.status_code == 201 and made.json()["channel"] == "postal"


async def test_a_procedure_filed_at_the_second_commune(env: Env) -> None:
    citizen = env.citizen()
    procedure = (await env.client.get(f"/api/v1/dossiers?procedure_code={KHAI_SINH}", headers=citizen))
    assert procedure.status_code == 200
    filed = await env.submit(citizen, procedure_code=KHAI_SINH, agency_code=TRANG_DAI, form_data=BIRTH)
    assert filed.status_code == 201, filed.text
    code = filed.json()["code"]
    assert code.startswith(f"{TRANG_DAI}-") and filed.json()["agency_code"] == TRANG_DAI
    # only that commune's desk sees it and decides on it
    here, there = env.reception(TRANG_DAI), env.reception(TAN_PHONG)
    assert [d["code"] for d in (await env.client.get("/api/v1/dossiers", headers=here)).json()["items"]] == [code]
    assert (await env.client.get("/api/v1/dossiers", headers=there)).json()["items"] == []
    assert (await env.client.get(f"/api/v1/dossiers/{code}", headers=there)).status_code == 404
    refused = await env.client.post(f"/api/v1/dossiers/{code}/reception", headers=there, json={"decision": "accept"})
    assert refused.status_code == 404
    ok = await env.client.post(f"/api/v1/dossiers/{code}/reception", headers=here, json={"decision": "accept"})
    assert ok.status_code == 200
    assert (await _outbox(env, "intake.dossier.accepted.v1"))[0]["agency_code"] == TRANG_DAI
    # the default is the procedure's agency; an agency that does not carry it out is refused, naming the field
    default = await env.submit(citizen, procedure_code=KHAI_SINH, form_data=BIRTH)
    assert default.status_code == 201 and default.json()["code"].startswith(f"{TAN_PHONG}-")
    elsewhere = await env.submit(citizen, procedure_code=KHAI_SINH, agency_code="000.01.31.H19", form_data=BIRTH)
    assert elsewhere.status_code == 422 and elsewhere.json()["errors"][0]["loc"] == ["body", "agency_code"]
    single = await env.submit(citizen, agency_code=TRANG_DAI)
    assert single.status_code == 422 and single.json()["errors"][0]["loc"] == ["body", "agency_code"]


async def test_reception_limit_is_eight_working_hours(env: Env) -> None:
    citizen, desk = env.citizen(), env.reception()
    # Friday 04/12/2026 15:00: 8 working hours run into Monday
    env.clock.fixed = datetime(2026, 12, 4, 15, 0, tzinfo=VN)
    first = (await env.submit(citizen)).json()
    env.clock.fixed = datetime(2026, 12, 7, 8, 0, tzinfo=VN)
    second = (await env.submit(citizen)).json()
    due1 = datetime.fromisoformat(first["reception_due_at"])
    due2 = datetime.fromisoformat(second["reception_due_at"])
    cal = env.app.state.calendar
    assert due1 == cal.add_working_time(datetime(2026, 12, 4, 15, 0, tzinfo=VN), timedelta(hours=8))
    assert due1.astimezone(VN).date().isoformat() == "2026-12-07" and due2 > due1
    assert cal.working_time_between(datetime(2026, 12, 7, 8, 0, tzinfo=VN), due2) == timedelta(hours=8)
    assert not first["reception_overdue"]

    # Tuesday afternoon: the first is past its limit, the second not yet
    env.clock.fixed = due1 + timedelta(minutes=1)
    listed = (await env.client.get("/api/v1/dossiers?sort=reception_due_at", headers=desk)).json()["items"]
    assert [(d["code"], d["reception_overdue"]) for d in listed] == [(first["code"], True), (second["code"], False)]
    overdue = (await env.client.get("/api/v1/dossiers?reception_overdue=true", headers=desk)).json()
    assert [d["code"] for d in overdue["items"]] == [first["code"]] and overdue["total"] == 1
    latest_first = (await env.client.get("/api/v1/dossiers?sort=-reception_due_at", headers=desk)).json()["items"]
    assert [d["code"] for d in latest_first] == [second["code"], first["code"]]
    # decided late stays flagged; decided in time never is
    late = await env.client.post(f"/api/v1/dossiers/{first['code']}/reception", headers=desk,
                                 json={"decision": "accept"})
    assert late.json()["reception_overdue"] is True
    on_time = await env.client.post(f"/api/v1/dossiers/{second['code']}/reception", headers=desk,
                                    json={"decision": "refuse", "reason": "Không thuộc thẩm quyền"})
    assert on_time.json()["reception_overdue"] is False
    assert (await env.client.get("/api/v1/dossiers?reception_overdue=true", headers=desk)).json()["total"] == 0
    bad = await env.client.get("/api/v1/dossiers?sort=nonsense", headers=desk)
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["query", "sort"]


async def test_supplement_during_processing_returns_to_processing(env: Env) -> None:
    citizen, desk = env.citizen(), env.reception()
    env.clock.fixed = datetime(2026, 12, 7, 9, 0, tzinfo=VN)  # Monday
    code = (await env.submit(citizen)).json()["code"]
    accepted = (await env.client.post(f"/api/v1/dossiers/{code}/reception", headers=desk,
                                      json={"decision": "accept"})).json()
    due = datetime.fromisoformat(accepted["due_at"])
    await _handle(env, on_processing_started, DossierProcessingStarted(
        code=code, procedure_code=LLTP, agency_code=AGENCY, at=datetime(2026, 12, 7, 10, 0, tzinfo=VN)))
    # no form 02 yet
    assert (await env.client.get(f"/api/v1/dossiers/{code}/forms/02", headers=citizen)).status_code == 404

    asked_at = datetime(2026, 12, 8, 9, 0, tzinfo=VN)  # Tuesday 09:00
    request = SupplementRequested(code=code, procedure_code=LLTP, agency_code=AGENCY, at=asked_at,
                                  actor_id="sp-1", actor_name="Phạm Chuyên Viên", step="specialist", round=1,
                                  items=["Bản sao sổ hộ khẩu", "Giấy xác nhận cư trú"], note="Cần xác minh nơi cư trú")
    event = CloudEvent.of(request, source="/workflow-svc", subject=code)
    for _ in range(2):  # delivered twice: recorded once
        async with env.app.state.sessionmaker() as session, session.begin():
            await on_supplement_requested(event, session)
    waiting = (await env.client.get(f"/api/v1/dossiers/{code}", headers=citizen)).json()
    assert waiting["status"] == "supplement_requested" and waiting["national_status"] == 5
    assert waiting["supplement_round"] == 1
    history = (await env.client.get(f"/api/v1/dossiers/{code}/history", headers=citizen)).json()
    row = history[-1]
    assert row["action"] == "processing_request_supplement" and row["actor"] == "Phạm Chuyên Viên"
    assert row["data"]["form"] == "02" and row["data"]["items"] == ["Bản sao sổ hộ khẩu", "Giấy xác nhận cư trú"]
    asked = await _outbox(env, "intake.dossier.supplement_requested.v1")
    assert len(asked) == 1 and asked[0]["stage"] == "processing" and asked[0]["round"] == 1
    assert asked[0]["missing_items"] == ["Bản sao sổ hộ khẩu", "Giấy xác nhận cư trú"]
    form02 = await env.client.get(f"/api/v1/dossiers/{code}/forms/02", headers=citizen)
    assert form02.status_code == 200 and form02.content.startswith(b"%PDF") and b"BeVietnamPro" in form02.content

    # the applicant supplements on Wednesday 09:00: a working day waited, the appointment moves by it
    env.clock.fixed = datetime(2026, 12, 9, 9, 0, tzinfo=VN)
    extra = await env.upload(citizen, PDF_BYTES + b"ho-khau")
    supplied = await env.client.post(f"/api/v1/dossiers/{code}/supplements", headers=citizen,
                                     json={"documents": [{"requirement_code": "TP2", "file_id": extra}]})
    assert supplied.status_code == 200, supplied.text
    back = supplied.json()
    cal = env.app.state.calendar
    waited = cal.working_time_between(asked_at, env.clock.fixed)
    assert back["status"] == "processing" and back["national_status"] == 4
    assert datetime.fromisoformat(back["due_at"]) == cal.add_working_time(due, waited) > due
    assert back["waiting_seconds"] == int(waited.total_seconds())
    done = await _outbox(env, "intake.dossier.supplemented.v1")
    assert done[-1]["stage"] == "processing" and datetime.fromisoformat(done[-1]["due_at"]) > due
    history = (await env.client.get(f"/api/v1/dossiers/{code}/history", headers=citizen)).json()
    assert history[-1]["action"] == "processing_supplement" and history[-1]["to_status"] == "processing"
    # a second supplement without a request is a conflict
    again = await env.client.post(f"/api/v1/dossiers/{code}/supplements", headers=citizen,
                                  json={"documents": [{"requirement_code": "TP2", "file_id": extra}]})
    assert again.status_code == 409


async def test_forms_02_and_03_from_the_desk(env: Env) -> None:
    citizen, desk = env.citizen(), env.reception()
    code = (await env.submit(citizen)).json()["code"]
    for form in ("01", "02", "03", "04", "99"):
        assert (await env.client.get(f"/api/v1/dossiers/{code}/forms/{form}", headers=citizen)).status_code == 404
    await env.client.post(f"/api/v1/dossiers/{code}/reception", headers=desk, json={
        "decision": "request_supplement", "missing_items": ["Bản sao CCCD rõ nét"], "reason": "Ảnh bị mờ"})
    form02 = await env.client.get(f"/api/v1/dossiers/{code}/forms/02", headers=desk)
    assert form02.status_code == 200 and form02.headers["content-type"] == "application/pdf"
    assert b"/FontFile2" in form02.content
    assert (await env.client.get(f"/api/v1/dossiers/{code}/forms/02", headers=env.citizen("someone-else"))
            ).status_code == 404

    other = (await env.submit(citizen)).json()["code"]
    await env.client.post(f"/api/v1/dossiers/{other}/reception", headers=desk,
                          json={"decision": "refuse", "reason": "Thủ tục không thuộc thẩm quyền của Sở Tư pháp"})
    form03 = await env.client.get(f"/api/v1/dossiers/{other}/forms/03", headers=citizen)
    assert form03.status_code == 200 and form03.content.startswith(b"%PDF") and b"BeVietnamPro" in form03.content
    assert (await env.client.get(f"/api/v1/dossiers/{other}/forms/02", headers=citizen)).status_code == 404
