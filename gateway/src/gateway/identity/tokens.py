"""Token issuing: EdDSA (Ed25519) JWTs; the public key is published as JWKS for every service."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_private_key

from gateway.revocation import Revocations
from servicekit.auth import AUDIENCE, Principal, TokenVerifier, key_id
from servicekit.problems import Unauthorized


class TokenIssuer:
    def __init__(self, key: Ed25519PrivateKey, *, issuer: str) -> None:
        self.key = key
        self.issuer = issuer
        self.kid = key_id(key.public_key())

    @classmethod
    def from_pem_file(cls, path: str, *, issuer: str) -> TokenIssuer:
        key = load_pem_private_key(Path(path).read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path}: expected an Ed25519 private key")
        return cls(key, issuer=issuer)

    def issue(self, *, sub: str, ttl: int, **claims: Any) -> str:
        now = datetime.now(UTC)
        body = {
            "sub": sub,
            "iss": self.issuer,
            "aud": AUDIENCE,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(seconds=ttl)).timestamp()),
            "jti": uuid.uuid4().hex,
            **claims,
        }
        return jwt.encode(body, self.key, algorithm="EdDSA", headers={"kid": self.kid})

    def jwks(self) -> dict[str, Any]:
        raw = self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
        return {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": self.kid, "use": "sig", "alg": "EdDSA"}]}

    def verifier(self, revocations: Revocations | None = None) -> TokenVerifier:
        if revocations is None:
            return TokenVerifier({self.kid: self.key.public_key()}, issuer=self.issuer)
        return CheckedVerifier({self.kid: self.key.public_key()}, issuer=self.issuer, revocations=revocations)


class CheckedVerifier(TokenVerifier):
    """The gateway's own routes: a valid signature is not enough, the token must not be revoked either."""

    def __init__(self, keys: dict[str, Any], *, issuer: str, revocations: Revocations) -> None:
        super().__init__(keys, issuer=issuer)
        self.revocations = revocations

    def verify(self, token: str) -> Principal:
        principal = super().verify(token)
        if self.revocations.refused(principal.claims):
            raise Unauthorized("Phiên đăng nhập đã kết thúc (đã đăng xuất, đổi mật khẩu hoặc tài khoản bị khóa).")
        return principal
