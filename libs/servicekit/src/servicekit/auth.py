"""Bearer-token verification (EdDSA JWTs signed by the gateway), used by every service itself."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from fastapi import Depends, Request

from servicekit.problems import Forbidden, Unauthorized

AUDIENCE = "dvc"
ROLES = ("citizen", "reception", "specialist", "leader", "catalog_editor", "admin", "auditor")
VERIFIED_CACHE = 4096  # tokens remembered as verified, per process
OFFICER_ROLES = frozenset({"reception", "specialist", "leader", "catalog_editor", "admin", "auditor"})


@dataclass(frozen=True)
class Principal:
    id: str
    username: str
    roles: tuple[str, ...]
    full_name: str = ""
    agency_code: str | None = None
    department: str | None = None
    client_id: str | None = None  # set for one-stop systems (client credentials)
    claims: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def is_officer(self) -> bool:
        return any(r in OFFICER_ROLES for r in self.roles)

    @property
    def setup_only(self) -> bool:
        """An officer's token before the second factor is set up: good for that set-up (and ``/auth/me``,
        logout) only, never as a plain signed-in user (it would upload, file, send feedback…)."""
        return bool(self.claims.get("mfa_setup_required"))


def key_id(public_key: Ed25519PublicKey) -> str:
    import hashlib

    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


class TokenVerifier:
    def __init__(self, keys: dict[str, Any], *, issuer: str) -> None:
        if not keys:
            raise ValueError("no token verification key configured (AUTH_PUBLIC_KEY_FILE or AUTH_JWKS_URL)")
        self._keys = keys
        self._issuer = issuer
        # tokens verified already (a client sends the same one for minutes): token -> (principal, exp)
        self._verified: dict[str, tuple[Principal, float]] = {}

    @classmethod
    def from_pem_file(cls, path: str, *, issuer: str) -> TokenVerifier:
        key = load_pem_public_key(Path(path).read_bytes())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError(f"{path}: expected an Ed25519 public key")
        return cls({key_id(key): key}, issuer=issuer)

    @classmethod
    def from_jwks(cls, jwks: dict[str, Any], *, issuer: str) -> TokenVerifier:
        keys = {}
        for jwk in jwks.get("keys", []):
            keys[jwk["kid"]] = jwt.PyJWK.from_json(json.dumps(jwk)).key
        return cls(keys, issuer=issuer)

    @classmethod
    async def from_jwks_url(cls, url: str, *, issuer: str) -> TokenVerifier:
        async with httpx.AsyncClient(timeout=5) as client:
            resp = await client.get(url)
            resp.raise_for_status()
            return cls.from_jwks(resp.json(), issuer=issuer)

    def verify(self, token: str) -> Principal:
        """The caller of a valid token. A token verified before is not verified again (the signature check is
        most of a small request's cost) until it expires; an expired one goes through the full check (401)."""
        known = self._verified.get(token)
        if known is not None and time.time() < known[1]:
            return known[0]
        principal = self._verify(token)
        if len(self._verified) >= VERIFIED_CACHE:
            self._verified.pop(next(iter(self._verified)))  # the oldest
        self._verified[token] = (principal, float(principal.claims["exp"]))
        return principal

    def _verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
            key = self._keys.get(header.get("kid", ""))
            if key is None:
                raise Unauthorized("Mã thông báo được ký bằng khóa không xác định.")
            claims = jwt.decode(
                token,
                key,
                algorithms=["EdDSA"],
                audience=AUDIENCE,
                issuer=self._issuer,
                options={"require": ["exp", "sub", "iat"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("Mã thông báo đã hết hạn, vui lòng đăng nhập lại.") from None
        except jwt.PyJWTError:
            raise Unauthorized("Mã thông báo không hợp lệ.") from None
        return Principal(
            id=str(claims["sub"]),
            username=str(claims.get("username", "")),
            roles=tuple(claims.get("roles", [])),
            full_name=str(claims.get("name", "")),
            agency_code=claims.get("agency_code"),
            department=claims.get("department"),
            client_id=claims.get("client_id"),
            claims=claims,
        )


def _bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def optional_principal(request: Request) -> Principal | None:
    token = _bearer(request)
    if token is None:
        return None
    verifier: TokenVerifier = request.app.state.token_verifier
    return verifier.verify(token)


async def setup_principal(request: Request) -> Principal:
    """The caller, a set-up-only token included (the gateway's second-factor set-up, ``/auth/me``, logout)."""
    principal = await optional_principal(request)
    if principal is None:
        raise Unauthorized("Cần đăng nhập: thiếu mã thông báo Bearer.")
    return principal


def _signed_in(principal: Principal | None) -> Principal | None:
    if principal is not None and principal.setup_only:
        raise Forbidden("Tài khoản cán bộ phải thiết lập xác thực hai lớp trước khi sử dụng chức năng này "
                        "(POST /api/v1/auth/mfa).")
    return principal


async def current_principal(request: Request) -> Principal:
    principal = _signed_in(await setup_principal(request))
    assert principal is not None
    return principal


async def signed_in_or_anonymous(request: Request) -> Principal | None:
    return _signed_in(await optional_principal(request))


CurrentUser = Annotated[Principal, Depends(current_principal)]
OptionalUser = Annotated[Principal | None, Depends(signed_in_or_anonymous)]
SetupUser = Annotated[Principal, Depends(setup_principal)]


def require_roles(*roles: str) -> Any:
    async def dep(principal: CurrentUser) -> Principal:
        if not principal.has(*roles):
            raise Forbidden(f"Chức năng này dành cho vai trò: {', '.join(roles)}.")
        return principal

    return Depends(dep)


def ensure_signing_keys(root: Path) -> tuple[Path, Path]:
    """An Ed25519 key pair for tokens under ``root`` (made once, then reused): the gateway signs with the
    private key, services verify with the public one. For demo mode and the dev stack; production passes
    its own key files (``GATEWAY_SIGNING_KEY_FILE``, ``AUTH_PUBLIC_KEY_FILE``)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

    root.mkdir(parents=True, exist_ok=True)
    private, public = root / "token-signing.pem", root / "token-signing.pub.pem"
    if not private.exists():
        key = Ed25519PrivateKey.generate()
        private.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
        os.chmod(private, 0o600)
        public.write_bytes(key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))
    return private, public
