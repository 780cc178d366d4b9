from __future__ import annotations

import hashlib
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Header, Query, Request, Response
from starlette.datastructures import UploadFile

from catalog_svc.deps import SessionDep
from catalog_svc.errors import Invalid, TooLarge
from catalog_svc.form.service import FormService
from catalog_svc.procedure.metadata import dublin_core
from catalog_svc.procedure.schemas import (
    Change,
    FormRef,
    OnlineClass,
    ProcedureCreate,
    ProcedureRead,
    ProcedureSummary,
    ProcedureUpdate,
    RevisionRead,
)
from catalog_svc.procedure.service import Actor, ProcedureService
from servicekit.auth import Principal, require_roles
from servicekit.idempotency import IdempotencyDep
from servicekit.pagination import Page

router = APIRouter(prefix="/api/v1/catalog/procedures", tags=["catalog"])
Editor = Annotated[Principal, require_roles("catalog_editor", "admin")]
Code = Annotated[str, "procedure code"]


@router.get("", response_model=Page[ProcedureSummary])
async def list_procedures(
    session: SessionDep,
    q: str | None = Query(None, max_length=200, description="ignores case and Vietnamese diacritics"),
    sector: str | None = Query(None, max_length=32),
    agency: str | None = Query(None, max_length=13, description="the agency's own services (and its liên thông)"),
    level: int | None = Query(None, ge=1, le=4),
    online_class: OnlineClass | None = Query(None),
    page: int = Query(1, ge=1, le=10_000),
    size: int = Query(20, ge=1, le=100),
) -> Page[ProcedureSummary]:
    rows, total = await ProcedureService(session).search(
        q=q, sector=sector, agency=agency, level=level, online_class=online_class, offset=(page - 1) * size,
        limit=size)
    items = [ProcedureSummary(code=p.code, name=p.name, sector_code=p.sector_code, agency_code=p.agency_code,
                              level=p.level, online_class=p.online_class,  # type: ignore[arg-type]
                              processing_time=p.processing_time,  # type: ignore[arg-type]
                              revision=p.revision, score=round(p.score, 4) if p.score is not None else None)
             for p in rows]
    return Page[ProcedureSummary](items=items, total=total, page=page, size=size)


@router.post("", status_code=201, response_model=ProcedureRead)
async def create_procedure(idem: IdempotencyDep,
    body: ProcedureCreate, request: Request, session: SessionDep, editor: Editor,
) -> Any:
    if (replay := await idem.start(body.model_dump(mode="json"))) is not None:
        return replay
    service = ProcedureService(session)
    procedure = await service.create(body, Actor.of(editor), event_id=idem.event_id)
    read = ProcedureRead.model_validate((await service.read(procedure.code)).as_dict())
    idem.store(201, read.model_dump(mode="json"))
    return read


@router.get("/{code}", response_model=ProcedureRead)
async def read_procedure(
    code: Code, session: SessionDep,
    revision: int | None = Query(
        None, ge=1, le=2_147_483_647, description="a pinned revision (a dossier's procedure_revision)"
    ),
) -> ProcedureRead:
    return ProcedureRead.model_validate((await ProcedureService(session).read(code, revision)).as_dict())


def _expected_revision(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise Invalid.field(("header", "If-Match"), "If-Match phải là số phiên bản đang sửa, ví dụ \"3\".")
    return int(value)


@router.put("/{code}", response_model=ProcedureRead)
async def replace_procedure(
    code: Code, body: ProcedureUpdate, session: SessionDep, editor: Editor,
    if_match: Annotated[str | None, Header(description="the revision being edited; 409 if it is not current")] = None,
) -> ProcedureRead:
    service = ProcedureService(session)
    await service.replace(code, body, Actor.of(editor), expected_revision=_expected_revision(if_match))
    return ProcedureRead.model_validate((await service.read(code)).as_dict())


@router.get("/{code}/revisions", response_model=list[RevisionRead])
async def list_revisions(code: Code, session: SessionDep) -> list[RevisionRead]:
    """Every revision, newest first: a plain array (docs/contract.md)."""
    rows = await ProcedureService(session).revisions(code)
    return [RevisionRead(revision=r.revision, changed_at=r.changed_at, changed_by=r.changed_by,
                        changed_by_name=r.changed_by_name, note=r.note,
                        changes=[Change.model_validate(c) for c in r.changes]) for r in rows]


_UPLOAD_DOC: dict[str, Any] = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file", "name"],
    "properties": {"file": {"type": "string", "format": "binary"}, "name": {"type": "string", "maxLength": 300}},
}}}}}


@router.post("/{code}/forms", status_code=201, response_model=FormRef, openapi_extra=_UPLOAD_DOC)
async def upload_form(idem: IdempotencyDep, code: Code, request: Request, session: SessionDep, editor: Editor) -> Any:
    """Multipart ``file`` and ``name``; the body is parsed here so an oversized upload is refused up front."""
    max_bytes: int = request.app.state.settings.form_max_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes + 64 * 1024:
        raise TooLarge(f"Tệp mẫu đơn vượt quá {max_bytes // (1024 * 1024)} MB.")
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise Invalid.field(("body", "file"), "Gửi mẫu đơn dưới dạng multipart/form-data với trường file và name.")
    try:
        form = await request.form(max_files=1, max_fields=10)
    except Exception:
        raise Invalid.field(("body", "file"), "Nội dung multipart không hợp lệ.") from None
    upload, name = form.get("file"), form.get("name")
    if not isinstance(upload, UploadFile):
        raise Invalid.field(("body", "file"), "Thiếu tệp mẫu đơn (trường file).")
    if not isinstance(name, str):
        raise Invalid.field(("body", "name"), "Thiếu tên mẫu đơn (trường name).")
    content = await upload.read(max_bytes + 1)
    await upload.close()
    sha = hashlib.sha256(content).hexdigest()
    if (replay := await idem.start({"name": name, "sha256": sha})) is not None:
        return replay
    saved = await FormService(session, max_bytes=max_bytes).attach(
        code, name, upload.filename or "mau-don", content, Actor.of(editor))
    read = FormRef(id=str(saved.id), name=saved.name, media_type=saved.media_type)
    idem.store(201, read.model_dump())
    return read


@router.get("/{code}/forms/{form_id}", response_class=Response,
            responses={200: {"content": {"application/pdf": {}, "application/xml": {}, "text/plain": {}}}})
async def download_form(code: Code, form_id: str, request: Request, session: SessionDep) -> Response:
    max_bytes: int = request.app.state.settings.form_max_bytes
    f = await FormService(session, max_bytes=max_bytes).download(code, form_id)
    media_type = f.media_type + ("; charset=utf-8" if f.media_type.startswith("text/") else "")

    return Response(f.content, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(f.file_name)}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "Cache-Control": "public, max-age=300",
    })


@router.get("/{code}/metadata", response_class=Response,
            responses={200: {"content": {"application/xml": {}}, "description": "Dublin Core record"}})
async def read_metadata(
    code: Code, request: Request, session: SessionDep, revision: int | None = Query(None, ge=1, le=2_147_483_647),
) -> Response:
    view = (await ProcedureService(session).read(code, revision)).as_dict()
    base = request.app.state.settings.public_url.rstrip("/")  # the gateway's address, not this service's
    return Response(dublin_core(view, base_url=base), media_type="application/xml")
