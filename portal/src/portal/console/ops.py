"""The operators' status page for administrators (/can-bo/van-hanh): the platform's health as the gateway's
``GET /api/v1/ops/status`` gives it (readiness of each service, outbox backlog, consumer lag, dead letters with a
replay action, overdue dossiers), for a province that runs the platform without Grafana."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from portal.api import ApiError
from portal.console.common import PREFIX, OfficerDep, console_router, page
from portal.deps import ApiDep
from portal.web.render import redirect

router = console_router("admin")
PAGE = PREFIX + "/van-hanh"


@router.get("/van-hanh")
async def status_page(request: Request, officer: OfficerDep, api: ApiDep) -> Response:
    status = await api.get("/api/v1/ops/status", token=officer.token)
    return await page(request, "console/ops/status.html", {"s": status}, title="Vận hành hệ thống")


@router.post("/van-hanh/thu-chet/{seq}/gui-lai")
async def replay(seq: int, request: Request, officer: OfficerDep, api: ApiDep) -> Response:
    try:
        done = await api.post(f"/api/v1/ops/dead-letters/{seq}/replay", token=officer.token)
    except ApiError as exc:
        if exc.status in (401, 503):
            raise
        return redirect(request, PAGE, flash=exc.detail or "Không đưa lại được sự kiện này.")
    return redirect(request, PAGE, flash=f"Đã đưa lại sự kiện số {seq} về luồng {done['subject']}.")
