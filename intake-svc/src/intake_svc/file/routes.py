from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from intake_svc.deps import CurrentUser, NowDep, SessionDep, SettingsDep, StorageDep
from intake_svc.file.schemas import FileRead
from intake_svc.file.service import FileService

router = APIRouter(prefix="/api/v1/files", tags=["files"])


@router.post(
    "", status_code=201, response_model=FileRead,
    openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}}}}},
)
async def upload_file(request: Request, principal: CurrentUser, session: SessionDep, storage: StorageDep,
                      settings: SettingsDep) -> FileRead:
    stored = await FileService(session, storage).upload(principal, request, settings.max_file_bytes)
    return FileRead(id=stored.id, name=stored.name, size=stored.size, sha256=stored.sha256,
                    media_type=stored.media_type)


@router.get("/{file_id}", response_class=FileResponse)
async def download_file(file_id: uuid.UUID, principal: CurrentUser, session: SessionDep,
                        storage: StorageDep, now: NowDep) -> FileResponse:
    stored, path = await FileService(session, storage).readable(principal, file_id, now)
    return FileResponse(path, media_type=stored.media_type, filename=stored.name,
                        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store",
                                 "Digest": f"sha-256={stored.sha256}"})
