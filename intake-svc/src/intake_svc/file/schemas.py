from __future__ import annotations

import uuid

from pydantic import BaseModel


class FileRead(BaseModel):
    id: uuid.UUID
    name: str
    size: int
    sha256: str
    media_type: str
