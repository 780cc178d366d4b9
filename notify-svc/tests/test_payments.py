"""Level 4: payment requested / paid / expired reach the applicant, and the result-ready message
follows the return method and what was paid (online + paid: no originals, no counter)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from contracts import CloudEvent
from contracts import intake as i
from contracts import workflow as w
from devkit.events import event, publish
from devkit.testing import eventually
from notify_testkit import AGENCY, Applicant, Env, body, common, emails_to, new_applicant, new_code, sms_to

T0 = datetime(2026, 11, 30, 1, 5, tzinfo=UTC)  # 30/11/2026 08:05
DUE = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)  # 04/12/2026 17:00
EXPIRES = datetime(2026, 11, 30, 7, 20, tzinfo=UTC)  # 30/11/2026 14:20
EXPIRES2 = datetime(2026, 12, 1, 2, 45, tzinfo=UTC)  # 01/12/2026 09:45
PAID_AT = datetime(2026, 12, 1, 2, 30, tzinfo=UTC)  # 01/12/2026 09:30


def level4(code: str, a: Applicant, return_method: str, fees: int | None = 250000) -> list[CloudEvent]:
    return [
        event(i.DossierSubmitted(**common(code, a, "submitted", 1, T0), procedure_name="Cấp giấy phép xây dựng",
                                 procedure_revision=2, level=4)),
        event(i.DossierAccepted(**common(code, a, "accepted", 2, T0 + timedelta(hours=1)),
                                procedure_name="Cấp giấy phép xây dựng", received_at=T0 + timedelta(hours=1),
                                due_at=DUE, processing_time_value=3, processing_time_unit="working_days",
                                return_method=return_method, level=4, fees_due=fees)),
    ]


def wf(code: str, at: datetime) -> dict[str, object]:
    return {"code": code, "procedure_code": "1.009999", "agency_code": AGENCY, "at": at, "actor_id": "leader-1"}


def requested(code: str, a: Applicant, pid: str, at: datetime, expires: datetime) -> CloudEvent:
    return event(i.PaymentRequested(**common(code, a, "accepted", 6, at), payment_id=pid, amount=250000,
                                    expires_at=expires))


async def test_level4_online_payment_path(env: Env) -> None:
    a = new_applicant()
    code = new_code()
    path = [
        *level4(code, a, "online"),
        requested(code, a, "p-1", T0 + timedelta(hours=1, minutes=5), EXPIRES),
        event(i.PaymentExpired(**common(code, a, "accepted", 2, EXPIRES), payment_id="p-1")),
        requested(code, a, "p-2", PAID_AT - timedelta(minutes=10), EXPIRES2),
        event(i.PaymentPaid(**common(code, a, "accepted", 2, PAID_AT), payment_id="p-2", amount=250000)),
        event(w.DossierResultReady(**wf(code, T0 + timedelta(days=2)), finished_at=T0 + timedelta(days=2))),
        event(i.DossierDelivered(**common(code, a, "returned", 10, T0 + timedelta(days=2, minutes=1)),
                                 method="online")),
    ]
    # intake's events first: the result is approved after the payment (workflow events have their own stream)
    await publish(env.stack.nats.url, *path[:6])
    await eventually(lambda: any(m["X-Dvc-Event-Id"] == path[5].id for m in emails_to(env.stack, a.email)), timeout=20)
    await publish(env.stack.nats.url, *path[6:])
    # SMS: received, accepted, paid, result ready (not the payment request nor its expiry)
    mails = await eventually(
        lambda: len(emails_to(env.stack, a.email)) >= len(path) and len(sms_to(env.stack, a.phone or "")) >= 4
        and emails_to(env.stack, a.email), timeout=20)
    assert Counter(m["X-Dvc-Event-Type"] for m in mails) == Counter(e.type for e in path)
    by_id = {m["X-Dvc-Event-Id"]: m for m in mails}

    req = by_id[path[2].id]
    assert req["Subject"] == f"[{code}] Đề nghị thanh toán phí, lệ phí 250.000 đồng"
    text = body(req)
    assert "Số tiền: 250.000 đồng" in text and "Thanh toán trước: 30/11/2026 14:20" in text
    assert f"tại trang hồ sơ: https://dichvucong.dongnai.gov.vn/ho-so/{code}" in text  # where to pay
    assert "01/12/2026 09:45" in body(by_id[path[4].id])

    expired = by_id[path[3].id]
    assert expired["Subject"] == f"[{code}] Yêu cầu thanh toán phí, lệ phí đã hết hạn"
    text = body(expired)
    assert "250.000 đồng" in text and "đã hết hạn lúc 30/11/2026 14:20" in text
    assert "tạo yêu cầu thanh toán mới" in text and f"https://dichvucong.dongnai.gov.vn/ho-so/{code}" in text

    paid = by_id[path[5].id]
    assert paid["Subject"] == f"[{code}] Đã nhận thanh toán phí, lệ phí 250.000 đồng"
    text = body(paid)
    assert "250.000 đồng" in text and "01/12/2026 09:30" in text and "Cảm ơn Ông/Bà" in text
    assert "trả trực tuyến" in text and "chữ ký số" in text

    result = body(by_id[path[6].id])
    assert "tải kết quả" in result and "Phí, lệ phí đã được thanh toán (250.000 đồng)" in result
    assert "bản chính" not in result and "nộp phí" not in result and "không cần đến Bộ phận" in result
    accepted = body(by_id[path[1].id])
    assert "Phí, lệ phí: 250.000 đồng" in accepted and "trực tuyến" in accepted and "bản chính" not in accepted

    texts = [m["text"] for m in sms_to(env.stack, a.phone or "")]
    assert len(texts) == 4
    assert any("đã nhận 250.000 đồng" in t and code in t and "trực tuyến" in t for t in texts)
    result_sms = next(t for t in texts if "đã có kết quả" in t)
    assert "tải kết quả trực tuyến" in result_sms and "bản chính" not in result_sms and "nộp phí" not in result_sms
    assert result_sms.endswith(f"tại: https://dichvucong.dongnai.gov.vn/ho-so/{code}")  # the owner's page

    r = await env.client.get("/api/v1/notifications", params={"size": 50}, headers=env.tokens.header(sub=a.user_id))
    items = r.json()["items"]
    assert r.json()["total"] == len(path)
    titles = {n["title"] for n in items}
    assert f"Hồ sơ {code}: đề nghị thanh toán 250.000 đồng" in titles
    assert f"Đã nhận thanh toán hồ sơ {code}" in titles and f"Yêu cầu thanh toán hồ sơ {code} đã hết hạn" in titles
    result_inbox = next(n for n in items if n["title"] == f"Hồ sơ {code} đã có kết quả")
    assert "bản chính" not in result_inbox["body"] and "tải kết quả" in result_inbox["body"]

    # a redelivered payment event sends nothing twice
    await publish(env.stack.nats.url, path[5], msg_id=f"again-{path[5].id}")
    await eventually(lambda: len(emails_to(env.stack, a.email)) >= len(path), timeout=5)
    assert len([m for m in emails_to(env.stack, a.email) if m["X-Dvc-Event-Id"] == path[5].id]) == 1


async def test_result_before_payment_and_counter_return(env: Env) -> None:
    a = new_applicant()
    unpaid, counter, counter_paid = new_code(), new_code(), new_code()
    path = [
        # online return, result approved before the fees are paid: pay online to get it
        *level4(unpaid, a, "online"),
        event(w.DossierResultReady(**wf(unpaid, T0 + timedelta(days=2)), finished_at=T0 + timedelta(days=2))),
        # a level-4 applicant who chose the counter and has not paid: originals and fees at the counter
        *level4(counter, a, "counter"),
        event(w.DossierResultReady(**wf(counter, T0 + timedelta(days=2)), finished_at=T0 + timedelta(days=2))),
        # counter return, fees already paid online: originals, but nothing to pay
        *level4(counter_paid, a, "counter"),
        event(i.PaymentPaid(**common(counter_paid, a, "accepted", 2, PAID_AT), payment_id="p-9", amount=250000)),
        event(w.DossierResultReady(**wf(counter_paid, T0 + timedelta(days=2)), finished_at=T0 + timedelta(days=2))),
    ]
    intake_events = [e for e in path if e.type.startswith("intake.")]
    await publish(env.stack.nats.url, *intake_events)
    await eventually(lambda: len(emails_to(env.stack, a.email)) >= len(intake_events), timeout=20)
    await publish(env.stack.nats.url, *[e for e in path if e.type.startswith("workflow.")])
    mails = await eventually(lambda: len(emails_to(env.stack, a.email)) >= len(path) and emails_to(env.stack, a.email),
                             timeout=20)
    result = {m["X-Dvc-Dossier-Code"]: body(m) for m in mails
              if m["X-Dvc-Event-Type"] == "workflow.dossier.result_ready.v1"}
    assert "sau khi Ông/Bà thanh toán phí, lệ phí 250.000 đồng" in result[unpaid]
    assert "bản chính" not in result[unpaid]
    assert "bản chính" in result[counter] and "nộp phí, lệ phí 250.000 đồng" in result[counter]
    assert "bản chính" in result[counter_paid] and "nộp phí" not in result[counter_paid]
    assert "đã được thanh toán (250.000 đồng)" in result[counter_paid]
    paid = next(body(m) for m in mails if m["X-Dvc-Event-Type"] == "intake.payment.paid.v1")
    assert "Bộ phận tiếp nhận và trả kết quả" in paid and "không phải nộp lại" in paid
