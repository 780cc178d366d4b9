"""Level 4: fees paid online through the local VNPAY-style provider (real HTTP both ways, real HMAC-SHA512
signatures), results released signed (PAdES) once paid; forged, replayed and altered notifications; expiry;
level 3 never offered online payment; fees collected at the counter."""

from __future__ import annotations

import asyncio
import io
import json
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from reportlab.pdfgen import canvas

from contracts.vocabulary import VN_TZ as VN
from contracts.workflow import DossierResultReady
from devkit import events
from devkit.devstack import free_port
from devkit.payprovider import PaymentProvider, secure_hash
from devkit.testing import running, serving
from intake_svc.app import create_app
from intake_svc.dossier.handlers import ResultFiles, on_result_ready
from intake_svc.payment.jobs import expire_payments_once
from intake_testkit import AGENCY, LLTP, PDF_BYTES, Clock, Env, dossier_body, intake_settings_for

NOTARY_OFFICE = "1.001877.000.00.15.H19"  # level 3, fee 1 000 000 đ, four required documents
TMN = "DVCDN001"


PORTAL = "https://dichvucong.dongnai.gov.vn"


@dataclass
class PayEnv(Env):
    provider: PaymentProvider | None = None
    base_url: str = ""
    secret: str = ""

    def specialist(self) -> dict[str, str]:
        return self.tokens.header(sub="spec-1", username="spec-1", roles=("specialist",), agency_code=AGENCY,
                                  name="Trần Văn Chuyên")


@pytest.fixture(scope="session")
def signing_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Shared by the tests of a worker: the local CA and agency keys are generated once."""
    return tmp_path_factory.mktemp("signing")


@pytest.fixture
def provider(tmp_path: Path) -> Iterator[PaymentProvider]:
    secret = secrets.token_hex(32)  # tests generate the provider secrets, the code holds none
    p = PaymentProvider(tmp_path / "provider", secret, TMN).start()
    yield p
    p.stop()


@pytest.fixture
async def pay(stack: Any, tokens: Any, tmp_path: Path, fake_catalog_url: str, provider: PaymentProvider,
              signing_dir: Path) -> AsyncIterator[PayEnv]:
    """intake-svc served on a real local port so the provider's IPN is a real HTTP call."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = intake_settings_for(
        stack, tokens, tmp_path, payment_url=provider.url, payment_tmn_code=TMN,
        payment_hash_secret=provider.secret, payment_ipn_url=f"{base}/api/v1/payments/ipn",
        public_url=PORTAL, signing_dir=str(signing_dir),  # the default return URL: the portal's page
        catalog_url=fake_catalog_url)
    clock = Clock()
    app = create_app(settings, clock=clock)
    async with running(app) as client, serving(app, port=port, lifespan="off"):
        yield PayEnv(client=client, app=app, clock=clock, tokens=tokens, provider=provider, base_url=base,
                     secret=provider.secret)


def result_pdf(text: str = "PHIẾU LÝ LỊCH TƯ PHÁP SỐ 1") -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 760, text.encode("ascii", "ignore").decode() or "Ket qua")
    c.save()
    return buf.getvalue()


async def accepted_level4(env: PayEnv, return_method: str = "online") -> str:
    submitted = await env.submit(env.citizen(), return_method=return_method)
    assert submitted.status_code == 201, submitted.text
    code = str(submitted.json()["code"])
    accepted = await env.client.post(f"/api/v1/dossiers/{code}/reception", headers=env.reception(),
                                     json={"decision": "accept"})
    assert accepted.status_code == 200, accepted.text
    return code


async def result_ready(env: PayEnv, code: str, docs: list[dict[str, str]]) -> None:
    """What workflow-svc publishes when the leader approves (the NATS path is in test_dossier_flow)."""
    now = datetime.now(VN)
    payload = DossierResultReady(code=code, procedure_code=LLTP, agency_code=AGENCY, at=now, finished_at=now,
                                 actor_name="Giám đốc Sở", result_documents=docs)
    event = events.event(payload, subject=code)
    async with env.app.state.sessionmaker() as session, session.begin():
        await on_result_ready(event, session, ResultFiles(env.app.state.storage, env.app.state.signer))


async def outbox_types(env: PayEnv, code: str) -> list[str]:
    rows = await env.sql("SELECT subject, body FROM kit_outbox ORDER BY seq")
    return [r[0] for r in rows if json.loads(r[1]).get("subject") == code]


async def test_pay_online_then_download_signed_result(pay: PayEnv) -> None:
    citizen = pay.citizen()
    code = await accepted_level4(pay)
    dossier = (await pay.client.get(f"/api/v1/dossiers/{code}", headers=citizen)).json()
    # the standard fee line of the pinned procedure, assessed at acceptance
    assert dossier["fees_due"] == 200000 and dossier["fees_paid"] == 0
    assert dossier["fee_lines"][0]["amount"] == 200000

    created = await pay.client.post(f"/api/v1/dossiers/{code}/payments", headers={**citizen, "Idempotency-Key": "p1"})
    assert created.status_code == 201, created.text
    payment = created.json()
    assert payment["amount"] == 200000 and payment["pay_url"].startswith(pay.provider.url)  # type: ignore[union-attr]
    assert "vnp_Amount=20000000" in payment["pay_url"] and "vnp_SecureHash=" in payment["pay_url"]
    again = await pay.client.post(f"/api/v1/dossiers/{code}/payments", headers={**citizen, "Idempotency-Key": "p1"})
    assert again.json() == payment
    busy = await pay.client.post(f"/api/v1/dossiers/{code}/payments", headers=citizen)
    assert busy.status_code == 409
    pending = (await pay.client.get(f"/api/v1/dossiers/{code}", headers=citizen)).json()
    assert pending["national_status"] == 6 and pending["payment_pending"] and pending["status"] == "accepted"

    # the browser goes to the provider, which calls our IPN (real HTTP) and sends the browser back to the
    # portal's payment result page, which reads the payment named by vnp_TxnRef
    txn_ref = uuid.UUID(payment["payment_id"]).hex
    async with httpx.AsyncClient(timeout=20) as browser:
        back = await browser.get(payment["pay_url"])
    assert back.status_code == 302, back.text
    location = httpx.URL(back.headers["location"])
    assert str(location).startswith(f"{PORTAL}/thanh-toan/ket-qua?")
    assert location.params["vnp_TxnRef"] == txn_ref and location.params["vnp_ResponseCode"] == "00"
    txn = pay.provider.transaction(txn_ref)  # type: ignore[union-attr]
    assert txn is not None and txn.ipn_attempts[-1]["answer"] == {"RspCode": "00", "Message": "Confirm Success"}
    state = await pay.client.get(f"/api/v1/dossiers/{code}/payments/{txn_ref}", headers=citizen)
    assert state.status_code == 200, state.text
    assert state.json() | {"paid_at": None, "created_at": None, "expires_at": None, "provider_txn_no": None} == {
        "payment_id": payment["payment_id"], "method": "online", "amount": 200000, "status": "paid",
        "status_label": "Đã thanh toán", "created_at": None, "expires_at": None, "paid_at": None, "pay_url": None,
        "provider_txn_no": None, "bank_code": "NCB", "receipt_no": None, "dossier_code": code, "fees_due": 200000,
        "fees_paid": 200000, "payment_pending": False}
    assert state.json()["paid_at"].endswith("+07:00")
    # the same by its UUID; nobody else sees it; the signed return can still be checked by the API
    assert (await pay.client.get(f"/api/v1/dossiers/{code}/payments/{payment['payment_id']}",
                                 headers=citizen)).json()["status"] == "paid"
    assert (await pay.client.get(f"/api/v1/dossiers/{code}/payments/{txn_ref}",
                                 headers=pay.citizen(sub="someone-else"))).status_code == 404
    assert (await pay.client.get(f"/api/v1/dossiers/{code}/payments/{uuid.uuid4().hex}",
                                 headers=citizen)).status_code == 404
    checked = await pay.client.get("/api/v1/payments/return", params=dict(location.params))
    assert checked.json()["status"] == "paid" and checked.json()["dossier_code"] == code

    paid = (await pay.client.get(f"/api/v1/dossiers/{code}", headers=citizen)).json()
    assert paid["fees_paid"] == 200000 and paid["national_status"] == 2 and not paid["payment_pending"]
    listed = (await pay.client.get(f"/api/v1/dossiers/{code}/payments", headers=pay.reception())).json()
    assert [p["status"] for p in listed["items"]] == ["paid"] and listed["items"][0]["provider_txn_no"]
    early = await pay.client.get(f"/api/v1/dossiers/{code}/result", headers=citizen)
    assert early.status_code == 409

    # the specialist uploads the result; the leader approves it in workflow-svc
    original = result_pdf()
    upload = await pay.client.post("/api/v1/files", headers=pay.specialist(),
                                   files={"file": ("phieu-lltp.pdf", io.BytesIO(original), "application/pdf")})
    assert upload.status_code == 201, upload.text
    await result_ready(pay, code, [{"name": "Phiếu lý lịch tư pháp số 1", "file_id": upload.json()["id"],
                                    "sha256": upload.json()["sha256"]}])

    returned = (await pay.client.get(f"/api/v1/dossiers/{code}", headers=citizen)).json()
    assert returned["status"] == "returned" and returned["national_status"] == 10
    result = await pay.client.get(f"/api/v1/dossiers/{code}/result", headers=citizen)
    assert result.status_code == 200, result.text
    [doc] = result.json()["documents"]
    assert doc["signed"] and doc["media_type"] == "application/pdf" and AGENCY in doc["signer"]
    pdf = await pay.client.get(doc["download_url"], headers=citizen)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(original)  # an incremental update: the approved bytes are untouched

    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(pdf.content))
    [sig] = reader.embedded_signatures
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    trust = ValidationContext(trust_roots=[load_cert_from_pemder(pay.app.state.signer.ca_cert_file)])
    status = await async_validate_pdf_signature(sig, trust)
    assert status.intact and status.valid and status.trusted and status.bottom_line

    # nobody else gets it; the specialist's upload is not the applicant's to read
    other = await pay.client.get(f"/api/v1/dossiers/{code}/result", headers=pay.citizen(sub="someone-else"))
    assert other.status_code == 404
    history = [h["action"] for h in (await pay.client.get(f"/api/v1/dossiers/{code}/history", headers=citizen)).json()]
    assert history == ["submit", "accept", "payment_requested", "payment_paid", "result_ready", "deliver"]
    assert await outbox_types(pay, code) == [
        "intake.dossier.submitted.v1", "intake.dossier.accepted.v1", "intake.payment.requested.v1",
        "intake.payment.paid.v1", "intake.dossier.delivered.v1"]


def _ipn(env: PayEnv, txn_ref: str, amount: int, secret: str | None = None, **overrides: str) -> dict[str, str]:
    params = {"vnp_TmnCode": TMN, "vnp_Amount": str(amount), "vnp_BankCode": "NCB", "vnp_BankTranNo": "VNP1",
              "vnp_CardType": "ATM", "vnp_PayDate": datetime.now(VN).strftime("%Y%m%d%H%M%S"),
              "vnp_OrderInfo": "Thanh toan", "vnp_TransactionNo": "14000001", "vnp_ResponseCode": "00",
              "vnp_TransactionStatus": "00", "vnp_TxnRef": txn_ref, **overrides}
    params["vnp_SecureHash"] = secure_hash(params, secret or env.secret)
    return params


async def test_forged_altered_and_replayed_notifications(pay: PayEnv) -> None:
    citizen = pay.citizen()
    code = await accepted_level4(pay)
    payment = (await pay.client.post(f"/api/v1/dossiers/{code}/payments", headers=citizen)).json()
    ref = uuid.UUID(payment["payment_id"]).hex
    ipn = pay.base_url + "/api/v1/payments/ipn"

    async def state() -> tuple[str, int]:
        items = (await pay.client.get(f"/api/v1/dossiers/{code}/payments", headers=citizen)).json()
        return items["items"][0]["status"], items["fees_paid"]

    async with httpx.AsyncClient() as gateway:
        forged = await gateway.get(ipn, params=_ipn(pay, ref, 20000000, secret="not-the-secret"))
        assert forged.json() == {"RspCode": "97", "Message": "Invalid signature"}
        tampered = _ipn(pay, ref, 100)
        tampered["vnp_Amount"] = "20000000"  # the signature was made over another amount
        assert (await gateway.get(ipn, params=tampered)).json()["RspCode"] == "97"
        # correctly signed, but not what we asked for
        assert (await gateway.get(ipn, params=_ipn(pay, ref, 100))).json() == {
            "RspCode": "04", "Message": "Invalid amount"}
        assert (await gateway.get(ipn, params=_ipn(pay, ref, 200000))).json()["RspCode"] == "04"  # not × 100
        assert (await gateway.get(ipn, params=_ipn(pay, ref, 20000000, vnp_CurrCode="USD"))).json()["RspCode"] == "04"
        assert (await gateway.get(ipn, params=_ipn(pay, "NOSUCHORDER", 20000000))).json()["RspCode"] == "01"
        assert await state() == ("pending", 0)

        # the result is approved before the fees are paid: it waits, signed, for the payment
        upload = await pay.client.post("/api/v1/files", headers=pay.specialist(),
                                       files={"file": ("kq.pdf", io.BytesIO(result_pdf()), "application/pdf")})
        await result_ready(pay, code, [{"name": "Phiếu lý lịch tư pháp", "file_id": upload.json()["id"]}])
        waiting = (await pay.client.get(f"/api/v1/dossiers/{code}", headers=citizen)).json()
        assert waiting["status"] == "result_ready" and waiting["national_status"] == 6
        unpaid = await pay.client.get(f"/api/v1/dossiers/{code}/result", headers=citizen)
        assert unpaid.status_code == 409 and unpaid.json()["fees_due"] == 200000
        online = await pay.client.post(f"/api/v1/dossiers/{code}/delivery", headers=pay.reception(),
                                       json={"method": "online"})
        assert online.status_code == 409

        # the real payment through the provider, then the provider delivers the same notification again
        async with httpx.AsyncClient(timeout=20) as browser:
            assert (await browser.get(payment["pay_url"])).status_code == 302  # back to the portal's page
        seen = await pay.client.get(f"/api/v1/dossiers/{code}/payments/{ref}", headers=citizen)
        assert seen.json()["status"] == "paid"
        txn = pay.provider.transaction(ref)  # type: ignore[union-attr]
        assert txn is not None
        replay = await asyncio.to_thread(pay.provider.resend_ipn, txn.transaction_no)  # type: ignore[union-attr]
        assert replay["answer"] == {"RspCode": "02", "Message": "Order already confirmed"}
        assert (await gateway.get(ipn, params=pay.provider.notification(txn))).json()["RspCode"] == "02"  # type: ignore[union-attr]
        # a forged failure after the fact changes nothing either
        assert (await gateway.get(ipn, params=_ipn(pay, ref, 20000000, secret="x", vnp_ResponseCode="24"))).json()[
            "RspCode"] == "97"
    assert await state() == ("paid", 200000)
    history = [h["action"] for h in (await pay.client.get(f"/api/v1/dossiers/{code}/history", headers=citizen)).json()]
    assert history == ["submit", "accept", "payment_requested", "result_ready", "payment_paid", "deliver"]
    released = await pay.client.get(f"/api/v1/dossiers/{code}/result", headers=citizen)
    assert released.status_code == 200 and released.json()["documents"][0]["signed"]
    logged = [r[0] for r in await pay.sql(
        "SELECT rsp_code FROM payment_notifications WHERE channel = 'ipn' ORDER BY id")]
    assert logged == ["97", "97", "04", "04", "04", "01", "00", "02", "02", "97"]
    # the browser's return with a forged signature is refused too
    bad_return = await pay.client.get("/api/v1/payments/return", params=_ipn(pay, ref, 20000000, secret="x"))
    assert bad_return.status_code == 422


async def test_cancelled_then_expired_then_paid_again(pay: PayEnv) -> None:
    citizen = pay.citizen()
    code = await accepted_level4(pay, return_method="counter")
    first = (await pay.client.post(f"/api/v1/dossiers/{code}/payments", headers=citizen)).json()
    # the applicant presses "Hủy" on the provider's page: the IPN reports 24, the request is closed as failed
    pay.provider.auto_approve = False  # type: ignore[union-attr]
    async with httpx.AsyncClient(timeout=20) as browser:
        page = await browser.get(first["pay_url"])
        assert "Thanh toán" in page.text and "Hủy" in page.text
        txn = pay.provider.transaction(uuid.UUID(first["payment_id"]).hex)  # type: ignore[union-attr]
        assert txn is not None
        done = await browser.post(pay.provider.url + "/confirm",  # type: ignore[union-attr]
                                  data={"transaction_no": txn.transaction_no, "decision": "cancel"})
        assert done.status_code == 303
    items = (await pay.client.get(f"/api/v1/dossiers/{code}/payments", headers=citizen)).json()["items"]
    assert items[0]["status"] == "failed"
    assert (await pay.client.get(f"/api/v1/dossiers/{code}", headers=citizen)).json()["national_status"] == 2

    second = (await pay.client.post(f"/api/v1/dossiers/{code}/payments", headers=citizen)).json()
    # nobody pays: the background job expires it after INTAKE_PAYMENT_TTL (here: its sweep, 16 minutes later)
    later = datetime.now(VN) + timedelta(minutes=16)
    assert await expire_payments_once(pay.app.state.sessionmaker, later) == 1
    assert await expire_payments_once(pay.app.state.sessionmaker, later) == 0
    items = (await pay.client.get(f"/api/v1/dossiers/{code}/payments", headers=citizen)).json()["items"]
    assert [p["status"] for p in items] == ["failed", "expired"] and items[1]["pay_url"] is None
    dossier = (await pay.client.get(f"/api/v1/dossiers/{code}", headers=citizen)).json()
    assert dossier["national_status"] == 2 and not dossier["payment_pending"]
    assert "intake.payment.expired.v1" in await outbox_types(pay, code)
    # a late notification for the expired request records nothing
    async with httpx.AsyncClient() as gateway:
        late = await gateway.get(pay.base_url + "/api/v1/payments/ipn",
                                 params=_ipn(pay, uuid.UUID(second["payment_id"]).hex, 20000000))
    assert late.json()["RspCode"] == "02"
    # the desk collects the fees in cash instead (counter return keeps working for level 4)
    cash = await pay.client.post(f"/api/v1/dossiers/{code}/payments/counter", headers=pay.reception(),
                                 json={"receipt_no": "BL-0001"})
    assert cash.status_code == 201 and cash.json()["method"] == "counter" and cash.json()["amount"] == 200000
    dossier = (await pay.client.get(f"/api/v1/dossiers/{code}", headers=citizen)).json()
    assert dossier["fees_paid"] == 200000
    nothing_left = await pay.client.post(f"/api/v1/dossiers/{code}/payments", headers=citizen)
    assert nothing_left.status_code == 409
    history = [h["action"] for h in (await pay.client.get(f"/api/v1/dossiers/{code}/history", headers=citizen)).json()]
    assert history == ["submit", "accept", "payment_requested", "payment_failed", "payment_requested",
                       "payment_expired", "counter_payment"]


async def test_level3_never_offers_online_payment(pay: PayEnv) -> None:
    citizen, desk = pay.citizen(), pay.reception()
    files = [(c, await pay.upload(citizen, PDF_BYTES + uuid.uuid4().bytes)) for c in ("TP1", "TP2", "TP3", "TP4")]
    body = dossier_body(files, procedure_code=NOTARY_OFFICE)
    online = await pay.client.post("/api/v1/dossiers", headers=citizen, json={**body, "return_method": "online"})
    assert online.status_code == 422
    submitted = await pay.client.post("/api/v1/dossiers", headers=citizen, json={**body, "return_method": "counter"})
    assert submitted.status_code == 201, submitted.text
    code = submitted.json()["code"]
    await pay.client.post(f"/api/v1/dossiers/{code}/reception", headers=desk, json={"decision": "accept"})
    assert (await pay.client.get(f"/api/v1/dossiers/{code}", headers=citizen)).json()["fees_due"] == 1000000

    refused = await pay.client.post(f"/api/v1/dossiers/{code}/payments", headers=citizen)
    assert refused.status_code == 422
    assert refused.json()["detail"] == "Dịch vụ mức độ 3 không hỗ trợ thanh toán trực tuyến"
    assert (await pay.client.get(f"/api/v1/dossiers/{code}/result", headers=citizen)).status_code == 422
    listed = (await pay.client.get(f"/api/v1/dossiers/{code}/payments", headers=citizen)).json()
    assert listed["items"] == [] and pay.provider.transactions() == []  # type: ignore[union-attr]
    # fees are paid at the counter (R-CAT-2 level 3)
    over = await pay.client.post(f"/api/v1/dossiers/{code}/payments/counter", headers=desk, json={"amount": 2000000})
    assert over.status_code == 422
    cash = await pay.client.post(f"/api/v1/dossiers/{code}/payments/counter", headers={**desk, "Idempotency-Key": "c"},
                                 json={"receipt_no": "BL-0002"})
    assert cash.status_code == 201
    assert (await pay.client.get(f"/api/v1/dossiers/{code}", headers=citizen)).json()["fees_paid"] == 1000000
    assert (await pay.client.post(f"/api/v1/dossiers/{code}/payments/counter", headers=citizen, json={})).status_code \
        == 403


async def test_payment_events_carry_the_applicants_contacts(pay: PayEnv) -> None:
    """notify-svc tells the applicant about payments from the events alone."""
    citizen = pay.citizen()
    code = await accepted_level4(pay, return_method="counter")
    requested = await pay.client.post(f"/api/v1/dossiers/{code}/payments", headers=citizen)
    assert requested.status_code == 201, requested.text
    assert requested.json()["expires_at"].endswith("+07:00")
    later = datetime.now(VN) + timedelta(minutes=16)
    assert await expire_payments_once(pay.app.state.sessionmaker, later) == 1
    cash = await pay.client.post(f"/api/v1/dossiers/{code}/payments/counter", headers=pay.reception(),
                                 json={"receipt_no": "BL-0002"})
    assert cash.status_code == 201
    assert cash.json()["created_at"].endswith("+07:00") and cash.json()["paid_at"].endswith("+07:00")
    applicant = (await pay.client.get(f"/api/v1/dossiers/{code}", headers=citizen)).json()["applicant"]
    rows = await pay.sql("SELECT subject, body FROM kit_outbox ORDER BY seq")
    payments = [json.loads(r[1])["data"] for r in rows
                if r[0].startswith("intake.payment.") and json.loads(r[1]).get("subject") == code]
    assert [p["payment_id"] for p in payments][:1] == [requested.json()["payment_id"]]
    assert len(payments) == 3  # requested, expired, paid (cash)
    for p in payments:
        assert p["applicant_name"] == applicant["full_name"] and p["applicant_email"] == applicant["email"]
        assert p["applicant_phone"] == applicant["phone"] and p["applicant_user_id"] == "citizen-1"


def test_the_return_url_is_the_portal_page_unless_configured() -> None:
    from pydantic import ValidationError

    from intake_svc.app import payment_gateway
    from intake_svc.settings import Settings

    base = {"database_url": "postgresql+asyncpg://x/y", "payment_url": "https://pay.example/vpcpay.html",
            "payment_tmn_code": TMN, "payment_hash_secret": "s", "public_url": "https://dichvucong.dongnai.gov.vn/"}
    gateway = payment_gateway(Settings(**base))  # type: ignore[arg-type]
    assert gateway is not None
    assert gateway.return_url_for("000.00.15.H19-261130-0001", "ab" * 16) == (
        "https://dichvucong.dongnai.gov.vn/thanh-toan/ket-qua")
    template = "{public_url}/ho-so/{code}/thanh-toan?gd={payment_id}"
    custom = payment_gateway(Settings(**base, payment_return_url=template))  # type: ignore[arg-type]
    assert custom is not None and custom.return_url_for("000.00.15.H19-261130-0001", "ab" * 16) == (
        f"https://dichvucong.dongnai.gov.vn/ho-so/000.00.15.H19-261130-0001/thanh-toan?gd={'ab' * 16}")
    with pytest.raises(ValidationError, match="INTAKE_PAYMENT_RETURN_URL"):
        Settings(**base, payment_return_url="{public_url}/ho-so/{dossier}")  # type: ignore[arg-type]
