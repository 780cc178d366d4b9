"""The citizen's voice and transparency in intake-svc: the satisfaction rating (once, after return), feedback
routed to its agency and answered (public answers without personal data, overdue ones flagged), and the public
verification of what was issued (form 01 and signed results carry a QR code of the verification page; a copy is
checked by its sha256)."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from contracts.vocabulary import VN_TZ as VN
from contracts.workflow import DossierResultReady
from devkit import events
from devkit.testing import text_pdf
from intake_svc.dossier.handlers import ResultFiles, on_result_ready
from intake_svc.feedback.jobs import flag_overdue_once
from intake_testkit import AGENCY, LLTP, Env

OTHER_AGENCY = "000.00.02.H19"


def specialist(env: Env) -> dict[str, str]:
    return env.tokens.header(sub="spec-1", username="spec-1", roles=("specialist",), agency_code=AGENCY,
                             name="Trần Văn Chuyên")


async def outbox(env: Env, event_type: str) -> list[dict[str, Any]]:
    rows = await env.sql("SELECT body FROM kit_outbox ORDER BY seq")
    return [b for b in (json.loads(r[0]) for r in rows) if b["type"] == event_type]


async def accepted(env: Env) -> str:
    submitted = await env.submit(env.citizen(), return_method="online")
    assert submitted.status_code == 201, submitted.text
    code = str(submitted.json()["code"])
    r = await env.client.post(f"/api/v1/dossiers/{code}/reception", headers=env.reception(),
                              json={"decision": "accept"})
    assert r.status_code == 200, r.text
    return code


async def returned_with_signed_result(env: Env) -> tuple[str, bytes]:
    """A level-4 dossier, fees paid at the counter, its result approved: signed by the agency and released online."""
    code = await accepted(env)
    cash = await env.client.post(f"/api/v1/dossiers/{code}/payments/counter", headers=env.reception(),
                                 json={"receipt_no": "BL-0001"})
    assert cash.status_code == 201, cash.text
    upload = await env.client.post("/api/v1/files", headers=specialist(env),
                                   files={"file": ("phieu.pdf", io.BytesIO(text_pdf()), "application/pdf")})
    assert upload.status_code == 201, upload.text
    now = datetime.now(VN)
    payload = DossierResultReady(code=code, procedure_code=LLTP, agency_code=AGENCY, at=now, finished_at=now,
                                 actor_name="Giám đốc Sở", result_documents=[{
                                     "name": "Phiếu lý lịch tư pháp số 1", "file_id": upload.json()["id"],
                                     "sha256": upload.json()["sha256"]}])
    async with env.app.state.sessionmaker() as session, session.begin():
        await on_result_ready(events.event(payload, subject=code), session,
                              ResultFiles(env.app.state.storage, env.app.state.signer))
    result = await env.client.get(f"/api/v1/dossiers/{code}/result", headers=env.citizen())
    assert result.status_code == 200, result.text
    [doc] = result.json()["documents"]
    pdf = await env.client.get(doc["download_url"], headers=env.citizen())
    assert pdf.status_code == 200
    return code, pdf.content


def qr_urls(pdf: bytes) -> list[str]:
    """Renders every page (PDFium) and decodes the QR codes on them (zxing-cpp)."""
    pdfium = pytest.importorskip("pypdfium2", reason="pip install pypdfium2 (make install does)")
    zxingcpp = pytest.importorskip("zxingcpp", reason="pip install zxing-cpp (make install does)")
    doc = pdfium.PdfDocument(pdf)
    return [b.text for page in doc for b in zxingcpp.read_barcodes(page.render(scale=4).to_pil())
            if b.format == zxingcpp.BarcodeFormat.QRCode]


async def test_a_returned_dossier_is_rated_once(env: Env) -> None:
    citizen = env.citizen()
    code = await accepted(env)
    early = await env.client.post(f"/api/v1/dossiers/{code}/rating", headers=citizen, json={"overall": 5})
    assert early.status_code == 409 and early.json()["type"].endswith("not-returned")

    code, _pdf = await returned_with_signed_result(env)
    bad = await env.client.post(f"/api/v1/dossiers/{code}/rating", headers=citizen, json={"overall": 6})
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "overall"]
    stranger = await env.client.post(f"/api/v1/dossiers/{code}/rating", headers=env.citizen(sub="someone-else"),
                                     json={"overall": 1})
    assert stranger.status_code == 404
    assert (await env.client.get(f"/api/v1/dossiers/{code}/rating", headers=citizen)).status_code == 404

    body = {"overall": 4, "timeliness": 5, "conduct": 4, "guidance": 3, "comment": "Cán bộ hướng dẫn tận tình."}
    first = await env.client.post(f"/api/v1/dossiers/{code}/rating", headers={**citizen, "Idempotency-Key": "r1"},
                                  json=body)
    assert first.status_code == 201, first.text
    assert first.json()["overall"] == 4 and first.json()["rated_at"].endswith("+07:00")
    replay = await env.client.post(f"/api/v1/dossiers/{code}/rating", headers={**citizen, "Idempotency-Key": "r1"},
                                   json=body)
    assert replay.status_code == 201 and replay.json() == first.json()
    second = await env.client.post(f"/api/v1/dossiers/{code}/rating", headers=citizen, json={"overall": 1})
    assert second.status_code == 409 and second.json()["type"].endswith("already-rated")
    assert (await env.client.get(f"/api/v1/dossiers/{code}/rating", headers=citizen)).json()["overall"] == 4

    [rated] = await outbox(env, "intake.dossier.rated.v1")
    data = rated["data"]
    assert (data["code"], data["agency_code"], data["overall"], data["timeliness"], data["guidance"]) == (
        code, AGENCY, 4, 5, 3)
    assert "comment" not in data


async def test_form01_and_the_signed_result_verify_by_qr_and_hash(env: Env) -> None:
    code, signed = await returned_with_signed_result(env)
    # the QR of the signed result opens the verification page; the signature covers it and is still whole
    assert qr_urls(signed) == [f"http://127.0.0.1:8000/xac-minh/{code}"]
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    [sig] = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    trust = ValidationContext(trust_roots=[load_cert_from_pemder(env.app.state.signer.ca_cert_file)])
    status = await async_validate_pdf_signature(sig, trust)
    assert status.intact and status.valid and status.bottom_line

    form01 = await env.client.get(f"/api/v1/dossiers/{code}/forms/01", headers=env.citizen())
    assert form01.status_code == 200
    again = await env.client.get(f"/api/v1/dossiers/{code}/receipt", headers=env.citizen())
    assert again.content == form01.content  # the same paper, byte for byte, however often it is printed
    assert qr_urls(form01.content) == [f"http://127.0.0.1:8000/xac-minh/{code}"]

    page = await env.client.get(f"/api/v1/verify/{code}")
    assert page.status_code == 200, page.text
    info = page.json()
    assert info["code"] == code and info["agency_code"] == AGENCY and info["procedure_name"]
    kinds = {d["kind"]: d for d in info["documents"]}
    assert set(kinds) == {"result", "form01"}
    assert AGENCY in kinds["result"]["signer"] and kinds["result"]["issued_at"].endswith("+07:00")
    for personal in ("Nguyễn Văn An", "075090001234", "0912345678", "an.nguyen@example.vn", "Võ Thị Sáu"):
        assert personal not in page.text

    for content, kind in ((signed, "result"), (form01.content, "form01")):
        same = await env.client.post(f"/api/v1/verify/{code}", files={"file": ("ban-sao.pdf", content)})
        assert same.status_code == 200 and same.json()["match"] is True, same.text
        assert same.json()["document"]["kind"] == kind
        altered = content.replace(b"/Producer", b"/Produced", 1)
        assert altered != content
        changed = await env.client.post(f"/api/v1/verify/{code}", files={"file": ("ban-sao.pdf", altered)})
        assert changed.status_code == 200 and changed.json() == {
            "match": False, "sha256": changed.json()["sha256"], "document": None}
    assert (await env.client.get("/api/v1/verify/000.00.15.H19-000101-9999")).status_code == 404
    missing = await env.client.post(f"/api/v1/verify/{code}", files={"other": ("x.pdf", b"x")})
    assert missing.status_code == 422 and missing.json()["errors"][0]["loc"] == ["body", "file"]


async def test_feedback_reaches_its_agency_is_answered_and_published_without_personal_data(env: Env) -> None:
    citizen = env.citizen()
    code = await accepted(env)
    sent = await env.client.post("/api/v1/feedback", headers={**citizen, "Idempotency-Key": "fb1"}, json={
        "about": "dossier", "ref": code, "title": "Hồ sơ chậm xử lý",
        "body": f"Hồ sơ {code} của tôi (Nguyễn Văn An, 0912345678) chưa thấy cập nhật, đề nghị kiểm tra."})
    assert sent.status_code == 201, sent.text
    fb = sent.json()
    assert fb["agency_code"] == AGENCY and fb["status"] == "open" and not fb["overdue"]
    assert fb["due_at"] > fb["received_at"]
    # routing of the other kinds; wrong references name the field
    by_procedure = await env.client.post("/api/v1/feedback", headers=citizen, json={
        "about": "procedure", "ref": LLTP, "title": "Thủ tục còn phức tạp",
        "body": "Đề nghị giảm bớt giấy tờ cần nộp."})
    assert by_procedure.status_code == 201 and by_procedure.json()["agency_code"] == AGENCY
    for about, ref in (("agency", "000.99.99.H19"), ("dossier", "000.00.15.H19-000101-9999"),
                       ("procedure", "9.999999")):
        wrong = await env.client.post("/api/v1/feedback", headers=citizen, json={
            "about": about, "ref": ref, "title": "Không rõ", "body": "Nội dung phản ánh thử nghiệm."})
        assert wrong.status_code == 422 and wrong.json()["errors"][0]["loc"] == ["body", "ref"], wrong.text
    not_mine = await env.client.post("/api/v1/feedback", headers=env.citizen(sub="someone-else"), json={
        "about": "dossier", "ref": code, "title": "Hồ sơ người khác", "body": "Thử gửi phản ánh về hồ sơ này."})
    assert not_mine.status_code == 422
    [received] = [e for e in await outbox(env, "intake.feedback.received.v1") if e["data"]["feedback_id"] == fb["id"]]
    assert received["data"]["agency_code"] == AGENCY

    # the agency's officers see it (with the author); another agency's do not; the author sees only their own
    listed = (await env.client.get("/api/v1/feedback", headers=env.reception())).json()
    assert {i["id"] for i in listed["items"]} == {fb["id"], by_procedure.json()["id"]}
    assert listed["items"][0]["author_name"] == "Nguyễn Văn An"
    other = env.reception(agency=OTHER_AGENCY, sub="officer-9")
    assert (await env.client.get("/api/v1/feedback", headers=other)).json()["total"] == 0
    assert (await env.client.get(f"/api/v1/feedback/{fb['id']}", headers=other)).status_code == 404
    assert (await env.client.get("/api/v1/feedback", headers=env.citizen(sub="someone-else"))).json()["total"] == 0
    refused = await env.client.post(f"/api/v1/feedback/{fb['id']}/answer", headers=other,
                                    json={"body": "Trả lời từ cơ quan khác.", "public": True})
    assert refused.status_code == 404
    by_citizen = await env.client.post(f"/api/v1/feedback/{fb['id']}/answer", headers=citizen,
                                       json={"body": "Tự trả lời phản ánh của mình.", "public": True})
    assert by_citizen.status_code == 403

    answer = {"body": "Hồ sơ đang được thẩm định, dự kiến trả kết quả đúng hẹn. Liên hệ 0251 3822 222.",
              "public": True}
    answered = await env.client.post(f"/api/v1/feedback/{fb['id']}/answer", headers=env.reception(), json=answer)
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == "answered" and answered.json()["answered_by_name"] == "Lê Thị Tiếp Nhận"
    twice = await env.client.post(f"/api/v1/feedback/{fb['id']}/answer", headers=env.reception(), json=answer)
    assert twice.status_code == 409
    mine = (await env.client.get(f"/api/v1/feedback/{fb['id']}", headers=citizen)).json()
    assert mine["answer"] == answer["body"] and mine["author_name"] is None
    [event] = await outbox(env, "intake.feedback.answered.v1")
    assert event["data"]["author_user_id"] == "citizen-1" and event["data"]["on_time"] and event["data"]["public"]

    public = await env.client.get("/api/v1/public/feedback")
    assert public.status_code == 200
    [item] = public.json()["items"]
    assert item["title"] == "Hồ sơ chậm xử lý" and item["agency_code"] == AGENCY
    assert "Hồ sơ đang được thẩm định" in item["answer"]
    for personal in ("Nguyễn Văn An", "0912345678", code, "citizen-1", "0251 3822 222"):
        assert personal not in public.text
    assert "[đã ẩn]" in item["body"] and "ref" not in item and "author_name" not in item


async def test_an_unanswered_feedback_past_its_deadline_is_flagged_once(env: Env) -> None:
    sent = await env.client.post("/api/v1/feedback", headers=env.citizen(), json={
        "about": "agency", "ref": AGENCY, "title": "Thái độ tiếp dân", "body": "Đề nghị bố trí thêm quầy tiếp nhận."})
    assert sent.status_code == 201, sent.text
    fb = sent.json()
    assert (await env.client.get("/api/v1/feedback?overdue=true", headers=env.reception())).json()["total"] == 0
    assert await flag_overdue_once(env.app.state.sessionmaker, datetime.now(VN)) == 0

    later = datetime.fromisoformat(fb["due_at"]) + timedelta(hours=1)
    env.clock.fixed = later
    overdue = (await env.client.get("/api/v1/feedback?overdue=true", headers=env.reception())).json()
    assert [i["id"] for i in overdue["items"]] == [fb["id"]] and overdue["items"][0]["overdue"] is True
    assert await flag_overdue_once(env.app.state.sessionmaker, later) == 1
    assert await flag_overdue_once(env.app.state.sessionmaker, later) == 0  # reminded once
    [flag] = await outbox(env, "intake.feedback.overdue.v1")
    assert flag["data"]["feedback_id"] == fb["id"] and flag["data"]["agency_code"] == AGENCY
