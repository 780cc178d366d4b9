"""Bearer tokens: a token verified once is remembered until it expires, never past it."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from devkit.testing import Tokens
from servicekit.auth import TokenVerifier, key_id
from servicekit.problems import Unauthorized


def make() -> tuple[Tokens, TokenVerifier]:
    key = Ed25519PrivateKey.generate()
    tokens = Tokens(key=key, public_key_file=Path(os.devnull))  # minting needs only the private key
    return tokens, TokenVerifier({key_id(key.public_key()): key.public_key()}, issuer="dvc-gateway")


def test_a_remembered_token_is_refused_once_it_expires() -> None:
    tokens, verifier = make()
    token = tokens.mint(username="lan", roles=("citizen",), ttl=1)
    first = verifier.verify(token)
    assert verifier.verify(token) is first  # remembered: not verified again
    time.sleep(2.1)  # exp has whole seconds
    with pytest.raises(Unauthorized):
        verifier.verify(token)


def test_a_forged_token_is_never_remembered_as_valid() -> None:
    tokens, verifier = make()
    token = tokens.mint(username="lan", roles=("citizen",))
    verifier.verify(token)
    head, body, signature = token.split(".")
    forged = f"{head}.{body}.{signature[:-4]}AAAA"
    for _ in range(2):
        with pytest.raises(Unauthorized):
            verifier.verify(forged)
    other, _ = make()
    with pytest.raises(Unauthorized):  # signed by a key this verifier does not know
        verifier.verify(other.mint(username="lan", roles=("citizen",)))
