from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from devkit.testing import Stack, Tokens, reset_jetstream, running
from gateway.app import create_app
from gateway.settings import Settings

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


@pytest.fixture(scope="session")
def signing_key_file(tokens: Tokens, stack: Stack) -> Path:
    """The gateway signs with the same key the ``tokens`` fixture mints with, so both verify alike."""
    path = stack.root / "gateway-signing.pem"
    path.write_bytes(tokens.key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    return path


@pytest.fixture
async def gateway_settings(stack: Stack, signing_key_file: Path) -> Settings:
    await reset_jetstream(stack.nats.url)
    return Settings(
        database_url=stack.fresh_database("gateway", MIGRATIONS),
        nats_url=stack.nats.url,
        signing_key_file=str(signing_key_file),
        admin_password="Admin@Test2026",
        rate_register_per_minute=1000,
        trusted_proxies=["127.0.0.1"],
        require_mfa=False,  # test_lifecycle covers the second factor required of officers
    )


@pytest.fixture
async def client(gateway_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(gateway_settings)) as c:
        yield c


CITIZEN = {
    "username": "lan.nguyen",
    "password": "CongDan@2026",
    "full_name": "Nguyễn  Thị Lan",
    "id_number": "075190001234",
    "phone": "0912345678",
    "email": "lan.nguyen@example.vn",
}


@pytest.fixture
def citizen() -> dict[str, str]:
    return dict(CITIZEN)


async def token_for(client: httpx.AsyncClient, username: str, password: str) -> str:
    r = await client.post(
        "/api/v1/auth/token", data={"grant_type": "password", "username": username, "password": password}
    )
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


@pytest.fixture
def login():  # type: ignore[no-untyped-def]
    return token_for
