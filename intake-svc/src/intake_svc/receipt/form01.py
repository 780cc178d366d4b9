"""Form 01 of Circular 01/2018/TT-VPCP: Giấy tiếp nhận hồ sơ và hẹn trả kết quả, as an A5 PDF.

The font is Be Vietnam Pro (SIL OFL, from the ``fontpkg-be-vietnam-pro`` wheel): TrueType with every
Vietnamese glyph, embedded (subset) in the PDF so it prints the same everywhere.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from servicekit.pdffonts import FONT, FONT_BOLD, register_fonts
from servicekit.pdfpage import a5_form, heading, when


@dataclass
class ReceiptDocument:
    name: str
    original: bool
    copies: int


@dataclass
class ReceiptData:
    code: str
    agency_code: str
    agency_name: str | None
    applicant_name: str
    address: str
    phone: str
    email: str | None
    request: str
    documents: list[ReceiptDocument]
    sets: int
    processing_time: str
    received_at: datetime
    due_at: datetime
    collect_at: str
    officer: str | None


def render(data: ReceiptData) -> bytes:
    register_fonts()
    base = ParagraphStyle("base", fontName=FONT, fontSize=8.5, leading=11.5)
    center = ParagraphStyle("center", parent=base, alignment=TA_CENTER)
    title = ParagraphStyle("title", parent=center, fontName=FONT_BOLD, fontSize=11, leading=14, spaceBefore=4)
    small = ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5)
    buf = io.BytesIO()
    doc = a5_form(buf, title=f"Giấy tiếp nhận hồ sơ {data.code}", author="Cổng Dịch vụ công tỉnh Đồng Nai",
                  subject="Mẫu số 01 - Thông tư 01/2018/TT-VPCP")
    e = escape
    header = heading(data.agency_name or f"Cơ quan {data.agency_code}", data.code, data.received_at,
                     (50 * mm, 74 * mm), center, unit="BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ")
    story = [
        header,
        Paragraph("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", title),
        Paragraph(f"Mã hồ sơ: <b>{e(data.code)}</b>", center),
        Spacer(1, 3 * mm),
        Paragraph("Bộ phận tiếp nhận và trả kết quả đã tiếp nhận hồ sơ của:", base),
        Paragraph(f"Ông/Bà: <b>{e(data.applicant_name)}</b>", base),
        Paragraph(f"Địa chỉ: {e(data.address)}", base),
        Paragraph(f"Số điện thoại: {e(data.phone)}&nbsp;&nbsp;&nbsp;Email: {e(data.email or '—')}", base),
        Paragraph(f"Nội dung yêu cầu giải quyết: {e(data.request)}", base),
        Spacer(1, 2 * mm),
        Paragraph("1. Thành phần hồ sơ nộp gồm:", base),
    ]
    rows = [
        [
            Paragraph("<b>TT</b>", center),
            Paragraph("<b>Tên giấy tờ</b>", center),
            Paragraph("<b>Hình thức (bản chính, bản sao…)</b>", center),
            Paragraph("<b>Số lượng</b>", center),
        ]
    ]
    for i, d in enumerate(data.documents, 1):
        rows.append(
            [
                Paragraph(str(i), center),
                Paragraph(e(d.name), small),
                Paragraph("Bản chính" if d.original else "Bản sao", center),
                Paragraph(str(d.copies), center),
            ]
        )
    table = Table(rows, colWidths=[8 * mm, 70 * mm, 28 * mm, 18 * mm], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, "#333333"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story += [
        table,
        Spacer(1, 2 * mm),
        Paragraph(f"2. Số lượng hồ sơ: {data.sets} (bộ)", base),
        Paragraph(f"3. Thời gian giải quyết hồ sơ theo quy định là: {e(data.processing_time)}", base),
        Paragraph(f"4. Thời gian nhận hồ sơ: {when(data.received_at)}", base),
        Paragraph(f"5. Thời gian trả kết quả giải quyết hồ sơ: <b>{when(data.due_at)}</b>", base),
        Paragraph(f"6. Đăng ký nhận kết quả tại: {e(data.collect_at)}", base),
        Paragraph("Vào Sổ theo dõi hồ sơ, Quyển số: ……… Số thứ tự: ………", base),
        Spacer(1, 4 * mm),
    ]
    signs = Table(
        [
            [
                Paragraph("<b>NGƯỜI NỘP HỒ SƠ</b><br/><i>(Ký và ghi rõ họ tên)</i>", center),
                Paragraph("<b>NGƯỜI TIẾP NHẬN HỒ SƠ</b><br/><i>(Ký và ghi rõ họ tên)</i>", center),
            ],
            [Spacer(1, 14 * mm), Spacer(1, 14 * mm)],
            [Paragraph(e(data.applicant_name), center), Paragraph(e(data.officer or ""), center)],
        ],
        colWidths=[62 * mm, 62 * mm],
    )
    story.append(signs)
    doc.build(story)
    return buf.getvalue()
