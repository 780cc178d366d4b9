"""Catalog editing in the officer console (catalog editors, admins): the procedure list, creating and editing every
field of a procedure (Art. 4.1.b, the online form's JSON schema, the implementing agencies), form templates, and
the revision history with a field-by-field difference. Everything goes through the catalog API; its errors come
back beside their field and nothing typed is lost."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response

from portal.api import Api, ApiError
from portal.catalog.service import CatalogPages
from portal.console.common import OfficerDep, console_router, last_page, page, page_number
from portal.deps import ApiDep
from portal.dossier.formschema import vn_date
from portal.web.forms import form_files, form_values
from portal.web.render import redirect

router = console_router("catalog_editor", "admin")
PAGE_SIZE = 20
BLANK_ROWS = 2
FORM_ACCEPT = ".pdf,.odt,.ods,.xml,.html,.txt"

# every field of a procedure, in the contract's order, with its Vietnamese name (labels, summary, the diff)
LABELS: dict[str, str] = {
    "code": "Mã thủ tục",
    "name": "Tên thủ tục",
    "sector_code": "Lĩnh vực",
    "level": "Mức độ dịch vụ công trực tuyến",
    "online_class": "Phân loại dịch vụ trực tuyến",
    "agency_code": "Cơ quan chủ trì",
    "agencies": "Cơ quan thực hiện (nơi nộp hồ sơ)",
    "interagency": "Cơ quan liên thông",
    "steps": "Trình tự thực hiện",
    "method": "Cách thức thực hiện",
    "documents": "Thành phần hồ sơ",
    "processing_time": "Thời hạn giải quyết",
    "processing_time.value": "Thời hạn giải quyết",
    "processing_time.unit": "Đơn vị thời hạn",
    "applicants": "Đối tượng thực hiện",
    "result": "Kết quả thực hiện",
    "fees": "Phí, lệ phí",
    "form_names": "Tên mẫu đơn, tờ khai",
    "forms": "Tệp mẫu đơn, tờ khai",
    "requirements": "Yêu cầu, điều kiện",
    "legal_basis": "Căn cứ pháp lý",
    "effective_date": "Ngày có hiệu lực",
    "online_registration": "Thông tin đăng ký trực tuyến",
    "guide": "Hướng dẫn sử dụng",
    "form_schema": "Tờ khai điện tử (JSON Schema)",
    "note": "Ghi chú lần sửa",
    "noi-dung": "Nội dung thủ tục",
}
LINE_LISTS = ("steps", "form_names", "requirements", "legal_basis")
TEXTS = ("name", "sector_code", "agency_code", "method", "applicants", "result", "online_registration", "guide")
ONLINE_CLASSES = {"": "Theo mức độ (tự động)", "full": "Toàn trình", "partial": "Một phần",
                  "info": "Cung cấp thông tin"}
UNITS = {"working_days": "ngày làm việc", "days": "ngày", "hours": "giờ"}
# the API's whole-body (model) errors name the field in their text: the page shows them at that field
MODEL_ERRORS = (("online_registration", "online_registration"), ("guide", "guide"), ("online_class", "online_class"),
                ("documents.code", "documents"), ("agencies", "agencies"), ("liên thông", "interagency"))


def q(code: str) -> str:
    return quote(code, safe="")


# ---- the edit form: page fields ↔ the API's body ------------------------------------------------------------


def values_of(p: dict[str, Any]) -> dict[str, Any]:
    """A procedure as the form's values (text as typed, lists one item per line, rows numbered)."""
    v: dict[str, Any] = {k: str(p.get(k) or "") for k in TEXTS}
    v["code"] = p.get("code", "")
    v["level"] = str(p.get("level", ""))
    v["online_class"] = p.get("online_class", "")
    for name in LINE_LISTS:
        v[name] = "\n".join(p.get(name) or [])
    pt = p.get("processing_time") or {}
    v["processing_time.value"] = str(pt.get("value", "")).replace(".", ",")
    v["processing_time.unit"] = pt.get("unit", "working_days")
    eff = p.get("effective_date")
    v["effective_date"] = date.fromisoformat(str(eff)).strftime("%d/%m/%Y") if eff else ""
    schema = p.get("form_schema")
    v["form_schema"] = json.dumps(schema, ensure_ascii=False, indent=2) if schema else ""
    v["agencies"] = list(p.get("agencies") or [])
    v["interagency"] = list(p.get("interagency") or [])
    v["documents"] = [{"code": d["code"], "name": d["name"], "copies": str(d.get("copies", 1)),
                       "original": bool(d.get("original")), "required": bool(d.get("required", True))}
                      for d in p.get("documents") or []]
    v["fees"] = [{"name": f["name"], "amount": str(f["amount"])} for f in p.get("fees") or []]
    v["forms"] = [f["id"] for f in p.get("forms") or []]
    v["revision"] = str(p.get("revision", ""))
    v["note"] = ""
    return v


def _rows(form: dict[str, list[str]], prefix: str, keys: tuple[str, ...]) -> list[dict[str, str]]:
    numbered: dict[int, dict[str, str]] = {}
    pattern = re.compile(rf"^{prefix}\.(\d+)\.({'|'.join(keys)})$")
    for name, items in form.items():
        m = pattern.match(name)
        if m and int(m[1]) < 500:
            numbered.setdefault(int(m[1]), {})[m[2]] = items[-1].strip()[:20_000]
    return [numbered[i] for i in sorted(numbered)]


async def posted_values(request: Request) -> dict[str, Any]:
    """The posted form as the form's values again (so a page with errors shows exactly what was typed)."""
    raw = await request.form(max_part_size=2 * 1024 * 1024)
    form: dict[str, list[str]] = {}
    for key, value in raw.multi_items():
        if isinstance(value, str) and key != "csrf_token":
            form.setdefault(key, []).append(value)

    def one(name: str) -> str:
        return (form.get(name) or [""])[-1].strip()[:200_000]

    v: dict[str, Any] = {k: one(k) for k in (*TEXTS, "code", "level", "online_class", *LINE_LISTS,
                                               "processing_time.value", "processing_time.unit", "effective_date",
                                               "revision", "note", "hanh-dong")}
    v["form_schema"] = (form.get("form_schema") or [""])[-1].strip()[:200_000]
    v["agencies"] = [c.strip() for c in form.get("agencies", []) if c.strip()]
    v["interagency"] = [c.strip() for c in form.get("interagency", []) if c.strip()]
    v["forms"] = [c for c in form.get("forms", []) if c]
    docs = _rows(form, "documents", ("code", "name", "copies", "original", "required", "remove"))
    v["documents"] = [{"code": d.get("code", ""), "name": d.get("name", ""), "copies": d.get("copies", "1") or "1",
                       "original": bool(d.get("original")), "required": bool(d.get("required"))}
                      for d in docs if not d.get("remove") and (d.get("code") or d.get("name"))]
    fees = _rows(form, "fees", ("name", "amount", "remove"))
    v["fees"] = [{"name": f.get("name", ""), "amount": f.get("amount", "")}
                 for f in fees if not f.get("remove") and (f.get("name") or f.get("amount"))]
    return v


def body_of(v: dict[str, Any], *, creating: bool) -> tuple[dict[str, Any], dict[str, str]]:
    """The API's body from the form's values, and the errors the page can tell at once (a date, a number, JSON)."""
    errors: dict[str, str] = {}
    body: dict[str, Any] = {k: v[k] for k in TEXTS}
    if creating:
        body["code"] = v["code"]
    body["level"] = int(v["level"]) if v["level"] in ("1", "2", "3", "4") else None
    if body["level"] is None:
        errors["level"] = "Chọn mức độ dịch vụ công trực tuyến."
    body["online_class"] = v["online_class"] or None
    for name in LINE_LISTS:
        body[name] = [line.strip() for line in v[name].splitlines() if line.strip()]
    amount = v["processing_time.value"].replace(",", ".")
    try:
        body["processing_time"] = {"value": float(amount) if "." in amount else int(amount),
                                   "unit": v["processing_time.unit"]}
    except ValueError:
        errors["processing_time.value"] = "Nhập thời hạn bằng số, ví dụ 5 hoặc 0,5."
    effective = vn_date(v["effective_date"])
    body["effective_date"] = effective.isoformat() if effective else None
    if body["effective_date"] is None:
        errors["effective_date"] = "Nhập ngày có hiệu lực theo dạng ngày/tháng/năm, ví dụ 01/07/2026."
    body["agencies"] = v["agencies"] or None
    body["interagency"] = v["interagency"]
    body["documents"] = []
    for i, d in enumerate(v["documents"]):
        copies = d["copies"]
        if not copies.isdigit():
            errors[f"documents.{i}.copies"] = "Số bản phải là số nguyên dương."
        body["documents"].append({"code": d["code"], "name": d["name"],
                                  "copies": int(copies) if copies.isdigit() else 1,
                                  "original": d["original"], "required": d["required"]})
    body["fees"] = []
    for i, f in enumerate(v["fees"]):
        amount = f["amount"].replace(".", "").replace(" ", "")
        if not amount.isdigit():
            errors[f"fees.{i}.amount"] = "Nhập số tiền bằng số (đồng), ví dụ 50000."
        body["fees"].append({"name": f["name"], "amount": int(amount) if amount.isdigit() else 0})
    if v["form_schema"]:
        try:
            body["form_schema"] = json.loads(v["form_schema"])
        except json.JSONDecodeError as exc:
            errors["form_schema"] = (f"JSON không hợp lệ ở dòng {exc.lineno}, cột {exc.colno}: "
                                     f"{_json_reason(exc.msg)}. Để trống nếu thủ tục không có tờ khai điện tử.")
    else:
        body["form_schema"] = None
    if not creating:
        body["forms"] = v["forms"]
        body["note"] = v["note"] or None
    return body, errors


def _json_reason(msg: str) -> str:
    reasons = {"Expecting value": "thiếu giá trị", "Expecting ',' delimiter": "thiếu dấu phẩy",
               "Expecting property name enclosed in double quotes": "tên trường phải đặt trong dấu nháy kép",
               "Expecting ':' delimiter": "thiếu dấu hai chấm", "Extra data": "thừa nội dung sau khi kết thúc",
               "Unterminated string starting at": "chuỗi chưa đóng dấu nháy kép"}
    return next((vi for en, vi in reasons.items() if msg.startswith(en)), msg)


def api_field_errors(exc: ApiError) -> dict[str, str]:
    """The API's ``errors[].loc`` as the form's field names; whole-body errors at the field their text names."""
    out: dict[str, str] = {}
    for e in exc.errors:
        loc = [str(p) for p in e.get("loc", []) if p not in ("body", "query", "path")]
        msg = str(e.get("msg", ""))
        if loc and loc[0] == "form_schema":
            where = ".".join(loc[1:])
            out.setdefault("form_schema", f"{msg} (tại {where})" if where else msg)
        elif loc and loc[0] in ("documents", "fees") and len(loc) >= 3:
            out.setdefault(".".join(loc[:3]), msg)
        elif loc and loc[0] in ("processing_time",):
            out.setdefault("processing_time.value" if loc[-1] != "unit" else "processing_time.unit", msg)
        elif loc and loc[0] in LABELS:
            out.setdefault(loc[0], msg)
        else:
            name = next((f for key, f in MODEL_ERRORS if key in msg), "noi-dung")
            out.setdefault(name, msg)
    if not out:
        out["noi-dung"] = exc.detail or "Nội dung thủ tục chưa hợp lệ."
    return out


# ---- pages ---------------------------------------------------------------------------------------------------


async def _choices(request: Request) -> dict[str, Any]:
    pages = CatalogPages(request.app.state.api, request.app.state.cache)
    sectors, agencies = await asyncio.gather(pages.sectors(), pages.agencies())
    return {"sectors": sectors, "agencies": agencies, "labels": LABELS,
            "sector_options": [(s["code"], s["name"]) for s in sectors],
            "agency_options": [(a["code"], f"{a['name']} ({a['code']})") for a in agencies],
            "online_classes": ONLINE_CLASSES,
            "units": UNITS, "blank_rows": BLANK_ROWS, "form_accept": FORM_ACCEPT}


@router.get("/thu-tuc")
async def procedure_list(request: Request, officer: OfficerDep, api: ApiDep) -> Response:
    qp = request.query_params
    filters = {"q": (qp.get("q") or "").strip()[:200], "linh-vuc": (qp.get("linh-vuc") or "").strip()[:32],
               "co-quan": (qp.get("co-quan") or "").strip()[:13], "muc-do": qp.get("muc-do") or ""}
    if filters["muc-do"] not in ("1", "2", "3", "4"):
        filters["muc-do"] = ""
    page_no = page_number(request)
    params: dict[str, Any] = {"page": page_no, "size": PAGE_SIZE}
    for key, name in (("q", "q"), ("sector", "linh-vuc"), ("agency", "co-quan"), ("level", "muc-do")):
        if filters[name]:
            params[key] = filters[name]
    result = await api.get("/api/v1/catalog/procedures", token=officer.token, params=params)
    ctx = await _choices(request)
    ctx.update(result=result, filters=filters, page_no=page_no, last=last_page(result["total"], PAGE_SIZE),
               sector_names={s["code"]: s["name"] for s in ctx["sectors"]},
               agency_names={a["code"]: a["name"] for a in ctx["agencies"]})
    return await page(request, "console/catalog/list.html", ctx, title="Danh mục thủ tục hành chính")


def _empty() -> dict[str, Any]:
    v = values_of({"processing_time": {"value": "", "unit": "working_days"}})
    v["processing_time.value"] = ""
    return v


@router.get("/thu-tuc/moi")
async def new_procedure(request: Request, officer: OfficerDep) -> Response:
    ctx = await _choices(request)
    ctx.update(values=_empty(), errors={}, creating=True, p=None, extra_rows=0)
    return await page(request, "console/catalog/edit.html", ctx, title="Thêm thủ tục hành chính")


@router.post("/thu-tuc/moi")
async def create_procedure(request: Request, officer: OfficerDep, api: ApiDep) -> Response:
    values = await posted_values(request)
    ctx = await _choices(request)
    ctx.update(values=values, creating=True, p=None, extra_rows=0)
    if values.get("hanh-dong") == "them-dong":
        ctx.update(errors={}, extra_rows=3)
        return await page(request, "console/catalog/edit.html", ctx, title="Thêm thủ tục hành chính")
    body, errors = body_of(values, creating=True)
    if not errors:
        try:
            created = await api.post("/api/v1/catalog/procedures", token=officer.token, json=body)
        except ApiError as exc:
            if exc.status not in (409, 422):
                raise
            errors = {"code": exc.detail} if exc.status == 409 else api_field_errors(exc)
        else:
            return redirect(request, f"/can-bo/thu-tuc/{q(created['code'])}",
                            flash=f"Đã thêm thủ tục “{created['name']}” (phiên bản {created['revision']}).")
    ctx["errors"] = errors
    return await page(request, "console/catalog/edit.html", ctx, status=422, title="Thêm thủ tục hành chính")


async def _procedure(api: Api, token: str | None, code: str) -> dict[str, Any]:
    p: dict[str, Any] = await api.get(f"/api/v1/catalog/procedures/{q(code)}", token=token)
    return p


@router.get("/thu-tuc/{code}")
async def edit_procedure(request: Request, code: str, officer: OfficerDep, api: ApiDep) -> Response:
    p = await _procedure(api, officer.token, code)
    ctx = await _choices(request)
    ctx.update(values=values_of(p), errors={}, creating=False, p=p, extra_rows=0)
    return await page(request, "console/catalog/edit.html", ctx, title=f"Sửa thủ tục: {p['name']}")


@router.post("/thu-tuc/{code}")
async def save_procedure(request: Request, code: str, officer: OfficerDep, api: ApiDep) -> Response:
    p = await _procedure(api, officer.token, code)
    values = await posted_values(request)
    ctx = await _choices(request)
    ctx.update(values=values, creating=False, p=p, extra_rows=0)
    title = f"Sửa thủ tục: {p['name']}"
    if values.get("hanh-dong") == "them-dong":
        ctx.update(errors={}, extra_rows=3)
        return await page(request, "console/catalog/edit.html", ctx, title=title)
    body, errors = body_of(values, creating=False)
    if not errors:
        revision = values["revision"] if values["revision"].isdigit() else str(p["revision"])
        try:
            r = await api.request("PUT", f"/api/v1/catalog/procedures/{q(code)}", token=officer.token, json=body,
                                  headers={"If-Match": f'"{revision}"'})
        except ApiError as exc:
            if exc.status == 409:
                errors = {"noi-dung": "Thủ tục vừa được người khác sửa (nay là phiên bản "
                                      f"{p['revision']}). Nội dung bạn nhập vẫn giữ nguyên dưới đây; xem "
                                      "lịch sử thay đổi rồi lưu lại để ghi đè."}
                values["revision"] = str(p["revision"])
            elif exc.status == 422:
                errors = api_field_errors(exc)
            else:
                raise
        else:
            saved = r.json()
            changed = saved["revision"] != p["revision"]
            flash = (f"Đã lưu phiên bản {saved['revision']}. Xem thay đổi ở Lịch sử thay đổi." if changed
                     else "Không có thay đổi nào so với phiên bản hiện tại.")
            return redirect(request, f"/can-bo/thu-tuc/{q(code)}", flash=flash)
    ctx["errors"] = errors
    return await page(request, "console/catalog/edit.html", ctx, status=422, title=title)


@router.post("/thu-tuc/{code}/mau-don")
async def upload_form_template(request: Request, code: str, officer: OfficerDep, api: ApiDep) -> Response:
    values = await form_values(request, ("form_name",))
    files = await form_files(request)
    upload = files.get("form_file")
    errors: dict[str, str] = {}
    if not values.get("form_name"):
        errors["form_name"] = "Nhập tên mẫu đơn, tờ khai."
    if upload is None:
        errors["form_file"] = "Chọn tệp mẫu đơn (PDF, ODT, ODS, XML, HTML hoặc văn bản)."
    if not errors and upload is not None:
        content = await upload.read(request.app.state.settings.upload_max_bytes + 1)
        try:
            saved = await api.post(f"/api/v1/catalog/procedures/{q(code)}/forms", token=officer.token,
                                   data={"name": values["form_name"]},
                                   files={"file": (upload.filename, content, upload.content_type or
                                                   "application/octet-stream")})
        except ApiError as exc:
            if exc.status not in (404, 413, 415, 422):
                raise
            fields = exc.field_errors()
            errors = {"form_name": fields["name"]} if "name" in fields else {
                "form_file": exc.detail or "Tệp mẫu đơn không hợp lệ."}
        else:
            return redirect(request, f"/can-bo/thu-tuc/{q(code)}#mau-don",
                            flash=f"Đã tải lên mẫu “{saved['name']}”; thủ tục có phiên bản mới.")
    p = await _procedure(api, officer.token, code)
    ctx = await _choices(request)
    ctx.update(values={**values_of(p), **values}, errors=errors, creating=False, p=p, extra_rows=0)
    return await page(request, "console/catalog/edit.html", ctx, status=422, title=f"Sửa thủ tục: {p['name']}")


# ---- revision history ----------------------------------------------------------------------------------------


def _list_diff(old: list[Any], new: list[Any]) -> list[tuple[str, Any]]:
    """Items of a list field marked kept / removed / added, in the new order with removed ones where they were."""
    out: list[tuple[str, Any]] = []
    old_keys = [json.dumps(x, sort_keys=True, ensure_ascii=False) for x in old]
    new_keys = [json.dumps(x, sort_keys=True, ensure_ascii=False) for x in new]
    for i, item in enumerate(old):
        if old_keys[i] not in new_keys:
            out.append(("removed", item))
    out += [("kept" if key in old_keys else "added", item) for key, item in zip(new_keys, new, strict=True)]
    return out


def change_view(change: dict[str, Any]) -> dict[str, Any]:
    old, new = change.get("old"), change.get("new")
    field = str(change.get("field"))
    view: dict[str, Any] = {"field": field, "label": LABELS.get(field, field)}
    if field == "processing_time":
        old, new = (f"{str(t['value']).replace('.', ',')} {UNITS.get(t['unit'], t['unit'])}"
                    if isinstance(t, dict) else t for t in (old, new))
    if isinstance(old, list) or isinstance(new, list):
        view["kind"] = "list"
        view["items"] = _list_diff(list(old or []), list(new or []))
    elif isinstance(old, dict) or isinstance(new, dict):
        view["kind"] = "json"
        view["old"] = json.dumps(old, ensure_ascii=False, indent=2) if old is not None else ""
        view["new"] = json.dumps(new, ensure_ascii=False, indent=2) if new is not None else ""
        view["long"] = max(view["old"].count("\n"), view["new"].count("\n")) > 12
    else:
        view["kind"] = "text"
        view["old"] = "" if old is None else str(old)
        view["new"] = "" if new is None else str(new)
    return view


def item_text(item: Any) -> str:
    if isinstance(item, dict):
        if "copies" in item:
            kind = "chính" if item.get("original") else "sao"
            optional = "" if item.get("required", True) else ", không bắt buộc"
            return f"{item.get('code')}: {item.get('name')} — {item.get('copies')} bản {kind}{optional}"
        if "amount" in item:
            return f"{item.get('name')}: {int(item.get('amount') or 0):,} đồng".replace(",", ".")
        if "media_type" in item:
            return f"{item.get('name')} ({item.get('media_type')})"
        return json.dumps(item, ensure_ascii=False)
    return str(item)


@router.get("/thu-tuc/{code}/lich-su")
async def revision_history(request: Request, code: str, officer: OfficerDep, api: ApiDep) -> Response:
    p, revisions = await asyncio.gather(
        _procedure(api, officer.token, code),
        api.get(f"/api/v1/catalog/procedures/{q(code)}/revisions", token=officer.token))
    page_no = page_number(request)
    size = 10
    shown = revisions[(page_no - 1) * size: page_no * size]
    views = [{**r, "changes": [change_view(c) for c in r.get("changes") or []]} for r in shown]
    agencies = await CatalogPages(request.app.state.api, request.app.state.cache).agencies()
    return await page(request, "console/catalog/history.html", {
        "p": p, "revisions": views, "total": len(revisions), "page_no": page_no,
        "last": last_page(len(revisions), size), "item_text": item_text,
        "agency_names": {a["code"]: a["name"] for a in agencies},
    }, title=f"Lịch sử thay đổi: {p['name']}")
