"""The filing wizard, my dossiers, a dossier's page, payments and the public tracking page."""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from portal.account.service import Visitor
from portal.api import Api, ApiError
from portal.catalog.service import CatalogPages
from portal.deps import ApiDep, CitizenDep, SessionDep, VisitorDep
from portal.dossier.wizard import APPLICANT, Step, Wizard, prefill
from portal.draft.service import DraftService
from portal.errors import PageNotFound
from portal.voice.labels import rating_context
from portal.web.forms import form_files, form_values
from portal.web.render import redirect, render
from portal.web.security import check_csrf

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)
CODE = re.compile(r"^[0-9A-Za-z.\-]{3,60}$")
ACCEPT = ".pdf,.jpg,.jpeg,.png,.docx,.odt,.xml,.txt"
FILE_HINT = "Định dạng PDF, JPG, PNG, DOCX, ODT; tối đa {mb} MB."


def q(code: str) -> str:
    return quote(code, safe="")


async def _procedure(request: Request, code: str) -> dict[str, Any]:
    p = await CatalogPages(request.app.state.api, request.app.state.cache).procedure(code)
    if int(p["level"]) < 3:
        raise PageNotFound()
    return p


def _file_hint(request: Request) -> str:
    return FILE_HINT.format(mb=request.app.state.settings.upload_max_bytes // (1024 * 1024))


async def upload(api: Api, token: str | None, file: Any, max_bytes: int) -> tuple[dict[str, Any] | None, str]:
    """Sends one chosen file to the API; answers (the stored file, "") or (None, the message for its field)."""
    content = await file.read(max_bytes + 1)
    if len(content) > max_bytes:
        return None, f"Tệp “{file.filename}” vượt quá {max_bytes // (1024 * 1024)} MB."
    if not content:
        return None, f"Tệp “{file.filename}” rỗng."
    try:
        media_type = file.content_type or "application/octet-stream"
        stored = await api.post("/api/v1/files", token=token, files={"file": (file.filename, content, media_type)})
    except ApiError as exc:
        if exc.status in (413, 415, 422):
            return None, exc.detail or "Tệp không hợp lệ."
        raise
    return {"file_id": stored["id"], "name": stored.get("name") or file.filename, "size": stored.get("size", 0)}, ""


# ---- the filing wizard -------------------------------------------------------------------------------------


@router.get("/nop-ho-so/{code}")
async def start_filing(request: Request, code: str, visitor: CitizenDep) -> Response:
    await _procedure(request, code)
    return redirect(request, f"/nop-ho-so/{q(code)}/thong-tin")


def _step_context(request: Request, wizard: Wizard, slug: str, draft: dict[str, Any],
                  errors: dict[str, str], agency_names: dict[str, str]) -> dict[str, Any]:
    return {
        "p": wizard.procedure, "wizard": wizard, "slug": slug, "values": draft["values"],
        "documents": draft["documents"], "errors": errors, "labels": wizard.labels(), "applicant": APPLICANT,
        "agency_names": agency_names, "file_hint": _file_hint(request), "accept": ACCEPT, "q": q,
        "step_index": [s.slug for s in wizard.steps].index(slug) + 1,
    }


async def _agency_names(request: Request) -> dict[str, str]:
    agencies = await CatalogPages(request.app.state.api, request.app.state.cache).agencies()
    return {a["code"]: a["name"] for a in agencies}


async def _wizard_step(request: Request, code: str, slug: str, visitor: Visitor,
                       db: AsyncSession) -> tuple[Wizard, Step, DraftService, str]:
    wizard = Wizard(await _procedure(request, code))
    step = wizard.step(slug)
    if step is None or visitor.user_id is None:
        raise PageNotFound()
    return wizard, step, DraftService(db), visitor.user_id


@router.get("/nop-ho-so/{code}/{slug}")
async def filing_step(request: Request, code: str, slug: str, visitor: CitizenDep, db: SessionDep,
                      api: ApiDep) -> Response:
    wizard, step, drafts, user_id = await _wizard_step(request, code, slug, visitor, db)
    procedure = wizard.procedure
    draft = await drafts.load(user_id, procedure["code"])
    if not draft["values"]:
        me = await api.get("/api/v1/auth/me", token=visitor.token)
        draft["values"] = prefill({**visitor.profile, **me})
    errors = {k: v for k, v in draft["errors"].items()
              if slug == "kiem-tra" or wizard.step_of_field(k) == slug}
    title = f"{step.title} — {procedure['name']}"
    return render(request, f"pages/wizard_{slug.replace('-', '_')}.html",
                  _step_context(request, wizard, slug, draft, errors, await _agency_names(request)), title=title)


@router.post("/nop-ho-so/{code}/{slug}")
async def save_step(request: Request, code: str, slug: str, visitor: CitizenDep, db: SessionDep,
                    api: ApiDep) -> Response:
    wizard, step, drafts, user_id = await _wizard_step(request, code, slug, visitor, db)
    procedure = wizard.procedure
    if slug == "kiem-tra":
        return await _submit(request, wizard, user_id, visitor.token, drafts, api)
    values = await form_values(request)
    action = values.pop("hanh-dong", "tiep-tuc")
    draft = await drafts.save_values(user_id, procedure["code"], values, prefixes=step.prefixes)
    errors: dict[str, str] = {}
    if slug == "giay-to":
        for name, file in (await form_files(request)).items():
            doc_code = name.removeprefix("documents.")
            if not any(d["code"] == doc_code for d in procedure.get("documents", [])):
                continue
            stored, message = await upload(api, visitor.token, file, request.app.state.settings.upload_max_bytes)
            if stored is not None:
                draft["documents"][doc_code] = stored
                draft["errors"].pop(name, None)
            else:
                errors[name] = message
        await drafts.save(user_id, procedure["code"], draft)
    if request.headers.get("x-csrf-token"):  # the script's background save
        return Response(status_code=204)
    if action == "luu-nhap" and not errors:
        return redirect(request, f"/nop-ho-so/{q(code)}/{slug}",
                        flash="Đã lưu nháp. Bạn có thể quay lại bất cứ lúc nào để tiếp tục.")
    errors = {**wizard.check(slug, draft["values"], draft["documents"]), **errors}
    if errors:
        return render(request, f"pages/wizard_{slug.replace('-', '_')}.html",
                      _step_context(request, wizard, slug, draft, errors, await _agency_names(request)),
                      status=422, title=f"{step.title} — {procedure['name']}")
    return redirect(request, f"/nop-ho-so/{q(code)}/{wizard.next_of(slug).slug}")


async def _submit(request: Request, wizard: Wizard, user_id: str, token: str | None, drafts: DraftService,
                  api: Api) -> Response:
    code = wizard.procedure["code"]
    draft = await drafts.load(user_id, code)
    errors: dict[str, str] = {}
    for step in wizard.steps:
        errors.update(wizard.check(step.slug, draft["values"], draft["documents"]))
    if not errors:
        try:
            dossier = await api.post("/api/v1/dossiers", token=token,
                                     json=wizard.body(draft["values"], draft["documents"]))
        except ApiError as exc:
            if exc.status != 422:
                raise
            errors = wizard.api_errors(exc.field_errors()) or {"documents": exc.detail}
        else:
            await drafts.discard(user_id, code)
            return redirect(request, f"/ho-so/{q(dossier['code'])}/da-nop")
    draft["errors"] = errors
    await drafts.save(user_id, code, draft)
    return render(request, "pages/wizard_kiem_tra.html",
                  _step_context(request, wizard, "kiem-tra", draft, errors, await _agency_names(request)),
                  status=422, title=f"Kiểm tra lại — {wizard.procedure['name']}")


# ---- my dossiers and a dossier's page ----------------------------------------------------------------------


@router.get("/ho-so")
async def my_dossiers(request: Request, visitor: CitizenDep, api: ApiDep) -> Response:
    try:
        page = max(1, min(10_000, int(request.query_params.get("trang") or 1)))
    except ValueError:
        page = 1
    result = await api.get("/api/v1/dossiers", token=visitor.token, params={"page": page, "size": 20})
    last = max(1, -(-int(result["total"]) // 20))
    return render(request, "pages/dossiers.html", {"result": result, "page": page, "last": last},
                  title="Hồ sơ của tôi")


@router.get("/ho-so/{code}/da-nop")
async def submitted(request: Request, code: str, visitor: CitizenDep, api: ApiDep) -> Response:
    dossier = await api.get(f"/api/v1/dossiers/{q(code)}", token=visitor.token)
    return render(request, "pages/submitted.html", {"d": dossier}, title="Đã nộp hồ sơ")


@router.get("/ho-so/{code}")
async def dossier_page(request: Request, code: str, visitor: CitizenDep, api: ApiDep) -> Response:
    token = visitor.token
    dossier, history = await asyncio.gather(
        api.get(f"/api/v1/dossiers/{q(code)}", token=token),
        api.get(f"/api/v1/dossiers/{q(code)}/history", token=token))
    procedure = await CatalogPages(request.app.state.api, request.app.state.cache).procedure(
        dossier["procedure_code"])
    payments = None
    if dossier.get("level") == 4 and dossier.get("fees_due"):
        payments = await api.get(f"/api/v1/dossiers/{q(code)}/payments", token=token)
    result = None
    if dossier["status"] in ("result_ready", "returned") and dossier.get("level") == 4:
        try:
            result = await api.get(f"/api/v1/dossiers/{q(code)}/result", token=token)
        except ApiError:
            result = None  # not yet payable or not an online return: the page says what to do instead
    return render(request, "pages/dossier.html", {
        "d": dossier, "history": history, "p": procedure, "payments": payments, "result": result,
        "file_hint": _file_hint(request), "accept": ACCEPT, "rating": await _rating(api, dossier, token),
        **rating_context(), "values": {}, "errors": {},
    }, title=f"Hồ sơ {dossier['code']}")


async def _rating(api: Api, dossier: dict[str, Any], token: str | None) -> dict[str, Any] | None:
    """The owner's rating of a returned dossier ({} while it can still be given); None before the return."""
    if dossier["status"] != "returned":
        return None
    try:
        rating: dict[str, Any] = await api.get(f"/api/v1/dossiers/{q(dossier['code'])}/rating", token=token)
    except ApiError as exc:
        if exc.status != 404:
            raise
        return {}
    return rating


async def _download(api: Api, path: str, token: str | None) -> Response:
    r = await api.request("GET", path, token=token)
    headers = {k: v for k, v in r.headers.items() if k.lower() in ("content-type", "content-disposition")}
    return Response(r.content, headers=headers)


@router.get("/ho-so/{code}/bien-nhan")
async def receipt(request: Request, code: str, visitor: CitizenDep, api: ApiDep) -> Response:
    return await _download(api, f"/api/v1/dossiers/{q(code)}/receipt", visitor.token)


@router.get("/ho-so/{code}/mau/{form}")
async def dossier_form(request: Request, code: str, form: str, visitor: CitizenDep, api: ApiDep) -> Response:
    if form not in ("01", "02", "03", "04"):
        raise PageNotFound()
    return await _download(api, f"/api/v1/dossiers/{q(code)}/forms/{form}", visitor.token)


@router.get("/ho-so/{code}/ket-qua/{doc_id}")
async def result_document(request: Request, code: str, doc_id: str, visitor: CitizenDep, api: ApiDep) -> Response:
    return await _download(api, f"/api/v1/dossiers/{q(code)}/result/{q(doc_id)}", visitor.token)


@router.post("/ho-so/{code}/rut")
async def withdraw(request: Request, code: str, visitor: CitizenDep, api: ApiDep) -> Response:
    values = await form_values(request, ("reason",))
    if not values.get("reason"):
        return await dossier_with_errors(request, code, visitor.token, api, {"reason": "Nhập lý do rút hồ sơ."},
                                          values)
    try:
        await api.post(f"/api/v1/dossiers/{q(code)}/withdraw", token=visitor.token, json=values)
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        return await dossier_with_errors(request, code, visitor.token, api,
                                          {"reason": exc.detail or "Không rút được hồ sơ lúc này."}, values)
    return redirect(request, f"/ho-so/{q(code)}", flash="Đã rút hồ sơ. Hồ sơ sẽ không được xử lý tiếp.")


@router.post("/ho-so/{code}/bo-sung")
async def supplement(request: Request, code: str, visitor: CitizenDep, api: ApiDep) -> Response:
    values = await form_values(request, ("note",))
    documents: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    for name, file in (await form_files(request)).items():
        stored, message = await upload(api, visitor.token, file, request.app.state.settings.upload_max_bytes)
        if stored is None:
            errors[name] = message
        else:
            documents.append({"requirement_code": name.removeprefix("documents."), "file_id": stored["file_id"]})
    if not documents and not errors:
        errors["documents"] = "Tải lên ít nhất một giấy tờ cần bổ sung."
    if not errors:
        try:
            await api.post(f"/api/v1/dossiers/{q(code)}/supplements", token=visitor.token,
                           json={"documents": documents, "note": values.get("note") or None})
        except ApiError as exc:
            if exc.status not in (409, 422):
                raise
            errors = {"documents": exc.detail or "Chưa bổ sung được hồ sơ."}
    if errors:
        return await dossier_with_errors(request, code, visitor.token, api, errors, values)
    return redirect(request, f"/ho-so/{q(code)}", flash="Đã gửi hồ sơ bổ sung. Cán bộ sẽ xem xét và thông báo cho bạn.")


async def dossier_with_errors(request: Request, code: str, token: str | None, api: Api, errors: dict[str, str],
                               values: dict[str, str]) -> Response:
    dossier, history = await asyncio.gather(
        api.get(f"/api/v1/dossiers/{q(code)}", token=token), api.get(f"/api/v1/dossiers/{q(code)}/history",
                                                                      token=token))
    procedure = await CatalogPages(request.app.state.api, request.app.state.cache).procedure(
        dossier["procedure_code"])
    return render(request, "pages/dossier.html", {
        "d": dossier, "history": history, "p": procedure, "payments": None, "result": None,
        "file_hint": _file_hint(request), "accept": ACCEPT, "values": values, "errors": errors,
        "rating": await _rating(api, dossier, token), **rating_context(),
    }, status=422, title=f"Hồ sơ {dossier['code']}")


# ---- fees ----------------------------------------------------------------------------------------------------


@router.post("/ho-so/{code}/thanh-toan")
async def pay(request: Request, code: str, visitor: CitizenDep, api: ApiDep) -> Response:
    payment = await api.post(f"/api/v1/dossiers/{q(code)}/payments", token=visitor.token)
    # a link, not a redirect: the person sees the amount before leaving for the provider's page
    return render(request, "pages/pay.html", {"payment": payment, "code": code}, title="Thanh toán trực tuyến")


@router.get("/ho-so/{code}/thanh-toan")
async def dossier_payment(request: Request, code: str, visitor: CitizenDep, api: ApiDep) -> Response:
    """Where the payment provider sends the owner back (intake's default return URL): the payment's state as the
    API knows it (changed only by the provider's signed server-to-server notification, never by this visit)."""
    listed = await api.get(f"/api/v1/dossiers/{q(code)}/payments", token=visitor.token)
    txn = (request.query_params.get("vnp_TxnRef") or "").replace("-", "").lower()
    items = listed.get("items", [])
    if txn:
        payment = next((p for p in items if str(p["payment_id"]).replace("-", "") == txn), None)
    else:
        payment = items[-1] if items else None
    if payment is None:
        raise PageNotFound()
    paid = payment["status"] == "paid"
    message = ("Thanh toán thành công. Cảm ơn bạn." if paid else
               "Giao dịch chưa hoàn tất hoặc đã bị hủy. Bạn có thể thanh toán lại từ trang hồ sơ."
               if request.query_params.get("vnp_ResponseCode") not in (None, "00") else
               "Hệ thống đang chờ xác nhận từ cổng thanh toán; trang hồ sơ sẽ cập nhật trong ít phút.")
    answer = {"status": payment["status"], "message": message, "dossier_code": code, "amount": payment["amount"]}
    return render(request, "pages/payment_result.html", {"a": answer},
                  title="Đã thanh toán" if paid else "Kết quả thanh toán")


@router.get("/thanh-toan/ket-qua")
async def payment_return(request: Request, visitor: VisitorDep, api: ApiDep) -> Response:
    """Where the payment provider sends the person back: the API checks the signature and says what happened."""
    try:
        answer = await api.get("/api/v1/payments/return", params=dict(request.query_params))
    except ApiError as exc:
        answer = {"valid": False, "message": exc.detail or "Không xác nhận được giao dịch.", "status": None,
                  "dossier_code": None}
    return render(request, "pages/payment_result.html", {"a": answer},
                  title="Đã thanh toán" if answer.get("status") == "paid" else "Kết quả thanh toán")


# ---- public tracking -----------------------------------------------------------------------------------------


@router.get("/tra-cuu")
async def tracking_form(request: Request, visitor: VisitorDep) -> Response:
    code = (request.query_params.get("ma") or "").strip()
    if code:
        if CODE.match(code):
            return redirect(request, f"/tra-cuu/{q(code)}")
        return render(request, "pages/tracking_form.html",
                      {"values": {"ma": code}, "errors": {"ma": "Mã hồ sơ không đúng định dạng, ví dụ "
                                                                 "000.00.15.H19-261127-0001."}},
                      status=422, title="Tra cứu hồ sơ")
    return render(request, "pages/tracking_form.html", title="Tra cứu hồ sơ")


@router.get("/tra-cuu/{code}")
async def tracking(request: Request, code: str, visitor: VisitorDep, api: ApiDep) -> Response:
    try:
        t = await api.get(f"/api/v1/tracking/{q(code)}")
    except ApiError as exc:
        if exc.status not in (404, 422):
            raise
        return render(request, "pages/tracking_form.html",
                      {"values": {"ma": code}, "errors": {"ma": "Không tìm thấy hồ sơ có mã này. Kiểm tra lại mã "
                                                                "trên giấy tiếp nhận."}},
                      status=404, title="Tra cứu hồ sơ")
    return render(request, "pages/tracking.html", {"t": t}, title=f"Tình trạng hồ sơ {t['code']}")
