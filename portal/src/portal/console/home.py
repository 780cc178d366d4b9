"""The console's door: officers log in and out at /can-bo/dang-nhap, and land on an overview of their work."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from portal.account.login import sign_in, sign_out
from portal.api import Api, ApiError
from portal.console.common import OFFICER_ROLES, PREFIX, OfficerDep, console_router, page
from portal.deps import ApiDep, FormVisitorDep, SessionDep, VisitorDep
from portal.web.forms import form_values
from portal.web.render import redirect, safe_next
from portal.web.security import check_csrf

# the login page is open to anyone; every other console page is behind console_router
door = APIRouter(prefix=PREFIX, include_in_schema=False, dependencies=[Depends(check_csrf)])
router = console_router()

CITIZEN_REFUSED = ("Đây là tài khoản công dân. Trang cán bộ chỉ dành cho cán bộ, công chức; "
                   "công dân đăng nhập tại Cổng dịch vụ công.")


def _refuse_citizens(me: dict[str, Any]) -> str | None:
    # a token that only sets up the second factor has no roles yet: the gateway gives it to officers only
    return None if OFFICER_ROLES & set(me.get("roles") or []) or me.get("mfa_setup_required") else CITIZEN_REFUSED


def _next(value: str | None) -> str:
    path = safe_next(value, PREFIX + "/")
    return path if path.startswith(PREFIX + "/") else PREFIX + "/"


@door.get("/dang-nhap")
async def login_page(request: Request, visitor: FormVisitorDep) -> Response:
    return await page(request, "console/login.html", {"next": _next(request.query_params.get("tiep"))},
                      title="Đăng nhập trang cán bộ")


@door.post("/dang-nhap")
async def log_in(request: Request, visitor: FormVisitorDep, api: ApiDep, db: SessionDep) -> Response:
    values = {"otp": "", **await form_values(request, ("username", "password", "otp", "tiep"))}
    next_path = _next(values.get("tiep"))
    errors = await sign_in(request, api, db, visitor, values, refuse=_refuse_citizens)
    if not errors:
        return redirect(request, next_path)  # an officer still to set up the second factor is sent on from there
    # neither the password nor a code (good once) is kept in the page
    values.pop("password", None)
    values.pop("otp", None)
    return await page(request, "console/login.html", {"values": values, "errors": errors, "next": next_path},
                      status=422, title="Đăng nhập trang cán bộ")


@door.post("/dang-xuat")
async def log_out(request: Request, visitor: VisitorDep, api: ApiDep, db: SessionDep) -> Response:
    await sign_out(request, api, db, visitor)
    return redirect(request, PREFIX + "/dang-nhap", flash="Bạn đã đăng xuất.")


async def _count(api: Api, token: str | None, path: str, params: dict[str, Any]) -> int | None:
    try:
        result = await api.get(path, token=token, params={**params, "size": 1})
    except ApiError as exc:
        if exc.status in (401, 503):
            raise
        return None  # a figure this officer may not read: the overview shows the others
    return int(result["total"])


@router.get("/")
async def home(request: Request, officer: OfficerDep, api: ApiDep) -> Response:
    token = officer.token
    wanted: dict[str, tuple[str, dict[str, Any]]] = {}
    if officer.has("reception"):
        wanted["new"] = ("/api/v1/dossiers", {"status": "submitted"})
        wanted["late_reception"] = ("/api/v1/dossiers", {"status": "submitted", "reception_overdue": "true"})
        wanted["to_return"] = ("/api/v1/dossiers", {"status": "result_ready"})
    if officer.has("reception", "specialist", "leader"):
        wanted["tasks"] = ("/api/v1/workflow/tasks", {})
        wanted["overdue"] = ("/api/v1/dossiers", {"overdue": "true"})
    counts = dict(zip(wanted, await asyncio.gather(*(_count(api, token, p, q) for p, q in wanted.values())),
                      strict=True))
    return await page(request, "console/home.html", {"counts": counts}, title="Tổng quan")
