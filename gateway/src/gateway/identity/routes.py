from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts.gateway import LoginThrottled
from gateway.deps import AdminUser, CurrentUser, IssuerDep, SessionDep, SettingsDep, SetupUser
from gateway.errors import Conflict, Invalid, NotFound
from gateway.identity.lifecycle import Codes, Issued, Sessions, Totp, invalid_grant, needs_mfa
from gateway.identity.models import User
from gateway.identity.passwords import password_problem
from gateway.identity.schemas import (
    Accepted,
    Me,
    MfaConfirm,
    MfaSetup,
    MfaState,
    PasswordChange,
    PasswordReset,
    PasswordResetConfirm,
    TokenResponse,
    UserCreate,
    UserCreated,
    UserPage,
    UserPatch,
    UserRead,
    UserRegister,
    VerifyRequest,
    VerifyResult,
)
from gateway.identity.service import IdentityService, verify_password
from gateway.revocation import Revocations
from gateway.settings import Settings
from gateway.throttle import Throttle, client_address
from servicekit.auth import Principal
from servicekit.openapi import errors
from servicekit.outbox import add_event
from servicekit.problems import Unauthorized, problem_response

log = logging.getLogger(__name__)
router = APIRouter(tags=["identity"])

RESET_SENT = (
    "Nếu tên đăng nhập tồn tại và có thư điện tử hoặc số điện thoại, mã xác nhận đã được gửi; "
    "mã có hiệu lực 15 phút."
)


def address_of(request: Request) -> str:
    settings: Settings = request.app.state.settings
    peer = request.client.host if request.client else None
    return client_address(peer, request.headers.get("x-forwarded-for"), settings.trusted_networks)


def throttle_of(request: Request) -> Throttle:
    return request.app.state.throttle  # type: ignore[no-any-return]


def revocations_of(request: Request) -> Revocations:
    return request.app.state.revocations  # type: ignore[no-any-return]


async def limit(request: Request, name: str, per_minute: int) -> None:
    await throttle_of(request).hit(name, address_of(request), per_minute)


@router.post(
    "/api/v1/auth/register", status_code=201, response_model=UserCreated,
    responses=errors(409, 422, 429),
)
async def register_user(
    request: Request, body: UserRegister, session: SessionDep, settings: SettingsDep
) -> UserCreated:
    await limit(request, "register", settings.rate_register_per_minute)
    user = await IdentityService(session).register(body)
    return UserCreated(id=user.id, username=user.username)


def _required(value: str | None, field: str, label: str) -> str:
    if value is None or not value.strip():
        raise Invalid.field(("body", field), f"Thiếu {label}.")
    return value


def _token(issued: Issued) -> TokenResponse:
    return TokenResponse(
        access_token=issued.access_token, expires_in=issued.expires_in, refresh_token=issued.refresh_token,
        refresh_expires_in=issued.refresh_expires_in, mfa_setup_required=issued.mfa_setup_required or None,
    )


async def _login_failed(request: Request, username: str, address: str) -> None:
    """Counted in a transaction of its own (the request's is rolled back by the error that follows)."""
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with maker() as session, session.begin():
        failure = await throttle_of(request).login_failed(await session.connection(), username, address)
        if failure.notify:
            user = await IdentityService(session).users.by_username(username.strip().lower())
            if user is not None:
                add_event(
                    session,
                    LoginThrottled(
                        user_id=str(user.id), username=user.username, full_name=user.full_name, email=user.email,
                        phone=user.phone, failures=failure.count, at=datetime.now(UTC).isoformat(),
                    ),
                    source="/gateway",
                    subject=str(user.id),
                )


@router.post(
    "/api/v1/auth/token", response_model=TokenResponse, response_model_exclude_none=True,
    responses=errors(401, 422, 429),
    openapi_extra={"requestBody": {"content": {"application/x-www-form-urlencoded": {"examples": {
        "password": {"value": {"grant_type": "password", "username": "congdan1", "password": "CongDan@2026"}},
        "refresh": {"value": {"grant_type": "refresh_token", "refresh_token": "…"}},
    }}}}},
)
async def issue_token(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    issuer: IssuerDep,
    grant_type: Annotated[str | None, Form()] = None,
    username: Annotated[str | None, Form(max_length=50)] = None,
    password: Annotated[str | None, Form(max_length=128)] = None,
    otp: Annotated[str | None, Form(max_length=10)] = None,
    refresh_token: Annotated[str | None, Form(max_length=200)] = None,
    client_id: Annotated[str | None, Form(max_length=64)] = None,
    client_secret: Annotated[str | None, Form(max_length=200)] = None,
) -> TokenResponse | JSONResponse:
    """OAuth2 token endpoint: ``password`` (with ``otp`` once the account has a second factor),
    ``refresh_token`` (rotation: the token presented is used up) or ``client_credentials``.

    Wrong passwords are throttled per account (growing delays after a few, whatever address they come from)
    and, far higher, per address; a success is never counted."""
    service = IdentityService(session)
    sessions = Sessions(session, issuer, access_ttl=settings.token_ttl_seconds,
                        refresh_ttl=settings.refresh_ttl_seconds)
    if grant_type == "password":
        name = _required(username, "username", "tên đăng nhập")
        secret = _required(password, "password", "mật khẩu")
        address = address_of(request)
        throttle = throttle_of(request)
        await throttle.check_login(await session.connection(), name, address)
        user = await service.authenticate(name, secret)
        if user is None:
            await session.rollback()  # its connection back to the pool before the failure is counted in another
            await _login_failed(request, name, address)
            raise invalid_grant()
        if user.mfa_enabled_at is not None:
            if not otp:
                raise Unauthorized("Tài khoản có xác thực hai lớp: nhập mã OTP từ ứng dụng xác thực.",
                                   slug="mfa-required", error="mfa_required")
            if not Totp.check(user, otp):
                await session.rollback()
                await _login_failed(request, name, address)
                raise Unauthorized("Mã OTP không đúng hoặc đã dùng.", slug="invalid-otp", error="invalid_grant")
        await throttle.login_succeeded(await session.connection(), name)
        setup_only = needs_mfa(user) and user.mfa_enabled_at is None and settings.require_mfa and not settings.demo
        return _token(await sessions.start(user, mfa_setup_only=setup_only))
    if grant_type == "refresh_token":
        raw = _required(refresh_token, "refresh_token", "refresh_token")
        issued, revoked = await sessions.refresh(raw)
        if revoked is not None:
            revocations_of(request).revoke_session(revoked)
            # the reuse is recorded (the session revoked) before answering: commit, then refuse
            return problem_response(401, "Mã làm mới đã được dùng; phiên đăng nhập đã bị thu hồi.",
                                    slug="invalid-grant", error="invalid_grant", headers={"WWW-Authenticate": "Bearer"})
        if issued is None:
            raise Unauthorized("Mã làm mới không hợp lệ hoặc đã hết hạn; vui lòng đăng nhập lại.",
                               slug="invalid-grant", error="invalid_grant")
        return _token(issued)
    if grant_type == "client_credentials":
        ttl = settings.client_token_ttl_seconds
        token = await service.client_grant(
            issuer,
            _required(client_id, "client_id", "client_id"),
            _required(client_secret, "client_secret", "client_secret"),
            ttl,
        )
        return TokenResponse(access_token=token, expires_in=ttl)
    msg = "grant_type phải là 'password', 'refresh_token' hoặc 'client_credentials'."
    raise Invalid(msg, errors=[{"loc": ["body", "grant_type"], "msg": msg}], error="unsupported_grant_type")


@router.post("/api/v1/auth/logout", status_code=204, responses=errors(401))
async def log_out(request: Request, principal: SetupUser, session: SessionDep, settings: SettingsDep,
                  issuer: IssuerDep) -> Response:
    """Ends the caller's login session: its refresh tokens, and its access tokens at every gateway within
    seconds."""
    sid = principal.claims.get("sid")
    if isinstance(sid, str):
        await Sessions(session, issuer, access_ttl=0, refresh_ttl=0).revoke(sid, "logout")
        await session.commit()
        revocations_of(request).revoke_session(sid)
    return Response(status_code=204)


async def _account(session: AsyncSession, principal: Principal) -> User:
    user = await IdentityService(session).contact(principal.id)
    if user is None:
        raise NotFound("Tài khoản này không có mật khẩu hay thông tin liên hệ (hệ thống một cửa).")
    return user


async def _end_sessions(request: Request, session: AsyncSession, issuer: IssuerDep, user: User, reason: str) -> None:
    sids = await Sessions(session, issuer, access_ttl=0, refresh_ttl=0).revoke_all(user.id, reason)
    await session.commit()
    for sid in sids:
        revocations_of(request).revoke_session(sid)


@router.post("/api/v1/auth/password", status_code=204, responses=errors(401, 404, 422))
async def change_password(request: Request, body: PasswordChange, principal: SetupUser, session: SessionDep,
                          issuer: IssuerDep) -> Response:
    """Every session of the account ends (this one too): log in again with the new password."""
    user = await _account(session, principal)
    if not await verify_password(user.password_hash, body.current_password):
        raise Invalid.field(("body", "current_password"), "Mật khẩu hiện tại không đúng.")
    if (problem := password_problem(body.new_password, user.username)) is not None:
        raise Invalid.field(("body", "new_password"), problem)
    if body.new_password == body.current_password:
        raise Invalid.field(("body", "new_password"), "Mật khẩu mới phải khác mật khẩu hiện tại.")
    await IdentityService(session).set_password(user, body.new_password)
    await _end_sessions(request, session, issuer, user, "password_changed")
    return Response(status_code=204)


@router.post("/api/v1/auth/password-reset", status_code=202, response_model=Accepted, responses=errors(422, 429))
async def request_password_reset(request: Request, body: PasswordReset, session: SessionDep,
                                 settings: SettingsDep) -> Accepted:
    """Sends a one-time code by email (or SMS when the account has no email). Always 202: whether the
    account exists is never told."""
    await limit(request, "code", settings.rate_code_per_minute)
    user = await IdentityService(session).users.by_username(body.username.strip().lower())
    if user is not None and user.active and (user.email or user.phone):
        await Codes(session).issue(user, "password_reset", "email" if user.email else "sms")
    return Accepted(detail=RESET_SENT)


@router.post("/api/v1/auth/password-reset/confirm", status_code=204, responses=errors(422, 429))
async def confirm_password_reset(request: Request, body: PasswordResetConfirm, session: SessionDep,
                                 settings: SettingsDep, issuer: IssuerDep) -> Response:
    """The code works once; every session of the account ends and its login delays are lifted."""
    await limit(request, "code", settings.rate_code_per_minute)
    user = await IdentityService(session).users.by_username(body.username.strip().lower())
    if user is None or not user.active or not await Codes(session).use(user, "password_reset", body.code):
        # a wrong code used up one try: kept (committed), then refused
        return problem_response(422, "Mã xác nhận không đúng hoặc đã hết hạn.", slug="validation-error",
                                errors=[{"loc": ["body", "code"], "msg": "Mã xác nhận không đúng hoặc đã hết hạn."}])
    if (problem := password_problem(body.new_password, user.username)) is not None:
        raise Invalid.field(("body", "new_password"), problem)
    await IdentityService(session).set_password(user, body.new_password)
    await _end_sessions(request, session, issuer, user, "password_reset")
    await throttle_of(request).login_succeeded(await session.connection(), user.username)
    return Response(status_code=204)


@router.post("/api/v1/auth/verify", response_model=VerifyResult, status_code=200,
             responses={202: {"model": VerifyResult, "description": "a code was sent"}, **errors(401, 404, 422, 429)})
async def verify_contact(request: Request, body: VerifyRequest, principal: CurrentUser, session: SessionDep,
                         settings: SettingsDep) -> VerifyResult | JSONResponse:
    """Without ``code``: sends one to the account's email or phone. With it: confirms that address."""
    user = await _account(session, principal)
    address = user.email if body.channel == "email" else user.phone
    purpose = f"verify_{body.channel}"
    if not address:
        raise Invalid.field(("body", "channel"), "Tài khoản chưa có địa chỉ này để xác minh.")
    if body.code is None:
        await limit(request, "code", settings.rate_code_per_minute)
        await Codes(session).issue(user, purpose, "email" if body.channel == "email" else "sms")
        return JSONResponse(VerifyResult(channel=body.channel, verified=False,
                                         detail="Đã gửi mã xác nhận; mã có hiệu lực 15 phút.").model_dump(),
                            status_code=202)
    if not await Codes(session).use(user, purpose, body.code):
        return problem_response(422, "Mã xác nhận không đúng hoặc đã hết hạn.", slug="validation-error",
                                errors=[{"loc": ["body", "code"], "msg": "Mã xác nhận không đúng hoặc đã hết hạn."}])
    now = datetime.now(UTC)
    if body.channel == "email":
        user.email_verified_at = now
    else:
        user.phone_verified_at = now
    return VerifyResult(channel=body.channel, verified=True, detail="Đã xác minh.")


@router.post("/api/v1/auth/mfa", response_model=MfaSetup, responses=errors(401, 404, 409))
async def set_up_mfa(principal: SetupUser, session: SessionDep) -> MfaSetup:
    """A new TOTP secret (an authenticator app reads ``otpauth_uri`` as a QR code); it protects the account
    once confirmed with a first code."""
    user = await _account(session, principal)
    if user.mfa_enabled_at is not None:
        raise Conflict("Xác thực hai lớp đã được bật; quản trị viên có thể đặt lại nếu bạn mất thiết bị.")
    user.mfa_secret = Totp.new_secret()
    user.mfa_last_step = None
    return MfaSetup(otpauth_uri=Totp.uri(user, user.mfa_secret), secret=user.mfa_secret)


@router.post("/api/v1/auth/mfa/confirm", response_model=MfaState, responses=errors(401, 404, 409, 422))
async def confirm_mfa(body: MfaConfirm, principal: SetupUser, session: SessionDep) -> MfaState:
    """From now on the password grant needs ``otp``; log in again to get a token with your roles."""
    user = await _account(session, principal)
    if user.mfa_enabled_at is not None:
        raise Conflict("Xác thực hai lớp đã được bật.")
    if not user.mfa_secret:
        raise Conflict("Chưa khởi tạo xác thực hai lớp: gọi POST /api/v1/auth/mfa trước.")
    if not Totp.check(user, body.otp):
        raise Invalid.field(("body", "otp"), "Mã OTP không đúng.")
    user.mfa_enabled_at = datetime.now(UTC)
    return MfaState(enabled=True)


@router.get("/api/v1/auth/me", response_model=Me, responses=errors(401))
async def read_me(principal: SetupUser, session: SessionDep) -> Me:
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
        email_verified=bool(user and user.email_verified_at),
        phone_verified=bool(user and user.phone_verified_at),
        mfa_enabled=bool(user and user.mfa_enabled_at),
    )


@router.post("/api/v1/admin/users", status_code=201, response_model=UserCreated, responses=errors(401, 403, 409, 422))
async def create_user(
    body: UserCreate, session: SessionDep, admin: AdminUser
) -> UserCreated:
    user = await IdentityService(session).create_user(body)
    return UserCreated(id=user.id, username=user.username)


def user_read(user: User) -> UserRead:
    return UserRead(
        id=user.id, username=user.username, full_name=user.full_name, roles=list(user.roles),
        agency_code=user.agency_code, department=user.department, email=user.email, phone=user.phone,
        active=user.active, email_verified=user.email_verified_at is not None,
        phone_verified=user.phone_verified_at is not None, mfa_enabled=user.mfa_enabled_at is not None,
        created_at=user.created_at,
    )


@router.get("/api/v1/admin/users", response_model=UserPage, responses=errors(401, 403, 422))
async def list_users(
    session: SessionDep,
    admin: AdminUser,
    q: Annotated[str | None, Query(max_length=100, description="user name, name, email…")] = None,
    role: Annotated[str | None, Query(max_length=30)] = None,
    agency: Annotated[str | None, Query(max_length=20)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 20,
) -> UserPage:
    users, total = await IdentityService(session).list_users(q=q, role=role, agency=agency, page=page, size=size)
    return UserPage(items=[user_read(u) for u in users], total=total, page=page, size=size)


@router.patch("/api/v1/admin/users/{username}", response_model=UserRead, responses=errors(401, 403, 404, 409, 422))
async def patch_user(request: Request, username: str, body: UserPatch, session: SessionDep, admin: AdminUser,
                     issuer: IssuerDep) -> UserRead:
    """``active: false`` ends every session and token of the account at once (refresh tokens) and within
    seconds at every gateway replica (access tokens)."""
    user, disabled = await IdentityService(session).patch_user(admin.id, username, body)
    read = user_read(user)
    if disabled is True:
        await _end_sessions(request, session, issuer, user, "disabled")
        revocations_of(request).disable_user(str(user.id))
    elif disabled is False:
        await session.commit()
        revocations_of(request).enable_user(str(user.id))
    return read


@router.delete("/api/v1/admin/users/{username}/mfa", status_code=204, responses=errors(401, 403, 404))
async def reset_mfa(request: Request, username: str, session: SessionDep, admin: AdminUser,
                    issuer: IssuerDep) -> Response:
    """The account's second factor is removed (a lost phone): its sessions end; at its next login an officer
    sets up a new one."""
    user = await IdentityService(session).users.by_username(username.strip().lower())
    if user is None:
        raise NotFound("Không tìm thấy tài khoản.")
    user.mfa_secret = user.mfa_enabled_at = user.mfa_last_step = None
    await _end_sessions(request, session, issuer, user, "mfa_reset")
    return Response(status_code=204)


@router.get("/.well-known/jwks.json")
async def read_jwks(issuer: IssuerDep) -> JSONResponse:
    return JSONResponse(issuer.jwks(), headers={"Cache-Control": "public, max-age=300"})
