from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from contracts.intake import DossierAccepted, DossierSubmitted
from contracts.workflow import (
    DossierExtended,
    DossierForwarded,
    DossierProcessingStarted,
    DossierRefused,
    DossierResultReady,
)
from devkit import events
from interop_svc.dossier.handlers import on_intake_event, on_workflow_event
from interop_svc.dossier.service import DossierService
from interop_svc.xml import VN_TZ, parse_dossier_feed, parse_untrusted, validate, verify_envelope
from interop_testkit import AGENCY, Env, dossier_code

T = datetime(2026, 11, 27, 8, 0, tzinfo=VN_TZ)
CODE = dossier_code(5)
COMMON: dict[str, Any] = {"code": CODE, "procedure_code": "1.001612", "agency_code": AGENCY}


async def deliver(env: Env, payload: Any) -> None:
    # through the wire form, as the bus hands it over: the handler decodes the payload class from the type
    event = events.wire(events.event(payload, subject=CODE))
    handler = on_intake_event if event.type.startswith("intake.") else on_workflow_event
    async with env.app.state.sessionmaker() as session, session.begin():
        await handler(event, session)


async def test_events_fold_into_the_read_model_whatever_their_order(env: Env) -> None:
    submitted = DossierSubmitted(**COMMON, status="submitted", national_status=1, at=T, applicant_name="Đỗ Văn Giang",
                                 applicant_email="giang@example.vn", procedure_name="Cấp phiếu lý lịch tư pháp",
                                 procedure_revision=1, level=3)
    await deliver(env, submitted)
    async with env.app.state.sessionmaker() as session:
        assert await DossierService(session).changes_since(AGENCY, 0, 10) == []  # not handed off yet

    # workflow's result arrives before intake's acceptance (two streams, no order between them)
    await deliver(env, DossierForwarded(**COMMON, at=T + timedelta(hours=7), to_step="specialist",
                                        department="Phòng Hành chính tư pháp"))
    await deliver(env, DossierResultReady(**COMMON, at=T + timedelta(days=1), finished_at=T + timedelta(days=1),
                                          actor_name="Lãnh đạo Sở"))
    await deliver(env, DossierAccepted(**COMMON, status="accepted", national_status=2, at=T + timedelta(hours=1),
                                       procedure_name="Cấp phiếu lý lịch tư pháp", received_at=T + timedelta(hours=1),
                                       due_at=T + timedelta(days=5), processing_time_value=5,
                                       processing_time_unit="working_days", return_method="online", level=3))
    new_due = T + timedelta(days=9)
    await deliver(env, DossierExtended(**COMMON, at=T + timedelta(days=2), reason="Xác minh thêm",
                                       old_due_at=T + timedelta(days=5), new_due_at=new_due))
    async with env.app.state.sessionmaker() as session:
        service = DossierService(session)
        dossier = await service.get(CODE)
        changes = await service.changes_since(AGENCY, 0, 10)
    assert dossier is not None
    assert (dossier.status, dossier.national_status) == ("result_ready", 9)  # the older acceptance did not win
    assert dossier.received_at == T + timedelta(hours=1) and dossier.due_at == new_due
    assert dossier.applicant_email == "giang@example.vn" and dossier.step == "specialist"
    assert [h["action"] for h in dossier.history] == [
        "Nộp hồ sơ trực tuyến", "Tiếp nhận hồ sơ", "Chuyển xử lý", "Có kết quả giải quyết",
        "Gia hạn, hẹn lại ngày trả kết quả",
    ]
    # handed off from the first workflow event on; every later event is one change
    assert [c.kind for c in changes] == [
        "workflow.dossier.forwarded.v1", "workflow.dossier.result_ready.v1", "intake.dossier.accepted.v1",
        "workflow.dossier.extended.v1",
    ]
    assert changes[-1].snapshot["due_at"] == new_due.isoformat()


async def test_a_dossier_refused_after_processing_is_rejected_in_the_signed_feed(
    env: Env, system_identity: Any
) -> None:
    """workflow's refusal (R-WF-5), decoded from its wire form as the bus hands it over, shows in the agency's
    signed feed as national status 8 with its completion time and the reason."""
    system = await env.register("motcua-refused", AGENCY, system_identity)
    accepted_at, refused_at = T + timedelta(hours=1), T + timedelta(days=2, hours=3)
    await deliver(env, DossierAccepted(**COMMON, status="accepted", national_status=2, at=accepted_at,
                                       procedure_name="Cấp phiếu lý lịch tư pháp", received_at=accepted_at,
                                       due_at=T + timedelta(days=5), processing_time_value=5,
                                       processing_time_unit="working_days", return_method="online", level=3,
                                       applicant_name="Đỗ Văn Giang"))
    await deliver(env, DossierProcessingStarted(**COMMON, at=T + timedelta(hours=2), actor_name="Trần Văn Cường"))
    reason = "Người yêu cầu không đủ điều kiện theo Điều 7 Luật Lý lịch tư pháp"
    await deliver(env, DossierRefused(**COMMON, at=refused_at, finished_at=refused_at, reason=reason,
                                      actor_name="Lãnh đạo Sở", step="leader"))
    response = await env.client.get("/interop/v1/dossiers", headers=system.headers, params={"limit": 10})
    assert response.status_code == 200, response.text
    validate(parse_untrusted(response.content))
    page = parse_dossier_feed(verify_envelope(response.content, env.platform.certificate))
    latest = page.dossiers[-1]
    assert latest.code == CODE
    assert (latest.status_code, latest.local_status) == (8, "rejected")
    assert latest.completed_at == refused_at
    last = latest.history[-1]
    assert (last.status_code, last.note, last.officer) == (8, reason, "Lãnh đạo Sở")
    assert last.action == "Không giải quyết (có văn bản nêu lý do)"
