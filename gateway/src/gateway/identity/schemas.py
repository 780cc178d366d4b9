from __future__ import annotations

import re
import uuid

from pydantic import BaseModel, ConfigDict, Field, field_validator

from contracts.validators import CCCD, OptionalEmail, OptionalPhone
from servicekit.auth import ROLES

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,49}$")
AGENCY_CODE = re.compile(r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z]\d{2}$")


def _username(v: str) -> str:
    v = v.strip().lower()
    if not USERNAME.match(v):
        raise ValueError("Tên đăng nhập gồm 3–50 ký tự: chữ thường không dấu, số, dấu chấm, gạch dưới, gạch ngang.")
    return v


def _password(v: str) -> str:
    if len(v) < 8 or len(v) > 128:
        raise ValueError("Mật khẩu phải có từ 8 đến 128 ký tự.")
    if v.isdigit() or v.isalpha():
        raise ValueError("Mật khẩu phải có cả chữ và số hoặc ký tự đặc biệt.")
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

    @field_validator("roles")
    @classmethod
    def _roles(cls, v: list[str]) -> list[str]:
        bad = [r for r in v if r not in ROLES]
        if bad:
            raise ValueError(f"Vai trò không hợp lệ: {', '.join(bad)}. Cho phép: {', '.join(ROLES)}.")
        return sorted(set(v))

    @field_validator("agency_code")
    @classmethod
    def _agency(cls, v: str | None) -> str | None:
        if v is not None and not AGENCY_CODE.match(v):
            raise ValueError("Mã cơ quan không đúng định dạng QCVN 102 (ví dụ 000.00.15.H19).")
        return v


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


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
