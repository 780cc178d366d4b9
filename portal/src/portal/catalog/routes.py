"""Public pages: home, search results and the procedure page (no login needed)."""

from __future__ import annotations

import asyncio
import math
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from portal.catalog.service import CatalogPages
from portal.deps import ApiDep, VisitorDep
from portal.web.render import render
from portal.web.security import check_csrf

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)
PAGE_SIZE = 10


def _pages(request: Request) -> CatalogPages:
    return CatalogPages(request.app.state.api, request.app.state.cache)


@router.get("/")
async def home(request: Request, visitor: VisitorDep) -> Response:
    pages = _pages(request)
    sectors, agencies, popular, announcements = await asyncio.gather(
        pages.sectors(), pages.agencies(), pages.popular(), pages.announcements())
    return render(request, "pages/home.html",
                  {"sectors": sectors, "agencies": agencies, "popular": popular, "announcements": announcements},
                  title="Cổng dịch vụ công trực tuyến tỉnh Đồng Nai")


def _int(value: str | None, low: int, high: int) -> int | None:
    try:
        n = int(value) if value else None
    except ValueError:
        return None
    return n if n is not None and low <= n <= high else None


@router.get("/thu-tuc")
async def search(request: Request, visitor: VisitorDep) -> Response:
    qp = request.query_params
    q = (qp.get("q") or "").strip()[:200]
    sector = (qp.get("linh-vuc") or "").strip()[:32]
    agency = (qp.get("co-quan") or "").strip()[:13]
    level = _int(qp.get("muc-do"), 1, 4)
    page = _int(qp.get("trang"), 1, 10_000) or 1
    pages = _pages(request)
    params: dict[str, Any] = {"page": page, "size": PAGE_SIZE}
    for key, value in (("q", q), ("sector", sector), ("agency", agency), ("level", level)):
        if value:
            params[key] = value
    result, sectors, agencies = await asyncio.gather(pages.search(params), pages.sectors(), pages.agencies())
    sector_names = {s["code"]: s["name"] for s in sectors}
    agency_names = {a["code"]: a["name"] for a in agencies}
    last = max(1, math.ceil(result["total"] / PAGE_SIZE))
    base = {k: v for k, v in (("q", q), ("linh-vuc", sector), ("co-quan", agency), ("muc-do", level)) if v}
    return render(request, "pages/search.html", {
        "q": q, "sector": sector, "agency": agency, "level": level, "page": page, "last": last,
        "result": result, "sectors": sectors, "agencies": agencies, "sector_names": sector_names,
        "agency_names": agency_names, "base": base,
    }, title=(f"Kết quả tìm kiếm “{q}”" if q else "Danh sách thủ tục hành chính") +
              (f" — trang {page}" if page > 1 else ""))


@router.get("/thu-tuc/{code}")
async def procedure_page(request: Request, code: str, visitor: VisitorDep) -> Response:
    pages = _pages(request)
    procedure = await pages.procedure(code)
    stats, agencies = await asyncio.gather(pages.stats(procedure), pages.agencies())
    agency_names = {a["code"]: a["name"] for a in agencies}
    return render(request, "pages/procedure.html", {
        "p": procedure, "stats": stats, "agency_names": agency_names, "quote": quote,
        "dc": pages.dublin_core(procedure, str(request.base_url).rstrip("/")),
    }, title=procedure["name"])


@router.get("/thu-tuc/{code}/mau-don/{form_id}")
async def form_template(request: Request, code: str, form_id: str, api: ApiDep) -> Response:
    r = await api.request("GET", f"/api/v1/catalog/procedures/{quote(code, safe='')}/forms/{quote(form_id, safe='')}")
    headers = {k: v for k, v in r.headers.items() if k.lower() in ("content-type", "content-disposition")}
    return Response(r.content, headers=headers)
