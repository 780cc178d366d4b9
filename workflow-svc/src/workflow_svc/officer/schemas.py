from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class OfficerRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    username: str
    full_name: str
    roles: list[str]
    department: str | None = None  # whom a consultation can be asked of
