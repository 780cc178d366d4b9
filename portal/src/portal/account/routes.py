"""Register, log in, log out and the profile page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from portal.account.login import MFA_SETUP_ELSEWHERE, sign_in, sign_out
from portal.api import ApiError
from portal.deps import ApiDep, CitizenDep, FormVisitorDep, SessionDep, VisitorDep
from portal.web.forms import form_values
from portal.web.render import redirect, render, safe_next
from portal.web.security import check_csrf

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)

REGISTER_FIELDS = ("full_name", "id_number", "phone", "email", "username", "password")
REGISTER_LABELS = {"full_name": "Họ và tên", "id_number": "Số Căn cước công dân", "phone": "Số điện thoại di động",
                   "email": "Email", "username": "Tên đăng nhập", "password": "Mật khẩu",
                   "password2": "Nhập lại mật khẩu"}


def _refuse_mfa_setup(me: dict[str, Any]) -> str | None:
    """An officer whose account must first set up its second factor holds a token good for nothing else: the
    console's set-up page is where that happens, not an empty citizen's account."""
    return MFA_SETUP_ELSEWHERE if me.get("mfa_setup_required") else None


@router.get("/dang-nhap")
async def login_page(request: Request, visitor: FormVisitorDep) -> Response:
    return render(request, "pages/login.html", {"next": safe_next(request.query_params.get("tiep"))},
                  title="Đăng nhập")


@router.post("/dang-nhap")
async def log_in(request: Request, visitor: FormVisitorDep, api: ApiDep, db: SessionDep) -> Response:
    values = await form_values(request, ("username", "password", "tiep"))
    next_path = safe_next(values.get("tiep"))
    errors = await sign_in(request, api, db, visitor, values, refuse=_refuse_mfa_setup)
    if not errors:
        return redirect(request, next_path)
    values.pop("password", None)
    return render(request, "pages/login.html", {"values": values, "errors": errors, "next": next_path},
                  status=422, title="Đăng nhập")


@router.get("/dang-ky")
async def register_page(request: Request, visitor: FormVisitorDep) -> Response:
    return render(request, "pages/register.html",
                  {"labels": REGISTER_LABELS, "next": safe_next(request.query_params.get("tiep"))},
                  title="Đăng ký tài khoản")


@router.post("/dang-ky")
async def register(request: Request, visitor: FormVisitorDep, api: ApiDep) -> Response:
    values = await form_values(request, (*REGISTER_FIELDS, "password2", "tiep"))
    next_path = safe_next(values.pop("tiep", None))
    errors: dict[str, str] = {}
    for name in ("full_name", "id_number", "username", "password"):
        if not values.get(name):
            errors[name] = f"Nhập {REGISTER_LABELS[name].lower()}."
    if values.get("password") and values.get("password") != values.get("password2"):
        errors["password2"] = "Hai lần nhập mật khẩu không giống nhau."
    if not errors:
        body = {k: values[k] for k in REGISTER_FIELDS if values.get(k)}
        body["username"] = body["username"].lower()
        try:
            await api.post("/api/v1/auth/register", json=body)
        except ApiError as exc:
            if exc.status == 409:
                errors["username"] = "Tên đăng nhập này đã có người dùng, vui lòng chọn tên khác."
            elif exc.status == 422:
                errors.update({k: v for k, v in exc.field_errors().items() if k in REGISTER_LABELS})
                if not errors:
                    errors["username"] = exc.detail or "Thông tin chưa hợp lệ."
            else:
                raise
        else:
            login = "/dang-nhap" + (f"?{urlencode({'tiep': next_path})}" if next_path != "/" else "")
            return redirect(request, login, flash="Đã tạo tài khoản. Mời bạn đăng nhập.")
    values.pop("password", None)
    values.pop("password2", None)
    return render(request, "pages/register.html",
                  {"values": values, "errors": errors, "labels": REGISTER_LABELS, "next": next_path},
                  status=422, title="Đăng ký tài khoản")


@router.post("/dang-xuat")
async def log_out(request: Request, visitor: VisitorDep, api: ApiDep, db: SessionDep) -> Response:
    await sign_out(request, api, db, visitor)
    return redirect(request, "/", flash="Bạn đã đăng xuất.")


@router.get("/tai-khoan")
async def profile(request: Request, visitor: CitizenDep, api: ApiDep) -> Response:
    me = await api.get("/api/v1/auth/me", token=visitor.token)
    return render(request, "pages/profile.html", {"me": me}, title="Tài khoản của tôi")
