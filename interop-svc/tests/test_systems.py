from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from interop_svc.platform.identity import load_platform_identity
from interop_svc.settings import Settings
from interop_svc.xml import (
    SigningIdentity,
    certificate_pem,
    generate_ec_identity,
    generate_rsa_identity,
    load_certificate_pem,
)
from interop_svc.xml.keys import _self_signed
from interop_testkit import AGENCY, Env, accepted, dossier_code, status_update


async def test_schemas_and_certificate_are_public(env: Env, platform_identity: SigningIdentity) -> None:
    names = (await env.client.get("/interop/v1/schemas/")).json()
    assert names[0] == "envelope.xsd" and "status.xsd" in names
    xsd = await env.client.get("/interop/v1/schemas/envelope.xsd")
    assert xsd.status_code == 200 and b"urn:dvc:dongnai:interop:v1" in xsd.content
    assert xsd.headers["content-type"].startswith("application/xml")
    missing = await env.client.get("/interop/v1/schemas/nope.xsd")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    pem = await env.client.get("/interop/v1/certificate")
    assert load_certificate_pem(pem.content) == platform_identity.certificate
    assert pem.headers["content-type"] == "application/x-pem-file"
    # answered from memory once encoded: the same bytes again, with an ETag a repeat reader sends back for a 304
    again = await env.client.get("/interop/v1/certificate")
    assert again.content == pem.content and again.headers["etag"] == pem.headers["etag"]
    assert again.headers["content-type"] == "application/x-pem-file"
    assert again.headers["cache-control"] == "public, max-age=300"
    unchanged = await env.client.get("/interop/v1/certificate", headers={"If-None-Match": pem.headers["etag"]})
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert (await env.client.get("/interop/v1/schemas/envelope.xsd")).content == xsd.content
    assert (await env.client.get("/interop/v1/schemas/nope.xsd")).status_code == 404  # never kept


def test_dev_identity_is_generated_once_and_reused(tmp_path: Path) -> None:
    settings = Settings(database_url="postgresql://unused/x", data_dir=str(tmp_path))
    first = load_platform_identity(settings)
    again = load_platform_identity(settings)
    assert first.certificate == again.certificate
    key = tmp_path / "interop" / "signing.key.pem"
    assert key.stat().st_mode & 0o077 == 0
    files = Settings(database_url="postgresql://unused/x", signing_key_file=str(key),
                     signing_cert_file=str(tmp_path / "interop" / "signing.cert.pem"))
    assert load_platform_identity(files).certificate == first.certificate
    with pytest.raises(RuntimeError):
        load_platform_identity(Settings(database_url="postgresql://unused/x"))


async def test_register_gives_credentials_once_and_emits_hash(env: Env, system_identity: SigningIdentity) -> None:
    body = {"code": "motcua-stp", "name": "Một cửa Sở Tư pháp", "agency_code": AGENCY,
            "certificate": certificate_pem(system_identity.certificate).decode()}
    headers = {**env.admin, "Idempotency-Key": "reg-1"}
    first = await env.client.post("/api/v1/interop/systems", headers=headers, json=body)
    assert first.status_code == 201, first.text
    created = first.json()
    assert created["client_id"].startswith("onestop-") and len(created["client_secret"]) >= 32
    assert created["certificates"][0]["key_type"] == "EC-P256" and created["certificates"][0]["trusted"]
    cert = created["certificates"][0]
    times = [created["created_at"], cert["not_before"], cert["not_after"], cert["added_at"]]
    assert all(t.endswith("+07:00") for t in times), times  # docs/contract.md: Asia/Ho_Chi_Minh, never Z

    events = await env.outbox("interop.system.registered.v1")
    assert len(events) == 1
    data = events[0]["data"]
    assert data["client_id"] == created["client_id"] and data["agency_code"] == AGENCY
    assert created["client_secret"] not in events[0].__repr__()
    assert PasswordHasher().verify(data["secret_hash"], created["client_secret"])

    again = await env.client.post("/api/v1/interop/systems", headers=headers, json=body)
    assert again.status_code == 201 and again.json()["client_secret"] is None
    assert again.json()["client_id"] == created["client_id"]
    assert len(await env.outbox("interop.system.registered.v1")) == 1

    taken = await env.client.post("/api/v1/interop/systems", headers=env.admin, json=body)
    assert taken.status_code == 409


async def test_registration_needs_admin(env: Env, system_identity: SigningIdentity) -> None:
    body = {"code": "x1", "name": "x", "agency_code": AGENCY,
            "certificate": certificate_pem(system_identity.certificate).decode()}
    officer = env.tokens.header(roles=("reception",), agency_code=AGENCY)
    assert (await env.client.post("/api/v1/interop/systems", headers=officer, json=body)).status_code == 403
    assert (await env.client.post("/api/v1/interop/systems", json=body)).status_code == 401


def _weak_rsa() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    return certificate_pem(_self_signed(key, "weak", "x", 30, None)).decode()


def _p384() -> str:
    key = ec.generate_private_key(ec.SECP384R1())
    return certificate_pem(_self_signed(key, "p384", "x", 30, None)).decode()


async def test_bad_certificates_are_422_naming_the_field(env: Env) -> None:
    expired = generate_ec_identity("old", not_before=datetime.now(UTC) - timedelta(days=400), valid_days=30)
    future = generate_ec_identity("future", not_before=datetime.now(UTC) + timedelta(days=3))
    cases = {
        "rác": "PEM",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n": "X.509",
        certificate_pem(expired.certificate).decode(): "hết hạn",
        certificate_pem(future.certificate).decode(): "chưa có hiệu lực",
        _weak_rsa(): "2048",
        _p384(): "P-256",
    }
    for n, (pem, words) in enumerate(cases.items()):
        response = await env.client.post("/api/v1/interop/systems", headers=env.admin, json={
            "code": f"bad-{n}", "name": "x", "agency_code": AGENCY, "certificate": pem})
        assert response.status_code == 422, response.text
        problem = response.json()
        assert problem["errors"][0]["loc"] == ["body", "certificate"] and words in problem["detail"], problem
    wrong_agency = await env.client.post("/api/v1/interop/systems", headers=env.admin, json={
        "code": "bad-agency", "name": "x", "agency_code": "sở tư pháp", "certificate": "x"})
    assert wrong_agency.status_code == 422
    assert any(e["loc"][-1] == "agency_code" for e in wrong_agency.json()["errors"])


async def test_rotation_keeps_the_old_certificate_for_the_overlap(env: Env, system_identity: SigningIdentity) -> None:
    system = await env.register("motcua-rot", AGENCY, system_identity)
    await env.apply(accepted(dossier_code(1)))
    new_identity = generate_rsa_identity("motcua-new")
    url = f"/api/v1/interop/systems/{system.code}/certificate"
    rotated = await env.client.put(url, headers=env.admin, json={
        "certificate": certificate_pem(new_identity.certificate).decode(), "overlap_hours": 1})
    assert rotated.status_code == 200, rotated.text
    old, new = rotated.json()["certificates"]
    assert old["valid_until"] is not None and old["trusted"] and new["trusted"]

    post = {**system.headers, "Content-Type": "application/xml"}
    for identity in (system_identity, new_identity):  # both keys verify during the overlap
        response = await env.client.post("/interop/v1/messages", headers=post,
                                         content=status_update(identity, dossier_code(1)))
        assert response.status_code == 202, response.text

    # ending the overlap early: the old key stops working, the new one keeps working
    revoke_old = f"/api/v1/interop/systems/{system.code}/certificates/{old['fingerprint']}/revoke"
    assert (await env.client.post(revoke_old, headers=env.admin)).status_code == 200
    refused = await env.client.post("/interop/v1/messages", headers=post,
                                    content=status_update(system_identity, dossier_code(1)))
    assert refused.status_code == 400 and refused.json()["reason"] == "signature_invalid"
    current = f"/api/v1/interop/systems/{system.code}/certificates/{new['fingerprint']}/revoke"
    assert (await env.client.post(current, headers=env.admin)).status_code == 409

    same = await env.client.put(url, headers=env.admin, json={
        "certificate": certificate_pem(new_identity.certificate).decode()})
    assert same.status_code == 409


async def test_revoked_system_is_refused(env: Env, system_identity: SigningIdentity) -> None:
    system = await env.register("motcua-rev", AGENCY, system_identity)
    assert (await env.client.get("/interop/v1/dossiers", headers=system.headers)).status_code == 200
    revoked = await env.client.post(f"/api/v1/interop/systems/{system.code}/revoke", headers=env.admin,
                                    json={"reason": "Thay phần mềm"})
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert not any(c["trusted"] for c in revoked.json()["certificates"])
    again = await env.client.post(f"/api/v1/interop/systems/{system.code}/revoke", headers=env.admin)
    assert again.status_code == 200
    events = await env.outbox("interop.system.revoked.v1")
    assert [e["data"]["client_id"] for e in events] == [system.client_id]

    # a token issued before the revocation is still unexpired: interop refuses it anyway
    feed = await env.client.get("/interop/v1/dossiers", headers=system.headers)
    assert feed.status_code == 403 and feed.json()["type"].endswith("system-revoked")
    message = await env.client.post("/interop/v1/messages", headers=system.headers,
                                    content=status_update(system_identity, dossier_code(1)))
    assert message.status_code == 403
    assert await env.messages() == 0


async def test_tokens_must_match_a_registered_system(env: Env, system_identity: SigningIdentity) -> None:
    system = await env.register("motcua-tok", AGENCY, system_identity)
    cases = [
        env.tokens.header(roles=("reception",), agency_code=AGENCY),  # an officer, not a system
        env.system_headers("onestop-unknown", AGENCY),  # never registered
        env.system_headers(system.client_id, "000.00.99.H19"),  # agency claim differs from the registration
    ]
    for headers in cases:
        assert (await env.client.get("/interop/v1/dossiers", headers=headers)).status_code == 403
    assert (await env.client.get("/interop/v1/dossiers")).status_code == 401
