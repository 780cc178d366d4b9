"""The notification inbox."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from portal.deps import ApiDep, CitizenDep
from portal.web.render import redirect, render
from portal.web.security import check_csrf

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)


@router.get("/thong-bao")
async def inbox(request: Request, visitor: CitizenDep, api: ApiDep) -> Response:
    items = await api.get("/api/v1/notifications", token=visitor.token)
    if isinstance(items, dict):
        items = items.get("items", [])
    return render(request, "pages/inbox.html", {"items": items}, title="Thông báo")


@router.post("/thong-bao/{notification_id}/da-doc")
async def mark_read(request: Request, notification_id: str, visitor: CitizenDep, api: ApiDep) -> Response:
    await api.post(f"/api/v1/notifications/{quote(notification_id, safe='')}/read", token=visitor.token)
    return redirect(request, "/thong-bao", flash="Đã đánh dấu là đã đọc.")
