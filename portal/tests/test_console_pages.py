"""The officer console over HTTP, as a browser without JavaScript: its own login (citizens refused), menus built
from the officer's roles, 404 for pages and dossiers outside the officer's roles or agency."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from portal_testing import officer

pytestmark = pytest.mark.e2e


@pytest.fixture
def web(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=30, follow_redirects=False) as client:
        yield client


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "the page has no CSRF field"
    return m.group(1)


def console_login(web: httpx.Client, username: str, password: str = "CanBo@2026", *,
                  tiep: str = "/can-bo/") -> httpx.Response:
    page = web.get("/can-bo/dang-nhap")
    assert page.status_code == 200
    return web.post("/can-bo/dang-nhap", data={"username": username, "password": password, "tiep": tiep,
                                               "csrf_token": csrf_of(page.text)})


def menu_of(html: str) -> list[str]:
    nav = re.search(r'<nav aria-label="Chức năng cán bộ".*?</nav>', html, re.S)
    return re.findall(r">([^<]+)</a>", nav.group(0)) if nav else []


def test_anonymous_visitors_go_to_the_console_login(web: httpx.Client) -> None:
    r = web.get("/can-bo/")
    assert r.status_code == 303 and r.headers["location"].startswith("/can-bo/dang-nhap?tiep=/can-bo/")
    page = web.get("/can-bo/dang-nhap")
    assert "<h1>Đăng nhập trang cán bộ</h1>" in page.text and menu_of(page.text) == []


def test_citizens_are_refused_at_the_console_login(web: httpx.Client) -> None:
    r = console_login(web, "congdan1", "CongDan@2026")
    assert r.status_code == 422
    assert "Đây là tài khoản công dân" in r.text and 'href="#f-username"' in r.text and 'value="congdan1"' in r.text
    assert "dvc_session" not in r.headers.get("set-cookie", "") or web.get("/ho-so").status_code == 303
    # a citizen logged in on the citizen portal finds no console page
    page = web.get("/dang-nhap")
    web.post("/dang-nhap", data={"username": "congdan1", "password": "CongDan@2026", "csrf_token": csrf_of(page.text)})
    assert web.get("/ho-so").status_code == 200
    for path in ("/can-bo/", "/can-bo/tiep-nhan", "/can-bo/xu-ly", "/can-bo/tra-cuu"):
        r = web.get(path)
        assert r.status_code == 404, path
        assert "Không tìm thấy trang" in r.text and menu_of(r.text) == []


def test_menu_follows_the_roles_and_logout(web: httpx.Client) -> None:
    r = console_login(web, "tiepnhan.stp")
    assert r.status_code == 303 and r.headers["location"] == "/can-bo/"
    home = web.get("/can-bo/")
    assert home.status_code == 200 and "<h1>Tổng quan</h1>" in home.text
    assert menu_of(home.text)[:3] == ["Tổng quan", "Tiếp nhận hồ sơ", "Trả kết quả"]
    assert "Sở Tư pháp" in home.text
    r = web.post("/can-bo/dang-xuat", data={"csrf_token": csrf_of(home.text)})
    assert r.status_code == 303 and r.headers["location"].startswith("/can-bo/dang-nhap")
    assert web.get("/can-bo/").status_code == 303

    assert console_login(web, "chuyenvien.stp").status_code == 303
    home = web.get("/can-bo/")
    menu = menu_of(home.text)
    assert "Xử lý hồ sơ" in menu and "Tra cứu hồ sơ" in menu and "Tiếp nhận hồ sơ" not in menu
    # a page group of another role does not exist for this officer
    assert web.get("/can-bo/tiep-nhan").status_code == 404
    assert web.get("/can-bo/khong-co-trang-nay").status_code == 404


def test_an_officer_created_by_the_admin_logs_in_with_their_agency(web: httpx.Client, base_url: str) -> None:
    officer(base_url, "000.00.02.H19", "leader")  # leader.0000002h19
    r = console_login(web, "leader.0000002h19", "CanBo@2026x", tiep="//evil.example/")
    assert r.status_code == 303 and r.headers["location"] == "/can-bo/"
    home = web.get("/can-bo/")
    assert "Sở Kế hoạch và Đầu tư" in home.text and "Lãnh đạo" in home.text
