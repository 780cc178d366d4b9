"""The public scoreboard: the province's and every agency's indicators for a period, each agency's figures
including those of the agencies under it (a district with its communes), ranked among its siblings; the same
numbers as JSON and as an open-data CSV (one row per unit, the header names every column)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.stats.fold import VN
from catalog_svc.stats.report import FEEDBACK_FIGURES, FIGURES, Period, with_derived
from catalog_svc.stats.repository import StatsRepository

# counts summed up the agency tree (the shares are computed from the sums, never averaged)
SUMMED = (*FIGURES, *FEEDBACK_FIGURES, "processing_seconds", "timed")
RATES: tuple[tuple[str, str], ...] = (
    ("on_time_rate", "Tỷ lệ giải quyết trước hạn và đúng hạn (%)"),
    ("early_rate", "Tỷ lệ trước hạn (%)"),
    ("late_rate", "Tỷ lệ quá hạn (%)"),
    ("online_share", "Tỷ lệ hồ sơ trực tuyến (%)"),
    ("online_payment_share", "Tỷ lệ thanh toán trực tuyến (%)"),
    ("satisfaction", "Mức độ hài lòng (%)"),
    ("feedback_on_time_rate", "Tỷ lệ phản ánh, kiến nghị trả lời đúng hạn (%)"),
)
COUNTS: tuple[tuple[str, str], ...] = (
    ("submitted", "Hồ sơ tiếp nhận mới"),
    ("finished", "Hồ sơ đã giải quyết"),
    ("early", "Trước hạn"),
    ("on_time", "Đúng hạn"),
    ("late", "Quá hạn"),
    ("online", "Nộp trực tuyến"),
    ("fee_due", "Hồ sơ có phí, lệ phí"),
    ("paid_online", "Thanh toán trực tuyến"),
    ("rated", "Số đánh giá"),
    ("satisfied", "Đánh giá hài lòng"),
    ("feedback_received", "Phản ánh, kiến nghị tiếp nhận"),
    ("feedback_answered", "Phản ánh, kiến nghị đã trả lời"),
    ("feedback_answered_on_time", "Trả lời đúng hạn"),
    ("feedback_overdue", "Quá hạn chưa trả lời"),
)


def _rates(row: dict[str, Any]) -> dict[str, Any]:
    out = with_derived(row)
    judged = out["early"] + out["on_time"] + out["late"]
    out["early_rate"] = round(100.0 * out["early"] / judged, 2) if judged else None
    out["late_rate"] = round(100.0 * out["late"] / judged, 2) if judged else None
    return {**{k: out[k] for k, _ in COUNTS}, **{k: out[k] for k, _ in RATES}}


def _rank_key(unit: dict[str, Any]) -> tuple[Any, ...]:
    """Best first: on-time rate, then satisfaction, then the online share; units without figures last."""
    def desc(v: float | None) -> float:
        return -v if v is not None else 1.0
    return (desc(unit["on_time_rate"]), desc(unit["satisfaction"]), desc(unit["online_share"]), unit["code"])


def _sum(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    total = dict.fromkeys(SUMMED, 0)
    for r in rows:
        for k in SUMMED:
            total[k] += int(r.get(k) or 0)
    return total


async def build_scoreboard(session: AsyncSession, period: Period, agency: str | None) -> dict[str, Any]:
    repo = StatsRepository(session)
    agencies = await repo.agencies()
    own: dict[str, dict[str, Any]] = {r["agency_code"]: dict(r) for r in await repo.figures(
        start=period.start, end=period.end, agency=None, by_procedure=False, by_agency=True)}
    for r in await repo.feedback_figures(start=period.start, end=period.end, now=datetime.now(UTC)):
        own.setdefault(r["agency_code"], {}).update({k: r[k] for k in FEEDBACK_FIGURES})
    children: dict[str | None, list[str]] = {}
    for a in agencies:
        children.setdefault(a["parent_code"], []).append(a["code"])
    # the province's own committee heads the tree: the units are the agencies under it (and other top agencies)
    roots = [a["code"] for a in agencies if a["parent_code"] is None and children.get(a["code"])]
    rolled: dict[str, dict[str, Any]] = {}

    def roll(code: str) -> dict[str, Any]:
        if code not in rolled:
            rolled[code] = _sum([own.get(code, {}), *(roll(c) for c in children.get(code, []))])
        return rolled[code]

    by_code = {a["code"]: a for a in agencies}
    units: list[dict[str, Any]] = []

    def visit(code: str, depth: int, rank: int) -> None:
        a = by_code[code]
        units.append({"code": code, "name": a["name"], "parent_code": None if a["parent_code"] in roots
                      else a["parent_code"], "depth": depth, "rank": rank,
                      "includes": sorted(_descendants(code, children)), **_rates(roll(code))})
        ranked = sorted((_unit_stub(c, roll(c)) for c in children.get(code, [])), key=_rank_key)
        for i, child in enumerate(ranked, 1):
            visit(child["code"], depth + 1, i)

    top = [c for r in roots for c in children.get(r, [])]
    top += [a["code"] for a in agencies if a["parent_code"] is None and a["code"] not in roots]
    if agency is not None:
        top = [agency] if agency in by_code else []
    for i, unit in enumerate(sorted((_unit_stub(c, roll(c)) for c in top), key=_rank_key), 1):
        visit(unit["code"], 1, i)
    province = _rates(_sum(own.values())) if agency is None else None
    return {
        "period": period.label, "period_title": period.title_vi, "from": period.start.isoformat(),
        "to": period.end.isoformat(), "agency": agency,
        "generated_at": datetime.now(UTC).astimezone(VN).isoformat(timespec="seconds"),
        "province": {"code": roots[0] if roots else None, "name": "Tỉnh Đồng Nai", **province} if province else None,
        "agencies": units,
    }


def _unit_stub(code: str, totals: dict[str, Any]) -> dict[str, Any]:
    return {"code": code, **_rates(totals)}


def _descendants(code: str, children: dict[str | None, list[str]]) -> list[str]:
    out: list[str] = []
    for c in children.get(code, []):
        out += [c, *_descendants(c, children)]
    return out


def _cell(v: Any) -> Any:
    return "" if v is None else v


def scoreboard_csv(board: dict[str, Any]) -> bytes:
    """One row per unit (the province first): code, name, parent, rank, every rate and every count."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["Kỳ", "Mã cơ quan", "Tên cơ quan", "Mã cơ quan cấp trên", "Cấp", "Xếp hạng",
                *(h for _, h in RATES), *(h for _, h in COUNTS)])
    rows = ([board["province"]] if board["province"] else []) + board["agencies"]
    for u in rows:
        w.writerow([board["period"], _cell(u["code"]), u["name"], _cell(u.get("parent_code")), u.get("depth", 0),
                    _cell(u.get("rank")), *(_cell(u[k]) for k, _ in RATES), *(u[k] for k, _ in COUNTS)])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")
