"""Public verification of what the platform issued for a dossier (form 01, signed results): what it is, who
issued it and when, and whether an uploaded copy is byte-identical (sha256). Never any personal data."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from intake_svc.dossier.models import Dossier
from intake_svc.dossier.repository import DossierRepository
from intake_svc.dossier.schemas import TRACKING_CODE
from intake_svc.errors import NotFound
from intake_svc.result.repository import ResultRepository
from intake_svc.verification.repository import IssuedPaperRepository

FORM01_NAME = "Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Mẫu số 01)"


@dataclass(frozen=True)
class VerifiedDocument:
    name: str
    sha256: str
    signer: str | None
    issued_at: datetime | None
    kind: str  # result | form01


def form01_signer(agency_name: str | None, agency_code: str) -> str:
    return f"Bộ phận tiếp nhận và trả kết quả — {agency_name or f'cơ quan mã {agency_code}'}"


class VerificationService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.papers = IssuedPaperRepository(session)

    async def record_form01(self, dossier: Dossier, content: bytes, agency_name: str | None, at: datetime) -> None:
        await self.papers.record(dossier_id=dossier.id, form="01", name=FORM01_NAME,
                                 sha256=hashlib.sha256(content).hexdigest(),
                                 signer=form01_signer(agency_name, dossier.agency_code), issued_at=at)

    async def issued(self, code: str) -> tuple[Dossier, list[VerifiedDocument]]:
        """The dossier and every document issued for it; 404 when there is none (or no such dossier)."""
        dossier = await DossierRepository(self.session).by_code(code) if TRACKING_CODE.match(code) else None
        if dossier is None:
            raise NotFound("Không tìm thấy giấy tờ nào được cấp với mã này.")
        docs = [VerifiedDocument(d.name, d.sha256, d.signer, dossier.returned_at or d.created_at, "result")
                for d in await ResultRepository(self.session).of_dossier(dossier.id) if d.available and d.sha256]
        docs += [VerifiedDocument(p.name, p.sha256, p.signer, p.issued_at, "form01")
                 for p in await self.papers.of_dossier(dossier.id)]
        if not docs:
            raise NotFound("Không tìm thấy giấy tờ nào được cấp với mã này.")
        return dossier, docs
