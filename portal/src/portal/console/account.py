"""The officer's own account: who they are to the platform, changing their password, and the second factor (TOTP)
an officer sets up before the gateway gives their token its roles (outside demo mode) or turns on later."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

import segno
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from markupsafe import Markup

from portal.account.login import sign_out
from portal.account.password import LABELS, PASSWORD_CHANGED, change_password
from portal.api import ApiError
from portal.console.common import PREFIX, Officer, OfficerDep, console_router, logged_in_officer, page
from portal.deps import ApiDep, SessionDep
from portal.errors import MFA_SETUP
from portal.web.forms import form_values
from portal.web.render import redirect
from portal.web.security import check_csrf

router = console_router()
# the set-up answers an officer whose token does nothing else yet (every other console page sends them here)
setup = APIRouter(prefix=PREFIX, include_in_schema=False, dependencies=[Depends(check_csrf)])
SetupOfficerDep = Annotated[Officer, Depends(logged_in_officer)]

ACCOUNT = PREFIX + "/tai-khoan"
LOG_IN_WITH_CODE = ("Đã bật xác thực hai lớp. Mời bạn đăng nhập lại: nhập mật khẩu và mã OTP đang hiện trên "
                    "ứng dụng xác thực.")
MFA_LABELS = {"otp": "Mã xác thực (OTP)"}
BASE32 = re.compile(r"[A-Z2-7]{16,128}")


async def _me(api: ApiDep, officer: Officer) -> dict[str, Any]:
    me: dict[str, Any] = await api.get("/api/v1/auth/me", token=officer.token)
    return me


async def _account_page(request: Request, officer: Officer, api: ApiDep, errors: dict[str, str] | None = None
                        ) -> Response:
    return await page(request, "console/account/profile.html",
                      {"me": await _me(api, officer), "errors": errors or {}, "labels": LABELS},
                      status=422 if errors else 200, title="Tài khoản của tôi")


@router.get("/tai-khoan")
async def account(request: Request, officer: OfficerDep, api: ApiDep) -> Response:
    return await _account_page(request, officer, api)


@router.post("/tai-khoan/doi-mat-khau")
async def change(request: Request, officer: OfficerDep, api: ApiDep, db: SessionDep) -> Response:
    values = await form_values(request, ("current_password", "new_password", "new_password2"))
    if not (errors := await change_password(request, api, db, officer.visitor, values)):
        return redirect(request, PREFIX + "/dang-nhap", flash=PASSWORD_CHANGED)
    return await _account_page(request, officer, api, errors)


def qr_code(uri: str, name: str) -> Markup:
    """The otpauth URI as an inline SVG QR code (no image request, nothing sent elsewhere), named for screen
    readers; dark on white with its quiet zone, whatever the page's colours."""
    svg = segno.make(uri, error="m", micro=False).svg_inline(scale=5, border=4, dark="#000", light="#fff",
                                                             omitsize=True)
    return Markup('<div class="qr" role="img" aria-label="{}">{}</div>').format(name, Markup(svg))


def _pending(uri: str) -> dict[str, str] | None:
    """The set-up the confirm form carries back (the gateway keeps the secret; this only draws it again)."""
    parts = urlsplit(uri)
    secret = (parse_qs(parts.query).get("secret") or [""])[0]
    if parts.scheme != "otpauth" or parts.netloc != "totp" or not BASE32.fullmatch(secret):
        return None
    return {"otpauth_uri": uri, "secret": secret}


async def _mfa_page(request: Request, officer: Officer, pending: dict[str, str] | None = None,
                    errors: dict[str, str] | None = None) -> Response:
    context: dict[str, Any] = {"errors": errors or {}, "labels": MFA_LABELS, "pending": pending}
    if pending:
        secret = pending["secret"]
        context["secret_groups"] = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
        context["qr"] = qr_code(pending["otpauth_uri"],
                                f"Mã QR thiết lập xác thực hai lớp cho tài khoản {officer.visitor.username}")
    return await page(request, "console/account/mfa.html", context, status=422 if errors else 200,
                      title="Bật xác thực hai lớp")


async def _done(request: Request, officer: Officer, api: ApiDep, db: SessionDep) -> Response:
    """Second factor on: a set-up-only session ends (the next login, with the code, carries the roles); an
    officer already working keeps theirs."""
    if officer.setting_up_mfa:
        await sign_out(request, api, db, officer.visitor)
        return redirect(request, PREFIX + "/dang-nhap", flash=LOG_IN_WITH_CODE)
    return redirect(request, ACCOUNT, flash="Đã bật xác thực hai lớp. Từ lần đăng nhập sau, nhập thêm mã OTP "
                                            "đang hiện trên ứng dụng xác thực.")


@setup.get("/xac-thuc-hai-lop")
async def mfa_page(request: Request, officer: SetupOfficerDep, api: ApiDep, db: SessionDep) -> Response:
    if (await _me(api, officer)).get("mfa_enabled"):
        if not officer.setting_up_mfa:
            return redirect(request, ACCOUNT, flash="Xác thực hai lớp của tài khoản đã được bật.")
        return await _done(request, officer, api, db)  # confirmed meanwhile (another tab)
    return await _mfa_page(request, officer)


@setup.post("/xac-thuc-hai-lop")
async def mfa_start(request: Request, officer: SetupOfficerDep, api: ApiDep, db: SessionDep) -> Response:
    """A new secret from the gateway (any earlier unconfirmed one stops working), drawn as a QR code."""
    try:
        created = await api.post("/api/v1/auth/mfa", token=officer.token)
    except ApiError as exc:
        if exc.status != 409:
            raise
        return await mfa_page(request, officer, api, db)  # already on: says so
    return await _mfa_page(request, officer, {"otpauth_uri": str(created["otpauth_uri"]),
                                              "secret": str(created["secret"])})


@setup.post("/xac-thuc-hai-lop/xac-nhan")
async def mfa_confirm(request: Request, officer: SetupOfficerDep, api: ApiDep, db: SessionDep) -> Response:
    values = await form_values(request, ("otp", "otpauth_uri"))
    pending = _pending(values.get("otpauth_uri", ""))
    if pending is None:
        return redirect(request, MFA_SETUP, flash="Mã QR đã hết hiệu lực, vui lòng tạo mã mới.")
    otp = values.get("otp", "").replace(" ", "")
    if not otp.isdigit() or len(otp) != 6:
        message = "Mã OTP gồm 6 chữ số." if otp else "Nhập mã 6 chữ số đang hiện trên ứng dụng xác thực."
        return await _mfa_page(request, officer, pending, {"otp": message})
    try:
        await api.post("/api/v1/auth/mfa/confirm", json={"otp": otp}, token=officer.token)
    except ApiError as exc:
        if exc.status == 409:  # already on (another tab), or no set-up started: start again
            if (await _me(api, officer)).get("mfa_enabled"):
                return await _done(request, officer, api, db)
            return redirect(request, MFA_SETUP, flash=exc.detail or "Vui lòng tạo mã QR mới.")
        if exc.status != 422:
            raise
        message = exc.field_errors().get("otp") or exc.detail or "Mã OTP không đúng."
        return await _mfa_page(request, officer, pending, {"otp": message})
    return await _done(request, officer, api, db)
