"""Forgotten password (a one-time code by email or SMS) and changing one's password, through the gateway."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from portal.account.login import sign_out
from portal.account.service import Visitor
from portal.api import Api, ApiError
from portal.deps import ApiDep, CitizenDep, FormVisitorDep, SessionDep
from portal.web.forms import form_values
from portal.web.render import redirect, render
from portal.web.security import check_csrf

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)

LABELS = {"username": "Tên đăng nhập", "code": "Mã xác nhận", "current_password": "Mật khẩu hiện tại",
          "new_password": "Mật khẩu mới", "new_password2": "Nhập lại mật khẩu mới"}
PASSWORD_CHANGED = "Đã đổi mật khẩu. Mọi phiên đăng nhập đã kết thúc, mời bạn đăng nhập lại."
SENT = ("Nếu tên đăng nhập đúng và tài khoản có email hoặc số điện thoại, mã xác nhận (6 chữ số, hiệu lực 15 phút) "
        "đã được gửi đến đó.")


def _new_password_errors(values: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not values.get("new_password"):
        errors["new_password"] = "Nhập mật khẩu mới."
    elif values.get("new_password") != values.get("new_password2"):
        errors["new_password2"] = "Hai lần nhập mật khẩu mới không giống nhau."
    return errors


def _api_errors(exc: ApiError, default_field: str) -> dict[str, str]:
    """The gateway's 422 by field (only fields of these forms); a 429's detail beside ``default_field``."""
    if exc.status == 429:
        return {default_field: exc.detail or "Bạn đã thử quá nhiều lần, vui lòng thử lại sau ít phút."}
    if exc.status != 422:
        raise exc
    errors = {k: v for k, v in exc.field_errors().items() if k in LABELS}
    return errors or {default_field: exc.detail or "Thông tin chưa hợp lệ."}


def _without_passwords(values: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in values.items() if "password" not in k}


@router.get("/quen-mat-khau")
async def forgot_page(request: Request, visitor: FormVisitorDep) -> Response:
    return render(request, "pages/password_forgot.html", {"labels": LABELS}, title="Quên mật khẩu")


@router.post("/quen-mat-khau")
async def forgot(request: Request, visitor: FormVisitorDep, api: ApiDep) -> Response:
    values = await form_values(request, ("username",))
    username = values.get("username", "").strip().lower()
    errors = {} if username else {"username": "Nhập tên đăng nhập."}
    if not errors:
        try:
            await api.post("/api/v1/auth/password-reset", json={"username": username})
        except ApiError as exc:
            errors = _api_errors(exc, "username")
        else:
            return redirect(request, "/quen-mat-khau/dat-lai?" + urlencode({"tai-khoan": username}), flash=SENT)
    return render(request, "pages/password_forgot.html", {"values": values, "errors": errors, "labels": LABELS},
                  status=422, title="Quên mật khẩu")


@router.get("/quen-mat-khau/dat-lai")
async def reset_page(request: Request, visitor: FormVisitorDep) -> Response:
    values = {"username": request.query_params.get("tai-khoan", "")[:50]}
    return render(request, "pages/password_reset.html", {"values": values, "labels": LABELS},
                  title="Đặt lại mật khẩu")


@router.post("/quen-mat-khau/dat-lai")
async def reset(request: Request, visitor: FormVisitorDep, api: ApiDep) -> Response:
    values = await form_values(request, ("username", "code", "new_password", "new_password2"))
    values["code"] = values.get("code", "").replace(" ", "")
    errors: dict[str, str] = {}
    if not values.get("username"):
        errors["username"] = "Nhập tên đăng nhập."
    if not values.get("code"):
        errors["code"] = "Nhập mã xác nhận đã nhận qua email hoặc tin nhắn."
    errors |= _new_password_errors(values)
    if not errors:
        body = {"username": values["username"].strip().lower(), "code": values["code"],
                "new_password": values["new_password"]}
        try:
            await api.post("/api/v1/auth/password-reset/confirm", json=body)
        except ApiError as exc:
            errors = _api_errors(exc, "code")
        else:
            return redirect(request, "/dang-nhap", flash="Đã đặt lại mật khẩu. Mời bạn đăng nhập với mật khẩu mới.")
    return render(request, "pages/password_reset.html",
                  {"values": _without_passwords(values), "errors": errors, "labels": LABELS},
                  status=422, title="Đặt lại mật khẩu")


@router.get("/tai-khoan/doi-mat-khau")
async def change_page(request: Request, visitor: CitizenDep) -> Response:
    return render(request, "pages/password_change.html", {"labels": LABELS}, title="Đổi mật khẩu")


async def change_password(request: Request, api: Api, db: AsyncSession, visitor: Visitor,
                          values: dict[str, str]) -> dict[str, str]:
    """Checks the form (``current_password``, ``new_password``, ``new_password2``) and asks the gateway; answers
    the errors by field, empty on success, when the gateway has ended every session of the account and this
    browser's session has ended with them (citizens' and officers' pages alike)."""
    errors = {} if values.get("current_password") else {"current_password": "Nhập mật khẩu hiện tại."}
    errors |= _new_password_errors(values)
    if errors:
        return errors
    body = {"current_password": values["current_password"], "new_password": values["new_password"]}
    try:
        await api.post("/api/v1/auth/password", json=body, token=visitor.token)
    except ApiError as exc:
        return _api_errors(exc, "current_password")
    await sign_out(request, api, db, visitor)
    return {}


@router.post("/tai-khoan/doi-mat-khau")
async def change(request: Request, visitor: CitizenDep, api: ApiDep, db: SessionDep) -> Response:
    values = await form_values(request, ("current_password", "new_password", "new_password2"))
    if not (errors := await change_password(request, api, db, visitor, values)):
        return redirect(request, "/dang-nhap?" + urlencode({"tiep": "/tai-khoan"}), flash=PASSWORD_CHANGED)
    return render(request, "pages/password_change.html", {"errors": errors, "labels": LABELS}, status=422,
                  title="Đổi mật khẩu")
