from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from intake_svc.audit.service import ReadLog
from intake_svc.deps import SessionDep
from servicekit.auth import Principal, require_roles
from servicekit.pagination import Page
from servicekit.timefmt import VNDateTime

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])

Inspector = Annotated[Principal, require_roles("auditor", "admin")]


class ReadEntryOut(BaseModel):
    at: VNDateTime
    actor_id: str
    actor_name: str | None
    role: str
    agency_code: str | None
    dossier_code: str
    what: str
    file_id: uuid.UUID | None
    file_name: str | None


class ReadPage(Page[ReadEntryOut]):
    """The read log (its own name in the OpenAPI schema)."""


@router.get("/reads", response_model=ReadPage, summary="Nhật ký truy cập dữ liệu cá nhân của người nộp hồ sơ")
async def list_reads(
    principal: Inspector, session: SessionDep,
    dossier: Annotated[str | None, Query(min_length=1, max_length=100, description="mã hồ sơ")] = None,
    actor: Annotated[str | None, Query(min_length=1, max_length=100, description="mã người đọc")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1, size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ReadPage:
    rows, total = await ReadLog(session).page(dossier_code=dossier, actor_id=actor, page=page, size=size)
    return ReadPage(items=[ReadEntryOut(at=r.at, actor_id=r.actor_id, actor_name=r.actor_name, role=r.role,
                                        agency_code=r.agency_code, dossier_code=r.dossier_code, what=r.what,
                                        file_id=r.file_id, file_name=r.file_name) for r in rows],
                    total=total, page=page, size=size)
