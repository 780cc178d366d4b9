"""Result documents for online return: the file ids and sha256 of the PDFs uploaded to intake
travel with ``workflow.dossier.result_ready.v1``; intake signs and releases them."""

from __future__ import annotations

from workflow_testkit import Env

SHA = "ab" * 32


async def test_result_documents_carry_file_id_and_sha256(env: Env) -> None:
    spec, leader = env.officer("specialist"), env.officer("leader")
    code = await env.accept()
    await env.wait_step(code, "specialist", spec)
    bad = await env.act(code, spec, action="propose", documents=[{"name": "Dự thảo", "file_id": "f1", "sha256": "x"}])
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"][:2] == ["body", "documents"]
    draft = {"name": "Dự thảo giấy chứng nhận", "file_id": "11111111-1111-4111-8111-111111111111", "sha256": SHA}
    assert (await env.act(code, spec, action="propose", documents=[draft])).status_code == 200
    # the leader signs off a corrected final version: it replaces the draft
    final = {"name": "Giấy chứng nhận", "file_id": "22222222-2222-4222-8222-222222222222", "sha256": "cd" * 32,
             "kind": "result"}
    r = await env.act(code, leader, action="approve", documents=[final])
    assert r.status_code == 200, r.text
    [event] = await env.events("workflow.dossier.result_ready.v1", code)
    assert event["data"]["result_documents"] == [final]
