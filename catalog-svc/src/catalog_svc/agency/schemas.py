from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator

from catalog_svc.procedure.schemas import check_agency_code


class AgencyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=300)]
    parent_code: str | None = None

    @field_validator("code", "parent_code")
    @classmethod
    def _code(cls, v: str | None) -> str | None:
        return None if v is None else check_agency_code(v.strip())


class AgencyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    parent_code: str | None


PHONE = re.compile(r"^\+?[0-9][0-9 .()-]{6,18}[0-9]$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


class AgencyUpdate(BaseModel):
    """What an administrator changes; a field left out stays as it is, an empty address, phone or email clears
    it. The code never changes (dossier codes begin with it)."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=300)] | None = None
    parent_code: str | None = None
    address: Text | None = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=30)] | None = None
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None

    @field_validator("parent_code")
    @classmethod
    def _parent(cls, v: str | None) -> str | None:
        return None if v is None else check_agency_code(v.strip())

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str | None) -> str | None:
        if v and not PHONE.match(v):
            raise ValueError("Số điện thoại chỉ gồm chữ số (có thể có dấu cách, dấu chấm, gạch nối), "
                             "ví dụ 0251 3822 345.")
        return v

    @field_validator("email")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        if v and not EMAIL.match(v):
            raise ValueError("Địa chỉ email không đúng dạng, ví dụ vanthu@dongnai.gov.vn.")
        return v


class AgencyDetail(AgencyRead):
    address: str | None = None
    phone: str | None = None
    email: str | None = None
