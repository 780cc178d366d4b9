from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

sys.path.insert(0, str(Path(__file__).resolve().parent))

from interop_helpers import AGENCY, CATALOG_MIGRATIONS, MIGRATIONS, OTHER_AGENCY, PLATFORM, Env

from devkit.testing import reset_jetstream, running
from interop_svc.app import create_app
from interop_svc.settings import Settings
from interop_svc.xml import SigningIdentity, generate_ec_identity, generate_rsa_identity


@pytest.fixture(scope="session")
def platform_identity() -> SigningIdentity:
    return generate_rsa_identity("dvc.dongnai.gov.vn")


@pytest.fixture(scope="session")
def system_identity() -> SigningIdentity:
    """The test one-stop system's own key pair (EC P-256: fast to generate)."""
    return generate_ec_identity("motcua.stp.dongnai.gov.vn", organization="Sở Tư pháp")


@pytest.fixture(scope="session")
def other_identity() -> SigningIdentity:
    return generate_rsa_identity("motcua.stp.dongnai.gov.vn", organization="Sở Tư pháp")


@pytest.fixture
def background() -> bool:
    """Whether the outbox relay and consumers run (NATS); a test module may override it."""
    return False


def interop_settings(stack: Any, tokens: Any, **kw: Any) -> Settings:
    return Settings(database_url=stack.fresh_database("interop", MIGRATIONS), nats_url=stack.nats.url,
                    auth_public_key_file=str(tokens.public_key_file), **kw)


@pytest.fixture
async def catalog_app(stack: Any, tokens: Any) -> AsyncIterator[FastAPI]:
    """The REAL catalog-svc, in-process on its own database, with the tests' agencies (added through its API)."""
    from catalog_svc.app import create_app as create_catalog
    from catalog_svc.settings import Settings as CatalogSettings

    app = create_catalog(CatalogSettings(
        database_url=stack.fresh_database("catalog", CATALOG_MIGRATIONS), nats_url=stack.nats.url,
        auth_public_key_file=str(tokens.public_key_file), demo=False, run_background=False))
    admin = tokens.header(sub="admin-1", roles=("admin",), agency_code=PLATFORM)
    async with running(app) as client:
        for code, name in ((PLATFORM, "UBND tỉnh Đồng Nai"), (AGENCY, "Sở Tư pháp"), (OTHER_AGENCY, "Sở Xây dựng")):
            response = await client.post("/api/v1/catalog/agencies", headers=admin, json={"code": code, "name": name})
            assert response.status_code == 201, response.text
        yield app


@pytest.fixture
def settings_extra() -> dict[str, Any]:
    """Extra interop settings; a test module may override it."""
    return {}


@pytest.fixture
async def env(
    stack: Any, tokens: Any, platform_identity: SigningIdentity, background: bool, catalog_app: FastAPI,
    settings_extra: dict[str, Any],
) -> AsyncIterator[Env]:
    if background:
        await reset_jetstream(stack.nats.url)
    app = create_app(interop_settings(stack, tokens, run_background=background, catalog_url="http://catalog.internal",
                                      **settings_extra),
                     signing_identity=platform_identity, catalog_transport=httpx.ASGITransport(app=catalog_app))
    async with running(app) as client:
        yield Env(client=client, app=app, tokens=tokens, platform=platform_identity)
