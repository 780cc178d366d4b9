from __future__ import annotations

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
