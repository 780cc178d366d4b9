"""Feedback (phản ánh, kiến nghị) sent to the officer's agency: the queue (open, overdue, answered), a feedback
with its author, and the answer form (published without personal data when marked public)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response

from portal.api import ApiError
from portal.console.common import PREFIX, OfficerDep, console_router, last_page, page, page_number
from portal.deps import ApiDep
from portal.errors import PageNotFound
from portal.web.forms import form_values
from portal.web.render import redirect

router = console_router("reception", "specialist", "leader")
FILTERS = {"": ("Đang chờ trả lời", {"status": "open"}), "qua-han": ("Quá hạn chưa trả lời", {"overdue": "true"}),
           "da-tra-loi": ("Đã trả lời", {"status": "answered"})}
SIZE = 20


@router.get("/phan-anh")
async def feedback_queue(request: Request, officer: OfficerDep, api: ApiDep) -> Response:
    key = request.query_params.get("loc", "")
    if key not in FILTERS:
        key = ""
    number = page_number(request)
    result = await api.get("/api/v1/feedback", token=officer.token,
                           params={**FILTERS[key][1], "page": number, "size": SIZE})
    return await page(request, "console/feedback/list.html", {
        "result": result, "filters": FILTERS, "current": key, "page": number,
        "last": last_page(result["total"], SIZE)}, title="Phản ánh, kiến nghị")


async def _feedback(api: Any, token: str | None, feedback_id: str) -> dict[str, Any]:
    try:
        fb: dict[str, Any] = await api.get(f"/api/v1/feedback/{quote(feedback_id, safe='')}", token=token)
    except ApiError as exc:
        if exc.status in (404, 422):
            raise PageNotFound() from None
        raise
    return fb


@router.get("/phan-anh/{feedback_id}")
async def feedback_detail(request: Request, feedback_id: str, officer: OfficerDep, api: ApiDep) -> Response:
    fb = await _feedback(api, officer.token, feedback_id)
    return await page(request, "console/feedback/detail.html", {"fb": fb, "values": {"public": "1"}},
                      title=fb["title"])


@router.post("/phan-anh/{feedback_id}")
async def answer_feedback(request: Request, feedback_id: str, officer: OfficerDep, api: ApiDep) -> Response:
    values = await form_values(request, ("answer", "public"))
    errors: dict[str, str] = {}
    if len(values.get("answer", "")) < 10:
        errors["answer"] = "Nhập nội dung trả lời (ít nhất 10 ký tự)."
    else:
        try:
            await api.post(f"/api/v1/feedback/{quote(feedback_id, safe='')}/answer", token=officer.token,
                           json={"body": values["answer"], "public": values.get("public") == "1"})
        except ApiError as exc:
            if exc.status not in (403, 409, 422):
                raise
            errors["answer"] = exc.detail or "Chưa gửi được trả lời."
    if errors:
        fb = await _feedback(api, officer.token, feedback_id)
        return await page(request, "console/feedback/detail.html", {"fb": fb, "values": values, "errors": errors},
                          status=422, title=fb["title"])
    published = "; trả lời được công khai trên Cổng, không kèm thông tin cá nhân."
    return redirect(request, f"{PREFIX}/phan-anh/{quote(feedback_id, safe='')}",
                    flash="Đã gửi trả lời. Người gửi được thông báo" + (
                        published if values.get("public") == "1" else "."))
