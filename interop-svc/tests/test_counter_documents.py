"""Counter dossiers in the read model, documents and form data in the feed, refusals need a reason, the agency
of a system must exist in the catalog, a certificate PEM holds exactly one certificate."""

from __future__ import annotations

import socket
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from contracts.intake import DossierAccepted, DossierSubmitted, DossierSupplemented
from devkit import events
from devkit.testing import running
from interop_svc.app import create_app
from interop_svc.dossier.handlers import on_intake_event
from interop_svc.dossier.models import Dossier
from interop_svc.system.models import System
from interop_svc.xml import (
    VN_TZ,
    Appointment,
    DocumentRef,
    EnvelopeHeader,
    Signer,
    SigningIdentity,
    StatusUpdate,
    build_status_update,
    certificate_pem,
    generate_ec_identity,
    parse_dossier_feed,
    parse_untrusted,
    validate,
    verify_envelope,
)
from interop_testkit import (
    AGENCY,
    PLATFORM,
    T0,
    Env,
    accepted,
    counter_dossier,
    dossier_code,
    interop_settings,
    status_update,
)

XML = {"Content-Type": "application/xml"}
PUBLIC = "https://dichvucong.dongnai.gov.vn"
SHA_A, SHA_B, SHA_C = "a" * 64, "b" * 64, "c" * 64


@pytest.fixture
def settings_extra() -> dict[str, Any]:
    return {"public_url": PUBLIC}


async def post(env: Env, headers: dict[str, str], body: bytes) -> Any:
    return await env.client.post("/interop/v1/messages", headers={**headers, **XML}, content=body)


def signed_update(identity: SigningIdentity, code: str, status: int, *, note: str | None,
                  documents: tuple[DocumentRef, ...] = (), due: datetime | None = None) -> bytes:
    header = EnvelopeHeader.new(AGENCY, PLATFORM)
    update = StatusUpdate(dossier_code=code, status_code=status, at=datetime(2026, 11, 30, 9, 0, tzinfo=VN_TZ),
                          officer="Nguyễn Văn An", note=note, result_documents=documents,
                          new_appointment=Appointment(due_at=due, reason="Xác minh") if due else None)
    return Signer.from_identity(identity).sign_to_bytes(build_status_update(header, update))


async def test_counter_dossier_then_its_status_updates_are_accepted_and_reported(
    env: Env, system_identity: SigningIdentity
) -> None:
    system = await env.register("motcua-quay", AGENCY, system_identity)
    code = dossier_code(77)
    response = await post(env, system.headers, counter_dossier(system.identity, code))
    assert response.status_code == 202, response.text
    async with env.app.state.sessionmaker() as session:
        dossier = (await session.scalars(select(Dossier).where(Dossier.code == code))).one()
    assert (dossier.agency_code, dossier.channel, dossier.origin_system) == (AGENCY, "counter", "motcua-quay")
    assert len(await env.outbox("interop.counter_dossier.received.v1")) == 1

    for status in (4, 9):
        response = await post(env, system.headers, status_update(system.identity, code, status=status))
        assert response.status_code == 202, response.text
    events = await env.outbox("interop.status.reported.v1")
    assert sorted(e["data"]["national_status"] for e in events) == [4, 9]
    assert {e["data"]["dossier_code"] for e in events} == {code}
    async with env.app.state.sessionmaker() as session:
        dossier = (await session.scalars(select(Dossier).where(Dossier.code == code))).one()
    assert (dossier.status, dossier.national_status) == ("result_ready", 9)
    # the system's own dossier is not echoed back to it through the feed
    feed = await env.client.get("/interop/v1/dossiers", headers=system.headers)
    page = parse_dossier_feed(verify_envelope(feed.content, env.platform.certificate))
    assert code not in [d.code for d in page.dossiers]


async def test_counter_dossier_cannot_take_over_an_online_dossier(env: Env, system_identity: SigningIdentity) -> None:
    system = await env.register("motcua-quay2", AGENCY, system_identity)
    await env.apply(accepted(dossier_code(78)))
    response = await post(env, system.headers, counter_dossier(system.identity, dossier_code(78)))
    assert response.status_code == 409, response.text
    assert await env.messages() == 0


async def test_refusal_needs_a_reason_and_results_pass_through(env: Env, system_identity: SigningIdentity) -> None:
    system = await env.register("motcua-lydo", AGENCY, system_identity)
    code = dossier_code(79)
    await env.apply(accepted(code))
    for status in (8, 3):
        response = await post(env, system.headers, signed_update(system.identity, code, status, note=None))
        assert response.status_code == 400, response.text
        assert "cần nêu lý do" in response.json()["detail"] and response.json()["reason"] == "reason_required"
    assert await env.messages() == 0 and await env.outbox("interop.status.reported.v1") == []

    response = await post(env, system.headers, signed_update(system.identity, code, 8, note="Hồ sơ giả mạo"))
    assert response.status_code == 202, response.text
    due = datetime(2026, 12, 10, 17, 0, tzinfo=VN_TZ)
    doc = DocumentRef(name="Quyết định", sha256=SHA_A, size=1234, media_type="application/pdf",
                      download_url="https://motcua.example.vn/kq/1.pdf", requirement_code="KQ1")
    response = await post(env, system.headers, signed_update(system.identity, code, 9, note="Xong", documents=(doc,),
                                                             due=due))
    assert response.status_code == 202, response.text
    events = {e["data"]["national_status"]: e["data"] for e in await env.outbox("interop.status.reported.v1")}
    assert events[8]["note"] == "Hồ sơ giả mạo"
    assert datetime.fromisoformat(events[9]["new_due_at"]) == due
    assert events[9]["result_documents"] == [{
        "name": "Quyết định", "sha256": SHA_A, "size": "1234", "media_type": "application/pdf",
        "download_url": "https://motcua.example.vn/kq/1.pdf", "requirement_code": "KQ1"}]


async def deliver(env: Env, payload: Any) -> None:
    async with env.app.state.sessionmaker() as session, session.begin():
        await on_intake_event(events.event(payload), session)


async def test_feed_carries_documents_and_form_data(env: Env, system_identity: SigningIdentity) -> None:
    system = await env.register("motcua-tailieu", AGENCY, system_identity)
    code = dossier_code(80)
    common: dict[str, Any] = {"code": code, "procedure_code": "1.001612", "agency_code": AGENCY}
    docs = [
        {"file_id": "f-1", "name": "Tờ khai", "requirement_code": "TK", "sha256": SHA_A, "size": 100,
         "media_type": "application/pdf"},
        {"file_id": "f-2", "name": "CCCD", "requirement_code": "CCCD", "sha256": SHA_B, "size": 200,
         "media_type": "image/jpeg"},
    ]
    form = {"ho_ten": "Lê Văn Dũng", "dia_chi": {"xa": "Tân Phong"}, "con": [{"ten": "An"}]}
    await deliver(env, DossierSubmitted(**common, status="submitted", national_status=1, at=T0,
                                        procedure_name="Cấp phiếu", procedure_revision=1, level=3,
                                        documents=docs, form_data=form))
    await deliver(env, DossierAccepted(**common, status="accepted", national_status=2, at=T0 + timedelta(hours=1),
                                       procedure_name="Cấp phiếu", received_at=T0 + timedelta(hours=1),
                                       due_at=T0 + timedelta(days=5), processing_time_value=5,
                                       processing_time_unit="working_days", return_method="online", level=3))
    await deliver(env, DossierSupplemented(**common, status="accepted", national_status=2, at=T0 + timedelta(hours=2),
                                           round=1, documents=[{"file_id": "f-3", "name": "CCCD (bản rõ)",
                                                                "requirement_code": "CCCD", "sha256": SHA_C,
                                                                "size": 300, "media_type": "image/png"}]))
    response = await env.client.get("/interop/v1/dossiers", headers=system.headers)
    assert response.status_code == 200, response.text
    validate(parse_untrusted(response.content))
    page = parse_dossier_feed(verify_envelope(response.content, env.platform.certificate))
    first, last = page.dossiers[0], page.dossiers[-1]
    assert [(d.name, d.requirement_code, d.sha256, d.size, d.media_type, d.download_url) for d in first.documents] == [
        ("Tờ khai", "TK", SHA_A, 100, "application/pdf", f"{PUBLIC}/api/v1/files/f-1"),
        ("CCCD", "CCCD", SHA_B, 200, "image/jpeg", f"{PUBLIC}/api/v1/files/f-2"),
    ]
    assert [(d.name, d.download_url) for d in last.documents] == [
        ("Tờ khai", f"{PUBLIC}/api/v1/files/f-1"), ("CCCD (bản rõ)", f"{PUBLIC}/api/v1/files/f-3")]
    assert dict(last.form_data) == {"ho_ten": "Lê Văn Dũng", "dia_chi.xa": "Tân Phong", "con[0].ten": "An"}


async def test_system_of_an_unknown_agency_is_refused(env: Env, system_identity: SigningIdentity) -> None:
    response = await env.client.post("/api/v1/interop/systems", headers=env.admin, json={
        "code": "motcua-ma", "name": "Không có", "agency_code": "999.99.99.H19",
        "certificate": certificate_pem(system_identity.certificate).decode()})
    assert response.status_code == 422, response.text
    assert ["body", "agency_code"] in [e["loc"] for e in response.json()["errors"]]
    assert await env.count(System) == 0


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_unreachable_catalog_is_503_and_nothing_written(
    stack: Any, tokens: Any, platform_identity: SigningIdentity, system_identity: SigningIdentity
) -> None:
    settings = interop_settings(stack, tokens, run_background=False,
                                catalog_url=f"http://127.0.0.1:{closed_port()}", catalog_timeout_seconds=1.0)
    app = create_app(settings, signing_identity=platform_identity)
    async with running(app) as client:
        admin = tokens.header(sub="admin-1", roles=("admin",), agency_code=PLATFORM)
        response = await client.post("/api/v1/interop/systems", headers=admin, json={
            "code": "motcua-x", "name": "X", "agency_code": AGENCY,
            "certificate": certificate_pem(system_identity.certificate).decode()})
        assert response.status_code == 503, response.text
        listed = await client.get("/api/v1/interop/systems", headers=admin)
        assert listed.json() == []


async def test_certificate_pem_with_several_certificates_is_refused(env: Env, system_identity: SigningIdentity) -> None:
    other = generate_ec_identity(f"x{uuid.uuid4().hex[:6]}.example.vn")
    chain = certificate_pem(system_identity.certificate).decode() + certificate_pem(other.certificate).decode()
    response = await env.client.post("/api/v1/interop/systems", headers=env.admin, json={
        "code": "motcua-chuoi", "name": "Chuỗi", "agency_code": AGENCY, "certificate": chain})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["body", "certificate"]
    assert await env.count(System) == 0
