from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from intake_svc.deps import CatalogDep, SessionDep, SettingsDep, StorageDep
from intake_svc.dossier.models import Dossier
from intake_svc.file.upload import receive_upload
from intake_svc.verification.service import VerificationService, VerifiedDocument
from servicekit.timefmt import VNDateTime

router = APIRouter(prefix="/api/v1/verify", tags=["verification"])


class VerifiedDocumentRead(BaseModel):
    name: str
    sha256: str
    signer: str | None
    issued_at: VNDateTime | None
    kind: str


class VerificationRead(BaseModel):
    """What was issued under a dossier code: no applicant, no address, no file content."""

    code: str
    procedure_name: str
    agency_code: str
    agency_name: str | None
    issued_at: VNDateTime | None
    documents: list[VerifiedDocumentRead]


class MatchRead(BaseModel):
    match: bool
    sha256: str
    document: VerifiedDocumentRead | None = None


def _doc(d: VerifiedDocument) -> VerifiedDocumentRead:
    return VerifiedDocumentRead(name=d.name, sha256=d.sha256, signer=d.signer, issued_at=d.issued_at, kind=d.kind)


async def _answer(dossier: Dossier, docs: list[VerifiedDocument], catalog: CatalogDep) -> VerificationRead:
    return VerificationRead(
        code=dossier.code, procedure_name=dossier.procedure_name, agency_code=dossier.agency_code,
        agency_name=await catalog.agency_name(dossier.agency_code),
        issued_at=dossier.returned_at or dossier.completed_at or dossier.received_at,
        documents=[_doc(d) for d in docs])


@router.get("/{code}", response_model=VerificationRead)
async def read_verification(code: str, session: SessionDep, catalog: CatalogDep) -> VerificationRead:
    """Anyone holding a paper with this code (its QR code) sees what was issued, by whom and when."""
    dossier, docs = await VerificationService(session).issued(code)
    return await _answer(dossier, docs, catalog)


@router.post("/{code}", response_model=MatchRead, openapi_extra={"requestBody": {"required": True, "content": {
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                       "properties": {"file": {"type": "string", "format": "binary"}}}}}}})
async def check_copy(code: str, request: Request, session: SessionDep, storage: StorageDep,
                     settings: SettingsDep) -> MatchRead:
    """A multipart ``file``: is it byte for byte (sha256) one of the documents issued under this code?"""
    _dossier, docs = await VerificationService(session).issued(code)
    received = await receive_upload(request, storage, settings.max_file_bytes)
    storage.discard(received.temp_path)  # only its hash is needed; nothing uploaded here is kept
    found = next((d for d in docs if d.sha256 == received.sha256), None)
    return MatchRead(match=found is not None, sha256=received.sha256, document=_doc(found) if found else None)
