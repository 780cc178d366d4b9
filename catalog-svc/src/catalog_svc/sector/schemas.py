from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class SectorRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
