"""The citizen's voice and transparency pages: rating a returned dossier, sending and following feedback
(phản ánh, kiến nghị), the published answers, the verification page of issued papers, and the scoreboard."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from portal.api import ApiError
from portal.catalog.service import CatalogPages
from portal.deps import ApiDep, CitizenDep, FormVisitorDep, VisitorDep
from portal.dossier.routes import dossier_with_errors
from portal.errors import PageNotFound
from portal.voice.chart import bar_chart
from portal.voice.labels import CRITERIA, LEVELS
from portal.web.forms import form_files, form_values
from portal.web.render import VN, redirect, render
from portal.web.security import check_csrf

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)
CODE = re.compile(r"^[0-9A-Za-z.\-]{3,60}$")
PERIOD = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]))?$")
ABOUT = [("dossier", "Một hồ sơ của tôi"), ("procedure", "Một thủ tục hành chính"), ("agency", "Một cơ quan")]
FEEDBACK_LABELS = {"about": "Phản ánh về", "ref": "Đối tượng", "title": "Tiêu đề", "body": "Nội dung"}


def q(value: str) -> str:
    return quote(value, safe="")


# ---- rating a returned dossier -------------------------------------------------------------------------------


@router.post("/ho-so/{code}/danh-gia")
async def rate(request: Request, code: str, visitor: CitizenDep, api: ApiDep) -> Response:
    values = await form_values(request, [k for k, _ in CRITERIA] + ["comment"])
    body: dict[str, Any] = {"comment": values.get("comment") or None}
    errors: dict[str, str] = {}
    for key, _label in CRITERIA:
        raw = values.get(key, "")
        if raw in {v for v, _ in LEVELS}:
            body[key] = int(raw)
        elif key == "overall":
            errors[key] = "Chọn mức độ hài lòng chung."
    if not errors:
        try:
            await api.post(f"/api/v1/dossiers/{q(code)}/rating", token=visitor.token, json=body)
        except ApiError as exc:
            if exc.status not in (409, 422):
                raise
            errors = {k.removeprefix("body."): v for k, v in exc.field_errors().items()} or {
                "overall": exc.detail or "Chưa gửi được đánh giá."}
    if errors:
        return await dossier_with_errors(request, code, visitor.token, api, errors, values)
    return redirect(request, f"/ho-so/{q(code)}",
                    flash="Cảm ơn Ông/Bà đã đánh giá. Đánh giá được dùng để tính mức độ hài lòng của cơ quan.")


# ---- feedback ------------------------------------------------------------------------------------------------


def _page(request: Request) -> int:
    try:
        return max(1, min(10_000, int(request.query_params.get("trang") or 1)))
    except ValueError:
        return 1


@router.get("/phan-anh")
async def my_feedback(request: Request, visitor: CitizenDep, api: ApiDep) -> Response:
    page = _page(request)
    result = await api.get("/api/v1/feedback", token=visitor.token, params={"page": page, "size": 20})
    return render(request, "voice/my_feedback.html", {"result": result, "page": page,
                                                      "last": max(1, -(-int(result["total"]) // 20))},
                  title="Phản ánh, kiến nghị của tôi")


async def _feedback_form(request: Request, values: dict[str, str], errors: dict[str, str], status: int = 200,
                         token: str | None = None) -> Response:
    api = request.app.state.api
    agencies = await CatalogPages(api, request.app.state.cache).agencies()
    dossiers: list[dict[str, Any]] = []
    if token:
        dossiers = (await api.get("/api/v1/dossiers", token=token, params={"size": 50}))["items"]
    return render(request, "voice/feedback_form.html", {
        "values": values, "errors": errors, "about_options": ABOUT, "labels": FEEDBACK_LABELS,
        "agencies": agencies, "dossiers": dossiers}, status=status, title="Gửi phản ánh, kiến nghị")


@router.get("/phan-anh/gui")
async def feedback_form(request: Request, visitor: CitizenDep) -> Response:
    values = {k: v for k, v in request.query_params.items() if k in ("about", "ref")}
    return await _feedback_form(request, values, {}, token=visitor.token)


@router.post("/phan-anh/gui")
async def send_feedback(request: Request, visitor: CitizenDep, api: ApiDep) -> Response:
    values = await form_values(request, ("about", "ref_dossier", "ref_procedure", "ref_agency", "title", "body"))
    about = values.get("about", "")
    values["ref"] = values.get(f"ref_{about}", "") if about in {a for a, _ in ABOUT} else ""
    errors: dict[str, str] = {}
    if about not in {a for a, _ in ABOUT}:
        errors["about"] = "Chọn phản ánh về hồ sơ, thủ tục hay cơ quan."
    elif not values["ref"]:
        errors["ref"] = {"dossier": "Chọn hồ sơ.", "procedure": "Nhập mã thủ tục.", "agency": "Chọn cơ quan."}[about]
    for key, least in (("title", 5), ("body", 10)):
        if len(values.get(key, "")) < least:
            errors[key] = f"Nhập {FEEDBACK_LABELS[key].lower()} (ít nhất {least} ký tự)."
    if not errors:
        try:
            sent = await api.post("/api/v1/feedback", token=visitor.token, json={
                "about": about, "ref": values["ref"], "title": values["title"], "body": values["body"]})
        except ApiError as exc:
            if exc.status != 422:
                raise
            errors = {k.removeprefix("body."): v for k, v in exc.field_errors().items()} or {
                "body": exc.detail or "Chưa gửi được phản ánh."}
        else:
            return redirect(request, f"/phan-anh/{q(str(sent['id']))}",
                            flash="Đã gửi phản ánh, kiến nghị. Cơ quan sẽ trả lời trước hạn ghi dưới đây; Ông/Bà "
                                  "sẽ nhận thông báo khi có trả lời.")
    return await _feedback_form(request, values, errors, status=422, token=visitor.token)


@router.get("/phan-anh/{feedback_id}")
async def feedback_page(request: Request, feedback_id: str, visitor: CitizenDep, api: ApiDep) -> Response:
    try:
        fb = await api.get(f"/api/v1/feedback/{q(feedback_id)}", token=visitor.token)
    except ApiError as exc:
        if exc.status in (404, 422):
            raise PageNotFound() from None
        raise
    return render(request, "voice/feedback.html", {"fb": fb}, title=fb["title"])


@router.get("/phan-anh-kien-nghi")
async def public_feedback(request: Request, visitor: VisitorDep, api: ApiDep) -> Response:
    page = _page(request)
    result = await api.get("/api/v1/public/feedback", params={"page": page, "size": 20})
    return render(request, "voice/public_feedback.html", {
        "result": result, "page": page, "last": max(1, -(-int(result["total"]) // 20))},
        title="Phản ánh, kiến nghị đã được trả lời")


# ---- verification of issued papers ---------------------------------------------------------------------------


@router.get("/xac-minh")
async def verify_form(request: Request, visitor: VisitorDep) -> Response:
    code = (request.query_params.get("ma") or "").strip()
    if code:
        if CODE.match(code):
            return redirect(request, f"/xac-minh/{q(code)}")
        return render(request, "voice/verify_form.html", {"values": {"ma": code}, "errors": {
            "ma": "Mã không đúng định dạng, ví dụ 000.00.15.H19-261127-0001."}}, status=422,
            title="Xác minh giấy tờ")
    return render(request, "voice/verify_form.html", title="Xác minh giấy tờ")


async def _verification(request: Request, code: str) -> dict[str, Any] | None:
    try:
        info: dict[str, Any] = await request.app.state.api.get(f"/api/v1/verify/{q(code)}")
    except ApiError as exc:
        if exc.status not in (404, 422):
            raise
        return None
    return info


async def _verify_page(request: Request, code: str, *, check: dict[str, Any] | None = None,
                       errors: dict[str, str] | None = None, status: int = 200) -> Response:
    info = await _verification(request, code)
    if info is None:
        return render(request, "voice/verify_form.html", {"values": {"ma": code}, "errors": {
            "ma": "Không có giấy tờ nào được cấp với mã này. Kiểm tra lại mã in trên giấy."}}, status=404,
            title="Xác minh giấy tờ")
    return render(request, "voice/verify.html", {"v": info, "check": check, "errors": errors or {}},
                  status=status, title=f"Xác minh giấy tờ của hồ sơ {info['code']}")


@router.get("/xac-minh/{code}")
async def verify_page(request: Request, code: str, visitor: FormVisitorDep) -> Response:
    return await _verify_page(request, code)


@router.post("/xac-minh/{code}")
async def verify_copy(request: Request, code: str, visitor: FormVisitorDep, api: ApiDep) -> Response:
    files = await form_files(request)
    upload = files.get("file")
    limit = request.app.state.settings.upload_max_bytes
    if upload is None:
        return await _verify_page(request, code, errors={"file": "Chọn tệp cần kiểm tra."}, status=422)
    content = await upload.read(limit + 1)
    if len(content) > limit:
        return await _verify_page(request, code, errors={"file": f"Tệp vượt quá {limit // (1024 * 1024)} MB."},
                                  status=422)
    try:
        check = await api.post(f"/api/v1/verify/{q(code)}", files={
            "file": (upload.filename or "ban-sao", content, upload.content_type or "application/octet-stream")})
    except ApiError as exc:
        if exc.status not in (413, 422):
            raise
        return await _verify_page(request, code, errors={"file": exc.detail or "Tệp không hợp lệ."}, status=422)
    check["file_name"] = upload.filename
    return await _verify_page(request, code, check=check)


# ---- the public scoreboard -------------------------------------------------------------------------------------


def _periods(now: datetime) -> list[tuple[str, str]]:
    """The last twelve months, the current and last quarter and year, newest first."""
    out: list[tuple[str, str]] = []
    y, m = now.year, now.month
    for _ in range(12):
        out.append((f"{y}-{m:02d}", f"Tháng {m} năm {y}"))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    quarter = (now.month - 1) // 3 + 1
    out.append((f"{now.year}-Q{quarter}", f"Quý {quarter} năm {now.year}"))
    out += [(f"{now.year}", f"Năm {now.year}"), (f"{now.year - 1}", f"Năm {now.year - 1}")]
    return out


@router.get("/bang-xep-hang")
async def scoreboard(request: Request, visitor: VisitorDep, api: ApiDep) -> Response:
    now = datetime.now(VN)
    period = (request.query_params.get("ky") or f"{now:%Y-%m}").strip()
    errors: dict[str, str] = {}
    if not PERIOD.match(period):
        errors["ky"] = "Kỳ phải là tháng (2026-11), quý (2026-Q4) hoặc năm (2026)."
        period = f"{now:%Y-%m}"
    board = await api.get("/api/v1/public/indicators", params={"period": period})
    top = [u for u in board["agencies"] if u["depth"] == 1]
    chart = bar_chart([(u["name"], u["on_time_rate"]) for u in sorted(top, key=lambda u: u["rank"])],
                      title="Tỷ lệ hồ sơ giải quyết trước hạn và đúng hạn (%)")
    periods = _periods(now)
    if period not in {p for p, _ in periods}:
        periods.insert(0, (period, board["period_title"]))
    return render(request, "voice/scoreboard.html", {
        "board": board, "chart": chart, "periods": periods, "period": period, "values": {"ky": period},
        "errors": errors, "open_data": f"/api/v1/public/indicators?period={q(period)}"},
        status=422 if errors else 200, title="Bảng xếp hạng chất lượng giải quyết thủ tục hành chính")


# ---- help ------------------------------------------------------------------------------------------------------


@router.get("/hoi-dap")
async def faq(request: Request, visitor: VisitorDep, api: ApiDep) -> Response:
    entries = await api.get("/api/v1/catalog/faq")
    topics: dict[str, list[dict[str, Any]]] = {}
    for e in entries:
        topics.setdefault(e.get("topic") or "Câu hỏi khác", []).append(e)
    return render(request, "voice/faq.html", {"topics": topics}, title="Hỏi đáp")
