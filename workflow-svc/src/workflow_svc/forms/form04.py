"""Form 04 of Circular 01/2018/TT-VPCP: Phiếu xin lỗi và hẹn lại ngày trả kết quả, as an A5 PDF.

Signed by the head of the resolving agency. The font is Be Vietnam Pro (SIL OFL, from the
``fontpkg-be-vietnam-pro`` wheel, as intake-svc's form 01): every Vietnamese glyph, embedded in the PDF.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any, Protocol
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table

from servicekit.pdfpage import a5_form, heading, styles, when
from servicekit.timefmt import VN


class Dossierlike(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def applicant_name(self) -> str | None: ...
    @property
    def procedure_name(self) -> str | None: ...
    @property
    def agency_code(self) -> str: ...
    @property
    def agency_name(self) -> str | None: ...
    @property
    def received_at(self) -> datetime: ...


def form_04(d: Dossierlike, *, reason: str, old_due: datetime, new_due: datetime, signed_by: str,
            issued_at: datetime) -> dict[str, Any]:
    """The record of form 04 an extension stores in the action log (rendered by :func:`render`)."""
    return {
        "form": "04", "title": "Phiếu xin lỗi và hẹn lại ngày trả kết quả", "code": d.code,
        "applicant_name": d.applicant_name, "procedure_name": d.procedure_name, "agency_code": d.agency_code,
        "received_at": d.received_at.isoformat(), "old_due_at": old_due.isoformat(), "reason": reason,
        "apology": (f"Cơ quan giải quyết hồ sơ xin lỗi Ông/Bà {d.applicant_name or ''} vì hồ sơ mã {d.code} "
                    f"chưa được giải quyết đúng hẹn ngày {old_due.astimezone(VN):%d/%m/%Y %H:%M} "
                    f"(lý do: {reason}). Hồ sơ sẽ được trả kết quả vào ngày "
                    f"{new_due.astimezone(VN):%d/%m/%Y %H:%M}. Mong Ông/Bà thông cảm."),
        "new_due_at": new_due.isoformat(), "signed_by": signed_by, "signed_by_title": "Lãnh đạo cơ quan",
        "agency_name": d.agency_name, "issued_at": issued_at.isoformat(),
    }


def render(form: dict[str, Any]) -> bytes:
    """``form`` is the form_04 record the ``extend`` action stored in the action log."""
    st = styles()
    base, center = st.base, st.center
    e = escape
    issued = datetime.fromisoformat(form["issued_at"])
    agency = form.get("agency_name") or f"Cơ quan {form.get('agency_code', '')}"
    buf = io.BytesIO()
    doc = a5_form(buf, title=f"Phiếu xin lỗi và hẹn lại ngày trả kết quả {form['code']}", author=agency,
                  subject="Mẫu số 04 - Thông tư 01/2018/TT-VPCP")
    story = [
        heading(agency, form["code"], issued, (50 * mm, 74 * mm), st.center),
        Paragraph("PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", st.title),
        Spacer(1, 3 * mm),
        Paragraph(f"Kính gửi: Ông/Bà <b>{e(form.get('applicant_name') or '')}</b>", base),
        Paragraph(f"Mã hồ sơ: <b>{e(form['code'])}</b>", base),
        Paragraph(f"Thủ tục: {e(form.get('procedure_name') or '')}", base),
        Paragraph(f"Ngày tiếp nhận hồ sơ: {when(form['received_at'])}", base),
        Paragraph(f"Ngày hẹn trả kết quả ban đầu: {when(form['old_due_at'])}", base),
        Paragraph(f"Lý do chậm trễ: {e(form['reason'])}", base),
        Spacer(1, 2 * mm),
        Paragraph(e(form["apology"]), base),
        Spacer(1, 2 * mm),
        Paragraph(f"Thời gian hẹn trả kết quả mới: <b>{when(form['new_due_at'])}</b>", base),
        Spacer(1, 5 * mm),
    ]
    signs = Table(
        [
            [
                Paragraph("", center),
                Paragraph(
                    f"<b>{e(form.get('signed_by_title') or 'Lãnh đạo cơ quan').upper()}</b><br/>"
                    "<i>(Ký, ghi rõ họ tên và đóng dấu)</i>",
                    center,
                ),
            ],
            [Spacer(1, 14 * mm), Spacer(1, 14 * mm)],
            [Paragraph("", center), Paragraph(f"<b>{e(form.get('signed_by') or '')}</b>", center)],
        ],
        colWidths=[50 * mm, 74 * mm],
    )
    story.append(signs)
    doc.build(story)
    return buf.getvalue()
