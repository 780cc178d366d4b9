from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from devkit.stackrun import Platform
from devkit.testing import Stack, Tokens

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def signing_key_file(tokens: Tokens, stack: Stack) -> Path:
    path = stack.root / "e2e-gateway-signing.pem"
    path.write_bytes(tokens.key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    return path


@pytest.fixture
async def gw(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the gateway of the module's ``platform`` (each end-to-end module starts its own)."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{platform.gateway_port}", timeout=30) as client:
        yield client
