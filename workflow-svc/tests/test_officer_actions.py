"""Officers as workflow knows them (from the gateway's events), reassign / release, supplements during
processing (the clock stops, the dossier returns to its specialist), forms 04 and 05 as PDF."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from contracts.gateway import OfficerSaved
from contracts.intake import DossierSupplemented
from devkit.testing import eventually
from vncalendar import default_calendar
from workflow_testkit import LEAD, OTHER, Env, accepted, new_code

OFFICERS = [
    OfficerSaved(user_id="u-an", username="chuyenvien.an", full_name="Nguyễn Văn An", roles=["specialist"],
                 agency_code=LEAD, department="Phòng Hộ tịch"),
    OfficerSaved(user_id="u-binh", username="chuyenvien.binh", full_name="Trần Thị Bình", roles=["specialist"],
                 agency_code=LEAD, department="Phòng Hộ tịch"),
    OfficerSaved(user_id="u-cuong", username="lanhdao.cuong", full_name="Lê Văn Cường", roles=["leader"],
                 agency_code=LEAD),
    OfficerSaved(user_id="u-dung", username="chuyenvien.dung", full_name="Phạm Dũng", roles=["specialist"],
                 agency_code=OTHER),
    OfficerSaved(user_id="u-em", username="chuyenvien.em", full_name="Võ Em", roles=["specialist"],
                 agency_code=LEAD, active=False),
]


async def officers_known(env: Env) -> None:
    for o in OFFICERS:
        await env.publish(o)
    head = env.officer("leader", sub="u-cuong")

    async def all_there() -> bool:
        r = await env.client.get("/api/v1/workflow/officers", headers=head)
        return r.status_code == 200 and {o["id"] for o in r.json()} == {"u-an", "u-binh", "u-cuong"}

    await eventually(all_there, timeout=15)


def by(env: Env, sub: str, role: str = "specialist", name: str | None = None) -> dict[str, str]:
    return env.officer(role, sub=sub, name=name)


async def test_the_agencys_officers_by_role(env: Env) -> None:
    await officers_known(env)
    head = env.officer("leader", sub="u-cuong")
    r = await env.client.get("/api/v1/workflow/officers", params={"role": "specialist"}, headers=head)
    assert r.status_code == 200
    assert r.json() == [  # active officers of the caller's agency, by name; never another agency's
        {"id": "u-an", "username": "chuyenvien.an", "full_name": "Nguyễn Văn An", "roles": ["specialist"],
         "department": "Phòng Hộ tịch"},
        {"id": "u-binh", "username": "chuyenvien.binh", "full_name": "Trần Thị Bình", "roles": ["specialist"],
         "department": "Phòng Hộ tịch"},
    ]
    other = await env.client.get("/api/v1/workflow/officers", headers=env.officer("leader", OTHER))
    assert [o["id"] for o in other.json()] == ["u-dung"]
    # an account changed at the gateway (here: made inactive) changes the list
    await env.publish(OFFICERS[1].model_copy(update={"active": False}))

    async def gone() -> bool:
        r = await env.client.get("/api/v1/workflow/officers", params={"role": "specialist"}, headers=head)
        return [o["id"] for o in r.json()] == ["u-an"]

    await eventually(gone, timeout=15)
    r = await env.client.get("/api/v1/workflow/officers", params={"role": "wizard"}, headers=head)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "role"]
    citizen = env.tokens.header(roles=("citizen",))
    assert (await env.client.get("/api/v1/workflow/officers", headers=citizen)).status_code == 403


async def test_a_leader_reassigns_a_claimed_task_the_new_officer_acts_the_old_one_gets_409(env: Env) -> None:
    await officers_known(env)
    an, binh = by(env, "u-an", name="Nguyễn Văn An"), by(env, "u-binh", name="Trần Thị Bình")
    head = env.officer("leader", sub="u-cuong", name="Lê Văn Cường")
    code = await env.accept()
    await env.wait_step(code, "specialist", an)
    assert (await env.act(code, an, action="claim")).status_code == 200
    # who may reassign, to whom
    assert (await env.act(code, binh, action="reassign", assignee="u-binh")).status_code == 403
    assert (await env.act(code, env.officer("leader", OTHER), action="reassign", assignee="u-binh")).status_code == 404
    for wrong in ("u-dung", "u-em", "u-cuong", "nobody"):  # another agency, inactive, not a specialist, unknown
        r = await env.act(code, head, action="reassign", assignee=wrong)
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "assignee"], (wrong, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    r = await env.act(code, head, action="reassign")
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "assignee"]
    assert "cán bộ" in r.json()["detail"].lower()

    r1 = await env.act(code, head, key="re-1", action="reassign", assignee="u-binh", comment="Anh An nghỉ phép")
    r2 = await env.act(code, head, key="re-1", action="reassign", assignee="u-binh", comment="Anh An nghỉ phép")
    assert r1.status_code == r2.status_code == 200, r1.text
    assert r1.json() == r2.json() and r2.headers.get("idempotent-replayed") == "true"
    d = r1.json()
    assert d["assignee"] == "u-binh" and d["assignee_name"] == "Trần Thị Bình" and d["step"] == "specialist"
    entry = d["history"][-1]
    assert entry["action"] == "reassign" and entry["actor_name"] == "Lê Văn Cường" and entry["actor_role"] == "leader"
    assert [h["action"] for h in d["history"]].count("reassign") == 1

    old = await env.act(code, an, action="propose", documents=[{"name": "Dự thảo"}])
    assert old.status_code == 409 and old.json()["type"].endswith("/reassigned"), old.text
    assert (await env.get(code, an))["actions"] == []
    r = await env.act(code, binh, action="propose", documents=[{"name": "Dự thảo"}])
    assert r.status_code == 200 and r.json()["step"] == "leader", r.text
    tasks = await env.events("workflow.task.assigned.v1", code)
    handed = [t["data"] for t in tasks if t["data"]["assignee_id"] == "u-binh"]
    assert len(handed) == 1 and handed[0]["step"] == "specialist" and handed[0]["role"] == "specialist"


async def test_an_officer_releases_a_task_and_another_claims_it(env: Env) -> None:
    await officers_known(env)
    an, binh = by(env, "u-an"), by(env, "u-binh")
    code = await env.accept()
    await env.wait_step(code, "specialist", an)
    r = await env.act(code, an, action="release")
    assert r.status_code == 409 and r.json()["type"].endswith("/not-claimed")
    await env.act(code, an, action="claim")
    assert (await env.act(code, binh, action="release")).status_code == 403  # not theirs to give back
    r = await env.act(code, an, key="rel-1", action="release", comment="Đi công tác")
    assert r.status_code == 200 and r.json()["assignee"] is None
    assert r.json()["history"][-1]["action"] == "release"
    assert (await env.act(code, an, key="rel-1", action="release", comment="Đi công tác")).status_code == 200
    assert (await env.act(code, binh, action="claim")).status_code == 200
    released = [t for t in await env.events("workflow.task.assigned.v1", code) if t["data"]["step"] == "specialist"]
    assert released[-1]["data"]["assignee_id"] is None and released[-1]["data"]["role"] == "specialist"


async def test_a_supplement_during_processing_stops_the_clock_and_returns_to_the_same_specialist(env: Env) -> None:
    await officers_known(env)
    an = by(env, "u-an", name="Nguyễn Văn An")
    code = await env.accept(due_days=5)
    d0 = await env.wait_step(code, "specialist", an)
    assert (await env.act(code, env.officer("reception"), action="request_supplement", items=["x"])).status_code in (
        403, 409)
    r = await env.act(code, an, action="request_supplement", note="Thiếu giấy tờ")
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "items"]
    items = ["Bản sao Giấy xác nhận tình trạng hôn nhân", "Ảnh chân dung 4x6"]
    r = await env.act(code, an, key="sup-1", action="request_supplement", items=items, note="Bổ sung trong 10 ngày")
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["awaiting_applicant"] is True and d["supplement_rounds"] == 1 and d["assignee"] == "u-an"
    assert (await env.act(code, an, key="sup-1", action="request_supplement", items=items,
                          note="Bổ sung trong 10 ngày")).json() == d  # replayed, not asked twice
    entry = d["history"][-1]
    assert entry["action"] == "request_supplement" and entry["comment"] == "Bổ sung trong 10 ngày"
    [event] = await env.events("workflow.dossier.supplement_requested.v1", code)
    data = event["data"]
    assert data["items"] == items and data["round"] == 1 and data["step"] == "specialist"
    assert data["requested_by"] == "Nguyễn Văn An" and data["note"] == "Bổ sung trong 10 ngày"
    tasks = (await env.client.get("/api/v1/workflow/tasks", headers=an)).json()["items"]
    assert code not in [t["code"] for t in tasks]  # nothing to do until the applicant supplements
    # while the applicant is awaited nothing moves it on, and a second request waits for the first
    r = await env.act(code, an, action="propose", documents=[{"name": "Dự thảo"}])
    assert r.status_code == 409 and r.json()["type"].endswith("/awaiting-applicant")
    assert (await env.act(code, an, action="request_supplement", items=items)).status_code == 409

    paused_at = datetime.fromisoformat(entry["at"])
    supplied_at = paused_at + timedelta(days=3)
    await env.publish(DossierSupplemented(
        code=code, procedure_code="1.001612", agency_code=LEAD, status="processing", national_status=4,
        at=supplied_at, round=1))

    async def resumed() -> dict[str, Any] | None:
        d = await env.get(code, an)
        return d if not d["awaiting_applicant"] else None

    d = await eventually(resumed, timeout=15)
    cal = default_calendar()
    waited = cal.working_time_between(paused_at, supplied_at)
    assert waited > timedelta(0)
    old_due = datetime.fromisoformat(d0["due_at"])
    assert datetime.fromisoformat(d["due_at"]) == cal.add_working_time(old_due, waited)  # the clock stopped
    assert d["step"] == "specialist" and d["assignee"] == "u-an"  # same step, same specialist
    assert d["history"][-1]["action"] == "resumed" and d["supplement_rounds"] == 1
    [extended] = await env.events("workflow.dossier.extended.v1", code)  # intake learns the new appointment
    assert datetime.fromisoformat(extended["data"]["new_due_at"]) == datetime.fromisoformat(d["due_at"])
    assert datetime.fromisoformat(extended["data"]["old_due_at"]) == old_due
    tasks = (await env.client.get("/api/v1/workflow/tasks", headers=an)).json()["items"]
    assert code in [t["code"] for t in tasks]
    # the console's "my tasks" and "not yet claimed" lists
    mine = (await env.client.get("/api/v1/workflow/tasks", headers=an, params={"assigned": "me"})).json()
    free = (await env.client.get("/api/v1/workflow/tasks", headers=an, params={"assigned": "none"})).json()
    assert code in [t["code"] for t in mine["items"]] and code not in [t["code"] for t in free["items"]]
    assert all(t["assignee"] == "u-an" for t in mine["items"]) and all(t["assignee"] is None for t in free["items"])
    bad = await env.client.get("/api/v1/workflow/tasks", headers=an, params={"assigned": "everyone"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    r = await env.act(code, an, action="propose", documents=[{"name": "Dự thảo"}])
    assert r.status_code == 200 and r.json()["step"] == "leader", r.text


async def test_forms_04_and_05_as_pdf_and_form_04_for_the_owner(env: Env) -> None:
    spec, head = env.officer("specialist", name="Trần Thị Bình"), env.officer("leader", name="Phạm Văn Đức")
    code = new_code()
    received = datetime.now(UTC) - timedelta(days=8)  # already late: its leader may extend it at once
    late = accepted(code, received_at=received, due_at=received + timedelta(days=7))
    await env.publish(late.model_copy(update={"applicant_user_id": "citizen-7"}))
    await env.wait_step(code, "specialist", spec)
    owner = env.tokens.header(sub="citizen-7", roles=("citizen",))
    stranger = env.tokens.header(sub="citizen-8", roles=("citizen",))
    url = f"/api/v1/workflow/dossiers/{code}/forms"
    assert (await env.client.get(f"{url}/04", headers=owner)).status_code == 404  # none issued yet
    r = await env.act(code, head, action="extend", reason="Chờ kết quả xác minh của UBND xã", extra_days=2)
    assert r.status_code == 200, r.text
    for who in (owner, head, spec):
        pdf = await env.client.get(f"{url}/04", headers=who)
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF") and b"/FontFile2" in pdf.content and b"BeVietnamPro" in pdf.content
    for who in (stranger, env.officer("leader", OTHER)):
        assert (await env.client.get(f"{url}/04", headers=who)).status_code == 404
    sheet = await env.client.get(f"{url}/05", headers=spec)
    assert sheet.status_code == 200 and sheet.headers["content-type"] == "application/pdf"
    assert sheet.content.startswith(b"%PDF") and b"/FontFile2" in sheet.content
    assert b"/Title" in sheet.content and "mau-05" in sheet.headers["content-disposition"]
    for who in (owner, env.officer("specialist", OTHER)):
        assert (await env.client.get(f"{url}/05", headers=who)).status_code == 404
    assert (await env.client.get(f"{url}/07", headers=spec)).status_code == 404
