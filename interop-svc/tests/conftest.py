from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from interop_helpers import MIGRATIONS, Env

from interop_svc.app import create_app
from interop_svc.settings import Settings
from interop_svc.xml import SigningIdentity, generate_ec_identity, generate_rsa_identity
from servicekit.testing import reset_jetstream, running


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
async def env(stack: Any, tokens: Any, platform_identity: SigningIdentity, background: bool) -> AsyncIterator[Env]:
    if background:
        await reset_jetstream(stack.nats.url)
    app = create_app(interop_settings(stack, tokens, run_background=background), signing_identity=platform_identity)
    async with running(app) as client:
        yield Env(client=client, app=app, tokens=tokens, platform=platform_identity)
