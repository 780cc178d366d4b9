from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from devkit.testing import Stack, Tokens

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def signing_key_file(tokens: Tokens, stack: Stack) -> Path:
    path = stack.root / "e2e-gateway-signing.pem"
    path.write_bytes(tokens.key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    return path
