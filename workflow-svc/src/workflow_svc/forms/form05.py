"""Form 05 of Circular 01/2018/TT-VPCP: Phiếu kiểm soát quá trình giải quyết hồ sơ, as an A4 PDF.

One row per hand-over between units: who gave, who received, when, and whether the giving unit was early,
on time or late; the dossier's own result at the foot. Vietnamese, fonts embedded (see common.py).
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from servicekit.pdfpage import heading, styles, when
from workflow_svc.dossier.rules import RESULT_LABELS
from workflow_svc.dossier.schemas import ControlSheet


def render(sheet: ControlSheet, *, agency_name: str | None, now: datetime | None = None) -> bytes:
    st = styles(9)
    e = escape
    agency = agency_name or f"Cơ quan {sheet.agency_code}"
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=12 * mm, bottomMargin=12 * mm,
        title=f"Phiếu kiểm soát quá trình giải quyết hồ sơ {sheet.code}", author=agency,
        subject="Mẫu số 05 - Thông tư 01/2018/TT-VPCP",
    )
    story: list = [
        heading(agency, sheet.code, now or datetime.now(UTC), (70 * mm, 110 * mm), st.center),
        Paragraph("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", st.title),
        Spacer(1, 3 * mm),
        Paragraph(f"Mã hồ sơ: <b>{e(sheet.code)}</b>", st.base),
        Paragraph(f"Thủ tục: {e(sheet.procedure_name or sheet.procedure_code)}", st.base),
        Paragraph(f"Người nộp hồ sơ: {e(sheet.applicant_name or '')}", st.base),
        Paragraph(f"Cơ quan (bộ phận) giải quyết hồ sơ: {e(agency)}", st.base),
        Paragraph(f"Thời gian tiếp nhận: {when(sheet.received_at)}", st.base),
        Paragraph(f"Thời gian hẹn trả kết quả: {when(sheet.due_at)}"
                  + (f" (hẹn ban đầu: {when(sheet.original_due_at)})" if sheet.due_at != sheet.original_due_at
                     else ""), st.base),
        Spacer(1, 3 * mm),
    ]
    head = ["TÊN CƠ QUAN, BỘ PHẬN", "THỜI GIAN GIAO, NHẬN HỒ SƠ",
            "KẾT QUẢ GIẢI QUYẾT HỒ SƠ (Trước hạn/đúng hạn/quá hạn)", "GHI CHÚ"]
    data: list[list[Paragraph]] = [[Paragraph(f"<b>{h}</b>", st.center) for h in head]]
    for r in sheet.rows:
        units = (f"{r.no}. Giao: {e(r.from_unit)}" + (f" ({e(r.from_agency)})" if r.from_agency else "")
                 + f"<br/>Người giao: {e(r.given_by or '')}"
                 + f"<br/>Nhận: {e(r.to_unit)}" + (f" ({e(r.to_agency)})" if r.to_agency else "")
                 + f"<br/>Người nhận: {e(r.received_by or '')}")
        times = f"Giao: {when(r.at)}" + (f"<br/>Nhận: {when(r.received_at)}" if r.received_at else "")
        result = RESULT_LABELS.get(r.result, "") if r.result else ""
        data.append([Paragraph(units, st.small), Paragraph(times, st.small), Paragraph(result, st.center),
                     Paragraph(e(r.note or ""), st.small)])
    if len(data) == 1:
        data.append([Paragraph("Chưa có lần giao, nhận hồ sơ nào.", st.small), Paragraph("", st.small),
                     Paragraph("", st.small), Paragraph("", st.small)])
    table = Table(data, colWidths=[62 * mm, 50 * mm, 32 * mm, 36 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
    ]))
    story.append(table)
    story.append(Spacer(1, 4 * mm))
    if sheet.finished_at is not None:
        story.append(Paragraph(f"Hồ sơ giải quyết xong lúc {when(sheet.finished_at)}"
                               + (f": <b>{e(sheet.result_label)}</b>." if sheet.result_label else "."), st.base))
    else:
        story.append(Paragraph("Hồ sơ đang được giải quyết.", st.base))
    doc.build(story)
    return buf.getvalue()
