"""What every administrative paper the services print shares (forms 01, 04, 05 and the reports): the
paragraph styles in the Vietnamese font, the national heading, the long Vietnamese date and time, and an A5
form page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.pagesizes import A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

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


def heading(agency: str, number: str, issued: datetime, widths: tuple[float, float], center: ParagraphStyle,
            *, unit: str | None = None) -> Table:
    """The agency (and its ``unit``) and the paper's number on the left; the national motto and the place and
    date of issue on the right."""
    local = issued.astimezone(VN)
    left = f"<b>{escape(agency.upper())}</b><br/>" + (f"{escape(unit)}<br/>" if unit else "") + f"Số: {escape(number)}"
    table = Table(
        [[
            Paragraph(left, center),
            Paragraph(
                "<b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b><br/><b>Độc lập - Tự do - Hạnh phúc</b><br/>"
                f"<i>Đồng Nai, ngày {local:%d} tháng {local:%m} năm {local:%Y}</i>",
                center,
            ),
        ]],
        colWidths=list(widths),
    )
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def document(buf: IO[bytes], *, pagesize: tuple[float, float] = A5, title: str, author: str,
             margins: tuple[float, float] = (12 * mm, 10 * mm), **kwargs: Any) -> SimpleDocTemplate:
    """A Vietnamese PDF document: ``margins`` are (left and right, top and bottom); ``kwargs`` go to
    reportlab (``subject``, …)."""
    side, top = margins
    return SimpleDocTemplate(buf, pagesize=pagesize, leftMargin=side, rightMargin=side, topMargin=top,
                             bottomMargin=top, title=title, author=author, lang="vi", **kwargs)


def a5_form(buf: IO[bytes], *, title: str, author: str, subject: str, **kwargs: Any) -> SimpleDocTemplate:
    """An A5 page with the margins of the counter's forms (01, 04)."""
    return document(buf, title=title, author=author, subject=subject, **kwargs)
