"""RFC 9457 problem+json: errors that carry their HTTP status, and handlers that never leak internals."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

PROBLEM = "application/problem+json"
TYPE_BASE = "https://dichvucong.dongnai.gov.vn/problems/"

_TITLES = {
    400: "Yêu cầu không hợp lệ",
    401: "Chưa xác thực",
    403: "Không có quyền",
    404: "Không tìm thấy",
    405: "Phương thức không được hỗ trợ",
    409: "Xung đột",
    413: "Dữ liệu quá lớn",
    415: "Định dạng không được chấp nhận",
    422: "Dữ liệu không hợp lệ",
    429: "Quá nhiều yêu cầu",
    500: "Lỗi hệ thống",
    502: "Dịch vụ phía sau trả lời lỗi",
    503: "Dịch vụ tạm thời không sẵn sàng",
    504: "Dịch vụ phía sau không trả lời kịp",
}


class Problem(Exception):
    status: int = 400
    slug: str = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        status: int | None = None,
        slug: str | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers
        self.extra = extra
        if status is not None:
            self.status = status
        if slug is not None:
            self.slug = slug


class Unauthorized(Problem):
    status, slug = 401, "unauthorized"

    def __init__(self, detail: str, **kw: Any) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"}, **kw)


class Forbidden(Problem):
    status, slug = 403, "forbidden"


class NotFound(Problem):
    status, slug = 404, "not-found"


class Conflict(Problem):
    status, slug = 409, "conflict"


class Invalid(Problem):
    """422 with the field named: ``Invalid.field(("body", "phone"), "Số điện thoại không hợp lệ")``."""

    status, slug = 422, "validation-error"

    @classmethod
    def field(cls, loc: tuple[str | int, ...] | list[str | int], msg: str) -> Invalid:
        return cls(msg, errors=[{"loc": list(loc), "msg": msg}])


class TooLarge(Problem):
    status, slug = 413, "payload-too-large"


class UnsupportedMedia(Problem):
    status, slug = 415, "unsupported-media-type"


class Unavailable(Problem):
    status, slug = 503, "service-unavailable"


def problem_response(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    instance: str | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + (slug or str(status)),
        "title": _TITLES.get(status, "Lỗi"),
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


_PYDANTIC_VI = {
    "missing": "Trường này là bắt buộc.",
    "string_too_short": "Giá trị quá ngắn (tối thiểu {min_length} ký tự).",
    "string_too_long": "Giá trị quá dài (tối đa {max_length} ký tự).",
    "too_short": "Cần ít nhất {min_length} phần tử.",
    "too_long": "Tối đa {max_length} phần tử.",
    "string_pattern_mismatch": "Giá trị không đúng định dạng.",
    "int_parsing": "Phải là số nguyên.",
    "int_type": "Phải là số nguyên.",
    "int_from_float": "Phải là số nguyên (không có phần thập phân).",
    "float_parsing": "Phải là một số.",
    "float_type": "Phải là một số.",
    "decimal_parsing": "Phải là một số.",
    "bool_parsing": "Phải là true hoặc false.",
    "bool_type": "Phải là true hoặc false.",
    "string_type": "Phải là chuỗi ký tự.",
    "string_unicode": "Phải là chuỗi ký tự Unicode hợp lệ.",
    "date_parsing": "Ngày không hợp lệ (định dạng YYYY-MM-DD).",
    "date_type": "Ngày không hợp lệ (định dạng YYYY-MM-DD).",
    "date_from_datetime_parsing": "Ngày không hợp lệ (định dạng YYYY-MM-DD).",
    "date_from_datetime_inexact": "Ngày không được có phần giờ.",
    "datetime_parsing": "Thời điểm không hợp lệ (ISO 8601, ví dụ 2026-11-30T09:00:00+07:00).",
    "datetime_type": "Thời điểm không hợp lệ (ISO 8601, ví dụ 2026-11-30T09:00:00+07:00).",
    "datetime_from_date_parsing": "Thời điểm không hợp lệ (ISO 8601, ví dụ 2026-11-30T09:00:00+07:00).",
    "uuid_parsing": "Mã định danh (UUID) không hợp lệ.",
    "uuid_type": "Mã định danh (UUID) không hợp lệ.",
    "json_invalid": "Nội dung JSON không hợp lệ.",
    "json_type": "Nội dung JSON không hợp lệ.",
    "model_attributes_type": "Phải là một đối tượng JSON.",
    "model_type": "Phải là một đối tượng JSON.",
    "dict_type": "Phải là một đối tượng JSON.",
    "list_type": "Phải là một danh sách.",
    "literal_error": "Giá trị không thuộc danh sách cho phép: {expected}.",
    "enum": "Giá trị không thuộc danh sách cho phép: {expected}.",
    "greater_than": "Giá trị phải lớn hơn {gt}.",
    "greater_than_equal": "Giá trị phải lớn hơn hoặc bằng {ge}.",
    "less_than": "Giá trị phải nhỏ hơn {lt}.",
    "less_than_equal": "Giá trị phải nhỏ hơn hoặc bằng {le}.",
    "multiple_of": "Giá trị phải là bội số của {multiple_of}.",
    "url_parsing": "Địa chỉ URL không hợp lệ.",
    "url_scheme": "Địa chỉ URL không hợp lệ.",
    "value_error": "Giá trị không hợp lệ.",
    "assertion_error": "Giá trị không hợp lệ.",
    "extra_forbidden": "Trường này không được phép.",
    "frozen_field": "Trường này không được thay đổi.",
}


def message_vi(err: Any) -> str:
    """A pydantic error (``ValidationError.errors()`` item) as a Vietnamese sentence; our own validators
    already raise ``ValueError`` with a Vietnamese message, which is kept."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind in ("value_error", "assertion_error") and ctx.get("error"):
        return str(ctx["error"])
    template = _PYDANTIC_VI.get(kind)
    if template is None:
        return "Giá trị không hợp lệ."
    try:
        return template.format(**{k: v for k, v in ctx.items()})
    except (KeyError, IndexError, ValueError):
        return template.split(" (")[0].split(":")[0].rstrip(".") + "."


def validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        loc = [str(p) if not isinstance(p, int) else p for p in err.get("loc", ())]
        if err.get("type") == "json_invalid":
            loc = loc[:1]  # the position of the syntax error is no field
        out.append({"loc": loc, "msg": message_vi(err), "type": err.get("type")})
    return out


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(
            exc.status, exc.detail, slug=exc.slug, errors=exc.errors, headers=exc.headers, **exc.extra
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(exc)
        fields = ", ".join(".".join(str(p) for p in e["loc"][1:] or e["loc"]) for e in errors[:5])
        return problem_response(422, f"Dữ liệu không hợp lệ ở: {fields}.", slug="validation-error", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = (
            exc.detail
            if isinstance(exc.detail, str) and exc.status_code != 404
            else _TITLES.get(exc.status_code, "Lỗi")
        )
        if exc.status_code == 404:
            detail = "Không tìm thấy tài nguyên được yêu cầu."
        elif exc.status_code == 400 and detail == "There was an error parsing the body":
            detail = "Không đọc được nội dung yêu cầu: JSON hoặc biểu mẫu (form) không hợp lệ."
        return problem_response(exc.status_code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        if _sqlstate(exc) in _BAD_TEXT:  # e.g. U+0000 or a lone surrogate that PostgreSQL cannot store
            return problem_response(
                422,
                "Dữ liệu chứa ký tự không hợp lệ (ví dụ ký tự NUL).",
                slug="validation-error",
                errors=[{"loc": ["body"], "msg": "Dữ liệu chứa ký tự không hợp lệ (ví dụ ký tự NUL)."}],
            )
        if exc.connection_invalidated:  # the database restarted or dropped us: the pool renews its connections
            log.warning("database connection lost on %s %s: %s", request.method, request.url.path, exc.orig)
            return problem_response(503, "Hệ thống đang kết nối lại cơ sở dữ liệu. Vui lòng thử lại sau giây lát.",
                                    slug="unavailable", headers={"Retry-After": "1"})
        log.exception("database error on %s %s", request.method, request.url.path)
        return problem_response(500, "Đã xảy ra lỗi hệ thống. Vui lòng thử lại sau.", slug="internal")

    app.add_middleware(Guard)  # one pure ASGI layer: NUL refused up front, then unexpected errors answered


_BAD_TEXT = {"22021", "22P05"}  # character_not_in_repertoire, untranslatable_character


def _sqlstate(exc: DBAPIError) -> str | None:
    orig = exc.orig
    return getattr(orig, "sqlstate", None) or getattr(getattr(orig, "__cause__", None), "sqlstate", None)


def _nul_location(scope: Scope) -> list[str] | None:
    """Where a U+0000 is in the path or the query string (PostgreSQL cannot store it), or None."""
    query: bytes = scope.get("query_string", b"")
    if "\x00" in scope.get("path", "") or b"%00" in scope.get("raw_path", b""):
        return ["path"]
    if b"%00" in query or b"\x00" in query:  # the common case (none) costs no parsing
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if "\x00" in name or "\x00" in value:
                return ["query", name.replace("\x00", "")]
    return None


class Guard:
    """One pure ASGI layer for two guarantees:

    - a NUL in the path or the query string is refused up front (422), naming where it is;
    - an unhandled exception becomes a 500 problem *without* being re-raised. Starlette's own handler for
      ``Exception`` answers and then re-raises, which makes uvicorn drop the keep-alive connection: the
      gateway's next request on that pooled connection would then fail too.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loc = _nul_location(scope)
        if loc is not None:
            response = problem_response(
                422,
                f"Dữ liệu không hợp lệ ở: {'.'.join(loc)}.",
                slug="validation-error",
                errors=[{"loc": loc, "msg": "Không được chứa ký tự NUL."}],
            )
            await response(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except ClientDisconnect:  # the client went away mid-request: nobody to answer, nothing went wrong here
            log.info("client disconnected during %s %s", scope.get("method"), scope.get("path"))
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            response = problem_response(500, "Đã xảy ra lỗi hệ thống. Vui lòng thử lại sau.", slug="internal")
            await response(scope, receive, send)
