from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from devkit.testing import reset_jetstream, running
from interop_svc.app import create_app
from interop_svc.xml import SigningIdentity, generate_ec_identity, generate_rsa_identity
from interop_testkit import Env, interop_settings


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


@pytest.fixture
def settings_extra() -> dict[str, Any]:
    """Extra interop settings; a test module may override it."""
    return {}


@pytest.fixture
async def env(
    stack: Any, tokens: Any, platform_identity: SigningIdentity, background: bool, fake_catalog_url: str,
    settings_extra: dict[str, Any],
) -> AsyncIterator[Env]:
    """interop-svc checking agencies against the fake catalog over HTTP (devkit.fakecatalog)."""
    if background:
        await reset_jetstream(stack.nats.url)
    app = create_app(interop_settings(stack, tokens, run_background=background, catalog_url=fake_catalog_url,
                                      **settings_extra), signing_identity=platform_identity)
    async with running(app) as client:
        yield Env(client=client, app=app, tokens=tokens, platform=platform_identity)
