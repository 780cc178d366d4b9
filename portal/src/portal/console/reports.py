"""Reports in the officer console: the Decision 766 indicators of a month, quarter or year with charts drawn here as
SVG (a table beside each one), the per-procedure table, the form 06 register and the ODS / CSV / PDF downloads, all
from ``GET /api/v1/reports/indicators``. Officers see their own agency; the auditor and the admin the province."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from fastapi import Request
from fastapi.responses import Response
from markupsafe import Markup

from portal.api import Api, ApiError
from portal.catalog.service import CatalogPages
from portal.console.common import Officer, OfficerDep, console_router, page, page_number
from portal.deps import ApiDep
from portal.web.render import VN
from servicekit.vntext import fold

REPORT_ROLES = ("reception", "specialist", "leader", "auditor", "admin")
PROVINCE_ROLES = ("auditor", "admin")
router = console_router(*REPORT_ROLES)
FORMATS = {"ods": "Bảng tính ODS", "csv": "CSV", "pdf": "PDF"}
PAGE_SIZE = 25
TIMELINESS = {"early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn"}
CHANNELS = {"online": "Trực tuyến", "counter": "Trực tiếp", "postal": "Bưu chính"}
# the per-procedure table's sortable columns: the page's name → the report's field
SORTS = {"tiep-nhan": "submitted", "da-giai-quyet": "finished", "qua-han": "late", "dung-han": "on_time_rate",
         "ten": "procedure_name"}


# ---- periods -------------------------------------------------------------------------------------------------


def period_options(today: date) -> list[tuple[str, list[tuple[str, str]]]]:
    """The periods offered in the select: the last 12 months, 8 quarters and 3 years, newest first."""
    months = []
    y, m = today.year, today.month
    for _ in range(12):
        months.append((f"{y}-{m:02d}", f"Tháng {m}/{y}"))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    quarters = []
    y, q = today.year, (today.month - 1) // 3 + 1
    for _ in range(8):
        quarters.append((f"{y}-Q{q}", f"Quý {q}/{y}"))
        y, q = (y, q - 1) if q > 1 else (y - 1, 4)
    years = [(str(today.year - i), f"Năm {today.year - i}") for i in range(3)]
    return [("Tháng", months), ("Quý", quarters), ("Năm", years)]


@dataclass
class Scope:
    """What one report page shows: the period and the agency (None: the whole province)."""

    period: str
    agency: str | None
    province_reader: bool

    def query(self, **extra: Any) -> str:
        params = {"ky": self.period, **({"co-quan": self.agency} if self.agency else {}), **extra}
        return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def scope_of(request: Request, officer: Officer) -> Scope:
    qp = request.query_params
    options = period_options(datetime.now(VN).date())
    known = {value for _, group in options for value, _ in group}
    period = (qp.get("ky") or "").strip()
    if period not in known:
        period = options[0][1][0][0]
    province = officer.has(*PROVINCE_ROLES) or not officer.agency_code
    agency = ((qp.get("co-quan") or "").strip()[:13] or None) if province else officer.agency_code
    return Scope(period, agency, province)


async def _report(api: Api, officer: Officer, scope: Scope) -> dict[str, Any]:
    params = {"period": scope.period, "format": "json", **({"agency": scope.agency} if scope.agency else {})}
    report: dict[str, Any] = await api.get("/api/v1/reports/indicators", token=officer.token, params=params)
    return report


# ---- charts: SVG drawn here, no script, no other origin; each chart has a table with the same figures beside it --

INK, GRID, BLUE, LIGHT, RED, GREEN = "#1b1b1b", "#767676", "#1d4f91", "#6c9bd2", "#b50909", "#1a6b34"


def _num(value: float | int | None, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"
    text = text.replace(",", "\u202f").replace(".", ",").replace("\u202f", ".")
    return f"{text}{unit}"


def _svg_open(chart_id: str, width: int, height: int, title: str, desc: str) -> list[str]:
    return [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'font-family="Be Vietnam Pro, Arial, sans-serif" font-size="13" fill="{INK}">',
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(desc)}</desc>',
    ]


CHART_WIDTH = 560


def rate_chart(chart_id: str, title: str, rows: list[tuple[str, float | None]]) -> Markup:
    """Horizontal bars on a 0–100 % scale: each indicator's name above its bar, the value after the bar."""
    left, bar_w, row_h = 8, CHART_WIDTH - 80, 42
    height = 28 + row_h * max(1, len(rows))
    parts = _svg_open(chart_id, CHART_WIDTH, height, title, "Biểu đồ thanh ngang, thang 0–100 %; số liệu ở bảng "
                      "bên cạnh.")
    for pct in (0, 50, 100):
        x = left + bar_w * pct / 100
        parts.append(f'<text x="{x:.0f}" y="13" text-anchor="{"start" if pct == 0 else "middle"}" '
                     f'font-size="11">{pct} %</text>')
    for i, (label, value) in enumerate(rows):
        y = 24 + i * row_h
        for pct in (0, 50, 100):  # the scale beside each bar, never across the names
            x = left + bar_w * pct / 100
            parts.append(f'<line x1="{x:.0f}" y1="{y + 15}" x2="{x:.0f}" y2="{y + 37}" stroke="{GRID}"/>')
        parts.append(f'<text x="{left}" y="{y + 12}" font-size="12">{escape(label)}</text>')
        if value is None:
            parts.append(f'<text x="{left + 4}" y="{y + 31}" font-size="12">chưa có số liệu</text>')
            continue
        w = bar_w * max(0.0, min(100.0, value)) / 100
        parts.append(f'<rect x="{left}" y="{y + 17}" width="{w:.1f}" height="18" fill="{BLUE}"/>')
        parts.append(f'<text x="{left + w + 6:.1f}" y="{y + 31}" font-weight="bold">{_num(value, " %")}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bars_chart(chart_id: str, title: str, labels: list[str], series: list[tuple[str, str, list[int]]]) -> Markup:
    """Grouped vertical bars (counts) with a legend; ``series`` is (name, colour, values)."""
    left, top, plot_h = 48, 20, 180
    width, height = CHART_WIDTH, top + plot_h + 62
    n = max(1, len(labels))
    slot = (width - left - 12) / n
    peak = max([1, *(v for _, _, values in series for v in values)])
    step = 10 ** max(0, int(math.log10(peak)))
    top_value = max(2, math.ceil(peak / step) * step)
    parts = _svg_open(chart_id, width, height, title, "Biểu đồ cột; số liệu ở bảng bên cạnh.")
    for frac in (0, 0.5, 1):
        y = top + plot_h * (1 - frac)
        parts.append(f'<line x1="{left}" y1="{y:.0f}" x2="{width - 12}" y2="{y:.0f}" stroke="{GRID}" '
                     f'stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.0f}" text-anchor="end" font-size="11">'
                     f'{_num(round(top_value * frac))}</text>')
    bar = min(48.0, max(3.0, (slot * 0.8) / max(1, len(series))))
    every = max(1, math.ceil(n / 12))  # at most 12 labels under the bars; the table has them all
    for i, label in enumerate(labels):
        x0 = left + i * slot + (slot - bar * len(series)) / 2
        for j, (_, colour, values) in enumerate(series):
            h = plot_h * values[i] / top_value
            parts.append(f'<rect x="{x0 + j * bar:.1f}" y="{top + plot_h - h:.1f}" width="{bar - 1:.1f}" '
                         f'height="{h:.1f}" fill="{colour}"/>')
        if i % every == 0:
            parts.append(f'<text x="{left + i * slot + slot / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
                         f'font-size="11">{escape(label)}</text>')
    x = left
    for name, colour, _ in series:
        parts.append(f'<rect x="{x}" y="{height - 22}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="{height - 12}">{escape(name)}</text>')
        x += 40 + 8 * len(name)
    parts.append("</svg>")
    return Markup("".join(parts))


def charts_of(report: dict[str, Any]) -> dict[str, Markup]:
    rates = [(i["name"], i["value"]) for i in report["indicators"] if i["unit"] == "%"]
    weeks = report["weekly"]
    t = report["totals"]
    return {
        "rates": rate_chart("bd-chi-tieu", "Các chỉ tiêu tỷ lệ (%)", rates),
        "weekly": bars_chart(
            "bd-tuan", "Hồ sơ tiếp nhận và đã giải quyết theo tuần",
            [_week_label(w["week"]) for w in weeks],
            [("Tiếp nhận", BLUE, [w["received"] for w in weeks]),
             ("Đã giải quyết", LIGHT, [w["finished"] for w in weeks])]),
        "timeliness": bars_chart(
            "bd-han", "Hồ sơ đã giải quyết theo thời hạn", list(TIMELINESS.values()),
            [("Số hồ sơ", GREEN, [t["early"], t["on_time"], t["late"]])]),
        "channels": bars_chart(
            "bd-kenh", "Hồ sơ tiếp nhận theo hình thức nộp", list(CHANNELS.values()),
            [("Số hồ sơ", BLUE, [t.get(k, 0) for k in CHANNELS])]),
    }


def _week_label(iso: str) -> str:
    try:
        d = date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return d.strftime("%d/%m")


# ---- pages ---------------------------------------------------------------------------------------------------


async def _context(request: Request, api: Api, officer: Officer, scope: Scope) -> dict[str, Any]:
    agencies = await CatalogPages(api, request.app.state.cache).agencies() if scope.province_reader else []
    return {"scope": scope, "periods": period_options(datetime.now(VN).date()), "agencies": agencies,
            "formats": FORMATS, "num": _num, "tab": "", "timeliness_labels": TIMELINESS, "channel_labels": CHANNELS}


async def _report_or_error(api: Api, officer: Officer, scope: Scope) -> tuple[dict[str, Any] | None, dict[str, str]]:
    try:
        return await _report(api, officer, scope), {}
    except ApiError as exc:
        if exc.status not in (403, 422):
            raise
        fields = exc.field_errors()
        return None, {"co-quan" if "agency" in fields else "ky": exc.detail or "Không lập được báo cáo."}


async def _report_page(request: Request, officer: Officer, api: Api, tab: str, template: str, heading: str,
                       table: Callable[[dict[str, Any]], list[dict[str, Any]]] | None = None,
                       filters: dict[str, Any] | None = None) -> Response:
    """One tab of the report: the period's report, and the tab's table (``table`` picks and orders its rows from
    the report) a page at a time."""
    scope = scope_of(request, officer)
    ctx = await _context(request, api, officer, scope)
    report, errors = await _report_or_error(api, officer, scope)
    ctx.update(filters or {}, report=report, errors=errors, tab=tab)
    if table is not None:
        rows = table(report) if report else []
        last = max(1, math.ceil(len(rows) / PAGE_SIZE))
        page_no = min(page_number(request), last)
        ctx.update(total=len(rows), page_no=page_no, last=last,
                   rows=rows[(page_no - 1) * PAGE_SIZE: page_no * PAGE_SIZE])
    elif report:
        ctx["charts"] = charts_of(report)
    title = f"{heading} — {report['period_title']} — {report['agency_name']}" if report else heading
    return await page(request, template, ctx, title=title, status=422 if errors else 200)


def _text_filter(request: Request) -> str:
    return (request.query_params.get("q") or "").strip()[:200]


@router.get("/bao-cao")
async def reports_home(request: Request, officer: OfficerDep, api: ApiDep) -> Response:
    return await _report_page(request, officer, api, "chi-tieu", "console/reports/indicators.html", "Báo cáo chỉ tiêu")


@router.get("/bao-cao/thu-tuc")
async def reports_by_procedure(request: Request, officer: OfficerDep, api: ApiDep) -> Response:
    q = _text_filter(request)
    sort = request.query_params.get("sap-xep") or "-tiep-nhan"
    key = SORTS.get(sort.lstrip("-"), "submitted")

    def table(report: dict[str, Any]) -> list[dict[str, Any]]:
        rows = list(report["procedures"])
        if q:
            rows = [r for r in rows if fold(q) in fold(f"{r['procedure_code']} {r['procedure_name'] or ''}")]
        rows.sort(key=lambda r: (r.get(key) is None, r.get(key) if r.get(key) is not None else 0),
                  reverse=sort.startswith("-"))
        return rows

    return await _report_page(request, officer, api, "thu-tuc", "console/reports/procedures.html",
                              "Số liệu theo thủ tục", table, {"q": q, "sort": sort, "sorts": SORTS})


@router.get("/bao-cao/so-theo-doi")
async def reports_register(request: Request, officer: OfficerDep, api: ApiDep) -> Response:
    q = _text_filter(request)
    timeliness = request.query_params.get("han") or ""

    def table(report: dict[str, Any]) -> list[dict[str, Any]]:
        rows = list(report["register"])
        if q:
            rows = [r for r in rows
                    if fold(q) in fold(f"{r['code']} {r['procedure_name'] or ''} {r['applicant_name'] or ''}")]
        if timeliness in TIMELINESS:
            rows = [r for r in rows if r.get("timeliness") == timeliness]
        return rows

    return await _report_page(request, officer, api, "so-theo-doi", "console/reports/register.html",
                              "Sổ theo dõi hồ sơ (Mẫu 06)", table, {"q": q, "han": timeliness})


@router.get("/bao-cao/tai-ve")
async def download_report(request: Request, officer: OfficerDep, api: ApiDep) -> Response:
    scope = scope_of(request, officer)
    fmt = request.query_params.get("dinh-dang") or "ods"
    if fmt not in FORMATS:
        fmt = "ods"
    params = {"period": scope.period, "format": fmt, **({"agency": scope.agency} if scope.agency else {})}
    r = await api.request("GET", "/api/v1/reports/indicators", token=officer.token, params=params)
    headers = {k: v for k, v in r.headers.items() if k.lower() in ("content-type", "content-disposition")}
    headers["Cache-Control"] = "private, no-store"
    return Response(r.content, headers=headers)

