from __future__ import annotations

import asyncio
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import DBAPIError

from contracts.vocabulary import VN_TZ as VN
from devkit.testing import running
from intake_svc.app import create_app
from intake_svc.dossier.service import DossierService
from intake_testkit import AGENCY, LEVEL2, LLTP, Clock, Env, dossier_body
from vncalendar import WorkCalendar


async def _submitted(env: Env, headers: dict[str, str] | None = None) -> str:
    resp = await env.submit(headers or env.citizen())
    assert resp.status_code == 201, resp.text
    return str(resp.json()["code"])


async def test_concurrent_submissions_get_distinct_gap_free_codes(env: Env) -> None:
    env.clock.fixed = datetime(2026, 11, 30, 23, 59, tzinfo=VN)  # the day is taken in Asia/Ho_Chi_Minh
    citizen = env.citizen()
    tp1, tp2 = await env.upload(citizen), await env.upload(citizen, name="b.pdf")
    body = dossier_body([("TP1", tp1), ("TP2", tp2)])
    n = int(os.environ.get("INTAKE_TEST_CONCURRENCY", "50"))  # 200 in the release check
    responses = await asyncio.gather(
        *(env.client.post("/api/v1/dossiers", json=body, headers=citizen) for _ in range(n))
    )
    assert [r.status_code for r in responses] == [201] * n
    codes = sorted(r.json()["code"] for r in responses)
    assert codes == [f"{AGENCY}-261130-{i:04d}" for i in range(1, n + 1)]


async def test_another_citizen_or_agency_gets_404(env: Env) -> None:
    first = env.citizen("first")
    code = await _submitted(env, first)
    desk = env.reception()
    assert (
        await env.client.post(f"/api/v1/dossiers/{code}/reception", headers=desk, json={"decision": "accept"})
    ).status_code == 200
    dossier = (await env.client.get(f"/api/v1/dossiers/{code}", headers=first)).json()
    file_id = dossier["documents"][0]["file_id"]

    second = env.citizen("second", name="Trần Thị Bình")
    other_desk = env.reception(agency="000.00.30.H19", sub="officer-other")
    for headers in (second, other_desk):
        for path in (
            f"/api/v1/dossiers/{code}",
            f"/api/v1/dossiers/{code}/history",
            f"/api/v1/dossiers/{code}/receipt",
            f"/api/v1/files/{file_id}",
        ):
            resp = await env.client.get(path, headers=headers)
            assert resp.status_code == 404, (path, resp.text)
    assert (
        await env.client.post(f"/api/v1/dossiers/{code}/withdraw", headers=second, json={"reason": "x"})
    ).status_code == 404
    assert (await env.client.get("/api/v1/dossiers", headers=second)).json()["total"] == 0
    # the dossier's own agency sees it and its files; the owner too
    assert (await env.client.get(f"/api/v1/files/{file_id}", headers=desk)).status_code == 200
    # the agency's one-stop software downloads the files its signed feed links to; another agency's cannot
    system = env.tokens.header(sub="client:cl-1", roles=("onestop",), agency_code=AGENCY, client_id="cl-1")
    assert (await env.client.get(f"/api/v1/files/{file_id}", headers=system)).status_code == 200
    other = env.tokens.header(sub="client:cl-2", roles=("onestop",), agency_code="000.00.30.H19", client_id="cl-2")
    assert (await env.client.get(f"/api/v1/files/{file_id}", headers=other)).status_code == 404
    assert (await env.client.get(f"/api/v1/dossiers/{code}/receipt", headers=first)).status_code == 200
    listed = (await env.client.get("/api/v1/dossiers?status=accepted", headers=desk)).json()
    assert [d["code"] for d in listed["items"]] == [code]
    # a citizen cannot act as the desk
    assert (
        await env.client.post(f"/api/v1/dossiers/{code}/delivery", headers=first, json={"method": "counter"})
    ).status_code == 403


async def test_missing_required_document_is_422_naming_it(env: Env) -> None:
    citizen = env.citizen()
    tp1 = await env.upload(citizen)
    resp = await env.client.post("/api/v1/dossiers", headers=citizen, json=dossier_body([("TP1", tp1)]))
    assert resp.status_code == 422, resp.text
    errors = resp.json()["errors"]
    assert [e["loc"] for e in errors] == [["body", "documents", "TP2"]]
    assert "TP2" in errors[0]["msg"] and "Thiếu thành phần hồ sơ bắt buộc" in errors[0]["msg"]
    none = await env.client.post("/api/v1/dossiers", headers=citizen, json=dossier_body([]))
    assert [e["loc"][-1] for e in none.json()["errors"]] == ["TP1", "TP2"]
    # someone else's file does not count
    foreign = await env.upload(env.citizen("other"))
    stolen = await env.client.post(
        "/api/v1/dossiers", headers=citizen, json=dossier_body([("TP1", tp1), ("TP2", foreign)])
    )
    assert stolen.status_code == 422 and stolen.json()["errors"][0]["loc"] == ["body", "documents", 1, "file_id"]
    assert await env.sql("SELECT code FROM dossiers") == []


async def test_level_below_3_and_bad_applicant_data_are_422(env: Env) -> None:
    citizen = env.citizen()
    low = await env.client.post("/api/v1/dossiers", headers=citizen, json=dossier_body([], procedure_code=LEVEL2))
    assert low.status_code == 422 and low.json()["errors"][0]["loc"] == ["body", "procedure_code"]
    unknown = await env.client.post(
        "/api/v1/dossiers", headers=citizen, json=dossier_body([], procedure_code="9.999999.000.00.15.H19")
    )
    assert unknown.status_code == 422
    body = dossier_body([])
    body["applicant"].update(id_number="12345", phone="12", email="not-an-email")
    bad = await env.client.post("/api/v1/dossiers", headers=citizen, json=body)
    assert bad.status_code == 422
    locs = [e["loc"] for e in bad.json()["errors"]]
    assert ["body", "applicant", "phone"] in locs and ["body", "applicant", "email"] in locs
    # reception officers register counter dossiers (test_counter_intake.py); other officers file nothing
    specialist = env.tokens.header(sub="sp-1", username="sp-1", roles=("specialist",), agency_code="000.00.15.H19")
    officer = await env.client.post("/api/v1/dossiers", headers=specialist, json=dossier_body([]))
    assert officer.status_code == 403


async def test_idempotency_key_replays_and_creates_nothing(env: Env) -> None:
    citizen = env.citizen()
    tp1, tp2 = await env.upload(citizen), await env.upload(citizen, name="b.pdf")
    body = dossier_body([("TP1", tp1), ("TP2", tp2)])
    headers = {**citizen, "Idempotency-Key": "k-123"}
    first, again, concurrent = (
        await env.client.post("/api/v1/dossiers", json=body, headers=headers),
        *(await asyncio.gather(*(env.client.post("/api/v1/dossiers", json=body, headers=headers) for _ in range(2)))),
    )
    assert first.status_code == again.status_code == concurrent.status_code == 201
    assert first.json()["code"] == again.json()["code"] == concurrent.json()["code"]
    assert again.headers.get("idempotent-replayed") == "true"
    assert len(await env.sql("SELECT code FROM dossiers")) == 1
    assert len(await env.sql("SELECT 1 FROM kit_outbox")) == 1
    other = await env.client.post("/api/v1/dossiers", json={**body, "return_method": "counter"}, headers=headers)
    assert other.status_code == 409


async def test_two_officers_deciding_at_once_one_gets_409(env: Env) -> None:
    code = await _submitted(env)
    a, b = env.reception(sub="o-a", name="Cán bộ A"), env.reception(sub="o-b", name="Cán bộ B")
    results = await asyncio.gather(
        env.client.post(f"/api/v1/dossiers/{code}/reception", headers=a, json={"decision": "accept"}),
        env.client.post(
            f"/api/v1/dossiers/{code}/reception",
            headers=b,
            json={"decision": "refuse", "reason": "Không thuộc thẩm quyền"},
        ),
    )
    assert sorted(r.status_code for r in results) == [200, 409]
    actions = await env.sql("SELECT action FROM dossier_actions ORDER BY id")
    assert len(actions) == 2  # submit + the single winning decision
    stale = await env.client.post(f"/api/v1/dossiers/{code}/withdraw", headers=env.citizen(), json={"reason": "r"})
    assert stale.status_code in (200, 409)


async def test_stale_version_is_409(env: Env) -> None:
    code = await _submitted(env)
    resp = await env.client.post(
        f"/api/v1/dossiers/{code}/reception", headers=env.reception(), json={"decision": "accept", "version": 7}
    )
    assert resp.status_code == 409


async def test_refuse_withdraw_and_receipt_rules(env: Env) -> None:
    citizen, desk = env.citizen(), env.reception()
    code = await _submitted(env, citizen)
    early = await env.client.get(f"/api/v1/dossiers/{code}/receipt", headers=citizen)
    assert early.status_code == 409
    refused = await env.client.post(
        f"/api/v1/dossiers/{code}/reception",
        headers=desk,
        json={"decision": "refuse", "reason": "Thủ tục không thuộc thẩm quyền của Sở"},
    )
    assert refused.json()["status"] == "refused" and refused.json()["national_status"] == 3
    assert (
        await env.client.post(f"/api/v1/dossiers/{code}/withdraw", headers=citizen, json={"reason": "Không cần nữa"})
    ).status_code == 409
    missing = await env.client.post(
        f"/api/v1/dossiers/{code}/reception", headers=desk, json={"decision": "request_supplement", "missing_items": []}
    )
    assert missing.status_code == 422

    code2 = await _submitted(env, citizen)
    withdrawn = await env.client.post(
        f"/api/v1/dossiers/{code2}/withdraw", headers=citizen, json={"reason": "Nộp nhầm thủ tục"}
    )
    assert withdrawn.json()["status"] == "withdrawn" and withdrawn.json()["national_status"] == 7
    subjects = [r[0] for r in await env.sql("SELECT subject FROM kit_outbox ORDER BY seq")]
    assert "intake.dossier.refused.v1" in subjects and "intake.dossier.withdrawn.v1" in subjects


async def test_action_log_rejects_update_and_delete(env: Env) -> None:
    await _submitted(env)
    for statement in (
        "UPDATE dossier_actions SET note = 'sửa'",
        "DELETE FROM dossier_actions",
        "TRUNCATE dossier_actions CASCADE",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            await env.sql(statement)
    assert len(await env.sql("SELECT id FROM dossier_actions")) == 1


async def test_catalog_unreachable_is_503_and_writes_nothing(stack: Any, tokens: Any, tmp_path: Path) -> None:
    from intake_testkit import intake_settings_for

    settings = intake_settings_for(stack, tokens, tmp_path, catalog_url="http://127.0.0.1:9", catalog_timeout=0.5)
    app = create_app(settings, clock=Clock())
    async with running(app) as client:
        env = Env(client=client, app=app, clock=Clock(), tokens=tokens)
        citizen = env.citizen()
        tp1, tp2 = await env.upload(citizen), await env.upload(citizen, name="b.pdf")
        resp = await client.post(
            "/api/v1/dossiers",
            headers={**citizen, "Idempotency-Key": "x"},
            json=dossier_body([("TP1", tp1), ("TP2", tp2)]),
        )
        assert resp.status_code == 503, resp.text
        assert resp.headers["content-type"].startswith("application/problem+json")
        assert await env.sql("SELECT 1 FROM dossiers") == []
        assert await env.sql("SELECT 1 FROM kit_outbox") == []
        assert await env.sql("SELECT 1 FROM kit_idempotency") == []
        assert await env.sql("SELECT 1 FROM dossier_counters") == []


@pytest.mark.parametrize(
    ("received", "value", "unit", "due"),
    [
        # Friday afternoon + 10 working days: two weekends skipped
        (datetime(2026, 11, 27, 16, 0, tzinfo=VN), 10, "working_days", datetime(2026, 12, 11, 16, 0, tzinfo=VN)),
        # accepted on a Saturday: counting starts Monday
        (datetime(2026, 11, 28, 10, 0, tzinfo=VN), 1, "working_days", datetime(2026, 11, 30, 17, 0, tzinfo=VN)),
        # before Tết 2026 (16–20/02 off)
        (datetime(2026, 2, 12, 9, 0, tzinfo=VN), 10, "working_days", datetime(2026, 3, 5, 9, 0, tzinfo=VN)),
        # calendar days landing on a Sunday roll to the next working day
        (datetime(2026, 11, 26, 9, 0, tzinfo=VN), 3, "days", datetime(2026, 11, 30, 17, 0, tzinfo=VN)),
    ],
)
def test_appointment_skips_days_off(received: datetime, value: float, unit: str, due: datetime) -> None:
    service = DossierService(None, calendar=WorkCalendar())  # type: ignore[arg-type]
    got = service.appointment(received, {"processing_time": {"value": value, "unit": unit}})
    assert got == due
    assert WorkCalendar().is_working_day(got.date())


async def test_tracking_unknown_code_is_404(env: Env) -> None:
    assert (await env.client.get("/api/v1/tracking/khong-co")).status_code == 404
    assert (await env.client.get(f"/api/v1/tracking/{AGENCY}-261130-9999")).status_code == 404


async def test_catalog_revision_is_pinned(env: Env) -> None:
    code = await _submitted(env)
    d = (await env.client.get(f"/api/v1/dossiers/{code}", headers=env.citizen())).json()
    assert d["procedure_code"] == LLTP and d["procedure_revision"] >= 1 and d["level"] == 4
    rows = await env.sql("SELECT procedure->'processing_time'->>'value' FROM dossiers")
    assert rows[0][0] in ("10", "10.0")



async def test_hostile_form_data_and_text_are_422_not_500(env: Env) -> None:
    citizen = env.citizen()
    deep: dict[str, object] = {"v": 1}
    for _ in range(500):
        deep = {"a": deep}
    for form_data in (deep, {"k": "a\u0000b"}, {"a\u0000": 1}):
        r = await env.client.post(
            "/api/v1/dossiers", headers=citizen, json={**dossier_body([]), "form_data": form_data}
        )
        assert r.status_code == 422 and ["body", "form_data"] in [e["loc"] for e in r.json()["errors"]], r.text
    raw = b'{"procedure_code": "x", "applicant": {}, "form_data": {"a": "\\udfff"}}'
    r = await env.client.post(
        "/api/v1/dossiers",
        headers={**citizen, "content-type": "application/json", "Idempotency-Key": "k-surrogate"},
        content=raw,
    )
    assert r.status_code == 422
    body = dossier_body([])
    body["applicant"]["full_name"] = "Nguyễn\u0000An"
    r = await env.client.post("/api/v1/dossiers", headers=citizen, json=body)
    assert r.status_code == 422, r.text
    assert (await env.client.get("/api/v1/dossiers/a%00b", headers=citizen)).status_code == 422


async def test_applicant_phone_and_email_are_read_as_the_gateway_reads_them(env: Env) -> None:
    """The shared validators (contracts.validators): ``0912-345-678`` is accepted on a dossier as at
    registration and kept as 10 digits, in the dossier and in its event; a wrong number names the field."""
    import json

    citizen = env.citizen()
    applicant = dossier_body([])["applicant"]
    for n, phone in enumerate(("0912-345-678", "+84 912.345.678")):
        resp = await env.submit(citizen, applicant={**applicant, "phone": phone, "email": " an.nguyen@example.vn "},
                                key=f"phone-{n}")
        assert resp.status_code == 201, resp.text
        dossier = (await env.client.get(f"/api/v1/dossiers/{resp.json()['code']}", headers=citizen)).json()
        assert (dossier["applicant"]["phone"], dossier["applicant"]["email"]) == ("0912345678", "an.nguyen@example.vn")
    rows = await env.sql("SELECT body FROM kit_outbox WHERE subject = 'intake.dossier.submitted.v1'")
    assert [json.loads(r[0])["data"]["applicant_phone"] for r in rows] == ["0912345678", "0912345678"]
    for field, value in (("phone", "0912-345-67"), ("phone", "0212345678"), ("email", "an@")):
        bad = await env.client.post("/api/v1/dossiers", headers=citizen,
                                    json={**dossier_body([]), "applicant": {**applicant, field: value}})
        assert bad.status_code == 422, bad.text
        assert bad.headers["content-type"].startswith("application/problem+json")
        [error] = bad.json()["errors"]
        assert error["loc"] == ["body", "applicant", field]
        assert error["msg"].startswith("Số điện thoại" if field == "phone" else "Địa chỉ thư điện tử")
    assert len(await env.sql("SELECT code FROM dossiers")) == 2
