from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from pathlib import Path

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from intake_svc.access.policy import AccessPolicy
from intake_svc.access.repository import AccessRepository
from intake_svc.audit.service import ReadLog
from intake_svc.errors import Forbidden, NotFound, UnsupportedMedia
from intake_svc.file.models import StoredFile
from intake_svc.file.repository import FileRepository
from intake_svc.file.sniff import Rejected, sniff
from intake_svc.file.storage import FileStorage, LocalStorage
from intake_svc.file.upload import receive_upload
from servicekit.auth import Principal


class FileService:
    def __init__(self, session: AsyncSession, storage: FileStorage) -> None:
        self.session = session
        self.storage = storage
        self.repo = FileRepository(session)

    async def upload(self, principal: Principal, request: Request, limit: int) -> StoredFile:
        if set(principal.roles) == {"auditor"}:
            raise Forbidden("Thanh tra chỉ được xem hồ sơ, không được tải tệp lên.")
        received = await receive_upload(request, self.storage, limit)
        try:  # the head decides, except for a ZIP (ODF, DOCX) whose listing and a PDF whose end are read from the
            # file: off the loop
            from_file = received.head.startswith((b"PK\x03\x04", b"%PDF-"))
            media_type = (await asyncio.to_thread(sniff, received.head, received.temp_path, received.name) if from_file
                          else sniff(received.head, received.temp_path, received.name))
        except Rejected as exc:
            self.storage.discard(received.temp_path)
            raise UnsupportedMedia(str(exc)) from None
        if isinstance(self.storage, LocalStorage):  # a rename in the same folder tree: no trip through a thread
            self.storage.commit(received.temp_path, received.sha256)
        else:  # an object store: an upload over the network, off the loop
            await asyncio.to_thread(self.storage.commit, received.temp_path, received.sha256)
        stored = StoredFile(id=uuid.uuid4(), owner_id=principal.id, name=received.name, size=received.size,
                            sha256=received.sha256, media_type=media_type)
        await self.repo.insert(stored)
        return stored

    async def readable(self, principal: Principal, file_id: uuid.UUID,
                       now: datetime | None = None) -> tuple[StoredFile, Path]:
        """The owner; anyone who may read a dossier holding the file, as one of the applicant's documents or
        attached while processing (access/policy.py: its agency, partner agencies, auditors); the one-stop
        software of the agency holding a dossier with the file (interop feed links). Anyone else gets 404.
        A read by anyone but the applicant goes to the read log."""
        stored = await self.repo.get(file_id)
        if stored is None:
            raise NotFound("Không tìm thấy tệp.")
        through = None
        if principal.is_officer or stored.owner_id != principal.id:
            policy = AccessPolicy(self.session)
            for dossier in await AccessRepository(self.session).dossiers_of_file(file_id):
                if await policy.may_read(principal, dossier):
                    through = dossier
                    break
        allowed = (
            stored.owner_id == principal.id or through is not None
            or (principal.has("onestop") and principal.agency_code is not None
                and await self.repo.attached_to_agency(file_id, principal.agency_code))
        )
        if not allowed:
            raise NotFound("Không tìm thấy tệp.")
        path = await asyncio.to_thread(self.storage.path_of, stored.sha256)
        if path is None:
            raise NotFound("Không tìm thấy tệp.")
        if through is not None:
            ReadLog(self.session, now).record(principal, through, "file", stored)
        return stored, path
