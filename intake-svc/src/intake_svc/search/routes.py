from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from intake_svc.deps import CalendarDep, CurrentUser, NowDep, SessionDep
from intake_svc.dossier.models import reception_overdue_of
from intake_svc.dossier.schemas import DossierPage, DossierSummary
from intake_svc.search.service import SORT_KEYS, SearchQuery, SearchService

router = APIRouter(prefix="/api/v1", tags=["dossiers"])


@router.get("/dossiers", response_model=DossierPage, summary="Danh sách, tra cứu hồ sơ")
async def list_dossiers(
    principal: CurrentUser, session: SessionDep, calendar: CalendarDep, now: NowDep,
    q: Annotated[str | None, Query(max_length=100, description=(
        "mã hồ sơ, họ tên người nộp (không cần dấu), số CCCD/mã số thuế hoặc số điện thoại"))] = None,
    procedure_code: Annotated[str | None, Query(max_length=60)] = None,
    status: Annotated[str | None, Query(max_length=30)] = None,
    channel: Annotated[str | None, Query(max_length=20, description="online, counter, postal, onestop")] = None,
    received_from: Annotated[date | None, Query(description="tiếp nhận từ ngày (giờ Việt Nam)")] = None,
    received_to: Annotated[date | None, Query(description="tiếp nhận đến hết ngày")] = None,
    due_before: Annotated[date | None, Query(description="hẹn trả đến hết ngày")] = None,
    due_within: Annotated[int | None, Query(ge=0, le=60, description="đến hạn trong N ngày làm việc tới")] = None,
    overdue: Annotated[bool, Query(description="chỉ hồ sơ đang xử lý đã quá hạn")] = False,
    reception_overdue: Annotated[bool, Query(
        description="chỉ hồ sơ trực tuyến chưa được kiểm tra quá 8 giờ làm việc (Nghị định 45/2020)")] = False,
    sort: Annotated[str, Query(max_length=30, description="một trong: " + ", ".join(SORT_KEYS))] = "-submitted_at",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1, size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> DossierPage:
    """Citizens: their own dossiers. Officers: their agency's; an inspector (``auditor``): the province's.
    ``total`` is exact up to 1,000 matches; beyond, it is 1,000 with ``total_exact: false`` (narrow the search)."""
    query = SearchQuery(q=q, procedure_code=procedure_code, status=status, channel=channel,
                        received_from=received_from, received_to=received_to, due_before=due_before,
                        due_within=due_within, overdue=overdue, reception_overdue=reception_overdue, sort=sort)
    rows, total, exact = await SearchService(session, calendar=calendar, now=now).search(
        principal, query, page=page, size=size)
    items = [DossierSummary(code=r.code, procedure_code=r.procedure_code, procedure_name=r.procedure_name,
                            agency_code=r.agency_code, applicant_name=r.applicant_name or "", status=r.status,
                            national_status=r.national_status, submitted_at=r.submitted_at, due_at=r.due_at,
                            version=r.version, channel=r.channel, received_at=r.received_at,
                            reception_due_at=r.reception_due_at,
                            reception_overdue=reception_overdue_of(r.status, r.reception_due_at,
                                                                   r.reception_decided_at, now)) for r in rows]
    return DossierPage(items=items, total=total, page=page, size=size, total_exact=exact)
