"""The workflow consumers' handlers, called with a real session (the NATS path is in test_dossier_flow)."""

from __future__ import annotations

from datetime import datetime

from contracts.vocabulary import VN_TZ as VN
from contracts.workflow import DossierExtended, DossierProcessingStarted, DossierRefused
from devkit import events
from intake_svc.dossier.handlers import on_extended, on_processing_started, on_rejected
from intake_testkit import AGENCY, LLTP, Env


async def _handle(env: Env, handler, payload) -> None:  # type: ignore[no-untyped-def]
    event = events.event(payload)
    async with env.app.state.sessionmaker() as session, session.begin():
        await handler(event, session)


async def test_extension_rejection_and_stale_events(env: Env) -> None:
    citizen, desk = env.citizen(), env.reception()
    code = (await env.submit(citizen)).json()["code"]
    at = datetime(2026, 12, 1, 9, 0, tzinfo=VN)
    # processing cannot start before the desk accepted: ignored, nothing logged
    await _handle(env, on_processing_started, DossierProcessingStarted(
        code=code, procedure_code=LLTP, agency_code=AGENCY, at=at))
    assert (await env.client.get(f"/api/v1/tracking/{code}")).json()["status"] == "submitted"

    await env.client.post(f"/api/v1/dossiers/{code}/reception", headers=desk, json={"decision": "accept"})
    old_due = datetime.fromisoformat((await env.client.get(f"/api/v1/tracking/{code}")).json()["due_at"])
    new_due = datetime(2027, 1, 15, 17, 0, tzinfo=VN)
    await _handle(env, on_extended, DossierExtended(
        code=code, procedure_code=LLTP, agency_code=AGENCY, at=at, reason="Cần xác minh thêm", old_due_at=old_due,
        new_due_at=new_due, actor_name="Giám đốc Sở"))
    tracked = (await env.client.get(f"/api/v1/tracking/{code}")).json()
    assert datetime.fromisoformat(tracked["due_at"]) == new_due and tracked["status"] == "accepted"

    await _handle(env, on_rejected, DossierRefused(
        code=code, procedure_code=LLTP, agency_code=AGENCY, at=at, finished_at=at, reason="Không đủ điều kiện"))
    tracked = (await env.client.get(f"/api/v1/tracking/{code}")).json()
    assert tracked["status"] == "rejected" and tracked["national_status"] == 8 and tracked["completed_at"]
    # the refusal letter is handed over like a result
    delivered = await env.client.post(f"/api/v1/dossiers/{code}/delivery", headers=desk, json={"method": "counter"})
    assert delivered.status_code == 200 and delivered.json()["status"] == "returned"
    history = (await env.client.get(f"/api/v1/dossiers/{code}/history", headers=citizen)).json()
    assert [h["action"] for h in history] == ["submit", "accept", "extended", "rejected", "deliver"]
    assert history[2]["note"] == "Cần xác minh thêm" and history[2]["role"] == "workflow"
