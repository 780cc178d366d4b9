from __future__ import annotations

import asyncio
import uuid
from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import FileResponse
from pydantic import BaseModel

from intake_svc.deps import CalendarDep, SessionDep, StorageDep
from intake_svc.errors import NotFound
from intake_svc.result.service import ResultService
from servicekit.auth import Principal, require_roles
from servicekit.timefmt import VNDateTime

router = APIRouter(prefix="/api/v1", tags=["results"])

Citizen = Annotated[Principal, require_roles("citizen")]


class ResultDocumentRead(BaseModel):
    id: uuid.UUID
    name: str
    media_type: str | None
    size: int | None
    sha256: str | None
    signed: bool
    signer: str | None
    download_url: str


class ResultRead(BaseModel):
    code: str
    returned_at: VNDateTime | None
    documents: list[ResultDocumentRead]


@router.get("/dossiers/{code}/result", response_model=ResultRead)
async def read_result(code: str, principal: Citizen, session: SessionDep, calendar: CalendarDep) -> ResultRead:
    dossier, docs = await ResultService(session, calendar=calendar).released(principal, code)
    return ResultRead(code=dossier.code, returned_at=dossier.returned_at, documents=[
        ResultDocumentRead(id=d.id, name=d.name, media_type=d.media_type, size=d.size, sha256=d.sha256,
                           signed=d.signed, signer=d.signer,
                           download_url=f"/api/v1/dossiers/{dossier.code}/result/{d.id}") for d in docs])


@router.get("/dossiers/{code}/result/{doc_id}", response_class=FileResponse,
            responses={200: {"content": {"application/pdf": {}}, "description": "văn bản kết quả có chữ ký số"}})
async def download_result(code: str, doc_id: uuid.UUID, principal: Citizen, session: SessionDep,
                          calendar: CalendarDep, storage: StorageDep) -> FileResponse:
    _doc, stored = await ResultService(session, calendar=calendar).document(principal, code, doc_id)
    path = await asyncio.to_thread(storage.path_of, stored.sha256)
    if path is None:
        raise NotFound("Không tìm thấy văn bản kết quả.")
    return FileResponse(path, media_type=stored.media_type, filename=stored.name,
                        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store",
                                 "Digest": f"sha-256={stored.sha256}"})
