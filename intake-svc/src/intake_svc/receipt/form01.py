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
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from intake_svc.verification.qr import QrFlowable
from servicekit.pdffonts import FONT, FONT_BOLD, register_fonts
from servicekit.pdfpage import Styles, a5_form, heading, when


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
    phone: str | None
    email: str | None
    request: str
    documents: list[ReceiptDocument]
    sets: int
    processing_time: str
    received_at: datetime
    due_at: datetime
    collect_at: str
    officer: str | None
    verify_url: str | None = None  # the public verification page, printed as a QR code and its address


def styles() -> Styles:
    """The A5 paper forms' type: Be Vietnam Pro, registered (and embedded as a subset) on first use."""
    register_fonts()
    base = ParagraphStyle("base", fontName=FONT, fontSize=8.5, leading=11.5)
    center = ParagraphStyle("center", parent=base, alignment=TA_CENTER)
    title = ParagraphStyle("title", parent=center, fontName=FONT_BOLD, fontSize=11, leading=14, spaceBefore=4)
    small = ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5)
    return Styles(base, center, title, small)


def header(st: Styles, agency_code: str, agency_name: str | None, number: str, at: datetime) -> Table:
    """The agency and its desk with the paper's number on the left, the national motto and the date on the right."""
    return heading(agency_name or f"Cơ quan {agency_code}", number, at, (50 * mm, 74 * mm), st.center,
                   unit="BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ")


def signatures(st: Styles, left: tuple[str, str | None], right: tuple[str, str | None]) -> Table:
    """Two signature blocks: (title, name printed under the space for the signature)."""
    e = escape
    return Table(
        [
            [Paragraph(f"<b>{e(left[0])}</b><br/><i>(Ký và ghi rõ họ tên)</i>", st.center),
             Paragraph(f"<b>{e(right[0])}</b><br/><i>(Ký và ghi rõ họ tên)</i>", st.center)],
            [Spacer(1, 14 * mm), Spacer(1, 14 * mm)],
            [Paragraph(e(left[1] or ""), st.center), Paragraph(e(right[1] or ""), st.center)],
        ],
        colWidths=[62 * mm, 62 * mm],
    )


def build(story: list[Flowable], *, title: str, subject: str, invariant: bool = False) -> bytes:
    buf = io.BytesIO()
    # invariant: the same content gives the same bytes (no creation time, no random id), so a copy can be checked
    # by its hash
    a5_form(buf, title=title, author="Cổng Dịch vụ công tỉnh Đồng Nai", subject=subject,
            invariant=1 if invariant else None).build(story)
    return buf.getvalue()


def render(data: ReceiptData) -> bytes:
    st = styles()
    base, center, title, small = st.base, st.center, st.title, st.small
    e = escape
    story: list[Flowable] = [
        header(st, data.agency_code, data.agency_name, data.code, data.received_at),
        Paragraph("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", title),
        Paragraph(f"Mã hồ sơ: <b>{e(data.code)}</b>", center),
        Spacer(1, 3 * mm),
        Paragraph("Bộ phận tiếp nhận và trả kết quả đã tiếp nhận hồ sơ của:", base),
        Paragraph(f"Ông/Bà: <b>{e(data.applicant_name)}</b>", base),
        Paragraph(f"Địa chỉ: {e(data.address)}", base),
        Paragraph(f"Số điện thoại: {e(data.phone or '—')}&nbsp;&nbsp;&nbsp;Email: {e(data.email or '—')}", base),
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
        signatures(st, ("NGƯỜI NỘP HỒ SƠ", data.applicant_name), ("NGƯỜI TIẾP NHẬN HỒ SƠ", data.officer)),
    ]
    if data.verify_url:
        story += [Spacer(1, 3 * mm), verification(st, data.verify_url)]
    return build(story, title=f"Giấy tiếp nhận hồ sơ {data.code}", subject="Mẫu số 01 - Thông tư 01/2018/TT-VPCP",
                 invariant=True)


def verification(st: Styles, url: str) -> Table:
    """The QR code of the public verification page and its address, with what the page shows."""
    table = Table([[QrFlowable(url, 22 * mm), Paragraph(
        "Quét mã QR hoặc truy cập địa chỉ dưới đây để xác minh giấy này (mã hồ sơ, thủ tục, cơ quan, ngày cấp) "
        f"và kiểm tra bản sao có trùng khớp với bản đã cấp:<br/><b>{escape(url)}</b>", st.small)]],
        colWidths=[25 * mm, 99 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return table
