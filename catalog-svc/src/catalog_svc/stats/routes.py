"""Public per-procedure figures, the province's periodic reports, report jobs, charts, and the rebuild."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from catalog_svc.deps import CurrentUser, SessionDep
from catalog_svc.errors import Conflict, Forbidden, Invalid, NotFound
from catalog_svc.procedure.schemas import AGENCY_CODE
from catalog_svc.stats import jobs
from catalog_svc.stats.fold import VN
from catalog_svc.stats.render import weekly_svg
from catalog_svc.stats.report import build_report, parse_period
from catalog_svc.stats.schemas import Format, ProcedureStats, ReportJobCreate, ReportJobRead
from catalog_svc.stats.scoreboard import build_scoreboard, scoreboard_csv
from catalog_svc.stats.service import StatsReader
from servicekit.auth import Principal, require_roles
from servicekit.idempotency import IdempotencyDep

public_router = APIRouter(prefix="/api/v1/catalog/procedures", tags=["statistics"])
router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
MIN_PUBLIC_LEVEL = 3
Admin = Annotated[Principal, require_roles("admin")]


@public_router.get("/{code}/stats", response_model=ProcedureStats)
async def read_procedure_stats(code: str, session: SessionDep, response: Response) -> ProcedureStats:
    figures = await StatsReader(session).public_figures(code, datetime.now(UTC) - timedelta(days=30),
                                                        MIN_PUBLIC_LEVEL)
    response.headers["Cache-Control"] = "public, max-age=60"
    return ProcedureStats(**{k: int(v) for k, v in figures.items()})


def check_reader(principal: Principal, agency: str | None, field: tuple[str, str] = ("query", "agency")) -> None:
    """Admin and auditor see every agency and the whole province; an officer only their own agency."""
    if agency is not None and not AGENCY_CODE.match(agency):
        raise Invalid.field(field, "Mã cơ quan phải theo QCVN 102:2016, dạng 000.00.00.H19.")
    if principal.has("admin", "auditor"):
        return
    if not principal.is_officer:
        raise Forbidden("Báo cáo thống kê dành cho cán bộ, quản trị và kiểm tra.")
    if agency is None:
        raise Invalid.field(field, "Cán bộ cần chọn cơ quan của mình (tham số agency).")
    if agency != principal.agency_code:
        raise Forbidden("Cán bộ chỉ xem báo cáo của cơ quan mình.")


def _download(content: bytes, media_type: str, name: str) -> Response:
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}", "Cache-Control": "private, no-store"})


@router.get("/indicators", responses={200: {"content": {
    "application/json": {}, "text/csv": {}, "application/vnd.oasis.opendocument.spreadsheet": {},
    "application/pdf": {}}}})
async def read_indicators(
    session: SessionDep, principal: CurrentUser,
    period: str = Query(max_length=7, description="2026-11, 2026-Q4 or 2026"),
    agency: str | None = Query(None, max_length=13), format: Format = Query("json"),
) -> Any:
    """The 766 indicators, the per-procedure table and form 06 for one period (and agency)."""
    check_reader(principal, agency)
    report = await build_report(session, parse_period(period), agency)
    if format == "json":
        return report
    content = await asyncio.to_thread(jobs.render_file, report, format)
    return _download(content, jobs.MEDIA[format], jobs.file_name(report["period"], agency, format))


def _job_read(job: dict[str, Any]) -> ReportJobRead:
    done = job["state"] == "done"
    return ReportJobRead(
        id=str(job["id"]), kind=job["kind"], state=job["state"], progress=job["progress"], params=job["params"],
        file_url=f"/api/v1/reports/jobs/{job['id']}/file" if done else None, file_name=job["file_name"],
        size=job["size"], error=job["error"], created_at=job["created_at"], finished_at=job["finished_at"])


@router.post("/jobs", status_code=202, response_model=ReportJobRead)
async def create_report_job(idem: IdempotencyDep,
    body: ReportJobCreate, request: Request, session: SessionDep, principal: CurrentUser,
) -> Any:
    check_reader(principal, body.agency, ("body", "agency"))
    parse_period(body.period, ("body", "period"))
    if (replay := await idem.start(body.model_dump())) is not None:
        return replay
    job_id = await jobs.submit(request.app, "report", body.model_dump(), principal.id)
    job = await StatsReader(session).job(job_id)
    assert job is not None
    read = _job_read(job)
    idem.store(202, read.model_dump(mode="json"))
    return read


async def _visible_job(session: SessionDep, principal: Principal, job_id: str) -> dict[str, Any]:
    try:
        key = uuid.UUID(job_id)
    except ValueError:
        raise NotFound("Không tìm thấy yêu cầu lập báo cáo.") from None
    job = await StatsReader(session).job(key)
    if job is None or (job["requested_by"] != principal.id and not principal.has("admin", "auditor")):
        raise NotFound("Không tìm thấy yêu cầu lập báo cáo.")
    return job


@router.get("/jobs/{job_id}", response_model=ReportJobRead)
async def read_report_job(job_id: str, session: SessionDep, principal: CurrentUser) -> ReportJobRead:
    return _job_read(await _visible_job(session, principal, job_id))


@router.get("/jobs/{job_id}/file", response_class=Response)
async def download_report_job(job_id: str, session: SessionDep, principal: CurrentUser) -> Response:
    job = await _visible_job(session, principal, job_id)
    if job["state"] != "done":
        raise Conflict(f"Báo cáo chưa lập xong ({job['progress']}%).", slug="job-not-done")
    content = await StatsReader(session).job_content(job["id"])
    return _download(content or b"", job["media_type"], job["file_name"])


def _day(value: date) -> datetime:
    return datetime(value.year, value.month, value.day, tzinfo=VN)


@router.get("/charts/weekly.svg", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}}}})
async def read_weekly_chart(
    session: SessionDep, principal: CurrentUser, agency: str | None = Query(None, max_length=13),
    from_: date | None = Query(None, alias="from"), to: date | None = Query(None),
) -> Response:
    """Dossiers received and finished per week and the on-time rate; 12 weeks up to ``to`` by default."""
    check_reader(principal, agency)
    for name, value in (("from", from_), ("to", to)):
        if value is not None and not (2000 <= value.year <= 2100):
            raise Invalid.field(("query", name), "Ngày phải trong khoảng năm 2000–2100.")
    end = _day(to) + timedelta(days=1) if to else datetime.now(VN)
    start = _day(from_) if from_ else end - timedelta(weeks=12)
    if start >= end or end - start > timedelta(days=366 * 2):
        raise Invalid.field(("query", "from"), "Khoảng thời gian phải dương và không quá 2 năm.")
    reader = StatsReader(session)
    rows = await reader.weekly(start=start, end=end, agency=agency)
    weeks = [{"week": r["week"].isoformat(), "received": int(r["received"]), "finished": int(r["finished"]),
              "on_time_rate": round(100 * int(r["in_time"]) / int(r["finished"]), 2) if r["finished"] else None}
             for r in rows]
    who = (await reader.agency_name(agency) if agency else None) or "Tỉnh Đồng Nai"
    svg = weekly_svg(weeks, f"Hồ sơ theo tuần — {who}")
    return Response(svg, media_type="image/svg+xml; charset=utf-8", headers={"Cache-Control": "private, max-age=60"})


@router.post("/stats/rebuild", status_code=202, response_model=ReportJobRead)
async def rebuild_stats(request: Request, session: SessionDep, admin: Admin) -> ReportJobRead:
    """Rebuilds the statistics projection from the stored events into a new generation, then switches."""
    job_id = await jobs.submit(request.app, "rebuild", {}, admin.id)
    job = await StatsReader(session).job(job_id)
    assert job is not None
    return _job_read(job)


scoreboard_router = APIRouter(prefix="/api/v1/public", tags=["public"])


@scoreboard_router.get("/indicators", responses={200: {"content": {"application/json": {}, "text/csv": {}}}})
async def read_scoreboard(
    session: SessionDep,
    period: str | None = Query(None, max_length=7, description="2026-11, 2026-Q4 or 2026; this month by default"),
    agency: str | None = Query(None, max_length=13, description="one agency and the agencies under it"),
    format: Literal["json", "csv"] = Query("json"),
) -> Any:
    """Anyone: the province's and each agency's indicators for the period, each agency's figures including the
    agencies under it (a district with its communes), ranked among its siblings; ``format=csv`` is the same
    numbers as open data."""
    if agency is not None and not AGENCY_CODE.match(agency):
        raise Invalid.field(("query", "agency"), "Mã cơ quan phải theo QCVN 102:2016, dạng 000.00.00.H19.")
    chosen = parse_period(period or f"{datetime.now(VN):%Y-%m}")
    board = await build_scoreboard(session, chosen, agency)
    if agency is not None and not board["agencies"]:
        raise NotFound(f"Không có cơ quan mã {agency}.")
    headers = {"Cache-Control": "public, max-age=60"}
    if format == "csv":
        name = f"bang-xep-hang-{chosen.label}{'-' + agency if agency else ''}.csv"
        return Response(scoreboard_csv(board), media_type="text/csv; charset=utf-8", headers={
            **headers, "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})
    return JSONResponse(board, headers=headers)
