"""The full dossier path, from real intake and workflow events to emails, SMS and inbox entries."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from contracts import intake as i
from contracts import workflow as w
from devkit.events import event, publish
from devkit.testing import eventually
from notify_svc.delivery.models import Delivery
from notify_testkit import AGENCY, Env, body, common, emails_to, new_applicant, new_code, sms_to, submitted

T0 = datetime(2026, 11, 30, 1, 5, tzinfo=UTC)  # 30/11/2026 08:05 in Đồng Nai
DUE = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)  # 04/12/2026 17:00
NEW_DUE = datetime(2026, 12, 9, 3, 30, tzinfo=UTC)  # 09/12/2026 10:30

SMS_EVENTS = {
    "intake.dossier.submitted.v1",
    "intake.dossier.supplement_requested.v1",
    "intake.dossier.refused.v1",
    "intake.dossier.accepted.v1",
    "workflow.dossier.result_ready.v1",
    "workflow.dossier.refused.v1",
    "workflow.dossier.extended.v1",
}


def wf(code: str, at: datetime) -> dict[str, object]:
    return {
        "code": code,
        "procedure_code": "1.001612",
        "agency_code": AGENCY,
        "at": at,
        "actor_id": "officer-1",
        "actor_name": "Trần Văn Bình",
    }


async def test_every_step_reaches_the_applicant_once_on_each_channel(env: Env) -> None:
    a = new_applicant()
    code, refused_code, rejected_code = new_code(), new_code(), new_code()
    c = lambda st, n, at: common(code, a, st, n, at)  # noqa: E731
    path = [
        submitted(code, a, T0),
        event(
            i.DossierSupplementRequested(
                **c("supplement_requested", 5, T0 + timedelta(hours=2)),
                missing_items=["Bản sao Căn cước công dân", "Tờ khai có xác nhận"],
                note="Tờ khai thiếu chữ ký",
                round=1,
            )
        ),
        event(i.DossierSupplemented(**c("submitted", 1, T0 + timedelta(hours=5)), round=1)),
        event(
            i.DossierAccepted(
                **c("accepted", 2, T0 + timedelta(hours=6)),
                procedure_name="Đăng ký kết hôn",
                received_at=T0 + timedelta(hours=6),
                due_at=DUE,
                processing_time_value=3,
                processing_time_unit="working_days",
                return_method="counter",
                fees_due=1500000,
                level=3,
            )
        ),
        event(
            w.DossierForwarded(
                **wf(code, T0 + timedelta(hours=12)),
                from_step="reception",
                to_step="specialist",
                department="Phòng Tư pháp",
            )
        ),
        event(
            w.DossierExtended(
                **wf(code, T0 + timedelta(days=3)),
                reason="cần xác minh thêm thông tin",
                old_due_at=DUE,
                new_due_at=NEW_DUE,
            )
        ),
        # a forward to the terminal step is announced by the result-ready event itself
        event(w.DossierForwarded(**wf(code, T0 + timedelta(days=4)), from_step="leader", to_step="result")),
        event(w.DossierResultReady(**wf(code, T0 + timedelta(days=4)), finished_at=T0 + timedelta(days=4))),
        event(i.DossierDelivered(**c("returned", 10, T0 + timedelta(days=5)), method="counter")),
        submitted(refused_code, a, T0),
        event(
            i.DossierRefused(
                **common(refused_code, a, "refused", 3, T0 + timedelta(hours=1)),
                reason="Thủ tục không thuộc thẩm quyền của cơ quan",
            )
        ),
        submitted(rejected_code, a, T0),
        event(
            w.DossierRefused(
                **wf(rejected_code, T0 + timedelta(days=2)),
                reason="Không đủ điều kiện đăng ký",
                finished_at=T0 + timedelta(days=2),
            )
        ),
    ]
    await publish(env.stack.nats.url, *path)

    # applicant-facing events: all but the supplement round-trip and the silent forward
    facing = [e for e in path if e.type != "intake.dossier.supplemented.v1" and e.data.get("to_step") != "result"]
    assert len(facing) == 11
    sms_expected = [e for e in facing if e.type in SMS_EVENTS]
    headers = await eventually(
        lambda: (
            len(emails_to(env.stack, a.email)) >= len(facing)
            and len(sms_to(env.stack, a.phone or "")) >= len(sms_expected)
            and emails_to(env.stack, a.email)
        ),
        timeout=20,
    )
    got = Counter((m["X-Dvc-Dossier-Code"], m["X-Dvc-Event-Type"]) for m in headers)
    assert got == Counter((e.subject, e.type) for e in facing)
    assert len(sms_to(env.stack, a.phone or "")) == len(sms_expected)

    # the refused-after-processing event under its new name reaches the applicant
    assert ("workflow.dossier.refused.v1", rejected_code) in {(m["X-Dvc-Event-Type"], m["X-Dvc-Dossier-Code"])
                                                               for m in headers}
    # every subject reaches the client exactly as rendered (no space lost when the header is folded)
    async with env.app.state.sessionmaker() as s:
        rendered = {(d.event_id, d.subject) for d in await s.scalars(
            select(Delivery).where(Delivery.channel == "email", Delivery.recipient == a.email))}
    assert {(m["X-Dvc-Event-Id"], m["Subject"]) for m in headers} == rendered

    by_type = {m["X-Dvc-Event-Type"]: m for m in headers if m["X-Dvc-Dossier-Code"] == code}
    received = by_type["intake.dossier.submitted.v1"]
    assert code in received["Subject"] and "Hệ thống đã nhận hồ sơ" in received["Subject"]
    # the links open the portal: the public tracking page and the owner's dossier page
    assert f"https://dichvucong.dongnai.gov.vn/tra-cuu/{code}" in body(received)
    assert f"https://dichvucong.dongnai.gov.vn/ho-so/{code}" in body(received)
    assert "/api/" not in body(received)
    assert "30/11/2026 08:05" in body(received)
    supplement = body(by_type["intake.dossier.supplement_requested.v1"])
    assert f"trang hồ sơ (sau khi đăng nhập): https://dichvucong.dongnai.gov.vn/ho-so/{code}" in supplement
    assert "1. Bản sao Căn cước công dân" in supplement and "2. Tờ khai có xác nhận" in supplement
    accepted = by_type["intake.dossier.accepted.v1"]
    assert "04/12/2026" in accepted["Subject"] and "04/12/2026 17:00" in body(accepted)
    assert "bản chính" in body(accepted) and "phí, lệ phí: 1.500.000 đồng" in body(accepted)
    assert "Phòng Tư pháp" in body(by_type["workflow.dossier.forwarded.v1"])
    apology = body(by_type["workflow.dossier.extended.v1"])
    assert "xin lỗi" in apology and "09/12/2026 10:30" in apology and "04/12/2026 17:00" in apology
    result = body(by_type["workflow.dossier.result_ready.v1"])
    assert "Bộ phận tiếp nhận và trả kết quả" in result and "phí, lệ phí" in result
    assert by_type["workflow.dossier.result_ready.v1"]["Message-ID"].endswith("@dichvucong.dongnai.gov.vn>")

    texts = [m["text"] for m in sms_to(env.stack, a.phone or "")]
    assert any(code in t and "09/12/2026 10:30" in t for t in texts)
    assert any(refused_code in t and "không được tiếp nhận" in t for t in texts)
    assert any(f"Theo dõi: https://dichvucong.dongnai.gov.vn/tra-cuu/{code}" in t for t in texts)  # received
    assert any(f"Bổ sung tại: https://dichvucong.dongnai.gov.vn/ho-so/{code}" in t for t in texts)

    # the inbox: one entry per applicant-facing event, newest first, in Vietnamese
    r = await env.client.get("/api/v1/notifications", params={"size": 50}, headers=env.tokens.header(sub=a.user_id))
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["total"] == len(facing) and page["page"] == 1 and page["size"] == 50
    assert Counter(n["dossier_code"] for n in page["items"]) == Counter(e.subject for e in facing)
    assert all(n["read"] is False for n in page["items"])
    bodies = [n["body"] for n in page["items"] if n["dossier_code"] == code]
    assert any(f"Theo dõi tại: https://dichvucong.dongnai.gov.vn/tra-cuu/{code}" in b for b in bodies)  # received
    assert any(f"Nộp phần bổ sung tại: https://dichvucong.dongnai.gov.vn/ho-so/{code}" in b for b in bodies)
    rejected = next(
        n for n in page["items"] if n["dossier_code"] == rejected_code and "không được giải quyết" in n["title"]
    )
    assert "Không đủ điều kiện đăng ký" in rejected["body"]
    assert page["items"][0]["at"] >= page["items"][-1]["at"]
    assert page["items"][0]["at"].endswith("+07:00")


async def test_no_phone_no_sms_and_unknown_applicant_waits_for_intake(env: Env) -> None:
    a = new_applicant(phone=False)
    code = new_code()
    # the workflow event overtakes the intake event that names the applicant: it waits, then goes out
    early = event(
        w.DossierForwarded(
            **wf(code, T0 + timedelta(hours=12)),
            from_step="reception",
            to_step="specialist",
            department="Phòng Tư pháp",
        )
    )
    await publish(env.stack.nats.url, early)
    await publish(env.stack.nats.url, submitted(code, a, T0))
    # (the early event is retried with a growing delay: 0.5, 1, 2, 5, 15 s; allow for a slow, busy machine)
    mails = await eventually(
        lambda: len(emails_to(env.stack, a.email)) >= 2 and emails_to(env.stack, a.email), timeout=40
    )
    assert sorted(m["X-Dvc-Event-Type"] for m in mails) == [
        "intake.dossier.submitted.v1",
        "workflow.dossier.forwarded.v1",
    ]
    assert not [m for m in env.stack.sms.messages() if code in m.get("text", "")]
