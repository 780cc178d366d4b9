from __future__ import annotations

from collections.abc import Sequence

from intake_svc.dossier.models import Dossier, DossierDocument
from intake_svc.receipt.form01 import ReceiptData, ReceiptDocument, render

UNITS_VI = {"working_days": "ngày làm việc", "days": "ngày", "hours": "giờ làm việc", "months": "tháng"}


def _amount(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}".replace(".", ",")


def collect_at(dossier: Dossier) -> str:
    if dossier.return_method == "postal":
        return f"Qua dịch vụ bưu chính, gửi đến địa chỉ: {dossier.applicant.get('address', '')}"
    if dossier.return_method == "online":
        return "Trực tuyến trên Cổng Dịch vụ công tỉnh Đồng Nai"
    return f"Bộ phận tiếp nhận và trả kết quả, cơ quan mã {dossier.agency_code}"


def receipt_pdf(dossier: Dossier, docs: Sequence[DossierDocument], officer: str | None) -> bytes:
    assert dossier.received_at is not None and dossier.due_at is not None
    pt = dossier.procedure.get("processing_time") or {}
    applicant = dossier.applicant
    return render(ReceiptData(
        code=dossier.code, agency_code=dossier.agency_code, applicant_name=applicant.get("full_name", ""),
        address=applicant.get("address", ""), phone=applicant.get("phone", ""), email=applicant.get("email"),
        request=dossier.procedure_name,
        documents=[ReceiptDocument(d.name, d.original, d.copies) for d in docs],
        sets=1,
        processing_time=f"{_amount(float(pt.get('value') or 0))} {UNITS_VI.get(str(pt.get('unit')), '')}".strip(),
        received_at=dossier.received_at, due_at=dossier.due_at, collect_at=collect_at(dossier), officer=officer,
    ))
