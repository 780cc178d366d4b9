from __future__ import annotations

from collections.abc import Sequence

from contracts.vocabulary import ReturnMethod
from intake_svc.dossier.models import Dossier, DossierAction, DossierDocument
from intake_svc.receipt.form01 import ReceiptData, ReceiptDocument, render
from intake_svc.receipt.letters import LetterData, render_letter

UNITS_VI = {"working_days": "ngày làm việc", "days": "ngày", "hours": "giờ làm việc", "months": "tháng"}


def _amount(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}".replace(".", ",")


def collect_at(dossier: Dossier, agency_name: str | None = None) -> str:
    if dossier.return_method == ReturnMethod.POSTAL:
        return f"Qua dịch vụ bưu chính, gửi đến địa chỉ: {dossier.applicant.get('address', '')}"
    if dossier.return_method == ReturnMethod.ONLINE:
        return "Trực tuyến trên Cổng Dịch vụ công tỉnh Đồng Nai"
    if agency_name:
        return f"Bộ phận tiếp nhận và trả kết quả, {agency_name}"
    return f"Bộ phận tiếp nhận và trả kết quả, cơ quan mã {dossier.agency_code}"


def current_documents(docs: Sequence[DossierDocument]) -> list[DossierDocument]:
    """The dossier's current set: for each requirement, the documents of the latest round that supplied it
    (a document resubmitted in a supplement round replaces the earlier one, so it is listed once), in the
    order the requirements were first given."""
    ordered = sorted(docs, key=lambda d: (d.round, d.id or 0))
    latest: dict[str, int] = {}
    for d in ordered:
        latest[d.requirement_code] = d.round
    first = {code: i for i, code in enumerate(dict.fromkeys(d.requirement_code for d in ordered))}
    current: dict[tuple[str, object], DossierDocument] = {}
    for d in ordered:
        if d.round == latest[d.requirement_code]:
            current.setdefault((d.requirement_code, d.file_id), d)
    return sorted(current.values(), key=lambda d: (first[d.requirement_code], d.id or 0))


def receipt_pdf(dossier: Dossier, docs: Sequence[DossierDocument], officer: str | None,
                agency_name: str | None = None, verify_url: str | None = None) -> bytes:
    return render(receipt_data(dossier, docs, officer, agency_name, verify_url))


def receipt_data(dossier: Dossier, docs: Sequence[DossierDocument], officer: str | None,
                 agency_name: str | None = None, verify_url: str | None = None) -> ReceiptData:
    """What form 01 prints; ``docs`` should be the current set (``current_documents``)."""
    assert dossier.received_at is not None and dossier.due_at is not None
    pt = dossier.procedure.get("processing_time") or {}
    applicant = dossier.applicant
    return ReceiptData(
        code=dossier.code, agency_code=dossier.agency_code, agency_name=agency_name,
        applicant_name=applicant.get("full_name", ""),
        address=applicant.get("address", ""), phone=applicant.get("phone"), email=applicant.get("email"),
        request=dossier.procedure_name,
        documents=[ReceiptDocument(d.name, d.original, d.copies) for d in docs],
        sets=1,
        processing_time=f"{_amount(float(pt.get('value') or 0))} {UNITS_VI.get(str(pt.get('unit')), '')}".strip(),
        received_at=dossier.received_at, due_at=dossier.due_at, collect_at=collect_at(dossier, agency_name),
        officer=officer, verify_url=verify_url,
    )


# the history rows whose data holds a form's content (the latest one is printed)
# (03 also when the agency's head approved refusing it after processing: the notice carries the leader's reason)
FORM_ACTIONS = {"02": ("request_supplement", "processing_request_supplement"), "03": ("refuse", "rejected")}


def letter_pdf(dossier: Dossier, form: str, actions: Sequence[DossierAction],
               agency_name: str | None = None) -> bytes | None:
    """Form 02 or 03 as the desk (or the specialist) issued it; ``None`` when the dossier has no such form."""
    row = next((a for a in reversed(actions) if a.action in FORM_ACTIONS.get(form, ())), None)
    if row is None:
        return None
    data, applicant = row.data or {}, dossier.applicant
    return render_letter(LetterData(
        form=form, code=dossier.code, agency_code=dossier.agency_code, agency_name=agency_name, at=row.at,
        applicant_name=applicant.get("full_name", ""), address=applicant.get("address", ""),
        phone=applicant.get("phone"), email=applicant.get("email"), request=dossier.procedure_name,
        officer=row.actor_name, items=[str(i) for i in data.get("items") or []],
        reason=(data.get("reasons") or row.note) if form == "03" else data.get("reason"), round=data.get("round"),
        processing=row.action in ("processing_request_supplement", "rejected"),
    ))
