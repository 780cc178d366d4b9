from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from intake_svc.errors import NotFound, UnsupportedMedia
from intake_svc.file.models import StoredFile
from intake_svc.file.repository import FileRepository
from intake_svc.file.sniff import Rejected, sniff
from intake_svc.file.storage import LocalStorage
from intake_svc.file.upload import receive_upload
from servicekit.auth import Principal


class FileService:
    def __init__(self, session: AsyncSession, storage: LocalStorage) -> None:
        self.session = session
        self.storage = storage
        self.repo = FileRepository(session)

    async def upload(self, principal: Principal, request: Request, limit: int) -> StoredFile:
        received = await receive_upload(request, self.storage, limit)
        try:
            media_type = await asyncio.to_thread(sniff, received.head, received.temp_path)
        except Rejected as exc:
            self.storage.discard(received.temp_path)
            raise UnsupportedMedia(str(exc)) from None
        await asyncio.to_thread(self.storage.commit, received.temp_path, received.sha256)
        stored = StoredFile(id=uuid.uuid4(), owner_id=principal.id, name=received.name, size=received.size,
                            sha256=received.sha256, media_type=media_type)
        self.repo.add(stored)
        await self.session.flush()
        return stored

    async def readable(self, principal: Principal, file_id: uuid.UUID) -> tuple[StoredFile, Path]:
        """The owner, or an officer or the one-stop software (interop feed links) of an agency holding a
        dossier with the file; anyone else gets 404."""
        stored = await self.repo.get(file_id)
        allowed = stored is not None and (
            stored.owner_id == principal.id
            or ((principal.is_officer or principal.has("onestop")) and principal.agency_code is not None
                and await self.repo.attached_to_agency(file_id, principal.agency_code))
        )
        if stored is None or not allowed:
            raise NotFound("Không tìm thấy tệp.")
        path = self.storage.path_of(stored.sha256)
        if path is None:
            raise NotFound("Không tìm thấy tệp.")
        return stored, path
