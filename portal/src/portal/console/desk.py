"""The reception desk (Bộ phận Một cửa): the queue of new and supplemented dossiers with the 8-working-hour
reception limit, the decisions (accept, request supplement, refuse) with their forms, walk-in and postal
registration, handing results over and counter fee payments."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from portal.api import Api, ApiError
from portal.catalog.service import CatalogPages
from portal.console.common import (
    Officer,
    OfficerDep,
    agency_procedures,
    console_router,
    last_page,
    page,
    page_number,
    prefixed,
    q,
)
from portal.console.dossier import dossier_context
from portal.deps import ApiDep
from portal.dossier.routes import ACCEPT, upload
from portal.dossier.wizard import APPLICANT, Wizard
from portal.web.forms import form_files, form_values
from portal.web.render import STATUS_LABELS, redirect

router = console_router("reception")
SIZE = 20
QUEUE_STATUSES = {"submitted": "Mới đăng ký, đã bổ sung", "supplement_requested": "Chờ người nộp bổ sung"}
DELIVERED_BY = {"counter": "tại Bộ phận Một cửa", "postal": "qua bưu chính", "online": "trực tuyến"}
CHANNELS = {"online": "Trực tuyến", "counter": "Trực tiếp", "postal": "Bưu chính", "onestop": "Phần mềm một cửa"}
DECISION_DONE = {
    "accept": ("Đã tiếp nhận hồ sơ {code}. In giấy tiếp nhận và hẹn trả kết quả (mẫu 01) cho người nộp.", "01"),
    "request_supplement": ("Đã yêu cầu bổ sung hồ sơ {code}. In phiếu yêu cầu bổ sung (mẫu 02) cho người nộp.",
                           "02"),
    "refuse": ("Đã từ chối tiếp nhận hồ sơ {code}. In phiếu từ chối (mẫu 03) cho người nộp.", "03"),
}


def _lines(text: str) -> list[str]:
    return [line.strip(" -•\t") for line in text.splitlines() if line.strip(" -•\t")]


# ---- the queue --------------------------------------------------------------------------------------------


@router.get("/tiep-nhan")
async def queue(request: Request, officer: OfficerDep, api: ApiDep) -> Response:
    qp = request.query_params
    number = page_number(request)
    status = qp.get("trang-thai") if qp.get("trang-thai") in QUEUE_STATUSES else "submitted"
    params: dict[str, Any] = {"status": status, "sort": "submitted_at", "page": number, "size": SIZE}
    if qp.get("q"):
        params["q"] = qp["q"][:100]
    if qp.get("thu-tuc"):
        params["procedure_code"] = qp["thu-tuc"][:60]
    if qp.get("kenh") in CHANNELS:
        params["channel"] = qp["kenh"]
    if qp.get("qua-han"):
        params["reception_overdue"] = "true"
    result = await api.get("/api/v1/dossiers", token=officer.token, params=params)
    filters = {"q": qp.get("q", ""), "thu-tuc": qp.get("thu-tuc", ""), "kenh": qp.get("kenh", ""),
               "trang-thai": status, "qua-han": "1" if qp.get("qua-han") else ""}
    return await page(request, "console/desk/queue.html", {
        "result": result, "number": number, "last": last_page(result["total"], SIZE),
        "filters": filters, "values": filters, "statuses": QUEUE_STATUSES, "channels": CHANNELS,
        "procedures": await agency_procedures(request, officer.agency_code),
    }, title="Tiếp nhận hồ sơ")


# ---- decisions --------------------------------------------------------------------------------------------


async def _dossier_again(request: Request, officer: Officer, api: Api, code: str, values: dict[str, str],
                         errors: dict[str, str]) -> Response:
    ctx = await dossier_context(request, officer, api, code)
    ctx.update(values=values, errors=errors)
    return await page(request, "console/dossier/dossier.html", ctx, status=422, title=f"Hồ sơ {code}")


@router.post("/ho-so/{code}/tiep-nhan")
async def decide(request: Request, code: str, officer: OfficerDep, api: ApiDep) -> Response:
    values = await form_values(request)
    decision = values.get("decision", "")
    mine = prefixed(values, decision)
    body: dict[str, Any] = {"decision": decision}
    errors: dict[str, str] = {}
    if decision == "accept":
        body["note"] = mine.get("note") or None
    elif decision == "request_supplement":
        body["missing_items"] = _lines(mine.get("missing_items", ""))
        body["note"] = mine.get("note") or None
        if not body["missing_items"]:
            errors["request_supplement.missing_items"] = "Liệt kê giấy tờ, nội dung cần bổ sung (mỗi dòng một mục)."
    elif decision == "refuse":
        body["reason"] = mine.get("reason", "")
        if not body["reason"]:
            errors["refuse.reason"] = "Nêu rõ lý do từ chối tiếp nhận hồ sơ."
    else:
        errors["decision"] = "Chọn một quyết định."
    if values.get("version", "").isdigit():
        body["version"] = int(values["version"])
    if not errors:
        try:
            await api.post(f"/api/v1/dossiers/{q(code)}/reception", token=officer.token, json=body)
        except ApiError as exc:
            if exc.status not in (409, 422):
                raise
            field = {"request_supplement": "missing_items", "refuse": "reason"}.get(decision, "note")
            named = exc.field_errors()
            errors[f"{decision}.{field}"] = named.get(field) or named.get("missing_items") or exc.detail or \
                "Chưa thực hiện được."
    if errors:
        return await _dossier_again(request, officer, api, code, values, errors)
    message, form = DECISION_DONE[decision]
    return redirect(request, f"/can-bo/ho-so/{q(code)}?mau={form}", flash=message.format(code=code))


# ---- walk-in and postal dossiers --------------------------------------------------------------------------


CHANNEL_CHOICES = [("counter", "Nộp trực tiếp tại Bộ phận Một cửa"), ("postal", "Nộp qua bưu chính")]


async def _registration(request: Request, officer: Officer, api: Api, procedure_code: str,
                        values: dict[str, str], errors: dict[str, str], status: int = 200) -> Response:
    procedures = await agency_procedures(request, officer.agency_code)
    procedure = None
    if procedure_code:
        try:
            procedure = await CatalogPages(api, request.app.state.cache).procedure(procedure_code)
        except ApiError as exc:
            if exc.status != 404:
                raise
            errors = {**errors, "thu-tuc": "Không tìm thấy thủ tục này."}
    wizard = Wizard(procedure) if procedure else None
    labels = wizard.labels() if wizard else {}
    labels.update({"channel": "Hình thức nộp", "thu-tuc": "Thủ tục"})
    return await page(request, "console/desk/register.html", {
        "procedures": procedures, "p": procedure, "wizard": wizard, "applicant": APPLICANT, "values": values,
        "errors": errors, "labels": labels, "accept": ACCEPT, "channel_choices": CHANNEL_CHOICES,
        "file_hint": f"PDF, JPG, PNG, DOCX, ODT; tối đa {request.app.state.settings.upload_max_bytes // 2**20} MB.",
    }, status=status, title="Tiếp nhận hồ sơ trực tiếp, bưu chính")


@router.get("/tiep-nhan/moi")
async def registration_page(request: Request, officer: OfficerDep, api: ApiDep) -> Response:
    code = request.query_params.get("thu-tuc", "")[:60]
    return await _registration(request, officer, api, code, {"thu-tuc": code, "channel": "counter",
                                                             "return_method": "counter"}, {})


@router.post("/tiep-nhan/moi")
async def register(request: Request, officer: OfficerDep, api: ApiDep) -> Response:
    values = await form_values(request)
    code = values.get("thu-tuc", "")
    if not code:
        return await _registration(request, officer, api, "", values, {"thu-tuc": "Chọn thủ tục."}, 422)
    procedure = await CatalogPages(api, request.app.state.cache).procedure(code)
    wizard = Wizard(procedure)
    wizard.agencies = []  # the dossier belongs to the officer's agency
    errors = {**wizard.check("thong-tin", values, {}), **wizard.check("to-khai", values, {})}
    errors.pop("applicant.phone", None)  # a walk-in applicant may have no mobile phone
    if values.get("channel") not in ("counter", "postal"):
        errors["channel"] = "Chọn hình thức nộp."
    documents: dict[str, Any] = {}
    for name, file in (await form_files(request)).items():
        doc_code = name.removeprefix("documents.")
        if not any(d["code"] == doc_code for d in procedure.get("documents", [])):
            continue
        stored, message = await upload(api, officer.token, file, request.app.state.settings.upload_max_bytes)
        if stored is None:
            errors[name] = message
        else:
            documents[doc_code] = stored
    errors.update(wizard.check("giay-to", values, documents))
    if not errors:
        body = wizard.body(values, documents)
        body["channel"] = values["channel"]
        try:
            dossier = await api.post("/api/v1/dossiers", token=officer.token, json=body)
            await api.post(f"/api/v1/dossiers/{q(dossier['code'])}/reception", token=officer.token,
                           json={"decision": "accept", "note": values.get("note") or None})
        except ApiError as exc:
            if exc.status not in (409, 422):
                raise
            errors = wizard.api_errors(exc.field_errors()) or {"thu-tuc": exc.detail or "Chưa tiếp nhận được."}
        else:
            return redirect(request, f"/can-bo/ho-so/{q(dossier['code'])}?mau=01",
                            flash=f"Đã tiếp nhận hồ sơ {dossier['code']}. In giấy tiếp nhận và hẹn trả kết quả "
                                  "(mẫu 01) cho người nộp.")
    if documents:
        errors.setdefault("documents", "Các tệp đã chọn chưa được lưu: vui lòng chọn lại sau khi sửa lỗi.")
    return await _registration(request, officer, api, code, values, errors, 422)


# ---- results and fees -------------------------------------------------------------------------------------


@router.get("/tra-ket-qua")
async def results(request: Request, officer: OfficerDep, api: ApiDep) -> Response:
    number = page_number(request)
    params: dict[str, Any] = {"status": "result_ready", "sort": "due_at", "page": number, "size": SIZE}
    if request.query_params.get("q"):
        params["q"] = request.query_params["q"][:100]
    result = await api.get("/api/v1/dossiers", token=officer.token, params=params)
    filters = {"q": request.query_params.get("q", "")}
    return await page(request, "console/desk/results.html", {
        "result": result, "number": number, "last": last_page(result["total"], SIZE), "filters": filters,
        "values": filters, "channels": CHANNELS}, title="Trả kết quả")


@router.post("/ho-so/{code}/tra-ket-qua")
async def deliver(request: Request, code: str, officer: OfficerDep, api: ApiDep) -> Response:
    values = await form_values(request)
    mine = prefixed(values, "deliver")
    errors: dict[str, str] = {}
    method = mine.get("method", "")
    if method not in ("counter", "postal", "online"):
        errors["deliver.method"] = "Chọn hình thức trả kết quả."
    if method == "postal" and not mine.get("postal_tracking"):
        errors["deliver.postal_tracking"] = "Nhập số hiệu bưu gửi."
    if not errors:
        try:
            delivered = await api.post(f"/api/v1/dossiers/{q(code)}/delivery", token=officer.token, json={
                "method": method, "note": mine.get("note") or None,
                "postal_tracking": mine.get("postal_tracking") or None})
        except ApiError as exc:
            if exc.status not in (409, 422):
                raise
            named = exc.field_errors()
            key = "postal_tracking" if "postal_tracking" in named else "method"
            errors[f"deliver.{key}"] = named.get(key) or exc.detail or "Chưa trả được kết quả."
    if errors:
        return await _dossier_again(request, officer, api, code, values, errors)
    how = DELIVERED_BY[method]
    if method == "postal":
        how += f" (số hiệu bưu gửi {mine['postal_tracking'].strip()})"
    state = STATUS_LABELS.get(delivered["status"], delivered["status"])
    return redirect(request, f"/can-bo/ho-so/{q(code)}",
                    flash=f"Đã trả kết quả hồ sơ {code} {how}. Hồ sơ chuyển sang trạng thái “{state}”.")


@router.post("/ho-so/{code}/thu-phi")
async def record_payment(request: Request, code: str, officer: OfficerDep, api: ApiDep) -> Response:
    values = await form_values(request)
    mine = prefixed(values, "fee")
    errors: dict[str, str] = {}
    body: dict[str, Any] = {"receipt_no": mine.get("receipt_no") or None, "note": mine.get("note") or None}
    amount = mine.get("amount", "").replace(".", "").replace(" ", "")
    if amount:
        if not amount.isdigit() or int(amount) <= 0:
            errors["fee.amount"] = "Số tiền là số nguyên dương, tính bằng đồng."
        else:
            body["amount"] = int(amount)
    if not errors:
        try:
            paid = await api.post(f"/api/v1/dossiers/{q(code)}/payments/counter", token=officer.token, json=body)
        except ApiError as exc:
            if exc.status not in (409, 422):
                raise
            named = exc.field_errors()
            key = next((k for k in ("amount", "receipt_no") if k in named), "amount")
            errors[f"fee.{key}"] = named.get(key) or exc.detail or "Chưa ghi nhận được khoản thu."
        else:
            said = f"Đã ghi nhận khoản thu {paid['amount']:,} đồng tại quầy.".replace(",", ".")
            # a signed level-4 result to be returned online goes out as soon as its fees are paid: say so
            dossier = await api.get(f"/api/v1/dossiers/{q(code)}", token=officer.token)
            if dossier.get("status") == "returned":
                said += " Hồ sơ đã đủ phí: hệ thống đã trả kết quả trực tuyến cho người nộp."
            return redirect(request, f"/can-bo/ho-so/{q(code)}", flash=said)
    return await _dossier_again(request, officer, api, code, values, errors)
