"""What goes wrong in a page and how the person sees it: HTML pages in Vietnamese, never JSON, never a 500 trace."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from portal.api import ApiError

log = logging.getLogger(__name__)


class LoginRequired(Exception):
    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class MfaSetupRequired(Exception):
    """An officer whose token only sets up the second factor: every console page sends them to that set-up."""


class CsrfRefused(Exception):
    pass


class PageNotFound(Exception):
    pass


CONSOLE = "/can-bo"
MFA_SETUP = CONSOLE + "/xac-thuc-hai-lop"


def _login_path(path: str) -> str:
    """The officers' console has its own login page."""
    return f"{CONSOLE}/dang-nhap" if path == CONSOLE or path.startswith(CONSOLE + "/") else "/dang-nhap"


def install_page_errors(app: FastAPI) -> None:
    from portal.web.render import redirect
    from portal.web.render import render as render_page

    async def render(request: Request, template: str, context: dict[str, object] | None = None, *,
                     status: int, title: str) -> Response:
        if request.url.path.startswith(CONSOLE + "/"):
            from portal.console.common import page

            console = {"errors/not_found.html": "console/not_found.html"}.get(template, "console/error.html")
            return await page(request, console, {"message": "", **(context or {})}, status=status, title=title)
        return render_page(request, template, context, status=status, title=title)

    async def login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        return redirect(request, _login_path(exc.next_path) + "?tiep=" + quote(exc.next_path, safe="/"),
                        flash="Vui lòng đăng nhập để tiếp tục.")

    async def mfa_setup_required(request: Request, exc: Exception) -> Response:
        return redirect(request, MFA_SETUP)  # the set-up page says why

    async def csrf_refused(request: Request, exc: Exception) -> Response:
        return await render(request, "errors/csrf.html", {
            "message": "Biểu mẫu đã hết hạn hoặc không được gửi từ trang này. Vui lòng tải lại trang và gửi lại."},
            status=403, title="Yêu cầu không hợp lệ")

    async def not_found(request: Request, exc: Exception) -> Response:
        return await render(request, "errors/not_found.html", status=404, title="Không tìm thấy trang")

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404:
            return await not_found(request, exc)
        if exc.status_code == 405:
            return await render(request, "errors/generic.html", {"message": "Địa chỉ này không nhận yêu cầu như vậy."},
                          status=405, title="Yêu cầu không hợp lệ")
        return await render(request, "errors/generic.html", {"message": str(exc.detail)}, status=exc.status_code,
                      title="Có lỗi xảy ra")

    async def bad_request(request: Request, exc: Exception) -> Response:
        return await render(request, "errors/generic.html",
                      {"message": "Địa chỉ hoặc dữ liệu gửi lên không hợp lệ."}, status=400,
                      title="Yêu cầu không hợp lệ")

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        if exc.status == 401:
            return redirect(request, _login_path(request.url.path) + "?tiep=" + quote(request.url.path, safe="/"),
                            flash="Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại.")
        if exc.status == 404:
            return await not_found(request, exc)
        status = exc.status if exc.status in (403, 409, 413, 415, 422, 429, 503, 504) else 502
        return await render(request, "errors/generic.html",
                      {"message": exc.detail or "Hệ thống chưa xử lý được yêu cầu, vui lòng thử lại sau."},
                      status=status, title="Chưa thực hiện được")

    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(MfaSetupRequired, mfa_setup_required)
    app.add_exception_handler(CsrfRefused, csrf_refused)
    app.add_exception_handler(PageNotFound, not_found)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, bad_request)
    app.add_exception_handler(ApiError, api_error)
