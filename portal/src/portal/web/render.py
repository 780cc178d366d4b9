"""Templates, the filters every page uses (Vietnamese dates, money, statuses) and the responses that carry the
session cookie."""

from __future__ import annotations

import functools
from datetime import date, datetime
from importlib import resources
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

VN = ZoneInfo("Asia/Ho_Chi_Minh")
COOKIE = "dvc_session"

# status codes of the contract (api.md) with the national names people know (domain.md)
STATUS_LABELS = {
    "draft": "Hồ sơ nháp",
    "submitted": "Mới đăng ký",
    "supplement_requested": "Chờ bổ sung",
    "refused": "Từ chối tiếp nhận",
    "accepted": "Đã tiếp nhận",
    "processing": "Đang xử lý",
    "result_ready": "Có kết quả, chờ trả",
    "rejected": "Không giải quyết",
    "returned": "Đã trả kết quả",
    "withdrawn": "Đã rút hồ sơ",
}
LEVEL_LABELS = {1: "Mức độ 1", 2: "Mức độ 2", 3: "Mức độ 3 (một phần)", 4: "Mức độ 4 (toàn trình)"}
UNIT_LABELS = {"working_days": "ngày làm việc", "days": "ngày", "hours": "giờ"}
RETURN_METHODS = {"online": "Nhận trực tuyến", "counter": "Nhận tại Bộ phận Một cửa", "postal": "Nhận qua bưu chính"}


def _parse(value: Any) -> datetime | date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime | date):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            return None


def date_vn(value: Any) -> str:
    d = _parse(value)
    if d is None:
        return ""
    if isinstance(d, datetime):
        d = d.astimezone(VN) if d.tzinfo else d
    return d.strftime("%d/%m/%Y")


def datetime_vn(value: Any) -> str:
    d = _parse(value)
    if not isinstance(d, datetime):
        return date_vn(value)
    d = d.astimezone(VN) if d.tzinfo else d
    return d.strftime("%H:%M %d/%m/%Y")


def money(value: Any) -> str:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return ""
    return f"{n:,}".replace(",", ".") + " đồng"


def file_size(value: Any) -> str:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return ""
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB".replace(".", ",")
    return f"{max(1, round(n / 1024))} KB"


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("portal", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(date_vn=date_vn, datetime_vn=datetime_vn, money=money, file_size=file_size,
                       status_label=lambda s: STATUS_LABELS.get(str(s), str(s)),
                       level_label=lambda n: LEVEL_LABELS.get(int(n), f"Mức độ {n}"),
                       unit_label=lambda u: UNIT_LABELS.get(str(u), str(u)),
                       return_label=lambda m: RETURN_METHODS.get(str(m), str(m)),
                       # the filters a list page keeps in its page links: only those given
                       given=lambda d: {k: v for k, v in dict(d).items() if v})
    env.globals.update(urlencode=urlencode, RETURN_METHODS=RETURN_METHODS, STATUS_LABELS=STATUS_LABELS)
    return env


def static_version() -> str:
    """Cache-busting suffix of /static URLs: changes whenever the stylesheet or the script does."""
    return _static_version()


@functools.cache
def _static_version() -> str:
    import hashlib

    h = hashlib.sha256()
    for name in ("portal.css", "portal.js"):
        h.update(resources.files("portal").joinpath("static", name).read_bytes())
    return h.hexdigest()[:10]


def _with_cookie(request: Request, response: Response) -> Response:
    cookie = getattr(request.state, "set_cookie", None)
    if cookie is not None:
        value, max_age = cookie
        settings = request.app.state.settings
        if value:
            response.set_cookie(COOKIE, value, max_age=max_age, httponly=True, samesite="lax",
                                secure=settings.cookie_secure, path="/")
        else:
            response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=settings.cookie_secure)
    return response


def render(request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200,
           title: str = "") -> Response:
    visitor = getattr(request.state, "visitor", None)
    ctx = {
        "request": request,
        "visitor": visitor,
        "csrf": visitor.csrf if visitor is not None else "",
        "path": request.url.path,
        "static_v": static_version(),
        "title": title,
        "flash": request.query_params.get("thong-bao", ""),
        "errors": {},
        "values": {},
        **(context or {}),
    }
    html = environment().get_template(template).render(ctx)
    response = HTMLResponse(html, status_code=status)
    response.headers["Cache-Control"] = "no-store" if visitor is not None else "no-cache"
    return _with_cookie(request, response)


def redirect(request: Request, url: str, *, flash: str = "") -> Response:
    if flash:
        url += ("&" if "?" in url else "?") + urlencode({"thong-bao": flash})
    return _with_cookie(request, RedirectResponse(url, status_code=303))


def safe_next(value: str | None, default: str = "/") -> str:
    """Only a path of this site (no ``//host`` or scheme) may be where a login sends the person next."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default
