"""Help kept by catalog editors: the FAQ (hỏi đáp) of the portal's /hoi-dap page — add, edit, remove — and the
announcements of the portal's home page — publish for a period, withdraw. Through the catalog API; its errors
come back beside their field and nothing typed is lost."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from contracts.vocabulary import VN_TZ
from portal.api import Api, ApiError
from portal.console.common import PREFIX, OfficerDep, console_router, field_errors, page
from portal.deps import ApiDep
from portal.dossier.formschema import vn_date
from portal.errors import PageNotFound
from portal.web.forms import form_values
from portal.web.render import redirect

router = console_router("catalog_editor", "admin")
FAQ_LABELS = {"question": "Câu hỏi", "answer": "Trả lời", "topic": "Chủ đề", "position": "Thứ tự hiển thị"}
NEWS_LABELS = {"title": "Tiêu đề", "body": "Nội dung", "shown_from": "Hiển thị từ ngày", "shown_until": "Đến hết ngày"}


async def _send(api: Api, method: str, path: str, token: str | None, body: dict[str, Any],
                labels: dict[str, str]) -> dict[str, str]:
    """The catalog's answer to a write: no errors, or its 422 by field (the first label's field otherwise)."""
    try:
        await api.request(method, path, token=token, json=body)
    except ApiError as exc:
        if exc.status == 404:
            raise PageNotFound() from None
        if exc.status != 422:
            raise
        return field_errors(exc, labels, next(iter(labels)))
    return {}


async def _faq(api: Api) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = await api.get("/api/v1/catalog/faq")
    return entries


async def _help_page(request: Request, api: Api, **ctx: Any) -> Response:
    faq = await _faq(api)
    news: list[dict[str, Any]] = await api.get("/api/v1/catalog/announcements", params={"all": "true"})
    return await page(request, "console/help/index.html", {
        "faq": faq, "news": news, "faq_labels": FAQ_LABELS, "news_labels": NEWS_LABELS,
        "faq_values": {"position": str(max((e["position"] for e in faq), default=0) + 10)},
        "news_values": {}, "faq_errors": {}, "news_errors": {}, **ctx,
    }, status=422 if ctx.get("faq_errors") or ctx.get("news_errors") else 200, title="Hỏi đáp và thông báo")


@router.get("/tro-giup")
async def help_index(request: Request, officer: OfficerDep, api: ApiDep) -> Response:
    return await _help_page(request, api)


def _faq_body(values: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    for name, least in (("question", 5), ("answer", 5)):
        if len(values.get(name, "").strip()) < least:
            errors[name] = f"Nhập {FAQ_LABELS[name].lower()} (ít nhất {least} ký tự)."
    position = values.get("position", "").strip() or "0"
    if not position.isdigit() or int(position) > 10_000:
        errors["position"] = "Thứ tự là số nguyên từ 0 đến 10000."
    body = {"question": values.get("question", "").strip(), "answer": values.get("answer", "").strip(),
            "topic": values.get("topic", "").strip() or None, "position": int(position) if not errors.get(
                "position") else 0}
    return body, errors


@router.post("/tro-giup/hoi-dap")
async def add_faq(request: Request, officer: OfficerDep, api: ApiDep) -> Response:
    values = await form_values(request, tuple(FAQ_LABELS))
    body, errors = _faq_body(values)
    errors = errors or await _send(api, "POST", "/api/v1/catalog/faq", officer.token, body, FAQ_LABELS)
    if errors:
        return await _help_page(request, api, faq_values=values, faq_errors=errors)
    return redirect(request, f"{PREFIX}/tro-giup", flash="Đã thêm câu hỏi vào trang Hỏi đáp của Cổng.")


def _entry_id(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise PageNotFound() from None


async def _faq_entry(api: Api, entry_id: str) -> dict[str, Any]:
    entry = next((e for e in await _faq(api) if e["id"] == entry_id), None)
    if entry is None:
        raise PageNotFound()
    return entry


@router.get("/tro-giup/hoi-dap/{entry_id}")
async def edit_faq_page(request: Request, entry_id: str, officer: OfficerDep, api: ApiDep) -> Response:
    entry = await _faq_entry(api, _entry_id(entry_id))
    values = {k: str(entry.get(k) or "") for k in FAQ_LABELS}
    values["position"] = str(entry["position"])
    return await page(request, "console/help/faq_edit.html", {"entry": entry, "values": values, "errors": {},
                                                             "labels": FAQ_LABELS}, title="Sửa câu hỏi")


@router.post("/tro-giup/hoi-dap/{entry_id}")
async def edit_faq(request: Request, entry_id: str, officer: OfficerDep, api: ApiDep) -> Response:
    entry_id = _entry_id(entry_id)
    values = await form_values(request, (*FAQ_LABELS, "xoa"))
    if values.get("xoa") == "1":
        try:
            await api.request("DELETE", f"/api/v1/catalog/faq/{entry_id}", token=officer.token)
        except ApiError as exc:
            if exc.status != 404:
                raise
        return redirect(request, f"{PREFIX}/tro-giup", flash="Đã xóa câu hỏi khỏi trang Hỏi đáp.")
    body, errors = _faq_body(values)
    errors = errors or await _send(api, "PUT", f"/api/v1/catalog/faq/{entry_id}", officer.token, body, FAQ_LABELS)
    if errors:
        entry = await _faq_entry(api, entry_id)
        return await page(request, "console/help/faq_edit.html", {
            "entry": entry, "values": values, "errors": errors, "labels": FAQ_LABELS}, status=422, title="Sửa câu hỏi")
    return redirect(request, f"{PREFIX}/tro-giup", flash="Đã lưu câu hỏi; trang Hỏi đáp hiển thị nội dung mới.")


def _day(value: str, *, end: bool) -> datetime | None:
    """dd/mm/yyyy → the start (or the end) of that day in Vietnam's time; None when empty; ValueError if wrong."""
    if not value.strip():
        return None
    day = vn_date(value)
    if day is None:
        raise ValueError
    return datetime.combine(day, time(23, 59, 59) if end else time(0), tzinfo=VN_TZ)


@router.post("/tro-giup/thong-bao")
async def announce(request: Request, officer: OfficerDep, api: ApiDep) -> Response:
    values = await form_values(request, tuple(NEWS_LABELS))
    errors: dict[str, str] = {}
    for name in ("title", "body"):
        if len(values.get(name, "").strip()) < 5:
            errors[name] = f"Nhập {NEWS_LABELS[name].lower()} (ít nhất 5 ký tự)."
    period: dict[str, datetime | None] = {}
    for name in ("shown_from", "shown_until"):
        try:
            period[name] = _day(values.get(name, ""), end=name == "shown_until")
        except ValueError:
            errors[name] = "Ngày theo dạng ngày/tháng/năm, ví dụ 01/01/2027."
    if not errors and period["shown_from"] and period["shown_until"] and period["shown_until"] <= period["shown_from"]:
        errors["shown_until"] = "Ngày kết thúc phải sau ngày bắt đầu."
    if not errors:
        body = {"title": values["title"].strip(), "body": values["body"].strip(),
                **{k: v.isoformat() for k, v in period.items() if v is not None}}
        errors = await _send(api, "POST", "/api/v1/catalog/announcements", officer.token, body, NEWS_LABELS)
    if errors:
        return await _help_page(request, api, news_values=values, news_errors=errors)
    request.app.state.cache.forget("announcements")
    return redirect(request, f"{PREFIX}/tro-giup", flash="Đã đăng thông báo trên trang chủ của Cổng.")


@router.post("/tro-giup/thong-bao/{item_id}/go")
async def withdraw(request: Request, item_id: str, officer: OfficerDep, api: ApiDep) -> Response:
    try:
        await api.request("DELETE", f"/api/v1/catalog/announcements/{_entry_id(item_id)}", token=officer.token)
    except ApiError as exc:
        if exc.status != 404:
            raise
    request.app.state.cache.forget("announcements")
    return redirect(request, f"{PREFIX}/tro-giup", flash="Đã gỡ thông báo khỏi trang chủ.")
