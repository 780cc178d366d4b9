"""Who may read a dossier's files, with the real workflow-svc processing it on the same NATS (no fakes).

The leader opens the specialist's draft before approving; a partner agency of an inter-agency hand-off opens the
applicant's documents and the lead's drafts; an officer of a third agency gets 404; an inspector (``auditor``)
reads any dossier, writes nothing, and lists the read log.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts.vocabulary import VN_TZ as VN
from contracts.workflow import HandoffCompleted, HandoffRequested
from devkit import events
from devkit.testing import eventually, running
from intake_svc.access.handlers import on_processing
from intake_testkit import PDF_BYTES, Env, dossier_body

BIRTH = "1.000689.000.02.30.H19"  # liên thông khai sinh: UBND phường Trảng Dài, partners Công an tỉnh and BHXH tỉnh
LEAD, PARTNER, THIRD = "000.02.30.H19", "000.00.91.H19", "000.00.15.H19"
WORKFLOW_MIGRATIONS = Path(__file__).resolve().parents[2] / "workflow-svc" / "migrations"


@pytest.fixture
def background() -> bool:
    return True  # intake's relay and consumers run on real NATS


@pytest.fixture
async def workflow(env: Env, stack: Any, tokens: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The REAL workflow-svc, in-process on its own database and the same NATS as intake."""
    from workflow_svc.app import create_app as create_workflow
    from workflow_svc.settings import Settings as WorkflowSettings

    app = create_workflow(WorkflowSettings(
        database_url=stack.fresh_database("workflow", WORKFLOW_MIGRATIONS), nats_url=stack.nats.url,
        auth_public_key_file=str(tokens.public_key_file), auto_forward_after="200ms", timer_poll_interval=0.1),
        intake_transport=httpx.ASGITransport(app=env.app))  # workflow asks this intake whose a file is
    async with running(app) as client:
        yield client


def officer(env: Env, role: str, agency: str | None, name: str) -> dict[str, str]:
    return env.tokens.header(sub=f"{role}-{agency}-{uuid.uuid4().hex[:6]}", username=f"{role}.{agency}",
                             roles=(role,), agency_code=agency, name=name)


async def act(wf: httpx.AsyncClient, code: str, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    r = await wf.post(f"/api/v1/workflow/dossiers/{code}/actions", json=body, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def status_of(env: Env, url: str, headers: dict[str, str]) -> int:
    return (await env.client.get(url, headers=headers)).status_code


async def test_everyone_processing_reads_every_file_others_get_404_and_reads_are_logged(
        env: Env, workflow: httpx.AsyncClient) -> None:
    citizen = env.citizen()
    files = [await env.upload(citizen, PDF_BYTES + uuid.uuid4().bytes, f"tp{i}.pdf") for i in range(1, 5)]
    body = dossier_body([(f"TP{i}", f) for i, f in enumerate(files, 1)], procedure_code=BIRTH)
    r = await env.client.post("/api/v1/dossiers", json=body, headers=citizen)
    assert r.status_code == 201, r.text
    code, applicant_doc = r.json()["code"], f"/api/v1/files/{files[0]}"
    desk = officer(env, "reception", LEAD, "Lê Thị Một Cửa")
    r = await env.client.post(f"/api/v1/dossiers/{code}/reception", headers=desk, json={"decision": "accept"})
    assert r.status_code == 200, r.text

    specialist = officer(env, "specialist", LEAD, "Phạm Chuyên Viên")
    leader = officer(env, "leader", LEAD, "Võ Lãnh Đạo")
    partner = officer(env, "specialist", PARTNER, "Trung úy Công An")
    stranger = officer(env, "specialist", THIRD, "Cán bộ Sở Tư pháp")
    auditor = officer(env, "auditor", "000.00.00.H19", "Thanh tra Tỉnh")

    async def at_step(step: str) -> bool:
        r = await workflow.get(f"/api/v1/workflow/dossiers/{code}", headers=specialist)
        return r.status_code == 200 and r.json()["step"] == step

    await eventually(lambda: at_step("specialist"), timeout=30, interval=0.1)
    await act(workflow, code, specialist, action="claim")
    # before any hand-off the partner agency does not know the dossier
    assert await status_of(env, f"/api/v1/dossiers/{code}", partner) == 404
    assert await status_of(env, applicant_doc, partner) == 404
    await act(workflow, code, specialist, action="handoff", target_agency=PARTNER, comment="Đăng ký thường trú")

    async def partner_reads() -> bool:
        return await status_of(env, applicant_doc, partner) == 200

    await eventually(partner_reads, timeout=30, interval=0.1)
    assert await status_of(env, f"/api/v1/dossiers/{code}", partner) == 200
    answer = await env.upload(partner, PDF_BYTES + b"xac-nhan-cu-tru", "xac-nhan-cu-tru.pdf")
    await act(workflow, code, partner, action="accept_handoff")
    await act(workflow, code, partner, action="complete_handoff", comment="Đã đăng ký thường trú",
              documents=[{"name": "Xác nhận thông tin cư trú", "file_id": answer}])

    await eventually(lambda: at_step("specialist"), timeout=30, interval=0.1)
    # the lead agency opens the partner's answer
    await eventually(lambda: _is(env, f"/api/v1/files/{answer}", specialist, 200), timeout=30, interval=0.1)
    draft = await env.upload(specialist, PDF_BYTES + b"du-thao-giay-khai-sinh", "du-thao.pdf")
    assert await status_of(env, f"/api/v1/files/{draft}", leader) == 404  # nobody attached it yet
    await act(workflow, code, specialist, action="claim")
    await act(workflow, code, specialist, action="propose", comment="Đề nghị cấp",
              documents=[{"name": "Dự thảo Giấy khai sinh", "file_id": draft}])
    # the leader opens the draft before approving; so does the partner agency (it took part)
    await eventually(lambda: _is(env, f"/api/v1/files/{draft}", leader, 200), timeout=30, interval=0.1)
    downloaded = await env.client.get(f"/api/v1/files/{draft}", headers=leader)
    assert downloaded.content == PDF_BYTES + b"du-thao-giay-khai-sinh"
    assert await status_of(env, f"/api/v1/files/{draft}", partner) == 200
    # an officer of an uninvolved agency: neither the dossier nor any of its files exist for them
    for url in (f"/api/v1/dossiers/{code}", f"/api/v1/dossiers/{code}/history", applicant_doc,
                f"/api/v1/files/{draft}", f"/api/v1/files/{answer}"):
        assert await status_of(env, url, stranger) == 404, url

    # the inspector reads anything of the province, and writes nothing
    assert (await env.client.get(f"/api/v1/dossiers/{code}", headers=auditor)).json()["applicant"]["id_number"] \
        == "075090001234"
    assert await status_of(env, f"/api/v1/dossiers/{code}/history", auditor) == 200
    assert await status_of(env, applicant_doc, auditor) == 200
    assert await status_of(env, f"/api/v1/files/{draft}", auditor) == 200
    for url, payload in ((f"/api/v1/dossiers/{code}/reception", {"decision": "accept"}),
                         (f"/api/v1/dossiers/{code}/delivery", {"method": "counter"}),
                         (f"/api/v1/dossiers/{code}/withdraw", {"reason": "x"})):
        assert (await env.client.post(url, json=payload, headers=auditor)).status_code == 403, url
    upload = await env.client.post("/api/v1/files", headers=auditor, files={"file": ("x.pdf", PDF_BYTES)})
    assert upload.status_code == 403 and upload.headers["content-type"].startswith("application/problem+json")
    assert (await workflow.post(f"/api/v1/workflow/dossiers/{code}/actions", json={"action": "approve"},
                                headers=auditor)).status_code in (403, 404)

    # the read log: who read which personal data or document, when; the applicant's own reads are not in it
    assert await status_of(env, f"/api/v1/dossiers/{code}", citizen) == 200
    assert await status_of(env, applicant_doc, citizen) == 200
    r = await env.client.get("/api/v1/audit/reads", params={"dossier": code, "size": 100}, headers=auditor)
    assert r.status_code == 200, r.text
    page = r.json()
    reads = page["items"]
    assert page["total"] == len(reads) and page["page"] == 1
    seen = {(e["actor_name"], e["what"], e["file_id"]) for e in reads}
    assert ("Võ Lãnh Đạo", "file", draft) in seen
    assert ("Trung úy Công An", "file", files[0]) in seen and ("Trung úy Công An", "dossier", None) in seen
    assert ("Thanh tra Tỉnh", "dossier", None) in seen and ("Thanh tra Tỉnh", "file", files[0]) in seen
    assert all(e["actor_name"] not in ("Nguyễn Văn An", "Cán bộ Sở Tư pháp") for e in reads)
    by_partner = next(e for e in reads if e["actor_name"] == "Trung úy Công An")
    assert by_partner["agency_code"] == PARTNER and by_partner["role"] == "specialist"
    assert by_partner["dossier_code"] == code and by_partner["at"].endswith("+07:00")
    assert [e["at"] for e in reads] == sorted((e["at"] for e in reads), reverse=True)  # newest first
    paged = (await env.client.get("/api/v1/audit/reads", params={"dossier": code, "size": 2, "page": 2},
                                  headers=auditor)).json()
    assert paged["total"] == page["total"] and paged["items"] == reads[2:4]
    # only inspectors and administrators list it
    assert (await env.client.get("/api/v1/audit/reads", params={"dossier": code}, headers=leader)).status_code == 403
    admin = env.tokens.header(sub="admin-1", roles=("admin",))
    assert (await env.client.get("/api/v1/audit/reads", params={"dossier": code}, headers=admin)).status_code == 200
    # the log is append-only
    with pytest.raises(Exception, match="append-only"):
        await env.sql("DELETE FROM dossier_reads")


async def _is(env: Env, url: str, headers: dict[str, str], status: int) -> bool:
    return await status_of(env, url, headers) == status


async def _handle(env: Env, payload: Any) -> None:
    event = events.event(payload)
    async with env.app.state.sessionmaker() as session, session.begin():
        await on_processing(event, session)


@pytest.mark.parametrize("outcome", ["refused", "recalled"])
async def test_a_partner_that_refused_or_was_recalled_reads_nothing(env: Env, outcome: str) -> None:
    citizen, desk = env.citizen(), env.reception()
    code = (await env.submit(citizen)).json()["code"]
    assert (await env.client.post(f"/api/v1/dossiers/{code}/reception", headers=desk,
                                  json={"decision": "accept"})).status_code == 200
    first = (await env.client.get(f"/api/v1/dossiers/{code}", headers=citizen)).json()["documents"][0]
    # what a client needs to show the document inline (PDF, image) or offer it for download
    assert first["media_type"] == "application/pdf" and first["size"] > 0
    doc = first["file_id"]
    partner = officer(env, "specialist", PARTNER, "Cán bộ phối hợp")
    at = datetime(2026, 12, 1, 9, 0, tzinfo=VN)
    common = {"code": code, "procedure_code": "x", "agency_code": "000.00.15.H19", "at": at}
    requested = HandoffRequested(**common, target_agency=PARTNER, handoff_id="h-1")
    await _handle(env, requested)
    assert await status_of(env, f"/api/v1/files/{doc}", partner) == 200
    await _handle(env, HandoffCompleted(**common, target_agency=PARTNER, handoff_id="h-1", outcome=outcome))
    assert await status_of(env, f"/api/v1/files/{doc}", partner) == 404
    assert await status_of(env, f"/api/v1/dossiers/{code}", partner) == 404
    await _handle(env, requested)  # the same request delivered again changes nothing
    assert await status_of(env, f"/api/v1/dossiers/{code}", partner) == 404
    # an outcome of another hand-off does not touch this one; a new hand-off opens the dossier again
    await _handle(env, HandoffRequested(**common, target_agency=PARTNER, handoff_id="h-2"))
    await _handle(env, HandoffCompleted(**common, target_agency=PARTNER, handoff_id="h-1", outcome="refused"))
    assert await status_of(env, f"/api/v1/dossiers/{code}", partner) == 200


async def test_a_result_naming_a_file_of_another_dossier_or_applicant_is_422(
        env: Env, workflow: httpx.AsyncClient) -> None:
    """The leak of issue 18: an officer attached one citizen's private upload to another's result."""
    first, second = env.citizen("citizen-a", "Nguyễn Văn An"), env.citizen("citizen-b", "Trần Thị Bình")
    code = (await env.submit(first)).json()["code"]
    other = (await env.submit(second)).json()["code"]
    other_doc = (await env.client.get(f"/api/v1/dossiers/{other}", headers=second)).json()["documents"][0]["file_id"]
    private = await env.upload(second, PDF_BYTES + b"ban-rieng", "rieng-tu.pdf")  # in no dossier at all
    desk = officer(env, "reception", "000.00.15.H19", "Lê Thị Một Cửa")
    for c in (code, other):
        r = await env.client.post(f"/api/v1/dossiers/{c}/reception", headers=desk, json={"decision": "accept"})
        assert r.status_code == 200, r.text
    specialist = officer(env, "specialist", "000.00.15.H19", "Phạm Chuyên Viên")
    colleague = officer(env, "specialist", "000.00.15.H19", "Đỗ Đồng Nghiệp")

    async def at_step(step: str) -> bool:
        r = await workflow.get(f"/api/v1/workflow/dossiers/{code}", headers=specialist)
        return r.status_code == 200 and r.json()["step"] == step

    await eventually(lambda: at_step("specialist"), timeout=30, interval=0.1)
    await act(workflow, code, specialist, action="claim")
    theirs = await env.upload(colleague, PDF_BYTES + b"cua-dong-nghiep", "khac.pdf")
    for file_id, why in ((other_doc, "another dossier's document"), (private, "another applicant's private upload"),
                         (theirs, "someone else's upload"), (str(uuid.uuid4()), "no such file")):
        r = await workflow.post(f"/api/v1/workflow/dossiers/{code}/actions", headers=specialist, json={
            "action": "propose", "documents": [{"name": "Dự thảo", "file_id": file_id}]})
        assert r.status_code == 422, (why, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["errors"][0]["loc"] == ["body", "documents", 0, "file_id"], why
    assert await at_step("specialist")  # nothing moved

    # the applicant's own document of this dossier and the officer's own new upload pass
    own_doc = (await env.client.get(f"/api/v1/dossiers/{code}", headers=first)).json()["documents"][0]["file_id"]
    draft = await env.upload(specialist, PDF_BYTES + b"du-thao-ket-qua", "du-thao.pdf")
    r = await workflow.post(f"/api/v1/workflow/dossiers/{code}/actions", headers=specialist, json={
        "action": "propose", "documents": [{"name": "Dự thảo kết quả", "file_id": draft},
                                           {"name": "Tờ khai", "file_id": own_doc},
                                           {"name": "Của người khác", "file_id": other_doc}]})
    assert r.status_code == 422 and [e["loc"][2] for e in r.json()["errors"]] == [2]
    r = await workflow.post(f"/api/v1/workflow/dossiers/{code}/actions", headers=specialist, json={
        "action": "propose", "documents": [{"name": "Dự thảo kết quả", "file_id": draft},
                                           {"name": "Tờ khai", "file_id": own_doc}]})
    assert r.status_code == 200, r.text
    # once it went with this dossier, the draft cannot go with the other one
    await eventually(lambda: _is(env, f"/api/v1/files/{draft}", officer(env, "leader", "000.00.15.H19", "x"), 200),
                     timeout=30, interval=0.1)
    async with env.app.state.sessionmaker() as session:
        from intake_svc.access.policy import AccessPolicy

        assert await AccessPolicy(session).attachable_to(specialist_principal(env, specialist), other, [draft]) \
            == {draft: "Tệp đã thuộc một hồ sơ khác."}


def specialist_principal(env: Env, headers: dict[str, str]) -> Any:
    token = headers["Authorization"].split(" ", 1)[1]
    return env.app.state.token_verifier.verify(token)
