"""Result documents of level-4 dossiers returned online: collected (and PAdES-signed) when processing
approves them, released to the applicant once the fees are paid; the release is the online hand-over."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.intake import DossierDelivered
from contracts.vocabulary import ResultDocumentRef, ReturnMethod
from intake_svc.dossier.models import Dossier
from intake_svc.dossier.service import Actor, DossierService
from intake_svc.dossier.status import Status
from intake_svc.errors import Conflict, Invalid, NotFound
from intake_svc.file.models import StoredFile
from intake_svc.file.repository import FileRepository
from intake_svc.file.storage import FileStorage
from intake_svc.result.models import ResultDocument
from intake_svc.result.repository import ResultRepository
from intake_svc.result.signing import AgencySigner, SigningUnavailable
from servicekit.auth import Principal
from vncalendar import WorkCalendar

log = logging.getLogger(__name__)

SYSTEM = Actor(None, "Cổng Dịch vụ công tỉnh Đồng Nai", "system")


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


class ResultService:
    def __init__(self, session: AsyncSession, *, calendar: WorkCalendar, now: datetime | None = None,
                 storage: FileStorage | None = None, signer: AgencySigner | None = None) -> None:
        self.session = session
        self.dossiers = DossierService(session, calendar=calendar, now=now)
        self.now = self.dossiers.now
        self.repo = ResultRepository(session)
        self.files = FileRepository(session)
        self.storage = storage
        self.signer = signer

    # when processing approved the result ---------------------------------------------------------------
    async def collect(self, dossier: Dossier, refs: Sequence[ResultDocumentRef]) -> list[ResultDocument]:
        """Records the approved documents; each PDF is signed by the agency and stored as a new file."""
        if await self.repo.of_dossier(dossier.id):
            return []
        docs = []
        for i, ref in enumerate(refs):
            doc = ResultDocument(id=uuid.uuid4(), dossier_id=dossier.id, position=i,
                                 name=str(ref.get("name") or f"Kết quả {i + 1}"), created_at=self.now, signed=False)
            await self._attach(dossier, doc, ref)
            self.repo.add(doc)
            docs.append(doc)
        await self.session.flush()
        return docs

    async def _attach(self, dossier: Dossier, doc: ResultDocument, ref: ResultDocumentRef) -> None:
        file_id = _uuid(ref.get("file_id"))
        source = await self.files.get(file_id) if file_id else None
        if source is None:
            doc.problem = "Không có tệp kết quả trên hệ thống."
            return
        doc.source_file_id = source.id
        if ref.get("sha256") and str(ref["sha256"]).lower() != source.sha256:
            doc.problem = "Tệp không trùng với bản đã được phê duyệt (sha256)."
            log.warning("result document of %s: sha256 mismatch for file %s", dossier.code, source.id)
            return
        path = await asyncio.to_thread(self.storage.path_of, source.sha256) if self.storage else None
        if path is None:
            doc.problem = "Không đọc được tệp kết quả."
            return
        if source.media_type != "application/pdf":
            # only PDFs carry a PAdES signature; other open formats are released as approved
            doc.file_id, doc.sha256, doc.media_type, doc.size = source.id, source.sha256, source.media_type, source.size
            return
        if self.signer is None:
            doc.problem = "Chưa cấu hình chữ ký số của cơ quan."
            return
        try:
            signed = await asyncio.to_thread(
                self.signer.sign_pdf, path.read_bytes(), agency_code=dossier.agency_code,
                reason=f"Kết quả giải quyết hồ sơ {dossier.code}", verify_code=dossier.code)
        except SigningUnavailable as exc:
            log.error("cannot sign the result of %s: %s", dossier.code, exc)
            doc.problem = "Chưa ký số được văn bản kết quả."
            return
        assert self.storage is not None
        sha = hashlib.sha256(signed.data).hexdigest()
        await asyncio.to_thread(self._store, signed.data, sha)
        stored = StoredFile(id=uuid.uuid4(), owner_id=f"agency:{dossier.agency_code}", name=source.name,
                            size=len(signed.data), sha256=sha, media_type="application/pdf")
        self.files.add(stored)
        doc.file_id, doc.sha256, doc.media_type, doc.size = stored.id, sha, "application/pdf", len(signed.data)
        doc.signed, doc.signer = True, signed.signer

    def _store(self, data: bytes, sha: str) -> None:
        assert self.storage is not None
        fh, temp = self.storage.temp_file()
        with fh:
            fh.write(data)
        self.storage.commit(temp, sha)

    # the online hand-over ------------------------------------------------------------------------------
    async def release_if_ready(self, dossier: Dossier) -> bool:
        """Level 4, online return, result approved, fees paid, every document available: hand it over."""
        if dossier.level < 4 or dossier.return_method != ReturnMethod.ONLINE or dossier.status != Status.RESULT_READY:
            return False
        if (dossier.fees_due or 0) > (dossier.fees_paid or 0):
            return False
        docs = await self.repo.of_dossier(dossier.id)
        if not docs or not all(d.available for d in docs):
            return False
        await self.session.flush()
        await self.dossiers._transition(
            dossier, "deliver", SYSTEM, note="Trả kết quả trực tuyến (văn bản điện tử có chữ ký số)",
            values={"returned_at": self.now},
            data={"method": ReturnMethod.ONLINE.value,
                  "documents": [{"id": str(d.id), "name": d.name, "sha256": d.sha256, "signed": d.signed}
                                for d in docs]})
        self.dossiers._emit(dossier, DossierDelivered, None, None, method=ReturnMethod.ONLINE)
        return True

    # the applicant's download ----------------------------------------------------------------------------
    async def released(self, principal: Principal, code: str) -> tuple[Dossier, list[ResultDocument]]:
        dossier = await self.dossiers.owned(principal, code)
        if dossier.level < 4:
            raise Invalid.field(("path", "code"),
                                f"Dịch vụ mức độ {dossier.level} không trả kết quả trực tuyến; "
                                "kết quả nhận tại quầy hoặc qua bưu chính.")
        if dossier.return_method != ReturnMethod.ONLINE:
            raise Conflict("Hồ sơ đăng ký nhận kết quả tại quầy hoặc qua bưu chính, không trả trực tuyến.",
                           slug="not-online-return")
        if dossier.status not in (Status.RESULT_READY, Status.RETURNED):
            raise Conflict("Hồ sơ chưa có kết quả.", slug="result-not-ready", status_now=dossier.status)
        if (dossier.fees_due or 0) > (dossier.fees_paid or 0):
            raise Conflict("Cần thanh toán phí, lệ phí trước khi nhận kết quả trực tuyến.", slug="fees-unpaid",
                           fees_due=dossier.fees_due, fees_paid=dossier.fees_paid)
        if dossier.status != Status.RETURNED:
            raise Conflict("Kết quả đang được chuẩn bị (ký số); vui lòng thử lại sau.", slug="result-not-released")
        return dossier, [d for d in await self.repo.of_dossier(dossier.id) if d.available]

    async def document(self, principal: Principal, code: str, doc_id: uuid.UUID) -> tuple[ResultDocument, StoredFile]:
        _dossier, docs = await self.released(principal, code)
        doc = next((d for d in docs if d.id == doc_id), None)
        stored = await self.files.get(doc.file_id) if doc and doc.file_id else None
        if doc is None or stored is None:
            raise NotFound("Không tìm thấy văn bản kết quả.")
        return doc, stored
