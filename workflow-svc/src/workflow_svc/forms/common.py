"""What forms 04 and 05 share: the fonts, the styles and the national heading of an administrative paper."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, Table, TableStyle

from servicekit.pdffonts import FONT, FONT_BOLD, register_fonts
from servicekit.timefmt import VN


@dataclass(frozen=True)
class Styles:
    base: ParagraphStyle
    center: ParagraphStyle
    title: ParagraphStyle
    small: ParagraphStyle


def styles(size: float = 9) -> Styles:
    register_fonts()
    base = ParagraphStyle("base", fontName=FONT, fontSize=size, leading=size * 1.4, alignment=TA_JUSTIFY)
    center = ParagraphStyle("center", parent=base, alignment=TA_CENTER)
    title = ParagraphStyle("title", parent=center, fontName=FONT_BOLD, fontSize=size + 2, leading=(size + 2) * 1.3,
                           spaceBefore=6)
    small = ParagraphStyle("small", parent=base, fontSize=size - 1, leading=(size - 1) * 1.3, alignment=0)
    return Styles(base, center, title, small)


def when(value: str | datetime) -> str:
    """``15 giờ 30 phút, ngày 07 tháng 12 năm 2026`` in Vietnam's time."""
    local = (datetime.fromisoformat(value) if isinstance(value, str) else value).astimezone(VN)
    return f"{local:%H} giờ {local:%M} phút, ngày {local:%d} tháng {local:%m} năm {local:%Y}"


def heading(agency: str, number: str, issued: datetime, widths: tuple[float, float], s: Styles) -> Table:
    """The agency and the paper's number on the left; the national motto and place, date on the right."""
    local = issued.astimezone(VN)
    table = Table(
        [[
            Paragraph(f"<b>{escape(agency.upper())}</b><br/>Số: {escape(number)}", s.center),
            Paragraph(
                "<b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b><br/><b>Độc lập - Tự do - Hạnh phúc</b><br/>"
                f"<i>Đồng Nai, ngày {local:%d} tháng {local:%m} năm {local:%Y}</i>",
                s.center,
            ),
        ]],
        colWidths=list(widths),
    )
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table
