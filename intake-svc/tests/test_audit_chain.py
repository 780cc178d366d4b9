"""The hash-chained audit log of intake-svc: every action on a dossier and every read of an applicant's data is
chained; a row changed behind the application's back (even with the append-only trigger switched off by a
superuser) is reported, by ``GET /audit/verify`` and by ``python -m intake_svc audit-verify`` on a real process."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from intake_testkit import Env
from servicekit import audit


async def _tamper(env: Env, query: str, **params: Any) -> None:
    """As a superuser with database access would: triggers off for this session only, then the change."""
    from sqlalchemy import text

    async with env.app.state.sessionmaker() as session, session.begin():
        await session.execute(text("SET LOCAL session_replication_role = replica"))
        await session.execute(text(query), params)


async def _filed_and_read(env: Env) -> str:
    citizen = env.citizen()
    resp = await env.submit(citizen)
    assert resp.status_code == 201, resp.text
    code = str(resp.json()["code"])
    desk = env.reception()
    assert (await env.client.get(f"/api/v1/dossiers/{code}", headers=desk)).status_code == 200  # a read, logged
    accepted = await env.client.post(f"/api/v1/dossiers/{code}/reception", headers=desk,
                                     json={"decision": "accept", "note": "Hồ sơ đầy đủ"})
    assert accepted.status_code == 200, accepted.text
    return code


def _auditor(env: Env) -> dict[str, str]:
    return env.tokens.header(sub="thanhtra", username="thanhtra", roles=("auditor",), agency_code="000.00.00.H19")


async def test_a_changed_dossier_action_row_is_reported(env: Env) -> None:
    code = await _filed_and_read(env)
    ok = await env.client.get("/audit/verify", headers=_auditor(env))
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert body["valid"] is True and "first_broken" not in body
    kinds = dict(await env.sql("SELECT kind, count(*) FROM kit_audit GROUP BY kind"))
    assert kinds["dossier_action"] >= 2 and kinds["personal_data_read"] >= 1
    assert body["entries"] == sum(kinds.values())
    # who may ask: admin and auditor only
    assert (await env.client.get("/audit/verify", headers=env.reception())).status_code == 403

    [(action_id,)] = await env.sql(
        "SELECT a.id FROM dossier_actions a JOIN dossiers d ON d.id = a.dossier_id "
        "WHERE d.code = :code AND a.action = 'accept'", code=code)
    await _tamper(env, "UPDATE dossier_actions SET note = 'Hồ sơ thiếu' WHERE id = :id", id=action_id)

    broken = (await env.client.get("/audit/verify", headers=_auditor(env))).json()
    assert broken["valid"] is False
    assert broken["first_broken"]["kind"] == "dossier_action"
    assert broken["first_broken"]["ref"] == str(action_id)
    assert broken["first_broken"]["reason"] == "row changed"

    # the same from the command line, on a real process reading the service's database
    proc = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "intake_svc", "audit-verify"],
        env={**os.environ, "INTAKE_DATABASE_URL": env.app.state.settings.database_url, "DVC_DEMO": "0"},
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["valid"] is False and out["first_broken"]["ref"] == str(action_id)


async def test_a_deleted_read_an_unchained_row_and_a_rewritten_entry_are_reported(env: Env) -> None:
    code = await _filed_and_read(env)
    [(read_id,)] = await env.sql("SELECT max(id) FROM dossier_reads WHERE dossier_code = :c", c=code)
    await _tamper(env, "DELETE FROM dossier_reads WHERE id = :id", id=read_id)
    async with env.app.state.sessionmaker() as session:
        result = await audit.verify(session)
    assert result.first_broken is not None
    assert (result.first_broken["kind"], result.first_broken["reason"]) == ("personal_data_read", "row deleted")


async def test_a_chain_rewritten_by_hand_no_longer_matches_its_signed_head(env: Env) -> None:
    await _filed_and_read(env)
    key = Ed25519PrivateKey.generate()
    async with env.app.state.sessionmaker() as session, session.begin():
        signed = await audit.anchor(session, key, service="intake-svc")
    assert signed is not None
    async with env.app.state.sessionmaker() as session:
        result = await audit.verify(session, [key.public_key()], service="intake-svc")
    assert result.valid and result.anchors == 1

    # someone with database access changes an action and recomputes every digest and hash after it
    [(first_action,)] = await env.sql("SELECT min(id) FROM dossier_actions")
    await _tamper(env, "UPDATE dossier_actions SET note = 'sửa' WHERE id = :id", id=first_action)
    async with env.app.state.sessionmaker() as session, session.begin():
        await _rechain(session)
    async with env.app.state.sessionmaker() as session:
        rewritten = await audit.verify(session, [key.public_key()], service="intake-svc")
    assert rewritten.valid is False
    assert rewritten.first_broken is not None
    assert rewritten.first_broken["reason"] == "signed head does not match the chain"


async def _rechain(session: Any) -> None:
    from sqlalchemy import select, update

    from servicekit.audit import _KINDS, GENESIS, AuditEntry, link_hash, row_digest

    prev = GENESIS
    for e in list(await session.scalars(select(AuditEntry).order_by(AuditEntry.seq))):
        kind = _KINDS[e.kind]
        row = await session.get(kind.cls, audit._typed_ref(getattr(kind.cls, kind.pk), e.ref))
        digest = row_digest(kind, row)
        h = link_hash(prev, e.seq, e.kind, e.ref, digest)
        await session.execute(update(AuditEntry).where(AuditEntry.seq == e.seq).values(
            digest=digest, prev_hash=prev, hash=h))
        prev = h


def test_the_audit_module_is_where_the_service_registers_its_facts() -> None:
    import intake_svc.app  # noqa: F401  (imports every model)

    assert {"dossier_action", "personal_data_read"} <= set(audit._KINDS)
