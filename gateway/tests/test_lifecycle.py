"""Identity life cycle and throttling, through the gateway app on its real PostgreSQL (and, for the proxied
calls, a real upstream HTTP server standing for a service)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pyotp
import pytest
from fastapi import FastAPI, Request
from sqlalchemy import text

from devkit.testing import running, serving
from gateway.app import create_app
from gateway.settings import Settings
from servicekit.db import make_engine

TOKEN = "/api/v1/auth/token"


def upstream_app() -> FastAPI:
    """A service behind the gateway that trusts any bearer token it gets (so only the gateway can refuse)."""
    app = FastAPI()

    @app.get("/api/v1/dossiers")
    async def dossiers(request: Request) -> dict[str, Any]:
        return {"auth": request.headers.get("authorization") is not None, "xff": request.headers.get("x-forwarded-for")}

    @app.get("/api/v1/tracking/{code}")
    async def tracking(code: str) -> dict[str, str]:
        return {"code": code}

    @app.get("/api/v1/catalog/procedures")
    async def search(q: str = "") -> dict[str, Any]:
        return {"items": [], "q": q}

    @app.post("/api/v1/files", status_code=201)
    async def upload(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    return app


@pytest.fixture
async def upstream() -> AsyncIterator[str]:
    async with serving(upstream_app()) as url:
        yield url


@pytest.fixture
async def gw(gateway_settings: Settings, upstream: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = gateway_settings.model_copy(update={"intake_url": upstream, "rate_tracking_per_minute": 5,
                                                   "revocation_poll_seconds": 0.2})
    async with running(create_app(settings)) as c:
        yield c


async def register(c: httpx.AsyncClient, username: str, n: int, **extra: str) -> dict[str, Any]:
    body = {"username": username, "password": "CongDan@2026", "full_name": "Nguyễn Văn Thử",
            "id_number": f"0751{n:08d}", "phone": f"09{n:08d}", "email": f"{username}@example.vn", **extra}
    r = await c.post("/api/v1/auth/register", json=body)
    assert r.status_code == 201, r.text
    return body


async def grant(c: httpx.AsyncClient, username: str, password: str, **extra: str) -> httpx.Response:
    return await c.post(TOKEN, data={"grant_type": "password", "username": username, "password": password, **extra})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def outbox(settings: Settings, event_type: str) -> list[dict[str, Any]]:
    engine = make_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT body FROM kit_outbox ORDER BY seq"))).scalars().all()
    finally:
        await engine.dispose()
    events = [json.loads(r) for r in rows]
    return [e["data"] for e in events if e["type"] == event_type]


async def test_sixty_citizens_log_in_from_one_address(gw: httpx.AsyncClient) -> None:
    """Behind a province's proxy every citizen has one address: successes are never counted."""
    for i in range(60):
        await register(gw, f"dan.{i:02d}", 100 + i)
    answers = await asyncio.gather(*(grant(gw, f"dan.{i:02d}", "CongDan@2026") for i in range(60)))
    assert [r.status_code for r in answers] == [200] * 60
    assert all(r.json()["refresh_token"] for r in answers)


async def test_wrong_passwords_are_throttled_per_account_whatever_the_forwarded_address(
    gw: httpx.AsyncClient, gateway_settings: Settings
) -> None:
    await register(gw, "nan.nhan", 1)
    await register(gw, "hang.xom", 2)
    statuses = []
    for i in range(40):
        r = await gw.post(TOKEN, data={"grant_type": "password", "username": "nan.nhan", "password": f"Sai@{i:04d}"},
                          headers={"X-Forwarded-For": f"203.0.113.{i + 1}"})
        statuses.append(r.status_code)
        if r.status_code == 429:
            assert int(r.headers["Retry-After"]) >= 1
            assert r.headers["content-type"].startswith("application/problem+json")
            assert "thử lại sau" in r.json()["detail"]
    assert statuses[:5] == [401] * 5  # a few free failures
    # after that, each failure doubles the wait (1 s, 2 s, 4 s…): only a handful more are even tried
    assert statuses.count(401) <= 12 and statuses.count(429) >= 28, statuses
    # the right password is refused too while the account waits: guessing learns nothing. On a loaded machine the
    # burst may outlast its last wait: fail on until a wait of some seconds is certain, then ask at once
    for i in range(40, 60):
        r = await gw.post(TOKEN, data={"grant_type": "password", "username": "nan.nhan", "password": f"Sai@{i:04d}"})
        if r.status_code == 429 and int(r.headers["Retry-After"]) >= 4:
            break
        if r.status_code == 429:
            await asyncio.sleep(int(r.headers["Retry-After"]))
    r = await grant(gw, "nan.nhan", "CongDan@2026")
    assert r.status_code == 429
    # meanwhile another account logs in, from the same addresses
    r = await gw.post(TOKEN, data={"grant_type": "password", "username": "hang.xom", "password": "CongDan@2026"},
                      headers={"X-Forwarded-For": "203.0.113.1"})
    assert r.status_code == 200
    # the owner is told once for the burst (notify-svc sends the email)
    [notice] = await outbox(gateway_settings, "gateway.user.login_throttled.v1")
    assert notice["username"] == "nan.nhan" and notice["email"] == "nan.nhan@example.vn" and notice["failures"] == 6


async def test_failures_per_address_have_their_own_higher_limit(gateway_settings: Settings, upstream: str) -> None:
    settings = gateway_settings.model_copy(update={"login_address_failures": 8})
    async with running(create_app(settings)) as c:
        for i in range(8):
            r = await c.post(TOKEN, data={"grant_type": "password", "username": f"ko.co.{i}", "password": "Sai@12345"},
                             headers={"X-Forwarded-For": "198.51.100.7"})
            assert r.status_code == 401
        r = await c.post(TOKEN, data={"grant_type": "password", "username": "khac.nua", "password": "Sai@12345"},
                         headers={"X-Forwarded-For": "198.51.100.7"})
        assert r.status_code == 429 and "địa chỉ" in r.json()["detail"]
        # another address is not concerned
        r = await c.post(TOKEN, data={"grant_type": "password", "username": "khac.nua", "password": "Sai@12345"},
                         headers={"X-Forwarded-For": "198.51.100.8"})
        assert r.status_code == 401


async def test_forwarded_for_is_believed_only_from_a_trusted_proxy(gateway_settings: Settings) -> None:
    settings = gateway_settings.model_copy(update={"trusted_proxies": [], "login_address_failures": 3})
    async with running(create_app(settings)) as c:
        for i in range(3):
            r = await c.post(TOKEN, data={"grant_type": "password", "username": f"x{i}.y", "password": "Sai@12345"},
                             headers={"X-Forwarded-For": f"192.0.2.{i}"})
            assert r.status_code == 401
        # every attempt came from the test client's own address, whatever the header said
        r = await c.post(TOKEN, data={"grant_type": "password", "username": "x9.y", "password": "Sai@12345"},
                         headers={"X-Forwarded-For": "192.0.2.99"})
        assert r.status_code == 429


async def test_public_calls_are_limited_per_address(gw: httpx.AsyncClient) -> None:
    ok = [await gw.get("/api/v1/tracking/ABC", headers={"X-Forwarded-For": "203.0.113.50"}) for _ in range(5)]
    assert [r.status_code for r in ok] == [200] * 5
    r = await gw.get("/api/v1/tracking/ABC", headers={"X-Forwarded-For": "203.0.113.50"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert r.headers["content-type"] == "application/problem+json"
    r = await gw.get("/api/v1/tracking/ABC", headers={"X-Forwarded-For": "203.0.113.51"})
    assert r.status_code == 200


async def test_tracking_limit_is_shared_by_the_replicas(gateway_settings: Settings, upstream: str) -> None:
    """Guessing tracking codes gains nothing from more gateway replicas: they count in the same PostgreSQL row."""
    settings = gateway_settings.model_copy(update={"intake_url": upstream, "rate_tracking_per_minute": 4})
    me = {"X-Forwarded-For": "203.0.113.60"}
    async with running(create_app(settings)) as one, running(create_app(settings)) as two:
        statuses = [(await (one if i % 2 else two).get("/api/v1/tracking/ABC", headers=me)).status_code
                    for i in range(6)]
    assert statuses == [200] * 4 + [429] * 2


async def test_search_and_uploads_are_limited_per_address_in_each_replica(
    gateway_settings: Settings, upstream: str
) -> None:
    """The hot calls are counted in the replica's memory (no shared row updated by every search): the limit holds
    per address, and each replica counts its own."""
    settings = gateway_settings.model_copy(update={"catalog_url": upstream, "intake_url": upstream,
                                                   "rate_search_per_minute": 5, "rate_upload_per_minute": 3})
    me, other = {"X-Forwarded-For": "203.0.113.70"}, {"X-Forwarded-For": "203.0.113.71"}
    search = "/api/v1/catalog/procedures?q=ket%20hon"
    async with running(create_app(settings)) as one, running(create_app(settings)) as two:
        assert [(await one.get(search, headers=me)).status_code for _ in range(5)] == [200] * 5
        r = await one.get(search, headers=me)
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
        assert r.headers["content-type"] == "application/problem+json" and "thử lại sau" in r.json()["detail"]
        assert (await one.get(search, headers=other)).status_code == 200
        assert (await two.get(search, headers=me)).status_code == 200  # another replica: its own count
        # uploads have their own count, the search's does not use it up
        files = {"file": ("a.pdf", b"%PDF-1.4 test", "application/pdf")}
        assert [(await one.post("/api/v1/files", files=files, headers=me)).status_code for _ in range(4)] == \
            [201] * 3 + [429]


async def refused(gw: httpx.AsyncClient, access_token: str, within: float = 10.0) -> bool:
    """The gateway refuses a revoked session's access token soon (each replica reloads the revocations every
    few seconds; the requirement is within a minute)."""
    deadline = time.monotonic() + within
    while (await gw.get("/api/v1/auth/me", headers=bearer(access_token))).status_code != 401:
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.2)
    return True


async def test_refresh_tokens_rotate_and_a_reused_one_ends_the_session(gw: httpx.AsyncClient) -> None:
    await register(gw, "xoay.vong", 3)
    first = (await grant(gw, "xoay.vong", "CongDan@2026")).json()
    r = await gw.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    assert r.status_code == 200, r.text
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (await gw.get("/api/v1/auth/me", headers=bearer(second["access_token"]))).status_code == 200
    # the first refresh token again: someone copied it; the whole session ends
    r = await gw.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    assert r.status_code == 401
    r = await gw.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": second["refresh_token"]})
    assert r.status_code == 401
    assert await refused(gw, second["access_token"])


async def test_logout_ends_the_refresh_token_and_the_access_token(gw: httpx.AsyncClient) -> None:
    await register(gw, "ra.ve", 4)
    tok = (await grant(gw, "ra.ve", "CongDan@2026")).json()
    other = (await grant(gw, "ra.ve", "CongDan@2026")).json()  # another device
    assert (await gw.post("/api/v1/auth/logout", headers=bearer(tok["access_token"]))).status_code == 204
    assert await refused(gw, tok["access_token"])
    assert (await gw.get("/api/v1/dossiers", headers=bearer(tok["access_token"]))).status_code == 401
    r = await gw.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": tok["refresh_token"]})
    assert r.status_code == 401
    # the other device's session goes on
    assert (await gw.get("/api/v1/dossiers", headers=bearer(other["access_token"]))).status_code == 200


async def test_a_disabled_users_tokens_are_refused_everywhere_and_re_enabling_restores(
    gw: httpx.AsyncClient, login
) -> None:
    await register(gw, "bi.khoa", 5)
    tok = (await grant(gw, "bi.khoa", "CongDan@2026")).json()
    assert (await gw.get("/api/v1/dossiers", headers=bearer(tok["access_token"]))).status_code == 200
    admin = bearer(await login(gw, "admin", "Admin@Test2026"))
    r = await gw.patch("/api/v1/admin/users/bi.khoa", json={"active": False}, headers=admin)
    assert r.status_code == 200 and r.json()["active"] is False
    # the gateway's own calls and every proxied call refuse it; the refresh token is dead; no new login
    assert (await gw.get("/api/v1/auth/me", headers=bearer(tok["access_token"]))).status_code == 401
    r = await gw.get("/api/v1/dossiers", headers=bearer(tok["access_token"]))
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    r = await gw.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": tok["refresh_token"]})
    assert r.status_code == 401
    assert (await grant(gw, "bi.khoa", "CongDan@2026")).status_code == 401
    r = await gw.patch("/api/v1/admin/users/bi.khoa", json={"active": True}, headers=admin)
    assert r.status_code == 200 and r.json()["active"] is True
    fresh = (await grant(gw, "bi.khoa", "CongDan@2026")).json()
    assert (await gw.get("/api/v1/dossiers", headers=bearer(fresh["access_token"]))).status_code == 200


async def test_another_replica_learns_the_revocation_from_the_database(
    gateway_settings: Settings, upstream: str, login
) -> None:
    settings = gateway_settings.model_copy(update={"intake_url": upstream, "revocation_poll_seconds": 0.2})
    async with running(create_app(settings)) as a, running(create_app(settings)) as b:
        await register(a, "hai.noi", 6)
        tok = (await grant(a, "hai.noi", "CongDan@2026")).json()
        assert (await b.get("/api/v1/dossiers", headers=bearer(tok["access_token"]))).status_code == 200
        admin = bearer(await login(a, "admin", "Admin@Test2026"))
        assert (await a.patch("/api/v1/admin/users/hai.noi", json={"active": False}, headers=admin)).status_code == 200

        async def refused_by_b() -> bool:
            r = await b.get("/api/v1/dossiers", headers=bearer(tok["access_token"]))
            return r.status_code == 401

        from devkit.testing import eventually

        await eventually(refused_by_b, timeout=30)


async def test_password_change_ends_every_session(gw: httpx.AsyncClient) -> None:
    await register(gw, "doi.mk", 7)
    tok = (await grant(gw, "doi.mk", "CongDan@2026")).json()
    h = bearer(tok["access_token"])
    r = await gw.post("/api/v1/auth/password", json={"current_password": "Sai@mk2026", "new_password": "MoiHon@2027"},
                      headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "current_password"]
    r = await gw.post("/api/v1/auth/password", json={"current_password": "CongDan@2026", "new_password": "password123"},
                      headers=h)
    assert r.status_code == 422 and "phổ biến" in r.json()["errors"][0]["msg"]
    r = await gw.post("/api/v1/auth/password", json={"current_password": "CongDan@2026", "new_password": "MoiHon@2027"},
                      headers=h)
    assert r.status_code == 204
    assert (await gw.get("/api/v1/auth/me", headers=h)).status_code == 401
    r = await gw.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": tok["refresh_token"]})
    assert r.status_code == 401
    assert (await grant(gw, "doi.mk", "CongDan@2026")).status_code == 401
    assert (await grant(gw, "doi.mk", "MoiHon@2027")).status_code == 200


async def test_a_reset_code_works_once(gw: httpx.AsyncClient, gateway_settings: Settings) -> None:
    await register(gw, "quen.mk", 8)
    tok = (await grant(gw, "quen.mk", "CongDan@2026")).json()
    # unknown accounts are answered alike
    r = await gw.post("/api/v1/auth/password-reset", json={"username": "khong.ton.tai"})
    assert r.status_code == 202
    r = await gw.post("/api/v1/auth/password-reset", json={"username": "quen.mk"})
    assert r.status_code == 202
    [sent] = await outbox(gateway_settings, "gateway.user.code_issued.v1")
    assert sent["channel"] == "email" and sent["email"] == "quen.mk@example.vn" and sent["phone"] is None
    code = sent["code"]
    wrong = "000000" if code != "000000" else "111111"
    body = {"username": "quen.mk", "code": wrong, "new_password": "DatLai@2027"}
    r = await gw.post("/api/v1/auth/password-reset/confirm", json=body)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "code"]
    r = await gw.post("/api/v1/auth/password-reset/confirm", json={**body, "code": code})
    assert r.status_code == 204, r.text
    assert (await grant(gw, "quen.mk", "DatLai@2027")).status_code == 200
    assert (await gw.get("/api/v1/auth/me", headers=bearer(tok["access_token"]))).status_code == 401
    # the same code a second time: refused
    r = await gw.post("/api/v1/auth/password-reset/confirm", json={**body, "code": code, "new_password": "LanHai@2028"})
    assert r.status_code == 422
    assert (await grant(gw, "quen.mk", "LanHai@2028")).status_code == 401


async def test_a_code_allows_five_tries(gw: httpx.AsyncClient, gateway_settings: Settings) -> None:
    await register(gw, "doan.ma", 9)
    await gw.post("/api/v1/auth/password-reset", json={"username": "doan.ma"})
    [sent] = await outbox(gateway_settings, "gateway.user.code_issued.v1")
    wrong = [f"{i:06d}" for i in range(10) if f"{i:06d}" != sent["code"]][:5]
    for w in wrong:
        r = await gw.post("/api/v1/auth/password-reset/confirm",
                          json={"username": "doan.ma", "code": w, "new_password": "DatLai@2027"})
        assert r.status_code == 422
    r = await gw.post("/api/v1/auth/password-reset/confirm",
                      json={"username": "doan.ma", "code": sent["code"], "new_password": "DatLai@2027"})
    assert r.status_code == 422


async def test_email_verification_by_code(gw: httpx.AsyncClient, gateway_settings: Settings) -> None:
    await register(gw, "xac.minh", 10)
    h = bearer((await grant(gw, "xac.minh", "CongDan@2026")).json()["access_token"])
    r = await gw.post("/api/v1/auth/verify", json={"channel": "phone"}, headers=h)
    assert r.status_code == 202
    r = await gw.post("/api/v1/auth/verify", json={"channel": "email"}, headers=h)
    assert r.status_code == 202
    sent = await outbox(gateway_settings, "gateway.user.code_issued.v1")
    by_purpose = {s["purpose"]: s for s in sent}
    assert by_purpose["verify_phone"]["channel"] == "sms" and by_purpose["verify_phone"]["phone"] == "0900000010"
    r = await gw.post("/api/v1/auth/verify", json={"channel": "email", "code": by_purpose["verify_email"]["code"]},
                      headers=h)
    assert r.status_code == 200 and r.json()["verified"] is True
    me = (await gw.get("/api/v1/auth/me", headers=h)).json()
    assert me["email_verified"] is True and me["phone_verified"] is False


async def test_officers_need_a_second_factor_outside_demo_mode(gateway_settings: Settings, upstream: str) -> None:
    settings = gateway_settings.model_copy(update={"require_mfa": True})
    async with running(create_app(settings)) as c:
        r = await grant(c, "admin", "Admin@Test2026")
        assert r.status_code == 200
        setup = r.json()
        assert setup["mfa_setup_required"] is True and "refresh_token" not in setup
        h = bearer(setup["access_token"])
        # the token carries no roles until the second factor is set up
        assert (await c.get("/api/v1/admin/users", headers=h)).status_code == 403
        assert (await c.get("/api/v1/auth/me", headers=h)).json()["roles"] == []
        # nor is it a plain signed-in user anywhere else (services answer the same: servicekit.auth)
        r = await c.post("/api/v1/auth/verify", json={"channel": "email", "code": "123456"}, headers=h)
        assert r.status_code == 403 and "xác thực hai lớp" in r.json()["detail"]
        secret = (await c.post("/api/v1/auth/mfa", headers=h)).json()
        assert secret["otpauth_uri"].startswith("otpauth://totp/")
        totp = pyotp.TOTP(secret["secret"])
        r = await c.post("/api/v1/auth/mfa/confirm", json={"otp": "000000" if totp.now() != "000000" else "111111"},
                         headers=h)
        assert r.status_code == 422
        r = await c.post("/api/v1/auth/mfa/confirm", json={"otp": totp.now()}, headers=h)
        assert r.status_code == 200 and r.json() == {"enabled": True}
        # from now on: the password alone is not enough; with the code, the roles are back
        r = await grant(c, "admin", "Admin@Test2026")
        assert r.status_code == 401 and r.json()["error"] == "mfa_required"
        r = await grant(c, "admin", "Admin@Test2026", otp=totp.at(time.time() + totp.interval))  # a code used once
        assert r.status_code == 200, r.text
        h = bearer(r.json()["access_token"])
        listed = (await c.get("/api/v1/admin/users", params={"role": "admin"}, headers=h)).json()
        assert [u["username"] for u in listed["items"]] == ["admin"] and listed["items"][0]["mfa_enabled"] is True
        # an admin resets another account's second factor (a lost phone): here its own, for brevity
        assert (await c.delete("/api/v1/admin/users/admin/mfa", headers=h)).status_code == 204
        assert (await grant(c, "admin", "Admin@Test2026")).json()["mfa_setup_required"] is True


async def test_admin_lists_and_changes_users_and_officer_changes_are_published(
    gw: httpx.AsyncClient, gateway_settings: Settings, login
) -> None:
    admin = bearer(await login(gw, "admin", "Admin@Test2026"))
    r = await gw.post("/api/v1/admin/users", headers=admin, json={
        "username": "cb.moi", "password": "CanBo@2026", "full_name": "Lê Cán Bộ", "roles": ["specialist"],
        "agency_code": "000.00.15.H19"})
    assert r.status_code == 201
    await register(gw, "dan.thuong", 11)
    page = (await gw.get("/api/v1/admin/users", params={"agency": "000.00.15.H19"}, headers=admin)).json()
    assert [u["username"] for u in page["items"]] == ["cb.moi"] and page["total"] == 1
    page = (await gw.get("/api/v1/admin/users", params={"q": "thuong", "size": 1}, headers=admin)).json()
    assert page["total"] == 1 and page["items"][0]["roles"] == ["citizen"] and "password_hash" not in page["items"][0]
    r = await gw.patch("/api/v1/admin/users/cb.moi", headers=admin,
                       json={"roles": ["leader"], "full_name": "Lê Lãnh Đạo", "agency_code": "000.00.02.H19"})
    assert r.status_code == 200 and r.json()["roles"] == ["leader"]
    r = await gw.patch("/api/v1/admin/users/cb.moi", headers=admin, json={"active": False})
    assert r.status_code == 200
    saved = [e for e in await outbox(gateway_settings, "gateway.officer.saved.v1") if e["username"] == "cb.moi"]
    assert [(e["roles"], e["agency_code"], e["active"]) for e in saved] == [
        (["specialist"], "000.00.15.H19", True), (["leader"], "000.00.02.H19", True),
        (["leader"], "000.00.02.H19", False)]
    # bad input names the field; unknown user 404; citizens are refused
    r = await gw.patch("/api/v1/admin/users/cb.moi", headers=admin, json={"roles": ["chief"]})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "roles"]
    r = await gw.patch("/api/v1/admin/users/dan.thuong", headers=admin, json={"roles": ["specialist"]})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "agency_code"]
    assert (await gw.patch("/api/v1/admin/users/khong.co", headers=admin, json={"active": False})).status_code == 404
    assert (await gw.patch("/api/v1/admin/users/admin", headers=admin, json={"active": False})).status_code == 409
    citizen = bearer((await grant(gw, "dan.thuong", "CongDan@2026")).json()["access_token"])
    assert (await gw.get("/api/v1/admin/users", headers=citizen)).status_code == 403


async def test_openapi_documents_errors_bearer_and_idempotency(gw: httpx.AsyncClient) -> None:
    spec = (await gw.get("/openapi.json")).json()
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    me = spec["paths"]["/api/v1/auth/me"]["get"]
    assert me["security"] == [{"bearer": []}]
    assert me["responses"]["401"]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"}
    token = spec["paths"]["/api/v1/auth/token"]["post"]
    assert {"401", "422", "429"} <= set(token["responses"]) and "Retry-After" in token["responses"]["429"]["headers"]
    patch = spec["paths"]["/api/v1/admin/users/{username}"]["patch"]
    assert {"401", "403", "404", "409", "422"} <= set(patch["responses"])


async def test_docs_page_loads_nothing_from_another_origin(gw: httpx.AsyncClient) -> None:
    page = (await gw.get("/docs")).text
    assert "http://" not in page.replace("http://testserver", "") and "https://" not in page
    for asset in ("/docs/static/swagger-ui-bundle.js", "/docs/static/swagger-ui.css"):
        r = await gw.get(asset)
        assert r.status_code == 200 and len(r.content) > 10_000 and asset in page
    assert (await gw.get("/docs/static/..%2Fsecret")).status_code == 404
