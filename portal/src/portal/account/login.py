"""Logging in and out through the gateway's token call: shared by the citizens' and the officers' login pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from portal.account.service import SessionService, Visitor
from portal.api import Api, ApiError

OFFICER_ELSEWHERE = ("Tài khoản cán bộ có xác thực hai lớp đăng nhập tại Trang cán bộ (/can-bo/dang-nhap), "
                     "với mã OTP từ ứng dụng xác thực.")
MFA_SETUP_ELSEWHERE = ("Tài khoản cán bộ cần bật xác thực hai lớp trước: đăng nhập tại Trang cán bộ "
                       "(/can-bo/dang-nhap) để thiết lập.")


async def sign_in(request: Request, api: Api, db: AsyncSession, visitor: Visitor, values: dict[str, str], *,
                  refuse: Callable[[dict[str, Any]], str | None] | None = None) -> dict[str, str]:
    """Starts a new session for the account (the cookie is set by the next response); answers the errors by
    field, empty on success. ``refuse`` may turn an account away (its message goes beside the username).

    A form with an ``otp`` field sends the code of the account's second factor; the gateway's refusals of it
    (none given, a wrong one) go beside that field. A token the gateway gives only to set up that second factor
    (an officer without one) is kept with ``mfa_setup_required`` in the session's profile."""
    errors: dict[str, str] = {}
    if not values.get("username"):
        errors["username"] = "Nhập tên đăng nhập."
    if not values.get("password"):
        errors["password"] = "Nhập mật khẩu."
    if errors:
        return errors
    grant = {"grant_type": "password", "username": values["username"].lower(), "password": values["password"]}
    if otp := values.get("otp", "").replace(" ", ""):
        grant["otp"] = otp
    try:
        token = await api.post("/api/v1/auth/token", data=grant)
        me = await api.get("/api/v1/auth/me", token=token["access_token"])
    except ApiError as exc:
        if exc.status not in (400, 401, 403, 422, 429):
            raise
        if "otp" in values and (exc.error == "mfa_required" or exc.slug == "invalid-otp"):
            again = " Nhập lại mật khẩu cùng mã OTP." if exc.error == "mfa_required" else ""
            return {"otp": (exc.detail or "Nhập mã OTP từ ứng dụng xác thực.") + again}
        if exc.error == "mfa_required":  # a form without the code: only officers have a second factor
            return {"username": OFFICER_ELSEWHERE}
        return {"password": "Tên đăng nhập hoặc mật khẩu không đúng." if exc.status != 429 else exc.detail}
    if token.get("mfa_setup_required"):
        me = {**me, "mfa_setup_required": True}
    if refuse is not None and (message := refuse(me)):
        return {"username": message}
    settings = request.app.state.settings
    raw, _ = await SessionService(db, days=settings.session_days).start(
        user=me, token=token["access_token"], expires_in=int(token.get("expires_in", 300)),
        refresh_token=token.get("refresh_token"), replaces=visitor.id_hash)
    request.state.set_cookie = (raw, settings.session_days * 86400)
    return {}


async def sign_out(request: Request, api: Api, db: AsyncSession, visitor: Visitor | None) -> None:
    if visitor is not None:
        if visitor.token:
            try:
                await api.post("/api/v1/auth/logout", token=visitor.token)
            except ApiError:
                pass  # the API may not know logout, or the token expired: the portal session ends anyway
        await SessionService(db, days=request.app.state.settings.session_days).end(visitor.id_hash)
    request.state.set_cookie = ("", 0)
