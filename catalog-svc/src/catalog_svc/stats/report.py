"""Periods, the Decision 766/QĐ-TTg indicators with their formulas, and the whole report as one dict."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.errors import Invalid
from catalog_svc.stats.fold import VN
from catalog_svc.stats.repository import StatsRepository

_PERIOD = re.compile(r"^(?P<y>\d{4})(?:-(?:(?P<m>\d{2})|Q(?P<q>[1-4])))?$")
DAY_SECONDS = 7.5 * 3600  # one working day of office time (vncalendar's default day length)
FIGURES = ("submitted", "received", "in_progress", "finished", "rejected", "returned", "withdrawn", "refused",
           "early", "on_time", "late", "extended", "online", "counter", "postal", "fee_due", "paid_online",
           "returned_online", "reception_overdue", "rated", "satisfied", "rating_points")
FEEDBACK_FIGURES = ("feedback_received", "feedback_answered", "feedback_answered_on_time", "feedback_overdue")


@dataclass(frozen=True)
class Period:
    label: str
    start: datetime
    end: datetime  # exclusive

    @property
    def title_vi(self) -> str:
        if re.fullmatch(r"\d{4}", self.label):
            return f"Năm {self.label}"
        if "Q" in self.label:
            y, q = self.label.split("-Q")
            return f"Quý {q} năm {y}"
        y, m = self.label.split("-")
        return f"Tháng {int(m)} năm {y}"


def parse_period(value: str, field: tuple[str, str] = ("query", "period")) -> Period:
    m = _PERIOD.match(value.strip())
    message = "Kỳ báo cáo phải là tháng (2026-11), quý (2026-Q4) hoặc năm (2026)."
    if not m:
        raise Invalid.field(field, message)
    year = int(m["y"])
    if not 2000 <= year <= 2100:
        raise Invalid.field(field, message)
    if m["m"]:
        month = int(m["m"])
        if not 1 <= month <= 12:
            raise Invalid.field(field, message)
        first, months = date(year, month, 1), 1
    elif m["q"]:
        first, months = date(year, 3 * int(m["q"]) - 2, 1), 3
    else:
        first, months = date(year, 1, 1), 12
    n = first.month - 1 + months
    after = date(first.year + n // 12, n % 12 + 1, 1)
    return Period(value.strip(), _local(first), _local(after))


def _local(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=VN)


def _ratio(num: float, den: float) -> float | None:
    return round(100.0 * num / den, 2) if den else None


def with_derived(row: dict[str, Any]) -> dict[str, Any]:
    """Adds the shares and the average to one row of raw counts."""
    out: dict[str, Any] = {k: int(row.get(k) or 0) for k in FIGURES}
    timed = int(row.get("timed") or 0)
    out["average_processing_days"] = (
        round(float(row.get("processing_seconds") or 0) / timed / DAY_SECONDS, 2) if timed else None)
    out["on_time_rate"] = _ratio(out["early"] + out["on_time"], out["early"] + out["on_time"] + out["late"])
    out["online_share"] = _ratio(out["online"], out["submitted"])
    out["online_payment_share"] = _ratio(out["paid_online"], out["fee_due"])
    out["satisfaction"] = _ratio(out["satisfied"], out["rated"])
    out["average_rating"] = round(out["rating_points"] / out["rated"], 2) if out["rated"] else None
    for k in FEEDBACK_FIGURES:
        out[k] = int(row.get(k) or 0)
    out["feedback_on_time_rate"] = _ratio(out["feedback_answered_on_time"],
                                          out["feedback_answered"] + out["feedback_overdue"])
    return out


def indicators(t: dict[str, Any], offered: tuple[int, int]) -> list[dict[str, Any]]:
    judged = t["early"] + t["on_time"] + t["late"]
    late_share = _ratio(t["late"], judged)

    def ind(code: str, name: str, formula: str, num: float | None, den: float | None, value: float | None,
            unit: str = "%", note: str | None = None) -> dict[str, Any]:
        return {"code": code, "name": name, "formula": formula, "numerator": num, "denominator": den,
                "value": value, "unit": unit, "note": note}

    return [
        ind("DUNG_HAN", "Tỷ lệ hồ sơ giải quyết trước hạn và đúng hạn",
            "(trước hạn + đúng hạn) / hồ sơ đã giải quyết có hẹn × 100", t["early"] + t["on_time"], judged,
            _ratio(t["early"] + t["on_time"], judged)),
        ind("TRE_HAN", "Tỷ lệ hồ sơ giải quyết quá hạn", "quá hạn / hồ sơ đã giải quyết có hẹn × 100",
            t["late"], judged, late_share),
        ind("TG_TB", "Thời gian giải quyết trung bình", "tổng thời gian xử lý (giờ hành chính, trừ thời gian chờ "
            "bổ sung) / số hồ sơ đã giải quyết, tính bằng ngày làm việc", None, t["finished"],
            t["average_processing_days"], unit="ngày làm việc"),
        ind("TTHC_TRUC_TUYEN", "Tỷ lệ thủ tục cung cấp dịch vụ công trực tuyến (mức độ 3, 4)",
            "thủ tục mức độ 3, 4 / tổng số thủ tục × 100", offered[0], offered[1], _ratio(*offered)),
        ind("HS_TRUC_TUYEN", "Tỷ lệ hồ sơ nộp trực tuyến", "hồ sơ nộp trực tuyến / tổng hồ sơ tiếp nhận × 100",
            t["online"], t["submitted"], t["online_share"]),
        ind("TT_TRUC_TUYEN", "Tỷ lệ hồ sơ thanh toán phí, lệ phí trực tuyến",
            "hồ sơ thanh toán trực tuyến / hồ sơ có phí, lệ phí × 100", t["paid_online"], t["fee_due"],
            t["online_payment_share"]),
        ind("KQ_DIEN_TU", "Tỷ lệ kết quả trả trực tuyến (bản điện tử)",
            "kết quả trả trực tuyến / kết quả đã trả × 100", t["returned_online"], t["returned"],
            _ratio(t["returned_online"], t["returned"])),
        ind("HAI_LONG", "Mức độ hài lòng của người dân, doanh nghiệp",
            "số đánh giá hài lòng và rất hài lòng (mức 4, 5) / tổng số đánh giá trong kỳ × 100", t["satisfied"],
            t["rated"], t["satisfaction"],
            note=None if t["rated"] else "Chưa có đánh giá nào trong kỳ."),
        ind("PAKN_DUNG_HAN", "Tỷ lệ phản ánh, kiến nghị được trả lời đúng hạn",
            "trả lời đúng hạn / (đã trả lời trong kỳ + quá hạn chưa trả lời) × 100", t["feedback_answered_on_time"],
            t["feedback_answered"] + t["feedback_overdue"], t["feedback_on_time_rate"],
            note=f"Tiếp nhận {t['feedback_received']} phản ánh, kiến nghị; {t['feedback_overdue']} quá hạn chưa "
                 "trả lời."),
        ind("DONG_BO", "Tỷ lệ hồ sơ đồng bộ lên Cổng Dịch vụ công quốc gia", "hồ sơ đã đồng bộ / tổng hồ sơ × 100",
            None, None, None, note="Chưa có dữ liệu: nền tảng chưa đồng bộ với Cổng quốc gia."),
        ind("SO_HOA", "Tỷ lệ hồ sơ được số hóa", "hồ sơ có thành phần được số hóa / tổng hồ sơ × 100",
            None, None, None, note="Chưa có dữ liệu số hóa thành phần hồ sơ."),
    ]


async def build_report(session: AsyncSession, period: Period, agency: str | None) -> dict[str, Any]:
    repo = StatsRepository(session)
    totals_row = (await repo.figures(start=period.start, end=period.end, agency=agency, by_procedure=False))[0]
    feedback = await repo.feedback_figures(start=period.start, end=period.end, now=datetime.now(UTC))
    for k in FEEDBACK_FIGURES:
        totals_row[k] = sum(int(r[k]) for r in feedback if agency is None or r["agency_code"] == agency)
    totals = with_derived(totals_row)
    rows = await repo.figures(start=period.start, end=period.end, agency=agency, by_procedure=True)
    procedures = [{"procedure_code": r["procedure_code"], "procedure_name": r["procedure_name"], **with_derived(r)}
                  for r in rows]
    register = await repo.register(start=period.start, end=period.end, agency=agency)
    offered = await repo.procedures_offered(agency)
    weeks = await repo.weekly(start=period.start, end=period.end, agency=agency)
    return {
        "period": period.label, "period_title": period.title_vi, "from": period.start.isoformat(),
        "to": period.end.isoformat(), "agency_code": agency,
        "agency_name": (await repo.agency_name(agency)) if agency else "Tỉnh Đồng Nai",
        "generated_at": datetime.now(UTC).astimezone(VN).isoformat(timespec="seconds"),
        "generation": await repo.active_generation(),
        "totals": totals, "indicators": indicators(totals, offered), "procedures": procedures,
        "register": [_register_row(i + 1, r) for i, r in enumerate(register)],
        "weekly": [{"week": w["week"].isoformat(), "received": int(w["received"]), "finished": int(w["finished"]),
                    "on_time_rate": _ratio(int(w["in_time"]), int(w["finished"]))} for w in weeks],
    }


def _fmt(value: datetime | None) -> str | None:
    return value.astimezone(VN).isoformat(timespec="minutes") if value else None


def _register_row(n: int, r: dict[str, Any]) -> dict[str, Any]:
    return {"no": n, "code": r["code"], "procedure_code": r["procedure_code"], "procedure_name": r["procedure_name"],
            "applicant_name": r["applicant_name"], "channel": r["channel"], "received_at": _fmt(r["received_at"]),
            "due_at": _fmt(r["due_at"]), "transferred_at": _fmt(r["transferred_at"]),
            "result_at": _fmt(r["finished_at"]), "returned_at": _fmt(r["returned_at"]),
            "timeliness": {1: "early", 2: "on_time", 3: "late"}.get(r["timeliness"])}
