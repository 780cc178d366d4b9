"""The identity endpoints of the contract, through the gateway app on a real database."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy import text

from devkit.testing import running
from gateway.app import create_app
from gateway.settings import Settings
from servicekit.db import make_engine


async def test_register_token_me(client: httpx.AsyncClient, citizen: dict[str, str], login) -> None:
    r = await client.post("/api/v1/auth/register", json=citizen)
    assert r.status_code == 201, r.text
    assert r.json()["username"] == "lan.nguyen"
    token = await login(client, "lan.nguyen", citizen["password"])
    me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    body = me.json()
    assert body == {
        "id": r.json()["id"],
        "username": "lan.nguyen",
        "full_name": "Nguyễn Thị Lan",
        "roles": ["citizen"],
        "agency_code": None,
        "department": None,
        # the account's contact data, for a frontend to prefill an applicant
        "id_number": "075190001234",
        "phone": "0912345678",
        "email": "lan.nguyen@example.vn",
        "email_verified": False,
        "phone_verified": False,
        "mfa_enabled": False,
    }


async def test_token_is_eddsa_and_verifiable_with_jwks(
    client: httpx.AsyncClient, citizen: dict[str, str], login
) -> None:
    await client.post("/api/v1/auth/register", json=citizen)
    token = await login(client, "lan.nguyen", citizen["password"])
    jwks = (await client.get("/.well-known/jwks.json")).json()
    [key] = jwks["keys"]
    assert key["kty"] == "OKP" and key["crv"] == "Ed25519" and jwt.get_unverified_header(token)["kid"] == key["kid"]
    claims = jwt.decode(token, jwt.PyJWK(key).key, algorithms=["EdDSA"], audience="dvc")
    assert claims["roles"] == ["citizen"]


async def test_register_twice_is_409(client: httpx.AsyncClient, citizen: dict[str, str], login) -> None:
    assert (await client.post("/api/v1/auth/register", json=citizen)).status_code == 201
    r = await client.post("/api/v1/auth/register", json=citizen)
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["loc"] == ["body", "username"]
    other = {**citizen, "username": "someone.else"}
    r = await client.post("/api/v1/auth/register", json=other)
    assert r.status_code == 409 and r.json()["errors"][0]["loc"] == ["body", "id_number"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id_number", "12345"),
        ("id_number", "0751900012AB"),
        ("phone", "12345"),
        ("email", "not-an-email"),
        ("password", "short"),
        ("password", "onlyletters"),
        ("username", "Ab"),
        ("full_name", ""),
    ],
)
async def test_register_bad_input_names_the_field(
    client: httpx.AsyncClient, field: str, value: str, citizen: dict[str, str]
) -> None:
    r = await client.post("/api/v1/auth/register", json={**citizen, field: value})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == 422 and body["title"] and body["type"].startswith("https://")
    assert ["body", field] in [e["loc"] for e in body["errors"]]
    assert all(e["msg"] for e in body["errors"])


async def test_register_missing_field_and_bad_json(client: httpx.AsyncClient, citizen: dict[str, str], login) -> None:
    body = {k: v for k, v in citizen.items() if k != "id_number"}
    r = await client.post("/api/v1/auth/register", json=body)
    assert r.status_code == 422 and ["body", "id_number"] in [e["loc"] for e in r.json()["errors"]]
    r = await client.post("/api/v1/auth/register", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert "Traceback" not in r.text and "sqlalchemy" not in r.text.lower()
    assert r.json()["errors"] == [{"loc": ["body"], "msg": "Nội dung JSON không hợp lệ.", "type": "json_invalid"}]


async def test_token_bad_input(client: httpx.AsyncClient, citizen: dict[str, str], login) -> None:
    r = await client.post("/api/v1/auth/token", data={"grant_type": "magic"})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "grant_type"]
    r = await client.post("/api/v1/auth/token", data={"grant_type": "password", "username": "x"})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "password"]
    r = await client.post(
        "/api/v1/auth/token", data={"grant_type": "password", "username": "nobody", "password": "Wrong@123"}
    )
    assert r.status_code == 401 and r.json()["error"] == "invalid_grant"
    r = await client.post(
        "/api/v1/auth/token", data={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"}
    )
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"


async def test_me_needs_a_valid_token(client: httpx.AsyncClient, citizen: dict[str, str], login) -> None:
    assert (await client.get("/api/v1/auth/me")).status_code == 401
    r = await client.get("/api/v1/auth/me", headers={"Authorization": "Bearer abc.def.ghi"})
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")


async def test_admin_creates_officers_and_others_cannot(
    client: httpx.AsyncClient, citizen: dict[str, str], login
) -> None:
    admin = await login(client, "admin", "Admin@Test2026")
    officer = {
        "username": "tiepnhan.test",
        "password": "CanBo@2026",
        "full_name": "Lê Thị Mai",
        "roles": ["reception"],
        "agency_code": "000.00.15.H19",
        "department": "Bộ phận một cửa",
    }
    r = await client.post("/api/v1/admin/users", json=officer, headers={"Authorization": f"Bearer {admin}"})
    assert r.status_code == 201, r.text
    token = await login(client, "tiepnhan.test", "CanBo@2026")
    me = (await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})).json()
    assert me["roles"] == ["reception"] and me["agency_code"] == "000.00.15.H19"
    # an officer is not an admin
    r = await client.post(
        "/api/v1/admin/users", json={**officer, "username": "x.y.z"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 403
    # bad input names the field
    for field, value in [("roles", ["wizard"]), ("agency_code", "H19"), ("username", "A")]:
        r = await client.post(
            "/api/v1/admin/users",
            json={**officer, "username": "new.one", field: value},
            headers={"Authorization": f"Bearer {admin}"},
        )
        assert r.status_code == 422 and ["body", field] in [e["loc"] for e in r.json()["errors"]], r.text
    r = await client.post(
        "/api/v1/admin/users",
        json={**officer, "username": "no.agency", "agency_code": None},
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "agency_code"]


async def test_refuses_to_start_without_admin_password(gateway_settings: Settings, login) -> None:
    settings = gateway_settings.model_copy(update={"admin_password": None, "demo": False})
    with pytest.raises(RuntimeError, match="DVC_ADMIN_PASSWORD"):
        async with running(create_app(settings)):
            pass


async def test_demo_mode_creates_demo_accounts(gateway_settings: Settings, login) -> None:
    settings = gateway_settings.model_copy(update={"admin_password": None, "demo": True})
    async with running(create_app(settings)) as client:
        token = await login(client, "tiepnhan.stp", "CanBo@2026")
        me = (await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})).json()
        assert me["roles"] == ["reception"] and me["agency_code"] == "000.00.15.H19"
        assert await login(client, "admin", "Admin@2026")


async def test_large_body_is_refused_before_parsing(client: httpx.AsyncClient, citizen: dict[str, str], login) -> None:
    r = await client.post(
        "/api/v1/auth/register", content=b"x" * (2 * 1024 * 1024), headers={"content-type": "application/json"}
    )
    assert r.status_code == 413 and r.headers["content-type"].startswith("application/problem+json")


async def test_officer_accounts_are_published_through_the_outbox(gateway_settings: Settings, login) -> None:
    """Created officers (the demo accounts too) go out as gateway.officer.saved.v1; citizens do not."""
    settings = gateway_settings.model_copy(update={"admin_password": None, "demo": True})
    async with running(create_app(settings)) as client:
        admin = await login(client, "admin", "Admin@2026")
        r = await client.post(
            "/api/v1/admin/users",
            json={"username": "chuyenvien.moi", "password": "CanBo@2026", "full_name": "Lâm Thị Thu",
                  "roles": ["specialist"], "agency_code": "000.00.15.H19", "department": "Phòng Hộ tịch"},
            headers={"Authorization": f"Bearer {admin}"},
        )
        assert r.status_code == 201, r.text
    saved = await officer_events(settings.database_url)
    assert {"tiepnhan.stp", "chuyenvien.stp", "lanhdao.stp", "chuyenvien.moi", "thanhtra"} <= set(saved)
    assert "congdan1" not in saved
    new = saved["chuyenvien.moi"]
    assert new["roles"] == ["specialist"] and new["agency_code"] == "000.00.15.H19" and new["active"] is True
    assert new["full_name"] == "Lâm Thị Thu" and new["user_id"] and new["department"] == "Phòng Hộ tịch"

    # an account from before officers were published (an older database) goes out once, at the next start
    engine = make_engine(settings.database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM kit_outbox"))
            await conn.execute(text("UPDATE users SET officer_published_at = NULL WHERE username = 'lanhdao.stp'"))
    finally:
        await engine.dispose()
    async with running(create_app(settings)):
        pass
    assert set(await officer_events(settings.database_url)) == {"lanhdao.stp"}
    async with running(create_app(settings)):
        pass
    assert set(await officer_events(settings.database_url)) == {"lanhdao.stp"}  # once


async def officer_events(database_url: str) -> dict[str, dict[str, Any]]:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT body FROM kit_outbox WHERE subject = 'gateway.officer.saved.v1'"
                                            " ORDER BY seq"))).scalars().all()
    finally:
        await engine.dispose()
    return {e["data"]["username"]: e["data"] for e in map(json.loads, rows)}


async def test_phone_and_email_are_read_alike_at_registration_and_by_admins(
    gateway_settings: Settings, citizen: dict[str, str], login
) -> None:
    """The shared validators (contracts.validators): separators in a phone number are accepted and dropped,
    the country code becomes 0, emails are trimmed; what is no number is refused naming the field."""
    from sqlalchemy import select

    from gateway.identity.models import User

    app = create_app(gateway_settings)
    async with running(app) as client:
        for n, phone in enumerate(("0912-345-678", "0912 345 678", "0912.345.678", "+84 912-345-678")):
            r = await client.post("/api/v1/auth/register", json={
                **citizen, "username": f"lan{n}", "id_number": f"07519000123{n}", "phone": phone,
                "email": " lan.nguyen@example.vn "})
            assert r.status_code == 201, (phone, r.text)
        admin = {"Authorization": f"Bearer {await login(client, 'admin', 'Admin@Test2026')}"}
        officer = {"username": "tiepnhan9", "password": "CanBo@2026", "full_name": "Lê Văn Tâm",
                   "roles": ["reception"], "agency_code": "000.00.15.H19"}
        created = await client.post("/api/v1/admin/users", headers=admin, json={**officer, "phone": "0987-654-321"})
        assert created.status_code == 201, created.text
        for field, value in (("phone", "0912-345-67"), ("phone", "0212345678"), ("email", "tam@")):
            for path, body, headers in (
                ("/api/v1/auth/register", {**citizen, "username": "khac", field: value}, {}),
                ("/api/v1/admin/users", {**officer, "username": "khac", field: value}, admin),
            ):
                bad = await client.post(path, headers=headers, json=body)
                assert bad.status_code == 422, (path, value, bad.text)
                [error] = bad.json()["errors"]
                assert error["loc"] == ["body", field]
                assert error["msg"].startswith("Số điện thoại" if field == "phone" else "Địa chỉ thư điện tử")
        async with app.state.sessionmaker() as session:
            names = [*(f"lan{n}" for n in range(4)), "tiepnhan9", "khac"]
            users = (await session.scalars(select(User).where(User.username.in_(names)))).all()
    phones = {u.username: (u.phone, u.email) for u in users}
    assert phones == {
        **{f"lan{n}": ("0912345678", "lan.nguyen@example.vn") for n in range(4)},
        "tiepnhan9": ("0987654321", None),
    }
