"""The report as files: CSV (UTF-8 with BOM), ODS (OpenDocument, TT 19/2011), PDF (Be Vietnam Pro), and the
weekly chart as SVG. Pure and synchronous: callers run them in a worker thread, off the event loop."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from contracts.vocabulary import CHANNEL_VI, Channel
from servicekit.pdffonts import FONT, FONT_BOLD, register_fonts
from servicekit.pdfpage import document

SUMMARY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("submitted", "Tiếp nhận mới"),
    ("received", "Đã tiếp nhận"),
    ("in_progress", "Đang giải quyết"),
    ("finished", "Đã giải quyết"),
    ("early", "Trước hạn"),
    ("on_time", "Đúng hạn"),
    ("late", "Quá hạn"),
    ("returned", "Đã trả kết quả"),
    ("withdrawn", "Rút hồ sơ"),
    ("refused", "Từ chối tiếp nhận"),
    ("rejected", "Không giải quyết"),
    ("average_processing_days", "TG TB (ngày LV)"),
    *((channel.value, CHANNEL_VI[channel]) for channel in Channel),
    ("online_share", "Tỷ lệ trực tuyến (%)"),
    ("online_payment_share", "Tỷ lệ TT trực tuyến (%)"),
)
REGISTER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("no", "STT"),
    ("code", "Mã hồ sơ"),
    ("procedure_name", "Thủ tục"),
    ("applicant_name", "Người nộp"),
    ("received_at", "Ngày nhận"),
    ("due_at", "Ngày hẹn trả"),
    ("transferred_at", "Ngày chuyển"),
    ("result_at", "Ngày có kết quả"),
    ("returned_at", "Ngày trả kết quả"),
)
INDICATOR_COLUMNS: tuple[tuple[str, str], ...] = (
    ("code", "Mã"),
    ("name", "Chỉ tiêu"),
    ("formula", "Công thức"),
    ("numerator", "Tử số"),
    ("denominator", "Mẫu số"),
    ("value", "Giá trị"),
    ("unit", "Đơn vị"),
    ("note", "Ghi chú"),
)


def _title(report: dict[str, Any]) -> str:
    return f"Báo cáo tình hình giải quyết hồ sơ — {report['period_title']} — {report['agency_name']}"


def _cell(v: Any) -> Any:
    return "" if v is None else v


# ------------------------------------------------------------------------------------------------ CSV
def to_csv(report: dict[str, Any]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow([_title(report)])
    w.writerow([])
    w.writerow(["Chỉ tiêu Quyết định 766/QĐ-TTg"])
    w.writerow([h for _, h in INDICATOR_COLUMNS])
    for ind in report["indicators"]:
        w.writerow([_cell(ind[k]) for k, _ in INDICATOR_COLUMNS])
    w.writerow([])
    w.writerow(["Số liệu theo thủ tục"])
    w.writerow(["Mã thủ tục", "Tên thủ tục", *(h for _, h in SUMMARY_COLUMNS)])
    for p in report["procedures"]:
        w.writerow([p["procedure_code"], _cell(p["procedure_name"]), *(_cell(p[k]) for k, _ in SUMMARY_COLUMNS)])
    w.writerow(["Tổng cộng", "", *(_cell(report["totals"][k]) for k, _ in SUMMARY_COLUMNS)])
    w.writerow([])
    w.writerow(["Mẫu số 06 — Sổ theo dõi hồ sơ"])
    w.writerow([h for _, h in REGISTER_COLUMNS])
    for r in report["register"]:
        w.writerow([_cell(r[k]) for k, _ in REGISTER_COLUMNS])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")  # BOM: spreadsheet apps then read UTF-8


# ------------------------------------------------------------------------------------------------ ODS
def to_ods(report: dict[str, Any]) -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    doc.meta.addElement(_dc_title(_title(report)))

    def sheet(name: str, header: Sequence[str], rows: list[list[Any]], title: str) -> None:
        table = Table(name=name)
        for values in ([title], [], list(header), *rows):
            tr = TableRow()
            for v in values:
                if isinstance(v, bool) or v is None or v == "":
                    cell = TableCell(valuetype="string")
                    if v not in (None, ""):
                        cell.addElement(P(text=str(v)))
                elif isinstance(v, int | float):
                    cell = TableCell(valuetype="float", value=v)
                    cell.addElement(P(text=str(v)))
                else:
                    cell = TableCell(valuetype="string")
                    cell.addElement(P(text=str(v)))
                tr.addElement(cell)
            table.addElement(tr)
        doc.spreadsheet.addElement(table)

    sheet(
        "Chỉ tiêu 766",
        [h for _, h in INDICATOR_COLUMNS],
        [[ind[k] for k, _ in INDICATOR_COLUMNS] for ind in report["indicators"]],
        _title(report),
    )
    rows = [
        [p["procedure_code"], p["procedure_name"], *(p[k] for k, _ in SUMMARY_COLUMNS)] for p in report["procedures"]
    ]
    rows.append(["Tổng cộng", "", *(report["totals"][k] for k, _ in SUMMARY_COLUMNS)])
    sheet("Theo thủ tục", ["Mã thủ tục", "Tên thủ tục", *(h for _, h in SUMMARY_COLUMNS)], rows, _title(report))
    sheet(
        "Mẫu 06",
        [h for _, h in REGISTER_COLUMNS],
        [[r[k] for k, _ in REGISTER_COLUMNS] for r in report["register"]],
        "Sổ theo dõi hồ sơ",
    )
    buf = io.BytesIO()
    doc.write(buf)
    return buf.getvalue()


def _dc_title(value: str) -> Any:
    from odf.dc import Title

    return Title(text=value)


# ------------------------------------------------------------------------------------------------ SVG
_BAR_LABELS = {"received": "đã tiếp nhận", "finished": "đã giải quyết"}


def weekly_svg(weeks: list[dict[str, Any]], title: str, width: int = 720, height: int = 300) -> str:
    """Bars: dossiers received per week; line: on-time rate (right axis, %). Self-contained, no scripts."""
    left, right, top, bottom = 48, 48, 36, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(1, len(weeks))
    peak = max([1, *(max(w["received"], w["finished"]) for w in weeks)])
    slot = plot_w / n
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" font-family="Be Vietnam Pro, Arial, sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        f'<text x="{left}" y="20" font-size="13" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#444"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">{peak}</text>',
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end">0</text>',
        f'<text x="{left + plot_w + 6}" y="{top + 4}">100%</text>',
        f'<text x="{left + plot_w + 6}" y="{top + plot_h}">0%</text>',
    ]
    points = []
    for i, w in enumerate(weeks):
        x = left + i * slot
        bw = max(2.0, slot * 0.35)
        for j, (key, color) in enumerate((("received", "#2b6cb0"), ("finished", "#90cdf4"))):
            h = plot_h * w[key] / peak
            parts.append(
                f'<rect x="{x + slot * 0.12 + j * bw:.1f}" y="{top + plot_h - h:.1f}" width="{bw:.1f}" '
                f'height="{h:.1f}" fill="{color}"><title>Tuần {escape(w["week"])}: {_BAR_LABELS[key]} '
                f"{w[key]} hồ sơ</title></rect>"
            )
        parts.append(
            f'<text x="{x + slot / 2:.1f}" y="{top + plot_h + 14}" text-anchor="middle" font-size="9">'
            f"{escape(w['week'][5:])}</text>"
        )
        if w.get("on_time_rate") is not None:
            points.append(f"{x + slot / 2:.1f},{top + plot_h * (1 - w['on_time_rate'] / 100):.1f}")
    if points:
        parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="#c53030" stroke-width="2"/>')
        parts += [f'<circle cx="{p.split(",")[0]}" cy="{p.split(",")[1]}" r="3" fill="#c53030"/>' for p in points]
    ly = height - 12
    parts += [
        f'<rect x="{left}" y="{ly - 9}" width="10" height="10" fill="#2b6cb0"/>',
        f'<text x="{left + 14}" y="{ly}">Hồ sơ tiếp nhận</text>',
        f'<rect x="{left + 120}" y="{ly - 9}" width="10" height="10" fill="#90cdf4"/>',
        f'<text x="{left + 134}" y="{ly}">Hồ sơ đã giải quyết</text>',
        f'<line x1="{left + 260}" y1="{ly - 4}" x2="{left + 276}" y2="{ly - 4}" stroke="#c53030" stroke-width="2"/>',
        f'<text x="{left + 280}" y="{ly}">Tỷ lệ đúng hạn (%)</text>',
        "</svg>",
    ]
    return "\n".join(parts)


# ------------------------------------------------------------------------------------------------ PDF
def _chart_drawing(weeks: list[dict[str, Any]], width: float, height: float) -> Any:
    """The weekly chart drawn with reportlab's vector graphics (the same series as the SVG endpoint)."""
    from reportlab.graphics.shapes import Drawing, Line, PolyLine, Rect, String
    from reportlab.lib import colors

    d = Drawing(width, height)
    left, bottom, plot_w, plot_h = 30, 28, width - 60, height - 40
    n = max(1, len(weeks))
    peak = max([1, *(max(w["received"], w["finished"]) for w in weeks)])
    slot = plot_w / n
    d.add(Line(left, bottom, left + plot_w, bottom, strokeColor=colors.black))
    d.add(String(left - 4, bottom + plot_h - 4, str(peak), fontName=FONT, fontSize=7, textAnchor="end"))
    d.add(String(left + plot_w + 4, bottom + plot_h - 4, "100%", fontName=FONT, fontSize=7))
    points: list[float] = []
    for i, w in enumerate(weeks):
        x = left + i * slot
        bw = max(2.0, slot * 0.35)
        for j, (key, color) in enumerate((("received", "#2b6cb0"), ("finished", "#90cdf4"))):
            h = plot_h * w[key] / peak
            d.add(Rect(x + slot * 0.12 + j * bw, bottom, bw, h, fillColor=colors.HexColor(color), strokeWidth=0))
        d.add(String(x + slot / 2, bottom - 10, w["week"][5:], fontName=FONT, fontSize=6, textAnchor="middle"))
        if w.get("on_time_rate") is not None:
            points += [x + slot / 2, bottom + plot_h * w["on_time_rate"] / 100]
    if len(points) >= 4:
        d.add(PolyLine(points, strokeColor=colors.HexColor("#c53030"), strokeWidth=1.5))
    d.add(
        String(
            left,
            4,
            "Cột: hồ sơ tiếp nhận / đã giải quyết theo tuần; đường: tỷ lệ đúng hạn (%)",
            fontName=FONT,
            fontSize=7,
        )
    )
    return d


def to_pdf(report: dict[str, Any]) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, Table, TableStyle

    register_fonts()
    body = ParagraphStyle("b", fontName=FONT, fontSize=8, leading=10)
    head = ParagraphStyle("h", fontName=FONT_BOLD, fontSize=13, leading=16, spaceAfter=6)
    sub = ParagraphStyle("s", fontName=FONT_BOLD, fontSize=10, leading=13, spaceBefore=8, spaceAfter=4)
    style = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), FONT),
            ("FONTSIZE", (0, 0), (-1, -1), 7),
            ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
            ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#edf2f7")),
        ]
    )

    def p(v: Any) -> Any:
        return Paragraph(escape("" if v is None else str(v)), body)

    buf = io.BytesIO()
    page = landscape(A4)
    doc = document(buf, pagesize=page, title=_title(report), author="Cổng dịch vụ công tỉnh Đồng Nai",
                   margins=(12 * mm, 12 * mm))
    story: list[Any] = [
        Paragraph(escape(_title(report)), head),
        Paragraph(f"Từ {report['from'][:10]} đến trước {report['to'][:10]}; lập lúc {report['generated_at']}.", body),
        Paragraph("Chỉ tiêu theo Quyết định 766/QĐ-TTg", sub),
    ]
    rows = [[p(h) for _, h in INDICATOR_COLUMNS]]
    rows += [[p(ind[k]) for k, _ in INDICATOR_COLUMNS] for ind in report["indicators"]]
    width = page[0] - 24 * mm
    story.append(
        Table(
            rows,
            colWidths=[w * width for w in (0.08, 0.2, 0.27, 0.07, 0.07, 0.07, 0.07, 0.17)],
            style=style,
            repeatRows=1,
        )
    )
    story += [Paragraph("Xu hướng theo tuần", sub), _chart_drawing(report["weekly"], width, 150)]
    story += [PageBreak(), Paragraph("Số liệu theo thủ tục", sub)]
    cols = SUMMARY_COLUMNS[:12]
    rows = [[p("Thủ tục"), *(p(h) for _, h in cols)]]
    rows += [
        [p(f"{r['procedure_code']} {r['procedure_name'] or ''}"), *(p(r[k]) for k, _ in cols)]
        for r in report["procedures"]
    ]
    rows.append([p("Tổng cộng"), *(p(report["totals"][k]) for k, _ in cols)])
    story.append(Table(rows, colWidths=[0.28 * width] + [0.06 * width] * len(cols), style=style, repeatRows=1))
    story += [PageBreak(), Paragraph("Mẫu số 06 — Sổ theo dõi hồ sơ", sub)]
    rows = [[p(h) for _, h in REGISTER_COLUMNS]] + [[p(r[k]) for k, _ in REGISTER_COLUMNS] for r in report["register"]]
    story.append(
        Table(
            rows,
            colWidths=[w * width for w in (0.04, 0.16, 0.2, 0.14, 0.09, 0.09, 0.09, 0.09, 0.1)],
            style=style,
            repeatRows=1,
        )
    )
    doc.build(story)
    return buf.getvalue()
