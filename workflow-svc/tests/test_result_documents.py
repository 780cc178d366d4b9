"""Result documents: a malformed reference is refused before anything else; a file named in an action is checked
with intake-svc, which keeps the files. The whole path with the real intake (own uploads pass and travel with
``workflow.dossier.result_ready.v1``, another dossier's file is a 422) is in intake-svc's
``test_file_ownership.py``; here workflow alone, whose intake does not answer."""

from __future__ import annotations

from workflow_testkit import Env


async def test_a_malformed_reference_is_422_and_an_unchecked_file_is_never_accepted(env: Env) -> None:
    spec = env.officer("specialist")
    code = await env.accept()
    await env.wait_step(code, "specialist", spec)
    bad = await env.act(code, spec, action="propose", documents=[{"name": "Dự thảo", "file_id": "f1", "sha256": "x"}])
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"][:2] == ["body", "documents"]
    draft = {"name": "Dự thảo giấy chứng nhận", "file_id": "11111111-1111-4111-8111-111111111111", "sha256": "ab" * 32}
    unchecked = await env.act(code, spec, action="propose", documents=[draft])
    assert unchecked.status_code == 503, unchecked.text  # intake cannot say whose file it is: nothing moves
    assert (await env.get(code, spec))["step"] == "specialist"
