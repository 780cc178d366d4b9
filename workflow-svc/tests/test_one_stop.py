"""One-stop software (workflow side): an agency processing in its own one-stop software gets its dossiers handed off
to that system, and the system's status updates (interop events on real NATS) drive the dossier."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from contracts.interop import StatusReported, SystemRegistered, SystemRevoked
from devkit.testing import eventually
from workflow_testkit import LEAD, OTHER, THIRD, Env


def report(code: str, status: int, agency: str = OTHER, **kw: Any) -> StatusReported:
    return StatusReported(message_id=str(uuid.uuid4()), dossier_code=code, agency_code=agency,
                          national_status=status, at=datetime.now(UTC), officer="Nguyễn Văn An", **kw)


async def register(env: Env, agency: str = OTHER, code: str = "MC-OTHER") -> None:
    await env.publish(SystemRegistered(system_code=code, name="Một cửa Sở Tư pháp", agency_code=agency,
                                       client_id=f"client-{code}", secret_hash="$argon2id$x"))


async def accept_external(env: Env, agency: str = OTHER) -> str:
    code = await env.accept(agency=agency, interagency=())
    await env.wait_step(code, "external", env.officer("specialist", agency))
    return code


async def history(env: Env, code: str, agency: str = OTHER) -> list[str]:
    return [h["action"] for h in (await env.get(code, env.officer("specialist", agency)))["history"]]


async def test_registered_system_takes_the_dossier_and_drives_it_to_result_ready(env: Env) -> None:
    await register(env)

    async def registered() -> bool:  # the registration is consumed on its own consumer
        code = await env.accept(agency=OTHER, interagency=())
        return bool(await env.wait_step(code, "external", env.officer("specialist", OTHER)))

    await eventually(registered, timeout=10)
    code = await accept_external(env)
    spec = env.officer("specialist", OTHER)
    d = await env.get(code, spec)
    assert d["status"] == "active" and d["actions"] == ["recall_handoff"]
    assert d["handoffs"][0]["status"] == "requested"
    assert code not in {t["code"] for t in (await env.client.get("/api/v1/workflow/tasks", headers=spec)).json()[
        "items"]}  # not the officers' work
    [req] = await env.events("workflow.dossier.handoff_requested.v1", code)
    assert req["data"]["target_agency"] == OTHER
    assert not await env.events("workflow.dossier.processing_started.v1", code)

    await env.publish(report(code, 9, agency=THIRD))  # another agency's system: ignored
    await env.publish(report(code, 4))

    async def started() -> bool:
        return bool(await env.events("workflow.dossier.processing_started.v1", code))

    await eventually(started, timeout=10)
    assert (await env.get(code, spec))["handoffs"][0]["status"] == "accepted"
    await env.publish(report(code, 5, note="Cần bổ sung bản sao sổ hộ khẩu"))
    new_due = datetime.now(UTC) + timedelta(days=30)
    await env.publish(report(code, 4, new_due_at=new_due, note="Chờ xác minh"))

    async def extended() -> list[dict[str, Any]]:
        return await env.events("workflow.dossier.extended.v1", code)

    [ext] = await eventually(extended, timeout=10)
    assert datetime.fromisoformat(ext["data"]["new_due_at"]) == new_due and ext["data"]["reason"] == "Chờ xác minh"
    await env.publish(report(code, 9, note="Đã cấp giấy chứng nhận",
                             result_documents=[{"name": "Giấy chứng nhận", "file_id": "r1"}]))

    async def ready() -> list[dict[str, Any]]:
        return await env.events("workflow.dossier.result_ready.v1", code)

    [event] = await eventually(ready, timeout=10)
    assert event["data"]["result_documents"] == [{"name": "Giấy chứng nhận", "file_id": "r1"}]
    assert event["data"]["note"] == "Đã cấp giấy chứng nhận" and event["data"]["actor_name"] == "Nguyễn Văn An"
    d = await env.get(code, spec)
    assert d["status"] == "result_ready" and d["handoffs"][0]["status"] == "completed"
    assert await history(env, code) == ["start", "external_handoff", "external_accepted", "external_note",
                                        "external_extended", "external_result"]
    [done] = await env.events("workflow.dossier.handoff_completed.v1", code)
    assert done["data"]["outcome"] == "completed"
    assert [e["data"]["to_step"] for e in await env.events("workflow.dossier.step_changed.v1", code)] == [
        "reception", "external", "result"]


async def test_configured_agency_system_refuses_with_reasons(stack: Any, tokens: Any) -> None:
    import nats

    from devkit.testing import reset_jetstream, running
    from servicekit.bus import ensure_streams
    from workflow_svc.app import create_app
    from workflow_testkit import make_settings

    settings = make_settings(stack, tokens, external_agencies=f"{THIRD}, {OTHER}")
    await reset_jetstream(stack.nats.url)
    nc = await nats.connect(stack.nats.url)
    await ensure_streams(nc.jetstream())
    app = create_app(settings)
    try:
        async with running(app) as client:
            env = Env(client, app, settings, tokens, nc)
            code = await accept_external(env)
            await env.publish(report(code, 8, note="Không đủ điều kiện cấp phép"))

            async def refused() -> list[dict[str, Any]]:
                return await env.events("workflow.dossier.refused.v1", code)

            [event] = await eventually(refused, timeout=10)
            assert event["data"]["reason"] == "Không đủ điều kiện cấp phép"
            d = await env.get(code, env.officer("specialist", OTHER))
            assert d["status"] == "rejected" and d["handoffs"][0]["status"] == "refused"
            lead = await env.accept()  # an agency without a system: its officers process it
            await env.wait_step(lead, "specialist", env.officer("specialist", LEAD))
    finally:
        await nc.close()


async def test_revoked_system_no_longer_takes_dossiers_and_a_stuck_one_can_be_recalled(env: Env) -> None:
    await register(env, code="MC-2")
    leader = env.officer("leader", OTHER)

    async def handed() -> bool:
        return await placed(env, await env.accept(agency=OTHER, interagency=())) == "external"

    await eventually(handed, timeout=15)
    code = await accept_external(env)
    r = await env.act(code, leader, action="recall_handoff", reason="Phần mềm một cửa không phản hồi")
    assert r.status_code == 200, r.text
    assert r.json()["step"] == "specialist" and r.json()["handoffs"][0]["status"] == "recalled"
    await env.publish(SystemRevoked(system_code="MC-2", client_id="client-MC-2"))

    async def back_to_officers() -> bool:
        return await placed(env, await env.accept(agency=OTHER, interagency=())) == "specialist"

    await eventually(back_to_officers, timeout=15)


async def placed(env: Env, code: str) -> str:
    """Where a new dossier went after the desk: the one-stop system or the specialist department."""
    h = env.officer("specialist", OTHER)

    async def moved_on() -> str | None:
        step = str((await env.get(code, h))["step"])
        return step if step != "reception" else None

    return str(await eventually(moved_on, timeout=10))
