"""Issue 13 across the real intake-svc and workflow-svc (in-process, on their own databases and the same NATS, each
calling the other over HTTP as in production):

- a specialist asks the applicant for more documents during processing: the clock stops, the appointment
  moves by the working time waited, and the dossier comes back to the same specialist at the same step;
- the leader extends the dossier: the applicant downloads form 04 through intake (which asks workflow with the
  applicant's own token); another citizen gets 404.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts.vocabulary import VN_TZ
from devkit.testing import eventually, reset_jetstream, running
from intake_svc.app import create_app as create_intake
from intake_testkit import AGENCY, PDF_BYTES, Env, intake_settings_for
from vncalendar.env import default_calendar

WORKFLOW_MIGRATIONS = Path(__file__).resolve().parents[2] / "workflow-svc" / "migrations"


@pytest.fixture
def every_hour_is_office_time(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Waiting time is counted in office hours: today and tomorrow are made whole working days, so a few
    seconds waited move the appointment by those seconds whatever day and hour the suite runs."""
    today = datetime.now(VN_TZ).date()
    days = ",".join(str(today + timedelta(days=n)) for n in range(3))
    monkeypatch.setenv("VNCAL_EXTRA_WORKING_DAYS", days)
    monkeypatch.setenv("VNCAL_MORNING", "00:00-12:00")
    monkeypatch.setenv("VNCAL_AFTERNOON", "12:00-23:59")
    default_calendar.cache_clear()
    yield
    default_calendar.cache_clear()


class Both:
    def __init__(self, intake: Env, workflow: httpx.AsyncClient) -> None:
        self.intake, self.workflow = intake, workflow


@pytest.fixture
async def both(stack: Any, tokens: Any, tmp_path: Path, fake_catalog_url: str,
               every_hour_is_office_time: Any) -> AsyncIterator[Both]:
    from workflow_svc.app import create_app as create_workflow
    from workflow_svc.settings import Settings as WorkflowSettings

    await reset_jetstream(stack.nats.url)
    apps: dict[str, Any] = {}

    async def to(name: str, scope: Any, receive: Any, send: Any) -> None:
        await apps[name](scope, receive, send)

    intake = create_intake(intake_settings_for(stack, tokens, tmp_path, run_background=True,
                                               catalog_url=fake_catalog_url),
                           workflow_transport=httpx.ASGITransport(app=lambda s, r, w: to("workflow", s, r, w)))
    workflow = create_workflow(WorkflowSettings(
        database_url=stack.fresh_database("workflow", WORKFLOW_MIGRATIONS), nats_url=stack.nats.url,
        auth_public_key_file=str(tokens.public_key_file), auto_forward_after="200ms", timer_poll_interval=0.1,
        deadline_warning_before="60d"),  # the leader may extend at once
        intake_transport=httpx.ASGITransport(app=lambda s, r, w: to("intake", s, r, w)))
    apps.update(intake=intake, workflow=workflow)
    from intake_testkit import Clock

    async with running(intake) as ic, running(workflow) as wc:
        yield Both(Env(client=ic, app=intake, clock=Clock(), tokens=tokens), wc)


def officer(env: Env, role: str, name: str) -> dict[str, str]:
    return env.tokens.header(sub=f"{role}-{uuid.uuid4().hex[:6]}", username=role, roles=(role,),
                             agency_code=AGENCY, name=name)


async def act(both: Both, code: str, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    r = await both.workflow.post(f"/api/v1/workflow/dossiers/{code}/actions", json=body, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_a_supplement_during_processing_stops_the_clock_and_returns_to_the_same_specialist(
        both: Both) -> None:
    env = both.intake
    citizen, desk = env.citizen(), officer(env, "reception", "Lê Thị Một Cửa")
    specialist = officer(env, "specialist", "Phạm Chuyên Viên")
    code = (await env.submit(citizen)).json()["code"]
    r = await env.client.post(f"/api/v1/dossiers/{code}/reception", headers=desk, json={"decision": "accept"})
    assert r.status_code == 200, r.text

    async def wf() -> dict[str, Any]:
        return (await both.workflow.get(f"/api/v1/workflow/dossiers/{code}", headers=specialist)).json()  # type: ignore[no-any-return]

    async def at_specialist() -> bool:
        return (await wf()).get("step") == "specialist"

    await eventually(at_specialist, timeout=30, interval=0.1)
    await act(both, code, specialist, action="claim")
    before = await wf()
    due_before = datetime.fromisoformat((await env.client.get(f"/api/v1/dossiers/{code}", headers=citizen))
                                        .json()["due_at"])
    await act(both, code, specialist, action="request_supplement", items=["Giấy xác nhận cư trú"],
              note="Cần xác minh nơi cư trú")

    async def waiting() -> dict[str, Any] | None:
        d = (await env.client.get(f"/api/v1/dossiers/{code}", headers=citizen)).json()
        return d if d["status"] == "supplement_requested" else None  # type: ignore[no-any-return]

    asked = await eventually(waiting, timeout=30, interval=0.1)
    assert asked["national_status"] == 5
    form02 = await env.client.get(f"/api/v1/dossiers/{code}/forms/02", headers=citizen)
    assert form02.status_code == 200 and form02.content.startswith(b"%PDF")
    # while the applicant is awaited the specialist can only give the task back or be replaced
    r = await both.workflow.post(f"/api/v1/workflow/dossiers/{code}/actions", headers=specialist,
                                 json={"action": "propose", "documents": [{"name": "Dự thảo"}]})
    assert r.status_code == 409

    await asyncio.sleep(3)  # the applicant takes a few (office) seconds
    extra = await env.upload(citizen, PDF_BYTES + b"xac-nhan-cu-tru", "cu-tru.pdf")
    r = await env.client.post(f"/api/v1/dossiers/{code}/supplements", headers=citizen,
                              json={"documents": [{"requirement_code": "TP2", "file_id": extra}]})
    assert r.status_code == 200, r.text
    back = r.json()
    waited = back["waiting_seconds"]
    assert back["status"] == "processing" and waited >= 3
    # the appointment moved by the working time waited (waiting_seconds is that time, whole seconds)
    moved = datetime.fromisoformat(back["due_at"])
    expected = default_calendar().add_working_time(due_before, timedelta(seconds=waited))
    assert timedelta(0) <= moved - expected < timedelta(seconds=1), (moved, expected)

    async def returned() -> dict[str, Any] | None:  # once workflow has recorded intake's supplemented event
        d = await wf()
        return d if "propose" in d["actions"] else None

    again = await eventually(returned, timeout=30, interval=0.1)
    assert again["step"] == "specialist" and again["assignee"] == before["assignee"]  # the same specialist
    assert datetime.fromisoformat(again["due_at"]) > datetime.fromisoformat(before["due_at"])
    # and the specialist carries on from there
    await act(both, code, specialist, action="propose", documents=[{"name": "Dự thảo phiếu"}])


async def test_the_applicant_downloads_form_04_through_intake(both: Both) -> None:
    env = both.intake
    citizen, desk = env.citizen(), officer(env, "reception", "Lê Thị Một Cửa")
    leader = officer(env, "leader", "Võ Lãnh Đạo")
    code = (await env.submit(citizen)).json()["code"]
    assert (await env.client.post(f"/api/v1/dossiers/{code}/reception", headers=desk,
                                  json={"decision": "accept"})).status_code == 200
    url = f"/api/v1/dossiers/{code}/forms/04"

    async def at_specialist() -> bool:
        r = await both.workflow.get(f"/api/v1/workflow/dossiers/{code}", headers=leader)
        return r.status_code == 200 and r.json()["step"] == "specialist"

    await eventually(at_specialist, timeout=30, interval=0.1)
    assert (await env.client.get(url, headers=citizen)).status_code == 404  # not issued yet
    await act(both, code, leader, action="extend", reason="Chờ kết quả xác minh của UBND xã", extra_days=2)

    async def issued() -> httpx.Response | None:  # once intake has recorded workflow's extension event
        r = await env.client.get(url, headers=citizen)
        return r if r.status_code == 200 else None

    pdf = await eventually(issued, timeout=30, interval=0.2)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert b"BeVietnamPro" in pdf.content
    stranger = env.citizen("citizen-other", "Trần Văn Khác")
    assert (await env.client.get(url, headers=stranger)).status_code == 404
