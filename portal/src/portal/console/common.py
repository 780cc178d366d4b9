"""What every page of the officer console shares: the officer behind the request, the role checks, the menu and
the page renderer.

A page group is a module with ``router = console_router("role", ...)``: its pages answer only to logged-in
officers holding one of those roles (anyone else gets 404, an anonymous visitor the console's login page), and
every POST passes the CSRF check. Its menu entry is one line in ``MENU``; its router one line in
``portal.console.ROUTERS``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from contracts.vocabulary import step_label
from portal.account.service import Visitor
from portal.api import ApiError
from portal.catalog.service import CatalogPages
from portal.errors import LoginRequired, MfaSetupRequired, PageNotFound
from portal.web.render import render
from portal.web.security import check_csrf, current_visitor
from servicekit.db import SessionDep

PREFIX = "/can-bo"
# roles of the contract (api.md) that work in the console; a citizen account has none of them
OFFICER_ROLES = frozenset({"reception", "specialist", "leader", "catalog_editor", "admin", "auditor"})
CASEWORK = frozenset({"reception", "specialist", "leader"})
ROLE_LABELS = {"reception": "Tiếp nhận và trả kết quả", "specialist": "Chuyên viên xử lý", "leader": "Lãnh đạo",
               "catalog_editor": "Biên tập thủ tục", "admin": "Quản trị hệ thống", "auditor": "Thanh tra, giám sát"}


@dataclass(frozen=True)
class Officer:
    """The logged-in officer: roles, agency and department as the gateway's ``/auth/me`` gave them at login."""

    visitor: Visitor
    roles: frozenset[str]
    agency_code: str | None
    department: str | None

    @classmethod
    def of(cls, visitor: Visitor) -> Officer:
        p = visitor.profile
        return cls(visitor=visitor, roles=frozenset(str(r) for r in p.get("roles") or []),
                   agency_code=p.get("agency_code") or None, department=p.get("department") or None)

    @property
    def setting_up_mfa(self) -> bool:
        """Logged in with a token that only sets up the second factor (no roles until it is confirmed)."""
        return bool(self.visitor.profile.get("mfa_setup_required"))

    @property
    def token(self) -> str | None:
        return self.visitor.token

    @property
    def user_id(self) -> str:
        return str(self.visitor.user_id or "")

    @property
    def full_name(self) -> str:
        return self.visitor.full_name

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    def need(self, *roles: str) -> None:
        """A page or action for other roles does not exist for this officer."""
        if not self.has(*roles):
            raise PageNotFound()


@dataclass(frozen=True)
class MenuEntry:
    href: str
    label: str
    roles: frozenset[str]
    # a further condition on the officer (e.g. the province's inspectors only); None: the roles suffice
    when: Callable[[Officer], bool] | None = None

    def shown_to(self, officer: Officer) -> bool:
        return officer.has(*self.roles) and (self.when is None or self.when(officer))


def _entry(href: str, label: str, roles: Iterable[str], when: Callable[[Officer], bool] | None = None) -> MenuEntry:
    return MenuEntry(PREFIX + href, label, frozenset(roles), when)


# The console's menu, in order. Add a page group with one line: _entry("/path", "Nhãn", {"role", ...}).
MENU: list[MenuEntry] = [
    _entry("/", "Tổng quan", OFFICER_ROLES),
    _entry("/tiep-nhan", "Tiếp nhận hồ sơ", {"reception"}),
    _entry("/tra-ket-qua", "Trả kết quả", {"reception"}),
    _entry("/xu-ly", "Xử lý hồ sơ", CASEWORK),
    _entry("/tra-cuu", "Tra cứu hồ sơ", {*CASEWORK, "auditor"}),
    _entry("/bao-cao", "Báo cáo thống kê", {*CASEWORK, "auditor", "admin"}),
    _entry("/thu-tuc", "Danh mục thủ tục", {"catalog_editor", "admin"}),
    _entry("/tro-giup", "Hỏi đáp, thông báo", {"catalog_editor", "admin"}),
    _entry("/quan-tri", "Quản trị", {"admin"}),
    _entry("/phan-anh", "Phản ánh, kiến nghị", CASEWORK),
    _entry("/van-hanh", "Vận hành hệ thống", {"admin"}),
]


def menu_for(officer: Officer | None) -> list[MenuEntry]:
    return [e for e in MENU if officer is not None and e.shown_to(officer)]


async def logged_in_officer(request: Request, db: SessionDep) -> Officer:
    """An officer, or one still setting up the second factor: an anonymous visitor is sent to the console's
    login page; a citizen gets 404."""
    if isinstance(found := getattr(request.state, "officer", None), Officer):
        return found
    visitor = await current_visitor(request, db)
    if visitor is None or not visitor.logged_in:
        raise LoginRequired(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    officer = Officer.of(visitor)
    if not officer.setting_up_mfa and not officer.has(*OFFICER_ROLES):
        raise PageNotFound()
    request.state.officer = officer
    return officer


async def current_officer(request: Request, db: SessionDep) -> Officer:
    """A console page's visitor: as ``logged_in_officer``, and one still setting up the second factor is sent to
    that set-up (the gateway refuses their token everywhere else)."""
    officer = await logged_in_officer(request, db)
    if officer.setting_up_mfa:
        raise MfaSetupRequired()
    return officer


OfficerDep = Annotated[Officer, Depends(current_officer)]


def console_router(*roles: str) -> APIRouter:
    """The router of one page group: CSRF on every POST, and only officers with one of ``roles`` (404 otherwise)."""
    allowed = frozenset(roles) or OFFICER_ROLES

    async def require_roles(officer: OfficerDep) -> None:
        officer.need(*allowed)

    return APIRouter(prefix=PREFIX, include_in_schema=False,
                     dependencies=[Depends(check_csrf), Depends(require_roles)])


async def agency_name(request: Request, code: str | None) -> str:
    if not code:
        return ""
    agencies = await CatalogPages(request.app.state.api, request.app.state.cache).agencies()
    return next((str(a["name"]) for a in agencies if a["code"] == code), code)


async def page(request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200,
               title: str = "") -> Response:
    """A console page: the menu of the officer's roles, their name and agency in the header."""
    officer = getattr(request.state, "officer", None)
    return render(request, template, {
        "officer": officer, "menu": menu_for(officer), "role_labels": ROLE_LABELS, "options": options,
        "step_label": step_label,
        "agency_name": await agency_name(request, officer.agency_code if officer else None),
        **(context or {}),
    }, status=status, title=title)


def options(items: list[dict[str, Any]], value: str = "code", text: str = "name") -> list[tuple[str, str]]:
    """(value, text) pairs of a select from API items."""
    return [(str(i[value]), str(i[text])) for i in items]


def page_number(request: Request, name: str = "trang") -> int:
    try:
        return max(1, min(10_000, int(request.query_params.get(name) or 1)))
    except ValueError:
        return 1


def last_page(total: Any, size: int) -> int:
    return max(1, -(-int(total or 0) // size))


def q(code: str) -> str:
    return quote(code, safe="")


def prefixed(values: dict[str, str], prefix: str) -> dict[str, str]:
    """The fields of one of a page's several forms (named ``<form>.<field>``), by their own names."""
    return {k.removeprefix(prefix + "."): v for k, v in values.items() if k.startswith(prefix + ".")}


async def agency_procedures(request: Request, agency_code: str | None) -> list[dict[str, Any]]:
    """The procedures an agency carries out (for the desk's registration and the search filter)."""
    if not agency_code:
        return []
    api = request.app.state.api

    async def load() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for number in range(1, 6):
            result = await api.get("/api/v1/catalog/procedures",
                                   params={"agency": agency_code, "size": 100, "page": number})
            items.extend(result["items"])
            if len(items) >= int(result["total"]):
                break
        return sorted(items, key=lambda p: str(p["name"]))

    result: list[dict[str, Any]] = await request.app.state.cache.get("agency-procedures:" + agency_code, load)
    return result


def field_errors(exc: ApiError, known: dict[str, str], fallback: str) -> dict[str, str]:
    """The API's field errors on the page's fields; anything else at ``fallback`` with the API's message."""
    found = {k.split(".")[0]: v for k, v in exc.field_errors().items()}
    errors = {k: v for k, v in found.items() if k in known}
    return errors or {fallback: exc.detail or next(iter(found.values()), "Dữ liệu chưa hợp lệ.")}
