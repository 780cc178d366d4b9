from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from contracts.validators import CCCD, OptionalEmail, OptionalPhone
from gateway.identity.passwords import password_problem
from servicekit.auth import ROLES
from servicekit.pagination import Page

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,49}$")
AGENCY_CODE = re.compile(r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z]\d{2}$")


def _username(v: str) -> str:
    v = v.strip().lower()
    if not USERNAME.match(v):
        raise ValueError("Tên đăng nhập gồm 3–50 ký tự: chữ thường không dấu, số, dấu chấm, gạch dưới, gạch ngang.")
    return v


def _password(v: str) -> str:
    problem = password_problem(v)
    if problem:
        raise ValueError(problem)
    return v


def _full_name(v: str) -> str:
    v = " ".join(v.split())
    if not (2 <= len(v) <= 200):
        raise ValueError("Họ và tên phải có từ 2 đến 200 ký tự.")
    return v


class UserRegister(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(max_length=50)
    password: str = Field(max_length=128)
    full_name: str = Field(max_length=200)
    id_number: CCCD
    phone: OptionalPhone = None
    email: OptionalEmail = None

    _u = field_validator("username")(_username)
    _p = field_validator("password")(_password)
    _n = field_validator("full_name")(_full_name)


def _roles(v: list[str]) -> list[str]:
    bad = [r for r in v if r not in ROLES]
    if bad:
        raise ValueError(f"Vai trò không hợp lệ: {', '.join(bad)}. Cho phép: {', '.join(ROLES)}.")
    return sorted(set(v))


def _agency(v: str | None) -> str | None:
    if v is not None and not AGENCY_CODE.match(v):
        raise ValueError("Mã cơ quan không đúng định dạng QCVN 102 (ví dụ 000.00.15.H19).")
    return v


class UserCreate(BaseModel):
    """An officer (or another account) created by an admin."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(max_length=50)
    password: str = Field(max_length=128)
    full_name: str = Field(max_length=200)
    roles: list[str] = Field(min_length=1, max_length=7)
    agency_code: str | None = Field(default=None, max_length=20)
    department: str | None = Field(default=None, max_length=200)
    email: OptionalEmail = None
    phone: OptionalPhone = None

    _u = field_validator("username")(_username)
    _p = field_validator("password")(_password)
    _n = field_validator("full_name")(_full_name)
    _r = field_validator("roles")(_roles)
    _a = field_validator("agency_code")(_agency)


class UserCreated(BaseModel):
    id: uuid.UUID
    username: str


class Me(BaseModel):
    id: str
    username: str
    full_name: str
    roles: list[str]
    agency_code: str | None
    department: str | None
    # the account's own contact data, so a frontend can prefill an applicant (never in the token)
    id_number: str | None = None
    phone: str | None = None
    email: str | None = None
    email_verified: bool = False
    phone_verified: bool = False
    mfa_enabled: bool = False


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    # the password and refresh grants: a new refresh token (the one presented is used up)
    refresh_token: str | None = None
    refresh_expires_in: int | None = None
    # an officer's or admin's account outside demo mode without a confirmed second factor: the token carries
    # no roles and serves only to set up TOTP (POST /api/v1/auth/mfa, then /mfa/confirm)
    mfa_setup_required: bool | None = None


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=128)
    new_password: str = Field(max_length=128)

    _p = field_validator("new_password")(_password)


class PasswordReset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=50)


class PasswordResetConfirm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=50)
    code: str = Field(pattern=r"^[0-9]{6}$", description="the 6-digit code sent by email or SMS")
    new_password: str = Field(max_length=128)

    _p = field_validator("new_password")(_password)


class Accepted(BaseModel):
    detail: str


class VerifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Literal["email", "phone"]
    code: str | None = Field(default=None, pattern=r"^[0-9]{6}$")


class VerifyResult(BaseModel):
    channel: Literal["email", "phone"]
    verified: bool
    detail: str


class MfaSetup(BaseModel):
    otpauth_uri: str
    secret: str


class MfaConfirm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    otp: str = Field(pattern=r"^[0-9]{6}$")


class MfaState(BaseModel):
    enabled: bool


class UserRead(BaseModel):
    """An account as an admin sees it (never its password hash or second-factor secret)."""

    id: uuid.UUID
    username: str
    full_name: str
    roles: list[str]
    agency_code: str | None
    department: str | None
    email: str | None
    phone: str | None
    active: bool
    email_verified: bool
    phone_verified: bool
    mfa_enabled: bool
    created_at: datetime


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active: bool | None = None
    roles: list[str] | None = Field(default=None, min_length=1, max_length=7)
    agency_code: str | None = Field(default=None, max_length=20)
    full_name: str | None = Field(default=None, max_length=200)

    _r = field_validator("roles")(lambda v: None if v is None else _roles(v))
    _a = field_validator("agency_code")(_agency)
    _n = field_validator("full_name")(lambda v: None if v is None else _full_name(v))


class UserPage(Page[UserRead]):
    pass
