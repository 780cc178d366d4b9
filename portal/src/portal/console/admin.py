"""Administration in the officer console (admins only; anyone else gets 404): user accounts, agencies, one-stop
systems (registration, certificate rotation, revocation, the push delivery log), workflow definitions and failed
notification deliveries. Every action goes through the gateway's public API and ends on a page saying what it did
and the resulting state; irreversible ones (revocations) ask for a confirmation first."""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response

from portal.api import Api, ApiError
from portal.catalog.service import CatalogPages
from portal.console.common import (
    ROLE_LABELS,
    OfficerDep,
    console_router,
    field_errors,
    last_page,
    page,
    page_number,
)
from portal.deps import ApiDep
from portal.errors import PageNotFound
from portal.web.forms import form_files, form_values
from portal.web.render import redirect
from servicekit.vntext import fold

router = console_router("admin")
BASE = "/can-bo/quan-tri"
PAGE_SIZE = 20
ROLES = ("reception", "specialist", "leader", "catalog_editor", "auditor", "admin")
USER_LABELS = {"username": "Tên đăng nhập", "password": "Mật khẩu ban đầu", "full_name": "Họ và tên",
               "roles": "Vai trò", "agency_code": "Cơ quan", "department": "Phòng, ban", "email": "Email",
               "phone": "Số điện thoại", "active": "Trạng thái"}
SYSTEM_LABELS = {"code": "Mã hệ thống", "name": "Tên hệ thống", "agency_code": "Cơ quan", "certificate": "Chứng thư số",
                 "push_url": "Địa chỉ nhận đẩy (push)", "overlap_hours": "Thời gian chấp nhận song song chứng thư cũ",
                 "reason": "Lý do thu hồi"}
SYSTEM_STATES = {"active": "Đang hoạt động", "revoked": "Đã thu hồi"}
PUSH_STATES = {"pending": "Chờ gửi", "delivered": "Đã nhận", "failed": "Thất bại"}
DELIVERY_STATES = {"pending": "Chờ gửi", "sending": "Đang gửi", "sent": "Đã gửi", "failed": "Thất bại"}
CHANNELS = {"email": "Email", "sms": "Tin nhắn SMS", "inbox": "Hộp thư trên cổng"}
STEP_ROLES = {"reception": "Tiếp nhận", "specialist": "Chuyên viên", "leader": "Lãnh đạo"}
ACTION_LABELS = {"forward": "Chuyển xử lý", "propose": "Trình kết quả", "approve": "Phê duyệt",
                 "return_for_rework": "Trả lại để xử lý lại", "propose_refusal": "Đề xuất từ chối",
                 "approve_refusal": "Duyệt từ chối", "consult": "Xin ý kiến", "handoff": "Chuyển liên thông",
                 "accept_handoff": "Nhận liên thông", "refuse_handoff": "Từ chối liên thông",
                 "complete_handoff": "Hoàn thành liên thông", "extend": "Gia hạn"}
PEM_MAX = 64 * 1024


def q(value: str) -> str:
    return quote(value, safe="")


async def _create(api: Api, token: str | None, path: str, body: dict[str, Any], labels: dict[str, str], *,
                  taken: tuple[str, str], fallback: str) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """POSTs a new thing; answers (what the API created, {}) or (None, the errors for the form's fields): a taken
    code (409) at ``taken[0]`` with the message ``taken[1]`` (empty: the API's), a refused field (422) at that
    field."""
    try:
        created: dict[str, Any] = await api.post(path, token=token, json=body)
    except ApiError as exc:
        if exc.status == 409:
            return None, {taken[0]: taken[1] or exc.detail or "Mã này đã có."}
        if exc.status == 422:
            return None, field_errors(exc, labels, fallback)
        raise
    return created, {}


async def _agencies(request: Request) -> list[dict[str, Any]]:
    agencies: list[dict[str, Any]] = await CatalogPages(request.app.state.api, request.app.state.cache).agencies()
    return agencies


def _filter_params(request: Request, *names: str, limit: int = 100) -> dict[str, str]:
    return {n: (request.query_params.get(n) or "").strip()[:limit] for n in names}


def _paged(rows: list[Any], page_no: int, size: int = PAGE_SIZE) -> tuple[list[Any], int, int]:
    last = max(1, math.ceil(len(rows) / size))
    page_no = min(page_no, last)
    return rows[(page_no - 1) * size: page_no * size], page_no, last


@router.get("/quan-tri")
async def admin_home(request: Request, officer: OfficerDep) -> Response:
    return await page(request, "console/admin/home.html", title="Quản trị hệ thống")


# ---- users ---------------------------------------------------------------------------------------------------


@router.get("/quan-tri/nguoi-dung")
async def user_list(request: Request, officer: OfficerDep, api: ApiDep) -> Response:
    filters = _filter_params(request, "q", "vai-tro", "co-quan")
    if filters["vai-tro"] not in ROLES and filters["vai-tro"] != "citizen":
        filters["vai-tro"] = ""
    page_no = page_number(request)
    params: dict[str, Any] = {"page": page_no, "size": PAGE_SIZE}
    for key, name in (("q", "q"), ("role", "vai-tro"), ("agency", "co-quan")):
        if filters[name]:
            params[key] = filters[name]
    result: dict[str, Any] | None
    try:
        result = await api.get("/api/v1/admin/users", token=officer.token, params=params)
    except ApiError as exc:
        if exc.status not in (404, 405):
            raise
        result = None  # the gateway has no user list yet: the page says so and still offers creating accounts
    agencies = await _agencies(request)
    return await page(request, "console/admin/users.html", {
        "result": result, "filters": filters, "page_no": page_no,
        "last": last_page(result["total"], PAGE_SIZE) if result else 1, "agencies": agencies,
        "agency_names": {a["code"]: a["name"] for a in agencies}, "roles": ROLES, "role_labels": ROLE_LABELS,
    }, title="Tài khoản người dùng")


async def _user_form(request: Request, template: str, ctx: dict[str, Any], *, status: int = 200,
                     title: str) -> Response:
    agencies = await _agencies(request)
    return await page(request, template, {
        "errors": {}, "labels": USER_LABELS, "roles": ROLES, "role_labels": ROLE_LABELS,
        "agency_options": [(a["code"], f"{a['name']} ({a['code']})") for a in agencies],
        "agency_names": {a["code"]: a["name"] for a in agencies}, **ctx,
    }, status=status, title=title)


@router.get("/quan-tri/nguoi-dung/moi")
async def new_user(request: Request, officer: OfficerDep) -> Response:
    return await _user_form(request, "console/admin/user_new.html", {"values": {"roles": []}},
                            title="Tạo tài khoản cán bộ")


async def _posted_roles(request: Request) -> list[str]:
    form = await request.form()
    return [r for r in form.getlist("roles") if isinstance(r, str) and r in ROLES]


@router.post("/quan-tri/nguoi-dung/moi")
async def create_user(request: Request, officer: OfficerDep, api: ApiDep) -> Response:
    values: dict[str, Any] = await form_values(request, ("username", "password", "full_name", "agency_code",
                                                          "department", "email", "phone"))
    values["roles"] = await _posted_roles(request)
    errors: dict[str, str] = {}
    for name in ("username", "password", "full_name"):
        if not values.get(name):
            errors[name] = f"Nhập {USER_LABELS[name].lower()}."
    if not values["roles"]:
        errors["roles"] = "Chọn ít nhất một vai trò."
    if set(values["roles"]) - {"admin", "auditor"} and not values.get("agency_code"):
        errors["agency_code"] = "Cán bộ tiếp nhận, chuyên viên, lãnh đạo, biên tập thủ tục phải thuộc một cơ quan."
    if not errors:
        body = {k: v for k, v in values.items() if v not in ("", None, [])}
        created, errors = await _create(api, officer.token, "/api/v1/admin/users", body, USER_LABELS,
                                        taken=("username", "Tên đăng nhập này đã có, vui lòng chọn tên khác."),
                                        fallback="username")
        if created is not None:
            return redirect(request, f"{BASE}/nguoi-dung/{q(body['username'].lower())}",
                            flash=f"Đã tạo tài khoản {body['username'].lower()} ({body['full_name']}); "
                                  "trạng thái: đang hoạt động. Hãy báo mật khẩu ban đầu cho cán bộ để đổi khi "
                                  "đăng nhập.")
    values.pop("password", None)
    return await _user_form(request, "console/admin/user_new.html", {"values": values, "errors": errors},
                            status=422, title="Tạo tài khoản cán bộ")


async def _find_user(api: Api, token: str | None, username: str) -> dict[str, Any] | None:
    """The user list filtered by the exact user name (the API has no single-user read)."""
    try:
        result = await api.get("/api/v1/admin/users", token=token, params={"q": username, "size": 50})
    except ApiError as exc:
        if exc.status in (404, 405):
            return None
        raise
    return next((u for u in result["items"] if u["username"] == username), None)


async def _user_page(request: Request, officer: OfficerDep, api: Api, username: str, *,
                     values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                     status: int = 200) -> Response:
    user = await _find_user(api, officer.token, username)
    if user is None:
        return await page(request, "console/admin/user_missing.html", {"username": username}, status=404,
                          title="Không tìm thấy tài khoản")
    current = {"full_name": user["full_name"], "roles": list(user["roles"]),
               "agency_code": user.get("agency_code") or ""}
    return await _user_form(request, "console/admin/user_edit.html",
                            {"user": user, "values": values or current, "errors": errors or {},
                             "is_self": user["username"] == officer.visitor.username},
                            status=status, title=f"Tài khoản {user['username']}")


@router.get("/quan-tri/nguoi-dung/{username}")
async def user_page(request: Request, username: str, officer: OfficerDep, api: ApiDep) -> Response:
    return await _user_page(request, officer, api, username)


async def _patch_user(api: Api, token: str | None, username: str, body: dict[str, Any]) -> dict[str, Any]:
    r = await api.request("PATCH", f"/api/v1/admin/users/{q(username)}", token=token, json=body)
    user: dict[str, Any] = r.json()
    return user


@router.post("/quan-tri/nguoi-dung/{username}")
async def update_user(request: Request, username: str, officer: OfficerDep, api: ApiDep) -> Response:
    values: dict[str, Any] = await form_values(request, ("full_name", "agency_code"))
    values["roles"] = await _posted_roles(request)
    errors: dict[str, str] = {}
    if not values.get("full_name"):
        errors["full_name"] = "Nhập họ và tên."
    if not values["roles"]:
        errors["roles"] = "Chọn ít nhất một vai trò."
    if not errors:
        body = {"full_name": values["full_name"], "roles": values["roles"],
                "agency_code": values.get("agency_code") or None}
        try:
            user = await _patch_user(api, officer.token, username, body)
        except ApiError as exc:
            if exc.status not in (409, 422):
                raise
            errors = field_errors(exc, USER_LABELS, "roles")
        else:
            roles = ", ".join(ROLE_LABELS.get(r, r) for r in user["roles"])
            return redirect(request, f"{BASE}/nguoi-dung/{q(username)}",
                            flash=f"Đã lưu tài khoản {username}: vai trò {roles}; cơ quan "
                                  f"{user.get('agency_code') or 'không có'}.")
    return await _user_page(request, officer, api, username, values=values, errors=errors, status=422)


@router.post("/quan-tri/nguoi-dung/{username}/trang-thai")
async def set_user_active(request: Request, username: str, officer: OfficerDep, api: ApiDep) -> Response:
    values = await form_values(request, ("active",))
    active = values.get("active") == "true"
    if not active and username == officer.visitor.username:
        return await _user_page(request, officer, api, username, status=422,
                                errors={"active": "Không thể tự khóa tài khoản quản trị đang dùng."})
    try:
        user = await _patch_user(api, officer.token, username, {"active": active})
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        return await _user_page(request, officer, api, username, status=422,
                                errors={"active": exc.detail or "Chưa đổi được trạng thái tài khoản."})
    flash = (f"Đã mở khóa tài khoản {username}: trạng thái đang hoạt động, cán bộ đăng nhập lại được."
             if user["active"] else
             f"Đã khóa tài khoản {username}: trạng thái đã khóa, mọi phiên đăng nhập của tài khoản này đã kết thúc.")
    return redirect(request, f"{BASE}/nguoi-dung/{q(username)}", flash=flash)


# ---- agencies ------------------------------------------------------------------------------------------------

AGENCY_LABELS = {"code": "Mã cơ quan", "name": "Tên cơ quan", "parent_code": "Cơ quan cấp trên"}


async def _agency_page(request: Request, values: dict[str, str], errors: dict[str, str],
                       status: int = 200) -> Response:
    api: Api = request.app.state.api
    # read afresh (not the public pages' cache): an agency just added shows at once
    agencies: list[dict[str, Any]] = await api.get("/api/v1/catalog/agencies")
    filters = _filter_params(request, "q", "cap-tren")
    names = {a["code"]: a["name"] for a in agencies}
    rows = agencies
    if filters["q"]:
        needle = fold(filters["q"])
        rows = [a for a in rows if needle in fold(f"{a['code']} {a['name']}")]
    if filters["cap-tren"]:
        rows = [a for a in rows if a.get("parent_code") == filters["cap-tren"]]
    shown, page_no, last = _paged(rows, page_number(request))
    return await page(request, "console/admin/agencies.html", {
        "rows": shown, "total": len(rows), "page_no": page_no, "last": last, "filters": filters,
        "agency_names": names, "parents": sorted({a["parent_code"] for a in agencies if a.get("parent_code")}),
        "agency_options": [(a["code"], f"{a['name']} ({a['code']})") for a in agencies],
        "values": values, "errors": errors, "labels": AGENCY_LABELS,
    }, status=status, title="Cơ quan, đơn vị")


@router.get("/quan-tri/co-quan")
async def agency_list(request: Request, officer: OfficerDep) -> Response:
    return await _agency_page(request, {}, {})


@router.post("/quan-tri/co-quan")
async def create_agency(request: Request, officer: OfficerDep, api: ApiDep) -> Response:
    values = await form_values(request, ("code", "name", "parent_code"))
    errors: dict[str, str] = {}
    if not values.get("code"):
        errors["code"] = "Nhập mã cơ quan, dạng 000.00.00.H19."
    if not values.get("name"):
        errors["name"] = "Nhập tên cơ quan."
    if not errors:
        body = {"code": values["code"].upper(), "name": values["name"],
                "parent_code": values.get("parent_code") or None}
        created, errors = await _create(api, officer.token, "/api/v1/catalog/agencies", body, AGENCY_LABELS,
                                        taken=("code", ""), fallback="code")
        if created is not None:
            return redirect(request, f"{BASE}/co-quan?{_q_param(created['code'])}",
                            flash=f"Đã thêm cơ quan {created['name']} ({created['code']}). Danh sách cơ quan ở các "
                                  "trang khác cập nhật trong vòng một phút.")
    return await _agency_page(request, values, errors, status=422)


def _q_param(value: str) -> str:
    return "q=" + q(value)


AGENCY_EDIT_LABELS = {**AGENCY_LABELS, "address": "Địa chỉ", "phone": "Số điện thoại", "email": "Email"}
AGENCY_FIELDS = ("name", "parent_code", "address", "phone", "email")


async def _agency_edit(request: Request, officer: OfficerDep, api: Api, code: str, *,
                       values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                       status: int = 200) -> Response:
    """An agency's page: its details to edit, and the one-stop systems registered for it."""
    try:
        agency: dict[str, Any] = await api.get(f"/api/v1/catalog/agencies/{q(code)}")
    except ApiError as exc:
        if exc.status not in (404, 422):
            raise
        raise PageNotFound() from exc
    agencies: list[dict[str, Any]] = await api.get("/api/v1/catalog/agencies")
    systems = [s for s in await api.get("/api/v1/interop/systems", token=officer.token)
               if s["agency_code"] == agency["code"]]
    others = [a for a in agencies if a["code"] != agency["code"]]  # never its own parent
    ctx = {"agency": agency, "systems": systems, "states": SYSTEM_STATES, "labels": AGENCY_EDIT_LABELS,
           "parent_name": next((a["name"] for a in others if a["code"] == agency.get("parent_code")), "—"),
           "agency_options": [(a["code"], f"{a['name']} ({a['code']})") for a in others],
           "values": {k: agency.get(k) or "" for k in AGENCY_FIELDS} if values is None else values,
           "errors": errors or {}}
    return await page(request, "console/admin/agency_edit.html", ctx, status=status, title=f"Cơ quan {agency['name']}")


@router.get("/quan-tri/co-quan/{code}")
async def agency_page(request: Request, code: str, officer: OfficerDep, api: ApiDep) -> Response:
    return await _agency_edit(request, officer, api, code)


@router.post("/quan-tri/co-quan/{code}")
async def update_agency(request: Request, code: str, officer: OfficerDep, api: ApiDep) -> Response:
    values = await form_values(request, AGENCY_FIELDS)
    errors: dict[str, str] = {}
    if not values.get("name"):
        errors["name"] = "Nhập tên cơ quan."
    if not errors:
        body: dict[str, str | None] = {k: values.get(k) or "" for k in AGENCY_FIELDS}
        body["parent_code"] = values.get("parent_code") or None
        try:
            r = await api.request("PATCH", f"/api/v1/catalog/agencies/{q(code)}", token=officer.token, json=body)
        except ApiError as exc:
            if exc.status != 422:
                raise
            errors = field_errors(exc, AGENCY_EDIT_LABELS, "name")
        else:
            saved: dict[str, Any] = r.json()
            contact = "; ".join(f"{AGENCY_EDIT_LABELS[k].lower()} {saved[k]}" for k in ("address", "phone", "email")
                                if saved.get(k))
            return redirect(request, f"{BASE}/co-quan/{q(code)}",
                            flash=f"Đã lưu thông tin cơ quan {saved['name']} ({saved['code']})"
                                  + (f": {contact}" if contact else "") + ". Các trang khác cập nhật trong vòng "
                                  "một phút.")
    return await _agency_edit(request, officer, api, code, values=values, errors=errors, status=422)


# ---- one-stop systems ----------------------------------------------------------------------------------------


async def _pem(request: Request, values: dict[str, str], field: str = "certificate") -> str:
    """The certificate pasted as PEM text, or chosen as a file (which wins when both are given)."""
    upload = (await form_files(request)).get(f"{field}_file")
    if upload is not None:
        content = await upload.read(PEM_MAX + 1)
        return content[:PEM_MAX + 1].decode("utf-8", "replace").strip()
    return values.get(field, "")


@router.get("/quan-tri/he-thong-mot-cua")
async def system_list(request: Request, officer: OfficerDep, api: ApiDep) -> Response:
    systems: list[dict[str, Any]] = await api.get("/api/v1/interop/systems", token=officer.token)
    filters = _filter_params(request, "q", "trang-thai")
    rows = systems
    if filters["q"]:
        needle = fold(filters["q"])
        rows = [s for s in rows if needle in fold(f"{s['code']} {s['name']} {s['agency_code']}")]
    if filters["trang-thai"] in SYSTEM_STATES:
        rows = [s for s in rows if s["status"] == filters["trang-thai"]]
    shown, page_no, last = _paged(rows, page_number(request))
    agencies = await _agencies(request)
    return await page(request, "console/admin/systems.html", {
        "rows": shown, "total": len(rows), "page_no": page_no, "last": last, "filters": filters,
        "states": SYSTEM_STATES, "agency_names": {a["code"]: a["name"] for a in agencies},
    }, title="Hệ thống một cửa kết nối")


@router.get("/quan-tri/he-thong-mot-cua/moi")
async def new_system(request: Request, officer: OfficerDep) -> Response:
    return await _system_form(request, {}, {})


async def _system_form(request: Request, values: dict[str, str], errors: dict[str, str],
                       status: int = 200) -> Response:
    agencies = await _agencies(request)
    return await page(request, "console/admin/system_new.html", {
        "values": values, "errors": errors, "labels": SYSTEM_LABELS,
        "agency_options": [(a["code"], f"{a['name']} ({a['code']})") for a in agencies],
    }, status=status, title="Đăng ký hệ thống một cửa")


@router.post("/quan-tri/he-thong-mot-cua/moi")
async def register_system(request: Request, officer: OfficerDep, api: ApiDep) -> Response:
    values = await form_values(request, ("code", "name", "agency_code", "push_url"))
    values["certificate"] = await _pem(request, await form_values(request, ("certificate",)))
    errors: dict[str, str] = {}
    for name in ("code", "name", "agency_code", "certificate"):
        if not values.get(name):
            errors[name] = f"Nhập {SYSTEM_LABELS[name].lower()}." if name != "certificate" else \
                "Dán chứng thư số (PEM) hoặc chọn tệp chứng thư."
    if not errors:
        body = {k: v for k, v in values.items() if v}
        created, errors = await _create(api, officer.token, "/api/v1/interop/systems", body, SYSTEM_LABELS,
                                        taken=("code", ""), fallback="certificate")
        if created is not None:
            # the secret is shown once, on this page only (never in an address or a log)
            return await page(request, "console/admin/system_created.html", {"s": created, "states": SYSTEM_STATES},
                              status=201, title=f"Đã đăng ký hệ thống {created['code']}")
    return await _system_form(request, values, errors, status=422)


async def _system_page(request: Request, officer: OfficerDep, api: Api, code: str, *,
                       values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                       status: int = 200) -> Response:
    system = await api.get(f"/api/v1/interop/systems/{q(code)}", token=officer.token)
    push_state = request.query_params.get("day") or ""
    params: dict[str, Any] = {"limit": 500, **({"status": push_state} if push_state in PUSH_STATES else {})}
    pushes: list[dict[str, Any]] = await api.get(f"/api/v1/interop/systems/{q(code)}/push", token=officer.token,
                                                 params=params)
    shown, page_no, last = _paged(pushes, page_number(request))
    agencies = await _agencies(request)
    return await page(request, "console/admin/system.html", {
        "s": system, "pushes": shown, "push_total": len(pushes), "page_no": page_no, "last": last,
        "push_state": push_state if push_state in PUSH_STATES else "", "push_states": PUSH_STATES,
        "states": SYSTEM_STATES, "values": values or {}, "errors": errors or {}, "labels": SYSTEM_LABELS,
        "agency_names": {a["code"]: a["name"] for a in agencies},
    }, status=status, title=f"Hệ thống {system['name']}")


@router.get("/quan-tri/he-thong-mot-cua/{code}")
async def system_page(request: Request, code: str, officer: OfficerDep, api: ApiDep) -> Response:
    return await _system_page(request, officer, api, code)


@router.post("/quan-tri/he-thong-mot-cua/{code}/chung-thu")
async def rotate_certificate(request: Request, code: str, officer: OfficerDep, api: ApiDep) -> Response:
    values = await form_values(request, ("certificate", "overlap_hours"))
    values["certificate"] = await _pem(request, values)
    errors: dict[str, str] = {}
    if not values["certificate"]:
        errors["certificate"] = "Dán chứng thư số mới (PEM) hoặc chọn tệp chứng thư."
    overlap = values.get("overlap_hours") or ""
    if overlap and not overlap.isdigit():
        errors["overlap_hours"] = "Nhập số giờ (số nguyên), ví dụ 72."
    if not errors:
        body: dict[str, Any] = {"certificate": values["certificate"],
                                **({"overlap_hours": int(overlap)} if overlap else {})}
        try:
            await api.request("PUT", f"/api/v1/interop/systems/{q(code)}/certificate", token=officer.token, json=body)
        except ApiError as exc:
            if exc.status not in (409, 422):
                raise
            errors = field_errors(exc, SYSTEM_LABELS, "certificate")
        else:
            return redirect(request, f"{BASE}/he-thong-mot-cua/{q(code)}",
                            flash="Đã thay chứng thư số. Chứng thư cũ còn được chấp nhận đến hết thời gian song song "
                                  "ghi trong bảng chứng thư.")
    return await _system_page(request, officer, api, code, values=values, errors=errors, status=422)


async def _confirm(request: Request, *, title: str, message: str, action: str, button: str,
                   reason: bool = False) -> Response:
    return await page(request, "console/admin/confirm.html", {
        "message": message, "action": action, "button": button, "reason": reason, "values": {}, "errors": {},
        "back": action.rsplit("/", 2)[0] if "chung-thu" in action else action.rsplit("/", 1)[0],
    }, title=title)


@router.post("/quan-tri/he-thong-mot-cua/{code}/chung-thu/{fingerprint}/thu-hoi")
async def revoke_certificate(request: Request, code: str, fingerprint: str, officer: OfficerDep,
                             api: ApiDep) -> Response:
    values = await form_values(request, ("xac-nhan",))
    action = f"{BASE}/he-thong-mot-cua/{q(code)}/chung-thu/{q(fingerprint)}/thu-hoi"
    if values.get("xac-nhan") != "1":
        return await _confirm(request, title="Thu hồi chứng thư số", action=action, button="Thu hồi chứng thư",
                              message=f"Thu hồi chứng thư {fingerprint[:16]}… của hệ thống {code}? Thông điệp ký bằng "
                                      "chứng thư này sẽ bị từ chối ngay. Không thể hoàn tác.")
    try:
        await api.post(f"/api/v1/interop/systems/{q(code)}/certificates/{q(fingerprint)}/revoke", token=officer.token)
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        return await _system_page(request, officer, api, code, status=422,
                                  errors={"certificate": exc.detail or "Chưa thu hồi được chứng thư."})
    return redirect(request, f"{BASE}/he-thong-mot-cua/{q(code)}",
                    flash=f"Đã thu hồi chứng thư {fingerprint[:16]}…; trạng thái: không còn tin cậy.")


@router.post("/quan-tri/he-thong-mot-cua/{code}/thu-hoi")
async def revoke_system(request: Request, code: str, officer: OfficerDep, api: ApiDep) -> Response:
    values = await form_values(request, ("xac-nhan", "reason"))
    action = f"{BASE}/he-thong-mot-cua/{q(code)}/thu-hoi"
    if values.get("xac-nhan") != "1":
        return await _confirm(request, title="Thu hồi hệ thống một cửa", action=action, button="Thu hồi hệ thống",
                              reason=True,
                              message=f"Thu hồi hệ thống {code}? Hệ thống không lấy được mã truy cập, không đọc được "
                                      "dữ liệu và không gửi được thông điệp nữa. Không thể hoàn tác.")
    body = {"reason": values["reason"]} if values.get("reason") else None
    try:
        await api.post(f"/api/v1/interop/systems/{q(code)}/revoke", token=officer.token, json=body)
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        return await _system_page(request, officer, api, code, status=422,
                                  errors={"reason": exc.detail or "Chưa thu hồi được hệ thống."})
    return redirect(request, f"{BASE}/he-thong-mot-cua/{q(code)}",
                    flash=f"Đã thu hồi hệ thống {code}; trạng thái: đã thu hồi.")


# ---- workflow definitions ------------------------------------------------------------------------------------


@router.get("/quan-tri/quy-trinh")
async def definition_list(request: Request, officer: OfficerDep, api: ApiDep) -> Response:
    filters = _filter_params(request, "q", "co-quan")
    page_no = page_number(request)
    params: dict[str, Any] = {"page": page_no, "size": PAGE_SIZE, **({"q": filters["q"]} if filters["q"] else {}),
              **({"agency": filters["co-quan"]} if filters["co-quan"] else {})}
    result = await api.get("/api/v1/catalog/procedures", token=officer.token, params=params)
    agencies = await _agencies(request)
    return await page(request, "console/admin/definitions.html", {
        "result": result, "filters": filters, "page_no": page_no, "last": last_page(result["total"], PAGE_SIZE),
        "agencies": agencies, "agency_names": {a["code"]: a["name"] for a in agencies},
    }, title="Quy trình xử lý")


def _definition_json(definition: dict[str, Any]) -> str:
    return json.dumps({"start": definition["start"], "steps": definition["steps"]}, ensure_ascii=False, indent=2)


async def _definition_page(request: Request, officer: OfficerDep, api: Api, code: str, *,
                           values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                           status: int = 200) -> Response:
    definition = await api.get(f"/api/v1/workflow/definitions/{q(code)}", token=officer.token)
    try:
        procedure = await CatalogPages(api, request.app.state.cache).procedure(code)
    except ApiError as exc:
        if exc.status != 404:
            raise
        procedure = {"code": code, "name": code}
    names = {s["code"]: s["name"] for s in definition["steps"]}
    return await page(request, "console/admin/definition.html", {
        "d": definition, "p": procedure, "step_names": names, "step_roles": STEP_ROLES, "actions": ACTION_LABELS,
        "values": values or {"definition": _definition_json(definition)}, "errors": errors or {},
    }, status=status, title=f"Quy trình: {procedure['name']}")


@router.get("/quan-tri/quy-trinh/{code}")
async def definition_page(request: Request, code: str, officer: OfficerDep, api: ApiDep) -> Response:
    return await _definition_page(request, officer, api, code)


def _definition_errors(exc: ApiError) -> str:
    """Each of the API's errors with where it is in the definition (``steps[2].role: …``)."""
    lines = []
    for e in exc.errors:
        loc = [p for p in e.get("loc", []) if p != "body"]
        where = "".join(f"[{p}]" if isinstance(p, int) or str(p).isdigit() else f".{p}" for p in loc).lstrip(".")
        lines.append(f"{where}: {e.get('msg')}" if where else str(e.get("msg")))
    return "; ".join(lines) or exc.detail or "Quy trình chưa hợp lệ."


@router.post("/quan-tri/quy-trinh/{code}")
async def upload_definition(request: Request, code: str, officer: OfficerDep, api: ApiDep) -> Response:
    values = await form_values(request, ("definition",))
    upload = (await form_files(request)).get("definition_file")
    text = values.get("definition", "")
    if upload is not None:
        text = (await upload.read(512 * 1024 + 1)).decode("utf-8", "replace")
        values["definition"] = text
    errors: dict[str, str] = {}
    body: Any = None
    if not text.strip():
        errors["definition"] = "Dán quy trình (JSON) hoặc chọn tệp .json."
    else:
        try:
            body = json.loads(text)
        except json.JSONDecodeError as exc:
            errors["definition"] = f"JSON không hợp lệ ở dòng {exc.lineno}, cột {exc.colno}."
        if body is not None and not isinstance(body, dict):
            errors["definition"] = "Quy trình phải là một đối tượng JSON có “start” và “steps”."
    if not errors:
        body = {k: v for k, v in body.items() if k in ("start", "steps")}
        try:
            r = await api.request("PUT", f"/api/v1/workflow/definitions/{q(code)}", token=officer.token, json=body)
        except ApiError as exc:
            if exc.status not in (409, 422):
                raise
            errors["definition"] = _definition_errors(exc)
        else:
            saved = r.json()
            return redirect(request, f"{BASE}/quy-trinh/{q(code)}",
                            flash=f"Đã lưu quy trình phiên bản {saved['version']} ({len(saved['steps'])} bước). "
                                  "Hồ sơ tiếp nhận từ nay đi theo quy trình này.")
    return await _definition_page(request, officer, api, code, values=values, errors=errors, status=422)


# ---- notification deliveries ---------------------------------------------------------------------------------


@router.get("/quan-tri/gui-thong-bao")
async def delivery_list(request: Request, officer: OfficerDep, api: ApiDep) -> Response:
    filters = _filter_params(request, "trang-thai", "kenh", "ho-so")
    if "trang-thai" not in request.query_params:
        filters["trang-thai"] = "failed"  # what needs an admin's attention first
    if filters["trang-thai"] not in DELIVERY_STATES:
        filters["trang-thai"] = ""
    if filters["kenh"] not in CHANNELS:
        filters["kenh"] = ""
    page_no = page_number(request)
    params = {"page": page_no, "size": PAGE_SIZE,
              **{key: filters[name] for key, name in (("status", "trang-thai"), ("channel", "kenh"),
                                                      ("dossier_code", "ho-so")) if filters[name]}}
    result = await api.get("/api/v1/notifications/deliveries", token=officer.token, params=params)
    return await page(request, "console/admin/deliveries.html", {
        "result": result, "filters": filters, "page_no": page_no, "last": last_page(result["total"], PAGE_SIZE),
        "states": DELIVERY_STATES, "channels": CHANNELS,
    }, title="Gửi thông báo")


@router.post("/quan-tri/gui-thong-bao/{delivery_id}/gui-lai")
async def retry_delivery(request: Request, delivery_id: str, officer: OfficerDep, api: ApiDep) -> Response:
    values = await form_values(request, ("tiep",))
    back = values.get("tiep") or ""
    back = back if back.startswith(f"{BASE}/gui-thong-bao") else f"{BASE}/gui-thong-bao"
    try:
        d = await api.post(f"/api/v1/notifications/deliveries/{q(delivery_id)}/retry", token=officer.token)
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        reason = exc.detail or "thông báo không ở trạng thái thất bại"
        return redirect(request, back, flash=f"Chưa gửi lại được: {reason}.")
    return redirect(request, back, flash=f"Đã đưa thông báo gửi {d['recipient']} vào hàng gửi lại; trạng thái: "
                                         f"{DELIVERY_STATES.get(d['status'], d['status'])}.")
