from __future__ import annotations

import time
from collections import defaultdict, deque
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse

from gateway.deps import AdminUser, CurrentUser, IssuerDep, SessionDep, SettingsDep
from gateway.errors import Invalid, Problem
from gateway.identity.schemas import Me, TokenResponse, UserCreate, UserCreated, UserRegister
from gateway.identity.service import IdentityService

router = APIRouter(tags=["identity"])


class RateLimiter:
    """A per-address sliding window for the token endpoint (password guessing)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self.hits: dict[str, deque[float]] = defaultdict(deque)

    def check(self, key: str) -> None:
        now = time.monotonic()
        q = self.hits[key]
        while q and now - q[0] > 60:
            q.popleft()
        if len(q) >= self.per_minute:
            raise Problem(
                "Quá nhiều lần đăng nhập, vui lòng thử lại sau một phút.",
                status=429,
                slug="too-many-requests",
                headers={"Retry-After": "60"},
            )
        q.append(now)
        if len(self.hits) > 100_000:
            self.hits.clear()


@router.post("/api/v1/auth/register", status_code=201, response_model=UserCreated)
async def register_user(body: UserRegister, session: SessionDep) -> UserCreated:
    user = await IdentityService(session).register(body)
    return UserCreated(id=user.id, username=user.username)


def _required(value: str | None, field: str, label: str) -> str:
    if value is None or not value.strip():
        raise Invalid.field(("body", field), f"Thiếu {label}.")
    return value


@router.post("/api/v1/auth/token", response_model=TokenResponse)
async def issue_token(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    issuer: IssuerDep,
    grant_type: Annotated[str | None, Form()] = None,
    username: Annotated[str | None, Form(max_length=50)] = None,
    password: Annotated[str | None, Form(max_length=128)] = None,
    client_id: Annotated[str | None, Form(max_length=64)] = None,
    client_secret: Annotated[str | None, Form(max_length=200)] = None,
) -> TokenResponse:
    limiter: RateLimiter = request.app.state.auth_limiter
    limiter.check(request.client.host if request.client else "?")
    service = IdentityService(session)
    if grant_type == "password":
        ttl = settings.token_ttl_seconds
        token = await service.password_grant(
            issuer,
            _required(username, "username", "tên đăng nhập"),
            _required(password, "password", "mật khẩu"),
            ttl,
        )
    elif grant_type == "client_credentials":
        ttl = settings.client_token_ttl_seconds
        token = await service.client_grant(
            issuer,
            _required(client_id, "client_id", "client_id"),
            _required(client_secret, "client_secret", "client_secret"),
            ttl,
        )
    else:
        raise Invalid(
            "grant_type phải là 'password' hoặc 'client_credentials'.",
            errors=[{"loc": ["body", "grant_type"], "msg": "grant_type phải là 'password' hoặc 'client_credentials'."}],
            error="unsupported_grant_type",
        )
    return TokenResponse(access_token=token, expires_in=ttl)


@router.get("/api/v1/auth/me", response_model=Me)
async def read_me(principal: CurrentUser, session: SessionDep) -> Me:
    user = await IdentityService(session).contact(principal.id)
    return Me(
        id=principal.id,
        username=principal.username,
        full_name=principal.full_name,
        roles=list(principal.roles),
        agency_code=principal.agency_code,
        department=principal.department,
        id_number=user.id_number if user else None,
        phone=user.phone if user else None,
        email=user.email if user else None,
    )


@router.post("/api/v1/admin/users", status_code=201, response_model=UserCreated)
async def create_user(
    body: UserCreate, session: SessionDep, admin: AdminUser
) -> UserCreated:
    user = await IdentityService(session).create_user(body)
    return UserCreated(id=user.id, username=user.username)


@router.get("/.well-known/jwks.json")
async def read_jwks(issuer: IssuerDep) -> JSONResponse:
    return JSONResponse(issuer.jwks(), headers={"Cache-Control": "public, max-age=300"})
